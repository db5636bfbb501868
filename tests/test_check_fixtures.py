"""Every check has a failing and a passing fixture under tests/fixtures/checks/<ID>/{fail,pass}.

A `fail` folder holds `expect.yaml` listing findings that must appear (substring matches on
subject and message); a `pass` folder must give no finding and at least one passing result, and
the passing results its optional `expect.yaml` lists under `passes`. More cases of one check sit
beside them as `fail-<case>` and `pass-<case>` folders.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from machaudit.registry import load_checks
from tests.conftest import FIXTURES, run_cli

CHECK_FIXTURES = FIXTURES / "checks"
ALL_CHECKS = sorted(load_checks())


def audit(folder: Path, check_id: str):
    run = run_cli("audit", str(folder), "--select", check_id, "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    return run.report


@pytest.mark.parametrize("check_id", ALL_CHECKS)
def test_every_check_has_both_fixtures(check_id):
    assert (CHECK_FIXTURES / check_id / "fail" / "expect.yaml").is_file(), f"{check_id} has no failing fixture"
    assert (CHECK_FIXTURES / check_id / "pass").is_dir(), f"{check_id} has no passing fixture"


@pytest.mark.parametrize("check_id", ALL_CHECKS)
def test_failing_fixture_fires(check_id):
    folder = CHECK_FIXTURES / check_id / "fail"
    if not folder.is_dir():
        pytest.fail(f"{check_id} has no failing fixture")
    assert_fails(folder, check_id)


@pytest.mark.parametrize("check_id", ALL_CHECKS)
def test_passing_fixture_is_clean(check_id):
    folder = CHECK_FIXTURES / check_id / "pass"
    if not folder.is_dir():
        pytest.fail(f"{check_id} has no passing fixture")
    assert_passes(folder, check_id)


CASES = sorted(p for p in CHECK_FIXTURES.glob("*/*-*") if p.is_dir() and p.name.split("-")[0] in ("fail", "pass"))


@pytest.mark.parametrize("folder", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_more_cases(folder):
    check_id = folder.parent.name
    assert check_id in ALL_CHECKS, f"{folder} is not named after a check"
    if folder.name.startswith("fail-"):
        assert_fails(folder, check_id)
    else:
        assert_passes(folder, check_id)


def assert_fails(folder: Path, check_id: str) -> None:
    expect = yaml.safe_load((folder / "expect.yaml").read_text())
    report = audit(folder, check_id)
    findings = [f for f in report["findings"] if f["check"] == check_id]
    assert findings, f"{check_id} found nothing in its failing fixture"
    for wanted in expect["findings"]:
        matches = [
            f for f in findings
            if wanted.get("subject", "") in f["subject"] and wanted.get("message", "") in f["message"]
            and ("line" not in wanted or (f["location"] or {}).get("line") == wanted["line"])
            and ("severity" not in wanted or f["severity"] == wanted["severity"])
        ]
        assert matches, f"{check_id}: no finding like {wanted}; got {[(f['subject'], f['message']) for f in findings]}"
    if "count" in expect:
        assert len(findings) == expect["count"], [(f["subject"], f["message"]) for f in findings]


def assert_passes(folder: Path, check_id: str) -> None:
    report = audit(folder, check_id)
    assert [f for f in report["findings"] if f["check"] == check_id] == []
    passes = [r for r in report["results"] if r["check"] == check_id and r["state"] == "pass"]
    assert passes, f"{check_id} passed nothing in its passing fixture (did it run at all?)"
    expect = yaml.safe_load((folder / "expect.yaml").read_text()) if (folder / "expect.yaml").is_file() else {}
    for wanted in expect.get("passes", ()):
        assert any(wanted.get("subject", "") in r["subject"] and wanted.get("message", "") in (r.get("message") or "")
                   for r in passes), f"{check_id}: no pass like {wanted}; got {[(r['subject'], r.get('message')) for r in passes]}"
