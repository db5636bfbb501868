from machaudit.model import is_openapi_type
from machaudit.registry import check


@check("INV004", "api-without-definition", severity="high")
def api_without_definition(ctx):
    """What: an API entity with no parseable definition, or a service that provides no API.

    Why it matters for MACH: API-first means every capability has a contract; an API entity without
    one, or a service reachable only through its database or UI, cannot be composed.

    Example: `kind: API` with no `spec.definition`; a `type: service` Component with no providesApis.

    Fix: add `spec.definition: {$text: ./openapi.yaml}`, or declare the APIs the service provides.
    """
    for api in ctx.stack.apis:
        if api.inferred:
            continue
        definition = ctx.stack.definition_of(api)
        if not api.spec_file:
            if api.remotes:  # backstage.io/v1alpha2: served from remotes, its contract fetched there
                yield ctx.passed(api.ref)
            else:
                yield ctx.fail(api.ref, f"API {api.label} has no spec.definition", api.location)
        elif not is_openapi_type(api.type) and (definition is None or definition.is_openapi):
            # A type no reader reads (trpc, mcp-server …): the definition must at least be there.
            if api.definition_problem:
                yield ctx.fail(api.ref, f"the {api.type} definition of API {api.label} cannot be read: {api.definition_problem}", api.location)
            else:
                yield ctx.passed(api.ref)
        else:
            spec = definition
            if spec is None or not spec.parsed:
                reason = spec.problems[0].message if spec and spec.problems else "it could not be read"
                where = spec.display if spec else api.spec_file
                yield ctx.fail(api.ref, f"the definition of API {api.label} ({where}) cannot be used: {reason}", api.location)
            else:
                yield ctx.passed(api.ref)
    for component in ctx.stack.components:
        if component.type != "service":
            continue
        if component.provides_apis:
            yield ctx.passed(component.ref)
        else:
            yield ctx.fail(component.ref, f"service {component.label} provides no API", component.location)
