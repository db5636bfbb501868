from machaudit.model import ref_name
from machaudit.registry import check


@check("HDL001", "orphan-api", severity="low",
       options={"external_audiences": ["partner", "public", "customer"]})
def orphan_api(ctx):
    """What: an API in the catalog that no component consumes (neither `consumesApis` nor
    `dependsOn` names it) and that is not marked for outside consumers with
    `machaudit.io/audience: partner`, `public` or `customer`.

    Why it matters for MACH: every API is a contract someone has to keep compatible, secure and
    running. An API nobody calls is cost and attack surface without a head; in a composable stack
    it is usually a leftover of a retired channel, or a consumer the catalog does not know about
    (which is worse: a hidden dependency that breaks at the next change).

    Example: `price-export-api`, provided by the pricing service for a print catalogue that was
    discontinued, still deployed and reachable, with no consumer in the catalog.

    Fix: add the missing consumer to the catalog (`consumesApis`), mark an API built for
    partners or customers with `machaudit.io/audience`, or retire the API.
    """
    stack = ctx.stack
    external = {a.lower() for a in ctx.options["external_audiences"]}
    consumers: dict[str, set[str]] = {}
    for component in stack.components:
        for api_ref in set(component.consumes_apis) | set(component.depends_on):
            consumers.setdefault(api_ref, set()).add(component.ref)
    for api in stack.apis:
        if api.inferred:
            yield ctx.unknown(
                api.ref,
                f"API {api.label} comes from a spec without a catalog entry, so nothing says who consumes it; "
                "declare it in catalog-info.yaml with its consumers",
            )
            continue
        providers = {p.ref for p in stack.providers_of(api.ref)}
        users = sorted(consumers.get(api.ref, set()) - providers)
        audience = set(api.annotation_list("audience"))
        if users:
            yield ctx.passed(api.ref, f"consumed by {', '.join(ref_name(u) for u in users)}")
        elif audience & external:
            yield ctx.passed(api.ref, f"no consumer in the catalog, but marked for {', '.join(sorted(audience & external))} use")
        else:
            provided_by = ", ".join(sorted(ref_name(p) for p in providers)) or "no component"
            marked = f" (audience: {', '.join(sorted(audience))})" if audience else ""
            yield ctx.fail(
                api.ref,
                f"API {api.label}{marked}, provided by {provided_by}, is consumed by no component and not marked "
                f"for {'/'.join(sorted(external))} use",
                api.location,
                evidence={"providers": sorted(providers), "audience": sorted(audience)},
            )
