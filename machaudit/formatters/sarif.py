"""SARIF 2.1.0 for code-scanning tools: every rule that ran, findings with stable fingerprints.

The log validates against the official OASIS schema (a copy is in tests/data). Output is
deterministic: rules sorted by id, results in a fixed order, no timestamps or absolute paths the
report does not already hold.

- rules: every check that ran, with its docstring as help and its default severity as level.
- results: the failures, suppressed ones included with an `inSource` suppression and the reason;
  `baselineState` new/unchanged when a baseline was used; `partialFingerprints["machaudit/v1"]` is
  the baseline fingerprint (rule, subject, JSON pointer; never line numbers).
- locations: relative paths against `%SRCROOT%` (the folder machaudit ran in), absolute paths as
  file URIs, remote specs as their URL; a finding without a file (about the stack as a whole) gets a
  logical location naming its subject, anchored at the root catalog file, because GitHub code
  scanning rejects a whole log over one result without a physical location.
- invocation: `executionSuccessful` is false when a check failed to run; check errors and unusable
  or unused suppressions are notifications.
"""

from __future__ import annotations

import enum
import json
import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from machaudit.report import AuditReport
from machaudit.findings import Location, Result, Severity, State
from machaudit.formatters.json import indented_json
from machaudit.registry import CheckInfo

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://machaudit.dev"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "machaudit/v1"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

# Section labels of a check's docstring, bolded in the Markdown help.
_DOC_LABEL = re.compile(r"^(What|Why it matters for MACH|Example|Examples|Fix|Options|Evidence|Severity):", re.M)


def level(severity: Severity) -> str:
    return LEVELS[severity]


def _jsonable(value: Any) -> Any:
    """Evidence as plain JSON with a fixed order: sets sorted, tuples as lists, the rest as text."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_jsonable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, Severity):
        return value.label
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _tags(info: CheckInfo) -> list[str]:
    tags: list[str] = []
    for tag in (info.family, info.area, "MACH"):
        if tag and tag not in tags:  # the schema wants unique tags; family and area often agree
            tags.append(tag)
    return tags


def _help_markdown(doc: str) -> str:
    return _DOC_LABEL.sub(lambda m: f"**{m.group(1)}:**", doc)


def rule(info: CheckInfo) -> dict[str, Any]:
    doc = info.doc or info.summary
    return {
        "id": info.id,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": doc},
        "help": {"text": doc, "markdown": _help_markdown(doc)},
        "helpUri": info.help_uri,
        "defaultConfiguration": {"level": level(info.severity)},
        "properties": {
            "tags": _tags(info),
            "family": info.family,
            "area": info.area,
            "severity": info.severity.label,
            "origin": info.origin,
        },
    }


def artifact_location(file: str) -> dict[str, Any]:
    """A relative path against %SRCROOT%; an absolute one as a file URI; a URL as it is."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]+://", file):
        return {"uri": file}
    if PureWindowsPath(file).drive or file.startswith("\\\\"):
        return {"uri": PureWindowsPath(file).as_uri()}
    posix = file.replace("\\", "/")
    if posix.startswith("/"):
        return {"uri": PurePosixPath(posix).as_uri()}
    while posix.startswith("./"):
        posix = posix[2:]
    return {"uri": quote(posix, safe="/-._~!$&'()*+,;=@"), "uriBaseId": SRCROOT}


def _physical(location: Location) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(location.file)}
    if location.line is not None and location.line >= 1:
        region: dict[str, Any] = {"startLine": location.line}
        if location.column is not None and location.column >= 1:
            region["startColumn"] = location.column
        physical["region"] = region
    return physical


def _anchor(report: AuditReport) -> str:
    """Where a finding with no file of its own is shown: the root catalog file, else the first spec.

    GitHub code scanning rejects a whole log when one result has no physical location, so a finding
    about the stack as a whole is anchored at the file that describes the stack.
    """
    files = list((report.inventory or {}).get("catalog_files") or []) + [s.get("file", "") for s in report.specs]
    return next((f for f in files if f), "")


def _locations(result: Result, anchor: str = "") -> list[dict[str, Any]]:
    logical = [{"name": result.subject, "fullyQualifiedName": result.subject}] if result.subject else []
    loc = result.location
    if loc is not None and loc.file:
        location: dict[str, Any] = {"physicalLocation": _physical(loc)}
        if logical and result.subject != loc.file:
            location["logicalLocations"] = logical
        return [location]
    location = {"logicalLocations": logical} if logical else {}
    if anchor:
        location["physicalLocation"] = {"artifactLocation": artifact_location(anchor)}
        location["message"] = {"text": "No single place in the inputs: shown at the file that describes the stack."}
    return [location] if location else []


def _message(result: Result) -> str:
    return result.message or f"{result.check_name}: {result.subject}"


def sarif_result(result: Result, rule_index: dict[str, int], baseline_used: bool, anchor: str = "") -> dict[str, Any]:
    properties: dict[str, Any] = {
        "subject": result.subject,
        "severity": result.severity.label,
        "evidence": _jsonable(dict(result.evidence)),
    }
    if result.location is not None and result.location.pointer:
        properties["pointer"] = result.location.pointer
    out: dict[str, Any] = {
        "ruleId": result.check_id,
        "kind": "fail",
        "level": level(result.severity),
        "message": {"text": _message(result)},
        "locations": _locations(result, anchor),
        "partialFingerprints": {FINGERPRINT_KEY: result.fingerprint},
        "properties": properties,
    }
    if result.check_id in rule_index:
        out["ruleIndex"] = rule_index[result.check_id]
    if not out["locations"]:
        del out["locations"]
    if result.suppressed is not None:
        out["suppressions"] = [{"kind": "inSource", "justification": result.suppressed}]
    if baseline_used:
        out["baselineState"] = "unchanged" if result.known else "new"
    return out


def _result_order(result: Result):
    loc = result.location
    return (
        result.check_id,
        loc.file if loc else "",
        (loc.line or 0) if loc else 0,
        (loc.column or 0) if loc else 0,
        result.subject,
        loc.pointer if loc else "",
        result.fingerprint,
        result.message,
    )


def _notifications(report: AuditReport, rule_index: dict[str, int]) -> tuple[list, list]:
    execution = []
    for error in sorted(report.errors, key=lambda e: (e.check_id, e.message)):
        note: dict[str, Any] = {
            "level": "error",
            "message": {"text": f"check {error.check_id} failed to run: {error.message}"},
            "descriptor": {"id": "machaudit/check-error"},
        }
        if error.check_id in rule_index:
            note["associatedRule"] = {"id": error.check_id, "index": rule_index[error.check_id]}
        execution.append(note)
    configuration = []
    for use in sorted(report.suppressions, key=lambda u: (u.location.file, u.location.line or 0, u.check, u.reason)):
        if not use.problem and use.used:
            continue
        what = f"cannot be used: it {use.problem}" if use.problem else "is unused: nothing it covers was found"
        note = {
            "level": "warning",
            "message": {"text": f"suppression of {use.check or '?'} {what}"},
            "descriptor": {"id": "machaudit/suppression"},
        }
        if use.location.file:
            note["locations"] = [{"physicalLocation": _physical(use.location)}]
        configuration.append(note)
    return execution, configuration


def sarif_log(report: AuditReport) -> dict[str, Any]:
    checks = sorted(report.checks, key=lambda c: c.id)
    rule_index = {c.id: i for i, c in enumerate(checks)}
    failures = sorted((r for r in report.results if r.state is State.FAIL), key=_result_order)
    execution, configuration = _notifications(report, rule_index)
    anchor = _anchor(report)
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    if execution:
        invocation["toolExecutionNotifications"] = execution
    if configuration:
        invocation["toolConfigurationNotifications"] = configuration
    overall = (report.scores or {}).get("overall", {})
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "machaudit",
                "version": report.tool_version,
                "semanticVersion": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [rule(c) for c in checks],
            }
        },
        "invocations": [invocation],
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The folder machaudit ran in; finding paths are relative to it."}},
        },
        "columnKind": "unicodeCodePoints",
        "results": [sarif_result(r, rule_index, report.baseline_used, anchor) for r in failures],
        "properties": {
            "reportSchemaVersion": report.schema_version,
            "baselineUsed": report.baseline_used,
            "evidenceGaps": sum(1 for r in report.results if r.state is State.UNKNOWN),
            "readinessLevel": overall.get("level"),
            "readiness": overall.get("level_name", "not assessed"),
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def render(report: AuditReport, color: bool = False) -> bytes:
    return indented_json(sarif_log(report), sort_keys=True)
