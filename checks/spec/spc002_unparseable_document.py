from machaudit.registry import check


@check("SPC002", "unparseable-document", severity="high")
def unparseable_document(ctx):
    """What: a spec or catalog file that cannot be read: not YAML/JSON, not an OpenAPI or Swagger
    document, over the size, nesting or alias limits, or unreadable.

    Why it matters for MACH: what cannot be read cannot be audited; the API behind it is invisible
    to consumers and to every other check.

    Example: a tab-indented YAML file, a JSON file with a trailing comma, a 10,000-level nesting.

    Fix: repair the file at the reported position, or exclude it from the audited folder.
    """
    for spec in ctx.stack.specs.values():
        problems = [p for p in spec.problems if p.kind == "unparseable"]
        for problem in problems:
            yield ctx.fail(spec.display, problem.message, problem.location)
        if not problems:
            yield ctx.passed(spec.display)
    for problem in ctx.stack.catalog_problems:
        if problem.code == "unreadable":
            yield ctx.fail(problem.location.file, problem.message, problem.location)
