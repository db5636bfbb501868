import functools

import networkx as nx

from machaudit.model import ref_name
from machaudit.registry import check

BY_DESIGN = ("api-gateway", "bff")


@check("ORC013", "journey-single-point-of-failure", severity="medium")
def journey_single_point_of_failure(ctx):
    """What: a component that every call path from a customer channel to a touchpoint passes through
    (an articulation point of the journey), other than the channel itself, the component that
    provides the touchpoint, and API gateways/BFFs (which are built to be highly available).

    Why it matters for MACH: when it is down, customers lose that step of the journey on that
    channel, however well the services behind it are built; typical culprits are a shop monolith or
    an ERP adapter in the middle of the path.

    Example: every channel reaches stock and price only through `webshop-legacy`.

    Fix: give channels a path that does not depend on it, or make it redundant.
    """
    journey = ctx.journey
    if journey is None:
        return
    full = ctx.graphs.sync_only("full")  # a subscription is no request path: its outage does not stop the step
    entities = ctx.stack.entities
    dependents: dict[str, list[str]] = {}

    @functools.cache
    def reached_without(channel, removed):
        """What the channel reaches with one node out: one search per channel and node, not a copy
        of the graph per touchpoint."""
        return nx.descendants(nx.restricted_view(full, [removed], []), channel) | {channel}

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
                if not reached_without(channel, node) & targets:
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
