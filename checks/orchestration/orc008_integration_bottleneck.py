import networkx as nx

from machaudit.model import ref_name
from machaudit.registry import check

# Gateways and BFFs are meant to stand on every channel path; an ESB or iPaaS doing so is the smell.
BY_DESIGN = ("api-gateway", "bff")


@check("ORC008", "integration-bottleneck", severity="medium",
       options={"max_betweenness": 0.5, "max_path_share": 0.8, "min_components": 5})
def integration_bottleneck(ctx):
    """What: a component that most traffic must pass through: betweenness centrality at or above
    max_betweenness, or present on max_path_share (80 %) or more of the shortest paths from
    channels to systems of record. API gateways and BFFs are exempt (an ESB or iPaaS is not);
    stacks of fewer than min_components components are not judged.

    Why it matters for MACH: a central integration hub (ESB, shop monolith, ERP adapter) is where
    every change and every outage lands; composition stalls there.

    Example: all channels reach order, price and stock data only through the shop monolith.

    Fix: let channels reach capabilities through a thin gateway/BFF, and move logic out of the hub.
    """
    graph = ctx.graphs.sync_only("services")  # calls; a subscription to events is none
    if graph.number_of_nodes() < int(ctx.options["min_components"]):
        yield ctx.not_applicable("stack", "too few components for centrality to mean anything")
        return
    entities = ctx.stack.entities
    betweenness = nx.betweenness_centrality(graph)
    masters = [c.ref for c in ctx.stack.components if c.annotation_list("system-of-record")]
    counts: dict[str, int] = {}
    paths = 0
    for channel in ctx.stack.channels:
        for master in masters:
            if master == channel.ref or not nx.has_path(graph, channel.ref, master):
                continue
            path = nx.shortest_path(graph, channel.ref, master)
            paths += 1
            for node in path[1:-1]:
                counts[node] = counts.get(node, 0) + 1
    for node in graph.nodes:
        entity = entities[node]
        share = counts.get(node, 0) / paths if paths else 0.0
        reasons = []
        if entity.type in BY_DESIGN:
            yield ctx.not_applicable(node, "API gateways and BFFs stand on channel paths by design")
            continue
        if betweenness[node] >= float(ctx.options["max_betweenness"]):
            reasons.append(f"betweenness {betweenness[node]:.2f}")
        if paths and share >= float(ctx.options["max_path_share"]):
            reasons.append(f"on {share:.0%} of {paths} channel-to-system-of-record paths")
        if reasons:
            yield ctx.fail(
                node,
                f"{ref_name(node)} is an integration bottleneck: {' and '.join(reasons)}",
                entity.location,
                evidence={"betweenness": round(betweenness[node], 3), "path_share": round(share, 3)},
            )
        else:
            yield ctx.passed(node)
