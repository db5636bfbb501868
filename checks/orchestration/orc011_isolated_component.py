from machaudit.registry import check


@check("ORC011", "isolated-component", severity="info")
def isolated_component(ctx):
    """What: a component with no relation at all: it provides and consumes no API and depends on
    nothing, and nothing depends on it.

    Why it matters for MACH: real components talk to something; an isolated one usually means the
    inventory is incomplete, and every graph-based result is weaker for it.

    Example: `loyalty-service` declared with only a name and an owner.

    Fix: add its providesApis, consumesApis and dependsOn relations, or remove it.
    """
    graph = ctx.graphs.full
    for component in ctx.stack.components:
        if graph.degree(component.ref) == 0:
            yield ctx.fail(component.ref, f"component {component.label} has no relations in the catalog", component.location)
        else:
            yield ctx.passed(component.ref)
