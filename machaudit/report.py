"""The AuditReport: everything the formatters, baselines and library callers may see of an audit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from machaudit import __version__
from machaudit.findings import Location, Result, Severity, State
from machaudit.registry import CheckInfo

REPORT_SCHEMA_VERSION = "1.0"


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

    @property
    def findings(self) -> list[Result]:
        """Failures that stand: not suppressed (baseline-known ones included, marked known)."""
        return [r for r in self.results if r.state is State.FAIL and r.suppressed is None]

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
