import re

from machaudit.findings import Location, escape_pointer_token
from machaudit.registry import check

from machaudit_checks.data._location import PASS_THROUGH_TYPES, specs_of
from machaudit_checks.data._sor import SYNONYMS, core_entities, masters


@check("DAT009", "unmanaged-replica", severity="medium", options={
    # Words after the entity name that still mean the entity itself (CustomerDto, OrderResponse).
    "entity_suffixes": ["", "dto", "response", "resource", "model", "details", "detail", "data", "record",
                        "entity", "view", "projection", "full", "info", "representation", "object", "body", "payload",
                        "daten", "stamm", "stammdaten"],
    # Words before the entity name that make it something else (PurchaseOrder, MonitoringAuftrag).
    "other_thing_prefixes": ["purchase", "work", "production", "transfer", "transport", "monitoring", "print",
                             "repair", "service", "maintenance", "return", "supplier", "lieferanten", "einkauf",
                             "einkaufs", "fertigung", "fertigungs", "druck", "pruef", "prüf", "reparatur",
                             "wartung", "retoure", "retouren", "tax", "shipping", "versand", "delivery",
                             "invoice", "credit"],
    "min_properties": 3,  # a reference stub {id, name} is not a copy of the entity
    "min_replicas": 2,
})
def unmanaged_replica(ctx):
    """What: the schema of a core entity (Customer/Kunde, Order/Auftrag/Bestellung, Product/Artikel,
    Price/Preis, Stock/Bestand, Invoice/Rechnung, Shipment/Sendung …, in `components.schemas` or
    `definitions`) served by at least `min_replicas` components that are not its declared system of
    record. Gateways and BFFs are not counted: they pass the master's data through. Schemas of two
    properties or fewer (references) and other things with an entity word in their name
    (`PurchaseOrder`, `OrderLine`, `PriceList`, `DeliveryAddress`) are not counted either.

    Why it matters for MACH: every service that serves its own full Customer or Product keeps a
    copy of master data. Without a declared master and a synchronisation path those copies drift:
    the app shows another address than the invoice, the marketplace another price than the shop.

    Example: the commerce SaaS, the order service and the B2B portal backend each serve a
    `Customer` schema with address and payment terms, while the ERP is the customer master.

    Fix: serve only references (`customerId`) or a small projection where you are not the master,
    and fetch or subscribe to the master's data; where a copy is needed, declare how it is kept in
    sync (events from the master) and make it read-only.
    """
    stack = ctx.stack
    suffixes = {s.lower() for s in ctx.options["entity_suffixes"]}
    others = {s.lower() for s in ctx.options["other_thing_prefixes"]}
    min_props = int(ctx.options["min_properties"])
    min_replicas = int(ctx.options["min_replicas"])
    declared = masters(stack)
    servers: dict[str, dict[str, list[tuple[str, Location]]]] = {}  # core -> component ref -> schemas
    for component in sorted(stack.components, key=lambda c: c.ref):
        if component.type in PASS_THROUGH_TYPES or component.is_channel:
            continue
        for spec in specs_of(stack, component):
            for name, pointer in _core_schemas(spec, suffixes, others, min_props):
                core = _entity_of(name, suffixes, others)
                servers.setdefault(core, {}).setdefault(component.ref, []).append((name, spec.location(pointer)))
    inferred_only = not any(not c.inferred for c in stack.components)
    for core in core_entities(ctx.policy):
        served = servers.get(core, {})
        subject = f"core-entity:{core}"
        if inferred_only:
            yield ctx.unknown(subject, f"no catalog components: cannot tell which components serve {core} or which is its master")
            continue
        if not served:
            yield ctx.passed(subject, f"no component serves a full {core} schema")
            continue
        master_refs = {m.entity.ref for m in declared.get(core, [])}
        replicas = {ref: schemas for ref, schemas in served.items() if ref not in master_refs}
        listing = "; ".join(
            f"{stack.entities[ref].label} ({', '.join(n for n, _ in schemas)})" for ref, schemas in sorted(replicas.items())
        )
        if not master_refs:
            # Whichever of them is the master, the others are replicas.
            if len(served) - 1 >= min_replicas:
                first = next(iter(sorted(replicas.items())))[1][0][1]
                yield ctx.fail(
                    subject,
                    f"{len(served)} components serve their own {core} schema and none is declared its system of record, "
                    f"so at least {len(served) - 1} are unmanaged copies: {listing}",
                    first,
                    evidence={"core_entity": core, "components": sorted(served), "masters": []},
                )
            elif len(served) >= min_replicas:
                yield ctx.unknown(subject, f"{len(served)} components serve a {core} schema ({listing}) but no system of record is declared for {core}: cannot tell which are copies")
            else:
                yield ctx.passed(subject, f"only {listing} serves a {core} schema")
            continue
        if len(replicas) >= min_replicas:
            first = next(iter(sorted(replicas.items())))[1][0][1]
            master_names = ", ".join(stack.entities[r].label for r in sorted(master_refs))
            yield ctx.fail(
                subject,
                f"{len(replicas)} components that are not the system of record for {core} ({master_names}) serve their own "
                f"{core} schema: {listing}",
                first,
                evidence={"core_entity": core, "replicas": sorted(replicas), "masters": sorted(master_refs)},
            )
        else:
            yield ctx.passed(subject, f"{core} is served by its master" + (f" and {listing}" if replicas else ""))


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [w.lower() for w in re.split(r"[\s_\-.]+", spaced) if w]


_TOO_VAGUE = {"pricing"}  # PricingRequest is a calculation, not the price master data
_ALL_WORDS = {w: core for core, words in SYNONYMS.items() for w in words}


def _entity_of(name: str, suffixes: set[str], others: set[str]) -> str | None:
    """The core entity a schema name stands for: the last entity word, followed only by suffixes
    (StoreCustomer, CustomerDto, Kundenstammdaten); OrderLine or PriceList are not the entity."""
    words = _words(name)
    for i in range(len(words) - 1, -1, -1):
        core = _ALL_WORDS.get(words[i]) if words[i] not in _TOO_VAGUE else None
        if core:
            rest = "".join(words[i + 1:])
            if rest in suffixes and not (i > 0 and words[i - 1] in others):
                return core
            return None
    # German compounds written as one word: Kundenstammdaten, Auftragsdaten
    lowered = name.lower()
    for word, core in _ALL_WORDS.items():
        for suffix in suffixes:
            for joint in ("", "s", "n"):
                if len(word) > 4 and lowered == word + joint + suffix and (joint or suffix):
                    return core
    return None


def _core_schemas(spec, suffixes, others, min_props):
    data = spec.data or {}
    components = data.get("components") if isinstance(data.get("components"), dict) else {}
    for base, schemas in (("/components/schemas", components.get("schemas")), ("/definitions", data.get("definitions"))):
        if not isinstance(schemas, dict):
            continue
        for name, schema in schemas.items():
            if not isinstance(name, str) or _entity_of(name, suffixes, others) is None:
                continue
            if _property_count(spec, schema) >= min_props:
                yield name, f"{base}/{escape_pointer_token(name)}"


def _property_count(spec, schema) -> int:
    from machaudit import spec_analysis as sa

    return sum(1 for path, _ in sa.schema_properties(spec, (spec.key, schema)) if len(path) == 1)
