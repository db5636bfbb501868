from machaudit.registry import check


@check("INV005", "duplicate-entity", severity="medium")
def duplicate_entity(ctx):
    """What: the same kind, namespace and name defined twice in the catalog.

    Why it matters for MACH: two descriptions of one component disagree sooner or later; the audit
    uses the first and the second is silently wrong.

    Example: `order-management` declared in both `catalog/components.yaml` and `oms/catalog-info.yaml`.

    Fix: keep one definition per entity.
    """
    duplicates = [p for p in ctx.stack.catalog_problems if p.code == "duplicate"]
    for problem in duplicates:
        yield ctx.fail(problem.subject, problem.message, problem.location)
    if not duplicates and ctx.stack.catalog_files:
        yield ctx.passed("catalog")
