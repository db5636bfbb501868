from machaudit.model import ref_name
from machaudit.registry import check


@check("ORC002", "bidirectional-coupling", severity="high")
def bidirectional_coupling(ctx):
    """What: two services that each call the other synchronously (A -> B and B -> A); a pair where
    one direction is an event subscription passes.

    Why it matters for MACH: neither can change its API or be replaced without the other; the pair
    behaves as one distributed monolith.

    Example: pricing calls order-management for order history, order-management calls pricing for prices.

    Fix: make one direction asynchronous (events), or merge the responsibility into one service.
    """
    graph = ctx.graphs.services
    coupled = set()
    sync = set(ctx.graphs.sync_only("services").edges)
    for u, v in sorted(sync):
        if u < v and (v, u) in sync:  # an event subscription one way is the cure, not the smell
            coupled |= {u, v}
            yield ctx.fail(
                f"{u} <-> {v}",
                f"{ref_name(u)} and {ref_name(v)} call each other",
                ctx.stack.entities[u].location,
                evidence={"pair": [u, v]},
            )
    for node in graph.nodes:
        if node not in coupled:
            yield ctx.passed(node)
