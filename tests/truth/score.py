"""Precision and recall of machaudit.capabilities against the hand-labelled operations.

    python -m tests.truth.score          # figures and every disagreement

The labels (operations.txt) were written by reading the specs; see README.md for the conventions.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from machaudit import capabilities
from machaudit.sources.store import DocumentStore
from machaudit.sources.styles import read_definition, style_of_suffix

TRUTH = Path(__file__).resolve().parent / "operations.txt"
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
DIMENSIONS = ("entity", "action", "audience")


@dataclass(frozen=True)
class Label:
    spec: str
    method: str
    path: str
    entities: frozenset[str]
    actions: frozenset[str]
    audience: str


def labels(path: Path = TRUTH) -> list[Label]:
    out, spec = [], ""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if line.startswith("## "):
            spec = line[3:].strip()
            continue
        if not line or line.startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4 or " " not in parts[0]:
            raise ValueError(f"{path.name}:{n}: expected 'METHOD path | entities | actions | audience'")
        method, op_path = parts[0].split(" ", 1)
        entities = frozenset(e for e in parts[1].split(",") if e.strip() not in ("-", ""))
        out.append(Label(spec, method, op_path, frozenset(e.strip() for e in entities),
                         frozenset(a.strip() for a in parts[2].split(",")), parts[3]))
    return out


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Score:
    tallies: dict[str, Tally] = field(default_factory=lambda: {d: Tally() for d in DIMENSIONS})
    disagreements: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    operations: int = 0


def _read(spec_rel: str):
    path = (CORPUS / spec_rel).resolve()
    store = DocumentStore([path.parent])
    return read_definition(store, str(path), style_of_suffix(str(path)))


def score(all_labels: list[Label] | None = None) -> Score:
    result = Score()
    by_spec: dict[str, list[Label]] = {}
    for label in all_labels or labels():
        by_spec.setdefault(label.spec, []).append(label)
    for spec_rel, spec_labels in by_spec.items():
        spec = _read(spec_rel)
        found = {(f.operation.method, f.operation.path): f for f in capabilities.of_spec(spec)}
        for label in spec_labels:
            f = found.get((label.method, label.path))
            if f is None:
                result.missing.append(f"{spec_rel}: {label.method} {label.path}")
                continue
            result.operations += 1
            predicted = {"entity": f.entities, "action": f.actions, "audience": {f.audience}}
            truth = {"entity": set(label.entities), "action": set(label.actions), "audience": {label.audience}}
            wrong = False
            for d in DIMENSIONS:
                t = result.tallies[d]
                t.tp += len(predicted[d] & truth[d])
                t.fp += len(predicted[d] - truth[d])
                t.fn += len(truth[d] - predicted[d])
                wrong = wrong or predicted[d] != truth[d]
            if wrong:
                result.disagreements.append(
                    f"{spec_rel}: {label.method} {label.path}\n    truth {sorted(truth['entity']) or '-'} "
                    f"{sorted(truth['action'])} {label.audience}\n    found {sorted(predicted['entity']) or '-'} "
                    f"{sorted(predicted['action'])} {f.audience}  "
                    + "; ".join(sorted({e for c in f.capabilities for e in c.evidence})))
    return result


def main() -> int:
    result = score()
    for line in result.disagreements:
        print(line)
    for line in result.missing:
        print("NOT IN SPEC:", line)
    print(f"{result.operations} operations")
    for d, t in result.tallies.items():
        print(f"{d:9} precision {t.precision:.3f} recall {t.recall:.3f}  (tp {t.tp} fp {t.fp} fn {t.fn})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
