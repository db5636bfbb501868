"""Markdown for a pull-request comment: readiness, counts, then the findings, new ones first.

Text taken from specs and the catalog (subjects, messages, paths) goes through `safe_text.plain`
(one line; controls and bidi characters shown as `\\x1b`, `\\u202e`; no workflow command), then is
escaped, so a description holding `<script>`, `|` or `*` shows as written: HTML is escaped (no tag,
no entity); the Markdown punctuation \\ ` * _ [ ] | ~ # $ is backslashed (no emphasis, code, link or
image, no table cell closed, no heading, no math); `@` is followed by a zero-width space, so an
`@name` or `@org/team` pings nobody. A bare `https://…` may still be auto-linked by GitHub: it shows
its own target, nothing hidden. GitHub refuses
comments over 65,536 characters: when the full comment would pass LIMIT, it is summarised: every
critical and high finding stays listed, the rest is counted per check, with a note pointing to the
full report.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from typing import Iterable

from machaudit.report import AuditReport
from machaudit.findings import Result, Severity, State
from machaudit.formatters.html import prose
from machaudit.formatters.root_paths import in_root
from machaudit.formatters.safe_text import plain
from machaudit.scoring import evidence_label, level_label, overall_basis

GITHUB_LIMIT = 65_536
LIMIT = 60_000  # summarise above this, leaving room for what a CI step adds around the comment
MARKER = "<!-- machaudit-report -->"  # lets a CI job find and update its own comment
# Inline text never starts a line here, so list, heading and rule markers need no escape.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#$])")


def escape(text: object) -> str:
    """Inline text from the inputs: inert and one line, HTML escaped, Markdown punctuation backslashed."""
    value = plain(text).strip()  # `** x**` would not be bold
    value = html.escape(value, quote=False)  # & < >
    value = _MD_SPECIAL.sub(r"\\\1", value)
    return value.replace("@", "@\u200b")  # no mentions from a spec's text


def code(text: object) -> str:
    """A code span that survives backticks in the text; never in a table (| would split the cell)."""
    value = plain(text).strip().replace("@", "@\u200b")
    fence = "`" * (max((len(m) for m in re.findall(r"`+", value)), default=0) + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _severities() -> list[Severity]:
    return sorted(Severity, reverse=True)


def _where(result: Result) -> str:
    return code(result.location) if result.location is not None and result.location.file else ""


def _item(result: Result, mark_known: bool = False, check: str = "") -> str:
    where = _where(result)
    text = "- " + (f"**{escape(result.check_id)}** {escape(check)} · {result.severity.label} · " if check else "")
    text += f"{where} **{escape(result.subject)}**" if where else f"**{escape(result.subject)}**"
    if result.message:
        text += f": {escape(result.message)}"
    if result.suppressed is not None:
        text += f" — suppressed: {escape(result.suppressed)}"
    elif mark_known and result.known:
        text += " — in the baseline"
    return text


def _grouped(results: Iterable[Result], names: dict[str, str], heading: str = "####",
             mark_known: bool = False) -> list[str]:
    """Findings by severity, then check; each with its location and message."""
    by: dict[Severity, dict[str, list[Result]]] = defaultdict(lambda: defaultdict(list))
    for result in results:
        by[result.severity][result.check_id].append(result)
    lines: list[str] = []
    for severity in _severities():
        if severity not in by:
            continue
        total = sum(len(v) for v in by[severity].values())
        lines += [f"{heading} {severity.label.capitalize()} ({total})", ""]
        for check_id in sorted(by[severity]):
            found = by[severity][check_id]
            lines.append(f"**{escape(check_id)}** {escape(names.get(check_id, found[0].check_name))} ({len(found)})")
            lines.append("")
            lines += [_item(r, mark_known) for r in found]
            lines.append("")
    return lines


def _per_check_table(results: list[Result], names: dict[str, str]) -> list[str]:
    counts: dict[tuple[str, Severity], int] = defaultdict(int)
    for result in results:
        counts[(result.check_id, result.severity)] += 1
    rows = sorted(counts.items(), key=lambda kv: (-kv[0][1], kv[0][0]))
    lines = ["| Check | Name | Severity | Findings |", "| --- | --- | --- | ---: |"]
    lines += [f"| {escape(cid)} | {escape(names.get(cid, ''))} | {sev.label} | {n} |" for (cid, sev), n in rows]
    return lines + [""]


def _header(report: AuditReport) -> list[str]:
    scores = report.scores or {}
    overall = scores.get("overall")
    title = f"## machaudit: MACH readiness {level_label(overall)}" if overall else "## machaudit report"
    lines = [MARKER, f"{title} — {escape(report.title)}", ""]
    gaps = sum(1 for r in report.results if r.state is State.UNKNOWN)
    facts = [f"{len(report.findings)} findings"]
    if report.baseline_used:
        facts.append(f"**{len(report.blocking)} new** since the baseline")
    facts += [f"{len(report.suppressed)} suppressed", f"{gaps} evidence gaps",
              f"{len(report.checks)} checks", f"machaudit {escape(report.tool_version)}"]
    lines += [" · ".join(facts), ""]
    if overall and overall.get("weakest_areas"):
        lines += [f"Weakest: {escape(', '.join(overall['weakest_areas']))}.", ""]
    if overall and "based_on" in overall:
        lines += [escape(overall_basis(overall)), ""]
    areas = scores.get("areas") or {}
    if areas:
        lines += ["| Area | Points | Level | Evidence |", "| --- | ---: | --- | --- |"]
        for area, entry in areas.items():
            points = "–" if entry.get("points") is None else str(entry["points"])
            evidence = evidence_label(entry) if entry.get("level") is not None else "–"
            if entry.get("provisional_reason"):
                evidence += f"; provisional: {entry['provisional_reason']}"
            lines.append(f"| {escape(area)} | {points} | {escape(level_label(entry))} | {escape(evidence)} |")
        lines.append("")
    counts = report.counts()
    lines += ["| " + " | ".join(s.label for s in _severities()) + " |",
              "|" + " ---: |" * len(Severity),
              "| " + " | ".join(str(counts[s.label]) for s in _severities()) + " |", ""]
    for error in report.errors:
        lines += [f"> **Check {escape(error.check_id)} failed to run:** {escape(error.message)}", ""]
    return lines


def _credits(report: AuditReport) -> list[str]:
    if not report.credits:
        return []
    return ([f"**Credit: {len(report.credits)}**. What the stack does well:", ""]
            + [f"- {escape(r.check_id)} {escape(r.message)}" for r in report.credits] + [""])


def _gaps(report: AuditReport) -> list[str]:
    gaps = [r for r in report.results if r.state is State.UNKNOWN]
    if not gaps:
        return []
    per: dict[str, int] = defaultdict(int)
    for gap in gaps:
        per[gap.check_id] += 1
    listed = ", ".join(f"{escape(c)} ({n})" for c, n in sorted(per.items()))
    return [f"**Evidence gaps: {len(gaps)}**. The inputs do not say, so these are not counted as passes: {listed}.", ""]


def _problems(report: AuditReport) -> list[str]:
    bad = [u for u in report.suppressions if u.problem or not u.used]
    if not bad:
        return []
    lines = [f"**Suppressions to fix: {len(bad)}**", ""]
    for use in bad:
        what = f"cannot be used: it {use.problem}" if use.problem else "is unused: nothing it covers was found"
        lines.append(f"- {code(use.location)} {escape(use.check or '?')} {escape(what)}")
    return lines + [""]


def _descriptions(report: AuditReport) -> list[str]:
    """The catalog's own words for what each entity is, folded away: context for a reviewer."""
    if not report.descriptions:
        return []
    body = [f"- **{escape(d.get('title') or d['name'])}** ({escape(d['kind'])}): {escape(prose(d['description']))}"
            for d in report.descriptions]
    return _details(f"Catalog: {len(body)} described entit{'ies' if len(body) != 1 else 'y'}", body + [""])


def _details(summary: str, body: list[str]) -> list[str]:
    return ["<details>", f"<summary>{summary}</summary>", ""] + body + ["</details>", ""]


def _full(report: AuditReport, names: dict[str, str]) -> list[str]:
    findings = report.findings
    lines: list[str] = []
    if report.baseline_used:
        new = [f for f in findings if not f.known]
        known = [f for f in findings if f.known]
        lines += [f"### New findings ({len(new)})", ""]
        lines += _grouped(new, names) if new else ["No new findings since the baseline.", ""]
    else:
        known = []
        lines += [f"### Findings ({len(findings)})", ""]
        lines += _grouped(findings, names) if findings else ["No findings.", ""]
    lines += _credits(report) + _gaps(report) + _problems(report)
    hidden = known + report.suppressed
    if hidden:
        label = " and ".join(part for part in (
            f"{len(known)} known (in the baseline)" if known else "",
            f"{len(report.suppressed)} suppressed" if report.suppressed else "") if part)
        lines += _details(label, _grouped(hidden, names, heading="#####", mark_known=True))
    return lines + _descriptions(report)


def _summarised(report: AuditReport, names: dict[str, str], room: int) -> list[str]:
    """Every critical and high finding (new first), then the rest as counts per check."""
    findings = sorted(report.findings, key=lambda r: r.known) if report.baseline_used else report.findings
    top = [f for f in findings if f.severity >= Severity.HIGH]
    rest = [f for f in findings if f.severity < Severity.HIGH]
    intro = [f"> This report is summarised to fit a comment: critical and high findings are listed, "
             f"the other {len(rest)} are counted per check.", ""]
    tail = ([f"### Other findings by check ({len(rest)})", ""] + _per_check_table(rest, names) if rest else [])
    tail += _gaps(report)
    if report.suppressed:
        tail += [f"{len(report.suppressed)} suppressed findings are not listed.", ""]
    budget = room - _size(intro) - _size(tail) - 400  # 400: the closing note
    if report.baseline_used:
        new_top = [f for f in top if not f.known]
        known_top = [f for f in top if f.known]
        groups = [(f"### New critical and high findings ({len(new_top)})", new_top),
                  (f"### Known critical and high findings, in the baseline ({len(known_top)})", known_top)]
    else:
        groups = [(f"### Critical and high findings ({len(top)})", top)]
    body: list[str] = []
    shown, cut = 0, False
    for heading, group in groups:
        if not group:
            continue
        block = [heading, ""] + _grouped(group, names, mark_known=True)
        if _size(body + block) <= budget:
            body += block
            shown += len(group)
            continue
        # Even the critical and high ones do not fit: list as many as fit, one line each.
        body += [heading, ""]
        for result in group:
            item = _item(result, mark_known=True, check=names.get(result.check_id, result.check_name))
            if _size(body) + len(item) + 1 > budget:
                cut = True
                break
            body.append(item)
            shown += 1
        body.append("")
        break
    more = len(findings) - shown
    note = []
    if more:
        note = [f"**{more} more findings: see the full report** (for example `-f json:report.json` or "
                f"`-f sarif:report.sarif`)." + (" Not every critical and high finding fits here." if cut else ""), ""]
    return intro + body + tail + note


def _size(lines: list[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def render(report: AuditReport, color: bool = False) -> str:
    report = in_root(report)  # file names relative to the audited folder
    names = {c.id: c.name for c in report.checks}
    head = _header(report)
    text = "\n".join(head + _full(report, names)).rstrip() + "\n"
    if len(text) <= LIMIT:
        return text
    lines = head + _summarised(report, names, LIMIT - _size(head))
    text = "\n".join(lines).rstrip() + "\n"
    if len(text) > LIMIT:  # a huge per-check table: keep the top of it and say so
        text = text[:LIMIT - 200].rsplit("\n", 1)[0] + "\n\n**The report is cut here: see the full report.**\n"
    return text
