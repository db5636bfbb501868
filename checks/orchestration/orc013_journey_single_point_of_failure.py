from machaudit.journey import entry_paths
from machaudit.model import ref_name
from machaudit.registry import check

BY_DESIGN = ("api-gateway", "ingress", "bff")  # built to be highly available


@check("ORC013", "journey-single-point-of-failure", severity="medium")
def journey_single_point_of_failure(ctx):
    """What: a component that every way from a customer channel to a touchpoint passes through
    (an articulation point of the journey), other than the channel itself, the component that
    provides the touchpoint, and API gateways/ingresses/BFFs (which are built to be highly
    available). The ways are the channel's entry points (see machaudit.journey.entry_paths): an
    ESB or iPaaS that routes channels on to the services is the typical culprit.

    Why it matters for MACH: when it is down, customers lose that step of the journey on that
    channel, however well the services behind it are built; the typical culprit is an integration
    bus (ESB, iPaaS) that channels must pass to reach the services.

    Example: every channel reaches stock and price only through the ESB `shop-bus`.

    Fix: give channels a path that does not depend on it, or make it redundant.
    """
    journey = ctx.journey
    if journey is None:
        return
    entities = ctx.stack.entities
    dependents: dict[str, list[str]] = {}
    still_reached: dict[tuple[str, str], set[str]] = {}  # (channel, component down) -> APIs reached
    for touchpoint in journey.journey.touchpoints:
        targets = {m.api for m in journey.matches.get(touchpoint.name, ())}
        providers = {p.ref for api in targets for p in ctx.stack.providers_of(api)}
        for channel in journey.customer_channels(ctx.stack):
            cell = journey.cell(touchpoint.name, channel)
            if cell.state != "self-service":
                continue
            for node in cell.path[1:-1]:
                entity = entities.get(node)
                if entity is None or entity.kind != "component" or node in providers or entity.type in BY_DESIGN:
                    continue
                key = (channel, node)
                if key not in still_reached:
                    still_reached[key] = set(entry_paths(ctx.stack, channel, without=frozenset({node})))
                if not targets & still_reached[key]:
                    dependents.setdefault(node, []).append(f"{touchpoint.name} via {ref_name(channel)}")
    for node, uses in sorted(dependents.items()):
        yield ctx.fail(
            node,
            f"{ref_name(node)} is a single point of failure for {len(uses)} channel touchpoints: "
            + ", ".join(uses[:8]) + (" …" if len(uses) > 8 else ""),
            entities[node].location,
            evidence={"touchpoints": uses},
        )
    for component in ctx.stack.components:
        if component.ref not in dependents:
            yield ctx.passed(component.ref)
