"""Spec-wide facts once per spec: when a check says the same thing of several operations of one
spec, that is one fact about the spec (a practice: "no operation declares its errors"), reported
once with the count and the operations in the evidence, not once per operation.

A check's result is about one operation when its subject is "<spec> <METHOD> <path>" and its
message starts with "<METHOD> <path>" (the operation is what the sentence is about). Results of
one check, one spec and one severity whose messages are the same once the operation is taken out
are the same fact. Results of other shapes pass through unchanged; so do suppressed ones (a
suppression on one operation keeps covering exactly that operation).
"""

from __future__ import annotations

from typing import Mapping

from machaudit.findings import Result, State, standing_for

METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})
SHOWN = 3  # operations named in the message; the evidence lists all


def operation_fact(result: Result) -> tuple[str, str, str] | None:
    """(spec, operation, what is said of it) for a result about one operation of a spec, else None."""
    parts = result.subject.rsplit(" ", 2)
    if len(parts) != 3 or parts[1] not in METHODS or not parts[2].startswith("/"):
        return None
    spec, method, path = parts
    label = f"{method} {path}"
    if not result.message.startswith(label + " "):
        return None
    return spec, label, result.message[len(label) + 1:]


def merge_spec_wide(results: list[Result], operations: Mapping[str, int]) -> list[Result]:
    """`results` with each fact said of several operations of one spec merged into one finding.
    `operations`: the number of operations of each spec, by its display name."""
    groups: dict[tuple, list[int]] = {}
    for i, result in enumerate(results):
        if result.state is not State.FAIL or result.suppressed is not None:
            continue
        found = operation_fact(result)
        if found is not None:
            spec, _, fact = found
            groups.setdefault((result.check_id, spec, result.severity, fact), []).append(i)
    merged: dict[int, Result] = {}
    for (_, spec, _, fact), members in groups.items():
        if len(members) > 1:
            merged[members[0]] = _merged([results[i] for i in members], spec, fact, operations.get(spec, 0))
            merged.update((i, None) for i in members[1:])
    return [merged.get(i, r) for i, r in enumerate(results) if merged.get(i, r) is not None]


def _merged(members: list[Result], spec: str, fact: str, total: int) -> Result:
    members.sort(key=lambda r: (r.location.file, r.location.line or 0) if r.location else ("", 0))
    labels = [operation_fact(r)[1] for r in members]
    shown = ", ".join(labels[:SHOWN]) + (f" and {len(labels) - SHOWN} more" if len(labels) > SHOWN else "")
    count = f"{len(members)} of {total} operations" if total >= len(members) else f"{len(members)} operations"
    # What every operation's evidence says alike is the fact's; what differs is kept per operation.
    shared = {k: v for k, v in members[0].evidence.items() if all(k in r.evidence and r.evidence[k] == v for r in members)}
    evidence: dict = {**shared, "operations": labels, "count": len(members)}
    if total:
        evidence["of_operations"] = total
    per_operation = {label: {k: v for k, v in r.evidence.items() if k not in shared}
                     for label, r in zip(labels, members)}
    if any(per_operation.values()):
        evidence["per_operation"] = per_operation
    return standing_for(members[0], members, subject=spec, message=f"{count}: each {fact} ({shown})", evidence=evidence)
