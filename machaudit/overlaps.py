"""Checks whose findings can state the same fact, made exclusive: the finding that says more keeps
the fact, the other's finding is folded into it (and stands for it in baselines).

DAT005 (shared-persistence) names a datastore and every component that uses it, with their systems;
DAT006 (inappropriate-intimacy) names one component -> resource edge that crosses systems or teams.
When the resource of a DAT006 edge is a DAT005 finding, the edge is one of the uses DAT005 lists:
one fact, reported by DAT005 with the crossing named.
"""

from __future__ import annotations

from machaudit.findings import Result, State, standing_for


def fold_overlaps(results: list[Result]) -> list[Result]:
    open_fail = lambda r: r.state is State.FAIL and r.suppressed is None  # noqa: E731
    shared = {r.subject: i for i, r in enumerate(results) if r.check_id == "DAT005" and open_fail(r)}
    if not shared:
        return results
    edges: dict[int, list[Result]] = {}
    folded: set[int] = set()
    for i, result in enumerate(results):
        if result.check_id == "DAT006" and open_fail(result):
            target = shared.get(str(result.evidence.get("resource", "")))
            if target is not None:
                edges.setdefault(target, []).append(result)
                folded.add(i)
    out = list(results)
    for i, crossing in edges.items():
        finding = out[i]
        said = "; ".join(e.message for e in crossing)
        out[i] = standing_for(
            finding, [finding, *crossing],
            severity=max([finding.severity, *(e.severity for e in crossing)]),
            message=f"{finding.message}; {said} (DAT006)",
            evidence={**finding.evidence, "crossings": [dict(e.evidence) for e in crossing]},
        )
    return [r for i, r in enumerate(out) if i not in folded]
