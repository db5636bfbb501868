from machaudit.findings import Location
from machaudit.registry import check


@check("INV006", "undeclared-spec", severity="low")
def undeclared_spec(ctx):
    """What: a spec in the audited folders that no API entity of the catalog points to.

    Why it matters for MACH: an API nobody declared has no owner, no consumers on record and no
    place in the dependency graph; it may be dead, or critical and invisible.

    Example: `specs/loyalty.yaml` with no `kind: API` whose definition names it.

    Fix: add an API entity with `spec.definition: {$text: ../specs/loyalty.yaml}`, or remove the file.
    """
    if ctx.stack.unused_definitions:
        # Never skipped silently: what was found and why it is no API definition, in one line.
        listed = "; ".join(f"{file} ({why})" for file, why in ctx.stack.unused_definitions[:10])
        more = len(ctx.stack.unused_definitions) - 10
        yield ctx.fail("unused definition files", f"{len(ctx.stack.unused_definitions)} file(s) of a known API kind are "
                       f"not read as API definitions: {listed}{f' and {more} more' if more > 0 else ''}",
                       Location(ctx.stack.unused_definitions[0][0]), severity=ctx.info.severity.INFO)
    if not ctx.stack.catalog_files:
        return
    for key in ctx.stack.undeclared_specs:
        spec = ctx.stack.specs[key]
        yield ctx.fail(spec.display, f"{spec.display} is not the definition of any API in the catalog",
                      Location(spec.display, "", 1, key=spec.key))
    declared = set(ctx.stack.undeclared_specs)
    for key, spec in ctx.stack.specs.items():
        if key not in declared:
            yield ctx.passed(spec.display)
