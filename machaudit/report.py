"""The AuditReport: everything the formatters, baselines and library callers may see of an audit."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from machaudit import __version__
from machaudit.findings import Location, Result, Severity, State
from machaudit.registry import CheckInfo

# 1.1: scores carry their evidence (areas: checks_passed, coverage, provisional, provisional_reason;
# overall: based_on, provisional_areas; minimum_evidence), the report a title, and `configuration`.
REPORT_SCHEMA_VERSION = "1.1"


@dataclass(frozen=True)
class CheckError:
    check_id: str
    message: str
    detail: str = ""


@dataclass(frozen=True)
class SuppressionUse:
    """A suppression as the report shows it: used or not, or why it could not be used."""

    check: str
    reason: str
    location: Location
    used: int = 0  # findings it covered
    problem: str = ""


@dataclass(frozen=True)
class AuditReport:
    """Everything formatters may see."""

    results: tuple[Result, ...]
    checks: tuple[CheckInfo, ...]
    inventory: Mapping[str, Any] = field(default_factory=dict)  # counts of what was read
    specs: tuple[Mapping[str, Any], ...] = ()  # per spec: file, version, title, operations, valid
    errors: tuple[CheckError, ...] = ()
    suppressions: tuple[SuppressionUse, ...] = ()
    baseline_used: bool = False
    journey: Mapping[str, Any] | None = None  # the touchpoint map (JourneyMap.to_dict())
    scores: Mapping[str, Any] = field(default_factory=dict)  # machaudit.scoring.score()
    # The `full` graph view for figures: {"nodes": [{id, kind, type, name, system, ...}], "edges": [...]}
    graph: Mapping[str, Any] = field(default_factory=dict)
    # Structured views checks published for the reports: "data_locations", "propagation" …
    sections: Mapping[str, Any] = field(default_factory=dict)
    # The config file read, and what a file from the audited tree set or asked for (config.py)
    configuration: Mapping[str, Any] = field(default_factory=dict)
    tool_version: str = __version__
    schema_version: str = REPORT_SCHEMA_VERSION
    duration_seconds: float = 0.0
    # What the report is about: `--title`, else the catalog's Domain or System names (catalog_title),
    # else the audited folder's name (`title` property). root: the audited folder (absolute), which
    # human reports show paths relative to; "" when the inputs share none (URLs only).
    given_title: str = ""
    catalog_title: str = ""
    root: str = ""
    # Catalog entities with a description, for the reports a client reads: {ref, kind, name, title, description}
    descriptions: tuple[Mapping[str, str], ...] = ()

    @property
    def title(self) -> str:
        if self.given_title.strip():
            return self.given_title.strip()
        if self.catalog_title:
            return self.catalog_title
        return folder_title(self.root) or "the audited stack"

    @property
    def findings(self) -> list[Result]:
        """Failures that stand: not suppressed (baseline-known ones included, marked known)."""
        return [r for r in self.results if r.state is State.FAIL and r.suppressed is None]

    @property
    def credits(self) -> list[Result]:
        """Passes that credit a practice (CREDITED_CHECKS), with what was seen: the human reports
        show them beside the findings, so a well-composed part is counted, not only the gaps."""
        return [r for r in self.results if r.state is State.PASS and r.check_id in CREDITED_CHECKS and r.message]

    @property
    def suppressed(self) -> list[Result]:
        return [r for r in self.results if r.state is State.FAIL and r.suppressed is not None]

    @property
    def blocking(self) -> list[Result]:
        """What the exit code is judged on: new (not in the baseline), unsuppressed failures."""
        return [r for r in self.results if r.blocking]

    def counts(self) -> dict[str, int]:
        out = {s.label: 0 for s in Severity}
        for finding in self.findings:
            out[finding.severity.label] += 1
        return out


# State changes published as events (API010) and loops closed by events (ORC001): choreography,
# which the findings alone would never mention.
CREDITED_CHECKS = ("API010", "ORC001")


def with_inputs(report: AuditReport, paths: Iterable[str], title: str | None = None) -> AuditReport:
    """The report with what the user audited: the title given (`--title`) and the audited root."""
    return replace(report, given_title=title or "", root=audited_root(list(paths)))


def audited_root(paths: list[str]) -> str:
    """The folder the inputs share (absolute; symlinks kept, as store keys are): a folder argument
    itself, a file's or a glob's folder; "" for URLs only or inputs with nothing in common but /."""
    folders = []
    for path in paths or ["."]:
        if "://" in path:
            continue
        head = path
        while any(ch in head for ch in "*?["):  # a glob: the folder before its first pattern
            head = os.path.dirname(head)
        absolute = os.path.abspath(head or ".")
        folders.append(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    if not folders:
        return ""
    try:
        common = os.path.commonpath(folders)
    except ValueError:  # another drive on Windows
        return ""
    return "" if os.path.dirname(common) == common else common


def folder_title(root: str) -> str:
    """An audited folder's name as a title: "ms2" for ../../ms2; the company folder for its specs/."""
    if not root:
        return ""
    name = os.path.basename(root)
    if name in ("specs", "catalog") and os.path.basename(os.path.dirname(root)):
        name = os.path.basename(os.path.dirname(root))
    return name
