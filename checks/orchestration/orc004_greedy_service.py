from machaudit.model import ref_name
from machaudit.registry import Option, check


@check("ORC004", "greedy-service", severity="medium", options={
    "min_out_degree": Option(6, "fewest services called that make a service greedy", minimum=1)})
def greedy_service(ctx):
    """What: a service that calls many others (out-degree at or above min_out_degree). Gateways and
    BFFs are exempt: fanning out is their job.

    Why it matters for MACH: a service that needs six others to do its work fails when any of them
    does, and usually holds orchestration logic that belongs in a process or a BFF.

    Example: order-management calling pricing, stock, payment, credit check, shipping and ERP in turn.

    Fix: move the orchestration to a workflow/BFF, or replace calls with events.
    """
    graph = ctx.graphs.sync_only("services")  # calls; a subscription to events is none
    limit = int(ctx.options["min_out_degree"])
    for node, degree in graph.out_degree():
        entity = ctx.stack.entities[node]
        if entity.is_gateway or entity.is_channel:
            yield ctx.not_applicable(node, "gateways, BFFs and channels fan out by design")
            continue
        if degree >= limit:
            callees = sorted(ref_name(n) for n in graph.successors(node))
            yield ctx.fail(
                node,
                f"{entity.label} calls {degree} components ({', '.join(callees)}); threshold {limit}",
                entity.location,
                evidence={"out_degree": degree, "callees": callees},
            )
        else:
            yield ctx.passed(node)
