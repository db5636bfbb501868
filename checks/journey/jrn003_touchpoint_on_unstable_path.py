from machaudit.model import ref_name
from machaudit.registry import check

from machaudit_checks.journey._cells import SELF_SERVICE, operation_location

UNSTABLE = ("deprecated", "experimental")


@check("JRN003", "touchpoint-on-unstable-path", severity="medium")
def touchpoint_on_unstable_path(ctx):
    """What: a customer reaches a touchpoint only through a deprecated or experimental component or API.

    Why it matters for MACH: the journey works today and breaks when the legacy part is switched
    off or the experiment changes; nobody notices until customers call.

    Example: the B2B portal places orders through `webshop-legacy-api`, lifecycle deprecated.

    Fix: move the channel to the stable successor before retiring the old path.
    """
    journey = ctx.journey
    if journey is None:
        return
    entities = ctx.stack.entities
    for touchpoint in journey.journey.touchpoints:
        for channel in journey.customer_channels(ctx.stack):
            cell = journey.cell(touchpoint.name, channel)
            if cell.state != SELF_SERVICE:
                continue
            subject = f"touchpoint {touchpoint.name} via {ref_name(channel)}"
            unstable = [n for n in cell.path if _unstable(entities.get(n))]
            # The path ends at the API; the components serving it count too, when none of them is stable.
            serving = ctx.stack.providers_of(cell.match.api)
            if serving and all(_unstable(p) for p in serving):
                unstable += [p.ref for p in serving if p.ref not in unstable]
            if unstable:
                yield ctx.fail(
                    subject,
                    f"{ref_name(channel)} reaches '{touchpoint.name}' only through "
                    + ", ".join(f"{ref_name(n)} ({entities[n].lifecycle})" for n in unstable),
                    operation_location(cell.match),
                    evidence={"path": list(cell.path), "unstable": unstable},
                )
            else:
                yield ctx.passed(subject)


def _unstable(entity) -> bool:
    return entity is not None and entity.lifecycle in UNSTABLE
