"""GraphQL fields, gRPC rpcs and AsyncAPI messages in the capability layer and the journey, as REST
operations are: `checkoutComplete` places an order, `orderCancel` cancels one, an `OrderShipped`
event tells an order's state; Journey documents name them; a channel that receives order events
tracks its orders without calling anyone.

Expected answers were written by reading the definitions below and, for saleor, its SDL
(`checkoutComplete` "Completes the checkout", `orderCancel` "Cancel an order", `orderRefund` "Refund
an order", `orderFulfillmentReturnProducts` "Return products", `products` "List of the shop's
products").
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from machaudit import capabilities
from machaudit.capabilities.rest_view import is_status_push, rest_view
from machaudit.model import Operation, Parameter
from machaudit.sources import LoadOptions, load_stack
from tests.conftest import CORPUS
from tests.test_journey import cell, journey_json, operation, operations, ref, write_journey

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")


def op(method: str, path: str, *, args: tuple[str, ...] = (), messages: tuple[str, ...] = ()) -> Operation:
    return Operation("x", method, path, "/p", operation_id=path.rpartition("/")[2],
                     parameters=tuple(Parameter(a, "argument") for a in args), messages=messages)


@pytest.mark.parametrize("style, method, path, args, messages, expected", [
    ("graphql", "mutation", "checkoutComplete", ("id", "token"), (), "POST /checkout/{id}/complete"),
    ("graphql", "mutation", "orderCancel", ("id",), (), "POST /order/{id}/cancel"),
    ("graphql", "mutation", "cancelOrder", ("id",), (), "POST /order/{id}/cancel"),
    ("graphql", "mutation", "createOrder", ("paymentToken",), (), "POST /order/create"),
    ("graphql", "mutation", "orderFulfillmentReturnProducts", ("order", "input"), (), "POST /order-fulfillment/return"),
    ("graphql", "mutation", "collectionReorderProducts", ("collectionId", "moves"), (), "POST /collection/{id}/update-products"),
    ("graphql", "mutation", "orderReorder", ("id",), (), "POST /order/{id}/reorder"),
    ("graphql", "query", "products", ("first", "filter"), (), "GET /products"),
    ("graphql", "query", "order", ("id",), (), "GET /order/{id}"),
    ("graphql", "subscription", "orderUpdated", (), (), "GET /order/{id}"),
    ("grpc", "rpc", "CheckoutService/PlaceOrder", (), (), "POST /order/place"),
    ("grpc", "rpc", "ShippingService/ShipOrder", (), (), "POST /order/{id}/ship"),
    ("grpc", "rpc", "CartService/GetCart", (), (), "GET /cart/{id}"),
    ("grpc", "rpc", "ProductCatalogService/ListProducts", (), (), "GET /products"),
    ("asyncapi", "send", "orders.shipped", (), ("OrderShipped",), "GET /order/{id}"),
    ("asyncapi", "subscribe", "orders", (), ("OrderShipped",), "GET /order/{id}"),  # 2.x: the app sends
    ("asyncapi", "receive", "orders.commands", (), ("CancelOrder",), "POST /order/cancel"),
    ("openapi", "POST", "/orders", (), (), "POST /orders"),
])
def test_rest_view(style, method, path, args, messages, expected):
    assert rest_view(op(method, path, args=args, messages=messages), style).label == expected


def test_status_pushes_are_subscriptions_and_sent_events():
    assert is_status_push(op("subscription", "orderUpdated"), "graphql")
    assert is_status_push(op("send", "orders", messages=("OrderShipped",)), "asyncapi")
    assert is_status_push(op("subscribe", "orders", messages=("OrderShipped",)), "asyncapi")
    assert not is_status_push(op("publish", "orders", messages=("OrderShipped",)), "asyncapi")  # 2.x: received
    assert not is_status_push(op("send", "commands", messages=("CancelOrder",)), "asyncapi")  # a command
    assert not is_status_push(op("query", "order", args=("id",)), "graphql")


# -- a headless shop: a GraphQL storefront API and order events ------------------------------------

STOREFRONT_SDL = '''\
type Query {
  "Search the catalogue."
  products(search: String, first: Int): [Product!]!
}
type Mutation {
  "Put a product in a checkout."
  checkoutLinesAdd(id: ID!, sku: String!, quantity: Int!): Checkout
  "Complete the checkout: the order is placed."
  checkoutComplete(id: ID!, paymentToken: String!): Order
  "Cancel an order the customer placed."
  orderCancel(id: ID!): Order
}
type Product { sku: String! name: String! }
type Checkout { id: ID! }
type Order { id: ID! status: String! }
'''

ORDER_EVENTS = {
    "asyncapi": "3.0.0",
    "info": {"title": "Order events", "version": "1.0.0"},
    "channels": {
        "orderPlaced": {"address": "orders.placed", "messages": {"OrderPlaced": {"$ref": "#/components/messages/OrderPlaced"}}},
        "orderShipped": {"address": "orders.shipped", "messages": {"OrderShipped": {"$ref": "#/components/messages/OrderShipped"}}},
    },
    "operations": {
        "publishOrderPlaced": {"action": "send", "channel": {"$ref": "#/channels/orderPlaced"}},
        "publishOrderShipped": {"action": "send", "channel": {"$ref": "#/channels/orderShipped"}},
    },
    "components": {"messages": {
        "OrderPlaced": {"name": "OrderPlaced", "payload": {"type": "object", "properties": {"orderId": {"type": "string"}}}},
        "OrderShipped": {"name": "OrderShipped", "payload": {"type": "object", "properties": {"orderId": {"type": "string"}}}},
    }},
}


def _entity(kind: str, name: str, **spec) -> dict:
    return {"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": {"name": name},
            "spec": {"lifecycle": "production", "owner": "group:shop-team", **spec}}


def headless_shop(folder: Path) -> Path:
    """web and app call the storefront GraphQL API; only the app subscribes to the order events
    (it shows push notifications); nobody offers an order-status query."""
    folder.mkdir(parents=True, exist_ok=True)
    entities = [
        _entity("Component", "web", type="website", consumesApis=["storefront-graphql"]),
        _entity("Component", "app", type="mobile-app", consumesApis=["storefront-graphql", "order-events"]),
        _entity("Component", "storefront", type="service", providesApis=["storefront-graphql"]),
        _entity("Component", "order-service", type="service", providesApis=["order-events"]),
        _entity("API", "storefront-graphql", type="graphql", definition={"$text": "./storefront.graphql"}),
        _entity("API", "order-events", type="asyncapi", definition={"$text": "./order-events.yaml"}),
    ]
    (folder / "catalog-info.yaml").write_text(yaml.safe_dump_all(entities, sort_keys=False), encoding="utf-8")
    (folder / "storefront.graphql").write_text(STOREFRONT_SDL, encoding="utf-8")
    (folder / "order-events.yaml").write_text(yaml.safe_dump(ORDER_EVENTS, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    return headless_shop(tmp_path_factory.mktemp("headless"))


def test_graphql_fields_map_to_touchpoints(shop):
    data = journey_json(shop)
    assert operations(data, "product-search") == {"query products"}
    assert operations(data, "cancel-order") == {"mutation orderCancel"}
    placed = operation(data, "place-order", "mutation checkoutComplete")
    assert placed["reason"] == ("path /checkout/{id}/complete and wording 'checkout' match "
                                "(read as POST /checkout/{id}/complete)")
    for channel in ("web", "app"):
        assert cell(data, "place-order", channel)["state"] == "self-service"
        assert cell(data, "place-order", channel)["operation"]["operation"] == "mutation checkoutComplete"
        assert cell(data, "cancel-order", channel)["state"] == "self-service"


def test_order_events_give_order_tracking_to_the_channel_that_receives_them(shop):
    data = journey_json(shop)
    assert operations(data, "order-tracking") == {"send orders.placed", "send orders.shipped"}
    app = cell(data, "order-tracking", "app")
    assert app["state"] == "self-service"
    assert app["path"] == [ref("component", "app"), ref("api", "order-events")]
    assert cell(data, "order-tracking", "web")["state"] == "internal-only"  # web gets no pushes
    # An OrderPlaced event tells the order's state; it is no way to place an order.
    assert "send orders.placed" not in operations(data, "place-order")


def test_journey_documents_name_graphql_fields_and_event_messages(shop, tmp_path):
    journey = write_journey(tmp_path / "journey.yaml", {"extends": "default", "stages": [
        {"name": "order", "touchpoints": [
            {"name": "cart", "operations": ["storefront-graphql mutation checkoutLinesAdd"]},
            {"name": "place-order", "exclude-operations": ["storefront-graphql:checkoutComplete"]},
            # named, an event serves any touchpoint (here wrongly, but the document says so)
            {"name": "voucher-redeem", "operations": ["order-events send OrderPlaced"]}]},
        {"name": "fulfil", "touchpoints": [
            {"name": "order-tracking", "exclude-operations": ["order-events send OrderPlaced"]},
            {"name": "shipment-tracking", "operations": ["order-events send OrderShipped"]}]},
    ]})
    data = journey_json(shop, "--journey", str(journey))
    assert operation(data, "cart", "mutation checkoutLinesAdd")["reason"] == "named in the journey document"
    assert "mutation checkoutComplete" not in operations(data, "place-order")
    assert operations(data, "voucher-redeem") == {"send orders.placed"}
    assert operations(data, "order-tracking") == {"send orders.shipped"}
    shipped = operation(data, "shipment-tracking", "send orders.shipped")
    assert (shipped["reason"], shipped["confidence"]) == ("named in the journey document", 1.0)
    assert cell(data, "shipment-tracking", "app")["state"] == "self-service"


def test_asyncapi_2_operations_are_named_by_what_the_application_does(tmp_path):
    # In AsyncAPI 2.x `subscribe` is the application sending; "send" names it as well.
    events = {"asyncapi": "2.6.0", "info": {"title": "Order events", "version": "1.0.0"},
              "channels": {"orders": {"subscribe": {"message": {"name": "OrderShipped", "payload": {"type": "object"}}}}}}
    folder = headless_shop(tmp_path / "shop")
    (folder / "order-events.yaml").write_text(yaml.safe_dump(events), encoding="utf-8")
    journey = write_journey(tmp_path / "journey.yaml", {"extends": "default", "stages": [
        {"name": "fulfil", "touchpoints": [{"name": "shipment-tracking", "operations": ["order-events send OrderShipped"]}]}]})
    data = journey_json(folder, "--journey", str(journey))
    assert operations(data, "shipment-tracking") == {"subscribe orders"}


@needs_corpus
def test_saleor_journey_finds_search_checkout_cancel_and_refund():
    stack, _ = load_stack([str(CORPUS / "saleor")], LoadOptions(validate=False, cache=False))
    from machaudit.journey import build_journey_map

    matches = build_journey_map(stack).matches
    assert "query products" in {m.operation for m in matches["product-search"]}
    assert matches["place-order"][0].operation == "mutation checkoutComplete"  # the best evidence
    assert "mutation orderCancel" in {m.operation for m in matches["cancel-order"]}
    assert [m.operation for m in matches["returns"]] == ["mutation orderFulfillmentReturnProducts"]
    # "Reorder" sorts attribute values, collections and media there; what buys an order again is
    # "Creates a new checkout from existing order."
    assert [m.operation for m in matches["quick-reorder"]] == ["mutation checkoutCreateFromOrder"]
    [spec] = stack.specs.values()
    refunds = {f.operation.path for f in capabilities.offering(spec, "payment", "refund", min_confidence=0.8)}
    assert {"orderRefund", "orderGrantRefundCreate", "paymentRefund"} <= refunds
