import re

from machaudit import capabilities
from machaudit.capabilities import vocabulary as vocab
from machaudit.graph import ASYNC_API_TYPES
from machaudit.registry import check
from machaudit.spec_analysis import mentions, operation_node
from machaudit_checks.api._common import (
    apis_of, definition_gaps, literal_segments, only_inferred, openapi_specs, path_words, providers_of_spec, short_list,
)


@check("API010", "no-state-events", severity="medium", options={
    # Operations are read by machaudit.capabilities (webhook registrations, event lists,
    # subscriptions); more wording that names an event operation in your APIs, as a regex (optional).
    "event_words": "",
})
def no_state_events(ctx):
    """What: an order, shipment or invoice API (its paths or tags name orders, shipments or
    invoices as resources, in English or German) that tells no one when their state changes: no
    `webhooks` (OpenAPI 3.1), no `callbacks`, no webhook/event-subscription operation or event
    feed (`GET /messages`, a `/subscriptions` collection that delivers events), and (with a catalog)
    no event API (asyncapi, webhook) from the same provider. A pass names what is published, read
    from the event API's AsyncAPI definition where it can be. APIs of gateways and BFFs are not
    judged; without a catalog, a spec whose events may live in another audited spec is an evidence
    gap.

    Why it matters for MACH: order, shipment and invoice states drive the rest of the stack
    (fulfilment, invoicing, customer notifications, the ERP). Without events every consumer polls,
    which loads the provider, delays the customer's "shipped" e-mail by the polling interval, and
    couples everyone to the provider's read API.

    Example: an order API with `POST /orders` and `GET /orders/{id}`, and nothing that announces
    "order confirmed" or "order shipped".

    Fix: publish state changes: `webhooks: {orderStatusChanged: …}` in the spec, an
    `POST /webhook-subscriptions` operation, or an AsyncAPI event API (`order.shipped`) provided by
    the same component.
    """
    yield from definition_gaps(ctx, "whether it publishes state events")
    event_words = ctx.options["event_words"]
    domains = ("order", "shipment", "invoice")
    specs = openapi_specs(ctx)
    events = {s.key: _events_in_spec(s, event_words) for s in specs}
    with_events = [s for s in specs if events[s.key]]
    for spec in specs:
        matched: dict[str, list] = {}
        for found in capabilities.of_spec(spec):
            domain = _domain(found, domains)
            if domain:
                matched.setdefault(domain, []).append(found.operation)
        matched = {d: matched[d] for d in domains if d in matched}
        if not matched:
            yield ctx.not_applicable(spec.display, "no order, shipment or invoice operation")
            continue
        providers = providers_of_spec(ctx, spec)
        if providers and all(p.is_gateway for p in providers):
            yield ctx.not_applicable(spec.display, f"served by {', '.join(p.label for p in providers)} (gateway/BFF): "
                                                   "state events are the business services' to publish")
            continue
        what = ", ".join(f"{d}s ({short_list([op.label for op in ops], 2)})" for d, ops in matched.items())
        own = events[spec.key]
        if own:
            yield ctx.passed(spec.display, own)
            continue
        sibling = _event_api_of_provider(ctx, spec, event_words)
        if sibling:
            yield ctx.passed(spec.display, sibling)
            continue
        if only_inferred(ctx, spec):
            others = [s.display for s in with_events if s.key != spec.key]
            if others:
                yield ctx.unknown(
                    spec.display,
                    f"{spec.display} covers {what} and publishes no events itself; without a catalog it is unknown "
                    f"whether the events in {short_list(others, 3)} come from the same provider",
                )
                continue
        yield ctx.fail(
            spec.display,
            f"API {spec.title or spec.display} covers {what} but announces no state change: "
            "no webhooks, no callbacks, no event subscription or event feed"
            + ("" if only_inferred(ctx, spec) else ", and its provider offers no event API"),
            spec.location("/paths"),
            evidence={"domains": sorted(matched)},
        )


def _domain(found, domains) -> str:
    """The order/shipment/invoice record an operation works on, as the capability layer reads it
    from the path (`/orders`, `/salesOrders`, `/rechnungen/{id}/versand`), not from the spec's
    title or a summary; an operation the audited side receives (a webhook) is not one."""
    if found.audience not in capabilities.CALLERS:
        return ""
    return next((c.entity for c in found.capabilities
                 if c.entity in domains and not (c.evidence and c.evidence[0].startswith(_NOT_FROM_THE_PATH))), "")


# Where the capability layer read an entity when the path names none (see classify._fallback_entity).
_NOT_FROM_THE_PATH = ("spec title", "summary", "tag", "operationId")


def _events_in_spec(spec, event_words: str) -> str:
    """Why this spec publishes events, or ""."""
    data = spec.data or {}
    if isinstance(data.get("webhooks"), dict) and data["webhooks"]:
        return f"webhooks: {short_list(sorted(map(str, data['webhooks'])), 3)}"
    for op in spec.operations:
        _, node = operation_node(spec, op)
        if isinstance(node.get("callbacks"), dict) and node["callbacks"]:
            return f"callbacks on {op.label}"
    for found in capabilities.of_spec(spec):
        if found.audience in capabilities.CALLERS and _registers_or_lists_events(found):
            return f"event operation {found.operation.label}"
    if event_words:
        for op in spec.operations:
            if mentions(op, event_words):
                return f"event operation {op.label}"
    for op in spec.operations:
        feed = _event_feed(op)
        if feed:
            return f"{feed} {op.label}"
    return ""


def _registers_or_lists_events(found) -> bool:
    """A webhook registration or an event list (`POST /webhooks`, `GET /events`), or a subscription
    to events (`POST /event-subscriptions`), as the capability layer reads it."""
    return any(c.entity == "webhook" and c.confidence >= capabilities.FIRM for c in found.capabilities) \
        or any(c.entity in ("", "webhook") and c.action == "subscribe" for c in found.capabilities)


def _event_feed(op) -> str:
    """A feed of changes a consumer reads (`GET /messages`, `GET /changes`), or a subscription
    collection whose wording says it delivers events or messages (`POST /subscriptions`
    "Subscribe to change messages"); a `/subscriptions` of recurring orders is not one."""
    segments = literal_segments(op.path)
    last = path_words(segments[-1]) if segments else []
    if op.method == "GET" and tuple(last) in vocab.EVENT_FEEDS:
        return "event feed"
    if last == ["subscriptions"] and re.search(vocab.EVENT_DELIVERY_WORDS,
                                               " ".join([op.summary, op.description, op.operation_id]).lower()):
        return "event subscription"
    return ""


def _event_api_of_provider(ctx, spec, event_words: str) -> str:
    own_apis = {a.ref for a in apis_of(ctx, spec)}
    for provider in providers_of_spec(ctx, spec):
        for api_ref in provider.provides_apis:
            api = ctx.stack.entities.get(api_ref)
            if api is None or api_ref in own_apis:
                continue
            if api.type.lower() in ASYNC_API_TYPES:
                if api.events:
                    names = ", ".join(api.events[:4]) + (" …" if len(api.events) > 4 else "")
                    return f"{provider.label} publishes {names} (API {api.label}, {api.type})"
                return f"{provider.label} publishes events through API {api.label} ({api.type})"
            other = ctx.stack.spec_of(api)
            if other is not None and other.parsed and other.version:
                reason = _events_in_spec(other, event_words)
                if reason:
                    return f"{provider.label} publishes events through API {api.label} ({reason})"
    return ""

