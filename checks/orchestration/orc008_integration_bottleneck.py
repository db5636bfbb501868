import collections
import math
import random

import networkx as nx

from machaudit.model import ref_name
from machaudit.registry import check

# Gateways and BFFs are meant to stand on every channel path; an ESB or iPaaS doing so is the smell.
BY_DESIGN = ("api-gateway", "bff")
# Pivots for sampled betweenness are drawn with this seed: the same catalog gives the same findings.
SEED = 8


@check("ORC008", "integration-bottleneck", severity="medium",
       options={"max_betweenness": 0.5, "max_path_share": 0.8, "min_components": 5,
                "exact_up_to": 500, "pivots": 100})
def integration_bottleneck(ctx):
    """What: a component that most traffic must pass through: betweenness centrality at or above
    max_betweenness, or present on max_path_share (80 %) or more of the shortest paths from
    channels to systems of record. API gateways and BFFs are exempt (an ESB or iPaaS is not);
    stacks of fewer than min_components components are not judged.

    Betweenness is exact up to exact_up_to (500) components. Exact betweenness costs one search
    from every component (20,000 components: five minutes), so above that it is estimated from
    searches from pivots (100) components drawn with a fixed seed (the same catalog gives the
    same result), and findings say it is an estimate. Channel-to-system-of-record paths then come
    from one search per channel instead of one per pair; they are shortest paths either way.

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
    exact = graph.number_of_nodes() <= int(ctx.options["exact_up_to"])
    pivots = min(int(ctx.options["pivots"]), graph.number_of_nodes())
    if exact or pivots >= graph.number_of_nodes():
        exact = True
        betweenness = nx.betweenness_centrality(graph)
        estimated = ""
    else:
        adjacency = _Adjacency(graph)
        betweenness = adjacency.sampled_betweenness(pivots, SEED)
        estimated = f" (estimated from {pivots} of {graph.number_of_nodes()} components)"
    masters = [c.ref for c in ctx.stack.components if c.annotation_list("system-of-record")]
    counts: dict[str, int] = {}
    paths = 0
    for channel in ctx.stack.channels:
        found = _pair_paths(graph, channel.ref, masters) if exact else adjacency.tree_paths(channel.ref, masters)
        for path in found:
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


class _Adjacency:
    """The graph as lists of successor indexes: searches on a graph of 20,000 components run a few
    times faster than through networkx's views."""

    def __init__(self, graph):
        self.nodes = list(graph.nodes())
        self.index = {node: i for i, node in enumerate(self.nodes)}
        self.successors = [[self.index[s] for s in graph.successors(node)] for node in self.nodes]

    def sampled_betweenness(self, pivots: int, seed: int) -> dict[str, float]:
        """nx.betweenness_centrality(graph, k=pivots, seed=seed): Brandes' algorithm from the same
        pivots, normalised alike (equal but for the order floats are added in)."""
        n = len(self.nodes)
        chosen = {self.index[p] for p in random.Random(seed).sample(self.nodes, pivots)}
        totals = [0.0] * n
        for pivot in random.Random(seed).sample(self.nodes, pivots):
            source = self.index[pivot]
            order, sigma, distance = self._paths_from(source)
            delta = [0.0] * n
            successors = self.successors
            # Brandes' dependencies, gathered from each node's successors one level further out
            # (the same terms as from each node's predecessors, without a list of them per node).
            for v in reversed(order):
                further, share = distance[v] + 1, 0.0
                for w in successors[v]:
                    if distance[w] == further:
                        share += (1 + delta[w]) / sigma[w]
                delta[v] = sigma[v] * share
                if v != source:
                    totals[v] += delta[v]
        # Per pivot, n - 2 targets other than the pivot and the node; a pivot is not a path's inner
        # node for its own searches, so it is averaged over the other pivots (as networkx does).
        pairs = n - 2
        source_scale = 1 / ((pivots - 1) * pairs) if pivots > 1 else math.nan
        other_scale = 1 / (pivots * pairs)
        return {node: totals[i] * (source_scale if i in chosen else other_scale)
                for i, node in enumerate(self.nodes)}

    def _paths_from(self, source: int):
        n = len(self.nodes)
        order: list[int] = []
        sigma = [0] * n
        distance = [-1] * n
        sigma[source], distance[source] = 1, 0
        queue = collections.deque([source])
        successors = self.successors
        while queue:
            v = queue.popleft()
            order.append(v)
            next_distance, paths_v = distance[v] + 1, sigma[v]
            for w in successors[v]:
                if distance[w] < 0:
                    distance[w] = next_distance
                    queue.append(w)
                if distance[w] == next_distance:
                    sigma[w] += paths_v
        return order, sigma, distance

    def tree_paths(self, channel: str, masters: list[str]):
        """A shortest path from the channel to each system of record it reaches, from one
        breadth-first search."""
        start = self.index[channel]
        parent = {start: -1}
        queue = collections.deque([start])
        while queue:
            v = queue.popleft()
            for w in self.successors[v]:
                if w not in parent:
                    parent[w] = v
                    queue.append(w)
        for master in masters:
            end = self.index.get(master)
            if master != channel and end in parent:
                path = [end]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                yield [self.nodes[i] for i in reversed(path)]
