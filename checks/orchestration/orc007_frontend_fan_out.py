from machaudit.model import ref_name
from machaudit.registry import Option, check


@check("ORC007", "frontend-fan-out", severity="medium", options={
    "max_direct_services": Option(3, "most non-gateway services a channel may call itself", minimum=0)})
def frontend_fan_out(ctx):
    """What: a channel (website, app, portal …) that calls more than max_direct_services
    non-gateway services itself.

    Why it matters for MACH: the frontend has become the orchestrator: it knows every backend,
    multiplies round trips on mobile networks, and breaks when any backend changes.

    Example: the mobile app calling catalogue, pricing, stock, orders and tracking directly.

    Fix: give the channel a BFF that composes those calls.
    """
    graph = ctx.graphs.sync_only("services")  # calls; a subscription to events is none
    limit = int(ctx.options["max_direct_services"])
    for channel in ctx.stack.channels:
        direct = sorted(
            n for n in graph.successors(channel.ref)
            if not ctx.stack.entities[n].is_gateway and not ctx.stack.entities[n].is_channel
        )
        if len(direct) > limit:
            yield ctx.fail(
                channel.ref,
                f"channel {channel.label} calls {len(direct)} services directly (limit {limit}): {', '.join(ref_name(n) for n in direct)}",
                channel.location,
                evidence={"direct": direct, "limit": limit},
            )
        else:
            yield ctx.passed(channel.ref)
