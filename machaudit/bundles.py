"""Bundles audited once: a spec bundled from other specs of the audited folders (a `redocly bundle`
or `swagger-cli bundle` output checked in beside its sources) has the same operations as its parts.
Auditing both reports every fact twice; the parts are kept (they are what people edit), the
bundle's own results are left out, and one info line says so. Whether the bundle is a valid document
(the SPC checks) is a fact of its own file, and stays: a bundler can break what its parts had right.

A spec is a bundle when it is one self-contained document (a bundler inlines what it bundles) and
its operations are exactly those of two or more other specs that share none (the parts, each
operation in exactly one of them); or exactly those of one other spec with the same info.title
that is read from several files (its `$ref`s reach the parts the bundler inlined: it is the source)
and lies beside it (same folder, a sibling folder such as dist/, or the folder above): farther
apart, the same example API copied into two projects is not one bundled from the other.
An operation is its method and path, with its operationId and summary, which a bundler keeps: specs
that merely reuse paths (test cases, versions) do not match. Two single-file specs with the same
operations are not a bundle either: they are usually two versions of one API (a legacy copy, a
variant in another OpenAPI version), and each is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from machaudit.findings import Location, Result, Severity, State
from machaudit.model import Stack

NOTE_CHECK = "INV005"
DOCUMENT_CHECKS = "SPC"  # whether a file is a valid document: judged for every file  # duplicate-entity: the same API described twice


@dataclass(frozen=True)
class Bundle:
    spec: str  # display name of the bundled spec
    parts: tuple[str, ...]
    operations: int

    def covers(self, result: Result) -> bool:
        if result.check_id.startswith(DOCUMENT_CHECKS):
            return False
        if result.subject == self.spec or result.subject.startswith(self.spec + " "):
            return True
        return result.location is not None and result.location.file == self.spec and not result.subject.startswith(self.parts)


def find_bundles(stack: Stack) -> list[Bundle]:
    # Specs with the same operations are grouped first, so that many copies of one API (versions
    # side by side) cost one comparison, not one per pair.
    by_operations: dict[frozenset, list] = {}
    for spec in sorted(stack.specs.values(), key=lambda s: s.display):
        if spec.parsed and spec.operations:
            by_operations.setdefault(frozenset((o.method.upper(), o.path, o.operation_id, o.summary)
                                               for o in spec.operations), []).append(spec)
    sets = list(by_operations)
    holders: dict[tuple[str, str], list[int]] = {}
    for i, operations in enumerate(sets):
        for op in operations:
            holders.setdefault(op, []).append(i)
    bundles: list[Bundle] = []
    for i, mine in enumerate(sets):
        same = by_operations[mine]
        single = [s for s in same if len(s.documents) <= 1]  # a bundler's output is self-contained
        smaller = [sets[j] for j in {j for op in mine for j in holders[op]} if sets[j] < mine]
        parts = sorted(s.display for operations in smaller for s in by_operations[operations])
        held = sum(len(operations) * len(by_operations[operations]) for operations in smaller)
        if len(parts) >= 2 and held == len(mine) and frozenset().union(*smaller) == mine:  # each in one part
            bundles += [Bundle(s.display, tuple(parts), len(mine)) for s in single]
            continue
        for spec in single:  # the bundled copy of a spec read from several files
            source = next((o for o in same if len(o.documents) > 1 and o.title == spec.title
                           and _beside(spec.display, o.display)), None)
            if source is not None:
                bundles.append(Bundle(spec.display, (source.display,), len(mine)))
    return bundles


def _beside(copy: str, source: str) -> bool:
    here, there = PurePosixPath(copy.replace("\\", "/")).parent, PurePosixPath(source.replace("\\", "/")).parent
    return here in (there, there.parent) or here.parent == there.parent


def audit_once(results: list[Result], bundles: list[Bundle], note: bool) -> list[Result]:
    """`results` without those of the bundles, and (when `note`) one info line per bundle."""
    if not bundles:
        return results
    out = [r for r in results if not any(b.covers(r) for b in bundles)]
    if note:
        for b in bundles:
            parts = ", ".join(b.parts[:5]) + (f" and {len(b.parts) - 5} more" if len(b.parts) > 5 else "")
            out.append(Result(
                check_id=NOTE_CHECK, check_name="duplicate-entity", state=State.FAIL, subject=b.spec,
                message=f"{b.spec} has the {b.operations} operations of {parts}: a bundle of specs also audited, "
                        "so its design is audited once, through them; its validity as a document is judged on its own",
                severity=Severity.INFO, location=Location(b.spec, "", 1),
                evidence={"bundle": b.spec, "parts": list(b.parts), "operations": b.operations},
            ))
    return out
