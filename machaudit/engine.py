"""Runs the selected checks over a read-only context and assembles the AuditReport."""

from __future__ import annotations

import re
import time
import traceback
from dataclasses import replace
from typing import Any, Callable, Iterable, Mapping

from machaudit.baseline import is_known
from machaudit.bundles import NOTE_CHECK, audit_once, find_bundles
from machaudit.findings import NO_EVIDENCE, Location, Result, Severity, State
from machaudit.graph import Graphs
from machaudit.model import PHONE_TYPE, Stack, Suppression
from machaudit.policy import Policy
from machaudit.scoring import score
from machaudit.registry import CheckInfo
from machaudit.report import AuditReport, CheckError, SuppressionUse
from machaudit.overlaps import fold_overlaps
from machaudit.root_causes import collapse_root_causes
from machaudit.spec_wide import merge_spec_wide


class CheckContext:
    """What one check sees: the stack, the frozen graphs, its options; and how it reports."""

    def __init__(self, info: CheckInfo, stack: Stack, graphs: Graphs, options: Mapping[str, Any],
                 policy: Policy | None = None, journey=None):
        self.info = info
        self.stack = stack
        self.graphs = graphs
        self.journey = journey  # machaudit.journey.JourneyMap
        self.sections: dict[str, Any] = {}
        self.options = {**info.options, **options}
        self.policy = policy or Policy()

    def _result(self, state: State, subject: str, message: str, location: Location | None,
                evidence: Mapping[str, Any] | None, severity: Severity | None) -> Result:
        return Result(
            check_id=self.info.id,
            check_name=self.info.name,
            state=state,
            subject=subject,
            message=message,
            severity=severity if severity is not None else self.info.severity,
            location=location,
            evidence=dict(evidence) if evidence else NO_EVIDENCE,
        )

    def fail(self, subject: str, message: str, location: Location | None = None,
             evidence: Mapping[str, Any] | None = None, severity: Severity | None = None) -> Result:
        return self._result(State.FAIL, subject, message, location, evidence, severity)

    def passed(self, subject: str, message: str = "", location: Location | None = None) -> Result:
        return self._result(State.PASS, subject, message, location, None, None)

    def unknown(self, subject: str, message: str, location: Location | None = None,
                severity: Severity | None = None) -> Result:
        """Evidence the inputs do not contain: an evidence gap, never a pass."""
        return self._result(State.UNKNOWN, subject, message, location, None, severity)

    def publish(self, section: str, data: Any) -> None:
        """Hand a structured view to the reports (e.g. "data_locations", "propagation")."""
        self.sections[section] = data

    def not_applicable(self, subject: str, message: str = "") -> Result:
        return self._result(State.NOT_APPLICABLE, subject, message, None, None, None)


def run_checks(
    stack: Stack,
    graphs: Graphs,
    checks: Iterable[CheckInfo],
    options: Mapping[str, Mapping[str, Any]] | None = None,
    locate: Callable[[Location], Location] | None = None,
    policy: Policy | None = None,
    severities: Mapping[str, Severity] | None = None,
    baseline: frozenset[str] | None = None,
    journey=None,
    progress=None,
    validated: Callable[[], Stack] | None = None,
) -> AuditReport:
    """Run checks; then severity overrides, suppressions (from the stack) and the baseline.

    With `validated`, `stack` has no validator issues yet: the checks that need them run last, on
    the stack `validated()` returns once validation has finished (the report describes that one).
    """
    started = time.perf_counter()
    checks = tuple(checks)
    results: list[Result] = []
    errors: list[CheckError] = []
    sections: dict[str, Any] = {}
    waiting = [info for info in checks if info.needs_validation] if validated is not None else []
    if progress is not None:
        progress.stage("checks", len(checks) - len(waiting))
    for info in [c for c in checks if c not in waiting] + waiting:
        if waiting and info is waiting[0]:
            if locate is not None:
                _index_few_files(results, locate)
            stack = validated()
            if progress is not None:
                progress.stage("checks", len(waiting))
        if progress is not None:
            progress.advance()
        context = CheckContext(info, stack, graphs, (options or {}).get(info.id, {}), policy, journey)
        try:
            produced = list(info.run(context) or ())
        except Exception as exc:  # one broken check must not sink the audit
            errors.append(CheckError(info.id, f"{type(exc).__name__}: {exc}", traceback.format_exc()))
            continue
        sections.update(context.sections)
        override = (severities or {}).get(info.id)
        for result in produced:
            if override is not None and result.state is State.FAIL:
                result = replace(result, severity=override)
            results.append(result)
    if validated is not None and not waiting:
        if locate is not None:
            _index_few_files(results, locate)
        stack = validated()  # the report's spec summary says which specs are valid
    # One finding per fact: a bundle's results give way to its parts'; consequences of a broken file fold into it; then suppressions, which
    # name single findings; then overlapping checks give way to the one that says more, and what
    # several operations of a spec share is said once per spec.
    bundles = find_bundles(stack)
    results = audit_once(results, bundles, note=any(c.id == NOTE_CHECK for c in checks))
    results = collapse_root_causes(results, stack)
    results, uses = _apply_suppressions(results, stack.suppressions, checks)
    judged = results  # coverage counts the subjects judged, before several are said in one finding
    results = fold_overlaps(results)
    specs = stack.specs.values()
    results = merge_spec_wide(results, {s.display: len(s.operations) for s in specs},
                              {(s.display, op.label): i for s in specs for i, op in enumerate(s.operations)})
    if locate is not None:  # after merging: a spec's 900 operations saying one fact need one line
        _locate_all(results, locate)
    if baseline is not None:
        results = [replace(r, known=True) if r.state is State.FAIL and is_known(r, baseline) else r
                   for r in results]
    results.sort(key=_order)
    return AuditReport(
        results=tuple(results),
        checks=checks,
        inventory=_inventory(stack, bundles),
        specs=tuple(_spec_summary(s) for s in stack.specs.values()),
        errors=tuple(errors),
        suppressions=tuple(uses),
        baseline_used=baseline is not None,
        journey=journey.to_dict() if journey is not None else None,
        scores=score(judged, checks, customer_channels=sum(1 for c in stack.channels if c.type != PHONE_TYPE)),
        graph=_graph_data(graphs),
        sections=sections,
        duration_seconds=time.perf_counter() - started,
        catalog_title=catalog_title(stack),
        descriptions=_descriptions(stack),
    )


def catalog_title(stack: Stack) -> str:
    """The catalog's Domain names, else its System names (titles where given), at most three named."""
    for kind in ("domain", "system"):
        names = sorted({(e.title or e.name).strip() for e in stack.of_kind(kind) if not e.inferred} - {""})
        if names:
            if len(names) > 3:
                return ", ".join(names[:3]) + f" and {len(names) - 3} more"
            return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
    return ""


def _descriptions(stack: Stack) -> tuple[dict[str, str], ...]:
    order = {"domain": 0, "system": 1, "component": 2, "api": 3, "resource": 4, "group": 5}
    described = [e for e in stack.entities.values() if e.description.strip() and not e.inferred]
    described.sort(key=lambda e: (order.get(e.kind, 9), e.name))
    return tuple({"ref": e.ref, "kind": e.kind, "name": e.name, "title": e.title,
                  "description": e.description.strip()} for e in described)


_FILES_INDEXED_EARLY = 4


def _index_few_files(results: list[Result], locate: Callable[[Location], Location]) -> None:
    """This process is about to wait for the validator workers. When the findings so far name
    lines in a few files only, one finding of each is located now, so that those files are read
    and indexed meanwhile, not after validation (a large spec's index takes a while to build).
    Many files are left to `_locate_all`, after merging: a folder's workers are still busy, and
    this process would only take their time."""
    first: dict[str, Location] = {}
    for result in results:
        loc = result.location
        if loc and loc.line is None and loc.pointer and loc.file not in first:
            if len(first) == _FILES_INDEXED_EARLY:
                return
            first[loc.file] = loc
    for loc in first.values():
        locate(loc)


def _locate_all(results: list[Result], locate: Callable[[Location], Location]) -> None:
    """Lines for results a check located by pointer only, file after file: each file's text is
    read and indexed once, not once per check that found something in it."""
    pending = [i for i, r in enumerate(results) if r.location and r.location.line is None and r.location.pointer]
    for i in sorted(pending, key=lambda i: results[i].location.file):
        results[i] = results[i].with_location(locate(results[i].location))


def _apply_suppressions(results: list[Result], suppressions: tuple[Suppression, ...], checks) -> tuple[list[Result], list[SuppressionUse]]:
    names = {c.name: c.id for c in checks}
    ids = set(names.values())
    uses: list[SuppressionUse] = []
    active: list[tuple[Suppression, str, list[int]]] = []
    for s in suppressions:
        check_id = s.check.upper() if s.check.upper() in ids else names.get(s.check.lower(), "")
        if not s.check:
            uses.append(SuppressionUse(s.check, s.reason, s.location, problem="names no check id"))
        elif not s.reason:
            uses.append(SuppressionUse(s.check, s.reason, s.location, problem="has no reason; a suppression must say why"))
        elif not check_id:
            uses.append(SuppressionUse(s.check, s.reason, s.location, problem="names a check that did not run or does not exist"))
        else:
            active.append((s, check_id, [0]))
    out = []
    for result in results:
        if result.state is State.FAIL:
            for s, check_id, used in active:
                if check_id == result.check_id and _covers(s, result):
                    used[0] += 1
                    result = replace(result, suppressed=s.reason)
                    break
        out.append(result)
    uses += [SuppressionUse(s.check, s.reason, s.location, used[0]) for s, _, used in active]
    return out, uses


def _covers(s: Suppression, result: Result) -> bool:
    if s.subject and (result.subject == s.subject or result.subject.startswith(s.subject + " ")
                      or s.subject in re.split(r", | <-> | -> ", result.subject)):
        return True  # an entity's suppression covers findings naming it, cycles and pairs included
    if not s.file:
        return False
    loc = result.location
    if loc is not None and loc.file == s.file:
        return loc.pointer == s.pointer or loc.pointer.startswith(s.pointer + "/") or not s.pointer
    return not s.pointer and (result.subject == s.file or result.subject.startswith(s.file + " "))


def _graph_data(graphs: Graphs) -> dict[str, Any]:
    full = graphs.full
    return {
        "nodes": [{"id": n, **{k: v for k, v in d.items()}} for n, d in sorted(full.nodes(data=True))],
        "edges": [{"source": u, "target": v, "relation": d.get("relation", ""), "type": d.get("type", "sync")}
                  for u, v, d in sorted(full.edges(data=True))],
    }


def _order(result: Result):
    state_rank = {State.FAIL: 0, State.UNKNOWN: 1, State.PASS: 2, State.NOT_APPLICABLE: 3}[result.state]
    loc = result.location
    return (state_rank, -result.severity, result.check_id, loc.file if loc else "", loc.line or 0 if loc else 0, result.subject)


def _inventory(stack: Stack, bundles) -> dict[str, Any]:
    kinds: dict[str, int] = {}
    for entity in stack.entities.values():
        if not entity.inferred:
            kinds[entity.kind] = kinds.get(entity.kind, 0) + 1
    return {
        "catalog_files": list(stack.catalog_files),
        "entities": kinds,
        "channels": sorted(e.name for e in stack.channels),
        "specs": len(stack.specs),
        "operations": sum(len(s.operations) for s in stack.specs.values()),
        "bundles": [{"spec": b.spec, "parts": list(b.parts)} for b in bundles],
    }


def _spec_summary(spec) -> dict[str, Any]:
    return {
        "file": spec.display,
        "version": spec.version,
        "title": spec.title,
        "operations": len(spec.operations),
        "problems": len(spec.problems),
        "valid": spec.parsed and not spec.problems,
    }
