import networkx as nx

from machaudit.model import ref_name
from machaudit.registry import check

# Gateways and BFFs are meant to stand on every channel path; an ESB or iPaaS doing so is the smell.
BY_DESIGN = ("api-gateway", "bff")
# Pivots for sampled betweenness are drawn with this seed: the same catalog gives the same findings.
SEED = 8


@check("ORC008", "integration-bottleneck", severity="medium",
       options={"max_betweenness": 0.5, "max_path_share": 0.8, "min_components": 5,
                "exact_up_to": 500, "pivots": 200})
def integration_bottleneck(ctx):
    """What: a component that most traffic must pass through: betweenness centrality at or above
    max_betweenness, or present on max_path_share (80 %) or more of the shortest paths from
    channels to systems of record. API gateways and BFFs are exempt (an ESB or iPaaS is not);
    stacks of fewer than min_components components are not judged.

    Betweenness is exact up to exact_up_to (500) components. Exact betweenness costs one search
    from every component (20,000 components: five minutes), so above that it is estimated from
    searches from pivots (200) components drawn with a fixed seed (the same catalog gives the
    same result), and findings say it is an estimate. Channel-to-system-of-record paths then come
    from one search per channel instead of one per pair; they are shortest paths either way.

    Why it matters for MACH: a central integration hub (ESB, shop monolith, ERP adapter) is where
    every change and every outage lands; composition stalls there.

    Example: all channels reach order, price and stock data only through the shop monolith.

    Fix: let channels reach capabilities through a thin gateway/BFF, and move logic out of the hub.
    """
    graph = ctx.graphs.services
    if graph.number_of_nodes() < int(ctx.options["min_components"]):
        yield ctx.not_applicable("stack", "too few components for centrality to mean anything")
        return
    entities = ctx.stack.entities
    exact = graph.number_of_nodes() <= int(ctx.options["exact_up_to"])
    pivots = min(int(ctx.options["pivots"]), graph.number_of_nodes())
    if exact:
        betweenness = nx.betweenness_centrality(graph)
        estimated = ""
    else:
        betweenness = nx.betweenness_centrality(graph, k=pivots, seed=SEED)
        estimated = f" (estimated from {pivots} of {graph.number_of_nodes()} components)"
    masters = [c.ref for c in ctx.stack.components if c.annotation_list("system-of-record")]
    counts: dict[str, int] = {}
    paths = 0
    for channel in ctx.stack.channels:
        for path in (_pair_paths if exact else _tree_paths)(graph, channel.ref, masters):
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
            reasons.append(f"betweenness {betweenness[node]:.2f}{estimated}")
        if paths and share >= float(ctx.options["max_path_share"]):
            reasons.append(f"on {share:.0%} of {paths} channel-to-system-of-record paths")
        if reasons:
            evidence = {"betweenness": round(betweenness[node], 3), "path_share": round(share, 3)}
            if not exact:
                evidence["betweenness_pivots"] = pivots
            yield ctx.fail(
                node,
                f"{ref_name(node)} is an integration bottleneck: {' and '.join(reasons)}",
                entity.location,
                evidence=evidence,
            )
        else:
            yield ctx.passed(node)


def _pair_paths(graph, channel, masters):
    """A shortest path from the channel to each system of record it reaches, searched pair by pair."""
    for master in masters:
        if master != channel and nx.has_path(graph, channel, master):
            yield nx.shortest_path(graph, channel, master)


def _tree_paths(graph, channel, masters):
    """The same from one breadth-first search from the channel (a shortest path to each)."""
    parents = dict(nx.bfs_predecessors(graph, channel))
    for master in masters:
        if master != channel and master in parents:
            path = [master]
            while path[-1] != channel:
                path.append(parents[path[-1]])
            yield path[::-1]
