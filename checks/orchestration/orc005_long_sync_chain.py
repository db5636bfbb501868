import networkx as nx

from machaudit.model import ref_name
from machaudit.registry import check


@check("ORC005", "long-sync-chain", severity="medium", options={"max_chain": 4})
def long_sync_chain(ctx):
    """What: a chain of synchronous calls through max_chain or more services (channels not counted;
    services in one cycle count once).

    Why it matters for MACH: latencies add up and availabilities multiply; four services at 99.9 %
    each give a request path of 99.6 %, and a timeout at the end stalls every caller.

    Example: bff -> order-management -> stock-atp -> erp-core.

    Fix: cache or replicate what is read (prices, stock), and turn writes that need not answer at
    once into events.
    """
    graph = ctx.graphs.sync_only("services")
    sync = nx.DiGraph()
    sync.add_nodes_from(n for n in graph.nodes if not ctx.stack.entities[n].is_channel)
    sync.add_edges_from((u, v) for u, v in graph.edges if u in sync and v in sync)
    condensed = nx.condensation(sync)
    if not condensed.number_of_nodes():
        return
    path = nx.dag_longest_path(condensed)
    chain = [min(condensed.nodes[c]["members"]) for c in path]
    limit = int(ctx.options["max_chain"])
    if len(chain) >= limit:
        yield ctx.fail(
            chain[0],
            f"synchronous chain of {len(chain)} services: " + " -> ".join(ref_name(n) for n in chain),
            ctx.stack.entities[chain[0]].location,
            evidence={"chain": chain, "limit": limit},
        )
    else:
        yield ctx.passed("stack", f"longest synchronous chain: {len(chain)} services")
