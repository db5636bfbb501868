"""Configuration, suppressions and baselines, through the CLI as users meet them."""

import json
import shutil
import textwrap

import pytest

from tests.conftest import FIXTURES, run_cli

CYCLE = FIXTURES / "checks" / "ORC001" / "fail"

ORDERS = """\
openapi: 3.0.3
info: {title: Orders, version: 1.0.0}
paths:
  /orders:
    get:
      operationId: listOrders
      operationId2: x
      responses:
        '200': {description: ok}
"""


@pytest.fixture
def stack(tmp_path):
    """A copy of the dependency-cycle fixture to put config files next to."""
    target = tmp_path / "stack"
    shutil.copytree(CYCLE, target)
    (target / "expect.yaml").unlink()
    return target


def audit(*args, env=None):
    return run_cli("audit", *args, "-f", "json", env=env)


def write(path, text):
    path.write_text(textwrap.dedent(text))
    return path


def test_config_file_disables_and_overrides(stack, tmp_path):
    config = write(tmp_path / "ci.toml", """
        select = ["ORC"]
        [checks.ORC001]
        severity = "low"
        [checks.hub-service]
        enabled = false
        [checks.ORC004]
        min-out-degree = 1
    """)
    run = audit(str(stack), "--config", str(config))  # the job's own file: everything applies
    report = run.report
    ids = {c["id"] for c in report["checks"]}
    assert "ORC003" not in ids and "INV001" not in ids and "ORC001" in ids
    cycle = [f for f in report["findings"] if f["check"] == "ORC001"][0]
    assert cycle["severity"] == "low"
    assert [f["subject"] for f in report["findings"] if f["check"] == "ORC004"]  # threshold 1 fires
    assert run.exit_code == 0  # low is below the default fail-on (high)
    assert report["configuration"] == {"file": str(config), "from_audited_tree": False, "tree_settings": []}


def test_a_config_file_of_the_audited_tree_only_narrows_and_says_what_it_asked(stack):
    """A pull request's own machaudit.toml: what would widen the run or lower its gate is not
    applied, what narrows or annotates it is; each setting is listed with its outcome."""
    write(stack / "machaudit.toml", """
        select = ["ORC004"]
        ignore = ["ORC"]
        format = ["markdown:../owned.md"]
        catalog = ["/etc/hostname", "catalog-info.yaml"]
        allow-remote = true
        fail-on = "never"
        [checks.ORC001]
        severity = "low"
        [checks.ORC002]
        enabled = false
        [checks.ORC004]
        severity = "critical"
        min-out-degree = 1
        [limits]
        max-nodes = 999999999
        max-depth = 100
    """)
    run = audit(str(stack))
    report = run.report
    assert run.exit_code == 1  # the cycle stays high: neither fail-on nor the severity was lowered
    assert not (stack.parent / "owned.md").exists()
    assert {"ORC001", "ORC002", "INV001"} <= {c["id"] for c in report["checks"]}
    assert [f["severity"] for f in report["findings"] if f["check"] == "ORC001"] == ["high"]
    assert {f["severity"] for f in report["findings"] if f["check"] == "ORC004"} == {"critical"}
    outcome = {(s["key"], s["value"]): (s["applied"], s["reason"]) for s in report["configuration"]["tree_settings"]}
    assert report["configuration"]["from_audited_tree"] is True
    assert outcome == {
        ("select", '["ORC004"]'): (False, "it would leave checks out; only the command line, the environment or --config FILE may set it"),
        ("ignore", '["ORC"]'): (False, "it would leave checks out; only the command line, the environment or --config FILE may set it"),
        ("format", '["markdown:../owned.md"]'): (False, "it would choose where reports are written; only the command line, the environment or --config FILE may set it"),
        ("allow-remote", "true"): (False, "it would turn network access on; only the command line, the environment or --config FILE may set it"),
        ("fail-on", "never"): (False, "it would lower the gate below high; only the command line, the environment or --config FILE may set it"),
        ("catalog", "/etc/hostname"): (False, "outside the audited folders"),
        ("catalog", "catalog-info.yaml"): (False, "outside the audited folders"),  # relative to the working folder
        ("checks.ORC001.severity", "low"): (False, "it would lower the severity below the default high; only the command line, the environment or --config FILE may set it"),
        ("checks.ORC002.enabled", "false"): (False, "it would turn the check off; only the command line, the environment or --config FILE may set it"),
        ("checks.ORC004.severity", "critical"): (True, ""),
        ("checks.ORC004.min-out-degree", "1"): (True, ""),
        ("limits.max-nodes", "999999999"): (False, "it would raise the limit of 20000000; only the command line, the environment or --config FILE may set it"),
        ("limits.max-depth", "100"): (True, ""),
    }
    assert "(from the audited tree) sets fail-on = never: not applied: it would lower the gate below high" in run.stderr


def test_a_tree_config_may_make_the_gate_stricter_and_name_a_catalog_inside_the_tree(stack, monkeypatch):
    monkeypatch.chdir(stack)
    write(stack / "machaudit.toml", 'fail-on = "low"\ncatalog = ["catalog-info.yaml"]\n')
    run = audit(".", "--select", "ORC004")
    settings = run.report["configuration"]["tree_settings"]
    assert [(s["key"], s["applied"]) for s in settings] == [("fail-on", True), ("catalog", True)]
    assert run.report["inventory"]["catalog_files"]  # read
    assert audit(".", "--select", "ORC004", "--fail-on", "never").exit_code == 0  # the job's flag still rules


def test_paths_in_the_jobs_own_config_stay_inside_the_repository(stack, tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    config = write(tmp_path / "ci.toml", 'format = ["json:/tmp/elsewhere.json"]\n')
    run = audit("stack", "--config", str(config))
    assert run.exit_code == 2
    assert "format names '/tmp/elsewhere.json', outside the repository" in run.stderr


def test_closest_config_wins_and_pyproject_table_is_read(tmp_path, stack):
    write(tmp_path / "machaudit.toml", '[checks.ORC004]\nmin-out-degree = 1\n')
    write(stack / "pyproject.toml", '[project]\nname = "x"\n[tool.machaudit]\n[tool.machaudit.checks.ORC004]\nseverity = "critical"\n')
    report = audit(str(stack), "--select", "ORC004").report
    assert report["configuration"]["file"] == str(stack / "pyproject.toml")
    assert [s["key"] for s in report["configuration"]["tree_settings"]] == ["checks.ORC004.severity"]


def test_precedence_file_env_flags(stack, tmp_path):
    config = write(tmp_path / "ci.toml", 'fail-on = "never"\nselect = ["ORC001"]\n')
    assert audit(str(stack), "--config", str(config)).exit_code == 0  # file: never
    env = {"MACHAUDIT_CONFIG": str(config)}
    assert audit(str(stack), env=env).exit_code == 0  # named by the environment: the job's file too
    assert audit(str(stack), env={**env, "MACHAUDIT_FAIL_ON": "high"}).exit_code == 1  # env beats file
    assert audit(str(stack), "--fail-on", "never", env={**env, "MACHAUDIT_FAIL_ON": "high"}).exit_code == 0  # flag beats env


@pytest.mark.parametrize("text,message", [
    ('fail_on = "high"\n', "unknown key 'fail_on'; valid keys:"),
    ('fail-on = "severe"\n', "choose one of: info, low, medium, high, critical, never"),
    ('[checks.ORC999]\nenabled = false\n', "is not a known check; valid ids:"),
    ('[checks.ORC003]\nmin-in-degree = "five"\n', "must be a number"),
    ('[checks.ORC003]\nthreshold = 3\n', "valid: enabled, severity, min-in-degree, percentile"),
    ('[checks.ORC003]\nseverity = "urgent"\n', "choose one of: info, low, medium, high, critical"),
    ('[policy]\nregions = []\n', "valid: allowed-regions, core-entities, required-touchpoints"),
    ('[limits]\nmax-bytes = -1\n', "must be a positive integer"),
    ('[limits]\nparsed-documents-mb = -1\n', "limits.parsed-documents-mb must be 0 or a positive integer"),
    ('select = [\n', "not valid TOML"),
])
def test_config_mistakes_are_clear_errors(stack, text, message):
    config = write(stack / "machaudit.toml", text)
    run = audit(str(stack))
    assert run.exit_code == 2
    assert message in run.stderr
    assert str(config) in run.stderr or "machaudit.toml" in run.stderr
    assert "Traceback" not in run.stderr


def test_explicit_config_and_unknown_env(stack, tmp_path):
    config = write(tmp_path / "ci.toml", 'select = ["ORC002"]\n')
    assert [c["id"] for c in run_cli("audit", str(stack), "--config", str(config), "-f", "json").report["checks"]] == ["ORC002"]
    run = run_cli("audit", str(stack), "--config", str(tmp_path / "missing.toml"))
    assert run.exit_code == 2 and "does not exist" in run.stderr
    run = audit(str(stack), env={"MACHAUDIT_FAILON": "high"})
    assert run.exit_code == 2 and "MACHAUDIT_FAIL_ON" in run.stderr


def test_limits_from_config_apply_to_reading(stack):  # a tighter limit: applied from the tree too
    write(stack / "big.yaml", "openapi: 3.0.3\ninfo: {title: big, version: '1'}\npaths: {}\nx-pad: '" + "x" * 5000 + "'\n")
    write(stack / "machaudit.toml", "[limits]\nmax-bytes = 2000\n")
    report = run_cli("audit", str(stack), "--select", "SPC002", "-f", "json", "--fail-on", "never").report
    assert any("over the limit of 2,000" in f["message"] for f in report["findings"])


def test_spec_suppression_with_reason_and_unused_report(tmp_path):
    write(tmp_path / "orders.yaml", """\
        openapi: 3.0.3
        info: {title: Orders, version: 1.0.0}
        paths:
          /orders:
            get:
              operationId: listOrders
              responses: {'200': {description: ok}}
            post:
              operationId: listOrders
              x-machaudit-ignore:
                - {id: SPC004, reason: "generated client keeps the old name until v2"}
              responses: {'201': {description: created}}
          /orders/{id}:
            x-machaudit-ignore: [{id: SPC001, reason: "nothing wrong here"}, {id: SPC004}]
            get:
              operationId: getOrder
              parameters: [{name: id, in: path, required: true, schema: {type: string}}]
              responses: {'200': {description: ok}}
    """)
    run = run_cli("audit", str(tmp_path), "--select", "SPC", "-f", "json")
    report = run.report
    assert run.exit_code == 0
    assert report["findings"] == []
    [suppressed] = report["suppressed_findings"]
    assert suppressed["check"] == "SPC004"
    assert suppressed["suppressed"]["reason"].startswith("generated client")
    by_check = {(s["check"], s["problem"]): s for s in report["suppressions"]}
    assert by_check[("SPC004", None)]["used"] == 1
    assert by_check[("SPC001", None)]["used"] == 0  # unused: reported
    assert "has no reason" in by_check[("SPC004", "has no reason; a suppression must say why")]["problem"]
    assert "suppression of SPC001" in run.stderr and "is unused" in run.stderr


def test_catalog_annotation_suppression(stack):
    text = (stack / "catalog-info.yaml").read_text().replace(
        "metadata: {name: erp-core}",
        'metadata: {name: erp-core, annotations: {machaudit.io/ignore: "ORC001: ERP replacement in 2027 removes the loop"}}')
    (stack / "catalog-info.yaml").write_text(text)
    report = run_cli("audit", str(stack), "--select", "ORC001", "-f", "json").report
    assert report["findings"] == [] and report["suppressed_findings"][0]["check"] == "ORC001"


def test_baseline_fails_only_on_new_findings_and_survives_reformatting(stack, tmp_path):
    baseline = tmp_path / "baseline.json"
    first = run_cli("audit", str(stack), "--select", "ORC", "--write-baseline", str(baseline), "-f", "json")
    assert first.exit_code == 1
    saved = json.loads(baseline.read_text())
    assert saved["machaudit_baseline"] == 1 and saved["findings"]

    # Reformat the catalog (lines move) — the baseline still matches.
    catalog = stack / "catalog-info.yaml"
    catalog.write_text("# reformatted\n\n\n" + catalog.read_text())
    again = run_cli("audit", str(stack), "--select", "ORC", "--baseline", str(baseline), "-f", "json")
    assert again.exit_code == 0
    assert again.report["summary"]["new_findings"] == 0
    assert all(not f["new"] for f in again.report["findings"])

    # A new cycle member makes a new finding: exit 1 again.
    catalog.write_text(catalog.read_text().replace(
        "spec: {type: erp, lifecycle: production, owner: team-a, consumesApis: [orders-api]}",
        "spec: {type: erp, lifecycle: production, owner: team-a, consumesApis: [orders-api, stock-api]}"))
    worse = run_cli("audit", str(stack), "--select", "ORC", "--baseline", str(baseline), "-f", "json")
    assert worse.exit_code == 1 and worse.report["summary"]["new_findings"] >= 1


def test_bad_baseline_is_a_clear_error(stack, tmp_path):
    bad = write(tmp_path / "b.json", "[1, 2]")
    run = run_cli("audit", str(stack), "--baseline", str(bad))
    assert run.exit_code == 2 and "not a machaudit baseline" in run.stderr


def test_check_options_are_validated_against_their_declared_schema(stack):
    write(stack / "machaudit.toml", "[checks.API002]\nmin-documented-share = 1.5\n")
    run = audit(str(stack))
    assert run.exit_code == 2
    assert "checks.API002.min-documented-share = 1.5 must be at most 1" in run.stderr
    shown = run_cli("rules", "API002")
    assert "min-documented-share: a number, 0..1, default 0.8: share of operations that must have a summary" in shown.stdout
    schema = json.loads(run_cli("rules", "API002", "-f", "json").stdout)[0]["option_schema"]
    assert schema == {"min_documented_share": {"type": "number", "default": 0.8, "minimum": 0, "maximum": 1,
                                               "description": "share of operations that must have a summary or description"}}
