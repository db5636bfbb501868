import re

from machaudit.registry import check
from machaudit.spec_analysis import operation_node, pointer, response_schemas
from machaudit_checks.api._common import (
    definition_gaps, literal_segments, normalise_name, openapi_specs, path_words, response_header_names, schema_shape,
)

# Array properties that wrap a page of results.
WRAPPERS = {"data", "items", "results", "result", "content", "records", "elements", "entries", "values",
            "list", "rows", "hits", "nodes", "edges", "embedded", "ergebnisse", "eintraege", "liste"}
# Last path words that name one thing, even when plural-looking.
SINGLETONS = {"status", "settings", "stats", "statistics", "details", "news", "address", "access", "process",
              "business", "analysis", "summary", "me", "self", "current", "health", "healthz", "ping", "ready",
              "live", "login", "logout", "session", "token", "version", "info", "config", "configuration",
              "profile", "cart", "basket", "warenkorb"}


@check("API011", "unpaginated-collection", severity="low", options={
    "paging_parameters": [
        "limit", "offset", "page", "pageNumber", "pageSize", "page_size", "pageIndex", "perPage", "per_page",
        "cursor", "starting_after", "ending_before", "after", "before", "pageToken", "page_token",
        "nextToken", "next_token", "continuationToken", "skip", "top", "$top", "$skip", "maxResults",
        "max_results", "maxItems", "page[number]", "page[size]", "page[cursor]", "seite", "anzahl",
        "seitengroesse", "seitenGröße", "startIndex", "start_index",
    ],
    "paging_headers": ["link", "x-next-page", "x-next-cursor", "x-continuation-token", "x-total-count", "content-range"],
    # Lists of reference or configuration data (matched against the end of the path's last word):
    # a handful of warehouses, shipping methods or locales needs no paging.
    "reference_data": r"warehouses?|lager|locations?|standorte?|shipping-?methods?|carriers?|spediteure?|"
                      r"channels?|kan(a|ä|ae)le|locales?|languages?|sprachen|currenc(y|ies)|w(a|ä|ae)hrungen|"
                      r"countr(y|ies)|l(a|ä|ae)nder|regions?|rates?|kurse|reasons?|gr(u|ü|ue)nde|fields?|felder|"
                      r"webhooks?|tags?|themes?|types?|(?<!k)arten|statuses|uoms?|einheiten|methods?|options?|"
                      r"providers?|templates?|vorlagen|roles?|rollen|scopes?|permissions?|taxes|steuers(a|ä|ae)tze",
    # Aggregated figures (a KPI series, a report) are not lists of records: any path segment.
    "aggregate_paths": r"kennzahlen|kpis?|metrics|statistics|stats|reports?|analytics|auswertungen|berichte",
    # Sub-collections of one parent (`/customers/{id}/orders`, `/me/orders`, or a list filtered by a
    # required `customerId`) are judged only when they name something that grows with the business,
    # under a parent that lives long (a customer or account, not one order or one ticket).
    "unbounded_subcollections": r"orders?|invoices?|shipments?|deliver(y|ies)|transactions?|payments?|refunds?|"
                                r"events?|logs?|histor(y|ies)|audits?|messages?|notifications?|tickets?|returns?|"
                                r"movements?|bookings?|documents?|customers?|users?|members?|subscriptions?|"
                                r"bestellungen|auftr(a|ä|ae)ge|rechnungen|sendungen|lieferungen|buchungen|belege|kunden",
    "bounded_parents": r"orders?|auftr(a|ä|ae)ge|bestellungen|shipments?|sendungen|lieferungen|deliver(y|ies)|"
                       r"invoices?|rechnungen|tickets?|returns?|retouren|disputes?|payments?|carts?|quotes?|"
                       r"angebote|transactions?|cases?|f(a|ä|ae)lle",
})
def unpaginated_collection(ctx):
    """What: a GET operation that returns a collection (its path does not end in a `{param}`, and
    its successful response is an array, or an object holding the list in `data`, `items`,
    `results`, `_embedded` … or a property named after the path) but takes no paging parameter
    (limit, offset, page, cursor, pageSize, per_page, starting_after, seite, anzahl …; option
    paging_parameters) and returns no paging header (Link; option paging_headers). Not judged:
    lists of reference data (warehouses, shipping methods, locales …; option reference_data),
    aggregated figures (`/kennzahlen/…`, `/reports/…`; option aggregate_paths), and
    sub-collections of one parent (`/orders/{id}/attachments`, `/me/roles`, a list filtered by a
    required `customerId`) unless they name something that grows with the business (orders,
    invoices, transactions, events …; option unbounded_subcollections) under a long-lived parent
    (a customer or account, not one order; option bounded_parents).

    Why it matters for MACH: collections grow with the business; an unpaged list endpoint is fast
    in the demo and times out (or exhausts memory in the gateway and the client) once the ERP
    holds 200,000 orders, and it leaves consumers no way to synchronise incrementally.

    Example: `GET /customers/{id}/orders` or `GET /export/auftraege` returning `type: array` with
    no `limit` or `cursor`.

    Fix: add `limit` and `cursor` (or `offset`/`page`) query parameters with a documented maximum
    page size, and return the next cursor (or a `Link: <…>; rel="next"` header).
    """
    yield from definition_gaps(ctx, "whether its collections are paged")
    paging = {normalise_name(p) for p in ctx.options["paging_parameters"]}
    paging_headers = {h.lower() for h in ctx.options["paging_headers"]}
    aggregates = re.compile(f"(?:{ctx.options['aggregate_paths']})", re.IGNORECASE)
    reference = re.compile(f"(?:{ctx.options['reference_data']})$", re.IGNORECASE)
    # matched against the end of a word, so German compounds count: kundenauftraege, retourengruende
    unbounded = re.compile(f"(?:{ctx.options['unbounded_subcollections']})$", re.IGNORECASE)
    bounded_parent = re.compile(f"(?:{ctx.options['bounded_parents']})$", re.IGNORECASE)
    for spec in openapi_specs(ctx):
        judged = 0
        for op in spec.operations:
            if op.method != "GET" or op.path.rstrip("/").endswith("}"):
                continue
            subject = f"{spec.display} {op.label}"
            schemas = response_schemas(spec, op)
            shape = _collection(spec, op, schemas)
            if shape is None:
                if not schemas and _plural(op.path):
                    judged += 1
                    yield ctx.unknown(subject, f"{op.label} declares no response schema, so whether it returns "
                                               "an unpaged list cannot be judged")
                continue
            judged += 1
            params = [p.name for p in op.parameters if p.location == "query" and _is_paging(p.name, paging)]
            headers = paging_headers & response_header_names(spec, op, success_only=True)
            if params or headers:
                yield ctx.passed(subject, "paged by " + ", ".join(params + sorted(headers)))
                continue
            segments = literal_segments(op.path)
            words = path_words(segments[-1]) if segments else []
            item = words[-1] if words else ""
            if item and reference.search(item):
                yield ctx.not_applicable(subject, f"{op.label} lists reference data ({item}), a short list "
                                                  "(option reference_data)")
                continue
            aggregate = next((seg for seg in segments if aggregates.fullmatch(seg)), "")
            if aggregate:
                yield ctx.not_applicable(subject, f"{op.label} returns aggregated figures ({aggregate}), not records "
                                                  "(option aggregate_paths)")
                continue
            parent, parent_noun = _parent(op)
            if parent and (not unbounded.search(item) or (parent_noun and bounded_parent.search(parent_noun))):
                yield ctx.not_applicable(subject, f"{op.label} lists the {item or 'items'} under one {parent}, a set that "
                                                  "does not grow with the business (options unbounded_subcollections, "
                                                  "bounded_parents)")
                continue
            yield ctx.fail(
                subject,
                f"{op.label} returns a collection ({shape}) but takes no paging parameter (limit, offset, page, cursor …)",
                spec.location(pointer(op, "parameters") if _has_parameters(spec, op) else op.pointer),
                evidence={"shape": shape},
            )
        if not judged:
            yield ctx.not_applicable(spec.display, "no GET operation returning a collection")


ME = {"me", "self", "current", "my", "mein", "-", "~", "account", "konto", "profile", "profil"}
IDENTIFIER = re.compile(r"(ids?|reference|code|number|nr|nummer)$", re.IGNORECASE)


def _parent(op) -> tuple[str, str]:
    """(what the list belongs to, the noun of that parent) when it is a sub-collection: a path
    parameter (`/orders/{id}/…` -> ("{id}", "orders")) or `me`/`-`/`konto` before the last segment, or
    a required identifier in the query (`?customerId=`); ("", "") for a top-level list."""
    segments = [s for s in op.path.strip("/").split("/") if s]
    for index in range(len(segments) - 2, -1, -1):
        segment = segments[index]
        if segment.startswith("{") and segment.endswith("}"):
            previous = segments[index - 1] if index > 0 else ""
            before = path_words(previous) if previous and not previous.startswith("{") else []
            return segment, before[-1] if before else ""
        if segment.lower() in ME:
            return "/" + segment, "account"
    for p in op.parameters:
        if p.location == "query" and p.required and IDENTIFIER.search(p.name):
            words = path_words(IDENTIFIER.sub("", p.name))
            return f"?{p.name}=", words[-1] if words else ""
    return "", ""


def _is_paging(name: str, paging: set[str]) -> bool:
    norm = normalise_name(name)
    return norm in paging or norm.startswith("page") or norm.startswith("seite")


def _plural(path: str) -> bool:
    segments = literal_segments(path)
    if not segments:
        return False
    words = path_words(segments[-1])
    last = words[-1] if words else ""
    return last.endswith("s") and not last.endswith("ss") and last not in SINGLETONS


def _collection(spec, op, schemas) -> str | None:
    """How the response is a collection ("an array", "an array in data") or None."""
    segments = literal_segments(op.path)
    last = normalise_name(segments[-1]) if segments else ""
    words = path_words(segments[-1]) if segments else []
    if words and words[-1] in SINGLETONS:
        return None
    for located in schemas:
        kind, value = schema_shape(spec, located)
        if kind == "array":
            return "an array"
        if kind != "object":
            continue
        for name, prop in value.items():
            norm = normalise_name(name)
            prop_kind, prop_value = schema_shape(spec, prop)
            if prop_kind == "array" and (norm in WRAPPERS or _same_noun(norm, last)):
                return f"an array in {name}"
            if prop_kind == "object" and norm == "embedded":  # HAL: {_embedded: {customer: [...]}}
                for inner, inner_prop in prop_value.items():
                    if schema_shape(spec, inner_prop)[0] == "array":
                        return f"an array in {name}.{inner}"
    return None


def _same_noun(a: str, b: str) -> bool:
    """`orders` ~ `orders`, `order`; `categories` ~ `category`; `shipping_options` ~ `shipping-options`."""
    if not a or not b:
        return False
    def stem(word: str) -> str:
        if word.endswith("ies"):
            return word[:-3] + "y"
        if word.endswith("ses") or word.endswith("xes"):
            return word[:-2]
        return word[:-1] if word.endswith("s") else word
    return a == b or stem(a) == stem(b)


def _has_parameters(spec, op) -> bool:
    return "parameters" in operation_node(spec, op)[1]
