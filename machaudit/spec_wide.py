"""Spec-wide facts once per spec: when a check says the same thing of several operations of one
spec, that is one fact about the spec (a practice: "no operation declares its errors"), reported
once with the count and the operations in the evidence, not once per operation.

A result is about one operation of a spec in two shapes:
- its subject is "<spec> <METHOD> <path>" (or "<spec> webhook <name> <METHOD>") and its message
  starts with the operation, which is what the sentence is about ("GET /a declares no error");
- its subject is the spec, it is located at an operation (`/paths/<path>/<method>…`) and its
  message ends with " at <that pointer>", or with it and a parenthesis (a validator's "'responses'
  is a required property at … (structural error: …)").
Results of one check, one spec and one severity whose messages are the same once the operation is
taken out are the same fact. Results of other shapes pass through unchanged; so do suppressed ones
(a suppression on one operation keeps covering exactly that operation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from machaudit.findings import Result, State, split_pointer, standing_for

METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})
SHOWN = 3  # operations named in the message; the evidence lists all


OPERATION_POINTER = re.compile(r"^/paths/([^/]+)/(get|put|post|delete|options|head|patch|trace)(/.*)?$")


@dataclass(frozen=True)
class OperationFact:
    spec: str
    operation: str  # "GET /a", "webhook order.paid POST"
    fact: str  # what is said of it, the operation taken out
    sentence: str  # how several are said at once: "{count}: each {fact} ({operations})" …


def operation_fact(result: Result) -> OperationFact | None:
    """What a result says of one operation of a spec, or None when it is not about one operation."""
    parts = result.subject.rsplit(" ", 3)
    if len(parts) == 4 and parts[1] in ("webhook", "callback") and parts[3] in METHODS:
        spec, label = parts[0], " ".join(parts[1:])
    elif len(parts) >= 3 and parts[-2] in METHODS and parts[-1].startswith("/"):
        spec, label = result.subject.rsplit(" ", 2)[0], " ".join(parts[-2:])
    else:
        return _located_fact(result)
    if not result.message.startswith(label + " "):
        return None
    return OperationFact(spec, label, result.message[len(label) + 1:], "{count}: each {fact} ({operations})")


def _located_fact(result: Result) -> OperationFact | None:
    pointer = result.location.pointer if result.location else ""
    found = OPERATION_POINTER.match(pointer)
    at = result.message.rfind(f" at {pointer}") if found else -1
    rest = result.message[at + len(f" at {pointer}"):] if at >= 0 else ""
    # what may follow the pointer: SPC001's class of the error, "(schema slip in `type`: …)"
    if at < 0 or (rest and not (rest.startswith(" (") and rest.endswith(")"))):
        return None
    path, method, below = found.groups()
    fact = result.message[:at] + (f" (at {below} of each)" if below else "") + rest
    label = f"{method.upper()} {split_pointer('/' + path)[0]}"
    return OperationFact(result.subject, label, fact, "{count} ({operations}): {fact}")


def merge_spec_wide(results: list[Result], operations: Mapping[str, int],
                    order: Mapping[tuple[str, str], int] | None = None) -> list[Result]:
    """`results` with each fact said of several operations of one spec merged into one finding.
    `operations`: the number of operations of each spec, by its display name; `order`: each
    operation's place in its spec, by (spec, "METHOD /path"): the first of a fact's operations in
    the spec is where the finding is located."""
    groups: dict[tuple, list[int]] = {}
    for i, result in enumerate(results):
        if result.state is not State.FAIL or result.suppressed is not None:
            continue
        found = operation_fact(result)
        if found is not None:
            groups.setdefault((result.check_id, found.spec, result.severity, found.fact, found.sentence), []).append(i)
    merged: dict[int, Result] = {}
    for (_, spec, _, fact, sentence), members in groups.items():
        if len(members) > 1:
            merged[members[0]] = _merged([results[i] for i in members], spec, fact, sentence, operations.get(spec, 0),
                                         order or {})
            merged.update((i, None) for i in members[1:])
    return [merged.get(i, r) for i, r in enumerate(results) if merged.get(i, r) is not None]


def _merged(members: list[Result], spec: str, fact: str, sentence: str, total: int,
            order: Mapping[tuple[str, str], int]) -> Result:
    # In the spec's order of operations (lines are found after merging, for the findings left)
    said = sorted(((operation_fact(r).operation, r) for r in members),
                  key=lambda pair: (pair[1].location.file if pair[1].location else "", order.get((spec, pair[0]), len(order))))
    labels, members = [label for label, _ in said], [r for _, r in said]
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
    return standing_for(members[0], members, subject=spec, message=sentence.format(count=count, fact=fact, operations=shown), evidence=evidence)
