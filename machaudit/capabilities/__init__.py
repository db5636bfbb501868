"""What every operation of a spec offers: capabilities (entity, action, audience) with evidence.

    from machaudit import capabilities
    for found in capabilities.of_spec(spec):
        if found.offers("order", "cancel"): ...

`of_spec` reads each operation once (linear in the spec) and keeps the answer for the spec
object, so several checks asking about the same spec pay once. Operations of the spec's
`webhooks` section and of operations' `callbacks` are included as receivers (audience
`provider`, action `publish`): the audited side implements them, they offer nothing to call.
"""

from __future__ import annotations

from dataclasses import replace

from machaudit.capabilities import evidence, fields
from machaudit.capabilities.audience import GUESSES, STAFF, operation_audience, spec_audience, stated_on_operation
from machaudit.capabilities.classify import Capability, OperationCapabilities, classify
from machaudit.capabilities.rest_view import is_status_push, rest_view
from machaudit.capabilities.vocabulary import ACTIONS, AUDIENCES, CUSTOMER_PRICE_NAMES, ENTITIES, MONEY_TERMS, PAYMENT_INSTRUMENTS
from machaudit.findings import escape_pointer_token
from machaudit.model import Operation, Spec

__all__ = ["ACTIONS", "AUDIENCES", "ENTITIES", "PAYMENT_INSTRUMENTS", "STAFF", "Capability", "OperationCapabilities", "creates",
           "is_status_push", "of_spec", "offering", "rest_view"]

# Who calls an operation, as opposed to a webhook the audited side receives.
CALLERS = ("shopper", "b2b-buyer", "merchant", "partner", "internal")
# Below this, an entity was read from the spec's title or an operation's summary: enough to map a
# journey, too little to accuse an operation of creating orders or moving money.
FIRM = 0.8

_HTTP = ("get", "put", "post", "delete", "patch", "options", "head", "trace")
_CACHE: dict[int, tuple[Spec, tuple[OperationCapabilities, ...]]] = {}
_CACHE_SIZE = 1 << 16  # every spec of a large portfolio: BLR checks ask again for companions


def of_spec(spec: Spec) -> tuple[OperationCapabilities, ...]:
    """Capabilities of every operation of the spec (paths, then webhooks and callbacks)."""
    cached = _CACHE.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    default, why = spec_audience(spec)
    title = evidence.words(spec.title)
    out = []
    if spec.style == "graphql":
        result = _of_schema(spec, default, why not in GUESSES)
        _remember(spec, result)
        return result
    for op in spec.operations:
        audience, named = operation_audience(op, default, why not in GUESSES, spec)
        view = rest_view(op, spec.style)  # an rpc or an event: as the REST call would be
        found = classify(view, audience, title, evidence.body_of(spec, op), audience_named=named)
        if view is op and spec.style == "openapi":
            found = _with_customer_price(spec, found)
        out.append(found if view is op else replace(found, operation=op))
    for op in receiver_operations(spec):
        out.append(classify(op, "provider", title, evidence.body_of(spec, op), receiver=True))
    result = tuple(out)
    _remember(spec, result)
    return result


def _with_customer_price(spec: Spec, found: OperationCapabilities) -> OperationCapabilities:
    """A shopper's product read or search whose answer carries a price computed for the caller
    (Medusa's `calculated_price`, a `customer_price`) also checks that customer's price; a list
    price in a product (`price`, `display_price`) does not."""
    if found.audience not in ("shopper", "b2b-buyer") or not any(
            c.entity == "product" and c.action in ("read", "search") and c.confidence >= FIRM for c in found.capabilities):
        return found
    from machaudit import spec_analysis

    seen: set[int] = set()
    for located in spec_analysis.response_schemas(spec, found.operation):
        for path, _ in spec_analysis.schema_properties(spec, located, seen):
            if evidence.words(path[-1]) in CUSTOMER_PRICE_NAMES:
                price = Capability("price", "read", found.audience, FIRM,
                                   (f"its response carries {'.'.join(path)}, a price computed for the caller",),
                                   term=" ".join(evidence.words(path[-1])))
                return replace(found, capabilities=found.capabilities + (price,))
    return found


def _remember(spec: Spec, result: tuple[OperationCapabilities, ...]) -> None:
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[id(spec)] = (spec, result)


def _of_schema(spec: Spec, default: str, default_named: bool) -> tuple[OperationCapabilities, ...]:
    """A GraphQL schema's root fields, each read from its name (see fields.py); who may call one
    from the permissions its description states, when the schema states them."""
    documented = fields.documents_permissions(spec.operations)
    out = []
    for op in spec.operations:
        # a `machaudit-audience:` line in the field's description is a statement: it comes first
        audience, why = stated_on_operation(op, spec) or fields.field_audience(op, default, documented)
        out.append(fields.classify_field(op, audience, why, bool(why) or default_named))
    return tuple(out)


def offering(spec: Spec, entity: str, *actions: str, audiences: tuple[str, ...] = (),
             min_confidence: float = 0.0) -> list[OperationCapabilities]:
    """The operations of a spec that offer `entity` with one of `actions` (any when none given),
    to one of `audiences` (any when none given)."""
    return [found for found in of_spec(spec)
            if found.offers(entity, *actions, min_confidence=min_confidence)
            and (not audiences or found.audience in audiences)]


def creates(found: OperationCapabilities, entity: str) -> bool:
    """Does the operation create `entity`, as its path says? For payments, only when money moves
    (a payment, a capture, an authorisation, a payout), not a saved card or a payment session."""
    if found.audience not in CALLERS:
        return False
    if entity == "payment" and _names_a_session(found.operation):
        return False  # "Zahlung starten (Zahlungssitzung anlegen)": a session at the provider, nothing charged
    return any(c.entity == entity and c.action == "create" and c.confidence >= FIRM
               and (entity != "payment" or c.term in MONEY_TERMS) for c in found.capabilities)


def _names_a_session(op: Operation) -> bool:
    from machaudit.capabilities.vocabulary import SESSION_WORDS
    return any(w in SESSION_WORDS for w in evidence.words(op.operation_id) + evidence.words(op.summary))


def receiver_operations(spec: Spec) -> list[Operation]:
    """Operations the audited side receives: the spec's `webhooks` (OpenAPI 3.1) and every
    operation's `callbacks`, as Operation objects pointing where they are declared."""
    data = spec.data if isinstance(spec.data, dict) else {}
    found: list[Operation] = []
    hooks = data.get("webhooks")
    if isinstance(hooks, dict):
        for name, item in hooks.items():
            found.extend(_operations_of(spec, item, str(name), f"/webhooks/{escape_pointer_token(str(name))}"))
    for op in spec.operations:
        node = _raw(spec, op)
        callbacks = node.get("callbacks") if isinstance(node, dict) else None
        if not isinstance(callbacks, dict):
            continue
        for cb_name, cb in callbacks.items():
            _, cb = _resolve(spec, cb)
            if not isinstance(cb, dict):
                continue
            for expression, item in cb.items():
                pointer = f"{op.pointer}/callbacks/{escape_pointer_token(str(cb_name))}/{escape_pointer_token(str(expression))}"
                found.extend(_operations_of(spec, item, str(cb_name), pointer))
    return found


def _operations_of(spec: Spec, item, name: str, pointer: str) -> list[Operation]:
    _, item = _resolve(spec, item)
    if not isinstance(item, dict):
        return []
    out = []
    for method in _HTTP:
        node = item.get(method)
        if not isinstance(node, dict):
            continue
        tags = node.get("tags") if isinstance(node.get("tags"), list) else []
        out.append(Operation(
            spec_file=spec.key, method=method.upper(), path="/" + name.lstrip("/"), pointer=f"{pointer}/{method}",
            operation_id=str(node.get("operationId") or ""), summary=str(node.get("summary") or ""),
            tags=tuple(str(t) for t in tags if isinstance(t, (str, int))),
        ))
    return out


def _raw(spec: Spec, op: Operation):
    from machaudit import spec_analysis
    return spec_analysis.operation_node(spec, op)[1]


def _resolve(spec: Spec, node):
    from machaudit import spec_analysis
    return spec_analysis.resolve(spec, node)
