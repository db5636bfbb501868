"""GraphQL fields, gRPC rpcs and AsyncAPI operations seen as the REST operation that would do the
same, so that one classifier (classify.py) and one journey vocabulary read every style alike.

    mutation checkoutComplete        -> POST /checkout/complete      (an order placed)
    mutation orderCancel, cancelOrder -> POST /order/cancel
    query products / order(id:)      -> GET /products, GET /order/{id}
    subscription orderUpdated        -> GET /order/{id}              (a status push: a read)
    rpc CheckoutService/PlaceOrder   -> POST /order/place;  rpc GetCart -> GET /cart/{id}
    rpc ShippingService/ShipOrder    -> POST /order/{id}/ship
    AsyncAPI, the app sends OrderShipped -> GET /order/{id}          (a status push)
    AsyncAPI, a command CancelOrder      -> POST /order/cancel       (whoever sends it)

Only method and path change; the operation keeps its id, wording and pointer. OpenAPI operations
are returned as they are.
"""

from __future__ import annotations

import re
from dataclasses import replace

from machaudit.capabilities import vocabulary as vocab
from machaudit.model import Operation

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# rpc verbs that read (`GetCart`, `ListProducts`): a GET. Every other rpc changes something: a POST.
_READ_VERBS = frozenset("get list search find fetch lookup query retrieve read show watch check".split())
_ITEM_ARGUMENTS = frozenset("id slug token number code sku key handle".split())
# AsyncAPI actions by what the application does: 2.x `subscribe` means the application sends.
SENDS = frozenset({"send", "subscribe"})
_RETURN = "return"  # a noun and a verb: "return products" creates a return
_ORDERED = frozenset({"order", "orders", "cart", "carts", "basket", "purchase"})
RECEIVES = frozenset({"receive", "publish"})


def split_name(name: str) -> list[str]:
    """`checkoutComplete` -> checkout, complete; `PlaceOrder` -> place, order; `order_created` ->
    order, created. Words keep their number (products stays plural)."""
    return [w.lower() for w in _WORD.findall(name)]


def rest_view(op: Operation, style: str) -> Operation:
    if style == "graphql":
        return _graphql(op)
    if style == "grpc":
        return _rpc(op)
    if style == "asyncapi":
        return _event(op)
    return op


def _graphql(op: Operation) -> Operation:
    words = split_name(op.path)
    if op.method == "query":
        return _as(op, "GET", _read_path(words, _names_one(op, words)))
    if op.method == "subscription":
        return _as(op, "GET", _push_path(words))
    return _as(op, "POST", _command_path(words, _names_one(op, words, plural_ok=True)))


def _rpc(op: Operation) -> Operation:
    words = split_name(op.path.rpartition("/")[2])
    if words and words[0] in _READ_VERBS:
        one = words[0] not in ("list", "search", "find", "query") and not words[-1].endswith("s")
        return _as(op, "GET", _read_path(words[1:] or words, one))
    if len(words) > 1 and words[0] not in vocab.VERBS:
        # rpcs are named verb first: `ShipOrder` acts on one order, as `POST /order/{id}/ship` would
        return _as(op, "POST", "/" + "-".join(words[1:]) + "/{id}/" + words[0])
    return _as(op, "POST", _command_path(words))


def _event(op: Operation) -> Operation:
    name = next((m for m in op.messages if m), "") or op.operation_id or op.path
    words = split_name(name)
    if words and words[0] in vocab.VERBS:  # a command (`turnOn`, `CancelOrder`), whoever sends it
        return _as(op, "POST", _command_path(words))
    # An event (`OrderShipped`): sent, it tells its subscribers a status; received, the app reacts.
    return _as(op, "GET" if op.method in SENDS else "POST", _push_path(words))


def is_status_push(op: Operation, style: str) -> bool:
    """A GraphQL subscription, or an event the application sends: its subscribers learn a state;
    they do nothing with it (receiving PaymentCaptured is no way to pay)."""
    if style == "graphql":
        return op.method == "subscription"
    return style == "asyncapi" and op.method in SENDS and rest_view(op, style).method == "GET"


def _as(op: Operation, method: str, path: str) -> Operation:
    return replace(op, method=method, path=path)


def _names_one(op: Operation, words: list[str], plural_ok: bool = False) -> bool:
    """A field about one record: it takes an id (or slug, token …); a query's name is no plural."""
    return bool(words) and (plural_ok or not words[-1].endswith("s")) and any(
        p.name.lower() in _ITEM_ARGUMENTS or p.name.lower().endswith("id") for p in op.parameters)


def _read_path(words: list[str], one: bool) -> str:
    return "/" + "-".join(words) + ("/{id}" if one else "")


def _push_path(words: list[str]) -> str:
    """What a change tells: `OrderShipped` is the state of one order, `/order/{id}`."""
    return "/" + "-".join(words[:-1] or words) + "/{id}"


def _command_path(words: list[str], one: bool = False) -> str:
    """The verb where REST puts an action, after what it acts on: `cancelOrder` and `orderCancel`
    both `/order/cancel` (`/order/{id}/cancel` when it takes the order's id),
    `orderFulfillmentRefundProducts` `/order-fulfillment/refund-products`; without a verb, the
    collection a POST creates in (`/order`)."""
    if words and words[0] in vocab.VERBS:
        subject, action = words[1:], words[:1]
    else:
        at = next((i for i, w in enumerate(words) if i and (w in vocab.VERBS or w == _RETURN)), None)
        if at is None:
            return "/" + "-".join(words)
        subject, action = words[:at], words[at:]
        if action[0] == _RETURN:  # `orderFulfillmentReturnProducts`: a return of the order, as REST says it
            action = [_RETURN]
    if action[0] == "reorder" and not _ORDERED & set(subject + action):
        # `collectionReorderProducts`, `productMediaReorder`: positions changed, nothing bought again
        action = ["update", *action[1:]]
    item = "/{id}" if one and subject else ""
    return ("/" + "-".join(subject) if subject else "") + item + "/" + "-".join(action)
