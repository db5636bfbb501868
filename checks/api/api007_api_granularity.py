import re

from machaudit.capabilities import evidence as ev
from machaudit.capabilities import vocabulary as vocab
from machaudit.findings import Severity
from machaudit.registry import check
from machaudit_checks.api._common import definition_gaps, is_openapi_api, literal_segments, path_words

@check("API007", "api-granularity", severity="medium", options={
    "nano_max_operations": 2,
    "nano_max_consumers": 1,
    "mega_min_operations": 80,
    "mega_min_core_entities": 4,
    # Path words of the policy's core entities come from the capability vocabulary (English and
    # German); more of your own per entity, as a regex on one path word: {"order": "vorgaenge?"}.
    "entity_words": {},
})
def api_granularity(ctx):
    """What: an API cut at the wrong size. Nano (info): at most nano_max_operations operations and
    at most nano_max_consumers consumer in the catalog (unknown without a catalog, or for a
    partner/public API whose consumers the catalog cannot list). Mega (medium): at least
    mega_min_operations operations, or paths naming at least mega_min_core_entities of the
    policy's core entities (customer, order, product, price, stock, invoice, shipment; a path
    counts for the first one it names, so `/customers/{id}/invoices` is the customer's) — the
    entity count is not applied to APIs of gateways and BFFs, whose job is to compose.

    Why it matters for MACH: the unit of composition is a business capability. A mega API bundles
    several capabilities that can then only be replaced together (the monolith behind a REST
    facade); a crowd of nano APIs, each used by one caller, multiplies contracts, network hops
    and owners for no reuse.

    Example: mega: an ERP adapter exposing customers, orders, products, prices and invoices in 120
    operations; nano: `price-export-api` with one operation, used only by the webshop.

    Fix: mega: split along capabilities (one API per core entity family, with its own owner and
    release cycle), or put a gateway/BFF in front if it exists to compose. Nano: fold it into the
    API of the capability it belongs to.
    """
    yield from definition_gaps(ctx, "its granularity")
    nano_ops = int(ctx.options["nano_max_operations"])
    nano_consumers = int(ctx.options["nano_max_consumers"])
    mega_ops = int(ctx.options["mega_min_operations"])
    mega_entities = int(ctx.options["mega_min_core_entities"])
    extra = dict(ctx.options["entity_words"])
    patterns = {e: re.compile(f"^(?:{extra[e] if e in extra else re.escape(e.lower()) + 's?'})$", re.IGNORECASE)
                for e in ctx.policy.core_entities}
    for api in sorted(ctx.stack.apis, key=lambda e: e.ref):
        spec = ctx.stack.spec_of(api)
        if not is_openapi_api(api) or spec is None or not spec.parsed or not spec.version:
            continue
        ops = spec.operations
        location = spec.location("/paths")
        if not ops and (spec.data or {}).get("webhooks"):
            yield ctx.not_applicable(api.ref, f"{spec.display} declares only webhooks, no operations")
            continue
        entities = _entities_in_paths(ops, patterns)
        providers = ctx.stack.providers_of(api.ref)
        composer = bool(providers) and all(p.is_gateway for p in providers)
        if len(ops) >= mega_ops or (len(entities) >= mega_entities and not composer):
            reasons = []
            if len(ops) >= mega_ops:
                reasons.append(f"{len(ops)} operations (limit {mega_ops})")
            if len(entities) >= mega_entities and not composer:
                reasons.append(f"paths for {len(entities)} core entities: "
                               + ", ".join(f"{e} ({entities[e]})" for e in sorted(entities)))
            yield ctx.fail(
                api.ref,
                f"API {api.label} is a mega API: " + "; ".join(reasons),
                location,
                evidence={"operations": len(ops), "core_entities": sorted(entities)},
            )
            continue
        if len(ops) <= nano_ops:
            consumers = sorted(n for n in ctx.graphs.full.predecessors(api.ref)
                               if ctx.graphs.full.edges[n, api.ref].get("relation") == "consumes")
            if api.inferred:
                yield ctx.unknown(
                    api.ref,
                    f"API {api.label} has {len(ops)} operation{'s' if len(ops) != 1 else ''}; without a catalog "
                    f"its consumers are unknown, so whether it is a nano API cannot be judged",
                    location,
                )
            elif {"partner", "public"} & set(api.annotation_list("audience")):
                yield ctx.unknown(
                    api.ref,
                    f"API {api.label} has {len(ops)} operation{'s' if len(ops) != 1 else ''} and is for "
                    f"{', '.join(api.annotation_list('audience'))} use: its consumers are outside the catalog, so "
                    "whether it is a nano API cannot be judged",
                    location,
                )
            elif len(consumers) <= nano_consumers:
                who = f"only {consumers[0].rpartition('/')[2]} consumes it" if consumers else "no component consumes it"
                yield ctx.fail(
                    api.ref,
                    f"API {api.label} is a nano API: {len(ops)} operation{'s' if len(ops) != 1 else ''} "
                    f"({', '.join(op.label for op in ops) or 'none'}) and {who}",
                    location,
                    evidence={"operations": len(ops), "consumers": consumers},
                    severity=Severity.INFO,
                )
            else:
                yield ctx.passed(api.ref, f"{len(ops)} operations, shared by {len(consumers)} consumers")
            continue
        yield ctx.passed(api.ref, f"{len(ops)} operations, {len(entities)} core entities")


def _entities_in_paths(ops, patterns) -> dict[str, str]:
    """Core entity -> the first path segment naming it. Each path counts for the first core entity
    it names: `/customers/{id}/invoices` is the customer's, `/orders/{id}/shipments` the order's."""
    found: dict[str, str] = {}
    for op in ops:
        for segment in literal_segments(op.path):
            candidates = [segment.lower()] + path_words(segment)
            named = {vocab.ENTITY_WORDS.get(w) for w in ev.words(segment)}
            entity = next((e for e, pattern in patterns.items()
                           if e in named or any(pattern.match(c) for c in candidates)), None)
            if entity:
                found.setdefault(entity, "/" + segment)
                break
    return found
