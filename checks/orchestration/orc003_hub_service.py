import math

from machaudit.model import ref_name
from machaudit.registry import Option, check


@check("ORC003", "hub-service", severity="medium", options={
    "min_in_degree": Option(5, "fewest callers that make a hub", minimum=1),
    "percentile": Option(90, "in-degree percentile a hub must also reach", minimum=0, maximum=100)})
def hub_service(ctx):
    """What: a service that many others call: in-degree at or above max(min_in_degree, the 90th
    percentile of in-degrees). API gateways, BFFs and channels are exempt; an ESB is not.

    Why it matters for MACH: a hub is where changes queue up and outages spread; it is the part of
    the stack that is hardest to replace with a composable product.

    Example: an ERP adapter called by pricing, stock, orders, invoicing, returns and the shop.

    Fix: split the hub by business capability, or let consumers read from events or a cache
    instead of calling it synchronously.
    """
    graph = ctx.graphs.sync_only("services")  # calls; a subscription to events is none
    if not graph.number_of_nodes():
        return
    degrees = sorted(d for _, d in graph.in_degree())
    rank = max(0, math.ceil(len(degrees) * float(ctx.options["percentile"]) / 100) - 1)
    threshold = max(int(ctx.options["min_in_degree"]), degrees[rank])
    for node, degree in graph.in_degree():
        entity = ctx.stack.entities[node]
        if entity.is_gateway and entity.type != "esb" or entity.is_channel:
            yield ctx.not_applicable(node, "gateways and BFFs are called by every channel by design")
            continue
        if degree >= threshold:
            callers = sorted(ref_name(n) for n in graph.predecessors(node))
            yield ctx.fail(
                node,
                f"{ref_name(node)} is called by {degree} components ({', '.join(callers)}); threshold {threshold}",
                ctx.stack.entities[node].location,
                evidence={"in_degree": degree, "threshold": threshold, "callers": callers},
            )
        else:
            yield ctx.passed(node)
