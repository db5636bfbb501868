import itertools

import networkx as nx

from machaudit.model import ref_name
from machaudit.registry import check


NAMED_LOOPS_UP_TO = 50  # members of a loop of events up to which each member's own loop is named


@check("ORC001", "dependency-cycle", severity="high", options={"max_cycles_listed": 10})
def dependency_cycle(ctx):
    """What: services that call each other in a circle (a strongly connected component of more than
    one service over synchronous edges); each cycle is listed with its members. A loop closed by an
    event (a subscription to what another service publishes) is not a dependency cycle: it is the
    cure this check recommends, and its members pass with the loop named.

    Why it matters for MACH: services in a cycle cannot be deployed, versioned or replaced on their
    own; a change to one ripples round the loop, and an outage anywhere takes the loop down.

    Example: order-management -> stock-atp -> erp-core -> order-management.

    Fix: break the loop with an event (the downstream publishes, the upstream subscribes), or move
    the shared responsibility into one service.
    """
    graph = ctx.graphs.sync_only("services")
    limit = int(ctx.options["max_cycles_listed"])
    in_cycle = set()
    for members in nx.strongly_connected_components(graph):
        if len(members) < 2:
            continue
        in_cycle |= members
        sub = graph.subgraph(members)
        cycles = [c for c in itertools.islice(nx.simple_cycles(sub, length_bound=len(members)), limit)]
        cycles.sort(key=lambda c: (len(c), c))
        listed = [" -> ".join(ref_name(n) for n in _rotate(c) + [_rotate(c)[0]]) for c in cycles]
        names = sorted(ref_name(m) for m in members)
        first = ctx.stack.entities[min(members)]
        yield ctx.fail(
            ", ".join(sorted(members)),
            f"{len(members)} services depend on each other in a cycle ({', '.join(names)}): " + "; ".join(listed),
            first.location,
            evidence={"members": sorted(members), "cycles": [[*(_rotate(c))] for c in cycles]},
        )
    event_loops = {}
    everything = ctx.graphs.services
    for members in nx.strongly_connected_components(everything):
        if len(members) > 1 and not members <= in_cycle:
            sub = everything.subgraph(members)
            if len(members) > NAMED_LOOPS_UP_TO:  # one search per member would be quadratic
                names = sorted(ref_name(m) for m in members)
                event_loops.update(dict.fromkeys(members - in_cycle, f"{len(names)} services: {', '.join(names[:5])} …"))
                continue
            for node in members - in_cycle:
                back = min((nx.shortest_path(sub, s, node) for s in sub.successors(node)), key=lambda p: (len(p), p))
                event_loops[node] = " -> ".join(ref_name(n) for n in [node, *back])
    for node in graph.nodes:
        if node in event_loops:
            yield ctx.passed(node, f"in a loop closed by events ({event_loops[node]}): choreography, not a dependency cycle")
        elif node not in in_cycle:
            yield ctx.passed(node)


def _rotate(cycle):
    """Start each cycle at its smallest member, so the listing is stable."""
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]
