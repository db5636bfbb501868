from machaudit.registry import check


@check("INV002", "missing-lifecycle", severity="low")
def missing_lifecycle(ctx):
    """What: a Component or API without `spec.lifecycle`.

    Why it matters for MACH: without lifecycle (production, experimental, deprecated) nobody can
    tell whether a dependency is safe to build a customer journey on.

    Example: an API entity with no `lifecycle`.

    Fix: set `spec.lifecycle` to production, experimental or deprecated.
    """
    for entity in ctx.stack.entities.values():
        if entity.kind not in ("component", "api") or entity.inferred:
            continue
        if entity.lifecycle:
            yield ctx.passed(entity.ref)
        else:
            yield ctx.fail(entity.ref, f"{entity.kind} {entity.label} has no spec.lifecycle", entity.location)
