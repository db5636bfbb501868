"""Report files are written all or none and never over an audited input; cached validation results
that are not exactly what machaudit writes are validated afresh."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from machaudit.report_files import OutputError, write_reports
from tests.conftest import run_cli

SPEC = """\
openapi: 3.0.3
info: {title: Orders, version: 1.0.0}
paths:
  /orders:
    get:
      summry: a typo the validator reports
      responses:
        '200': {description: ok}
"""


@pytest.fixture
def api(tmp_path):
    folder = tmp_path / "api"
    folder.mkdir()
    (folder / "orders.yaml").write_text(SPEC)
    (tmp_path / "out").mkdir()
    return folder


def test_a_report_is_never_written_over_an_audited_input(api):
    spec = api / "orders.yaml"
    run = run_cli("audit", str(api), "-f", f"json:{spec}")
    assert run.exit_code == 2
    assert f"cannot write {spec}: it is one of the audited inputs" in run.stderr
    assert spec.read_text() == SPEC
    named = run_cli("validate", str(spec), "-f", f"sarif:{spec}")
    assert named.exit_code == 2 and "one of the audited inputs" in named.stderr and spec.read_text() == SPEC


def test_every_target_is_checked_before_the_audit_and_none_is_written_when_one_cannot_be(api, tmp_path):
    first = tmp_path / "out" / "report.json"
    run = run_cli("audit", str(api), "-f", f"json:{first}", "-f", f"sarif:{tmp_path / 'no' / 'such.sarif'}")
    assert run.exit_code == 2
    assert f"folder {tmp_path / 'no'} does not exist" in run.stderr
    assert not first.exists()
    twice = run_cli("audit", str(api), "-f", f"json:{first}", "-f", f"sarif:{tmp_path / 'out' / '..' / 'out' / 'report.json'}")
    assert twice.exit_code == 2 and "name the same file" in twice.stderr
    folder = run_cli("audit", str(api), "-f", f"json:{tmp_path / 'out'}")
    assert folder.exit_code == 2 and "it is a folder" in folder.stderr


def test_when_one_report_fails_while_written_no_target_changes(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text("old a")

    def failing():
        yield b"part of b"
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match=r"cannot write .*b\.json: No space left on device"):
        write_reports([(str(first), b"new a"), (str(second), failing())])
    assert first.read_text() == "old a" and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]  # no temporary file left


def test_report_files_get_the_usual_permissions(api, tmp_path):
    target = tmp_path / "out" / "report.json"
    done = subprocess.run([sys.executable, "-c", "import os, sys; os.umask(0o022); from machaudit.cli import entry; "
                           "sys.argv = ['machaudit'] + sys.argv[1:]; entry()",
                           "audit", str(api), "-f", f"json:{target}", "--fail-on", "never", "-q"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # readable by the CI job's other steps


def _findings(run):
    return sorted((f["check"], f["message"]) for f in run.report["findings"])


def test_damaged_or_forged_cache_entries_are_validated_afresh(api, tmp_path):
    cache = tmp_path / "cache"
    env = {"MACHAUDIT_CACHE_DIR": str(cache)}
    first = run_cli("audit", str(api), "-f", "json", "--fail-on", "never", env=env)
    assert any("summry" in m for c, m in _findings(first) if c == "SPC001")
    entries = list((cache / "validation").rglob("*.json"))
    reads = list((cache / "reads").rglob("*.json"))
    assert entries and reads
    forged = [
        [{"pointer": 1, "message": "\x1b]0;pwned\x07", "file": "x", "at": "", "line": None, "column": None}],
        [{"pointer": "", "message": "fake", "file": "x", "at": "", "line": "7", "column": None}],
        [{"pointer": "", "message": "fake", "file": "x", "at": "", "line": 1, "column": None, "extra": 1}],
        {"not": "a list"},
    ]
    for bad in forged:
        for entry in entries:
            entry.write_text(json.dumps(bad))
        for entry in reads:
            entry.write_text(json.dumps({"version": "3.0.3", "refs_ok": True, "files": ["http://169.254.169.254/"]}))
        again = run_cli("audit", str(api), "-f", "json", "--fail-on", "never", env=env)
        assert _findings(again) == _findings(first)
