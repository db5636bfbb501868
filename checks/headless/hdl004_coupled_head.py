from machaudit.model import ref_name
from machaudit.registry import check


@check("HDL004", "coupled-head", severity="medium",
       options={"head_types": ["website"], "monolith_types": ["monolith"],
                "head_audiences": ["customer", "partner", "public"]})
def coupled_head(ctx):
    """What: a head that is also a backend: a website component (or a monolith that serves a
    channel — a channel `dependsOn` it, or it is marked `machaudit.io/audience: customer`) which
    provides APIs that other components consume.

    Why it matters for MACH: headless means the frontend can be replaced without touching the
    business capabilities behind it. When other systems consume an API of the website or of the
    shop monolith that renders it, the head cannot be replaced or re-platformed without breaking
    them, and every frontend release is a backend release too.

    Example: the legacy shop monolith renders www.example.com and also provides
    `webshop-legacy-api`, which the B2B portal consumes for order templates.

    Fix: move the capability the others consume (order templates, prices, carts) into a service
    or the commerce platform with its own API, point the consumers there, and leave the head
    consuming APIs only.
    """
    stack = ctx.stack
    graph = ctx.graphs.services
    head_types = {t.lower() for t in ctx.options["head_types"]}
    monolith_types = {t.lower() for t in ctx.options["monolith_types"]}
    audiences = {a.lower() for a in ctx.options["head_audiences"]}
    served_by = {}  # monolith ref -> channels that depend on it directly
    for channel in stack.channels:
        for target in channel.depends_on:
            served_by.setdefault(target, []).append(channel.ref)
    for component in stack.components:
        if component.type in head_types:
            why = f"{component.type} {component.label}"
        elif component.type in monolith_types and (served_by.get(component.ref) or set(component.annotation_list("audience")) & audiences):
            channels = sorted(served_by.get(component.ref, []))
            why = (f"monolith {component.label}, which serves channel {', '.join(ref_name(c) for c in channels)},"
                   if channels else f"monolith {component.label} (audience {', '.join(component.annotation_list('audience'))})")
        else:
            continue
        consumers = {}
        for user in graph.predecessors(component.ref):
            if user in served_by.get(component.ref, []):
                continue  # the channel it renders is the head itself, not a consumer of a backend
            via = [v for v in graph.edges[user, component.ref]["via"] if v != "dependsOn"]
            consumers[user] = via
        if not consumers:
            yield ctx.passed(component.ref)
            continue
        apis = sorted({a for via in consumers.values() for a in via})
        listed = ", ".join(
            ref_name(user) + (f" (via {', '.join(ref_name(a) for a in via)})" if via else " (dependsOn)")
            for user, via in sorted(consumers.items())
        )
        provided = f" provides {', '.join(ref_name(a) for a in apis)} and" if apis else ""
        yield ctx.fail(
            component.ref,
            f"{why}{provided} is a backend for {len(consumers)} other component{'s' if len(consumers) > 1 else ''}: {listed}",
            component.location,
            evidence={"consumers": sorted(consumers), "apis": apis},
        )
