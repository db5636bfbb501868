"""Readiness per MACH area: weighted points and a ladder level; overall = the weakest area.

Points: the weights of the applicable checks that passed over the weights of all applicable checks
(critical 10, high 5, medium 3, low 1, info 0). A check is applicable in an area when it produced a
pass or a fail there; a check with only unknown results is an evidence gap, counted apart and never
as a pass. A level is reached when every check at that level and below passes.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from machaudit.findings import Result, Severity, State

WEIGHTS = {Severity.CRITICAL: 10, Severity.HIGH: 5, Severity.MEDIUM: 3, Severity.LOW: 1, Severity.INFO: 0}
AREAS = ("microservices", "api-first", "cloud-native", "data-location", "headless", "journey", "resilience")
# Level n is reached when no check of these severities fails (cumulative).
LEVELS = (
    (0, "ad hoc", ()),
    (1, "foundational", (Severity.CRITICAL,)),
    (2, "managed", (Severity.CRITICAL, Severity.HIGH)),
    (3, "composable", (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM)),
    (4, "MACH-native", (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW)),
)


def score(results: Iterable[Result], checks: Iterable[Any]) -> dict[str, Any]:
    info = {c.id: c for c in checks}
    per_check: dict[str, set[State]] = {}
    for result in results:
        if result.check_id in info:
            state = State.PASS if result.state is State.FAIL and result.suppressed is not None else result.state
            per_check.setdefault(result.check_id, set()).add(state)
    areas = {}
    for area in AREAS:
        ids = sorted(c for c in per_check if info[c].area == area)
        applicable = [c for c in ids if per_check[c] & {State.PASS, State.FAIL}]
        failed = [c for c in applicable if State.FAIL in per_check[c]]
        gaps = [c for c in ids if per_check[c] == {State.UNKNOWN} or State.UNKNOWN in per_check[c]]
        total = sum(WEIGHTS[info[c].severity] for c in applicable)
        earned = sum(WEIGHTS[info[c].severity] for c in applicable if c not in failed)
        failing_severities = {info[c].severity for c in failed}
        level, name = 0, LEVELS[0][1]
        for number, label, severities in LEVELS[1:]:
            if failing_severities & set(severities):
                break
            level, name = number, label
        areas[area] = {
            "points": round(100 * earned / total) if total else None,
            "level": level if applicable else None,
            "level_name": name if applicable else "not assessed",
            "checks_applicable": len(applicable),
            "checks_failed": failed,
            "evidence_gaps": gaps,
        }
    assessed = [a for a in areas.values() if a["level"] is not None]
    weakest = min(assessed, key=lambda a: (a["level"], a["points"]), default=None)
    return {
        "areas": areas,
        "overall": {
            "level": weakest["level"] if weakest else None,
            "level_name": weakest["level_name"] if weakest else "not assessed",
            "weakest_areas": [n for n, a in areas.items() if weakest and a["level"] == weakest["level"]],
            "evidence_gaps": sum(len(a["evidence_gaps"]) for a in areas.values()),
        },
        "levels": [{"level": n, "name": label} for n, label, _ in LEVELS],
    }


def level_label(entry: Mapping[str, Any]) -> str:
    if entry.get("level") is None:
        return "not assessed"
    return f"level {entry['level']} · {entry['level_name']}"
