from machaudit.registry import check

from machaudit_checks.orchestration._lifecycle import dependencies_in_state


@check("ORC009", "depends-on-deprecated", severity="high")
def depends_on_deprecated(ctx):
    """What: a production component that consumes a deprecated API or depends on a deprecated
    component (or on an API whose provider is deprecated).

    Why it matters for MACH: the deprecated part will be switched off; every production consumer is
    an outage or a migration waiting to happen, and blocks the replacement.

    Example: the B2B portal (production) consuming `webshop-legacy-api` (lifecycle deprecated).

    Fix: migrate the consumer to the successor API, then retire the deprecated one.
    """
    yield from dependencies_in_state(ctx, "deprecated")
