"""The JSON report: versioned by `schema_version`; stable keys, sorted output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson

from machaudit.report import AuditReport
from machaudit.findings import Result, State
from machaudit.formatters.safe_text import json_inert


def result_dict(result: Result) -> dict[str, Any]:
    loc = result.location
    return {
        "check": result.check_id,
        "name": result.check_name,
        "state": result.state.value,
        "severity": result.severity.label,
        "subject": result.subject,
        "message": result.message,
        "location": None if loc is None else {
            "file": loc.file, "line": loc.line, "column": loc.column, "pointer": loc.pointer,
        },
        "evidence": dict(result.evidence),
        "fingerprint": result.fingerprint,
        # The findings this one says at once (one fact of several operations, or what a broken file
        # kept from being checked): their fingerprints, which baselines match.
        "stands_for": [fingerprint for fingerprint, _ in result.covers],
        "suppressed": None if result.suppressed is None else {"reason": result.suppressed},
        "new": not result.known,
    }


def report_dict(report: AuditReport) -> dict[str, Any]:
    """The report's fields; the long lists (findings, evidence gaps, results) as generators."""
    by_state: dict[str, int] = {s.value: 0 for s in State}
    for result in report.results:
        by_state[result.state.value] += 1
    return {
        "schema_version": report.schema_version,
        "tool": {"name": "machaudit", "version": report.tool_version},
        "title": report.title,
        "configuration": dict(report.configuration),
        "summary": {
            "findings": len(report.findings),
            "new_findings": len(report.blocking),
            "suppressed": len(report.suppressed),
            "baseline_used": report.baseline_used,
            "by_severity": report.counts(),
            "by_state": by_state,
            "evidence_gaps": by_state[State.UNKNOWN.value],
            "check_errors": len(report.errors),
        },
        "scores": dict(report.scores),
        "inventory": dict(report.inventory),
        "specs": [dict(s) for s in report.specs],
        "checks": [
            {"id": c.id, "name": c.name, "family": c.family, "area": c.area,
             "severity": c.severity.label, "summary": c.summary}
            for c in report.checks
        ],
        "findings": (result_dict(r) for r in report.findings),
        "suppressed_findings": (result_dict(r) for r in report.suppressed),
        "suppressions": [
            {"check": s.check, "reason": s.reason, "file": s.location.file, "line": s.location.line,
             "used": s.used, "problem": s.problem or None}
            for s in report.suppressions
        ],
        "evidence_gaps": (result_dict(r) for r in report.results if r.state is State.UNKNOWN),
        "results": (
            # a pass keeps its message: what it found in the stack's favour ("publishes OrderPlaced …")
            {"check": r.check_id, "subject": r.subject, "state": r.state.value, **({"message": r.message} if r.message else {})}
            for r in report.results if r.state in (State.PASS, State.NOT_APPLICABLE)
        ),
        "journey": report.journey,
        "sections": dict(report.sections),
        "errors": [{"check": e.check_id, "message": e.message} for e in report.errors],
    }


def render(report: AuditReport, color: bool = False) -> bytes:
    return b"".join(chunks(report))


def chunks(report: AuditReport) -> Iterator[bytes]:
    """UTF-8 JSON, indented by two, in pieces of about a megabyte: the long lists are written item
    by item, so a report of thousands of specs never exists whole, neither as dicts nor as text."""
    out = bytearray(b"{")
    for i, (key, value) in enumerate(report_dict(report).items()):
        out += (b",\n  " if i else b"\n  ") + _dumps(key) + b": "
        if not isinstance(value, Iterator):
            out += _indented(_dumps(value), 2)
            continue
        empty = True
        for item in value:
            out += b"[\n    " if empty else b",\n    "
            out += _indented(_dumps(item), 4)
            empty = False
            if len(out) > _CHUNK:
                yield bytes(out)
                out.clear()
        out += b"[]" if empty else b"\n  ]"
    out += b"\n}\n"
    yield bytes(out)


_CHUNK = 1 << 20


def _indented(text: bytes, spaces: int) -> bytes:
    # JSON text has line breaks only between its tokens (those in strings are written \n).
    return text.replace(b"\n", b"\n" + b" " * spaces)


def indented_json(data: Any, sort_keys: bool = False) -> bytes:
    """The UTF-8 of `json.dumps(data, indent=2, ensure_ascii=False, default=str)`, plus a newline
    (but for floats under 1e-4, written 0.00001, and NaN or infinities, written null: valid JSON)."""
    return _dumps(data, sort_keys) + b"\n"


def _dumps(data: Any, sort_keys: bool = False) -> bytes:
    """orjson writes it about five times faster and without the millions of pieces Python's
    indenting encoder makes; what orjson refuses (an integer over 64 bits from a spec, say) goes
    the standard way."""
    options = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    try:
        text = orjson.dumps(data, option=options, default=str)
    except orjson.JSONEncodeError:
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=sort_keys, default=str).encode("utf-8")
    return json_inert(text)  # printed in a CI log or a terminal, it must not act: same data, escaped
