"""Markdown for pull-request comments: under GitHub's size limit, escaped, new findings first."""

from __future__ import annotations

import json
import os
import re
import shutil

from machaudit.report import AuditReport
from machaudit.findings import Location, Result, Severity, State
from machaudit.formatters import render
from machaudit.formatters.markdown import LIMIT, escape
from machaudit.registry import CheckInfo
from machaudit.scoring import score
from tests.conftest import SAMPLES, run_cli

GITHUB_LIMIT = 65_536
IDS = {"ORC001": Severity.HIGH, "DAT004": Severity.CRITICAL, "API001": Severity.MEDIUM, "INV002": Severity.LOW,
       "API011": Severity.MEDIUM, "ORC011": Severity.INFO}


def _checks(name_of=lambda cid: f"name-{cid.lower()}"):
    return tuple(CheckInfo(cid, name_of(cid), sev, run=lambda ctx: (), doc=f"What: {cid}.") for cid, sev in IDS.items())


def _fail(cid: str, n: int, **kw) -> Result:
    return Result(cid, f"name-{cid.lower()}", State.FAIL, f"component:default/svc-{cid.lower()}-{n}",
                  f"finding {n} of {cid}: " + "a long explanation of what is wrong " * 4,
                  IDS[cid], Location(f"catalog/part-{n % 40}.yaml", f"/spec/{n}", n + 1, 1), **kw)


def _report(results, checks=None, **kw) -> AuditReport:
    checks = checks or _checks()
    return AuditReport(results=tuple(results), checks=checks, scores=score(results, checks), **kw)


def test_thousands_of_findings_stay_under_the_limit_and_keep_every_high_one():
    results = [_fail("ORC001", n) for n in range(60)] + [_fail("DAT004", n) for n in range(5)]
    results += [_fail(cid, n) for cid in ("API001", "INV002", "API011", "ORC011") for n in range(1500)]
    text = render("markdown", _report(results))
    assert len(text) < GITHUB_LIMIT and len(text) <= LIMIT
    for result in results[:65]:
        assert escape(result.subject) in text, result.subject
    assert "6000 more findings: see the full report" in text
    table = text[text.index("### Other findings by check"):]
    for cid in ("API001", "INV002", "API011", "ORC011"):
        assert re.search(rf"\| {cid} \| name\\-{cid.lower()}|\| {cid} \| name-{cid.lower()} \| \w+ \| 1500 \|", table)
    assert "svc-api001-7" not in text  # the rest is counted, not listed


def test_more_high_findings_than_fit_are_cut_with_a_note():
    results = [_fail("ORC001", n) for n in range(3000)]
    text = render("markdown", _report(results))
    assert len(text) < GITHUB_LIMIT
    assert "more findings: see the full report" in text and "Not every critical and high finding fits" in text


def test_small_report_lists_everything_with_counts_and_scores():
    results = [_fail("ORC001", 1), _fail("API001", 2), _fail("INV002", 3),
               Result("API001", "name-api001", State.UNKNOWN, "specs/x.yaml", "no servers"),
               Result("INV002", "name-inv002", State.PASS, "component:default/ok")]
    text = render("markdown", _report(results))
    # One or two checks per area: every area is provisional, so there is no overall level.
    assert text.startswith("<!-- machaudit-report -->\n## machaudit: MACH readiness not assessed — ")
    assert "| Area | Points | Level | Evidence |" in text
    assert "No overall level: no area has enough evidence (provisional: microservices, api-first)." in text
    assert "| api-first | 0 | level 2 · managed (provisional) | 1 check (0 passed, 1 failed), 1 with gaps, " \
           "coverage 50 %; provisional: only 1 applicable check (at least 3 needed) |" in text
    assert "| critical | high | medium | low | info |" in text and "| 0 | 1 | 1 | 1 | 0 |" in text
    assert "### Findings (3)" in text and "**Evidence gaps: 1**" in text
    assert text.index("#### High (1)") < text.index("#### Medium (1)") < text.index("#### Low (1)")
    assert "`catalog/part-1.yaml:2:1`" in text
    assert "<details>" not in text  # nothing known or suppressed


def test_text_from_specs_is_escaped():
    checks = _checks(lambda cid: "pipe|name" if cid == "API001" else f"name-{cid.lower()}")
    evil = Result("API001", "pipe|name", State.FAIL, "specs/a|b.yaml GET /x",
                  'description <script>alert("x")</script> with | pipes, *stars*, [link](javascript:x) and @octocat',
                  Severity.MEDIUM, Location("specs/a|b.yaml", "/paths", 3, 5))
    text = render("markdown", _report([evil], checks))
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "specs/a\\|b.yaml GET /x" in text and "with \\| pipes" in text
    assert "\\*stars\\*" in text and "\\[link\\](javascript:x)" in text
    assert "@octocat" not in text  # no mention
    # in summarised form the check name sits in a table: its | must not split the cell
    many = [Result("API001", "pipe|name", State.FAIL, f"s{n}", "x" * 200, Severity.MEDIUM) for n in range(400)]
    table_text = render("markdown", _report(many, checks))
    row = next(line for line in table_text.splitlines() if line.startswith("| API001 |"))
    assert len(re.findall(r"(?<!\\)\|", row)) == 5


def test_new_findings_come_first_with_a_baseline(tmp_path):
    stack = tmp_path / "stack"
    shutil.copytree(SAMPLES / "distributor", stack)
    baseline = tmp_path / "baseline.json"
    first = run_cli("audit", str(stack), "-q", "--write-baseline", str(baseline), "-f", f"json:{tmp_path / 'before.json'}")
    assert first.exit_code in (0, 1), first.stderr
    catalog = stack / "catalog" / "components-backoffice.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8") + """
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: rogue-batch
  description: "A nightly job <script>alert(1)</script> | nobody owns"
spec:
  type: service
  system: orders
""", encoding="utf-8")
    report_json = tmp_path / "after.json"
    run = run_cli("audit", str(stack), "-q", "--baseline", str(baseline), "-f", "markdown", "-f", f"json:{report_json}")
    assert run.exit_code in (0, 1), run.stderr
    report = json.loads(report_json.read_text(encoding="utf-8"))
    new = [f for f in report["findings"] if f["new"]]
    known = [f for f in report["findings"] if not f["new"]]
    assert new and known
    assert any("rogue-batch" in f["subject"] for f in new)
    text = run.stdout
    assert f"**{len(new)} new** since the baseline" in text
    assert f"### New findings ({len(new)})" in text
    details = text.index("<details>")
    assert text.index("### New findings") < details
    assert f"<summary>{len(known)} known (in the baseline)</summary>" in text
    def item(finding):  # where the finding is listed: its subject in bold, files relative to the audited folder
        return text.find(f"**{escape(finding['subject'].replace(os.path.relpath(stack) + os.sep, ''))}**")

    for finding in new:
        assert 0 <= item(finding) < details, finding["subject"]
    known_only = [f for f in known if not any(n["subject"] == f["subject"] for n in new)]
    assert known_only and all(item(f) > details for f in known_only)
    assert "<script>" not in text
    assert len(text) < GITHUB_LIMIT
