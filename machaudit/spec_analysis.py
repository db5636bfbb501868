"""Reading what a spec says, for checks: references, schemas, personal data, operation intent.

Pure functions over a `Spec` (its `documents` hold every file it references), so checks never touch
the file system. Vocabulary is English and German, as the companies we audit write both.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterator

from machaudit.capabilities.vocabulary import A_DATE_ABOUT_IT as _A_DATE_ABOUT_IT
from machaudit.capabilities.vocabulary import NOT_THE_DATA as _NOT_THE_DATA
from machaudit.capabilities.vocabulary import PII_KINDS
from machaudit.findings import escape_pointer_token
from machaudit.references import join_key, split_ref, walk
from machaudit.model import Operation, Spec

MAX_SCHEMA_DEPTH = 12


# -- references -----------------------------------------------------------------------------------

def resolve(spec: Spec, node: Any, key: str | None = None) -> tuple[str, Any]:
    """Follow `$ref`s (within the documents the spec read) to a value: (document key, value).

    Unresolvable references give (key, None); the SPC003 check reports them.
    """
    key = key or spec.key
    for _ in range(32):
        if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
            return key, node
        target, pointer = split_ref(node["$ref"])
        if target:
            key = join_key(key, target)
        document = spec.documents.get(key)
        if document is None:
            return key, None
        node = walk(document, pointer, None)
        if node is None:
            return key, None
    return key, None


def operation_node(spec: Spec, op: Operation) -> tuple[str, dict]:
    """The raw operation object (path item `$ref`s followed) and the document key it lives in,
    against which its own relative `$ref`s resolve."""
    paths = (spec.data or {}).get("paths") or {}
    key, item = resolve(spec, paths.get(op.path))
    value = item.get(op.method.lower()) if isinstance(item, dict) else None
    return key, value if isinstance(value, dict) else {}


# -- schemas --------------------------------------------------------------------------------------

# A schema is kept with the key of the document it appears in: its relative `$ref`s resolve there.
Located = tuple[str, Any]


def request_schemas(spec: Spec, op: Operation) -> list[Located]:
    key, node = operation_node(spec, op)
    out = []
    body_key, body = resolve(spec, node.get("requestBody"), key)
    if isinstance(body, dict) and isinstance(body.get("content"), dict):
        for media in body["content"].values():
            if isinstance(media, dict) and "schema" in media:
                out.append((body_key, media["schema"]))
    parameters = node.get("parameters")
    for raw in parameters if isinstance(parameters, list) else []:  # Swagger 2.0 body parameters
        param_key, param = resolve(spec, raw, key)
        if isinstance(param, dict) and param.get("in") == "body" and "schema" in param:
            out.append((param_key, param["schema"]))
    return out


def response_schemas(spec: Spec, op: Operation, success_only: bool = True) -> list[Located]:
    key, node = operation_node(spec, op)
    out = []
    responses = node.get("responses") if isinstance(node.get("responses"), dict) else {}
    for code, raw in responses.items():
        if success_only and not str(code).startswith("2"):
            continue
        response_key, response = resolve(spec, raw, key)
        if not isinstance(response, dict):
            continue
        if "schema" in response:  # Swagger 2.0
            out.append((response_key, response["schema"]))
        content = response.get("content")
        for media in content.values() if isinstance(content, dict) else ():
            if isinstance(media, dict) and "schema" in media:
                out.append((response_key, media["schema"]))
    return out


def schema_properties(spec: Spec, located: Located, seen: set[int] | None = None) -> Iterator[tuple[tuple[str, ...], dict]]:
    """(property path, property schema) for every property reachable in a schema, each schema
    object visited once (recursive schemas end), through allOf/anyOf/oneOf/items. Pass one `seen`
    set for several schemas of a spec to walk each shared schema object only once overall."""
    seen = set() if seen is None else seen
    key0, schema = located
    stack: list[tuple[Any, tuple[str, ...], str | None]] = [(schema, (), key0)]
    while stack:
        node, path, key = stack.pop()
        key, node = resolve(spec, node, key)
        if not isinstance(node, dict) or id(node) in seen or len(path) > MAX_SCHEMA_DEPTH:
            continue
        seen.add(id(node))
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, prop in properties.items():
                _, resolved = resolve(spec, prop, key)
                if isinstance(resolved, dict):
                    yield path + (str(name),), resolved
                stack.append((prop, path + (str(name),), key))
        for combinator in ("allOf", "anyOf", "oneOf"):
            subs = node.get(combinator)
            for sub in subs if isinstance(subs, list) else ():
                stack.append((sub, path, key))
        if "items" in node:
            stack.append((node["items"], path, key))
        if isinstance(node.get("additionalProperties"), dict):
            stack.append((node["additionalProperties"], path, key))


# -- personal data ----------------------------------------------------------------------------------
# The words are the capability vocabulary's (machaudit.capabilities.vocabulary): one place for each.

def pii_kind(name: str, schema: dict | None = None) -> str | None:
    """The kind of personal data a property name (or its format) suggests, or None."""
    if isinstance(schema, dict) and schema.get("format") == "email":
        return "email"
    return _pii_kind_of_name(name)


@functools.lru_cache(maxsize=65536)
def _pii_kind_of_name(name: str) -> str | None:
    # Property names repeat across the schemas of a portfolio (id, name, status, email …).
    lowered = name.lower()
    if re.search(r"(?:_|-|[a-z])(?:id|uuid)$", name, re.IGNORECASE) and not PII_KINDS["tax-id"].search(lowered):
        return None  # a reference (default_address_id, customerId), not the data itself
    for kind, pattern in PII_KINDS.items():
        if pattern.search(lowered):
            return kind
    return None


def personal_data_kind(path: tuple[str, ...], prop: dict) -> str | None:
    """The PII kind of a property that holds personal data — not one that only describes, flags,
    counts or links to it (emailVerified, addressType, addressCount, _links.address)."""
    name = path[-1]
    kind = pii_kind(name, prop)
    if not kind or any(part.lower() in ("_links", "links") for part in path):
        return None
    declared = prop.get("type")
    types = set(declared) if isinstance(declared, list) else {declared}
    if "boolean" in types or _NOT_THE_DATA.search(name):
        return None
    if kind != "birth-date" and _A_DATE_ABOUT_IT.search(name) and not name.lower().endswith("data"):
        return None
    if types & {"integer", "number"} and not types & {"string", "object"}:
        return None
    return kind


def pii_properties(spec: Spec, schemas: list[Located], seen: set[int] | None = None) -> list[tuple[str, str]]:
    """(dotted property path, PII kind) of the properties holding personal data in the given
    schemas (from request_schemas, response_schemas, or (spec.key, a schema) for components)."""
    found = {}
    for schema in schemas:
        for path, prop in schema_properties(spec, schema, seen):
            kind = personal_data_kind(path, prop)
            if kind:
                found.setdefault(".".join(path), kind)
    return sorted(found.items())


# -- operation intent ----------------------------------------------------------------------------------

def text_of(op: Operation) -> str:
    """Everything that names what an operation does, lower-cased, for keyword matching."""
    words = " ".join([op.path, op.operation_id, op.summary, " ".join(op.tags)])
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", words)  # createOrder -> create Order
    return words.lower()


def mentions(op: Operation, pattern: str) -> bool:
    return re.search(pattern, text_of(op)) is not None


# Shipment words for JRN005 (the other operation words live in machaudit.capabilities.vocabulary).
SHIPMENT_WORDS = r"shipment|shipping|versand|sendung|lieferung|delivery|fulfil"


def pointer(op: Operation, *parts: str) -> str:
    return op.pointer + "".join("/" + escape_pointer_token(p) for p in parts)
