from machaudit.findings import Severity
from machaudit.model import ref_name
from machaudit.registry import check

from machaudit_checks.journey._cells import (PHONE_ONLY, SELF_SERVICE, STAFF_ONLY, customer_states,
                                             operation_location, required)


@check("JRN001", "phone-only-touchpoint", severity="high")
def phone_only_touchpoint(ctx):
    """What: a journey touchpoint (order tracking, price and availability, placing an order, credit
    check …) that no customer channel reaches, but the call centre does: the customer has to phone.

    Why it matters for MACH: the capability exists as an API, so the gap is composition, not
    construction; every call costs an agent's time and the customer's patience, and B2B buyers
    expect to do this themselves at night.

    Example: `GET /orders/{id}/tracking` is consumed only by the call-centre desktop; the B2B portal
    and the mobile app cannot show a delivery status.
    A channel that reaches the API but only an operation for staff (`/admin/orders/{id}/cancel`,
    staff-only on the map) counts as not reaching it: a customer never calls a staff operation.

    Fix: expose the operation through the gateway/BFF the customer channels use.
    """
    journey = ctx.journey
    if journey is None or not journey.customer_channels(ctx.stack):
        yield ctx.not_applicable("journey", "no customer channel in the catalog")
        return
    for touchpoint in journey.journey.touchpoints:
        states = customer_states(ctx, touchpoint)
        subject = f"touchpoint {touchpoint.name}"
        # A channel that reaches the operation only for staff (staff-only) leaves the phone too.
        agent = _agent_cell(journey, touchpoint, states)
        if agent is not None and all(s in (PHONE_ONLY, STAFF_ONLY) for s in states.values()):
            cell = agent
            path = " -> ".join(ref_name(n) for n in cell.path)
            staff = [ref_name(c) for c, s in states.items() if s == STAFF_ONLY]
            yield ctx.fail(
                subject,
                f"customers can only get '{touchpoint.name}' by phone: {cell.match.operation} of "
                f"{ref_name(cell.match.api)} is reached only from the call centre ({path}); "
                f"not from {', '.join(ref_name(c) for c in states)}"
                + (f"; {', '.join(staff)} reach{'es' if len(staff) == 1 else ''} it only in an operation for staff"
                   if staff else ""),
                operation_location(cell.match),
                evidence={"touchpoint": touchpoint.name, "operation": cell.match.operation,
                          "api": cell.match.api, "path": list(cell.path), "channels": list(states)},
                severity=None if required(ctx, touchpoint) else Severity.MEDIUM,
            )
        elif any(s == SELF_SERVICE for s in states.values()):
            yield ctx.passed(subject)
        else:
            yield ctx.not_applicable(subject, "no channel reaches it at all (JRN002/HDL002)")


def _agent_cell(journey, touchpoint, states):
    """The cell of a call centre that does it for the customer: a phone-only cell carries it, else
    the call centre's own self-service cell."""
    phone_only = next((c for c, s in states.items() if s == PHONE_ONLY), None)
    if phone_only is not None:
        return journey.cell(touchpoint.name, phone_only)
    return next((journey.cell(touchpoint.name, c) for c in journey.channels
                 if c not in states and journey.cell(touchpoint.name, c).state == SELF_SERVICE), None)
