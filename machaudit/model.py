"""The audited stack as frozen dataclasses: what the sources read, and all the checks see.

Entities follow Backstage (kind, namespace, name; refs `kind:namespace/name`); MACH facts come from
`machaudit.io/*` annotations. Specs are kept with the problems found while reading them, so that the
SPC checks, not the loader, decide what becomes a finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping

from machaudit.findings import Location

KINDS = ("component", "api", "resource", "system", "domain", "group")
CHANNEL_TYPES = frozenset(
    {"website", "mobile-app", "b2b-portal", "pos", "marketplace", "call-center", "email"}
)
GATEWAY_TYPES = frozenset({"api-gateway", "bff", "ipaas", "esb"})
# API types whose consumers subscribe to what the provider publishes, rather than call it.
ASYNC_API_TYPES = frozenset({"asyncapi", "event", "events", "kafka", "amqp", "mqtt", "webhook", "webhooks",
                             "cloudevents", "sns", "sqs", "eventbridge", "pubsub", "nats"})
# Message brokers (a Resource, or a Component run as one): shared infrastructure that carries events
# between systems, never one system's datastore. A type is a broker type when it is one of these
# words or one of its parts (split on - _ . / :) is: `kafka-topic`, `aws-sqs-queue`, `sns`, `event-bus`.
# `machaudit.io/broker: "true"` (or "false") on the entity overrides its type.
BROKER_WORDS = frozenset({"topic", "queue", "stream", "kafka", "msk", "eventbridge", "sns", "sqs", "pubsub",
                          "rabbitmq", "activemq", "amqp", "mqtt", "nats", "kinesis", "broker", "eventhub",
                          "servicebus", "eventbus", "bus", "event-bus", "message-bus", "event-hub",
                          "service-bus", "pub-sub", "message-broker", "event-stream"})
# API types whose definition is not an OpenAPI document; every other type (openapi, swagger, rest,
# http, none …) is read as one. The one definition of "an OpenAPI API": `is_openapi_type`.
NON_OPENAPI_TYPES = ASYNC_API_TYPES | {"graphql", "grpc", "trpc", "soap", "wsdl", "odata-edmx", "mcp-server"}
PHONE_TYPE = "call-center"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
# How an API's definition is written (Spec.style), and the catalog API types each style reads.
# Operations of the other styles carry lower-case methods (GraphQL "query"/"mutation"/"subscription",
# AsyncAPI "publish"/"subscribe" or "send"/"receive", gRPC "rpc"), never an HTTP method.
STYLES = ("openapi", "graphql", "asyncapi", "grpc")
STYLE_OF_TYPE = {"openapi": "openapi", "swagger": "openapi", "": "openapi", "graphql": "graphql",
                 "asyncapi": "asyncapi", "grpc": "grpc"}


def parse_ref(text: str, default_kind: str, default_namespace: str = "default") -> str:
    """Normalise a Backstage entity ref `[kind:][namespace/]name` to `kind:namespace/name`."""
    text = text.strip().lower()
    kind, _, rest = text.rpartition(":") if ":" in text else ("", "", text)
    namespace, _, name = rest.rpartition("/") if "/" in rest else ("", "", rest)
    return f"{kind or default_kind}:{namespace or default_namespace}/{name}"


def is_openapi_type(api_type: str) -> bool:
    return api_type.lower() not in NON_OPENAPI_TYPES


def is_broker_type(type_: str) -> bool:
    """Whether a Resource/Component type names a message broker (see BROKER_WORDS)."""
    type_ = type_.strip().lower()
    return bool(type_) and (type_ in BROKER_WORDS or any(p in BROKER_WORDS for p in re.split(r"[-_./:\s]+", type_)))


# Who calls an operation, stated in an OpenAPI document (operation, path item, info): read by the
# OpenAPI reader and by the capability layer's audience.
AUDIENCE_EXTENSION = "x-machaudit-audience"


def ref_name(ref: str) -> str:
    return ref.rpartition("/")[2]


@dataclass(frozen=True)
class Entity:
    """One catalog entity (Component, API, Resource, System, Domain, Group)."""

    ref: str
    kind: str
    name: str
    namespace: str = "default"
    title: str = ""
    description: str = ""
    type: str = ""
    lifecycle: str = ""
    owner: str = ""  # normalised ref or ""
    system: str = ""  # normalised ref or ""
    annotations: Mapping[str, str] = field(default_factory=dict)
    links: tuple[Mapping[str, str], ...] = ()
    depends_on: tuple[str, ...] = ()
    provides_apis: tuple[str, ...] = ()
    consumes_apis: tuple[str, ...] = ()
    spec_file: str = ""  # API: the spec document (store key) its definition points at
    # API of another type (asyncapi, graphql, grpc): why its definition cannot be read, if so.
    definition_problem: str = ""
    # Event API: names of the messages its definition carries (AsyncAPI channels/messages), if read.
    events: tuple[str, ...] = ()
    # backstage.io/v1alpha2 API: the remote endpoints it is served from, in place of a definition.
    remotes: tuple[str, ...] = ()
    inferred: bool = False  # made up by the tool (e.g. a component for a spec with no catalog)
    location: Location | None = None

    def annotation(self, key: str, default: str = "") -> str:
        return self.annotations.get(f"machaudit.io/{key}", default)

    def annotation_list(self, key: str) -> tuple[str, ...]:
        raw = self.annotation(key)
        return tuple(p.strip().lower() for p in raw.split(",") if p.strip())

    @property
    def is_channel(self) -> bool:
        return self.kind == "component" and self.type in CHANNEL_TYPES

    @property
    def is_gateway(self) -> bool:
        return self.kind == "component" and self.type in GATEWAY_TYPES

    @property
    def is_broker(self) -> bool:
        if self.kind not in ("resource", "component"):
            return False
        said = self.annotation("broker").strip().lower()
        if said in ("true", "false"):
            return said == "true"
        return is_broker_type(self.type)

    @property
    def label(self) -> str:
        return self.name if self.namespace == "default" else f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path, query, header, cookie, body, formData
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """One operation of a spec, with its `$ref`s already followed."""

    spec_file: str
    method: str  # upper case
    path: str
    pointer: str  # JSON pointer of the operation in the root document
    operation_id: str = ""
    summary: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    responses: tuple[str, ...] = ()  # status codes as declared ("200", "4XX", "default")
    deprecated: bool = False
    security: tuple[tuple[str, ...], ...] | None = None  # effective requirements; None = unknown
    scopes: tuple[tuple[str, ...], ...] = ()  # the scopes each of those requirements asks for
    extensions: Mapping[str, Any] = field(default_factory=dict)
    # Not served, but sent by the API: "webhook" / "callback" (OpenAPI), with direction "outbound".
    kind: str = ""
    direction: str = ""
    returns: str = ""  # GraphQL return type as written ("Order!"), gRPC response message
    messages: tuple[str, ...] = ()  # AsyncAPI message names, gRPC request message

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class SpecProblem:
    """Something wrong with a spec file, found while reading it.

    kind: "invalid" (validator error), "unparseable" (not readable / not OpenAPI / over a limit),
    "unresolved-ref" ($ref that does not resolve or leaves the root), "remote-ref" (a remote
    document not fetched: one per URL per spec).
    """

    kind: str
    message: str
    location: Location
    # "invalid" only: the validator's JSON pointer (as walked, through `$ref`s) and failing keyword,
    # from which SPC001 tells structural errors from schema slips (checks/spec/_validator_classes.py).
    pointer: str = ""
    keyword: str = ""


@dataclass(frozen=True)
class Spec:
    """One root API definition: an OpenAPI/Swagger document (fragments it references are folded
    into it), or a GraphQL schema, AsyncAPI document or protobuf file (`style`)."""

    key: str  # store key: absolute path or URL
    display: str  # path as shown to the user
    version: str = ""  # e.g. "2.0", "3.0.3", "3.1.0"
    title: str = ""
    api_version: str = ""  # info.version
    servers: tuple[str, ...] = ()
    operations: tuple[Operation, ...] = ()
    problems: tuple[SpecProblem, ...] = ()
    files: tuple[str, ...] = ()  # every file this spec reads, root first
    # Every parsed document this spec reads (root and $ref targets), by store key, so checks can
    # follow references without touching the file system (see machaudit.spec_analysis). The
    # sources hand out a mapping that brings documents back into memory as they are read.
    documents: Mapping[str, Any] = field(default_factory=dict)
    style: str = "openapi"
    # OpenAPI webhooks and callbacks: requests the API sends, not operations it serves.
    events: tuple[Operation, ...] = ()
    # GraphQL and protobuf definitions keep no parsed document in `documents`: read or not is said here.
    readable: bool = False
    # `x-machaudit-audience` as the document states it: "" for the whole document, else by path item
    audience_statements: Mapping[str, str] = field(default_factory=dict)

    @property
    def data(self) -> Any:
        """The parsed root document; None when unreadable."""
        return self.documents.get(self.key)

    @property
    def family(self) -> str:
        if self.style != "openapi":
            return f"{self.style}-{self.version}" if self.version else self.style
        if self.version.startswith("2"):
            return "swagger-2.0"
        return "openapi-" + ".".join(self.version.split(".")[:2]) if self.version else "unknown"

    @property
    def parsed(self) -> bool:
        return self.readable or self.key in self.documents

    @property
    def is_openapi(self) -> bool:
        return self.style == "openapi"

    def location(self, pointer: str = "") -> Location:
        """Where `pointer` is in this spec's root document (through `$ref`s when it walks them)."""
        return Location(self.display, pointer, key=self.key)


@dataclass(frozen=True)
class CatalogProblem:
    """A catalog entry that cannot be used as written.

    code: "unreadable" (file does not parse), "duplicate" (same entity twice), "invalid" (wrong
    type, missing name, unknown kind, bad Location target …), "notice" (read, but differently).
    """

    code: str
    message: str
    location: Location
    subject: str = ""


@dataclass(frozen=True)
class Suppression:
    """`x-machaudit-ignore` on a spec node, or `machaudit.io/ignore` on a catalog entity.

    It covers findings of `check` (id or name) located in `file` at or below `pointer`, or whose
    subject is `subject`. Without a reason it is reported as unusable and suppresses nothing.
    """

    check: str
    reason: str
    location: Location
    file: str = ""
    pointer: str = ""
    subject: str = ""


@dataclass(frozen=True)
class Stack:
    """Everything the audit knows about one company's stack."""

    entities: Mapping[str, Entity] = field(default_factory=dict)
    specs: Mapping[str, Spec] = field(default_factory=dict)
    catalog_problems: tuple[CatalogProblem, ...] = ()
    catalog_files: tuple[str, ...] = ()
    # Raw relation targets as written, per entity, for dangling-reference detection:
    # (source ref, relation name, target ref, location)
    relations: tuple[tuple[str, str, str, Location | None], ...] = ()
    # Spec files under the audited folders that no API entity points to (INV006).
    undeclared_specs: tuple[str, ...] = ()
    # Files of a known definition kind found in the folders but not read as an API, with why
    # (a .proto with no service, a .graphql holding only queries): (display, reason).
    unused_definitions: tuple[tuple[str, str], ...] = ()
    # Refs of entities of kinds read but not modelled (User, Template): valid relation targets.
    other_refs: frozenset[str] = frozenset()
    suppressions: tuple[Suppression, ...] = ()
    # The previous version of a spec (--previous), by the current spec's key: for API009.
    previous: Mapping[str, Spec] = field(default_factory=dict)
    # machaudit.io documents found in the catalog or given with --journey: (document, location)
    journey_documents: tuple[tuple[Mapping[str, Any], Location], ...] = ()

    @cached_property
    def _by_kind(self) -> dict[str, list[Entity]]:
        # Checks ask for kinds and providers thousands of times on large portfolios: index once.
        index: dict[str, list[Entity]] = {}
        for entity in self.entities.values():
            index.setdefault(entity.kind, []).append(entity)
        return index

    @cached_property
    def _providers(self) -> dict[str, list[Entity]]:
        index: dict[str, list[Entity]] = {}
        for component in self.components:
            for api_ref in dict.fromkeys(component.provides_apis):
                index.setdefault(api_ref, []).append(component)
        return index

    def of_kind(self, kind: str) -> list[Entity]:
        return list(self._by_kind.get(kind, ()))

    @property
    def components(self) -> list[Entity]:
        return self.of_kind("component")

    @property
    def apis(self) -> list[Entity]:
        return self.of_kind("api")

    @property
    def channels(self) -> list[Entity]:
        return [e for e in self.components if e.is_channel]

    def spec_of(self, api: Entity) -> Spec | None:
        """The OpenAPI spec of an API entity (None for other API types or no definition)."""
        spec = self.specs.get(api.spec_file) if api.spec_file and is_openapi_type(api.type) else None
        return spec if spec is None or spec.is_openapi else None

    def definition_of(self, api: Entity) -> Spec | None:
        """The definition of an API entity read in any style (OpenAPI, GraphQL, AsyncAPI, gRPC)."""
        return self.specs.get(api.spec_file) if api.spec_file else None

    def providers_of(self, api_ref: str) -> list[Entity]:
        return list(self._providers.get(api_ref, ()))

    @cached_property
    def _apis_by_spec(self) -> dict[str, list[Entity]]:
        index: dict[str, list[Entity]] = {}
        for api in self.apis:
            if api.spec_file:
                index.setdefault(api.spec_file, []).append(api)
        return index

    def apis_of_spec(self, spec_key: str) -> list[Entity]:
        """The API entities whose definition is this spec (catalog order)."""
        return list(self._apis_by_spec.get(spec_key, ()))
