"""Every use of what openapi-spec-validator, jsonschema and pathable (jsonschema-path's base) do not
promise: private methods, internal attributes, private keyword arguments. All of it is here, behind
one compatibility check made when this module is imported (`PROBLEM`). When the installed
libraries are not what the check expects, none of it runs: validation takes the libraries' plain
path (the same findings, slower, and without the schema-walk memo that keeps `allOf` fan-out
linear), after one warning on stderr.

validate.py asks `keyword_overrides` for the members of its keyword-validator subclasses,
`crawled` for the JSON Schema phase's Python validator, `openapi_schema` for the schema of each
OpenAPI version, calls `prepare` before validating and `release_cache` after.

MACHAUDIT_VALIDATOR_SPEEDUPS=0 keeps the library's algorithms (the reference tests/test_fast_path.py
compares with); the deterministic choice of a schema's meta-schema error and the step counting
of the `allOf` property walk stay on, as they decide findings, not speed.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import tempfile
from typing import Any, Callable

# The parameters each private method is called with here (openapi-spec-validator 0.9).
_SCHEMA_VALIDATOR_METHODS = {
    "_collect_properties": ["self", "schema"],
    "_validate_schema_meta": ["self", "schema", "schema_value"],
    "_get_schema_checker": ["self", "schema", "schema_value"],
}


def check_compatibility() -> str:
    """"" when every internal used here is as expected; otherwise the first one that is not."""
    try:
        import jsonschema.validators
        from openapi_spec_validator.validation.keywords import SchemaValidator
        from pathable.accessors import SubscriptableAccessor
    except ImportError as exc:
        return f"cannot import {exc.name or exc}"
    for name, parameters in _SCHEMA_VALIDATOR_METHODS.items():
        method = SchemaValidator.__dict__.get(name)
        if not inspect.isfunction(method):
            return f"SchemaValidator.{name} is missing"
        if list(inspect.signature(method).parameters) != parameters:
            return f"SchemaValidator.{name} takes other arguments"
    try:
        probe = SchemaValidator(None)
    except Exception as exc:  # a constructor we do not know
        return f"SchemaValidator() failed: {type(exc).__name__}"
    for name in ("visited_schema_ids", "meta_checked_schema_ids"):
        if not isinstance(getattr(probe, name, None), list):
            return f"SchemaValidator.{name} is not a list"
    if not isinstance(SubscriptableAccessor.__dict__.get("_get_subnode"), classmethod):
        return "pathable's SubscriptableAccessor._get_subnode is not a classmethod"
    if "_resolver" not in inspect.signature(jsonschema.validators.Draft202012Validator).parameters:
        return "jsonschema validators take no _resolver"
    from openapi_spec_validator.validation.validators import SpecValidator

    if not hasattr(getattr(SpecValidator.iter_errors, "__wrapped__", None), "cache_clear"):
        return "SpecValidator.iter_errors is not an lru_cache"
    return ""


def _first_to_warn() -> bool:
    """Validator processes (forked before any of them imported this) each run the check: only the
    first process of the run to get here warns. The marker names the run's top process and when
    it started, so a later run with the same pid is not silenced."""
    import multiprocessing

    parent = multiprocessing.parent_process()
    top = parent.pid if parent is not None else os.getpid()
    try:
        with open(f"/proc/{top}/stat", "rb") as stat:
            started = stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError, UnicodeDecodeError):
        return parent is None  # no /proc: the top process warns if it validates
    marker = os.path.join(tempfile.gettempdir(), f"machaudit-{os.getuid()}-{top}-{started}-validator-fallback")
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    except OSError:
        return True
    return True


def _warn(problem: str) -> None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        installed = version("openapi-spec-validator")
    except PackageNotFoundError:
        installed = "?"
    if _first_to_warn():
        sys.stderr.write(
            f"machaudit: warning: openapi-spec-validator {installed} and its libraries are not what "
            f"machaudit's validator speed-ups were written for ({problem}); validating without "
            f"them: same findings, slower\n")


PROBLEM = check_compatibility()
AVAILABLE = not PROBLEM
if PROBLEM:
    _warn(PROBLEM)


def enabled() -> bool:
    """Whether the speed-ups run: the libraries are as expected and MACHAUDIT_VALIDATOR_SPEEDUPS is
    not 0."""
    return AVAILABLE and os.environ.get("MACHAUDIT_VALIDATOR_SPEEDUPS", "1") != "0"


def prepare() -> None:
    """Before validating: the process-wide speed-up of path lookups."""
    if enabled():
        _speed_up_path_lookups()


def keyword_overrides(keyword_cls: type, spend: Callable[[], None]) -> dict[str, Any]:
    """Members for validate.py's subclass of a keyword validator; `spend` is called once per step
    of work validate.py budgets."""
    if not AVAILABLE:
        return {}
    from openapi_spec_validator.validation.keywords import SchemaValidator

    if not issubclass(keyword_cls, SchemaValidator):
        return {}
    meta_check = _deterministic_meta_check(keyword_cls._validate_schema_meta)
    collect = keyword_cls._collect_properties
    if not enabled():
        return {"_validate_schema_meta": meta_check, "_collect_properties": _counted(collect, spend)}
    return {"_validate_schema_meta": _fast_meta_check(meta_check),
            "_collect_properties": _memoised(collect, spend),
            "__init__": _with_id_sets(keyword_cls.__init__)}


def _counted(collect, spend):
    def _collect_properties(self, schema):
        spend()
        return collect(self, schema)

    return _collect_properties


_IN_PROGRESS = object()


def _memoised(collect, spend):
    """The property names an `allOf` member contributes, worked out once per schema and spec.

    The validator's walk visits each schema once, but for each member of an `allOf` it collects
    every property reachable below it again, through every `$ref`: with ten `$ref`s a level that
    is ten times the work per level (a 16 KB spec of twelve levels never finished). The library's
    own method does the collecting; its recursive calls come back here and find a schema collected
    before. A schema that contains itself (an `allOf` cycle) raises RecursionError, as the
    library's unbounded recursion does."""

    def _collect_properties(self, schema):
        spend()
        memo = self.__dict__.get("_machaudit_properties")
        if memo is None:
            memo = self._machaudit_properties = {}
        key = id(schema.read_value())  # the schema a `$ref` leads to: the same object every time
        found = memo.get(key)
        if found is _IN_PROGRESS:
            raise RecursionError("a schema contains itself through allOf/anyOf/oneOf/items/not")
        if found is None:
            memo[key] = _IN_PROGRESS
            try:
                found = memo[key] = frozenset(collect(self, schema))
            except BaseException:
                del memo[key]
                raise
        return set(found)

    return _collect_properties


@functools.cache
def _speed_up_path_lookups() -> None:
    """The validator walks the spec through pathable, which checks every step with `isinstance`
    against a runtime-checkable Protocol (about 10 µs each, a fifth of the walk on big specs).
    Our documents are plain dicts and lists, for which the answer is known: decide those first,
    hand anything else to pathable's own check."""
    from pathable.accessors import SubscriptableAccessor

    general = SubscriptableAccessor.__dict__["_get_subnode"].__func__

    def _get_subnode(cls, node, part):
        if type(node) is dict or type(node) is list:
            try:
                return node[part]
            except (KeyError, IndexError, TypeError) as exc:
                raise KeyError(part) from exc
        return general(cls, node, part)

    SubscriptableAccessor._get_subnode = classmethod(_get_subnode)


def release_cache(validator_cls) -> None:
    """After a spec: the validator's iter_errors is lru_cached per validator instance, which would
    keep every validated document alive."""
    if AVAILABLE:
        validator_cls.iter_errors.__wrapped__.cache_clear()


_SCHEMA_FILES = {"schema_v2": "2.0", "schema_v30": "3.0", "schema_v31": "3.1", "schema_v32": "3.2"}


def openapi_schema(name: str):
    """The OpenAPI JSON Schema the library validates with (`openapi_spec_validator.schemas.<name>`),
    read from its package file with the json module: the library reads that JSON file with a YAML
    loader written in Python, in each validator process, for each version, longer than it takes
    to validate a small spec. The same content (tests/test_bounded_work.py compares them); the
    library's own reading when the file is not where that reading finds it."""
    if enabled():
        import json
        from importlib.resources import files

        try:
            resource = files("openapi_spec_validator") / f"resources/schemas/v{_SCHEMA_FILES[name]}/schema.json"
            return json.loads(resource.read_text(encoding="utf-8"))
        except (KeyError, OSError, ValueError):
            pass
    from openapi_spec_validator import schemas

    return getattr(schemas, name)


def crawled(schema):
    """The pure-Python validator openapi-spec-validator builds, with the OpenAPI schema's anchors
    indexed once: left alone, jsonschema crawls the whole schema again at every `$dynamicRef` it
    follows (GitHub's spec: 3.0 s, 1.1 s crawled once; same errors). None: build the plain one."""
    if not enabled():
        return None
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

        chosen = OpenAPIValidationError.create_from(errors[0])
        from machaudit.findings import to_pointer
        from machaudit.sources.validate import _ORIGIN

        setattr(chosen, _ORIGIN, (to_pointer(list(error.path)), error.message))  # the library's own error
        return chosen

    return check
