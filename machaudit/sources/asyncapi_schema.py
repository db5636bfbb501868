"""AsyncAPI documents validated against the official AsyncAPI JSON Schemas.

The schemas ship as package data (machaudit/data/asyncapi/<version>.json.gz, from the npm package
@asyncapi/specs; no package on PyPI ships them). Each one accepts exactly one `asyncapi` version, so a
document is checked against the schema of its own major.minor version; a version with no schema is
one clear issue. The root document is validated as written, `$ref`s included (the schemas accept a
Reference object wherever the specification does); files it references are read, not validated.
Errors carry a JSON pointer, located like the OpenAPI validator's (`validate._most_relevant`).
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from importlib import resources
from typing import Any

from machaudit.findings import to_pointer
from machaudit.sources.validate import ValidationIssue, _message, _most_relevant

_PACKAGE_DATA = ("machaudit", "data/asyncapi")


@functools.cache
def schema_versions() -> tuple[str, ...]:
    folder = resources.files(_PACKAGE_DATA[0]).joinpath(_PACKAGE_DATA[1])
    try:
        names = [entry.name.removesuffix(".json.gz") for entry in folder.iterdir() if entry.name.endswith(".json.gz")]
    except OSError:  # an installation without its package data: every version is "without a schema"
        return ()
    return tuple(sorted(names, key=lambda v: tuple(int(p) for p in v.split("."))))


def schema_version_for(version: str) -> str:
    """The shipped schema a document of `version` is checked against ("" when there is none):
    the one of the same major.minor ("2.6" and "2.6.0" both → 2.6.0)."""
    major_minor = ".".join(version.split(".")[:2])
    return next((v for v in schema_versions() if v.rsplit(".", 1)[0] == major_minor), "")


@functools.cache
def _validator(schema_version: str):
    """A draft-07 validator whose references resolve inside the bundled schema only: the default
    registry of jsonschema would fetch any unknown `$ref` over the network."""
    from jsonschema import Draft7Validator
    from jsonschema_specifications import REGISTRY
    from referencing.jsonschema import DRAFT7

    path = resources.files(_PACKAGE_DATA[0]).joinpath(f"{_PACKAGE_DATA[1]}/{schema_version}.json.gz")
    schema = json.loads(gzip.decompress(path.read_bytes()))
    registry = REGISTRY.with_resource(schema["$id"], DRAFT7.create_resource(schema)).crawl()
    return Draft7Validator(schema, registry=registry)


def validate_asyncapi(data: Any, version: str) -> list[ValidationIssue]:
    """Every schema error of one AsyncAPI root document, once each, ordered by where it is."""
    schema_version = schema_version_for(version)
    if not schema_version:
        known = ", ".join(schema_versions()) or "none: its package data is missing"
        return [ValidationIssue("/asyncapi", f"AsyncAPI {version}: no official schema for this version "
                                             f"(machaudit has {known}); structure not validated")]
    issues: list[ValidationIssue] = []
    seen: set[ValidationIssue] = set()
    try:
        errors = sorted(_validator(schema_version).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
        for error in errors:
            error_path = list(error.absolute_path)
            error, deeper = _most_relevant(error)
            if _reference_as_schema(error):
                continue
            unknown = _unknown_fields(error)
            if unknown:  # said of the first unknown field, where the reader will look
                fields = ", ".join(repr(k) for k in unknown)
                message = f"unknown field{'s' if len(unknown) > 1 else ''} {fields} (not in the specification; extensions start with x-)"
                issue = ValidationIssue(to_pointer(error_path + deeper + [unknown[0]]), message)
            else:
                issue = ValidationIssue(to_pointer(error_path + deeper), _message(error))
            if issue not in seen:
                seen.add(issue)
                issues.append(issue)
    except RecursionError:
        issues.append(ValidationIssue("", "validation stopped: the document nests too deeply for the validator"))
    except Exception as exc:  # the validator's own failures (an unresolvable reference in the schema)
        issues.append(ValidationIssue("", f"validation stopped: {type(exc).__name__}: {exc}"))
    return issues


def _reference_as_schema(error) -> bool:
    """A `$ref` where the schema allows "a Schema or a Reference" (`oneOf`): a Reference object is
    also a valid Schema object, so a `oneOf` of both rejects every reference there (3.0.0, a message
    binding's `key`). The 3.1.0 schema corrects it; the reference itself is what was meant."""
    return (getattr(error, "validator", None) == "oneOf" and isinstance(error.instance, dict) and "$ref" in error.instance
            and not error.context and any("Reference.json" in str(branch.get("$ref", ""))
                                          for branch in error.validator_value if isinstance(branch, dict)))


def _unknown_fields(error) -> list[str]:
    """The fields an `additionalProperties: false` error is about. jsonschema's own message, with
    `patternProperties` for the `x-` extensions, says they "do not match any of the regexes"."""
    if getattr(error, "validator", None) != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    allowed = set((error.schema or {}).get("properties") or ())
    patterns = (error.schema or {}).get("patternProperties") or {}
    return [k for k in error.instance if k not in allowed and not any(re.search(p, k) for p in patterns)]
