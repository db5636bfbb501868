import re

from machaudit.findings import Location, Severity
from machaudit.registry import check
from machaudit_checks.blast_radius import _intent as intent

KINDS = {  # what is created -> (head noun, words of its reversal, default severity)
    "order": (intent.ORDER, r"cancel|storn|void|annul|widerruf|withdraw|revoke|abbruch|abbrechen", "high"),
    "shipment": (intent.SHIPMENT, r"cancel|storn|void|annul|withdraw|recall|abbruch", "medium"),
    "invoice": (intent.INVOICE, r"credit ?note|gutschrift|void|refund|storn|cancel|korrektur|annul|erstatt", "medium"),
    "payment": (intent.PAYMENT, r"refund|cancel|void|revers|erstatt|storn|chargeback|rueckbuch|rückbuch", "medium"),
}
# A reversal word on its own already names the thing it reverses.
SELF_EVIDENT = {"invoice": r"credit ?note|gutschrift", "payment": r"refund|revers|erstatt|chargeback"}


@check("BLR003", "no-reversal-operation", severity="high", options={
    "reversal_words": {k: v[1] for k, v in KINDS.items()},
    "severities": {k: v[2] for k, v in KINDS.items()},
})
def no_reversal_operation(ctx):
    """What: an API that creates orders but offers no way to cancel them (cancel, Storno, void, or
    `DELETE` on the order) — high; one that creates shipments without cancel/void, invoices
    without credit note/void/refund, or payments without refund/cancel — medium. Reversals in
    another API of the same provider component count; APIs provided only by a BFF or gateway are
    not judged (they forward creation, the reversal belongs to the system behind them).

    Why it matters for MACH: after a faulty release (a voucher bug, a wrong price list) the
    damage is undone record by record through APIs. When the only way to cancel an order is a
    clerk in the ERP screen, cleaning up 50,000 orders takes weeks, and the channels cannot offer
    self-service cancellation either.

    Example: the OMS order API has `POST /auftraege` but no cancel or Storno operation;
    cancellation exists only as a transaction in SAP.

    Fix: add the reversal to the contract: `POST /orders/{id}/cancellation` (or `…/storno`),
    `POST /shipments/{id}/cancel`, `POST /invoices/{id}/credit-notes`, `POST /payments/{id}/refunds`
    — idempotent, with a reason code, and usable in bulk.
    """
    stack = ctx.stack
    words = ctx.options["reversal_words"]
    severities = {k: Severity.parse(v) for k, v in ctx.options["severities"].items()}
    for spec in intent.parsed_specs(stack):
        if _relay_only(stack, spec):
            continue  # a BFF or gateway forwards creation; the reversal belongs to the system behind it
        created = {}
        for kind, (noun, _, _) in KINDS.items():
            ops = [op for op in spec.operations if intent.creates(op, noun)]
            if ops:
                created[kind] = ops
        if not created:
            continue
        family = [op for s in intent.sibling_specs(stack, spec) for op in s.operations]
        gaps = []
        for kind, ops in created.items():
            noun = KINDS[kind][0]
            if not any(_reverses(op, kind, noun, words.get(kind, KINDS[kind][1])) for op in family):
                gaps.append((kind, ops))
        if not gaps:
            yield ctx.passed(spec.display, "can reverse every " + ", ".join(created) + " it creates")
            continue
        severity = max(severities.get(kind, Severity.MEDIUM) for kind, _ in gaps)
        parts = [f"creates {kind}s ({', '.join(op.label for op in ops[:2])}) with no "
                 f"{_describe(kind)} operation" for kind, ops in gaps]
        name = spec.title or spec.display
        yield ctx.fail(
            spec.display,
            f"{name} " + "; ".join(parts),
            Location(spec.display, gaps[0][1][0].pointer),
            evidence={"missing": {kind: [op.label for op in ops] for kind, ops in gaps}},
            severity=severity,
        )
    for api, reason in intent.apis_without_spec(stack, r"order|auftr|bestell|shipping|shipment|versand|invoice|rechnung|billing|payment|zahlung"):
        yield ctx.unknown(api.ref, f"API {api.label} {reason}, so whether it can cancel or reverse what it creates is unknown", api.location)


def _relay_only(stack, spec) -> bool:
    providers = [p for api in stack.apis_of_spec(spec.key) for p in stack.providers_of(api.ref)]
    return bool(providers) and all(p.is_gateway for p in providers)


def _describe(kind: str) -> str:
    return {"order": "cancel/storno/void", "shipment": "cancel/void", "invoice": "credit-note/void/refund",
            "payment": "refund/cancel"}[kind]


def _reverses(op, kind: str, noun: str, pattern: str) -> bool:
    text = intent.words_of(op)
    if op.method == "DELETE" and kind in ("order", "shipment"):
        raw = [s for s in op.path.split("/") if s]
        literal = intent.literal_segments(op.path)
        if raw and intent.is_param(raw[-1]) and literal and intent.names(literal[-1], noun):
            return True  # DELETE /orders/{id}
    if not re.search(pattern, text):
        return False
    if kind in SELF_EVIDENT and re.search(SELF_EVIDENT[kind], text):
        return True
    return intent.touches(op, noun) or any(intent.ends_with(w, noun) for w in text.split())
