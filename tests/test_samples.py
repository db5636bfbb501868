"""The sample companies end to end: every planted gap of EXPECTED.md is found, the touchpoint map
matches cell by cell, and the clean stack passes nearly everything."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from machaudit.registry import load_checks
from tests.conftest import SAMPLES, run_cli

DISTRIBUTOR = SAMPLES / "distributor"
CLEAN = SAMPLES / "clean"
STAGES = ("find", "evaluate", "order", "pay", "fulfil", "service", "loyalty")
MAP_CHANNELS = ("b2b-portal", "mobile-app", "website", "marketplace-connector", "call-center")


def table_rows(path, columns: int) -> list[list[str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == columns and not set(cells[0]) <= set("-: "):
            rows.append(cells)
    return rows


def planted_gaps(folder) -> list[tuple[str, str]]:
    rows = table_rows(folder / "EXPECTED.md", 3)
    return [(check, subject) for check, subject, _ in rows if re.fullmatch(r"[A-Z]{3}\d{3}", check)]


@lru_cache(maxsize=None)
def audit(folder) -> dict:
    run = run_cli("audit", str(folder), "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    return run.report


def finding_mentions(finding: dict, part: str) -> bool:
    """A subject part like 'order-api POST /auftraege' is named by the finding's subject,
    message, evidence or file (every word of it)."""
    text = " ".join([finding["subject"], finding["message"], str(finding["evidence"]),
                     (finding["location"] or {}).get("file", "")]).lower()
    return all(word.lower() in text for word in part.split())


def test_every_planted_gap_is_found():
    report = audit(DISTRIBUTOR)
    known = set(load_checks())
    missing = []
    for check, subject in planted_gaps(DISTRIBUTOR):
        if check not in known:
            missing.append(f"{check} is not implemented ({subject})")
            continue
        parts = [p.strip() for p in re.split(r"→|,", subject) if p.strip()]
        findings = [f for f in report["findings"] if f["check"] == check]
        for part in parts:
            if not any(finding_mentions(f, part) for f in findings):
                missing.append(f"{check} {part!r}: not found in {[f['message'][:90] for f in findings]}")
    assert not missing, "\n".join(missing)


def test_touchpoint_map_matches_expected_cell_by_cell():
    expected = {row[1]: dict(zip(MAP_CHANNELS, row[2:]))
                for row in table_rows(DISTRIBUTOR / "EXPECTED.md", 7) if row[0] in STAGES}
    journey = audit(DISTRIBUTOR)["journey"]
    got = {t["name"]: {c: cell["state"] for c, cell in t["cells"].items()}
           for stage in journey["stages"] for t in stage["touchpoints"]}
    assert set(got) == set(expected)
    diffs = [(t, c, expected[t][c], got[t][c]) for t in expected for c in MAP_CHANNELS if expected[t][c] != got[t][c]]
    assert not diffs, diffs
    # Every self-service and phone-only cell is defensible: operation, reason, confidence, path.
    for stage in journey["stages"]:
        for touchpoint in stage["touchpoints"]:
            for channel, cell in touchpoint["cells"].items():
                if cell["state"] in ("self-service", "phone-only"):
                    op = cell["operation"]
                    assert op["operation"] and op["spec"] and op["reason"] and 0 < op["confidence"] <= 1
                    assert cell["path"][-1] == op["api"] and cell["path"][0].endswith("/" + channel) or cell["state"] == "phone-only"


def test_sample_inputs_are_valid():
    report = audit(DISTRIBUTOR)
    assert report["inventory"]["specs"] >= 10 and report["inventory"]["operations"] >= 150
    assert [f for f in report["findings"] if f["check"] in ("SPC001", "SPC002", "SPC003", "INV007")] == []
    assert len(report["inventory"]["channels"]) >= 5


def test_clean_stack_passes_nearly_everything():
    report = audit(CLEAN)
    severe = [f for f in report["findings"] if f["severity"] in ("high", "critical")]
    assert severe == [], [(f["check"], f["subject"], f["message"]) for f in severe]
    assert len(report["findings"]) <= 5, [(f["check"], f["subject"], f["message"]) for f in report["findings"]]
    passes = report["summary"]["by_state"]["pass"]
    assert passes > 100


def test_readme_command_exit_code():
    # The README's first command audits the distributor: high findings, so exit 1 by default.
    assert run_cli("audit", str(DISTRIBUTOR), "-q").exit_code == 1
