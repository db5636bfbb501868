"""openapi-spec-validator, run on documents we already read, with `$ref`s served from our store.

The validator would otherwise fetch any URL a `$ref` names (requests/urllib) and stop at the first
unresolvable one; here it only ever sees documents the store has read inside the audited roots.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
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

        key = uri if is_url(uri) else os.path.normpath(url2pathname(urlsplit(uri).path))
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
    steps = store.limits.validation_steps
    try:
        _steps_left = steps
        validator = validator_type(data, base_uri=base_uri)
        seen: set[ValidationIssue] = set()
        for error in _errors(validator):
            path = list(getattr(error, "absolute_path", None) or [])
            error, deeper = _most_relevant(error)
            issue = ValidationIssue(to_pointer(path + deeper), _message(error))
            # jsonschema reports an error again for every path of `$ref`s that leads to it (a default
            # under an `allOf` fan-out: thousands of times); once says it.
            if issue not in seen:
                seen.add(issue)
                issues.append(issue)
    except ValidationBudgetExceeded:
        issues.append(ValidationIssue("", f"validation stopped: the spec needs more than {steps:,} validation "
                                          f"steps ([limits] validation-steps); the errors found until then are reported"))
    except RecursionError:
        if refs_ok:  # otherwise a circular $ref (reported as SPC003) is the cause
            issues.append(ValidationIssue("", "validation stopped: the document nests too deeply for the validator"))
    except Exception as exc:  # the validator's own failures (bad $ref target, odd values)
        if refs_ok:
            issues.append(ValidationIssue("", f"validation stopped: {type(exc).__name__}: {_short(str(exc))}"))
    finally:
        _steps_left = math.inf
        _release_validator_cache(cls)
    return issues


_BASE = "_machaudit_base"


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
    """The JSON Schema phase: jsonschema-rs (compiled) answers "valid?" quickly; only a document it
    rejects goes through the pure-Python validator, whose errors carry the sub-errors and paths
    our messages are made of. Same findings, a fraction of the time for the (usual) valid spec."""
    from machaudit.sources import validator_speedups

    key = (cls, validator_speedups.enabled())
    if key not in _SCHEMA_VALIDATORS:
        from openapi_spec_validator.schemas import get_validator_backend
        from openapi_spec_validator.schemas.backend.jsonschema import create_validator as python_validator

        schema = dict(_schema_of(cls))
        fast = None
        if get_validator_backend() == "jsonschema-rs":
            from openapi_spec_validator.schemas.backend.jsonschema_rs import create_validator as rs_validator

            fast = rs_validator(schema)
        _SCHEMA_VALIDATORS[key] = _TwoStep(fast, validator_speedups.crawled(schema) or python_validator(schema))
    return _SCHEMA_VALIDATORS[key]


def _schema_of(cls):
    from openapi_spec_validator import schemas

    name = {"OpenAPIV2SpecValidator": "schema_v2", "OpenAPIV30SpecValidator": "schema_v30",
            "OpenAPIV31SpecValidator": "schema_v31", "OpenAPIV32SpecValidator": "schema_v32"}[cls.__name__]
    return getattr(schemas, name)


class _TwoStep:
    def __init__(self, fast, thorough):
        self.fast = fast
        self.thorough = thorough

    def iter_errors(self, instance):
        if self.fast is not None and self.fast.is_valid(instance):
            return iter(())
        return self.thorough.iter_errors(instance)


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
                error.path.extendleft(reversed(base))
                try:
                    setattr(error, _BASE, True)
                except AttributeError:
                    pass
            yield error

    members = {"__call__": __call__, **validator_speedups.keyword_overrides(keyword_cls, _spend)}
    value_validator = getattr(keyword_cls, "value_validator_cls", None)
    if isinstance(value_validator, type):  # the "default" keyword: a JSON Schema validator class
        members["value_validator_cls"] = _counting(value_validator)
    return type(keyword_cls.__name__, (keyword_cls,), members)


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
    the deepest one, ignoring the branch that wanted a `$ref` instead."""
    best, best_path = error, []
    allowed: list = []  # enum values of every branch that failed at the same place
    stack = [(sub, list(sub.relative_path)) for sub in (getattr(error, "context", None) or ())]
    while stack:
        sub, path = stack.pop()
        if sub.validator == "required" and "'$ref'" in sub.message:
            continue
        if best is error or len(path) > len(best_path):
            best, best_path = sub, path
            allowed = []
        if path == best_path and sub.validator == "enum" and isinstance(sub.validator_value, list):
            allowed += [v for v in sub.validator_value if v not in allowed]
        stack.extend((s, path + list(s.relative_path)) for s in (sub.context or ()))
    if len(allowed) > 1:
        best = _Message(f"{best.instance!r} is not one of {sorted(allowed, key=str)!r}")
    return best, best_path


class _Message:
    def __init__(self, message: str):
        self.message = message


def _message(error: Any) -> str:
    message = getattr(error, "message", None) or str(error)
    instance = getattr(error, "instance", None)
    if isinstance(instance, (dict, list)):
        shown = repr(instance)
        if message.startswith(shown):  # a whole object repr'd says less than its location
            message = ("the object" if isinstance(instance, dict) else "the list") + message[len(shown):]
    return _short(message)


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _release_validator_cache(cls) -> None:
    from machaudit.sources import validator_speedups

    validator_speedups.release_cache(cls)
