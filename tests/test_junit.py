"""JUnit XML: one case per check and subject, failures for findings, skips for gaps and suppressions."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from machaudit.report import AuditReport, CheckError
from machaudit.findings import Location, Result, Severity, State
from machaudit.formatters import render
from machaudit.registry import CheckInfo
from tests.conftest import FIXTURES, SAMPLES, run_cli

CYCLE = FIXTURES / "checks" / "ORC001" / "fail"


@pytest.fixture(scope="module")
def distributor(tmp_path_factory):
    out = tmp_path_factory.mktemp("junit")
    xml, report = out / "report.xml", out / "report.json"
    run = run_cli("audit", str(SAMPLES / "distributor"), "-q", "-f", f"junit:{xml}", "-f", f"json:{report}")
    assert run.exit_code in (0, 1), run.stderr
    return xml, json.loads(report.read_text(encoding="utf-8"))


def test_failures_equal_the_findings(distributor):
    path, report = distributor
    parsed = JUnitXml.fromfile(str(path))
    cases = [case for suite in parsed for case in suite]
    failures = [case for case in cases if any(isinstance(r, Failure) for r in case.result)]
    assert len(failures) == len(report["findings"]) == parsed.failures > 0
    summary = report["summary"]["by_state"]
    assert parsed.tests >= sum(summary.values())  # every result is a case (plus checks that judged nothing)
    assert parsed.skipped >= summary["unknown"] + summary["not-applicable"]
    assert parsed.errors == 0
    # the same with the standard library
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    assert len(root.findall("./testsuite/testcase/failure")) == len(report["findings"])
    assert int(root.get("failures")) == len(report["findings"])
    assert sum(int(s.get("tests")) for s in root.findall("testsuite")) == int(root.get("tests")) == len(cases)


def test_cases_are_named_by_check_and_subject(distributor):
    path, report = distributor
    root = ET.parse(path).getroot()
    suites = [s.get("name") for s in root.findall("testsuite")]
    assert suites == sorted(suites) and "machaudit.orchestration" in suites
    names = {(c.get("classname"), c.get("name")) for c in root.iter("testcase")}
    assert len(names) == len(list(root.iter("testcase")))  # unique per check and subject
    for finding in report["findings"]:
        assert (f"machaudit.{finding['check']}", finding["subject"]) in names
    for passed in report["results"]:
        assert (f"machaudit.{passed['check']}", passed["subject"]) in names
    cycle = next(c for c in root.iter("testcase") if c.get("classname") == "machaudit.ORC001" and c.find("failure") is not None)
    failure = cycle.find("failure")
    assert failure.get("type") == "high"
    assert "components-backoffice.yaml:" in failure.text and failure.get("message") in failure.text
    assert cycle.get("file").endswith("components-backoffice.yaml") and int(cycle.get("line")) >= 1
    gap = next(c for c in root.iter("testcase") if c.find("skipped") is not None
               and c.find("skipped").get("message").startswith("evidence gap:"))
    assert gap.find("skipped").get("message") != "evidence gap: "


def test_a_known_finding_keeps_its_failure(tmp_path):
    baseline = tmp_path / "baseline.json"
    assert run_cli("audit", str(CYCLE), "-q", "--select", "ORC001", "--write-baseline", str(baseline)).exit_code == 1
    xml = tmp_path / "report.xml"
    run = run_cli("audit", str(CYCLE), "-q", "--select", "ORC001", "--baseline", str(baseline), "-f", f"junit:{xml}")
    assert run.exit_code == 0  # known: not blocking
    suite = next(iter(JUnitXml.fromfile(str(xml))))
    known = [c for c in suite if c.classname == "machaudit.ORC001" and c.result]
    assert len(known) == 1
    failure = known[0].result[0]
    assert isinstance(failure, Failure) and failure.type == "high"
    assert "in the baseline" in failure.text


def _info(check_id: str, severity: Severity) -> CheckInfo:
    return CheckInfo(id=check_id, name=f"name-{check_id.lower()}", severity=severity, run=lambda ctx: (), doc="What: x.")


def test_suppressed_unknown_not_applicable_errors_and_escaping():
    checks = (_info("ORC001", Severity.HIGH), _info("API001", Severity.MEDIUM), _info("INV002", Severity.LOW),
              _info("HDL001", Severity.LOW))
    nasty = 'a <b> & "c" \x01 ]]> end'
    results = (
        Result("ORC001", "name-orc001", State.FAIL, "component:default/a", nasty, Severity.HIGH,
               Location("catalog-info.yaml", "", 3, 1)),
        Result("ORC001", "name-orc001", State.FAIL, "component:default/b", "suppressed one", Severity.HIGH,
               suppressed="accepted until the ERP goes"),
        Result("API001", "name-api001", State.UNKNOWN, "specs/a.yaml", "no servers to read"),
        Result("API001", "name-api001", State.NOT_APPLICABLE, "specs/b.yaml", "an event spec"),
        Result("INV002", "name-inv002", State.PASS, "component:default/a"),
        Result("INV002", "name-inv002", State.PASS, "component:default/a", location=Location("catalog/x.yaml", "/a", 2)),
        Result("INV002", "name-inv002", State.PASS, "component:default/a", location=Location("catalog/y.yaml", "/a", 2)),
    )
    report = AuditReport(results=results, checks=checks, errors=(CheckError("HDL001", "boom", "Traceback …"),))
    text = render("junit", report)
    root = ET.fromstring(text.encode("utf-8"))
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    failure = cases[("machaudit.ORC001", "component:default/a")].find("failure")
    # escaped by ElementTree; the control \x01 shown as text (safe_text), not dropped and not raw
    assert failure.get("message") == 'a <b> & "c" \\x01 ]]> end'
    assert failure.get("type") == "high"
    skipped = cases[("machaudit.ORC001", "component:default/b")].find("skipped")
    assert skipped.get("message") == "suppressed: accepted until the ERP goes"
    assert cases[("machaudit.API001", "specs/a.yaml")].find("skipped").get("message") == "evidence gap: no servers to read"
    assert cases[("machaudit.API001", "specs/b.yaml")].find("skipped").get("message") == "not applicable: an event spec"
    assert cases[("machaudit.HDL001", "(check failed to run)")].find("error").get("message") == "boom"
    inv = [name for cls, name in cases if cls == "machaudit.INV002"]
    assert len(inv) == 3 and len(set(inv)) == 3  # the same subject three times: made unique
    assert root.get("failures") == "1" and root.get("errors") == "1" and root.get("skipped") == "3"
    parsed = JUnitXml.fromstring(text.encode("utf-8"))
    results_by_kind = [type(r) for suite in parsed for case in suite for r in case.result]
    assert results_by_kind.count(Failure) == 1 and results_by_kind.count(Error) == 1
    assert results_by_kind.count(Skipped) == 3
