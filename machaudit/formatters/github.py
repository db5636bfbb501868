"""GitHub Actions workflow commands: one annotation per finding, then a summary line.

`::error file=…,line=…,col=…,title=<ID> <name>::<subject>: <message>`: error for critical and high,
warning for medium, notice for low and info. New findings come first (GitHub shows only the first
few annotations of each level per step), then findings already in the baseline, marked so in the
title. Suppressed findings are not annotated. Every value is first made inert by `safe_text.plain`
(controls and bidi characters shown, no `::` or `##[` command from the inputs; line breaks kept,
a file name must stay the repository's), then escaped as GitHub's runner expects (% \\r \\n),
property values also : and ,.
"""

from __future__ import annotations

from machaudit.report import AuditReport
from machaudit.findings import Location, Result, Severity, State
from machaudit.formatters.safe_text import plain
from machaudit.scoring import level_label

COMMANDS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


def escape_data(text: str) -> str:
    """Escaped for the runner, which unescapes it: the text exactly (use `plain` first for display)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: object) -> str:
    """One workflow command; the message and property values may hold text from the inputs."""
    props = ",".join(f"{key}={escape_property(plain(value, lines=True))}" for key, value in properties.items()
                     if value is not None and value != "")
    return f"::{name}{' ' + props if props else ''}::{escape_data(plain(message, lines=True))}"


def _file_properties(location: Location | None) -> dict[str, object]:
    if location is None or not location.file or "://" in location.file:
        return {}  # no file (or a remote spec): GitHub cannot place it, so no file property
    props: dict[str, object] = {"file": location.file}
    if location.line is not None:
        props["line"] = location.line
        if location.column is not None:
            props["col"] = location.column
    return props


def annotation(result: Result, name: str | None = None) -> str:
    title = f"{result.check_id} {name or result.check_name}"
    if result.known:
        title += " (in baseline)"
    message = f"{result.subject}: {result.message}" if result.subject else result.message
    return command(COMMANDS[result.severity], message or title, **_file_properties(result.location), title=title)


def render(report: AuditReport, color: bool = False) -> str:
    names = {c.id: c.name for c in report.checks}
    findings = sorted(report.findings, key=lambda r: (r.known, -r.severity))  # stable: keeps report order
    lines = [annotation(f, names.get(f.check_id)) for f in findings]
    for error in report.errors:
        lines.append(command("error", f"check {error.check_id} failed to run: {error.message}",
                             title=f"{error.check_id} check error"))
    for use in report.suppressions:
        if use.problem or not use.used:
            what = f"cannot be used: it {use.problem}" if use.problem else "is unused: nothing it covers was found"
            lines.append(command("warning", f"suppression of {use.check or '?'} {what}",
                                 **_file_properties(use.location), title="machaudit suppression"))
    counts = report.counts()
    by_severity = ", ".join(f"{counts[s.label]} {s.label}" for s in sorted(Severity, reverse=True) if counts[s.label])
    gaps = sum(1 for r in report.results if r.state is State.UNKNOWN)
    summary = f"machaudit: {len(report.findings)} findings" + (f" ({by_severity})" if by_severity else "")
    if report.baseline_used:
        summary += f", {len(report.blocking)} new since the baseline"
    summary += f"; {len(report.suppressed)} suppressed; {gaps} evidence gaps"
    if report.scores:
        summary += f"; MACH readiness: {level_label(report.scores['overall'])}"
    if report.errors:
        summary += f"; {len(report.errors)} checks failed to run"
    lines.append(summary)
    return "\n".join(lines) + "\n"
