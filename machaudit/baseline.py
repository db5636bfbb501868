"""Baselines: the findings a team has accepted, matched by fingerprint (no line numbers).

A finding that stands for several (one fact of many operations, or what a broken file kept from
being checked: `Result.covers`) is written as the findings it stands for, one entry each, and is
known when the baseline knows every one of them. So a baseline written before such findings were
merged still matches them, and one written after still matches when they are reported one by one.
"""

from __future__ import annotations

import json
from pathlib import Path

from machaudit.findings import Result
from machaudit.report import AuditReport

FORMAT_VERSION = 1


class BaselineError(ValueError):
    pass


def write_baseline(report: AuditReport) -> str:
    entries = sorted(
        ({"fingerprint": fingerprint, "check": f.check_id, "subject": subject, "message": f.message}
         for f in report.findings for fingerprint, subject in (f.covers or ((f.fingerprint, f.subject),))),
        key=lambda e: (e["check"], e["subject"], e["fingerprint"]),
    )
    return json.dumps({"machaudit_baseline": FORMAT_VERSION, "findings": entries}, indent=2, ensure_ascii=False) + "\n"


def read_baseline(path: str) -> frozenset[str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"baseline {path} does not exist (create it with --write-baseline {path})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"baseline {path} is not a machaudit baseline: {exc}") from None
    if not isinstance(data, dict) or data.get("machaudit_baseline") != FORMAT_VERSION or not isinstance(data.get("findings"), list):
        raise BaselineError(f"baseline {path} is not a machaudit baseline (version {FORMAT_VERSION})")
    return frozenset(e["fingerprint"] for e in data["findings"] if isinstance(e, dict) and isinstance(e.get("fingerprint"), str))


def is_known(result: Result, baseline: frozenset[str]) -> bool:
    """In the baseline: its own fingerprint, or every finding it stands for."""
    if result.fingerprint in baseline:
        return True
    return bool(result.covers) and all(fingerprint in baseline for fingerprint, _ in result.covers)
