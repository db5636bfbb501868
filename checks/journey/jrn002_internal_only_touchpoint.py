from machaudit.model import ref_name
from machaudit.registry import check

from machaudit_checks.journey._cells import INTERNAL_ONLY, SELF_SERVICE, customer_states, operation_location


@check("JRN002", "internal-only-touchpoint", severity="medium")
def internal_only_touchpoint(ctx):
    """What: an operation for a journey touchpoint exists, but no customer channel (and not even the
    call centre) reaches it through the graph.

    Why it matters for MACH: the API was built and paid for, yet the headless promise is not kept:
    no head uses it, so customers email or phone someone who looks it up in a back-office screen.

    Example: the ERP exposes `GET /rechnungen` (invoices) but only the accounting service consumes it.

    Fix: route it through the customer-facing gateway/BFF, with the authorisation customers need.
    """
    journey = ctx.journey
    if journey is None or not journey.customer_channels(ctx.stack):
        yield ctx.not_applicable("journey", "no customer channel in the catalog")
        return
    for touchpoint in journey.journey.touchpoints:
        states = customer_states(ctx, touchpoint)
        subject = f"touchpoint {touchpoint.name}"
        if all(s == INTERNAL_ONLY for s in states.values()):
            match = journey.matches[touchpoint.name][0]
            yield ctx.fail(
                subject,
                f"'{touchpoint.name}' exists as {match.operation} of {ref_name(match.api)}, "
                f"but no customer channel or call centre reaches it",
                operation_location(match),
                evidence={"touchpoint": touchpoint.name, "operations": [m.operation for m in journey.matches[touchpoint.name]]},
            )
        elif any(s == SELF_SERVICE for s in states.values()):
            yield ctx.passed(subject)
