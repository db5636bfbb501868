from machaudit import capabilities
from machaudit.capabilities import evidence
from machaudit.capabilities.vocabulary import name_pattern
from machaudit.registry import check
from machaudit_checks.blast_radius import _intent as intent


@check("BLR005", "no-idempotency", severity="medium", options={
    "headers": ["idempotency-key", "x-idempotency-key", "idempotency-token"],
})
def no_idempotency(ctx):
    """What: an operation that creates an order or a payment (POST on an order or payment
    collection, or an action such as `/payments/confirm`, `/paymentAuth`, `/orders/import`)
    without an `Idempotency-Key` header parameter (or `X-Idempotency-Key`, `Idempotency-Token`;
    configurable). Saving a card or opening a payment session charges nothing and is not judged:
    `POST /checkout/zahlung` "Zahlung starten (Zahlungssitzung beim Payment-Provider anlegen)",
    which answers with a session id, opens a session at the provider; the charge happens when the
    shopper authorises it there, and a retried call opens a second session, not a second charge.

    Why it matters for MACH: between a channel, a BFF, the commerce platform and the OMS every
    call can time out and be retried. Without an idempotency key a retry places the order twice
    or charges the card twice, and after an incident nobody can safely replay the failed calls.

    Example: `POST /auftraege` in the OMS declares no `Idempotency-Key`; its description says a
    retry after a timeout creates a second order.

    An idempotency key in the request body (a top-level `idempotency_key` field, as Square's API
    takes it) counts as well as the header.

    Fix: accept an `Idempotency-Key` header on every creating call, store the key with the result
    for at least 24 hours, and return the first result for a repeated key (409 for a different
    body with the same key).
    """
    accepted = {h.lower() for h in ctx.options["headers"]}
    # The same key as a top-level field of the request body (Square's `idempotency_key`)
    accepted_words = {evidence.words(h) for h in accepted}
    for spec in intent.parsed_specs(ctx.stack):
        for found in capabilities.of_spec(spec):
            kind = _creates(found)
            if kind is None:
                continue
            op = found.operation
            subject = f"{spec.display} {op.label}"
            if intent.header_names(op) & accepted:
                yield ctx.passed(subject)
                continue
            in_body = next((name for name in evidence.body_of(spec, op).properties
                            if evidence.words(name) in accepted_words), None)
            if in_body:
                yield ctx.passed(subject, f"the request body carries {in_body}")
                continue
            yield ctx.fail(
                subject,
                f"{op.label} creates {'an order' if kind == 'order' else 'a payment'} but declares no Idempotency-Key "
                f"header: a retried call can {'place the order' if kind == 'order' else 'charge'} twice",
                spec.location(op.pointer),
                evidence={"creates": kind, "headers": sorted(intent.header_names(op))},
            )
    for api, reason in intent.apis_without_spec(ctx.stack, name_pattern("order", "payment")):
        yield ctx.unknown(api.ref, f"API {api.label} {reason}, so whether its order or payment creation is idempotent is unknown", api.location)


def _creates(found) -> str | None:
    """"order" or "payment" when the operation places an order or moves money (a capture, an
    authorisation), not when it saves a card or opens a payment session; None otherwise."""
    return next((kind for kind in ("order", "payment") if capabilities.creates(found, kind)), None)
