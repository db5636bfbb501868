"""Noise budget: how many findings the audit gives per 100 operations, and how much of them is one check.

    python benchmarks/noise.py                       # every folder of ../shared/corpus
    python benchmarks/noise.py --only spree,medusa   # a subset
    python benchmarks/noise.py --corpus DIR --json   # figures as JSON

A report a consultant signs should read as a list of facts, not as one rule repeated per operation: a
folder where one check is most of the findings is a folder where that check reports something per
operation that is true of the whole spec. `tests/test_noise_budget.py` asserts the budget.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus"


@dataclass
class Noise:
    folder: str
    operations: int
    findings: int
    top_check: str
    top_count: int
    specs: int = 0

    @property
    def per_100_operations(self) -> float:
        return 100.0 * self.findings / self.operations if self.operations else float(self.findings)

    @property
    def top_share(self) -> float:
        return 100.0 * self.top_count / self.findings if self.findings else 0.0


def corpus_folders(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("."))


def measure(folder: Path) -> Noise:
    from machaudit import run_audit

    report = run_audit([str(folder)], cache=False)
    findings = report.findings
    counts = Counter(f.check_id for f in findings)
    top, top_count = max(counts.items(), key=lambda kv: (kv[1], kv[0])) if counts else ("", 0)
    operations = sum(s["operations"] for s in report.specs)
    return Noise(folder.name, operations, len(findings), top, top_count, len(report.specs))


def table(rows: list[Noise]) -> str:
    lines = ["| corpus | specs | operations | findings | per 100 ops | largest check | share |",
             "|---|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        lines.append(f"| {r.folder} | {r.specs} | {r.operations} | {r.findings} | {r.per_100_operations:.1f} "
                     f"| {r.top_check or '-'} ({r.top_count}) | {r.top_share:.0f} % |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=os.environ.get("MACHAUDIT_CORPUS", str(DEFAULT_CORPUS)))
    parser.add_argument("--only", default="", help="comma-separated folder names")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    only = {n for n in args.only.split(",") if n}
    folders = [p for p in corpus_folders(Path(args.corpus)) if not only or p.name in only]
    rows = []
    for folder in folders:
        print(f"auditing {folder.name}", file=sys.stderr)
        rows.append(measure(folder))
    if args.json:
        print(json.dumps([{**asdict(r), "per_100_operations": round(r.per_100_operations, 1),
                           "top_share": round(r.top_share, 1)} for r in rows], indent=2))
    else:
        print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
