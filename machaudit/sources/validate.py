"""openapi-spec-validator, run on documents we already read, with `$ref`s served from our store.

The validator would otherwise fetch any URL a `$ref` names (requests/urllib) and stop at the first
unresolvable one; here it only ever sees documents the store has read inside the audited roots.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import os
from collections.abc import Mapping
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
    if speedups_enabled():
        _speed_up_path_lookups()
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
    which follows references, stops at it; the errors found until then are kept.
    """
    cls = _validator_class(version)
    if cls is None:
        return [ValidationIssue("/openapi", f"OpenAPI {version} is not supported by the installed openapi-spec-validator; structure not validated")]
    base_uri = key if is_url(key) else Path(key).as_uri()
    validator_type = _store_validator(cls, store)
    issues: list[ValidationIssue] = []
    try:
        validator = validator_type(data, base_uri=base_uri)
        for error in _errors(validator):
            path = list(getattr(error, "absolute_path", None) or [])
            error, deeper = _most_relevant(error)
            issues.append(ValidationIssue(to_pointer(path + deeper), _message(error)))
    except RecursionError:
        if refs_ok:  # otherwise a circular $ref (reported as SPC003) is the cause
            issues.append(ValidationIssue("", "validation stopped: the document nests too deeply for the validator"))
    except Exception as exc:  # the validator's own failures (bad $ref target, odd values)
        if refs_ok:
            issues.append(ValidationIssue("", f"validation stopped: {type(exc).__name__}: {_short(str(exc))}"))
    finally:
        _release_validator_cache(cls)
    return issues


_BASE = "_machaudit_base"


def speedups_enabled() -> bool:
    """MACHAUDIT_VALIDATOR_SPEEDUPS=0 runs openapi-spec-validator's keyword phase as shipped: the
    reference the accelerated path is compared with (tests/test_fast_path.py)."""
    return os.environ.get("MACHAUDIT_VALIDATOR_SPEEDUPS", "1") != "0"


@functools.cache
def _speed_up_path_lookups() -> None:
    """The validator walks the spec through pathable, which checks every step with `isinstance`
    against a runtime-checkable Protocol (about 10 µs each, a fifth of the walk on big specs).
    Our documents are plain dicts and lists, for which the answer is known: decide those first,
    hand anything else to pathable's own check."""
    try:
        from pathable.accessors import SubscriptableAccessor
    except ImportError:
        return
    general = SubscriptableAccessor.__dict__.get("_get_subnode")
    if not isinstance(general, classmethod):
        return  # a pathable we do not know: leave it alone
    general = general.__func__

    def _get_subnode(cls, node, part):
        if type(node) is dict or type(node) is list:
            try:
                return node[part]
            except (KeyError, IndexError, TypeError) as exc:
                raise KeyError(part) from exc
        return general(cls, node, part)

    SubscriptableAccessor._get_subnode = classmethod(_get_subnode)


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


_SCHEMA_VALIDATORS: dict[type, Any] = {}


def _schema_validator(cls):
    """The JSON Schema phase: jsonschema-rs (compiled) answers "valid?" quickly; only a document it
    rejects goes through the pure-Python validator, whose errors carry the sub-errors and paths
    our messages are made of. Same findings, a fraction of the time for the (usual) valid spec."""
    if cls not in _SCHEMA_VALIDATORS:
        from openapi_spec_validator.schemas import get_validator_backend
        from openapi_spec_validator.schemas.backend.jsonschema import create_validator as python_validator

        schema = dict(_schema_of(cls))
        fast = None
        if get_validator_backend() == "jsonschema-rs":
            from openapi_spec_validator.schemas.backend.jsonschema_rs import create_validator as rs_validator

            fast = rs_validator(schema)
        thorough = _crawled(schema) if speedups_enabled() else None
        _SCHEMA_VALIDATORS[cls] = _TwoStep(fast, thorough or python_validator(schema))
    return _SCHEMA_VALIDATORS[cls]


def _crawled(schema):
    """The pure-Python validator openapi-spec-validator builds, with the OpenAPI schema's anchors
    indexed once: left alone, jsonschema crawls the whole schema again at every `$dynamicRef` it
    follows (GitHub's spec: 3.0 s, 1.1 s crawled once; same errors)."""
    try:
        import referencing
        from jsonschema.validators import validator_for
        from jsonschema_specifications import REGISTRY

        resource = referencing.Resource.from_contents(schema)
        uri = resource.id() or ""
        registry = REGISTRY.with_resource(uri, resource).crawl()
        return validator_for(schema)(schema, _resolver=registry.resolver(base_uri=uri))
    except Exception:  # another jsonschema or referencing than we know: the plain validator
        return None


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
    walk = keyword_cls.__call__
    if speedups_enabled() and _walks_schemas_as_known(keyword_cls):
        walk = _walk_schema

    def __call__(self, *args, **kwargs):
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

    members = {"__call__": __call__}
    if hasattr(keyword_cls, "_validate_schema_meta"):
        meta_check = _deterministic_meta_check(keyword_cls._validate_schema_meta)
        members["_validate_schema_meta"] = _fast_meta_check(meta_check) if speedups_enabled() else meta_check
        if speedups_enabled():
            members["__init__"] = _with_id_sets(keyword_cls.__init__)
    return type(keyword_cls.__name__, (keyword_cls,), members)


# openapi-spec-validator's SchemaValidator.__call__, as `_walk_schema` repeats it (0.9.0): another
# version of it is left alone.
_KNOWN_SCHEMA_WALK = "c02246dffbe8"


def _walks_schemas_as_known(keyword_cls) -> bool:
    from openapi_spec_validator.validation.keywords import SchemaValidator

    return (issubclass(keyword_cls, SchemaValidator) and keyword_cls.__call__ is SchemaValidator.__call__
            and _installed_schema_walk_is_known())


@functools.cache
def _installed_schema_walk_is_known() -> bool:
    """Once per process: reading the source costs 2 ms, and validator classes are made per spec."""
    from openapi_spec_validator.validation.keywords import SchemaValidator

    return _source_digest(SchemaValidator.__call__) == _KNOWN_SCHEMA_WALK


def _source_digest(function) -> str:
    try:
        return hashlib.sha256(inspect.getsource(function).encode("utf-8")).hexdigest()[:12]
    except (OSError, TypeError):
        return ""


def _walk_schema(self, schema, require_properties: bool = True, meta_checked: bool = False):
    """openapi-spec-validator's walk of one schema (SchemaValidator.__call__), asking the schema's
    value which keywords it has instead of asking the path object each time: every `"allOf" in
    schema` resolved the path again through jsonschema-path's caches, nine times per schema (a
    third of validating Stripe's spec). The same errors in the same order (tests/test_fast_path.py)."""
    from openapi_spec_validator.validation.exceptions import ExtraParametersError, OpenAPIValidationError

    schema_value = schema.read_value()
    if not isinstance(schema_value, (Mapping, bool)):
        yield OpenAPIValidationError(f"{schema_value!r} is not of type 'object', 'boolean'")
        return
    schema_id = id(schema_value)
    if not meta_checked:
        if schema_id not in self.meta_checked_schema_ids:
            self.meta_checked_schema_ids.append(schema_id)
            err = self._validate_schema_meta(schema, schema_value)
            if err is not None:
                yield err
                return
    if schema_id in self.visited_schema_ids:
        return
    self.visited_schema_ids.append(schema_id)
    has = schema_value if isinstance(schema_value, Mapping) else ()  # the keywords it has

    nested_properties = []
    if "allOf" in has:
        for inner_schema in schema / "allOf":
            yield from self(inner_schema, require_properties=False, meta_checked=True)
            nested_properties += list(self._collect_properties(inner_schema))
    for combinator in ("anyOf", "oneOf"):
        if combinator in has:
            for inner_schema in schema / combinator:
                yield from self(inner_schema, require_properties=False, meta_checked=True)
    for single in ("not", "items"):
        if single in has:
            yield from self(schema / single, require_properties=False, meta_checked=True)
    if "properties" in has:
        for _, prop_schema in (schema / "properties").items():
            yield from self(prop_schema, require_properties=False, meta_checked=True)

    required = "required" in has and (schema / "required").read_value() or []
    properties = "properties" in has and (schema / "properties").keys() or []
    extra_properties = list(set(required) - set(properties) - set(nested_properties)) if "allOf" in has else []
    if extra_properties and require_properties:
        yield ExtraParametersError(f"Required list has not defined properties: {extra_properties}")

    if "default" in has:
        default_value = (schema / "default").read_value()
        nullable_value = (schema / "nullable").read_value() if "nullable" in has else False
        if default_value is not None or nullable_value is not True:
            yield from self.default_validator(schema, default_value)


class _IdSet(set):
    """The schema validator remembers visited schemas in lists (`id in list`: quadratic on specs
    with thousands of schemas); a set with the list's `append` does the same in constant time."""

    append = set.add


def _with_id_sets(original_init):
    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        for name in ("visited_schema_ids", "meta_checked_schema_ids"):
            if isinstance(getattr(self, name, None), list):
                setattr(self, name, _IdSet(getattr(self, name)))

    return __init__


def _fast_meta_check(thorough):
    """Checking each schema against its meta-schema with pure-Python jsonschema was half of all
    validation time. jsonschema-rs answers "valid?" first; only a schema it rejects, or one with a
    regex Python cannot compile (the meta-schema's `format: regex`, which jsonschema checks with
    Python's `re` and jsonschema-rs with its own engine), gets the thorough check and its message."""

    def check(self, schema, schema_value):
        try:
            _, validator_cls = _meta_schema_check(self, schema, schema_value)
        except ValueError:
            return thorough(self, schema, schema_value)
        fast = _fast_meta_validator(validator_cls) if validator_cls is not None else None
        try:
            if fast is not None and fast.is_valid(schema_value) and _python_regexes_compile(schema_value):
                return None
        except Exception:  # a value jsonschema-rs cannot take (bytes from !!binary, …)
            pass
        return thorough(self, schema, schema_value)

    return check


def _meta_schema_check(keyword_validator, schema, schema_value):
    """The validator's meta-schema check for a schema (`check_schema`, maybe a partial with its
    format checker) and the validator class it belongs to (None if it is something else)."""
    checker = keyword_validator._get_schema_checker(schema, schema_value)
    return checker, getattr(getattr(checker, "func", checker), "__self__", None)


_FAST_META: dict[type, Any] = {}


def _fast_meta_validator(validator_cls):
    if validator_cls not in _FAST_META:
        fast = None
        try:
            import jsonschema_rs
            from openapi_schema_validator.validators import OPENAPI_SPECIFICATIONS

            registry = jsonschema_rs.Registry([(uri, OPENAPI_SPECIFICATIONS.contents(uri))
                                               for uri in OPENAPI_SPECIFICATIONS])
            fast = jsonschema_rs.validator_for(validator_cls.META_SCHEMA, registry=registry,
                                               validate_formats=False)
        except Exception:  # no jsonschema-rs, or a meta-schema it cannot compile: always thorough
            fast = None
        _FAST_META[validator_cls] = fast
    return _FAST_META[validator_cls]


def _python_regexes_compile(schema_value) -> bool:
    """False if any `pattern` string or `patternProperties` key anywhere below is not a Python regex
    (over-approximates where a schema may be: a false only costs the thorough check)."""
    import re

    stack = [schema_value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            pattern = node.get("pattern")
            candidates = [pattern] if isinstance(pattern, str) else []
            props = node.get("patternProperties")
            if isinstance(props, dict):
                candidates += [k for k in props if isinstance(k, str)]
            for candidate in candidates:
                try:
                    re.compile(candidate)
                except (re.error, RecursionError, OverflowError, ValueError):
                    return False
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return True


def _deterministic_meta_check(original):
    """The validator reports the first meta-schema error of a schema, and which one comes first
    depends on set iteration (the hash seed) inside jsonschema: the same spec gave different
    findings from run to run. Report the most specific one (deepest path, then path and message)
    instead; this only runs for schemas that are invalid."""

    def check(self, schema, schema_value):
        error = original(self, schema, schema_value)
        if error is None:
            return None
        from jsonschema.validators import validator_for

        checker, validator_cls = _meta_schema_check(self, schema, schema_value)
        if validator_cls is None:
            return error
        meta_cls = validator_for(validator_cls.META_SCHEMA, default=validator_cls)  # as check_schema does
        format_checker = getattr(checker, "keywords", {}).get("format_checker", meta_cls.FORMAT_CHECKER)
        from openapi_schema_validator.validators import OPENAPI_SPECIFICATIONS  # the OAS meta-schemas

        meta = meta_cls(validator_cls.META_SCHEMA, format_checker=format_checker, registry=OPENAPI_SPECIFICATIONS)
        errors = sorted(meta.iter_errors(schema_value),
                        key=lambda e: (-len(e.absolute_path), [str(p) for p in e.absolute_path], e.message))
        if not errors:
            return error
        from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

        return OpenAPIValidationError.create_from(errors[0])

    return check


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
    # iter_errors is lru_cached per validator instance, keeping every validated document alive.
    cached = getattr(cls.iter_errors, "__wrapped__", None)
    if hasattr(cached, "cache_clear"):
        cached.cache_clear()
