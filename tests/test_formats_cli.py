"""Several formats in one run: the terminal on stdout and SARIF, JUnit and Markdown files."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from tests.conftest import FIXTURES, run_cli

CYCLE = FIXTURES / "checks" / "ORC001" / "fail"


def test_terminal_sarif_junit_and_markdown_in_one_run(tmp_path):
    sarif, junit, markdown = tmp_path / "out.sarif", tmp_path / "out.xml", tmp_path / "out.md"
    run = run_cli("audit", str(CYCLE), "--color", "never", "-f", "terminal", "-f", f"sarif:{sarif}",
                  "-f", f"junit:{junit}", "-f", f"markdown:{markdown}")
    assert run.exit_code == 1, run.stderr  # the cycle is high
    assert "ORC001 dependency-cycle" in run.stdout and "\x1b[" not in run.stdout
    for path in (sarif, junit, markdown):
        assert f"wrote {path}" in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md", "out.sarif", "out.xml"]  # no temporary files

    log = json.loads(sarif.read_text(encoding="utf-8"))
    results = log["runs"][0]["results"]
    assert any(r["ruleId"] == "ORC001" for r in results)
    root = ET.parse(junit).getroot()
    assert int(root.get("failures")) == len(results) == len(root.findall(".//failure"))
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("<!-- machaudit-report -->") and "**ORC001** dependency\\-cycle" not in text
    assert "**ORC001** dependency-cycle" in text
    for path in (sarif, junit, markdown):
        assert "\x1b[" not in path.read_text(encoding="utf-8")  # machine formats never carry colour


SAMPLE = FIXTURES.parent.parent / "sample_specs" / "distributor"


def test_json_and_sarif_reports_are_the_text_the_json_module_writes(tmp_path):
    """orjson writes the reports; the text must be what json.dumps(indent=2) would have written."""
    report, sarif = tmp_path / "report.json", tmp_path / "report.sarif"
    run = run_cli("audit", str(SAMPLE), "-f", f"json:{report}", "-f", f"sarif:{sarif}", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    for path, sort_keys in ((report, False), (sarif, True)):
        text = path.read_text(encoding="utf-8")
        assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False, sort_keys=sort_keys) + "\n"
    assert len(json.loads(report.read_text(encoding="utf-8"))["findings"]) > 50


def test_what_orjson_refuses_is_written_the_standard_way():
    from machaudit.formatters.json import indented_json

    data = {"maxLength": 2**70, "label": "Größe <b>", 3: [1.5, None, {}]}
    assert indented_json(data) == (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    assert json.loads(indented_json(data))["maxLength"] == 2**70


def test_json_report_on_stdout_is_the_json_report_file(tmp_path):
    report = tmp_path / "report.json"
    to_file = run_cli("audit", str(CYCLE), "-f", f"json:{report}", "-q")
    to_stdout = run_cli("audit", str(CYCLE), "-f", "json", "-q")
    assert to_file.exit_code == to_stdout.exit_code == 1
    assert to_stdout.stdout.encode("utf-8") == report.read_bytes()
    assert "ORC001" in {f["check"] for f in json.loads(report.read_bytes())["findings"]}


def test_a_report_that_fails_while_written_leaves_no_file(tmp_path):
    from machaudit.cli import write_atomically

    def pieces():
        yield b'{"findings": ['
        raise RuntimeError("formatter bug")

    target = tmp_path / "report.json"
    target.write_bytes(b"the previous report")
    with pytest.raises(RuntimeError):
        write_atomically(str(target), pieces())
    assert target.read_bytes() == b"the previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left behind
