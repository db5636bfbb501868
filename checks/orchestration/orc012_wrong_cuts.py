import re

import networkx as nx

from machaudit.registry import Option, check

LAYER_NAME = re.compile(r"(^|[-_.])(ui|dao|db|persistence|repository|frontend-service|backend|logic)$")


@check("ORC012", "wrong-cuts", severity="medium", options={
    "min_modularity": Option(0.3, "lowest modularity of the partition by system", minimum=-0.5, maximum=1)})
def wrong_cuts(ctx):
    """What: services cut by technical layer instead of business capability: the partition by
    system has a modularity below min_modularity (most calls cross system boundaries), or services
    are named after layers (-ui, -dao, -db, -backend).

    Why it matters for MACH: layer-cut services change together for every feature, so they cannot be
    replaced by a packaged business capability (PBC) or deployed independently.

    Example: `orders-ui`, `orders-logic`, `orders-dao`; systems whose services mostly call each other's.

    Fix: regroup services around business capabilities (order, pricing, stock …) and give each
    system its own API surface.
    """
    stack = ctx.stack
    for component in stack.components:
        if component.type == "service" and LAYER_NAME.search(component.name):
            yield ctx.fail(component.ref, f"service {component.label} is named after a technical layer", component.location)
    graph = ctx.graphs.sync_only("services")  # calls; a subscription to events is none
    members = [n for n in graph.nodes if not stack.entities[n].is_channel]
    systems = {stack.entities[n].system or "(no system)" for n in members}
    undirected = graph.subgraph(members).to_undirected()
    if len(systems - {"(no system)"}) < 2 or undirected.number_of_edges() == 0:
        yield ctx.not_applicable("stack", "fewer than two systems with calls between services")
        return
    groups: dict[str, set] = {}
    for node in members:
        groups.setdefault(stack.entities[node].system or "(no system)", set()).add(node)  # one group
    modularity = nx.community.modularity(undirected, groups.values())
    limit = float(ctx.options["min_modularity"])
    if modularity < limit:
        yield ctx.fail(
            "stack",
            f"modularity of the partition by system is {modularity:.2f} (minimum {limit}): most calls cross system boundaries",
            evidence={"modularity": round(modularity, 3), "systems": sorted(groups)},
        )
    else:
        yield ctx.passed("stack", f"modularity {modularity:.2f}")
