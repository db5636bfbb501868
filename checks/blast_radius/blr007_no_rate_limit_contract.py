from machaudit import capabilities, spec_analysis
from machaudit.registry import check
from machaudit_checks.blast_radius import _intent as intent


@check("BLR007", "no-rate-limit-contract", severity="low")
def no_rate_limit_contract(ctx):
    """What: an operation that creates orders and declares no `429 Too Many Requests` response.

    Why it matters for MACH: order creation is what a bot, a broken retry loop or a viral
    voucher hammers first. When the contract does not say the API can refuse with 429 (and when
    to come back, `Retry-After`), clients do not back off, gateways cannot throttle
    consistently, and a flood of orders reaches fulfilment and invoicing before anyone notices.

    Example: `POST /orders` of the legacy shop answers 201, 400 and 500 only.

    Fix: rate-limit order creation at the gateway or in the service and declare the `429`
    response with a `Retry-After` header in the spec, so clients and gateways can rely on it.
    """
    for spec in intent.parsed_specs(ctx.stack):
        for found in capabilities.of_spec(spec):
            if not capabilities.creates(found, "order"):
                continue
            op = found.operation
            subject = f"{spec.display} {op.label}"
            if "429" in op.responses:
                yield ctx.passed(subject)
                continue
            codes = ", ".join(op.responses) or "none"
            yield ctx.fail(
                subject,
                f"{op.label} creates orders but declares no 429 response (declared: {codes})",
                spec.location(spec_analysis.pointer(op, "responses")),
                evidence={"responses": list(op.responses)},
            )
    for api, reason in intent.apis_without_spec(ctx.stack, r"order|auftr|bestell"):
        yield ctx.unknown(api.ref, f"API {api.label} {reason}, so whether its order creation declares a rate limit is unknown", api.location)
