"""Stack -> frozen networkx views.

- `services`: components; edge u -> v when u consumes an API v provides, or u depends on v.
- `full`: services plus resources and APIs: consumer -> api (consumes), api -> provider (served-by),
  component -> resource (depends-on); depending on a component implies consuming its APIs. A path from a channel to an API node means the channel can
  reach that API through gateways, BFFs and services.
- `flow`: data flow, provider -> consumer (the reverse of `services`), plus resource -> user.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from machaudit.model import ASYNC_API_TYPES, Stack

@dataclass(frozen=True)
class Graphs:
    services: nx.DiGraph
    full: nx.DiGraph
    flow: nx.DiGraph

    def view(self, name: str) -> nx.DiGraph:
        if name not in ("services", "full", "flow"):
            raise ValueError(f"unknown graph view {name!r}; choose services, full or flow")
        return getattr(self, name)


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
                full.add_edge(api, component.ref, relation="served-by")

    for component in stack.components:
        for api in component.consumes_apis:
            if api not in entities:
                continue  # dangling: INV003 reports it
            api_entity = entities[api]
            sync = api_entity.type not in ASYNC_API_TYPES
            full.add_edge(component.ref, api, relation="consumes", sync=sync)
            for provider in providers.get(api, []):
                if provider != component.ref:
                    _add(services, component.ref, provider, via=api, sync=sync)
                    _add(flow, provider, component.ref, via=api, sync=sync)
        for target in component.depends_on:
            if target not in entities:
                continue
            kind = entities[target].kind
            if kind == "component" and target != component.ref:
                _add(services, component.ref, target, via="dependsOn", sync=True)
                _add(flow, target, component.ref, via="dependsOn", sync=True)
                full.add_edge(component.ref, target, relation="depends-on", sync=True)
                # Depending on a component means using what it provides.
                for api in entities[target].provides_apis:
                    if api in entities and not full.has_edge(component.ref, api):
                        full.add_edge(component.ref, api, relation="consumes", sync=True, implied=True)
            elif kind in ("resource", "api"):
                relation = "depends-on" if kind == "resource" else "consumes"
                full.add_edge(component.ref, target, relation=relation, sync=True)
                if kind == "resource":
                    flow.add_edge(target, component.ref, via="dependsOn", sync=True)
                else:
                    for provider in providers.get(target, []):
                        if provider != component.ref:
                            _add(services, component.ref, provider, via=target, sync=True)
                            _add(flow, provider, component.ref, via=target, sync=True)

    return Graphs(nx.freeze(services), nx.freeze(full), nx.freeze(flow))


def _add(graph: nx.DiGraph, u: str, v: str, via: str, sync: bool) -> None:
    """Several relations between one pair collapse into one edge; it stays sync if any is."""
    if graph.has_edge(u, v):
        data = graph.edges[u, v]
        data["via"] = tuple(sorted(set(data["via"]) | {via}))
        data["sync"] = data["sync"] or sync
    else:
        graph.add_edge(u, v, via=(via,), sync=sync)


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
        style = "" if data.get("sync", True) else " [style=dashed]"
        lines.append(f"  {quote(u)} -> {quote(v)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"
