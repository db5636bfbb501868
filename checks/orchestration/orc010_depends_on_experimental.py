from machaudit.registry import check

from machaudit_checks.orchestration._lifecycle import dependencies_in_state


@check("ORC010", "depends-on-experimental", severity="low")
def depends_on_experimental(ctx):
    """What: a production component that consumes an experimental API or component.

    Why it matters for MACH: experimental contracts change without notice; production journeys
    built on them break with them.

    Example: the website (production) consuming `recommendations-api` (lifecycle experimental).

    Fix: promote the dependency to production with a stable contract, or keep it off production paths.
    """
    yield from dependencies_in_state(ctx, "experimental")
