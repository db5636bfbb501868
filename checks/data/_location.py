"""Where each data class lives: its holders, their provider and region, and how we know.

`data_locations(stack)` is a pure function of the Stack (no context, no options), shared by DAT003,
DAT004 and DAT007, and meant to be reused as is by a data-location report. One record per
(data class, holder):

- holders are catalog Components and Resources; without a catalog, the inferred API entity that
  stands in for each spec;
- data classes come from `machaudit.io/data-classes` (declared), and `customer-pii` is added when the
  schemas of the APIs a holder provides carry personal-data properties (inferred; the fields are kept);
- provider and region come from the holder's `machaudit.io/provider` / `machaudit.io/region`
  (declared), else from its System's annotations (declared on the system), else from the `servers`
  of the specs of the APIs it provides (`machaudit.policy.region_from_url`; inferred), and for a
  Resource from the components that use it when they all agree (inferred).

Every inference says so in `region_source` / `class_source`; nothing inferred is presented as declared.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Any, Callable

from machaudit import spec_analysis as sa
from machaudit.findings import Location, escape_pointer_token
from machaudit.model import Entity, Spec, Stack
from machaudit.policy import region_from_url

PII_CLASS = "customer-pii"

# Components that pass personal data through rather than keep it: PII in their API schemas does
# not make them a holder (their declared data classes still count).
PASS_THROUGH_TYPES = frozenset({"api-gateway", "bff", "ipaas", "esb", "library"})

# Server hosts of non-production environments: their region says nothing about where the data lives.
_NON_PRODUCTION = re.compile(
    r"(?:^|[.\-])(?:test|testing|sandbox|staging|stage|stg|dev|develop|qa|uat|preprod|pre-prod|demo|mock|local|localhost)(?:$|[.\-\d])"
)
_LOCAL_HOST = re.compile(r"^(?:localhost|127\.|0\.0\.0\.0|\[?::1\]?|10\.|192\.168\.)")

@dataclass(frozen=True)
class Placement:
    """Where one entity runs: provider and region, with where that knowledge comes from."""

    provider: str = ""
    provider_source: str = ""  # "declared", "declared on system:…", or ""
    regions: tuple[str, ...] = ()  # one region, or several when declared as a list; () unknown
    source: str = ""  # "declared", "declared on system:…", "inferred from servers: …", "inferred from …"
    candidates: tuple[str, ...] = ()  # regions the servers offer when they disagree ("" = host names none)
    location: Location | None = None  # where the region evidence is

    @property
    def region(self) -> str:
        return ", ".join(self.regions)

    @property
    def known(self) -> bool:
        return bool(self.regions)

    @property
    def inferred(self) -> bool:
        return self.source.startswith("inferred")

    @property
    def ambiguous(self) -> bool:
        return not self.regions and len(self.candidates) > 1


@dataclass(frozen=True)
class PiiField:
    spec: str  # spec display path
    field: str  # "Customer.email", "POST /orders request: billingAddress.street"
    kind: str  # spec_analysis.PII_KINDS key
    pointer: str  # JSON pointer of the schema or operation in the spec's root document

    def __str__(self) -> str:
        return f"{self.field} ({self.kind})"


@dataclass(frozen=True)
class DataLocation:
    """One data class held by one holder, and where that holder keeps it."""

    data_class: str
    holder: str  # entity ref
    holder_kind: str  # component, resource, api (inferred stand-in for a spec without catalog)
    provider: str
    region: str  # "" when unknown; several declared regions joined by ", "
    region_source: str  # "declared", "declared on system:…", "inferred from servers: https://…", "inferred from …", or why unknown
    class_source: str  # "declared" or "inferred from PII fields: …"
    regions: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    pii_fields: tuple[PiiField, ...] = ()
    holder_inferred: bool = False  # the holder itself was made up by the tool (no catalog)
    location: Location | None = None  # evidence of the region, else of the holder
    holder_location: Location | None = None

    @property
    def region_known(self) -> bool:
        return bool(self.regions)

    @property
    def region_inferred(self) -> bool:
        return self.region_source.startswith("inferred")

    @property
    def class_inferred(self) -> bool:
        return self.class_source != "declared"

    def as_dict(self) -> dict[str, Any]:
        return {
            "data_class": self.data_class,
            "holder": self.holder,
            "provider": self.provider,
            "region": self.region,
            "region_source": self.region_source,
            "class_source": self.class_source,
            **({"candidates": list(self.candidates)} if self.candidates else {}),
            **({"pii_fields": [f"{f.spec}: {f}" for f in self.pii_fields]} if self.pii_fields else {}),
        }


# -- the records ----------------------------------------------------------------------------------

def data_locations(stack: Stack) -> list[DataLocation]:
    """Every (data class, holder) of the stack with its provider and region, sorted by holder."""
    return _cached(stack, "data_locations", lambda: _data_locations(stack))


def _data_locations(stack: Stack) -> list[DataLocation]:
    out: list[DataLocation] = []
    for holder in holders(stack):
        classes = data_classes(stack, holder)
        if not classes:
            continue
        place = placement(stack, holder)
        for data_class, class_source, fields in classes:
            out.append(DataLocation(
                data_class=data_class,
                holder=holder.ref,
                holder_kind=holder.kind,
                provider=place.provider,
                region=place.region,
                region_source=place.source or _unknown_reason(place),
                class_source=class_source,
                regions=place.regions,
                candidates=place.candidates,
                pii_fields=fields,
                holder_inferred=holder.inferred,
                location=place.location or holder.location or _spec_location(stack, holder),
                holder_location=holder.location or _spec_location(stack, holder),
            ))
    return out


def holders(stack: Stack) -> list[Entity]:
    """Entities that can hold data: components and resources; inferred APIs nobody provides."""
    provided = {api for c in stack.components for api in c.provides_apis}
    out = [e for e in stack.entities.values() if e.kind in ("component", "resource")]
    out += [a for a in stack.apis if a.inferred and a.ref not in provided]
    return sorted(out, key=lambda e: e.ref)


def data_classes(stack: Stack, entity: Entity) -> list[tuple[str, str, tuple[PiiField, ...]]]:
    """(data class, "declared" | "inferred from PII fields: …", PII fields) of one holder."""
    out = [(c, "declared", ()) for c in dict.fromkeys(entity.annotation_list("data-classes"))]
    if PII_CLASS not in {c for c, _, _ in out}:
        fields = pii_fields(stack, entity)
        if fields:
            out.append((PII_CLASS, "inferred from PII fields: " + describe_fields(fields), fields))
    return out


def describe_fields(fields: tuple[PiiField, ...], limit: int = 4) -> str:
    by_spec: dict[str, list[str]] = {}
    for f in fields:
        by_spec.setdefault(f.spec, []).append(str(f))
    parts = []
    for spec, names in by_spec.items():
        shown = ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")
        parts.append(f"{shown} in {spec}")
    return "; ".join(parts)


# -- personal data in the APIs a holder provides ----------------------------------------------------

def specs_of(stack: Stack, entity: Entity) -> list[Spec]:
    """Parsed specs of the APIs an entity provides (an inferred API: its own spec): OpenAPI, and
    AsyncAPI for the payloads of the events it publishes."""
    api_refs = (entity.ref,) if entity.kind == "api" else entity.provides_apis
    out = []
    for ref in api_refs:
        api = stack.entities.get(ref)
        spec = stack.spec_of(api) if api is not None else None
        if spec is None and api is not None:  # an event contract: its payloads are data it sends
            definition = stack.definition_of(api)
            spec = definition if definition is not None and definition.style == "asyncapi" else None
        if spec is not None and spec.parsed and spec not in out:
            out.append(spec)
    return out


def pii_fields(stack: Stack, entity: Entity) -> tuple[PiiField, ...]:
    """Personal-data properties in the schemas of the APIs an entity provides (none for channels,
    gateways and libraries, which pass data through)."""
    if entity.kind == "resource" or entity.is_channel or entity.type in PASS_THROUGH_TYPES:
        return ()
    found: list[PiiField] = []
    for spec in specs_of(stack, entity):
        found += spec_pii_fields(stack, spec)
    return tuple(found)


def spec_pii_fields(stack: Stack, spec: Spec) -> tuple[PiiField, ...]:
    return _cached(stack, ("pii", spec.key), lambda: _spec_pii_fields(spec))


def _spec_pii_fields(spec: Spec) -> tuple[PiiField, ...]:
    """Personal-data properties of a spec's schemas (components.schemas / definitions, then the
    inline request and response schemas of its operations), each schema object walked once for the
    whole spec so that large specs stay linear."""
    found: dict[tuple[str, str], PiiField] = {}  # (leaf name, kind) -> first field seen
    seen: set[int] = set()

    def add(schemas, label: Callable[[str], str], pointer: str) -> None:
        for path, prop in _pii_in(spec, schemas, seen):
            kind = sa.pii_kind(path[-1], prop)
            key = (path[-1].lower(), kind)
            if key not in found:
                found[key] = PiiField(spec.display, label(".".join(path)), kind, pointer)

    data = spec.data or {}
    components = data.get("components") if isinstance(data.get("components"), dict) else {}
    for base, schemas in (("/components/schemas", components.get("schemas")), ("/definitions", data.get("definitions"))):
        if isinstance(schemas, dict):
            for name, schema in schemas.items():
                add([(spec.key, schema)], lambda p, n=name: f"{n}.{p}", f"{base}/{escape_pointer_token(name)}")
    messages = components.get("messages") if spec.style == "asyncapi" else None
    for name, message in (messages.items() if isinstance(messages, dict) else ()):
        payload = message.get("payload") if isinstance(message, dict) else None
        if isinstance(payload, dict):  # (a $ref to components.schemas was walked above: seen once)
            add([(spec.key, payload)], lambda p, n=name: f"message {n}.{p}",
                f"/components/messages/{escape_pointer_token(name)}/payload")
    for op in spec.operations if spec.is_openapi else ():
        add(sa.request_schemas(spec, op), lambda p, o=op: f"{o.label} request: {p}", sa.pointer(op, "requestBody"))
        add(sa.response_schemas(spec, op), lambda p, o=op: f"{o.label} response: {p}", sa.pointer(op, "responses"))
    return tuple(sorted(found.values(), key=lambda f: (_KIND_ORDER.get(f.kind, 99), f.field)))


# Most telling kinds first when a message can only name a few fields.
_KIND_ORDER = {k: i for i, k in enumerate(("email", "person-name", "phone", "birth-date", "address", "tax-id", "iban", "card"))}


def _pii_in(spec: Spec, schemas, seen: set[int]):
    """(path, schema) of the properties that hold personal data, not those that describe or flag it."""
    for located in schemas:
        for path, prop in sa.schema_properties(spec, located, seen):
            if sa.personal_data_kind(path, prop):
                yield path, prop


# -- provider and region ----------------------------------------------------------------------------

def placement(stack: Stack, entity: Entity) -> Placement:
    """Provider and region of an entity (declared, declared on its system, or inferred)."""
    return _cached(stack, ("placement", entity.ref), lambda: _placement(stack, entity, depth=0))


def _placement(stack: Stack, entity: Entity, depth: int) -> Placement:
    provider, provider_source, _ = _declared(stack, entity, "provider")
    regions_text, region_source, declared_on = _declared(stack, entity, "region")
    regions = tuple(r.strip().lower() for r in regions_text.split(",") if r.strip())
    if regions:
        return Placement(provider, provider_source, regions, region_source, (), declared_on.location)
    inferred = _from_servers(stack, entity)
    if inferred.known or inferred.candidates:
        return Placement(provider, provider_source, inferred.regions, inferred.source, inferred.candidates, inferred.location)
    if entity.kind == "resource" and depth == 0:
        users = [c for c in stack.components if entity.ref in c.depends_on]
        places = [(u, _placement(stack, u, depth + 1)) for u in users]
        regions_seen = {p.regions for _, p in places if p.known}
        if places and len(regions_seen) == 1 and all(p.known for _, p in places):
            (only,) = regions_seen
            names = ", ".join(u.label for u, _ in places)
            return Placement(provider, provider_source, only, f"inferred from the components that use it: {names}", (), entity.location)
    return Placement(provider, provider_source, (), "", (), None)


def _declared(stack: Stack, entity: Entity, key: str) -> tuple[str, str, Entity]:
    """(value, "declared" | "declared on system:…", the entity that declares it), or ("", "", entity)."""
    value = entity.annotation(key).strip()
    if value:
        return value, "declared", entity
    system = stack.entities.get(entity.system) if entity.system else None
    if system is not None and system.annotation(key).strip():
        return system.annotation(key).strip(), f"declared on {system.ref}", system
    return "", "", entity


def _from_servers(stack: Stack, entity: Entity) -> Placement:
    """Region named by the production servers of the specs an entity provides."""
    seen: dict[str, tuple[str, Location]] = {}  # region ("" = none named) -> first (url, location)
    for spec in specs_of(stack, entity):
        for url, pointer in _server_urls(spec):
            host = re.sub(r"^[a-z]+://", "", url.strip().lower()).split("/", 1)[0]
            if not host or _LOCAL_HOST.search(host) or _NON_PRODUCTION.search(host) or host.startswith("<"):
                continue
            region = region_from_url(url)
            seen.setdefault(region, (url, spec.location(pointer)))
    if not seen:
        return Placement()
    named = [r for r in seen if r]
    if len(seen) == 1 and named:
        url, location = seen[named[0]]
        return Placement(regions=(named[0],), source=f"inferred from servers: {url}", location=location)
    if not named:
        return Placement()
    # Several production servers in different (or unnamed) regions: the customer picks one.
    return Placement(candidates=tuple(sorted(seen)), location=seen[sorted(named)[0]][1])


def _server_urls(spec: Spec) -> list[tuple[str, str]]:
    data = spec.data or {}
    if data.get("swagger"):
        return [(url, "/host") for url in spec.servers]
    out = []
    servers = data.get("servers")
    for i, server in enumerate(servers if isinstance(servers, list) else []):
        if isinstance(server, dict) and isinstance(server.get("url"), str) and server["url"].strip():
            out.append((server["url"].strip(), f"/servers/{i}/url"))
    return out


def describe_candidates(candidates: tuple[str, ...]) -> str:
    return ", ".join(c or "a host naming no region" for c in candidates)


def _unknown_reason(place: Placement) -> str:
    if place.ambiguous:
        return "unknown: the production servers offer several regions (" + describe_candidates(place.candidates) + ")"
    return "unknown: no machaudit.io/region declared and none named by its servers"


def _spec_location(stack: Stack, entity: Entity) -> Location | None:
    specs = specs_of(stack, entity)
    return specs[0].location() if specs else None


# -- per-stack memo (checks share the derivation within one audit) --------------------------------

_CACHE: dict[int, tuple[weakref.ref, dict]] = {}


def _cached(stack: Stack, key, compute):
    entry = _CACHE.get(id(stack))
    if entry is None or entry[0]() is not stack:
        for stale in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
            del _CACHE[stale]
        entry = (weakref.ref(stack), {})
        _CACHE[id(stack)] = entry
    memo = entry[1]
    if key not in memo:
        memo[key] = compute()
    return memo[key]
