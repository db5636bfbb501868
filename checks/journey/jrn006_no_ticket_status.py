import re

from machaudit.model import ref_name
from machaudit.registry import check

from machaudit_checks.journey._cells import SELF_SERVICE

TICKET_SYSTEM = re.compile(r"ticket|helpdesk|help-desk|support|service-?desk|zendesk|freshdesk|servicenow|jira-?service", re.I)


@check("JRN006", "no-ticket-status", severity="medium")
def no_ticket_status(ctx):
    """What: the company runs a ticket system, but customers cannot see the status of their tickets
    from any channel.

    Why it matters for MACH: "where is my complaint?" is one of the most frequent calls; a ticket
    SaaS usually has the API, it is just not composed into the portal or app.

    Example: Zendesk-like `helpdesk` is consumed only by the call-centre desktop.

    Fix: expose ticket status (read-only, the customer's own tickets) through the customer BFF.
    """
    journey = ctx.journey
    systems = [c for c in ctx.stack.components
               if "ticket" in c.annotation_list("data-classes") or TICKET_SYSTEM.search(c.name + " " + c.annotation("vendor"))]
    if not systems:
        yield ctx.not_applicable("ticket system", "no ticket system in the catalog")
        return
    if journey is None or journey.journey.touchpoint("ticket-status") is None:
        yield ctx.not_applicable("ticket system", "the journey has no ticket-status touchpoint")
        return
    channels = journey.customer_channels(ctx.stack)
    reached = [c for c in channels if journey.cell("ticket-status", c).state == SELF_SERVICE]
    for system in systems:
        if reached:
            yield ctx.passed(system.ref, f"ticket status reached from {', '.join(ref_name(c) for c in reached)}")
        else:
            states = {ref_name(c): journey.cell("ticket-status", c).state for c in channels}
            yield ctx.fail(
                system.ref,
                f"{system.label} holds tickets, but no customer channel shows their status "
                f"({', '.join(f'{c}: {s}' for c, s in states.items())})",
                system.location,
                evidence={"states": states},
            )
