"""openapi-spec-validator, run on documents we already read, with `$ref`s served from our store.

The validator would otherwise fetch any URL a `$ref` names (requests/urllib) and stop at the first
unresolvable one; here it only ever sees documents the store has read inside the audited roots.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit
from pathlib import Path
from typing import Any, Iterator

from machaudit.findings import Location, to_pointer
from machaudit.sources.documents import DocumentError
from machaudit.sources.store import DocumentStore, is_url


@dataclass(frozen=True)
class ValidationIssue:
    pointer: str
    message: str
    location: Location | None = None  # filled in where the text is at hand (workers, cache)
    keyword: str = ""  # the validator keyword that failed ("type", "format", "required" …; "" for the rules)
    # The validator's own errors this issue reports, each (its path as the library gives it, relative
    # to the object a keyword validator was handed; its message) with how often the library yielded
    # it. Not cached: for the parity test (tests/test_validator_parity.py).
    origins: tuple[tuple[tuple[str, str], int], ...] = field(default=(), compare=False)


def spec_version(data: Any) -> str:
    """"2.0", "3.0.3", "3.1.0", "3.2.0" … or "" when the document is not OpenAPI/Swagger."""
    if not isinstance(data, dict):
        return ""
    for keyword in ("openapi", "swagger"):
        value = data.get(keyword)
        if isinstance(value, (str, int, float)) and str(value).strip():
            return str(value).strip()
    return ""


class _StoreHandlers(dict):
    """Resolver handlers for every URI scheme, all backed by the store."""

    def __init__(self, store: DocumentStore):
        super().__init__()
        self.store = store

    def __contains__(self, scheme: object) -> bool:
        return True

    def __getitem__(self, scheme: str):
        return self._read

    def _read(self, uri: str) -> Any:
        from urllib.request import url2pathname  # (urllib.request imports http.client: not at startup)

        key = self.store.map_url(uri) if is_url(uri) else os.path.normpath(url2pathname(urlsplit(uri).path))
        if not self.store.inside_roots(key) or (is_url(key) and not self.store.allow_remote_refs):
            raise DocumentError(f"{uri} is outside what may be read")
        return self.store.load(key)


def _validator_class(version: str):
    from machaudit.sources import validator_speedups

    validator_speedups.prepare()
    from openapi_spec_validator import (
        OpenAPIV2SpecValidator,
        OpenAPIV30SpecValidator,
        OpenAPIV31SpecValidator,
    )

    if version.startswith("2"):
        return OpenAPIV2SpecValidator
    if version.startswith("3.0"):
        return OpenAPIV30SpecValidator
    if version.startswith("3.1"):
        return OpenAPIV31SpecValidator
    if version.startswith("3.2"):
        try:
            from openapi_spec_validator import OpenAPIV32SpecValidator
        except ImportError:
            return None
        return OpenAPIV32SpecValidator
    return None


def validate(store: DocumentStore, key: str, data: Any, version: str, refs_ok: bool) -> list[ValidationIssue]:
    """All validator errors for one root document, each with the JSON pointer it is about.

    When some `$ref` does not resolve (already reported as SPC003) the validator's second phase,
    which follows references, stops at it; the errors found until then are kept. So it does when
    the spec has used up `Limits.validation_steps` (`_spend`), with one issue saying so.
    """
    cls = _validator_class(version)
    if cls is None:
        return [ValidationIssue("/openapi", f"OpenAPI {version} is not supported by the installed openapi-spec-validator; structure not validated")]
    global _steps_left
    base_uri = key if is_url(key) else Path(key).as_uri()
    validator_type = _store_validator(cls, store)
    issues: list[ValidationIssue] = []
    absorbed: list[Counter] = []  # per issue: the library's errors it reports, and how often
    steps = store.limits.validation_steps
    try:
        _steps_left = steps
        validator = validator_type(data, base_uri=base_uri)
        seen: dict[tuple[str, str, str], int] = {}  # what an issue says -> its index in `issues`
        for error in _errors(validator):
            path = list(getattr(error, "absolute_path", None) or [])
            pointer, message = getattr(error, _ORIGIN, None) or (to_pointer(path), getattr(error, "message", str(error)))
            origin = (pointer, _short(message))
            error, deeper = _most_relevant(error)
            keyword = getattr(error, "validator", "")
            issue = ValidationIssue(to_pointer(path + deeper), _message(error),
                                    keyword=keyword if isinstance(keyword, str) else "")
            # jsonschema reports an error again for every path of `$ref`s that leads to it (a default
            # under an `allOf` fan-out: thousands of times); and both phases report a `pattern` that
            # is no regex to either engine, quoted as JSON by one and as Python by the other: once
            # says it.
            said = (issue.pointer, issue.keyword, issue.message.replace('"', "'"))
            if said not in seen:
                seen[said] = len(issues)
                issues.append(issue)
                absorbed.append(Counter())
            absorbed[seen[said]][origin] += 1
    except ValidationBudgetExceeded:
        issues.append(ValidationIssue("", f"validation stopped: the spec needs more than {steps:,} validation "
                                          f"steps ([limits] validation-steps); the errors found until then are reported"))
    except RecursionError as exc:
        if refs_ok:  # otherwise a circular $ref (reported as SPC003) is the cause
            issues.append(ValidationIssue("", "validation stopped: the document nests too deeply for the validator",
                                          origins=((stopped_origin(exc), 1),)))
    except Exception as exc:  # the validator's own failures (bad $ref target, odd values)
        if refs_ok:
            issues.append(ValidationIssue("", f"validation stopped: {type(exc).__name__}: {_short(str(exc))}",
                                          origins=((stopped_origin(exc), 1),)))
    finally:
        _steps_left = math.inf
        _release_validator_cache(cls)
    for index, origins in enumerate(absorbed):
        issues[index] = replace(issues[index], origins=tuple(origins.items()))
    return issues


def stopped_origin(exc: BaseException) -> tuple[str, str]:
    """The origin of "validation stopped": the exception the validator raised instead of an error."""
    return ("", f"raised {type(exc).__name__}")


_BASE = "_machaudit_base"
_ORIGIN = "_machaudit_origin"
_BRANCH = "_machaudit_branch"  # of a jsonschema-rs sub-error: the index of its oneOf/anyOf branch


class ValidationBudgetExceeded(Exception):
    """Raised from inside the validator when a spec has used up `Limits.validation_steps`."""


_steps_left: float = math.inf  # of the spec being validated (one at a time per process)


def _spend() -> None:
    """One step of validation work: a keyword validator's call (a schema, a parameter, a path …),
    a schema visited while collecting an `allOf`'s properties, a JSON Schema keyword applied to a
    default value."""
    global _steps_left
    _steps_left -= 1
    if _steps_left < 0:
        raise ValidationBudgetExceeded


def _store_validator(cls, store: DocumentStore):
    """The validator class with refs served by the store, and errors that know where they are.

    The validator's keyword phase validates sub-objects (a schema, a parameter) and reports paths
    relative to them; each keyword validator here stamps its errors with the object's path in
    the document, so every error gets a full JSON pointer and thus a line.
    """
    # The "default" validator checks a schema's default value: its errors are about `.../default`.
    keywords = {name: _located(kw, ("default",) if name == "default" else ())
                for name, kw in cls.keyword_validators.items()}
    return type(f"Store{cls.__name__}", (cls,), {
        "resolver_handlers": _StoreHandlers(store),
        "keyword_validators": keywords,
        "schema_validator": _schema_validator(cls),
    })


_SCHEMA_VALIDATORS: dict[tuple[type, bool], Any] = {}


def _schema_validator(cls):
    """The JSON Schema phase, with the backend openapi-spec-validator picks (`get_validator_backend`):
    its errors are the library's errors, the same count and paths, and the same regex engine
    deciding which `pattern` is "not a regex" (jsonschema-rs follows ECMA-262, Python's `re` does
    not: `\\d{1-5}` is a literal to one and an error to the other)."""
    from machaudit.sources import validator_speedups

    key = (cls, validator_speedups.enabled())
    if key not in _SCHEMA_VALIDATORS:
        from openapi_spec_validator.schemas import get_validator_backend
        from openapi_spec_validator.schemas.backend.jsonschema import create_validator as python_validator

        schema = dict(_schema_of(cls))
        if get_validator_backend() == "jsonschema-rs":
            _SCHEMA_VALIDATORS[key] = _RustSchemaPhase(schema)
        else:
            _SCHEMA_VALIDATORS[key] = validator_speedups.crawled(schema) or python_validator(schema)
    return _SCHEMA_VALIDATORS[key]


def _schema_of(cls):
    from machaudit.sources import validator_speedups

    name = {"OpenAPIV2SpecValidator": "schema_v2", "OpenAPIV30SpecValidator": "schema_v30",
            "OpenAPIV31SpecValidator": "schema_v31", "OpenAPIV32SpecValidator": "schema_v32"}[cls.__name__]
    return validator_speedups.openapi_schema(name)


class _RustSchemaPhase:
    """jsonschema-rs, built as openapi-spec-validator builds it (`validator_cls_for(schema)(schema)`),
    with its errors turned into jsonschema errors that keep what the library's adapter drops: the
    sub-errors of a `oneOf`/`anyOf`, from which `_most_relevant` picks the message."""

    def __init__(self, schema):
        import jsonschema_rs

        self.rust = jsonschema_rs.validator_cls_for(schema)(schema)

    def iter_errors(self, instance):
        if self.rust.is_valid(instance):  # the usual case, answered without building errors
            return
        for error in self.rust.iter_errors(instance):
            yield _from_rust(error)


def _from_rust(error, parent_path: tuple = (), branch: int | None = None):
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    path = tuple(error.instance_path)
    schema_path = list(error.schema_path)
    kind = getattr(error, "kind", None)  # (older jsonschema-rs: no sub-errors, the top message only)
    context = [_from_rust(sub, path, index) for index, branch in enumerate(getattr(kind, "context", None) or ())
               for sub in branch]
    value = getattr(kind, "options", None) if type(kind).__name__ == "Enum" else None
    # An OpenAPIValidationError already, so the library's wrapper keeps this object and its origin.
    converted = OpenAPIValidationError(
        error.message, validator=schema_path[-1] if schema_path else "", path=path[len(parent_path):],
        context=context, validator_value=value, instance=getattr(error, "instance", None), schema_path=schema_path)
    setattr(converted, _ORIGIN, (to_pointer(list(path)), error.message))
    setattr(converted, _BRANCH, branch)
    return converted


_UNKNOWN = object()


def _located(keyword_cls, suffix: tuple[str, ...] = ()):
    from machaudit.sources import validator_speedups

    walk = keyword_cls.__call__

    def __call__(self, *args, **kwargs):
        _spend()
        base = _UNKNOWN  # worked out at the first error: most calls have none
        for error in walk(self, *args, **kwargs):
            if base is _UNKNOWN:
                base = next((tuple(a.parts) + suffix for a in args if hasattr(a, "parts")), None)
            # The innermost validator knows where the error is; prefix its path in place (the
            # validator later copies errors, keeping `path` but not extra attributes).
            if base is not None and not getattr(error, _BASE, False) and hasattr(error, "path"):
                if not isinstance(error, _validation_error()):
                    error = _validation_error().create_from(error)  # as the library's wrapper would, keeping our marks
                origin = getattr(error, _ORIGIN, None) or (to_pointer(list(error.path)), error.message)
                error.path.extendleft(reversed(base))
                try:
                    setattr(error, _BASE, True)
                    setattr(error, _ORIGIN, origin)
                except AttributeError:
                    pass
            yield error

    members = {"__call__": __call__, **validator_speedups.keyword_overrides(keyword_cls, _spend)}
    value_validator = getattr(keyword_cls, "value_validator_cls", None)
    if isinstance(value_validator, type):  # the "default" keyword: a JSON Schema validator class
        members["value_validator_cls"] = _counting(value_validator)
    return type(keyword_cls.__name__, (keyword_cls,), members)


@functools.cache
def _validation_error():
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    return OpenAPIValidationError


@functools.cache
def _counting(validator_cls):
    """The JSON Schema validator class that checks default values, spending a step for every
    keyword it applies: jsonschema follows each `$ref` of an `allOf` again, without memo, so a
    default on an `allOf` fan-out costs ten times more per level."""
    from jsonschema.validators import extend

    def counted(keyword):
        def apply(validator, value, instance, schema):
            _spend()
            return keyword(validator, value, instance, schema)

        return apply

    return extend(validator_cls, {name: counted(keyword) for name, keyword in validator_cls.VALIDATORS.items()})


def _errors(validator) -> Iterator[Any]:
    yield from validator.iter_errors()


def _most_relevant(error: Any) -> tuple[Any, list]:
    """For "not valid under any of the given schemas", the sub-error that says what is wrong:
    the deepest one of the branches meant, ignoring the branch that wanted a `$ref` instead."""
    best, best_path = error, []
    # (sub-error, its path below `error`, the error whose alternative it is, its branch there)
    stack = [(sub, list(sub.relative_path), id(error), _branch(sub))
             for sub in _meant(getattr(error, "context", None) or ())]
    visited = []
    while stack:
        sub, path, parent, branch = stack.pop()
        if _wants_ref(sub):
            continue
        visited.append((sub, path, parent, branch))
        # deeper is more specific; at the same depth, an error of its own beats "not valid under
        # any of the given schemas"
        if best is error or len(path) > len(best_path) or (
                len(path) == len(best_path) and getattr(best, "context", None) and not sub.context):
            best, best_path = sub, path
        stack.extend((s, path + list(s.relative_path), id(sub), _branch(s)) for s in _meant(sub.context or ()))
    return _alternatives(best, best_path, visited), best_path


def _alternatives(best: Any, path: list, visited: list) -> Any:
    """Where alternatives fail at the same place, what any of them would take: every value an
    `enum` there allows (`'querie' is not one of [...]`, `'file' is not one of [...]` for a `type`),
    or the properties alternatives of one `oneOf`/`anyOf` require (`one of 'content', 'schema' is a
    required property`: Schema XOR Content)."""
    here = [(sub, parent, branch) for sub, sub_path, parent, branch in visited if sub_path == path]
    allowed: list = []
    for sub, _, _ in here:
        if sub.validator == "enum" and isinstance(sub.validator_value, list):
            allowed += [v for v in sub.validator_value if v not in allowed]
    if len(allowed) > 1:
        return _Message(f"{best.instance!r} is not one of {sorted(allowed, key=str)!r}", "enum")
    required = [(sub, parent, branch) for sub, parent, branch in here if sub.validator == "required"]
    if best.validator != "required" or len({parent for _, parent, _ in required}) != 1 \
            or len({branch for _, _, branch in required}) < 2:
        return best  # not alternatives of one choice (a required list of one schema: all are needed)
    names = []
    for sub, _, _ in required:
        found = _REQUIRED.match(sub.message)
        if found and found.group(1) not in names:
            names.append(found.group(1))
    return _Message(f"one of {', '.join(repr(n) for n in names)} is a required property", "required") \
        if len(names) > 1 else best


_REQUIRED = re.compile(r"""^['"](.*)['"] is a required property$""")


def _meant(context) -> list:
    """The sub-errors of the `oneOf`/`anyOf` branches the object may be meant for. Not the branch
    that wants a `$ref` (the object has none), nor one whose discriminating property does not match
    (one level down, checked by `enum`/`const`: a Swagger parameter's `in: query` against the body
    parameter's `in: [body]`): that is another kind of object, whose errors would name the wrong
    fix. All branches when every one is ruled out so (`in: querie`)."""
    ruled_out = {_branch(sub) for sub in context if _mismatched(sub) or _wants_ref(sub)}
    meant = [sub for sub in context if _branch(sub) not in ruled_out]
    return meant or list(context)


def _mismatched(sub) -> bool:
    """A discriminating property that does not match: `enum`/`const` one level down, or a choice
    on the same object all of whose alternatives mismatch so (Swagger's non-body parameter)."""
    if sub.validator in ("enum", "const"):
        return len(sub.relative_path) == 1
    context = getattr(sub, "context", None)
    if not context or len(sub.relative_path) != 0:
        return False
    branches: dict[Any, bool] = {}
    for inner in context:
        branches[_branch(inner)] = branches.get(_branch(inner), False) or _mismatched(inner) or _wants_ref(inner)
    return all(branches.values())


def _wants_ref(sub) -> bool:
    """The error of the branch that would take a Reference Object (`$ref`) instead."""
    return sub.validator == "required" and ("'$ref'" in sub.message or '"$ref"' in sub.message)


def _branch(sub) -> Any:
    """Which branch of its parent's `oneOf`/`anyOf` a sub-error comes from."""
    branch = getattr(sub, _BRANCH, None)
    if branch is None:  # jsonschema: the branch's index starts the path in the parent's schema
        schema_path = getattr(sub, "relative_schema_path", None)
        branch = schema_path[0] if schema_path else None
    return branch


class _Message:
    def __init__(self, message: str, validator: str):
        self.message = message
        self.validator = validator


def _message(error: Any) -> str:
    message = getattr(error, "message", None) or str(error)
    instance = getattr(error, "instance", None)
    if isinstance(instance, (dict, list)):
        # A whole object shown (repr'd by jsonschema, JSON with sorted keys by jsonschema-rs) says
        # less than its location.
        for shown in (repr(instance), _compact_json(instance)):
            if shown and message.startswith(shown):
                message = ("the object" if isinstance(instance, dict) else "the list") + message[len(shown):]
                break
    return _short(message)


def _compact_json(value: Any) -> str:
    import json

    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return ""


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _release_validator_cache(cls) -> None:
    from machaudit.sources import validator_speedups

    validator_speedups.release_cache(cls)
