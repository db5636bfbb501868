"""Typed edges of the graph: how catalog relations are classified (sync, event, data), what the
sync-only views keep, and that `machaudit graph` exports the type."""

from __future__ import annotations

import json

import pytest
import yaml

from machaudit.graph import build_graphs, export
from machaudit.model import is_broker_type
from machaudit.sources import load_stack
from machaudit.sources.event_names import message_names
from tests.catalog_builders import component

CATALOG = (
    component("web", type="website", consumesApis="[shop-api]")
    + component("bff", type="bff", providesApis="[shop-api]", consumesApis="[orders-api, stock-graph]")
    + component("orders", providesApis="[orders-api, order-events]", consumesApis="[stock-events]",
                dependsOn="[resource:bus, resource:orders-db, component:legacy]")
    + component("stock", providesApis="[stock-graph, stock-events]", consumesApis="[order-events]",
                dependsOn="[resource:bus, component:kafka]")
    + component("legacy")
    + component("kafka", type="message-broker")
    + "".join(
        f"---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {{name: {name}}}\n"
        f"spec: {{type: {kind}, lifecycle: production, owner: group:team}}\n"
        for name, kind in (("shop-api", "openapi"), ("orders-api", "openapi"), ("stock-graph", "graphql"),
                           ("order-events", "asyncapi"), ("stock-events", "kafka"))
    )
    + "---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata: {name: bus}\nspec: {type: aws-sns-topic, owner: group:team}\n"
    + "---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata: {name: orders-db}\nspec: {type: database, owner: group:team}\n"
)


def ref(name: str, kind: str = "component") -> str:
    return f"{kind}:default/{name}"


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edges")
    (folder / "catalog-info.yaml").write_text(CATALOG)
    stack, _ = load_stack([str(folder)])
    return build_graphs(stack)


def test_services_edges_are_typed_by_the_relation(graphs):
    types = {(u.rpartition("/")[2], v.rpartition("/")[2]): d["type"] for u, v, d in graphs.services.edges(data=True)}
    assert types == {
        ("web", "bff"): "sync",  # openapi
        ("bff", "orders"): "sync",  # openapi
        ("bff", "stock"): "sync",  # graphql
        ("orders", "stock"): "event",  # consumes a kafka-type API
        ("stock", "orders"): "event",  # consumes an asyncapi API
        ("orders", "legacy"): "sync",  # dependsOn a component
        ("stock", "kafka"): "event",  # dependsOn a component run as a broker
    }


def test_full_edges_to_resources_are_data_or_event(graphs):
    full = graphs.full
    assert full.edges[ref("orders"), ref("orders-db", "resource")]["type"] == "data"
    assert full.edges[ref("orders"), ref("bus", "resource")]["type"] == "event"  # aws-sns-topic is a broker
    assert full.edges[ref("order-events", "api"), ref("orders")] == {"relation": "served-by", "type": "event"}
    assert full.edges[ref("bff"), ref("stock-graph", "api")] == {"relation": "consumes", "type": "sync"}
    assert graphs.flow.edges[ref("bus", "resource"), ref("stock")]["type"] == "event"


def test_sync_only_keeps_every_node_and_only_calls(graphs):
    calls = graphs.sync_only("services")
    assert set(calls.nodes) == set(graphs.services.nodes)
    assert sorted((u.rpartition("/")[2], v.rpartition("/")[2]) for u, v in calls.edges) == [
        ("bff", "orders"), ("bff", "stock"), ("orders", "legacy"), ("web", "bff")]
    assert graphs.sync_only("services") is calls  # built once
    assert all(d["type"] == "sync" for _, _, d in graphs.sync_only("full").edges(data=True))


def test_relations_of_one_pair_collapse_to_the_strongest(tmp_path):
    (tmp_path / "catalog-info.yaml").write_text(
        component("a", consumesApis="[b-events, b-api]") + component("b", providesApis="[b-events, b-api]")
        + "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: b-events}\nspec: {type: asyncapi, owner: group:team}\n"
        + "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: b-api}\nspec: {type: openapi, owner: group:team}\n")
    stack, _ = load_stack([str(tmp_path)])
    edge = build_graphs(stack).services.edges[ref("a"), ref("b")]
    assert edge == {"via": ("api:default/b-api", "api:default/b-events"), "type": "sync"}


@pytest.mark.parametrize("type_, broker", [
    ("event-bus", True), ("topic", True), ("queue", True), ("stream", True), ("kafka-topic", True),
    ("aws-sqs-queue", True), ("eventbridge", True), ("pubsub", True), ("rabbitmq", True), ("sns", True),
    ("database", False), ("s3-bucket", False), ("cache", False), ("", False), ("search-index", False),
])
def test_broker_types(type_, broker):
    assert is_broker_type(type_) is broker


def test_broker_annotation_overrides_the_type(tmp_path):
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: hub\n"
        "  annotations: {machaudit.io/broker: 'true'}\nspec: {type: infrastructure, owner: group:team}\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: outbox\n"
        "  annotations: {machaudit.io/broker: 'false'}\nspec: {type: queue, owner: group:team}\n")
    stack, _ = load_stack([str(tmp_path)])
    assert stack.entities["resource:default/hub"].is_broker
    assert not stack.entities["resource:default/outbox"].is_broker


def test_exports_carry_the_edge_type(graphs):
    data = json.loads(export(graphs.services, "json"))
    assert {(e["source"].rpartition("/")[2], e["target"].rpartition("/")[2], e["type"]) for e in data["edges"]} >= {
        ("orders", "stock", "event"), ("bff", "orders", "sync")}
    graphml = export(graphs.services, "graphml")
    assert '<key id="d' in graphml and 'attr.name="type"' in graphml and ">event</data>" in graphml
    dot = export(graphs.services, "dot")
    assert '"component:default/orders" -> "component:default/stock" [style=dashed];' in dot
    assert '"component:default/bff" -> "component:default/orders";' in dot


def test_message_names_of_asyncapi_2_and_3():
    v2 = yaml.safe_load("""
asyncapi: 2.6.0
channels:
  orders/placed:
    subscribe: {message: {$ref: '#/components/messages/OrderPlaced'}}
  stock/reserved:
    publish: {message: {name: StockReserved}}
  orders/changed:
    subscribe: {message: {oneOf: [{name: OrderShipped}, {$ref: '#/components/messages/x'}]}}
components:
  messages:
    OrderPlaced: {name: OrderPlaced}
    x: {name: OrderCancelled}
""")
    # AsyncAPI 2: the application publishes what others subscribe to
    assert message_names(v2) == ("OrderPlaced", "OrderShipped", "OrderCancelled")
    v3 = yaml.safe_load("""
asyncapi: 3.0.0
channels:
  lifecycle: {messages: {placed: {$ref: '#/components/messages/placed'}, other: {payload: {}}}}
operations:
  send: {action: send, channel: {$ref: '#/channels/lifecycle'}, messages: [{$ref: '#/channels/lifecycle/messages/placed'}]}
components: {messages: {placed: {name: OrderPlaced}}}
""")
    assert message_names(v3) == ("OrderPlaced",)  # sent, followed through the channel to components
    no_operations = {"asyncapi": "3.0.0", "channels": {"a": {"messages": {"m1": {}, "m2": {"name": "Two"}}}}}
    assert message_names(no_operations) == ("m1", "Two")


LOOP = {"asyncapi": "2.6.0", "channels": {"a": {"subscribe": {"message": {"$ref": "#/channels/a/subscribe/message"}}}}}


@pytest.mark.parametrize("document", [None, [], "text", {"openapi": "3.0.0"}, {"asyncapi": "3.0.0", "channels": []},
                                      {"asyncapi": "2.0.0", "channels": {"a": {"publish": "x"}}},
                                      {"asyncapi": "3.0.0", "operations": {"o": {"action": "send", "channel": 5}}}])
def test_message_names_of_odd_documents_are_empty(document):
    assert message_names(document) == ()


def test_a_reference_loop_ends():
    assert message_names(LOOP) == ()


def test_the_html_graph_draws_a_pair_dashed_only_when_it_only_exchanges_events():
    from machaudit.formatters.figures import _collapse

    graph = {
        "nodes": [{"id": n, "kind": k} for n, k in (("c:a", "component"), ("c:b", "component"), ("c:c", "component"),
                                                     ("a:b-events", "api"), ("a:b-api", "api"), ("r:bus", "resource"))],
        "edges": [
            {"source": "a:b-events", "target": "c:b", "relation": "served-by", "type": "event"},
            {"source": "a:b-api", "target": "c:b", "relation": "served-by", "type": "sync"},
            {"source": "c:a", "target": "a:b-events", "relation": "consumes", "type": "event"},
            {"source": "c:c", "target": "a:b-events", "relation": "consumes", "type": "event"},
            {"source": "c:c", "target": "a:b-api", "relation": "consumes", "type": "sync"},
            {"source": "c:a", "target": "r:bus", "relation": "depends-on", "type": "event"},
        ],
    }
    _, edges = _collapse(graph)
    assert edges == [("c:a", "c:b", False), ("c:a", "r:bus", False), ("c:c", "c:b", True)]
