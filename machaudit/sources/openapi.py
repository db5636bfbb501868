"""Read one root spec into a `Spec`: parse, resolve refs, validate, extract operations."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from machaudit.findings import Location, escape_pointer_token
from machaudit.model import AUDIENCE_EXTENSION, HTTP_METHODS, Operation, Parameter, Spec, SpecProblem
from machaudit.sources.documents import DocumentError
from machaudit.sources.refs import RefError, check_refs, follow, locate, spec_problems
from machaudit.spec_text import display_text
from machaudit.sources.store import DocumentStore, SpecDocuments
from machaudit.sources.validate import ValidationIssue, spec_version


def read_spec(store: DocumentStore, key: str) -> Spec:
    """Parse a root spec, follow its refs, extract its operations. Validation is separate
    (`ValidationRun`, then `with_validation`) so that it can run in parallel and be cached."""
    display = store.display(key)
    try:
        data = store.load(key)
    except DocumentError as exc:
        location = Location(display, "", exc.line, exc.column)
        return Spec(key, display, problems=(SpecProblem("unparseable", exc.message, location),), files=(key,))
    version = spec_version(data)
    if not version:
        what = type(data).__name__ if not isinstance(data, dict) else "a mapping without an openapi or swagger field"
        problem = SpecProblem(
            "unparseable", f"not an OpenAPI or Swagger document ({what})", store.locate(key, "")
        )
        return Spec(key, display, problems=(problem,), files=(key,))

    files, ref_problems = check_refs(store, key)
    problems = spec_problems(store, key, ref_problems)
    if not (version.startswith("2") or version.startswith("3.")):
        problems.append(
            SpecProblem("unparseable", f"unknown OpenAPI version {version!r}", store.locate(key, "/openapi"))
        )

    info = data.get("info") if isinstance(data.get("info"), dict) else {}
    return Spec(
        key=key,
        display=display,
        version=version,
        title=_text(info.get("title")),
        api_version=_text(info.get("version")),
        servers=_servers(data),
        operations=tuple(_operations(store, key, data)),
        events=tuple(_events(store, key, data)),
        audience_statements=_audience_statements(store, key, data, info),
        problems=tuple(problems),
        files=tuple(files),
        documents=SpecDocuments(store, [k for k in files if store.parses(k)]),
    )


def validatable(spec: Spec) -> bool:
    return spec.parsed and spec.is_openapi and (spec.version.startswith("2") or spec.version.startswith("3."))


def with_validation(store: DocumentStore, spec: Spec, issues: list[ValidationIssue]) -> Spec:
    """The spec with the validator's issues added as "invalid" problems, located by pointer."""
    invalid = tuple(SpecProblem("invalid", i.message, i.location or locate(store, spec.key, i.pointer),
                                pointer=i.pointer, keyword=i.keyword)
                    for i in issues)
    return replace(spec, problems=spec.problems + invalid) if invalid else spec


def _text(value: Any) -> str:
    return display_text(value)  # an intrinsic function (a CloudFormation fragment) as text, not a repr


def _servers(data: dict) -> tuple[str, ...]:
    if data.get("swagger"):
        host = _text(data.get("host"))
        if not host:
            return ()
        schemes = data.get("schemes") if isinstance(data.get("schemes"), list) else ["https"]
        return tuple(f"{s}://{host}{_text(data.get('basePath'))}" for s in schemes if isinstance(s, str))
    servers = data.get("servers")
    if not isinstance(servers, list):
        return ()
    return tuple(_text(s.get("url")) for s in servers if isinstance(s, dict) and s.get("url"))


def _deref(store: DocumentStore, key: str, node: Any) -> tuple[str, Any]:
    try:
        return follow(store, key, node)
    except RefError:
        return key, None


def _operations(store: DocumentStore, key: str, data: dict):
    paths = data.get("paths")
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        yield from _item_operations(store, key, data, item, str(path), f"/paths/{escape_pointer_token(path)}")


def _audience_statements(store: DocumentStore, key: str, data: dict, info: dict) -> dict[str, str]:
    """`x-machaudit-audience` of the document (in `info` or at the top, key "") and of each path
    item (by path), read now so that who calls what is known without the document in memory."""
    found = {}
    document = info.get(AUDIENCE_EXTENSION) or data.get(AUDIENCE_EXTENSION)
    if isinstance(document, str):
        found[""] = document
    paths = data.get("paths")
    for path, item in (paths.items() if isinstance(paths, dict) else ()):
        item = _deref(store, key, item)[1]
        if isinstance(item, dict) and isinstance(item.get(AUDIENCE_EXTENSION), str):
            found[str(path)] = item[AUDIENCE_EXTENSION]
    return found


def _events(store: DocumentStore, key: str, data: dict):
    """Requests the API sends rather than serves: 3.1 `webhooks` and every operation's `callbacks`,
    each an operation with kind "webhook"/"callback" and direction "outbound"."""
    webhooks = data.get("webhooks")
    for name, item in (webhooks.items() if isinstance(webhooks, dict) else ()):
        yield from _item_operations(store, key, data, item, str(name), f"/webhooks/{escape_pointer_token(name)}",
                                    kind="webhook")
    paths = data.get("paths")
    for path, item in (paths.items() if isinstance(paths, dict) else ()):
        item_key, item = _deref(store, key, item)
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            callbacks = op.get("callbacks") if isinstance(op, dict) else None
            if not isinstance(callbacks, dict):
                continue
            base = f"/paths/{escape_pointer_token(path)}/{method}/callbacks"
            for name, callback in callbacks.items():
                callback_key, callback = _deref(store, item_key, callback)
                if not isinstance(callback, dict):
                    continue
                for expression, cb_item in callback.items():
                    pointer = f"{base}/{escape_pointer_token(name)}/{escape_pointer_token(expression)}"
                    yield from _item_operations(store, callback_key, data, cb_item, str(expression), pointer,
                                                kind="callback", spec_key=key)


def _item_operations(store: DocumentStore, key: str, data: dict, item, path: str, item_pointer: str,
                     kind: str = "", spec_key: str = ""):
    """The operations of one path item (`key` is the document it sits in)."""
    item_key, item = _deref(store, key, item)
    if not isinstance(item, dict):
        return
    shared_params = item.get("parameters") if isinstance(item.get("parameters"), list) else []
    for method in HTTP_METHODS:
        op = item.get(method)
        if not isinstance(op, dict):
            continue
        params = _parameters(store, item_key, shared_params, op.get("parameters"))
        responses = op.get("responses") if isinstance(op.get("responses"), dict) else {}
        security = op.get("security", data.get("security"))
        tags = op.get("tags") if isinstance(op.get("tags"), list) else []
        yield Operation(
            spec_file=spec_key or key,
            method=method.upper(),
            path=path,
            pointer=f"{item_pointer}/{method}",
            operation_id=_text(op.get("operationId")),
            summary=_text(op.get("summary")),
            description=_text(op.get("description")),
            tags=tuple(_text(t) for t in tags if isinstance(t, (str, int))),
            parameters=params,
            responses=tuple(str(code) for code in responses),
            deprecated=op.get("deprecated") is True,
            security=_security(security),
            scopes=_scopes(security),
            extensions={k: v for k, v in op.items() if isinstance(k, str) and k.startswith("x-")},
            kind=kind,
            direction="outbound" if kind else "",
        )


def _parameters(store: DocumentStore, key: str, shared: list, own: Any) -> tuple[Parameter, ...]:
    merged: dict[tuple[str, str], Parameter] = {}
    for raw in list(shared) + (own if isinstance(own, list) else []):
        _, param = _deref(store, key, raw)
        if not isinstance(param, dict) or not isinstance(param.get("name"), str):
            continue
        where = _text(param.get("in"))
        merged[(param["name"].lower(), where)] = Parameter(param["name"], where, param.get("required") is True)
    return tuple(merged.values())


def _scopes(value: Any) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        return ()
    return tuple(tuple(str(s) for scopes in req.values() if isinstance(scopes, list) for s in scopes)
                 if isinstance(req, dict) else () for req in value)


def _security(value: Any) -> tuple[tuple[str, ...], ...] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        return None
    return tuple(tuple(str(k) for k in req) if isinstance(req, dict) else () for req in value)
