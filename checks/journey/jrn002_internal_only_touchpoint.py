from machaudit.journey import entry_paths
from machaudit.model import ref_name
from machaudit.registry import check

from machaudit_checks.journey._cells import INTERNAL_ONLY, SELF_SERVICE, customer_states, operation_location


@check("JRN002", "internal-only-touchpoint", severity="medium")
def internal_only_touchpoint(ctx):
    """What: an operation for a journey touchpoint exists, but no customer channel (and not even the
    call centre) reaches it: no channel consumes its API, no gateway routes there, no BFF offers it.
    When a service the channels do reach calls the API itself, the finding names it: that service
    may take the step for the customer (a shop that authorises the payment while placing the
    order), which the map cannot see unless the operation is mapped explicitly.

    Why it matters for MACH: the API was built and paid for, yet the headless promise is not kept:
    no head uses it, so customers email or phone someone who looks it up in a back-office screen.

    Example: the ERP exposes `GET /rechnungen` (invoices) but only the accounting service consumes it.

    Fix: route it through the customer-facing gateway/BFF, with the authorisation customers need.
    """
    journey = ctx.journey
    if journey is None or not journey.customer_channels(ctx.stack):
        yield ctx.not_applicable("journey", "no customer channel in the catalog")
        return
    reached = {api: channel for channel in journey.channels for api in entry_paths(ctx.stack, channel)}
    for touchpoint in journey.journey.touchpoints:
        states = customer_states(ctx, touchpoint)
        subject = f"touchpoint {touchpoint.name}"
        if all(s == INTERNAL_ONLY for s in states.values()):
            match = journey.matches[touchpoint.name][0]
            behind = _called_behind(ctx, match.api, reached)
            yield ctx.fail(
                subject,
                f"'{touchpoint.name}' exists as {match.operation} of {ref_name(match.api)}, "
                f"but no customer channel or call centre reaches it"
                + (f"; only {', '.join(behind)} calls it, behind the channels' entry points: if that service takes "
                   f"this step for the customer, map the operation that does it with x-machaudit-touchpoint"
                   if behind else ""),
                operation_location(match),
                evidence={"touchpoint": touchpoint.name, "operations": [m.operation for m in journey.matches[touchpoint.name]],
                          "called_behind_entry_points": behind},
            )
        elif any(s == SELF_SERVICE for s in states.values()):
            yield ctx.passed(subject)


def _called_behind(ctx, api: str, reached: dict[str, str]) -> list[str]:
    """'service (provides x-api, which channel calls)' for each consumer of the API that serves an
    API some channel reaches."""
    out = []
    for component in ctx.stack.components:
        if api not in component.consumes_apis or component.is_channel:
            continue
        served = next((a for a in component.provides_apis if a in reached), None)
        if served:
            out.append(f"{component.name} (provides {ref_name(served)}, which {ref_name(reached[served])} uses)")
    return sorted(out)
