import re

from machaudit import spec_analysis
from machaudit.registry import check
from machaudit_checks.blast_radius import _intent as intent
from machaudit.capabilities.vocabulary import field_pattern, name_pattern


@check("BLR004", "not-queryable-by-cause", severity="medium", options={
    # Field and parameter names that name a voucher, promotion or campaign (capability vocabulary).
    "cause_pattern": field_pattern("voucher"),
    "date_pattern": r"date|datum|zeitraum|timestamp|^(?:created|updated|modified|since|until|from|to|before|after|"
                    r"start|end|period|von|bis|erstellt|angelegt|geaendert|ab)$",
    "predicate_params": ["where", "filter", "$filter", "predicate", "expand_filter"],
    "skip_pattern": r"export|feed|delta|sync|changes|aenderungen|änderungen|import|stream",
    "customer_scope_pattern": r"logged[- ]?in|signed[- ]?in|current customer|my orders|angemeldete|eigene|meine",
    "owner_segments": r"^(?:customers?|kunden?|users?|accounts?|buyers?|members?|debitor(?:en)?|shoppers?)$",
})
def not_queryable_by_cause(ctx):
    """What: an order list operation (GET on an order collection) that cannot filter by the cause
    of an incident — a voucher, promotion, coupon or discount code — and by date (created_at,
    from/to, since, Datum …), judged by its query parameters and the properties of object-typed
    (deepObject) query parameters. Lists scoped to one customer (`/me/orders`,
    `/customers/{id}/orders`, "logged-in customer's orders") and export feeds are not judged; a
    free-form predicate parameter (`where`, `filter`) is an evidence gap.

    Why it matters for MACH: when a voucher is abused or mis-configured, the first task is to
    find every order that used it in the affected time window, to stop, correct or re-invoice
    them. If the order API cannot answer that, someone exports tables from three systems and
    joins them by hand while the orders keep flowing.

    Example: `GET /auftraege` filters by customer, channel, status and date, but not by voucher
    code; the code is only returned in the order body.

    Fix: add query parameters for the discount or voucher code (`voucher_code`,
    `promotion_id`) and a created-at range (`created_from`, `created_to`) to the order list, or
    offer an order search that takes both.
    """
    opts = ctx.options
    cause = re.compile(opts["cause_pattern"])
    date = re.compile(opts["date_pattern"])
    predicates = {p.lower() for p in opts["predicate_params"]}
    for spec in intent.parsed_specs(ctx.stack):
        for op in spec.operations:
            if not intent.is_collection_get(op, intent.ORDER):
                continue
            subject = f"{spec.display} {op.label}"
            if re.search(opts["skip_pattern"], " ".join(intent.tokens(op.path) + intent.tokens(op.operation_id))):
                continue  # an export feed or sync endpoint, not a query
            if _customer_scoped(op, opts):
                yield ctx.not_applicable(subject, "lists the orders of one customer, not all orders")
                continue
            carried = _cause_fields(spec, op, cause)
            if not carried:
                yield ctx.not_applicable(subject, "the orders it returns carry no voucher, promotion or discount field")
                continue
            names = _query_names(spec, op)
            has_cause = any(cause.search(n.lower()) for n in names)
            has_date = any(date.search(w) for n in names for w in intent.tokens(n)) or any(date.search(n.lower()) for n in names)
            if has_cause and has_date:
                yield ctx.passed(subject)
                continue
            free = sorted(n for n in names if n.lower() in predicates)
            if free:
                yield ctx.unknown(
                    subject,
                    f"{op.label} takes a free-form filter ({', '.join(free)}); whether it can select orders by voucher code "
                    "and date is not declared in the spec",
                    spec.location(op.pointer),
                )
                continue
            lacking = " and ".join(w for w, ok in (("voucher/promotion code", has_cause), ("date", has_date)) if not ok)
            top = sorted(n for n in names if "." not in n)
            params = ", ".join(top[:12]) + (f" and {len(top) - 12} more" if len(top) > 12 else "") if top else "none"
            yield ctx.fail(
                subject,
                f"order list {op.label} cannot filter by {lacking} (query parameters: {params}), although its orders "
                f"carry {', '.join(carried[:3])}; the orders behind a faulty voucher or promotion cannot be selected",
                spec.location(op.pointer),
                evidence={"query_parameters": sorted(names), "by_cause": has_cause, "by_date": has_date,
                          "cause_fields": carried},
            )
    for api, reason in intent.apis_without_spec(ctx.stack, name_pattern("order")):
        yield ctx.unknown(api.ref, f"API {api.label} {reason}, so whether orders can be found by voucher code and date is unknown", api.location)


def _customer_scoped(op, opts) -> bool:
    raw = [s for s in op.path.split("/") if s]
    if any(s.lower() in ("me", "my", "self", "current", "mine") for s in raw):
        return True
    for before, after in zip(raw, raw[1:]):
        if re.match(opts["owner_segments"], before.lower()) and intent.is_param(after):
            return True
    return bool(re.search(opts["customer_scope_pattern"], op.summary.lower()))


def _cause_fields(spec, op, cause) -> list[str]:
    """Voucher/promotion/discount properties in the orders the list returns."""
    found = set()
    for schema in spec_analysis.response_schemas(spec, op):
        for path, _prop in spec_analysis.schema_properties(spec, schema):
            if cause.search(path[-1].lower()):
                found.add(path[-1])
    # names that identify the cause (a code, an id) first, amounts and flags after
    return sorted(found, key=lambda n: (not re.search(r"code|id$|ids$|_id|name", n.lower()), n))


def _query_names(spec, op) -> set[str]:
    """Query parameter names, plus the property names of object-typed query parameters."""
    names = {p.name for p in op.parameters if p.location == "query"}
    key, node = spec_analysis.operation_node(spec, op)
    raw_item = (spec.data or {}).get("paths", {}).get(op.path)
    _, item = spec_analysis.resolve(spec, raw_item)
    shared = item.get("parameters") if isinstance(item, dict) and isinstance(item.get("parameters"), list) else []
    own = node.get("parameters")
    for raw in list(shared) + (own if isinstance(own, list) else []):
        pkey, param = spec_analysis.resolve(spec, raw, key)
        if not isinstance(param, dict) or param.get("in") != "query" or "schema" not in param:
            continue
        for path, _prop in spec_analysis.schema_properties(spec, (pkey, param["schema"])):
            if len(path) == 1:
                names.add(f"{param.get('name')}.{path[0]}")
    return names
