"""The command line as a user and a CI job meet it: exit codes, formats, outputs, graph, rules."""

import json
import subprocess
import sys

import networkx as nx
import pytest

from tests.conftest import FIXTURES, REPO, run_cli

CYCLE = FIXTURES / "checks" / "ORC001" / "fail"
CLEAN = FIXTURES / "checks" / "ORC001" / "pass"


def test_exit_code_follows_fail_on():
    assert run_cli("audit", str(CYCLE), "--select", "ORC001").exit_code == 1  # high >= default high
    assert run_cli("audit", str(CYCLE), "--select", "ORC001", "--fail-on", "critical").exit_code == 0
    assert run_cli("audit", str(CYCLE), "--select", "ORC001", "--fail-on", "never").exit_code == 0
    assert run_cli("audit", str(CLEAN), "--select", "ORC001", "--fail-on", "info").exit_code == 0


def test_json_report_is_versioned_and_complete():
    run = run_cli("audit", str(CYCLE), "--select", "ORC", "-f", "json")
    report = run.report
    assert report["schema_version"] == "1.1"
    assert report["tool"]["name"] == "machaudit"
    assert {c["id"] for c in report["checks"]} >= {"ORC001", "ORC012"}
    cycle = [f for f in report["findings"] if f["check"] == "ORC001"][0]
    assert cycle["severity"] == "high" and len(cycle["fingerprint"]) == 32
    assert cycle["location"]["file"].endswith("catalog-info.yaml") and cycle["location"]["line"] == 11  # where erp-core's document starts
    assert "\x1b[" not in run.stdout  # machine formats never carry colour


def test_select_and_ignore_by_family_name_and_id():
    report = run_cli("audit", str(CYCLE), "-f", "json", "--select", "orchestration", "--ignore", "dependency-cycle,ORC002").report
    ids = {c["id"] for c in report["checks"]}
    assert "ORC001" not in ids and "ORC002" not in ids and "ORC003" in ids
    assert not any(c["id"].startswith(("SPC", "INV")) for c in report["checks"])


def test_unknown_selector_lists_the_choices():
    run = run_cli("audit", str(CYCLE), "--select", "ORC999")
    assert run.exit_code == 2
    assert "unknown check 'ORC999'" in run.stderr and "orchestration" in run.stderr
    assert "Traceback" not in run.stderr


def test_unknown_format_and_missing_path_are_usage_errors():
    run = run_cli("audit", str(CYCLE), "-f", "yaml")
    assert run.exit_code == 2 and "unknown format 'yaml'" in run.stderr
    run = run_cli("audit", "does/not/exist")
    assert run.exit_code == 2 and "no such file or folder" in run.stderr


def test_several_outputs_in_one_run(tmp_path):
    out = tmp_path / "report.json"
    run = run_cli("audit", str(CYCLE), "--select", "ORC001", "-f", "terminal", "-f", f"json:{out}", "--color", "never")
    assert run.exit_code == 1
    assert "ORC001 dependency-cycle" in run.stdout
    assert json.loads(out.read_text())["findings"][0]["check"] == "ORC001"
    assert f"wrote {out}" in run.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left behind


def test_no_file_written_when_the_audit_fails(tmp_path):
    out = tmp_path / "report.json"
    run = run_cli("audit", "missing-folder", "-f", f"json:{out}")
    assert run.exit_code == 2 and not out.exists()


def test_only_one_format_on_stdout():
    run = run_cli("audit", str(CYCLE), "-f", "terminal", "-f", "json")
    assert run.exit_code == 2 and "only one format" in run.stderr


@pytest.mark.parametrize("args,env,colour", [
    (["--color", "always"], {}, True),
    (["--color", "never"], {}, False),
    ([], {}, False),  # not a TTY
    (["--color", "auto"], {"NO_COLOR": "1"}, False),
])
def test_colour(args, env, colour):
    run = run_cli("audit", str(CYCLE), "--select", "ORC001", *args, env=env)
    assert ("\x1b[" in run.stdout) is colour


def test_graph_exports(tmp_path):
    for fmt in ("graphml", "dot", "json"):
        run = run_cli("graph", str(CYCLE), "-f", fmt)
        assert run.exit_code == 0, run.stderr
        if fmt == "json":
            graph = nx.node_link_graph(json.loads(run.stdout), edges="edges")
            assert graph.has_edge("component:default/order-management", "component:default/stock-atp")
            assert graph.edges["component:default/order-management", "component:default/stock-atp"]["via"] == "api:default/stock-api"
        elif fmt == "dot":
            assert '"component:default/erp-core" -> "component:default/order-management";' in run.stdout
        else:
            path = tmp_path / "g.graphml"
            path.write_text(run.stdout)
            assert set(nx.read_graphml(path).nodes) == {
                "component:default/order-management", "component:default/stock-atp", "component:default/erp-core"}
    full = nx.node_link_graph(json.loads(run_cli("graph", str(CYCLE), "--view", "full").stdout), edges="edges")
    assert full.has_edge("component:default/order-management", "api:default/stock-api")
    assert full.has_edge("api:default/stock-api", "component:default/stock-atp")


def test_rules_lists_and_explains():
    run = run_cli("rules")
    assert "ORC001  dependency-cycle" in run.stdout and "SPC001" in run.stdout
    one = run_cli("rules", "ORC001")
    assert "Why it matters for MACH" in one.stdout and "Fix:" in one.stdout
    listed = json.loads(run_cli("rules", "-f", "json").stdout)
    assert all(r["doc"] for r in listed)
    assert run_cli("rules", "NOPE").exit_code == 2


def test_python_dash_m_and_version():
    done = subprocess.run([sys.executable, "-m", "machaudit", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and "machaudit" in done.stdout


def test_the_command_exits_with_its_status_and_all_its_output_without_the_interpreter_teardown():
    def command(*args):
        return subprocess.run([sys.executable, "-m", "machaudit", *args], capture_output=True, text=True, cwd=REPO)

    found = command("audit", "sample_specs/distributor", "-f", "json", "-q")
    assert found.returncode == 1 and json.loads(found.stdout)["summary"]["findings"] > 50  # all of it, flushed
    clean = command("audit", "sample_specs/distributor", "-f", "json", "-q", "--fail-on", "never")
    assert clean.returncode == 0 and json.loads(clean.stdout) == json.loads(found.stdout)
    missing = command("audit", "no/such/folder")
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr


def test_previous_versions_feed_the_breaking_change_check(tmp_path):
    import shutil

    source = FIXTURES / "checks" / "API009" / "fail"
    (tmp_path / "main" / "specs").mkdir(parents=True)
    (tmp_path / "pr" / "specs").mkdir(parents=True)
    shutil.copy(source / "previous" / "orders.yaml", tmp_path / "main" / "specs" / "orders.yaml")
    shutil.copy(source / "orders.yaml", tmp_path / "pr" / "specs" / "orders.yaml")
    run = run_cli("audit", str(tmp_path / "pr"), "--previous", str(tmp_path / "main"), "--select", "API009", "-f", "json")
    messages = [f["message"] for f in run.report["findings"]]
    assert run.exit_code == 1
    assert any("POST /orders requires the new query parameter channel" in m for m in messages)
    assert any("no longer has the property deliveryDate" in m for m in messages)
    # Without --previous it is an evidence gap, never a pass.
    gap = run_cli("audit", str(tmp_path / "pr"), "--select", "API009", "-f", "json").report
    assert gap["findings"] == [] and gap["evidence_gaps"][0]["check"] == "API009"


def test_a_report_to_a_pipe_writes_through_and_never_replaces_it(tmp_path):
    """`-f json:/dev/null` must not turn the device into a file; a named pipe shows the same."""
    import os
    import stat
    import threading

    pipe = tmp_path / "report.pipe"
    os.mkfifo(pipe)
    received = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()))
    reader.start()
    run = run_cli("audit", str(CYCLE), "--select", "ORC001", "-f", f"json:{pipe}", "--fail-on", "never")
    reader.join(timeout=30)
    assert run.exit_code == 0, run.stderr
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert json.loads(received[0])["findings"][0]["check"] == "ORC001"
