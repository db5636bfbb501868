import functools

from machaudit import capabilities
from machaudit.findings import Severity
from machaudit.registry import check
from machaudit_checks.blast_radius import _intent as intent
from machaudit.capabilities.vocabulary import name_pattern

# What is created -> (actions that undo it, default severity). The words that name creating,
# cancelling, voiding, refunding, Storno, credit notes live in machaudit.capabilities.vocabulary.
KINDS = {
    "order": ({"cancel", "refund", "delete"}, "high"),
    "shipment": ({"cancel", "refund", "delete"}, "medium"),
    "invoice": ({"cancel", "refund"}, "medium"),
    "payment": ({"refund", "cancel"}, "medium"),
}
# Operations the audited side receives (webhooks) neither create nor reverse anything.
CALLERS = capabilities.CALLERS


@check("BLR003", "no-reversal-operation", severity="high", options={
    "severities": {k: v[1] for k, v in KINDS.items()},
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
    severities = {k: Severity.parse(v) for k, v in ctx.options["severities"].items()}
    for spec in intent.parsed_specs(stack):
        if _relay_only(stack, spec):
            continue  # a BFF or gateway forwards creation; the reversal belongs to the system behind it
        created = {}
        for kind in KINDS:
            ops = [found.operation for found in capabilities.of_spec(spec) if capabilities.creates(found, kind)]
            if ops:
                created[kind] = ops
        if not created:
            continue
        gaps = []
        for kind, ops in created.items():
            reversal = functools.partial(_reverses, kind)
            if intent.in_companions(stack, spec, f"reverses {kind}", reversal) is None:
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
            spec.location(gaps[0][1][0].pointer),
            evidence={"missing": {kind: [op.label for op in ops] for kind, ops in gaps}},
            severity=severity,
        )
    for api, reason in intent.apis_without_spec(stack, name_pattern("order", "shipment", "invoice", "payment")):
        yield ctx.unknown(api.ref, f"API {api.label} {reason}, so whether it can cancel or reverse what it creates is unknown", api.location)


def _relay_only(stack, spec) -> bool:
    providers = [p for api in stack.apis_of_spec(spec.key) for p in stack.providers_of(api.ref)]
    return bool(providers) and all(p.is_gateway for p in providers)


def _describe(kind: str) -> str:
    return {"order": "cancel/storno/void", "shipment": "cancel/void", "invoice": "credit-note/void/refund",
            "payment": "refund/cancel"}[kind]


def _reverses(kind: str, spec, found) -> bool:
    return found.offers(kind, *KINDS[kind][0])
