"""Every check has a failing and a passing fixture under tests/fixtures/checks/<ID>/{fail,pass}.

A `fail` folder holds `expect.yaml` listing findings that must appear (substring matches on
subject and message); a `pass` folder must give no finding and at least one passing result.
A check may add variants beside them, `fail-<case>` and `pass-<case>`, for further distinctions.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from machaudit.registry import load_checks
from tests.conftest import FIXTURES, run_cli

CHECK_FIXTURES = FIXTURES / "checks"
ALL_CHECKS = sorted(load_checks())


def variants(kind: str) -> list[tuple[str, str]]:
    """(check id, folder name) of every `kind` folder: the plain one for every check, then `kind-<case>` ones."""
    found = [(c, kind) for c in ALL_CHECKS]
    for c in ALL_CHECKS:
        folder = CHECK_FIXTURES / c
        if folder.is_dir():
            found += [(c, d.name) for d in sorted(folder.glob(f"{kind}-*")) if d.is_dir()]
    return found


def audit(folder: Path, check_id: str):
    run = run_cli("audit", str(folder), "--select", check_id, "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    return run.report


@pytest.mark.parametrize("check_id", ALL_CHECKS)
def test_every_check_has_both_fixtures(check_id):
    assert (CHECK_FIXTURES / check_id / "fail" / "expect.yaml").is_file(), f"{check_id} has no failing fixture"
    assert (CHECK_FIXTURES / check_id / "pass").is_dir(), f"{check_id} has no passing fixture"


@pytest.mark.parametrize("check_id, name", variants("fail"), ids=lambda v: v)
def test_failing_fixture_fires(check_id, name):
    folder = CHECK_FIXTURES / check_id / name
    if not folder.is_dir():
        pytest.fail(f"{check_id} has no failing fixture")
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


@pytest.mark.parametrize("check_id, name", variants("pass"), ids=lambda v: v)
def test_passing_fixture_is_clean(check_id, name):
    folder = CHECK_FIXTURES / check_id / name
    if not folder.is_dir():
        pytest.fail(f"{check_id} has no passing fixture")
    report = audit(folder, check_id)
    assert [f for f in report["findings"] if f["check"] == check_id] == []
    assert any(r["check"] == check_id and r["state"] == "pass" for r in report["results"]), \
        f"{check_id} passed nothing in its passing fixture (did it run at all?)"
