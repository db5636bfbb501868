from machaudit.findings import Severity
from machaudit.registry import check


@check("HDL002", "capability-without-api", severity="high")
def capability_without_api(ctx):
    """What: a journey touchpoint with no operation at all in any spec: high when it is required
    (policy `required-touchpoints`, or marked required in the journey), low otherwise.

    Why it matters for MACH: headless commerce composes capabilities through APIs; a capability
    without one lives in a back-office screen or a person's head and cannot be put in any channel.

    Example: no operation for returns (`/returns`, `/retouren`, RMA) anywhere in the stack.

    Fix: provide the capability as an API (a SaaS module, or a service in front of the ERP
    transaction), then compose it into the channels.
    """
    journey = ctx.journey
    if journey is None:
        return
    if not any(spec.operations for spec in ctx.stack.specs.values()):
        yield ctx.unknown("journey", "no API operations were read; nothing to match touchpoints against")
        return
    # GraphQL fields, events and rpcs are matched by their names read as REST calls (a checkout
    # that is the cart, `checkoutLinesAdd`, says "cart" nowhere): a touchpoint none of them
    # matches is not judged absent.
    unmatched = sorted({s.style for s in ctx.stack.specs.values() if s.operations and not s.is_openapi})
    for touchpoint in journey.journey.touchpoints:
        required = touchpoint.required or touchpoint.name in ctx.policy.required_touchpoints
        subject = f"touchpoint {touchpoint.name}"
        if journey.matches.get(touchpoint.name):
            yield ctx.passed(subject)
        elif unmatched:
            yield ctx.unknown(subject, f"no operation matches the touchpoint '{touchpoint.name}' "
                                       f"({touchpoint.title}); the {', '.join(unmatched)} operations of the stack "
                                       "are matched by their names only, which may miss one named otherwise")
        else:
            kind = "required touchpoint" if required else "touchpoint"
            yield ctx.fail(subject, f"no API operation offers the {kind} '{touchpoint.name}' ({touchpoint.title})",
                           evidence={"stage": touchpoint.stage, "required": required},
                           severity=None if required else Severity.LOW)
