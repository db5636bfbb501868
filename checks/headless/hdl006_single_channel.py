from machaudit.model import ref_name
from machaudit.registry import check

from machaudit_checks.journey._cells import SELF_SERVICE


@check("HDL006", "single-channel", severity="low")
def single_channel(ctx):
    """What: a customer touchpoint that only one customer channel offers, while there are several.

    Why it matters for MACH: headless means one capability, many heads; a touchpoint wired into a
    single head was built for that head, and the other channels' customers phone instead.

    Example: returns are possible in the B2B portal, but not in the mobile app or the website.

    Fix: expose the operation through the shared gateway/BFF so every head can use it.
    """
    journey = ctx.journey
    if journey is None:
        return
    channels = journey.customer_channels(ctx.stack)
    if len(channels) < 2:
        yield ctx.not_applicable("journey", "fewer than two customer channels")
        return
    for touchpoint in journey.journey.touchpoints:
        reached = [c for c in channels if journey.cell(touchpoint.name, c).state == SELF_SERVICE]
        subject = f"touchpoint {touchpoint.name}"
        if len(reached) == 1:
            others = [ref_name(c) for c in channels if c not in reached]
            yield ctx.fail(subject, f"'{touchpoint.name}' is offered only by {ref_name(reached[0])}, not by {', '.join(others)}",
                           evidence={"channel": reached[0], "others": others})
        elif len(reached) > 1:
            yield ctx.passed(subject)
