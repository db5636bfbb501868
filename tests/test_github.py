"""GitHub workflow commands: levels, escaping, no file for location-less findings, the CI default."""

from __future__ import annotations

from machaudit.report import AuditReport, CheckError
from machaudit.findings import Location, Result, Severity, State
from machaudit.formatters import render
from machaudit.formatters.github import annotation, escape_data, escape_property
from machaudit.registry import CheckInfo
from tests.conftest import FIXTURES, run_cli

CYCLE = FIXTURES / "checks" / "ORC001" / "fail"


def _result(severity=Severity.HIGH, message="m", location=None, subject="component:default/a", **kw) -> Result:
    return Result("ORC001", "dependency-cycle", State.FAIL, subject, message, severity, location, **kw)


def test_escaping_follows_the_runner():
    assert escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert escape_data("%0A") == "%250A"  # % first, so an encoded sequence in the text stays literal


def test_annotation_levels_and_properties():
    loc = Location("catalog/x,y:z.yaml", "/spec", 12, 3)
    line = annotation(_result(message="bad\nthing: 100%", location=loc), "dependency-cycle")
    assert line == ("::error file=catalog/x%2Cy%3Az.yaml,line=12,col=3,title=ORC001 dependency-cycle"
                    "::component:default/a: bad%0Athing: 100%25")
    assert annotation(_result(Severity.CRITICAL)).startswith("::error ")
    assert annotation(_result(Severity.MEDIUM)).startswith("::warning ")
    assert annotation(_result(Severity.LOW)).startswith("::notice ")
    assert annotation(_result(Severity.INFO)).startswith("::notice ")
    no_file = annotation(_result(Severity.MEDIUM))
    assert no_file == "::warning title=ORC001 dependency-cycle::component:default/a: m"
    assert "file=" not in annotation(_result(location=Location("https://example.com/api.yaml")))
    assert "line=" not in annotation(_result(location=Location("a.yaml")))
    assert "(in baseline)" in annotation(_result(known=True))


def test_render_orders_new_first_and_ends_with_a_summary():
    info = CheckInfo("ORC001", "dependency-cycle", Severity.HIGH, run=lambda ctx: ())
    results = (
        _result(Severity.HIGH, "known one", known=True),
        _result(Severity.LOW, "new low", subject="component:default/b"),
        _result(Severity.HIGH, "suppressed", subject="component:default/c", suppressed="why"),
        Result("ORC001", "dependency-cycle", State.UNKNOWN, "component:default/d", "gap"),
    )
    report = AuditReport(results=results, checks=(info,), baseline_used=True,
                         errors=(CheckError("ORC001", "boom\nline two"),))
    lines = render("github", report).splitlines()
    assert lines[0].startswith("::notice ") and "new low" in lines[0]
    assert lines[1].startswith("::error ") and "known one" in lines[1] and "(in baseline)" in lines[1]
    assert not any("suppressed" in line for line in lines[:-1] if line.startswith("::"))
    assert lines[2] == "::error title=ORC001 check error::check ORC001 failed to run: boom%0Aline two"
    summary = lines[-1]
    assert not summary.startswith("::")
    assert summary.startswith("machaudit: 2 findings (1 high, 1 low), 1 new since the baseline; 1 suppressed; 1 evidence gaps")


def test_github_actions_selects_the_format_without_f():
    run = run_cli("audit", str(CYCLE), "--select", "ORC001", env={"GITHUB_ACTIONS": "true"})
    assert run.exit_code == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith("::error file=") and "title=ORC001 dependency-cycle::" in lines[0]
    assert "catalog-info.yaml,line=" in lines[0]
    assert lines[-1].startswith("machaudit: 1 findings (1 high)")
    assert "\x1b[" not in run.stdout
    chosen = run_cli("audit", str(CYCLE), "--select", "ORC001", "-f", "terminal", "--color", "never",
                     env={"GITHUB_ACTIONS": "true"})
    assert "::error" not in chosen.stdout and "ORC001 dependency-cycle" in chosen.stdout
    local = run_cli("audit", str(CYCLE), "--select", "ORC001", "--color", "never", env={"GITHUB_ACTIONS": ""})
    assert "::error" not in local.stdout
