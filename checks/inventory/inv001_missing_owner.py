from machaudit.registry import check

OWNED_KINDS = ("component", "api", "resource", "system", "domain")


@check("INV001", "missing-owner", severity="medium")
def missing_owner(ctx):
    """What: a catalog entity without `spec.owner`.

    Why it matters for MACH: composable means teams own and evolve their parts independently; an
    unowned component is nobody's to fix, upgrade or retire.

    Example: a Component `marketplace-connector` with no `owner`.

    Fix: set `spec.owner: group:team-name` on the entity.
    """
    for entity in ctx.stack.entities.values():
        if entity.kind not in OWNED_KINDS or entity.inferred:
            continue
        if entity.owner:
            yield ctx.passed(entity.ref)
        else:
            yield ctx.fail(entity.ref, f"{entity.kind} {entity.label} has no spec.owner", entity.location)
