"""machaudit.run_audit: the audit as a library call, under the CLI."""

from __future__ import annotations

import multiprocessing

import pytest

import machaudit
from machaudit.config import Config
from machaudit.findings import Severity
from tests.conftest import REPO, run_cli

SAMPLE = str(REPO / "sample_specs" / "distributor")


def test_run_audit_gives_the_report_the_command_writes():
    report = machaudit.run_audit([SAMPLE])
    command = run_cli("audit", SAMPLE, "-f", "json").report
    assert sorted((f.check_id, f.subject, f.message) for f in report.findings) == \
        sorted((f["check"], f["subject"], f["message"]) for f in command["findings"])
    assert any(f.severity is Severity.CRITICAL for f in report.findings)
    assert multiprocessing.active_children() == []  # every worker it started has ended


def test_run_audit_takes_a_config_and_says_what_was_asked():
    report = machaudit.run_audit([SAMPLE], Config(select=("ORC001",)))
    assert [c.id for c in report.checks] == ["ORC001"]
    assert report.configuration == {"file": None, "from_audited_tree": False, "tree_settings": []}
    with pytest.raises(ValueError, match="the selection leaves no check to run"):
        machaudit.run_audit([SAMPLE], Config(select=("ORC001",), ignore=("ORC",)))


def test_run_audit_of_specs_only_reads_no_catalog(tmp_path):
    spec = tmp_path / "orders.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: Orders, version: '1'}\npaths:\n  /orders:\n"
                    "    get:\n      summry: typo\n      responses: {'200': {description: ok}}\n")
    files: list[str] = []
    report = machaudit.run_audit([str(spec)], Config(select=("SPC",)), specs_only=True, files_read=files)
    assert report.journey is None and files == [str(spec)]
    (finding,) = [f for f in report.findings if f.check_id == "SPC001"]
    assert "summry" in finding.message and finding.location.line == 5  # the operation holding it


def test_run_audit_ends_its_own_workers_and_no_process_of_the_caller(tmp_path):
    """A library caller's own child process is not one of machaudit's workers: it outlives the audit."""
    for i in range(5):  # enough specs for a pool of validator processes
        (tmp_path / f"api{i}.yaml").write_text(
            f"openapi: 3.0.3\ninfo: {{title: A{i}, version: '1'}}\npaths:\n  /a{i}:\n"
            "    get:\n      responses: {'200': {description: ok}}\n")
    context = multiprocessing.get_context("fork")
    caller = context.Process(target=__import__("time").sleep, args=(60,))
    caller.start()
    try:
        machaudit.run_audit([str(tmp_path)], Config(select=("SPC",)), cache=False, jobs=2)
        assert caller.is_alive()
        assert multiprocessing.active_children() == [caller]
    finally:
        caller.terminate()
        caller.join()
