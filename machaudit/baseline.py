"""Baselines: the findings a team has accepted, matched by fingerprint (no line numbers)."""

from __future__ import annotations

import json
from pathlib import Path

from machaudit.report import AuditReport

FORMAT_VERSION = 1


class BaselineError(ValueError):
    pass


def write_baseline(report: AuditReport) -> str:
    entries = sorted(
        ({"fingerprint": f.fingerprint, "check": f.check_id, "subject": f.subject, "message": f.message}
         for f in report.findings),
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
