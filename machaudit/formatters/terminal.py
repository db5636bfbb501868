"""Human report for a terminal, with rich. Colour only when asked for (the CLI decides)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table

from machaudit.report import AuditReport
from machaudit.findings import Severity, State
from machaudit.formatters.root_paths import in_root
from machaudit.formatters.safe_text import markup  # every text from the inputs: inert, one line
from machaudit.scoring import evidence_label, level_label, overall_basis

STYLE = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(report: AuditReport, color: bool) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=120,
                      color_system="standard" if color else None,
                      highlight=False, emoji=False, soft_wrap=True)
    report = in_root(report)  # file names relative to the audited folder
    inv = report.inventory
    entities = ", ".join(f"{n} {k}" for k, n in sorted(inv.get("entities", {}).items())) or "no catalog"
    console.print(f"[bold]{markup(report.title)}[/bold] · machaudit {report.tool_version}  "
                  f"{inv.get('specs', 0)} specs, {inv.get('operations', 0)} operations; {markup(entities)}")
    channels = inv.get("channels") or []
    if channels:
        console.print(f"channels: {markup(', '.join(channels))}")
    console.print()

    checks = {c.id: c for c in report.checks}
    findings = report.findings
    current = None
    for finding in findings:
        if finding.check_id != current:
            current = finding.check_id
            info = checks.get(current)
            title = f"{current} {info.name}" if info else current
            console.print(f"[bold]{markup(title)}[/bold] [dim]({markup(info.area if info else '')})[/dim]")
        where = str(finding.location) if finding.location else finding.subject
        known = " [dim](in baseline)[/dim]" if finding.known else ""
        console.print(f"  [{STYLE[finding.severity]}]{finding.severity.label:<8}[/] [dim]{markup(where)}[/dim]{known}")
        console.print(f"           {markup(finding.message)}")
    _journey_summary(console, report.journey)
    if report.credits:
        console.print()
        console.print(f"[bold]Credit[/bold] ({len(report.credits)}): what the stack does well")
        for credit in report.credits:
            console.print(f"  [green]pass    [/] {markup(credit.check_id)} {markup(credit.message)}")
    gaps = [r for r in report.results if r.state is State.UNKNOWN]
    if gaps:
        console.print()
        console.print(f"[bold]Evidence gaps[/bold] ({len(gaps)}): the inputs do not say; not counted as passes")
        by_check: dict[str, list] = {}
        for gap in gaps:
            by_check.setdefault(gap.check_id, []).append(gap)
        for check_id, items in by_check.items():  # one line per check: the same question, many subjects
            more = f" (and {len(items) - 1} more subjects)" if len(items) > 1 else ""
            console.print(f"  [magenta]unknown [/] {markup(check_id)} {markup(items[0].subject)}: "
                          f"{markup(items[0].message)}{more}")
    problems = [s for s in report.suppressions if s.problem or not s.used]
    if report.suppressed or problems:
        console.print()
        console.print(f"[bold]Suppressions[/bold]: {len(report.suppressed)} findings suppressed with a reason")
        for use in problems:
            what = f"cannot be used: it {use.problem}" if use.problem else "is unused: nothing it covers was found"
            console.print(f"  [yellow]{markup(use.check or '?')}[/] at {markup(str(use.location))} {markup(what)}")
    for error in report.errors:
        console.print(f"[bold red]check {markup(error.check_id)} failed to run:[/] {markup(error.message)}")

    _scores(console, report.scores)
    console.print()
    table = Table(title=None, show_header=True, header_style="bold", box=None, pad_edge=False)
    for severity in sorted(Severity, reverse=True):
        table.add_column(severity.label, justify="right", style=STYLE[severity])
    counts = report.counts()
    table.add_row(*(str(counts[s.label]) for s in sorted(Severity, reverse=True)))
    passed = sum(1 for r in report.results if r.state is State.PASS)
    new = f", {len(report.blocking)} new since the baseline" if report.baseline_used else ""
    console.print(f"[bold]{len(findings)} findings[/bold]{new} from {len(report.checks)} checks "
                  f"({passed} passed, {len(gaps)} evidence gaps)")
    console.print(table)
    return buffer.getvalue()


def _journey_summary(console: Console, journey) -> None:
    """One line per state: which touchpoints customers reach, must phone for, or cannot use."""
    if not journey or not journey.get("channels"):
        return
    phone = [c for c in journey["channels"] if c == "call-center"]
    customer = [c for c in journey["channels"] if c not in phone]
    if not customer:
        return
    by_state: dict[str, list[str]] = {}
    for stage in journey["stages"]:
        for touchpoint in stage["touchpoints"]:
            states = {touchpoint["cells"][c]["state"] for c in customer}
            state = states.pop() if len(states) == 1 else "partly self-service"
            by_state.setdefault(state, []).append(touchpoint["name"])
    console.print()
    console.print(f"[bold]Customer journey[/bold] over {markup(', '.join(customer))} (details: machaudit journey)")
    for state, style in (("self-service", "green"), ("partly self-service", "cyan"), ("phone-only", "bold red"),
                         ("staff-only", "red"), ("internal-only", "yellow"), ("missing", "magenta")):
        if by_state.get(state):
            console.print(f"  [{style}]{state:<20}[/] {markup(', '.join(by_state[state]))}")


def _scores(console: Console, scores) -> None:
    """The overall level with the areas it rests on; each area with its evidence, provisional
    ones (too little evidence to count overall) marked with the reason."""
    if not scores:
        return
    console.print()
    overall = scores["overall"]
    console.print(f"[bold]MACH readiness: {markup(level_label(overall))}[/bold]"
                  + (f" (weakest: {markup(', '.join(overall['weakest_areas']))})" if overall["weakest_areas"] else "")
                  + (f"; {overall['evidence_gaps']} check{'s' if overall['evidence_gaps'] != 1 else ''} with evidence gaps"
                     if overall["evidence_gaps"] else ""))
    if "based_on" in overall:
        console.print(f"  [dim]{markup(overall_basis(overall))}[/dim]")
    for area, entry in scores["areas"].items():
        points = "  -" if entry["points"] is None else f"{entry['points']:>3}"
        line = f"  {markup(area):<14} {points} points  {markup(level_label(entry))}"
        if entry.get("level") is not None:
            line += f"  [dim]{markup(evidence_label(entry))}[/dim]"
        console.print(line)
        if entry.get("provisional_reason"):
            console.print(f"  {'':<14}            [yellow]provisional:[/] {markup(entry['provisional_reason'])}")
