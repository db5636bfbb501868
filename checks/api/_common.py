"""Shared by the API checks: which specs to judge, the APIs whose definition is missing, and small
readers of raw spec nodes (response headers, top-level schema shape, parameter names)."""

from __future__ import annotations

import re
from typing import Any, Iterator

from machaudit.model import Entity, Operation, Spec, is_openapi_type
from machaudit.spec_analysis import Located, operation_node, resolve

def is_openapi_api(api: Entity) -> bool:
    return is_openapi_type(api.type)


def openapi_specs(ctx) -> list[Spec]:
    """Readable OpenAPI/Swagger root specs, in a stable order."""
    return sorted((s for s in ctx.stack.specs.values() if s.parsed and s.version and s.is_openapi),
                  key=lambda s: s.display)


def definition_gaps(ctx, what: str) -> Iterator[Any]:
    """An unknown result for every OpenAPI API entity whose definition is missing or unreadable:
    `what` says what could not be judged ("whether it is versioned")."""
    for api in sorted(ctx.stack.apis, key=lambda e: e.ref):
        if not is_openapi_api(api):
            continue
        spec = ctx.stack.spec_of(api)
        if not api.spec_file:
            yield ctx.unknown(api.ref, f"API {api.label} has no spec.definition, so {what} cannot be judged", api.location)
        elif spec is None or not spec.parsed or not spec.version:
            shown = spec.display if spec else api.spec_file
            yield ctx.unknown(api.ref, f"the definition of API {api.label} ({shown}) could not be read, "
                                       f"so {what} cannot be judged", api.location)


def apis_of(ctx, spec: Spec) -> list[Entity]:
    return sorted(ctx.stack.apis_of_spec(spec.key), key=lambda e: e.ref)


def providers_of_spec(ctx, spec: Spec) -> list[Entity]:
    out: dict[str, Entity] = {}
    for api in apis_of(ctx, spec):
        for provider in ctx.stack.providers_of(api.ref):
            out[provider.ref] = provider
    return [out[k] for k in sorted(out)]


def is_saas(component: Entity) -> bool:
    hosting = component.annotation("hosting").strip().lower()
    return component.type == "saas" or hosting == "saas"


def only_inferred(ctx, spec: Spec) -> bool:
    """No catalog entity declares this spec: it stands alone (an inferred API, or none)."""
    return all(a.inferred for a in apis_of(ctx, spec))


# -- raw spec nodes -----------------------------------------------------------------------------------

def responses_of(spec: Spec, op: Operation) -> list[tuple[str, str, dict]]:
    """(status code, document key, resolved response object) for every declared response."""
    key, node = operation_node(spec, op)
    responses = node.get("responses") if isinstance(node.get("responses"), dict) else {}
    out = []
    for code, raw in responses.items():
        response_key, response = resolve(spec, raw, key)
        if isinstance(response, dict):
            out.append((str(code), response_key, response))
    return out


def response_header_names(spec: Spec, op: Operation, success_only: bool = False) -> set[str]:
    """Lower-cased names of the headers the operation's responses declare."""
    names = set()
    for code, _, response in responses_of(spec, op):
        if success_only and not code.startswith("2"):
            continue
        headers = response.get("headers")
        if isinstance(headers, dict):
            names |= {str(h).lower() for h in headers}
    return names


def media_types(spec: Spec, op: Operation) -> set[str]:
    """Every request and response media type the operation names (Swagger 2.0 produces/consumes
    included, with the document-wide defaults)."""
    key, node = operation_node(spec, op)
    out: set[str] = set()
    for field in ("produces", "consumes"):
        values = node.get(field, (spec.data or {}).get(field))
        if isinstance(values, list):
            out |= {str(v) for v in values}
    body_key, body = resolve(spec, node.get("requestBody"), key)
    if isinstance(body, dict) and isinstance(body.get("content"), dict):
        out |= {str(m) for m in body["content"]}
    for _, _, response in responses_of(spec, op):
        if isinstance(response.get("content"), dict):
            out |= {str(m) for m in response["content"]}
    return out


def schema_shape(spec: Spec, located: Located, depth: int = 0) -> tuple[str, Any]:
    """("array", items) / ("object", {property name: located schema}) / ("", None) for a schema,
    following $ref and allOf (properties merged) and a oneOf/anyOf with a single branch."""
    key, node = located
    key, node = resolve(spec, node, key)
    if not isinstance(node, dict) or depth > 8:
        return "", None
    types = node.get("type")
    types = set(types) if isinstance(types, list) else {types}
    if "array" in types or ("items" in node and "properties" not in node):
        return "array", (key, node.get("items"))
    properties: dict[str, Located] = {}
    if isinstance(node.get("properties"), dict):
        properties.update({str(k): (key, v) for k, v in node["properties"].items()})
    for sub in node.get("allOf") or []:
        kind, value = schema_shape(spec, (key, sub), depth + 1)
        if kind == "object":
            for name, prop in value.items():
                properties.setdefault(name, prop)
        elif kind == "array" and not properties:
            return kind, value
    for combinator in ("oneOf", "anyOf"):
        branches = node.get(combinator)
        if isinstance(branches, list) and len(branches) == 1:
            kind, value = schema_shape(spec, (key, branches[0]), depth + 1)
            if kind == "array" and not properties:
                return kind, value
            if kind == "object":
                for name, prop in value.items():
                    properties.setdefault(name, prop)
    if properties or "object" in types:
        return "object", properties
    return "", None


def normalise_name(name: str) -> str:
    """`page[size]`, `page_size`, `Page-Size`, `$top` -> `pagesize`, `top`."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def path_words(segment: str) -> list[str]:
    """Words of a path segment: `salesOrders` -> [sales, orders], `shipping-options` -> [shipping, options]."""
    segment = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", segment)
    return [w for w in re.split(r"[^A-Za-z0-9äöüÄÖÜß]+", segment.lower()) if w]


def literal_segments(path: str) -> list[str]:
    """Path segments that are not `{parameters}`."""
    return [s for s in path.strip("/").split("/") if s and not (s.startswith("{") and s.endswith("}"))]


def short_list(items, limit: int = 5) -> str:
    items = list(items)
    text = ", ".join(str(i) for i in items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")
