"""SARIF 2.1.0: valid against the official OASIS schema, every rule that ran, stable ids and fingerprints."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from machaudit.report import AuditReport, CheckError
from machaudit.findings import Location, Result, Severity, State
from machaudit.formatters import render
from machaudit.formatters.sarif import artifact_location
from machaudit.registry import CheckInfo
from tests.conftest import SAMPLES, run_cli

SCHEMA_FILE = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"
DISTRIBUTOR = SAMPLES / "distributor"
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}


def validate(log: dict) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)  # the draft the schema declares
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).iter_errors(log),
                    key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.fixture(scope="module")
def distributor(tmp_path_factory):
    out = tmp_path_factory.mktemp("sarif")
    runs = []
    for n in (1, 2):
        sarif, report = out / f"run{n}.sarif", out / f"run{n}.json"
        run = run_cli("audit", str(DISTRIBUTOR), "-q", "-f", f"sarif:{sarif}", "-f", f"json:{report}")
        assert run.exit_code in (0, 1), run.stderr
        runs.append((sarif.read_text(encoding="utf-8"), json.loads(report.read_text(encoding="utf-8"))))
    return runs


def test_schema_is_the_official_one():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["id"] == "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert len(schema["definitions"]) == 52


def test_distributor_sarif_validates_against_the_schema(distributor):
    text, report = distributor[0]
    log = json.loads(text)
    validate(log)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "machaudit"
    assert run["tool"]["driver"]["version"] == report["tool"]["version"]
    assert run["tool"]["driver"]["informationUri"].startswith("https://")
    assert run["invocations"][0]["executionSuccessful"] is True
    assert len(run["results"]) == len(report["findings"]) + len(report["suppressed_findings"]) > 0
    assert "\x1b[" not in text


def test_rules_are_every_check_that_ran_with_help(distributor):
    _, report = distributor[0]
    run = json.loads(distributor[0][0])["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    docs = {r["id"]: r for r in json.loads(run_cli("rules", "-f", "json").stdout)}
    assert [r["id"] for r in rules] == sorted(c["id"] for c in report["checks"])
    for rule in rules:
        check = docs[rule["id"]]
        assert rule["name"] == check["name"]
        assert rule["shortDescription"]["text"] == check["summary"]
        assert rule["fullDescription"]["text"] == check["doc"] and check["doc"]
        assert rule["help"]["text"] == check["doc"] and rule["help"]["markdown"]
        assert rule["helpUri"].endswith(rule["id"])
        assert rule["defaultConfiguration"]["level"] == LEVEL[check["severity"]]
        assert set(rule["properties"]["tags"]) == {check["family"], check["area"], "MACH"}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_rule_ids_fingerprints_and_output_are_stable_across_runs(distributor):
    (first, report), (second, _) = distributor
    assert first == second  # deterministic: no timestamps, fixed order
    results = json.loads(first)["runs"][0]["results"]
    assert all(len(r["partialFingerprints"]["machaudit/v1"]) == 32 for r in results)
    assert {r["partialFingerprints"]["machaudit/v1"] for r in results} == {f["fingerprint"] for f in report["findings"]}
    severities = {f["fingerprint"]: f["severity"] for f in report["findings"]}
    for result in results:
        fingerprint = result["partialFingerprints"]["machaudit/v1"]
        assert result["level"] == LEVEL[severities[fingerprint]]
        assert result["properties"]["severity"] == severities[fingerprint]
        assert "subject" in result["properties"] and "evidence" in result["properties"]


def _physical(result):
    return result["locations"][0]["physicalLocation"]


def test_spec_finding_has_a_line_and_catalog_finding_points_at_the_catalog(distributor):
    results = json.loads(distributor[0][0])["runs"][0]["results"]
    # GitHub code scanning rejects the whole log if one result lacks a physical artifact location
    assert all(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results)
    located = [r for r in results if r.get("locations") and "physicalLocation" in r["locations"][0]]
    for result in located:
        artifact = _physical(result)["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%" and not artifact["uri"].startswith(("/", "file:"))
    in_specs = [r for r in located if "/specs/" in _physical(r)["artifactLocation"]["uri"]]
    assert in_specs and all(_physical(r)["region"]["startLine"] >= 1 for r in in_specs)
    assert any(_physical(r)["region"].get("startColumn", 0) >= 1 for r in in_specs)
    about_entities = [r for r in results if r["properties"]["subject"].startswith(("component:", "resource:"))]
    assert about_entities
    for result in about_entities:
        uri = _physical(result)["artifactLocation"]["uri"]
        assert "catalog" in uri and uri.endswith((".yaml", ".yml")), uri
        assert _physical(result)["region"]["startLine"] >= 1
    cycle = next(r for r in results if r["ruleId"] == "ORC001")
    assert cycle["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == cycle["properties"]["subject"]
    whole_stack = [r for r in results if "message" in r["locations"][0]]  # no place of their own, anchored
    assert whole_stack
    for result in whole_stack:
        assert _physical(result)["artifactLocation"]["uri"].endswith("distributor/catalog-info.yaml")
        assert result["locations"][0]["logicalLocations"][0]["name"] == result["properties"]["subject"]


# A report made by hand: suppressions, a baseline, check errors, no location, odd paths.

def _info(check_id: str, severity: Severity, doc: str = "") -> CheckInfo:
    return CheckInfo(id=check_id, name=f"name-{check_id.lower()}", severity=severity, run=lambda ctx: (),
                     doc=doc or f"What: check {check_id}.\n\nFix: do the thing.")


def _fail(check_id, subject, severity, location=None, **kwargs) -> Result:
    return Result(check_id=check_id, check_name=f"name-{check_id.lower()}", state=State.FAIL, subject=subject,
                  message=f"{subject} is wrong", severity=severity, location=location, **kwargs)


def made_report(errors=()) -> AuditReport:
    checks = (_info("ORC001", Severity.HIGH), _info("API001", Severity.MEDIUM), _info("INV002", Severity.LOW),
              _info("DAT004", Severity.CRITICAL))
    results = (
        _fail("ORC001", "component:default/a", Severity.HIGH, Location("catalog-info.yaml", "", 3, 1), known=True),
        _fail("API001", "specs/x y.yaml", Severity.MEDIUM, Location("specs/x y.yaml", "/info", 4, 3)),
        _fail("INV002", "component:default/b", Severity.LOW, Location("catalog/b.yaml", "", 9, 1),
              suppressed="owned by the platform team until Q3"),
        _fail("DAT004", "stack", Severity.CRITICAL, None, evidence={"regions": {"us-east-1", "eu-west-1"}}),
        Result("ORC001", "name-orc001", State.PASS, "component:default/c"),
    )
    return AuditReport(results=results, checks=checks, baseline_used=True, errors=tuple(errors))


def test_suppressions_baseline_state_and_locationless_results():
    log = json.loads(render("sarif", made_report()))
    validate(log)
    run = log["runs"][0]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    assert set(by_rule) == {"ORC001", "API001", "INV002", "DAT004"}  # fails only, the pass is not a result
    assert by_rule["INV002"]["suppressions"] == [{"kind": "inSource", "justification": "owned by the platform team until Q3"}]
    assert "suppressions" not in by_rule["ORC001"]
    assert by_rule["ORC001"]["baselineState"] == "unchanged" and by_rule["API001"]["baselineState"] == "new"
    assert by_rule["DAT004"]["level"] == "error" and by_rule["INV002"]["level"] == "note"
    assert by_rule["DAT004"]["locations"] == [{"logicalLocations": [{"name": "stack", "fullyQualifiedName": "stack"}]}]
    assert by_rule["DAT004"]["properties"]["evidence"] == {"regions": ["eu-west-1", "us-east-1"]}
    assert by_rule["API001"]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "specs/x%20y.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4, "startColumn": 3}}
    assert by_rule["API001"]["properties"]["pointer"] == "/info"
    assert run["invocations"][0]["executionSuccessful"] is True
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["API001", "DAT004", "INV002", "ORC001"]


def test_stack_findings_are_anchored_at_the_catalog_when_there_is_one():
    report = made_report()
    report = AuditReport(results=report.results, checks=report.checks,
                         inventory={"catalog_files": ["catalog-info.yaml", "catalog/b.yaml"]})
    log = json.loads(render("sarif", report))
    validate(log)
    stack = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "DAT004")
    assert stack["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "catalog-info.yaml", "uriBaseId": "%SRCROOT%"}}
    assert stack["locations"][0]["logicalLocations"] == [{"name": "stack", "fullyQualifiedName": "stack"}]


def test_no_baseline_state_without_a_baseline():
    report = made_report()
    report = AuditReport(results=report.results, checks=report.checks)
    results = json.loads(render("sarif", report))["runs"][0]["results"]
    assert not any("baselineState" in r for r in results)


def test_check_errors_make_the_execution_unsuccessful():
    log = json.loads(render("sarif", made_report([CheckError("API001", "KeyError: 'paths'", "Traceback …")])))
    validate(log)
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    note = invocation["toolExecutionNotifications"][0]
    assert note["level"] == "error" and "KeyError" in note["message"]["text"]
    assert note["associatedRule"] == {"id": "API001", "index": 0}


def test_artifact_locations():
    assert artifact_location("specs/a.yaml") == {"uri": "specs/a.yaml", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("./specs/a.yaml") == {"uri": "specs/a.yaml", "uriBaseId": "%SRCROOT%"}
    assert artifact_location("/abs/a b.yaml") == {"uri": "file:///abs/a%20b.yaml"}
    assert artifact_location("https://example.com/api.yaml") == {"uri": "https://example.com/api.yaml"}
