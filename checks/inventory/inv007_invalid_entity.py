from machaudit.registry import check


@check("INV007", "invalid-entity", severity="medium")
def invalid_entity(ctx):
    """What: a catalog document machaudit cannot use as written: wrong field types, a missing name,
    an unknown kind, a Location target that does not exist or leaves the audited root.

    Why it matters for MACH: the entity is left out of the graph, so the audit (and Backstage)
    sees a smaller stack than the real one.

    Example: `dependsOn: resource:shop-db` (a string, not a list); `kind: Compnent`.

    Fix: correct the document at the reported line.
    """
    problems = [p for p in ctx.stack.catalog_problems if p.code in ("invalid", "notice")]
    for problem in problems:
        yield ctx.fail(
            problem.subject or problem.location.file, problem.message, problem.location,
            severity=None if problem.code == "invalid" else ctx.info.severity.INFO,
        )
    if not problems and ctx.stack.catalog_files:
        yield ctx.passed("catalog")
