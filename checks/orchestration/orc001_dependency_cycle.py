import collections
import itertools

import networkx as nx

from machaudit.model import ref_name
from machaudit.registry import check


NAMED_LOOPS_UP_TO = 50  # members of a loop of events up to which each member's own loop is named


@check("ORC001", "dependency-cycle", severity="high", options={"max_cycles_listed": 10, "enumerate_up_to": 100})
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

    Listing: up to max_cycles_listed (10) cycles per loop. In a loop of up to enumerate_up_to (100)
    services they are the first ones enumerated, shortest first. The cycles of a larger loop are
    too many to enumerate (their number grows exponentially), so there each listed cycle is the shortest through one of its first members
    (alphabetically), at most 20 member names are written out, and the finding says the listing
    is capped.
    """
    graph = ctx.graphs.sync_only("services")
    limit = int(ctx.options["max_cycles_listed"])
    in_cycle = set()
    for members in nx.strongly_connected_components(graph):
        if len(members) < 2:
            continue
        in_cycle |= members
        sub = graph.subgraph(members)
        capped = len(members) > int(ctx.options["enumerate_up_to"])
        if capped:
            cycles = _shortest_cycles(sub, sorted(members), limit)
        else:
            cycles = [c for c in itertools.islice(nx.simple_cycles(sub, length_bound=len(members)), limit)]
        cycles.sort(key=lambda c: (len(c), c))
        listed = [" -> ".join(ref_name(n) for n in _rotate(c) + [_rotate(c)[0]]) for c in cycles]
        names = sorted(ref_name(m) for m in members)
        if capped and len(names) > SHOWN_NAMES:
            names = names[:SHOWN_NAMES] + [f"… {len(names) - SHOWN_NAMES} more"]
        note = (f" (listing capped: the shortest cycles through {len(cycles)} members; a loop of more than"
                f" {int(ctx.options['enumerate_up_to'])} services is not enumerated)") if capped else ""
        first = ctx.stack.entities[min(members)]
        evidence = {"members": sorted(members), "cycles": [[*(_rotate(c))] for c in cycles]}
        if capped:
            evidence["cycles_capped"] = True
        yield ctx.fail(
            ", ".join(sorted(members)),
            f"{len(members)} services depend on each other in a cycle ({', '.join(names)}): " + "; ".join(listed) + note,
            first.location,
            evidence=evidence,
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


SHOWN_NAMES = 20


def _shortest_cycles(graph, candidates, limit):
    """Up to `limit` distinct shortest cycles through the first candidates: one breadth-first search
    each (at most 3 x limit), from the candidate to the nearest node with an edge back to it."""
    cycles, seen = [], set()
    for start in candidates[:3 * limit]:
        if len(cycles) == limit:
            break
        parents = {start: None}
        queue = collections.deque([start])
        end = None
        while queue and end is None:
            node = queue.popleft()
            for successor in graph.successors(node):
                if successor == start:
                    end = node
                    break
                if successor not in parents:
                    parents[successor] = node
                    queue.append(successor)
        if end is None:
            continue
        cycle = [end]
        while cycle[-1] != start:
            cycle.append(parents[cycle[-1]])
        cycle.reverse()
        if tuple(_rotate(cycle)) not in seen:
            seen.add(tuple(_rotate(cycle)))
            cycles.append(cycle)
    return cycles


def _rotate(cycle):
    """Start each cycle at its smallest member, so the listing is stable."""
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]
