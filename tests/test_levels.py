"""Levels show their evidence: an area with too little evidence is provisional and does not decide
the overall level. Expected answers follow the rule in machaudit/scoring.py (at least 3 applicable
checks, coverage at least 50 %, a customer channel for the journey), worked out by hand per case."""

from __future__ import annotations

import json

from machaudit.findings import Result, Severity, State
from machaudit.registry import CheckInfo
from machaudit.scoring import evidence_label, level_label, overall_basis, score
from tests.conftest import SAMPLES, run_cli


def _check(cid: str, severity: Severity = Severity.MEDIUM) -> CheckInfo:
    return CheckInfo(cid, f"name-{cid.lower()}", severity, run=lambda ctx: (), doc="What: x.")


def _r(cid: str, state: State, subject: str = "s", severity: Severity = Severity.MEDIUM) -> Result:
    return Result(cid, f"name-{cid.lower()}", state, subject, "", severity)


def test_an_area_with_two_applicable_checks_is_provisional_and_left_out_of_the_overall_level():
    checks = [_check(c) for c in ("API001", "API002", "API003", "DAT001", "DAT002")]
    results = [_r("API001", State.PASS), _r("API002", State.FAIL), _r("API003", State.PASS),  # api-first: 3
               _r("DAT001", State.PASS), _r("DAT002", State.PASS)]  # data-location: 2, all passing
    scores = score(results, checks, customer_channels=1)
    data = scores["areas"]["data-location"]
    assert data["level"] == 4 and data["provisional"] is True
    assert data["provisional_reason"] == "only 2 applicable checks (at least 3 needed)"
    api = scores["areas"]["api-first"]
    assert api["provisional"] is False and api["level"] == 2  # a medium check fails
    assert api["checks_passed"] == ["API001", "API003"] and api["checks_failed"] == ["API002"]
    overall = scores["overall"]
    assert overall["level"] == 2 and overall["based_on"] == ["api-first"]
    assert overall["provisional_areas"] == ["data-location"] and overall["provisional_below"] == []
    assert level_label(data) == "level 4 · MACH-native (provisional)"
    assert overall_basis(overall) == ("The overall level rests on api-first; not counted, too little evidence "
                                      "(provisional): data-location.")


def test_a_weak_provisional_area_does_not_become_the_headline():
    checks = [_check(c, Severity.HIGH) for c in ("ORC001", "ORC002", "ORC003")] + [_check("CLD001", Severity.CRITICAL)]
    results = [_r("ORC001", State.PASS), _r("ORC002", State.PASS), _r("ORC003", State.PASS),
               _r("CLD001", State.FAIL, severity=Severity.CRITICAL)]  # one critical failure, one check
    scores = score(results, checks, customer_channels=1)
    assert scores["areas"]["cloud-native"]["level"] == 0 and scores["areas"]["cloud-native"]["provisional"]
    assert scores["overall"]["level"] == 4 and scores["overall"]["weakest_areas"] == ["microservices"]
    # ... but the reader is told that a definite failure there would lower it
    assert scores["overall"]["provisional_below"] == ["cloud-native"]
    assert overall_basis(scores["overall"]) == (
        "The overall level rests on microservices; not counted, too little evidence (provisional): cloud-native. "
        "Definite failures in cloud-native would lower it; read that area before signing.")


def test_coverage_counts_subjects_and_below_half_is_provisional():
    checks = [_check(c) for c in ("DAT001", "DAT002", "DAT003")]
    results = [_r("DAT001", State.PASS), _r("DAT002", State.PASS), _r("DAT003", State.PASS)]
    results += [_r("DAT001", State.UNKNOWN, f"gap-{i}") for i in range(4)]  # 3 decided of 7 judged
    results += [_r("DAT002", State.NOT_APPLICABLE, "n/a")]  # not judged: not in the coverage
    entry = score(results, checks, customer_channels=1)["areas"]["data-location"]
    assert entry["checks_applicable"] == 3 and entry["evidence_gaps"] == ["DAT001"]
    assert entry["coverage"] == 43  # 3 / 7
    assert entry["provisional_reason"] == "coverage 43 % (at least 50 % needed)"
    assert evidence_label(entry) == "3 checks (3 passed, 0 failed), 1 with gaps, coverage 43 %"


def test_the_journey_without_a_customer_channel_is_provisional():
    checks = [_check(c) for c in ("JRN001", "JRN002", "JRN003")]
    results = [_r(c, State.PASS) for c in ("JRN001", "JRN002", "JRN003")]
    assert score(results, checks, customer_channels=0)["areas"]["journey"]["provisional_reason"] == (
        "no customer channel: whether a customer can reach each touchpoint is not known")
    thin = score(results[:1], checks, customer_channels=0)["areas"]["journey"]["provisional_reason"]
    assert thin == ("no customer channel: whether a customer can reach each touchpoint is not known; "
                    "only 1 applicable check (at least 3 needed)")
    assert score(results, checks, customer_channels=2)["areas"]["journey"]["provisional"] is False


def test_no_overall_level_when_every_area_is_provisional():
    checks = [_check("API001")]
    scores = score([_r("API001", State.PASS)], checks, customer_channels=1)
    assert scores["overall"]["level"] is None and scores["overall"]["level_name"] == "not assessed"
    assert scores["overall"]["provisional_areas"] == ["api-first"]
    assert overall_basis(scores["overall"]) == "No overall level: no area has enough evidence (provisional: api-first)."


def test_every_format_shows_the_evidence(tmp_path):
    """The distributor sample names channels and has many checks per area: every area counts.
    The same audit of its specs alone (no catalog: no channel) leaves the journey provisional."""
    html, md, term = tmp_path / "r.html", tmp_path / "r.md", tmp_path / "r.txt"
    run = run_cli("audit", str(SAMPLES / "distributor" / "specs"), "-q", "-f", "json",
                  "-f", f"html:{html}", "-f", f"markdown:{md}", "-f", f"terminal:{term}")
    report = json.loads(run.stdout)
    assert report["schema_version"] == "1.1"
    areas = report["scores"]["areas"]
    assert areas["journey"]["level"] is None or areas["journey"]["provisional"]
    for name, entry in areas.items():
        if entry["level"] is not None:
            assert {"checks_passed", "checks_failed", "evidence_gaps", "coverage", "provisional"} <= set(entry)
            assert (name in report["scores"]["overall"]["based_on"]) == (not entry["provisional"])
    provisional = report["scores"]["overall"]["provisional_areas"]
    assert provisional, "an audit of specs without a catalog has areas with too little evidence"
    text = term.read_text(encoding="utf-8")
    assert "provisional:" in text and "not counted, too little evidence (provisional)" in text
    assert "(provisional)" in md.read_text(encoding="utf-8")
    page = html.read_text(encoding="utf-8")
    assert '<span class="chip warn">provisional</span>' in page and "Not counted, too little evidence" in page


def test_reports_credit_choreography(tmp_path):
    """The event-driven sample publishes its order and shipment events and closes its loops by
    events: the terminal and Markdown reports say so beside the findings (API010 and ORC001 passes)."""
    md = tmp_path / "r.md"
    run = run_cli("audit", str(SAMPLES / "event-driven"), "--fail-on", "never", "-f", "terminal", "-f", f"markdown:{md}")
    for text, arrow in ((run.stdout, "->"), (md.read_text(encoding="utf-8"), "-&gt;")):  # Markdown escapes ">"
        assert "Credit" in text
        assert "API010 order-service publishes OrderPlaced, OrderPaid, OrderShipped, OrderCancelled (API order-events, asyncapi)" in text
        assert f"ORC001 in a loop closed by events (order-service {arrow} fulfilment-connector {arrow} order-service)" in text
