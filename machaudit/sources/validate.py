"""openapi-spec-validator, run on documents we already read, with `$ref`s served from our store.

The validator would otherwise fetch any URL a `$ref` names (requests/urllib) and stop at the first
unresolvable one; here it only ever sees documents the store has read inside the audited roots.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from machaudit.findings import to_pointer
from machaudit.sources.documents import DocumentError
from machaudit.sources.store import DocumentStore, is_url


@dataclass(frozen=True)
class ValidationIssue:
    pointer: str
    message: str


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
        key = uri if is_url(uri) else str(Path(uri.removeprefix("file://")))
        if not self.store.inside_roots(key) or (is_url(key) and not self.store.allow_remote_refs):
            raise DocumentError(f"{uri} is outside what may be read")
        return self.store.load(key)


def _validator_class(version: str):
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
    handlers = _StoreHandlers(store)
    validator_type = type(f"Store{cls.__name__}", (cls,), {"resolver_handlers": handlers})
    issues: list[ValidationIssue] = []
    try:
        validator = validator_type(data, base_uri=base_uri)
        for error in _errors(validator):
            path = list(getattr(error, "absolute_path", None) or [])
            issues.append(ValidationIssue(to_pointer(path), _message(error)))
    except RecursionError:
        issues.append(ValidationIssue("", "validation stopped: the document nests too deeply for the validator"))
    except Exception as exc:  # the validator's own failures (bad $ref target, odd values)
        if refs_ok:
            issues.append(ValidationIssue("", f"validation stopped: {type(exc).__name__}: {_short(str(exc))}"))
    finally:
        _release_validator_cache(cls)
    return issues


def _errors(validator) -> Iterator[Any]:
    yield from validator.iter_errors()


def _message(error: Any) -> str:
    return _short(getattr(error, "message", None) or str(error))


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _release_validator_cache(cls) -> None:
    # iter_errors is lru_cached per validator instance, keeping every validated document alive.
    cached = getattr(cls.iter_errors, "__wrapped__", None)
    if hasattr(cached, "cache_clear"):
        cached.cache_clear()
