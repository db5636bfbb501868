from machaudit.model import ref_name
from machaudit.registry import check


@check("ORC006", "no-api-gateway", severity="high")
def no_api_gateway(ctx):
    """What: the stack has channels but no API gateway, BFF or orchestration layer; or a channel
    calls two or more backend services directly, past the gateway.

    Why it matters for MACH: heads stay replaceable only when they talk to one composed API; every
    direct call ties a frontend release to a backend's contract, auth and availability.

    Example: the mobile app calling order-management and stock-atp directly.

    Fix: route channels through a gateway or a BFF per channel (`spec.type: api-gateway` or `bff`).
    """
    stack = ctx.stack
    channels = [c for c in stack.channels if c.type != "call-center"]
    if not channels:
        yield ctx.not_applicable("stack", "no customer channel in the catalog")
        return
    if not any(c.is_gateway for c in stack.components):
        yield ctx.fail(
            "stack",
            f"{len(channels)} channel{'s' if len(channels) != 1 else ''} ({', '.join(sorted(c.name for c in channels))}) "
            "and no api-gateway, bff, ipaas or esb component",
            channels[0].location,
        )
    graph = ctx.graphs.sync_only("services")  # calls; a subscription to events is none
    for channel in channels:
        direct = sorted(
            n for n in graph.successors(channel.ref)
            if not stack.entities[n].is_gateway and not stack.entities[n].is_channel
        )
        if len(direct) >= 2:
            yield ctx.fail(
                channel.ref,
                f"channel {channel.label} calls {len(direct)} backends directly, past any gateway: {', '.join(ref_name(n) for n in direct)}",
                channel.location,
                evidence={"direct": direct},
            )
        else:
            yield ctx.passed(channel.ref)
