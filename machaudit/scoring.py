"""Readiness per MACH area: weighted points, a ladder level, and the evidence behind them.

Points: the weights of the applicable checks that passed over the weights of all applicable checks
(critical 10, high 5, medium 3, low 1, info 0). A check is applicable in an area when it produced a
pass or a fail there; a check with only unknown results is an evidence gap, counted apart and never
as a pass. A level is reached when every check at that level and below passes.

Evidence. Each area reports its applicable checks, passes, failures, evidence gaps and a coverage
figure: the share of its judged subjects (pass, fail or unknown results; not-applicable ones left
out) that got a definite pass or fail. An area is *provisional* when its evidence is below the
minimum a consultant can sign:

- fewer than MIN_CHECKS (3) applicable checks, or
- coverage below MIN_COVERAGE (50 %): most of what it asked, the inputs did not answer, or
- the journey area when the inputs name no customer channel (then only "does some API offer the
  touchpoint" is known, not whether a customer can reach it).

A provisional area is shown with its level, but it does not decide the overall level: the overall
level is that of the weakest area among the ones with enough evidence, and names the areas it rests
on. When no area has enough evidence, there is no overall level ("not assessed"). A provisional
area whose definite failures put it below the overall level is named beside it ("would lower it"):
its failures are facts, but on thin evidence they are not the headline of the whole stack.
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
# The evidence an area needs for its level to count overall (see the module docstring).
MIN_CHECKS = 3
MIN_COVERAGE = 50  # per cent of judged subjects with a definite pass or fail
JOURNEY_AREA = "journey"


def score(results: Iterable[Result], checks: Iterable[Any],
          customer_channels: int | None = None) -> dict[str, Any]:
    """Areas and the overall level. `customer_channels`: how many customer channels the inputs
    name (None: not known, e.g. a report built without a stack; the journey rule is then not applied)."""
    info = {c.id: c for c in checks}
    per_check: dict[str, set[State]] = {}
    decided: dict[str, int] = {}  # per area: results with a definite pass or fail
    undecided: dict[str, int] = {}  # per area: unknown results
    for result in results:
        if result.check_id in info:
            state = State.PASS if result.state is State.FAIL and result.suppressed is not None else result.state
            per_check.setdefault(result.check_id, set()).add(state)
            area = info[result.check_id].area
            if state in (State.PASS, State.FAIL):
                decided[area] = decided.get(area, 0) + 1
            elif state is State.UNKNOWN:
                undecided[area] = undecided.get(area, 0) + 1
    areas = {}
    for area in AREAS:
        ids = sorted(c for c in per_check if info[c].area == area)
        applicable = [c for c in ids if per_check[c] & {State.PASS, State.FAIL}]
        failed = [c for c in applicable if State.FAIL in per_check[c]]
        gaps = [c for c in ids if State.UNKNOWN in per_check[c]]
        total = sum(WEIGHTS[info[c].severity] for c in applicable)
        earned = sum(WEIGHTS[info[c].severity] for c in applicable if c not in failed)
        failing_severities = {info[c].severity for c in failed}
        level, name = 0, LEVELS[0][1]
        for number, label, severities in LEVELS[1:]:
            if failing_severities & set(severities):
                break
            level, name = number, label
        judged = decided.get(area, 0) + undecided.get(area, 0)
        coverage = round(100 * decided.get(area, 0) / judged) if judged else None
        reason = _provisional_reason(area, len(applicable), coverage, customer_channels) if applicable else None
        areas[area] = {
            "points": round(100 * earned / total) if total else None,
            "level": level if applicable else None,
            "level_name": name if applicable else "not assessed",
            "checks_applicable": len(applicable),
            "checks_passed": [c for c in applicable if c not in failed],
            "checks_failed": failed,
            "evidence_gaps": gaps,
            "coverage": coverage,
            "provisional": reason is not None,
            "provisional_reason": reason,
        }
    assessed = {n: a for n, a in areas.items() if a["level"] is not None}
    decisive = {n: a for n, a in assessed.items() if not a["provisional"]}
    weakest = min(decisive.values(), key=lambda a: (a["level"], a["points"]), default=None)
    return {
        "areas": areas,
        "overall": {
            "level": weakest["level"] if weakest else None,
            "level_name": weakest["level_name"] if weakest else "not assessed",
            "weakest_areas": [n for n, a in decisive.items() if weakest and a["level"] == weakest["level"]],
            "based_on": list(decisive),
            "provisional_areas": [n for n, a in assessed.items() if a["provisional"]],
            "provisional_below": [n for n, a in assessed.items()
                                  if a["provisional"] and weakest and a["level"] < weakest["level"]],
            "evidence_gaps": sum(len(a["evidence_gaps"]) for a in areas.values()),
        },
        "minimum_evidence": {"checks": MIN_CHECKS, "coverage": MIN_COVERAGE,
                             "journey": "at least one customer channel"},
        "levels": [{"level": n, "name": label} for n, label, _ in LEVELS],
    }


def _provisional_reason(area: str, applicable: int, coverage: int | None,
                        customer_channels: int | None) -> str | None:
    """Why an area's evidence is too thin for its level to count overall (every reason that
    holds, joined by "; "); None when it is enough."""
    reasons = []
    if area == JOURNEY_AREA and customer_channels == 0:
        reasons.append("no customer channel: whether a customer can reach each touchpoint is not known")
    if applicable < MIN_CHECKS:
        reasons.append(f"only {applicable} applicable check{'s' if applicable != 1 else ''} (at least {MIN_CHECKS} needed)")
    if coverage is not None and coverage < MIN_COVERAGE:
        reasons.append(f"coverage {coverage} % (at least {MIN_COVERAGE} % needed)")
    return "; ".join(reasons) or None


def level_label(entry: Mapping[str, Any]) -> str:
    if entry.get("level") is None:
        return "not assessed"
    label = f"level {entry['level']} · {entry['level_name']}"
    return f"{label} (provisional)" if entry.get("provisional") else label


def evidence_label(entry: Mapping[str, Any]) -> str:
    """An area's evidence in a few words: "4 checks (3 passed, 1 failed), 2 gaps, coverage 80 %"."""
    applicable = entry.get("checks_applicable", 0)
    failed = len(entry.get("checks_failed", ()))
    gaps = len(entry.get("evidence_gaps", ()))
    text = f"{applicable} check{'s' if applicable != 1 else ''}"
    if applicable:
        text += f" ({applicable - failed} passed, {failed} failed)"
    text += f", {gaps} with gaps"
    if entry.get("coverage") is not None:
        text += f", coverage {entry['coverage']} %"
    return text


def overall_basis(overall: Mapping[str, Any]) -> str:
    """What the overall level rests on, and what it leaves out, as one sentence."""
    based, provisional = overall.get("based_on") or [], overall.get("provisional_areas") or []
    if overall.get("level") is None:
        if provisional:
            return ("No overall level: no area has enough evidence (provisional: "
                    + ", ".join(provisional) + ").")
        return "No area could be assessed."
    if not provisional:
        return (f"The overall level rests on all {len(based)} assessed areas." if len(based) > 1
                else f"The overall level rests on {', '.join(based)} alone.")
    sentence = ("The overall level rests on " + ", ".join(based) + "; not counted, too little evidence "
                "(provisional): " + ", ".join(provisional) + ".")
    below = overall.get("provisional_below") or []
    if below:
        sentence += (" Definite failures in " + ", ".join(below) + " would lower it; read "
                     + ("that area" if len(below) == 1 else "those areas") + " before signing.")
    return sentence
