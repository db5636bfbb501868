"""Stack -> frozen networkx views with typed edges.

- `services`: components; edge u -> v when u consumes an API v provides, or u depends on v.
- `full`: services plus resources and APIs: consumer -> api (consumes), api -> provider (served-by),
  component -> resource (depends-on); depending on a component implies consuming its APIs. A path from
  a channel to an API node over sync edges means the channel can reach that API through gateways,
  BFFs and services.
- `flow`: data flow, provider -> consumer (the reverse of `services`; event publisher -> subscriber),
  plus resource -> user.

Every edge has a `type`, read from the catalog's relations:
- `event` (publish/subscribe through a broker): `consumesApis` (or `dependsOn`) an API whose
  `spec.type` is an event type (asyncapi, event, kafka, amqp, webhook … `model.ASYNC_API_TYPES`):
  the consumer subscribes to what the provider publishes; `dependsOn` a message broker — a Resource
  or Component whose type is a broker type (event-bus, topic, queue, stream, kafka, eventbridge,
  sns, sqs, pubsub, rabbitmq … `model.BROKER_WORDS`) or that says `machaudit.io/broker: "true"`.
  A broker is shared infrastructure: using it is publishing or subscribing, not reaching into
  another system's database. The catalog does not say which side of a broker publishes, so no
  component -> component edge is made through a broker Resource.
- `data` (a store read or written): `dependsOn` any other Resource.
- `sync` (a call over HTTP, GraphQL or gRPC): `consumesApis`/`dependsOn` an API of any other type
  (openapi, graphql, grpc …), and `dependsOn` a Component that is not a broker (the catalog does
  not say how; a call is the reading that can break things).
Relations between one pair collapse into one edge, typed by the strongest: sync, then data, then
event. Cycles, call chains and customer paths follow sync edges only (`Graphs.sync_only`); blast
radius follows all, marking event hops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from machaudit.model import ASYNC_API_TYPES, Entity, Stack

SYNC, EVENT, DATA = "sync", "event", "data"
EDGE_TYPES = (SYNC, DATA, EVENT)  # strongest first
__all__ = ["ASYNC_API_TYPES", "DATA", "EDGE_TYPES", "EVENT", "SYNC", "Graphs", "build_graphs", "edge_type", "export"]


@dataclass(frozen=True)
class Graphs:
    services: nx.DiGraph
    full: nx.DiGraph
    flow: nx.DiGraph
    _sync: dict = field(default_factory=dict, repr=False, compare=False)

    def view(self, name: str) -> nx.DiGraph:
        if name not in ("services", "full", "flow"):
            raise ValueError(f"unknown graph view {name!r}; choose services, full or flow")
        return getattr(self, name)

    def sync_only(self, name: str) -> nx.DiGraph:
        """A view with its sync edges only (every node kept): who calls whom, what a request path is."""
        if name not in self._sync:
            graph = self.view(name)
            only = nx.DiGraph()
            only.add_nodes_from(graph.nodes(data=True))
            only.add_edges_from((u, v, d) for u, v, d in graph.edges(data=True) if d.get("type") == SYNC)
            self._sync[name] = nx.freeze(only)
        return self._sync[name]


def edge_type(target: Entity) -> str:
    """The type of a consumesApis/dependsOn relation to `target` (see the module's docstring)."""
    if target.kind == "api":
        return EVENT if target.type in ASYNC_API_TYPES else SYNC
    if target.is_broker:
        return EVENT
    return DATA if target.kind == "resource" else SYNC


def build_graphs(stack: Stack) -> Graphs:
    services = nx.DiGraph()
    full = nx.DiGraph()
    flow = nx.DiGraph()
    entities = stack.entities

    for entity in entities.values():
        attrs = {
            "kind": entity.kind,
            "name": entity.name,
            "type": entity.type,
            "system": entity.system,
            "lifecycle": entity.lifecycle,
            "channel": entity.is_channel,
            "gateway": entity.is_gateway,
            "broker": entity.is_broker,
        }
        if entity.kind == "component":
            services.add_node(entity.ref, **attrs)
        if entity.kind in ("component", "api", "resource"):
            full.add_node(entity.ref, **attrs)
            flow.add_node(entity.ref, **attrs)

    providers: dict[str, list[str]] = {}
    for component in stack.components:
        for api in component.provides_apis:
            providers.setdefault(api, []).append(component.ref)
            if api in entities:
                full.add_edge(api, component.ref, relation="served-by", type=edge_type(entities[api]))

    for component in stack.components:
        for api in component.consumes_apis:
            if api not in entities:
                continue  # dangling: INV003 reports it
            kind = edge_type(entities[api])
            _add(full, component.ref, api, relation="consumes", type=kind)
            for provider in providers.get(api, []):
                if provider != component.ref:
                    _add(services, component.ref, provider, via=api, type=kind)
                    _add(flow, provider, component.ref, via=api, type=kind)
        for target in component.depends_on:
            if target not in entities or target == component.ref:
                continue
            entity = entities[target]
            kind = edge_type(entity)
            if entity.kind == "component":
                _add(services, component.ref, target, via="dependsOn", type=kind)
                _add(flow, target, component.ref, via="dependsOn", type=kind)
                _add(full, component.ref, target, relation="depends-on", type=kind)
                # Depending on a component means using what it provides.
                for api in entity.provides_apis:
                    if api in entities and not full.has_edge(component.ref, api):
                        full.add_edge(component.ref, api, relation="consumes", type=edge_type(entities[api]), implied=True)
            elif entity.kind == "resource":
                _add(full, component.ref, target, relation="depends-on", type=kind)
                _add(flow, target, component.ref, via="dependsOn", type=kind)
            elif entity.kind == "api":
                _add(full, component.ref, target, relation="consumes", type=kind)
                for provider in providers.get(target, []):
                    if provider != component.ref:
                        _add(services, component.ref, provider, via=target, type=kind)
                        _add(flow, provider, component.ref, via=target, type=kind)

    return Graphs(nx.freeze(services), nx.freeze(full), nx.freeze(flow))


def _add(graph: nx.DiGraph, u: str, v: str, type: str, via: str = "", relation: str = "") -> None:
    """Several relations between one pair collapse into one edge, typed by the strongest. Edges of
    `services` and `flow` say which APIs (or dependsOn) they go `via`; edges of `full` their `relation`."""
    if graph.has_edge(u, v):
        data = graph.edges[u, v]
        if via:
            data["via"] = tuple(sorted(set(data["via"]) | {via}))
        data["type"] = min(data["type"], type, key=EDGE_TYPES.index)
    elif via:
        graph.add_edge(u, v, via=(via,), type=type)
    else:
        graph.add_edge(u, v, relation=relation, type=type)


def export(graph: nx.DiGraph, fmt: str) -> str:
    """Serialise a view as graphml, dot or json (node-link)."""
    plain = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        plain.add_node(node, **{k: _scalar(v) for k, v in data.items()})
    for u, v, data in graph.edges(data=True):
        plain.add_edge(u, v, **{k: _scalar(v) for k, v in data.items()})
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(plain)) + "\n"
    if fmt == "json":
        import json

        return json.dumps(nx.node_link_data(plain, edges="edges"), indent=2, sort_keys=True) + "\n"
    if fmt == "dot":
        return _dot(plain)
    raise ValueError(f"unknown graph format {fmt!r}; choose graphml, dot or json")


def _scalar(value):
    if isinstance(value, (tuple, list, set, frozenset)):
        return ",".join(str(v) for v in value)
    if value is None:
        return ""
    return value


def _dot(graph: nx.DiGraph) -> str:
    def quote(text: object) -> str:
        return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    shapes = {"api": "ellipse", "resource": "cylinder"}
    lines = ["digraph machaudit {", "  rankdir=LR;"]
    for node, data in sorted(graph.nodes(data=True)):
        shape = shapes.get(data.get("kind"), "box")
        attrs = [f"label={quote(data.get('name') or node)}", f"shape={shape}"]
        if data.get("channel"):
            attrs.append("style=filled fillcolor=lightblue")
        lines.append(f"  {quote(node)} [{' '.join(attrs)}];")
    for u, v, data in sorted(graph.edges(data=True)):
        style = " [style=dashed]" if data.get("type") == EVENT else ""
        lines.append(f"  {quote(u)} -> {quote(v)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"
