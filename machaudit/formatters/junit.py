"""JUnit XML for CI test views: one suite per check family, one test case per check and subject.

- pass: a bare `<testcase>`.
- fail: `<failure message=… type=<severity>>` with the finding, its location and evidence; baseline-known
  findings fail too (their text says so); suppressed ones are `<skipped>` with the reason.
- unknown (an evidence gap) and not-applicable: `<skipped>` with the reason.
- a check that failed to run: `<error>`; a check that ran but judged nothing: one skipped case.

Every value from the inputs goes through `safe_text.plain` (one line each, controls and bidi
characters shown as `\\x1b`, `\\u202e`; no workflow command), so a CI log that prints this file
stays inert; ElementTree does the XML escaping. No timestamps.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from machaudit.report import AuditReport, CheckError
from machaudit.findings import Result, State
from machaudit.formatters.safe_text import plain
from machaudit.registry import CheckInfo

NO_SUBJECT = "(no subject)"


def _text(value: Any) -> str:
    """One value as an attribute or one line of text: `plain` leaves nothing XML 1.0 cannot hold."""
    return plain(value)


def _where(result: Result) -> str:
    loc = result.location
    if loc is None:
        return ""
    text = str(loc)
    if loc.pointer:
        text += f" ({loc.pointer})"
    return text


def _failure_text(result: Result, info: CheckInfo | None) -> str:
    """Lines of machaudit's own; each value in them is made one inert line."""
    lines = [_text(f"{result.severity.label} {result.check_id} {info.name if info else result.check_name}: "
                   f"{result.subject}")]
    where = _where(result)
    if where:
        lines.append(_text(f"at {where}"))
    lines.append(_text(result.message))
    if result.known:
        lines.append("(known: in the baseline, does not block)")
    if result.evidence:
        lines.append(_text("evidence: " + json.dumps(result.evidence, ensure_ascii=False, sort_keys=True, default=str)))
    lines.append(f"fingerprint: {result.fingerprint}")
    return "\n".join(lines)


def _case(parent: ET.Element, check_id: str, name: str, result: Result | None = None) -> ET.Element:
    attrs = {"classname": _text(f"machaudit.{check_id}"), "name": _text(name)}
    if result is not None and result.location is not None and result.location.file:
        attrs["file"] = _text(result.location.file)
        if result.location.line is not None:
            attrs["line"] = str(result.location.line)
    return ET.SubElement(parent, "testcase", attrs)


def _skip(case: ET.Element, message: str) -> None:
    ET.SubElement(case, "skipped", {"message": _text(message)})


def _add_result(suite: ET.Element, result: Result, name: str, info: CheckInfo | None, tally: dict[str, int]) -> None:
    case = _case(suite, result.check_id, name, result)
    tally["tests"] += 1
    if result.state is State.FAIL and result.suppressed is not None:
        _skip(case, f"suppressed: {result.suppressed}")
        tally["skipped"] += 1
    elif result.state is State.FAIL:
        failure = ET.SubElement(case, "failure", {"message": _text(result.message or result.check_name),
                                                  "type": result.severity.label})
        failure.text = _failure_text(result, info)
        tally["failures"] += 1
    elif result.state is State.UNKNOWN:
        _skip(case, f"evidence gap: {result.message or 'the inputs do not say'}")
        tally["skipped"] += 1
    elif result.state is State.NOT_APPLICABLE:
        _skip(case, f"not applicable: {result.message}" if result.message else "not applicable")
        tally["skipped"] += 1


def _add_error(suite: ET.Element, error: CheckError, tally: dict[str, int]) -> None:
    case = _case(suite, error.check_id, "(check failed to run)")
    element = ET.SubElement(case, "error", {"message": _text(error.message), "type": "check-error"})
    element.text = plain(error.detail or error.message, lines=True)  # a traceback stays one frame a line
    tally["tests"] += 1
    tally["errors"] += 1


def _names(results: list[Result]) -> list[str]:
    """Test case names: the subject, made unique within a check by the location or a number."""
    names = [r.subject or NO_SUBJECT for r in results]
    counts: dict[str, int] = defaultdict(int)
    for name in names:
        counts[name] += 1
    out, seen = [], defaultdict(int)
    for result, name in zip(results, names):
        if counts[name] > 1:
            where = _where(result)
            seen[name] += 1
            name = f"{name} @ {where}" if where else f"{name} #{seen[name]}"
        out.append(name)
    return out


def _order(result: Result):
    loc = result.location
    return (result.subject, loc.file if loc else "", (loc.line or 0) if loc else 0, loc.pointer if loc else "",
            result.state.value, result.message)


def junit_tree(report: AuditReport) -> ET.Element:
    checks = {c.id: c for c in report.checks}
    by_check: dict[str, list[Result]] = defaultdict(list)
    for result in report.results:
        by_check[result.check_id].append(result)
    errors: dict[str, list[CheckError]] = defaultdict(list)
    for error in report.errors:
        errors[error.check_id].append(error)
    families: dict[str, list[str]] = defaultdict(list)
    for check_id in sorted(set(checks) | set(by_check) | set(errors)):
        info = checks.get(check_id)
        families[info.family if info else "other"].append(check_id)

    root = ET.Element("testsuites", {"name": "machaudit"})
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for family in sorted(families):
        suite = ET.SubElement(root, "testsuite", {"name": f"machaudit.{family}"})
        tally = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for check_id in families[family]:
            results = sorted(by_check.get(check_id, []), key=_order)
            for result, name in zip(results, _names(results)):
                _add_result(suite, result, name, checks.get(check_id), tally)
            for error in errors.get(check_id, []):
                _add_error(suite, error, tally)
            if not results and not errors.get(check_id):
                _skip(_case(suite, check_id, NO_SUBJECT), "the check found nothing to judge")
                tally["tests"] += 1
                tally["skipped"] += 1
        for key in ("tests", "failures", "errors", "skipped"):
            suite.set(key, str(tally[key]))
            total[key] += tally[key]
        suite.set("time", "0")
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(total[key]))
    root.set("time", "0")
    return root


def render(report: AuditReport, color: bool = False) -> str:
    root = junit_tree(report)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
