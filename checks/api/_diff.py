"""Breaking changes between two versions of one OpenAPI spec, as a pure function (used by API009).

Compared, from a consumer's point of view (what breaks a client built against `old`):
- removed-operation: a method + path of `old` that `new` no longer has (path parameter names do
  not matter: `/orders/{id}` and `/orders/{orderId}` are the same operation);
- new-required-parameter: a query/header/cookie parameter that is required in `new` and was
  absent or optional in `old`; a request body that is required where `old` had none;
- new-required-property: a request body property that `new` requires and `old` did not;
- removed-response-property: a property of a successful response that `new` no longer declares;
- narrowed-enum: a parameter or request property whose enum lost values, or that gained an enum
  where `old` accepted any value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from machaudit.model import Operation, Spec
from machaudit.spec_analysis import Located, operation_node, request_schemas, resolve, response_schemas

MAX_DEPTH = 8
MAX_NODES = 5000

KINDS = ("removed-operation", "new-required-parameter", "new-required-property",
         "removed-response-property", "narrowed-enum")


@dataclass(frozen=True)
class Change:
    kind: str  # one of KINDS
    method: str
    path: str  # as written in the spec the change is located in (new; old for removed operations)
    detail: str  # plain words
    pointer: str  # JSON pointer in that spec
    in_old: bool = False  # the pointer is into the old spec (removed operations)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def operation_key(op: Operation) -> tuple[str, str]:
    return op.method, re.sub(r"\{[^}]*\}", "{}", op.path.rstrip("/") or "/")


def breaking_changes(old: Spec, new: Spec) -> list[Change]:
    """Every breaking change from `old` to `new`, in a stable order."""
    new_ops = {operation_key(op): op for op in new.operations}
    changes: list[Change] = []
    for old_op in old.operations:
        new_op = new_ops.get(operation_key(old_op))
        if new_op is None:
            changes.append(Change("removed-operation", old_op.method, old_op.path,
                                  f"{old_op.label} was removed", old_op.pointer, in_old=True))
            continue
        changes += _parameter_changes(old, old_op, new, new_op)
        changes += _request_changes(old, old_op, new, new_op)
        changes += _response_changes(old, old_op, new, new_op)
    return changes


# -- parameters ------------------------------------------------------------------------------------

def _parameters(spec: Spec, op: Operation) -> dict[tuple[str, str], tuple[dict, str]]:
    """(name lower, in) -> (resolved parameter object, its pointer); path-item parameters first,
    the operation's own override them."""
    out: dict[tuple[str, str], tuple[dict, str]] = {}
    paths = (spec.data or {}).get("paths") or {}
    item_key, item = resolve(spec, paths.get(op.path))
    op_key, node = operation_node(spec, op)
    item_pointer = op.pointer.rsplit("/", 1)[0]
    sources = [(item_key, item.get("parameters") if isinstance(item, dict) else None, item_pointer),
               (op_key, node.get("parameters"), op.pointer)]
    for key, params, base in sources:
        for index, raw in enumerate(params if isinstance(params, list) else []):
            _, param = resolve(spec, raw, key)
            if isinstance(param, dict) and isinstance(param.get("name"), str) and param.get("in") != "body":
                out[(param["name"].lower(), str(param.get("in", "")))] = (param, f"{base}/parameters/{index}")
    return out


def _enum(spec: Spec, param: dict) -> set | None:
    if isinstance(param.get("enum"), list):  # Swagger 2.0
        return {_hashable(v) for v in param["enum"]}
    _, schema = resolve(spec, param.get("schema"))
    if isinstance(schema, dict) and isinstance(schema.get("enum"), list):
        return {_hashable(v) for v in schema["enum"]}
    if isinstance(schema, dict) and isinstance(schema.get("items"), dict):
        _, items = resolve(spec, schema["items"])
        if isinstance(items, dict) and isinstance(items.get("enum"), list):
            return {_hashable(v) for v in items["enum"]}
    return None


def _parameter_changes(old: Spec, old_op: Operation, new: Spec, new_op: Operation) -> list[Change]:
    changes = []
    old_params = _parameters(old, old_op)
    for key, (param, pointer) in _parameters(new, new_op).items():
        name, where = param["name"], key[1]
        before = old_params.get(key)
        if where != "path" and param.get("required") is True and (before is None or before[0].get("required") is not True):
            what = "new" if before is None else "formerly optional"
            changes.append(Change("new-required-parameter", new_op.method, new_op.path,
                                  f"{new_op.label} requires the {what} {where} parameter {name}", pointer))
        if before is not None:
            narrowed = _narrowing(_enum(old, before[0]), _enum(new, param))
            if narrowed:
                changes.append(Change("narrowed-enum", new_op.method, new_op.path,
                                      f"{where} parameter {name} of {new_op.label} {narrowed}", pointer))
    return changes


# -- request bodies ----------------------------------------------------------------------------------

def _request_changes(old: Spec, old_op: Operation, new: Spec, new_op: Operation) -> list[Change]:
    old_schemas, new_schemas = request_schemas(old, old_op), request_schemas(new, new_op)
    body_pointer = _body_pointer(new, new_op)
    if new_schemas and not old_schemas:
        if _body_required(new, new_op):
            return [Change("new-required-parameter", new_op.method, new_op.path,
                           f"{new_op.label} now requires a request body", body_pointer)]
        return []
    if not new_schemas or not old_schemas:
        return []
    before, after = _walk_all(old, old_schemas), _walk_all(new, new_schemas)
    changes = []
    for path in sorted(after.properties):
        parent, _, name = path.rpartition(".")
        if name in after.required.get(parent, set()) and name not in before.required.get(parent, set()):
            if parent and parent not in before.properties:
                continue  # a new optional object with a required field of its own breaks nobody
            changes.append(Change("new-required-property", new_op.method, new_op.path,
                                  f"{new_op.label} requires the request property {path}", body_pointer))
    for path in sorted(after.enums):
        if path in before.properties or path == "":
            narrowed = _narrowing(before.enums.get(path), after.enums[path])
            if narrowed:
                what = f"request property {path}" if path else "the request body"
                changes.append(Change("narrowed-enum", new_op.method, new_op.path,
                                      f"{what} of {new_op.label} {narrowed}", body_pointer))
    return changes


def _body_pointer(spec: Spec, op: Operation) -> str:
    key, node = operation_node(spec, op)
    if "requestBody" in node:
        return op.pointer + "/requestBody"
    for index, raw in enumerate(_list(node.get("parameters"))):
        _, param = resolve(spec, raw, key)
        if isinstance(param, dict) and param.get("in") == "body":
            return f"{op.pointer}/parameters/{index}"
    return op.pointer


def _body_required(spec: Spec, op: Operation) -> bool:
    key, node = operation_node(spec, op)
    _, body = resolve(spec, node.get("requestBody"), key)
    if isinstance(body, dict):
        return body.get("required") is True
    for raw in _list(node.get("parameters")):  # Swagger 2.0
        _, param = resolve(spec, raw, key)
        if isinstance(param, dict) and param.get("in") == "body":
            return param.get("required") is True
    return False


# -- responses -------------------------------------------------------------------------------------

def _response_changes(old: Spec, old_op: Operation, new: Spec, new_op: Operation) -> list[Change]:
    old_schemas = response_schemas(old, old_op)
    if not old_schemas:
        return []
    before, after = _walk_all(old, old_schemas), _walk_all(new, response_schemas(new, new_op))
    removed = sorted(p for p in before.properties if p and p not in after.properties)
    # the outermost removed property only: `address` removed implies `address.street` removed
    outermost = [p for p in removed if not any(p.startswith(q + ".") for q in removed)]
    return [Change("removed-response-property", new_op.method, new_op.path,
                   f"the response of {new_op.label} no longer has the property {p}", new_op.pointer + "/responses")
            for p in outermost]


# -- schema walking --------------------------------------------------------------------------------------

@dataclass
class Walk:
    properties: set[str] = field(default_factory=set)  # dotted paths ("" is the root)
    required: dict[str, set[str]] = field(default_factory=dict)  # path -> names required there
    enums: dict[str, set] = field(default_factory=dict)  # path -> allowed values


def _walk_all(spec: Spec, schemas: list[Located]) -> Walk:
    walk = Walk()
    for located in schemas:
        _walk(spec, located, walk)
    return walk


def _walk(spec: Spec, located: Located, walk: Walk) -> None:
    """Collect property paths, required names and enums through $ref, allOf/anyOf/oneOf and array
    items; a schema met again on its own ancestry (recursion) is not entered twice."""
    budget = [MAX_NODES]

    def visit(key: str, node: Any, path: str, ancestors: tuple[int, ...], depth: int) -> None:
        key, node = resolve(spec, node, key)
        if not isinstance(node, dict) or depth > MAX_DEPTH or budget[0] <= 0:
            return
        walk.properties.add(path)
        if id(node) in ancestors:
            return  # a recursive schema: the property is there, its contents were walked above
        budget[0] -= 1
        if isinstance(node.get("required"), list):
            walk.required.setdefault(path, set()).update(str(n) for n in node["required"] if isinstance(n, str))
        if isinstance(node.get("enum"), list):
            values = {_hashable(v) for v in node["enum"]}
            walk.enums[path] = walk.enums[path] | values if path in walk.enums else values
        ancestors = ancestors + (id(node),)
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name, prop in properties.items():
                visit(key, prop, f"{path}.{name}" if path else str(name), ancestors, depth + 1)
        for combinator in ("allOf", "anyOf", "oneOf"):
            branches = node.get(combinator)
            for sub in branches if isinstance(branches, list) else []:
                visit(key, sub, path, ancestors, depth + 1)
        if isinstance(node.get("items"), dict):
            visit(key, node["items"], path, ancestors, depth + 1)

    visit(located[0], located[1], "", (), 0)


def _narrowing(before: set | None, after: set | None) -> str:
    if after is None:
        return ""
    if before is None:
        return f"is now restricted to {_listing(after)}"
    lost = before - after
    return f"no longer accepts {_listing(lost)}" if lost else ""


def _listing(values: set) -> str:
    return ", ".join(sorted(repr(v) for v in values))


def _hashable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def _list(value) -> list:
    return value if isinstance(value, list) else []
