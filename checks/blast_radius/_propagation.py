"""Blast radius of commercial logic: where a faulty record from a voucher, pricing or order-intake
system travels downstream, and whether a hold or approval step lies on the way (BLR001).

`propagation_map(stack, graphs, options)` is a pure function; its result is a plain structure of
strings, lists and booleans, ready for JSON and for the HTML report's table:

    [{"source": "component:default/promotion-service", "logic": ["voucher"],
      "reaches": [{"sink": "component:default/erp-core", "category": "erp",
                   "path": ["component:default/promotion-service", …, "component:default/erp-core"],
                   "guarded": false, "guard": null, "hold_points": []}, …]}, …]

How data travels. `graphs.flow` has provider -> consumer edges: a consumer reads what a provider
serves. A faulty record also travels the other way when the consumer *writes* into the provider
(the OMS posts a shipment to the shipping service, the iPaaS posts invoices to e-invoicing), which
`flow` does not show. So the propagation graph is `flow` plus, for every synchronous API that
accepts writes (POST/PUT/PATCH/DELETE other than searches) or whose spec is unknown, the edge
consumer -> provider; plus component -> resource for every `dependsOn` a resource (a component
writes into its datastore; `flow` already has resource -> each user), and both directions for a
`dependsOn` between components (the catalog does not say which way data goes). Events travel
publisher -> subscriber only, as in `flow`; through a broker Resource (a topic, an event bus), from
every component using it to every other, as the catalog does not say who publishes; but a
component that provides or consumes an event API receives what its subscriptions say, nothing
through the broker.

Every edge keeps its type (`machaudit.graph`: sync, event, data). An event hop is where a
consumer-side hold or quarantine can sit: the subscriber decides what it does with what it
receives. `hold_points` of a reach name the subscribers at the event hops of its path.

A path is guarded when a component on it (not the source) is a hold step by name, or when every API
an edge travels through offers a state-changing operation named like a hold step (approve,
release, review, quarantine, Freigabe, Prüfung, Sperre …). Sinks are classified by component
type, then the records it masters (`machaudit.io/system-of-record: invoice` -> invoicing), then
name/title, then its system's name, then what its APIs create (shipments, invoices, payments,
notifications). Gateways, BFFs and integration platforms are hops, never sources or sinks;
channels are ends, never hops or sources (an `email` channel is a communication sink).
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import networkx as nx

from machaudit.graph import ASYNC_API_TYPES, EDGE_TYPES, EVENT, SYNC, Graphs, edge_type
from machaudit.model import GATEWAY_TYPES, Entity, Stack
from machaudit.capabilities.vocabulary import name_pattern
from machaudit_checks.blast_radius import _intent as intent

CATEGORIES = ("erp", "invoicing", "fulfilment", "payment", "communication")

DEFAULTS: dict[str, Any] = {
    "source_patterns": {
        "voucher": name_pattern("voucher"),  # the capability vocabulary's voucher words
        "pricing": r"pric|preis",
        "order intake": r"order|bestell|auftrag|auftr(?:ae|ä)g",
    },
    "sink_types": {"erp": "erp", "email": "communication"},
    # machaudit.io/system-of-record entities that make a component a sink
    "sink_records": {"invoice": "invoicing", "shipment": "fulfilment", "payment": "payment"},
    "sink_patterns": {
        "erp": r"\berp\b|\bsap\b|navision|dynamics|proalpha|\babas\b|warenwirtschaft",
        "invoicing": r"invoic|billing|rechnung|faktur|accounting|buchhaltung|datev",
        "fulfilment": r"shipping|shipment|fulfil|versand|warehouse|\bwms\b|carrier|spedition|tracking",
        "payment": r"payment|zahlung|\bpsp\b|paypal|stripe|adyen|klarna",
        "communication": r"e-?mail|newsletter|notification|benachrichtigung|messaging|\bsms\b",
    },
    "guard_pattern": r"\bhold\b|\bon hold\b|approv|\breview\b|freigabe|freigeben|pr(?:ü|ue)fung|\bsperr|quarantin|manual review",
    "follow_writes": True,
    # Heads show data and send a user's input; they are where data ends, not a route between
    # backends (BFFs, gateways and iPaaS/ESB are, and are followed).
    "not_traversed_types": ["website", "mobile-app", "b2b-portal", "pos", "marketplace", "call-center", "email"],
    "unknown_api_carries_writes": True,
}

_NOTIFY = r"(?:e?mail|notification|benachrichtigung|sms)(?:s|en)?"
_READ_ONLY_POST = r"^(?:search|query|suche|abfrage|find|filter|validate|validation|validierung|calculate|berechnung|estimate|preview|simulate|lookup|check)$"
_CREATED = {"invoicing": intent.INVOICE, "fulfilment": intent.SHIPMENT, "payment": intent.PAYMENT,
            "communication": _NOTIFY}


def propagation_map(stack: Stack, graphs: Graphs, options: Mapping[str, Any] | None = None) -> list[dict]:
    opts = {**DEFAULTS, **(options or {})}
    graph = propagation_graph(stack, graphs, opts)
    guard = re.compile(opts["guard_pattern"])
    guard_nodes = {n for n in graph.nodes if _named_guard(stack.entities.get(n), guard)}
    guard_edges = {}
    for u, v, data in graph.edges(data=True):
        found = _edge_guard(stack, data["via"], guard)
        if found:
            guard_edges[(u, v)] = found
    categories = {n: sink_category(stack, stack.entities.get(n), opts) for n in graph.nodes}
    out = []
    for source, logic in sources(stack, opts).items():
        out.append({"source": source, "logic": logic,
                    "reaches": _reaches(stack, graph, opts, source, categories, guard_nodes, guard_edges)})
    return out


# -- graph ----------------------------------------------------------------------------------------

def propagation_graph(stack: Stack, graphs: Graphs, opts: Mapping[str, Any]) -> nx.DiGraph:
    graph = nx.DiGraph()
    for node, data in graphs.flow.nodes(data=True):
        if data.get("kind") in ("component", "resource"):
            graph.add_node(node)
    declared = {c.ref for c in stack.components if _declares_events(stack, c)}
    for u, v, data in graphs.flow.edges(data=True):
        if _broker_hop(stack, u, v, declared):
            continue
        via = data.get("via")
        via = set(via) if isinstance(via, (tuple, list, set)) else {via or "dependsOn"}
        _link(graph, u, v, via, READ, data.get("type", SYNC))
    if not opts["follow_writes"]:
        return graph
    writes = {api.ref: _accepts_writes(stack, api, opts) for api in stack.apis}
    for component in stack.components:
        for api_ref in component.consumes_apis:
            api = stack.entities.get(api_ref)
            if api is None or api.type in ASYNC_API_TYPES or not writes.get(api_ref):
                continue
            for provider in stack.providers_of(api_ref):
                if provider.ref != component.ref:
                    _link(graph, component.ref, provider.ref, {api_ref}, WRITE, SYNC)
        for target in component.depends_on:
            entity = stack.entities.get(target)
            if entity is None or target == component.ref:
                continue
            if entity.kind == "resource":  # writing its own datastore, or publishing to a broker
                _link(graph, component.ref, target, {"dependsOn"}, READ, edge_type(entity))
            elif entity.kind == "component":
                _link(graph, component.ref, target, {"dependsOn"}, WRITE, edge_type(entity))
            elif entity.kind == "api" and entity.type not in ASYNC_API_TYPES and writes.get(target):
                for provider in stack.providers_of(target):
                    if provider.ref != component.ref:
                        _link(graph, component.ref, provider.ref, {target}, WRITE, SYNC)
    return graph


def _declares_events(stack: Stack, component: Entity) -> bool:
    """The component's events are in the catalog: it provides or consumes an event API (one that
    only publishes receives nothing)."""
    return any(ref in stack.entities and stack.entities[ref].type in ASYNC_API_TYPES
               for ref in (*component.provides_apis, *component.consumes_apis))


def _broker_hop(stack: Stack, u: str, v: str, declared: set[str]) -> bool:
    """From a broker to a component whose event APIs say what it receives: those subscriptions
    carry its events, the broker adds no path of its own (every user of the broker hearing every
    other would bypass them). What it publishes onto the broker still reaches the users whose
    subscriptions the catalog does not say."""
    broker = stack.entities.get(u)
    return broker is not None and broker.is_broker and v in declared


# Path weights: a consumer certainly reads what it consumes; that it writes is a guess from the
# API's operations, so among equally short paths the one with more reads is shown.
READ, WRITE = 1.0, 1.5


def _link(graph: nx.DiGraph, u: str, v: str, via: set[str], weight: float, kind: str) -> None:
    if graph.has_edge(u, v):
        data = graph.edges[u, v]
        data["via"] |= via
        data["weight"] = min(data["weight"], weight)
        data["type"] = min(data["type"], kind, key=EDGE_TYPES.index)  # the strongest relation
    else:
        graph.add_edge(u, v, via=set(via), weight=weight, type=kind)


def _accepts_writes(stack: Stack, api: Entity, opts) -> bool:
    spec = stack.spec_of(api)
    if spec is None or not spec.parsed:
        return bool(opts["unknown_api_carries_writes"])
    for op in spec.operations:
        if op.method in ("PUT", "PATCH", "DELETE"):
            return True
        if op.method == "POST":
            last = intent.tokens(op.path.rstrip("/").rsplit("/", 1)[-1])
            if not any(re.match(_READ_ONLY_POST, w) for w in last):
                return True
    return False


# -- sources and sinks ----------------------------------------------------------------------------

def _ops(stack: Stack, component: Entity):
    for api_ref in component.provides_apis:
        api = stack.entities.get(api_ref)
        spec = stack.spec_of(api) if api else None
        if spec is not None and spec.parsed:
            yield from spec.operations


def _relay(entity: Entity) -> bool:
    return entity.type in GATEWAY_TYPES


def source_logic(stack: Stack, entity: Entity, opts: Mapping[str, Any]) -> list[str]:
    """Which commercial logic a component (or an API) carries, by name, type and operations."""
    names = [entity.name, entity.title, entity.type]
    if entity.kind == "component":
        names += [stack.entities[a].name for a in entity.provides_apis if a in stack.entities]
        names += [stack.entities[a].title for a in entity.provides_apis if a in stack.entities]
        ops = list(_ops(stack, entity))
    else:
        spec = stack.spec_of(entity)
        ops = list(spec.operations) if spec is not None and spec.parsed else []
    words = [w for n in names if n for w in intent.tokens(n)]
    found = []
    for logic, pattern in opts["source_patterns"].items():
        if any(re.search(pattern, w) for w in words):
            found.append(logic)
        elif logic == "order intake" and any(intent.creates(op, intent.ORDER) for op in ops):
            found.append(logic)
        elif logic != "order intake" and any(
            re.search(pattern, "".join(intent.tokens(seg))) for op in ops for seg in intent.literal_segments(op.path)
        ):
            found.append(logic)
    return found


def sources(stack: Stack, opts: Mapping[str, Any]) -> dict[str, list[str]]:
    out = {}
    guard = re.compile(opts["guard_pattern"])
    for component in stack.components:
        if component.is_channel or _relay(component) or _named_guard(component, guard):
            continue  # (a hold step by name, such as an order review, is where faulty records stop)
        logic = source_logic(stack, component, opts)
        if logic:
            out[component.ref] = logic
    return dict(sorted(out.items()))


def sink_category(stack: Stack, entity: Entity | None, opts: Mapping[str, Any]) -> str | None:
    if entity is None or entity.kind != "component" or _relay(entity):
        return None
    by_type = opts["sink_types"].get(entity.type)
    if by_type:
        return by_type
    if entity.is_channel:
        return None
    records = entity.annotation_list("system-of-record")
    for record, category in opts["sink_records"].items():
        if record in records:
            return category
    texts = [" ".join([entity.name, entity.title]).lower()]
    if "order intake" not in source_logic(stack, entity, opts):
        # an order system filed under "fulfilment" is where orders start, not a fulfilment sink
        texts.append(entity.system.rpartition("/")[2].lower())
    for text in texts:
        for category in CATEGORIES:
            pattern = opts["sink_patterns"].get(category)
            if pattern and text and re.search(pattern, text):
                return category
    for category in ("invoicing", "fulfilment", "payment", "communication"):
        # creates the thing itself, as a top-level resource (not a sub-resource of an order)
        if any(intent.creates(op, _CREATED[category]) and "{" not in op.path for op in _ops(stack, entity)):
            return category
    return None


# -- guards and paths -----------------------------------------------------------------------------

def _named_guard(entity: Entity | None, guard: re.Pattern) -> bool:
    if entity is None or entity.kind != "component":
        return False
    return bool(guard.search(" ".join(intent.tokens(entity.name) + intent.tokens(entity.title))))


def _edge_guard(stack: Stack, via: set[str], guard: re.Pattern) -> str | None:
    """The hold step on an edge: an operation named like one in every API the edge travels through."""
    found = []
    for api_ref in sorted(via):
        api = stack.entities.get(api_ref)
        spec = stack.spec_of(api) if api is not None else None
        if spec is None or not spec.parsed:
            return None
        hit = next((op for op in spec.operations if is_hold_step(op, guard)), None)
        if hit is None:
            return None
        found.append(f"{api_ref} {hit.label}")
    return found[0] if found else None


def is_hold_step(op, guard: re.Pattern) -> bool:
    """A state-changing operation on an order, payment, shipment or invoice named like a hold step:
    `POST /orders/{id}/approve`, `POST /auftraege/{nr}/freigabe`; not `POST /adressen/pruefung`."""
    if op.method not in ("POST", "PUT", "PATCH"):
        return False
    if not guard.search(" ".join(intent.tokens(op.path) + intent.tokens(op.operation_id))):
        return False
    return any(intent.touches(op, noun) for noun in (intent.ORDER, intent.PAYMENT, intent.SHIPMENT, intent.INVOICE)) \
        or any(re.search(r"order|auftrag|bestell|payment|zahlung|shipment|sendung|invoice|rechnung", w)
               for w in intent.tokens(op.operation_id))


def _reaches(stack, graph, opts, source, categories, guard_nodes, guard_edges) -> list[dict]:
    if source not in graph:
        return []
    open_graph = nx.DiGraph()
    open_graph.add_node(source)
    ends = {n for n in graph.nodes if n != source and _type(stack, n) in set(opts["not_traversed_types"])}
    passable = nx.DiGraph()
    passable.add_node(source)
    for u, v, weight in graph.edges(data="weight"):
        if u not in ends:
            passable.add_edge(u, v, weight=weight)
    for u, v, weight in passable.edges(data="weight"):
        if (u, v) in guard_edges or (u in guard_nodes and u != source) or (v in guard_nodes and v != source):
            continue
        open_graph.add_edge(u, v, weight=weight)
    unguarded = nx.single_source_dijkstra_path(open_graph, source)
    anyway = nx.single_source_dijkstra_path(passable, source)
    rank = {c: i for i, c in enumerate(CATEGORIES)}
    out = []
    for node, path in anyway.items():
        if node == source:
            continue
        category = categories.get(node)
        if category is None:
            continue
        if node in unguarded:
            found = list(unguarded[node])
            out.append({"sink": node, "category": category, "path": found, "guarded": False, "guard": None,
                        "hold_points": _hold_points(stack, graph, found)})
            continue
        out.append({"sink": node, "category": category, "path": list(path), "guarded": True,
                    "guard": _first_guard(path, source, guard_nodes, guard_edges),
                    "hold_points": _hold_points(stack, graph, path)})
    out.sort(key=lambda r: (r["guarded"], rank.get(r["category"], 99), len(r["path"]), r["sink"]))
    return out


def _hold_points(stack: Stack, graph: nx.DiGraph, path) -> list[str]:
    """The subscribers at the event hops of a path: where a consumer-side hold or quarantine can sit."""
    out = []
    for u, v in zip(path, path[1:]):
        entity = stack.entities.get(v)
        if graph.edges[u, v]["type"] == EVENT and entity is not None and entity.kind == "component" \
                and not entity.is_broker and v not in out:
            out.append(v)
    return out


def _type(stack: Stack, ref: str) -> str:
    entity = stack.entities.get(ref)
    return entity.type if entity is not None and entity.kind == "component" else ""


def _first_guard(path, source, guard_nodes, guard_edges) -> str | None:
    for i, node in enumerate(path):
        if i > 0 and (path[i - 1], node) in guard_edges:
            return guard_edges[(path[i - 1], node)]
        if node != source and node in guard_nodes:
            return node
    return None
