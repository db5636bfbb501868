"""The sample companies end to end: every planted gap of EXPECTED.md is found, the touchpoint map
matches cell by cell, and the clean stack passes nearly everything."""

from __future__ import annotations

import re
from functools import lru_cache

import pytest

from machaudit.registry import load_checks
from tests.conftest import SAMPLES, run_cli

DISTRIBUTOR = SAMPLES / "distributor"
CLEAN = SAMPLES / "clean"
EVENT_DRIVEN = SAMPLES / "event-driven"
EVENT_DRIVEN_CHANNELS = ("webshop", "mobile-app", "customer-service")
STAGES = ("find", "evaluate", "order", "pay", "fulfil", "service", "loyalty")
MAP_CHANNELS = ("b2b-portal", "mobile-app", "website", "marketplace-connector", "call-center")


def section(path, heading: str) -> str:
    """The text under a heading of EXPECTED.md, up to the next heading."""
    text = path.read_text(encoding="utf-8")
    start = text.index(heading + "\n") + len(heading) + 1
    following = re.search(r"^#{2,3} ", text[start:], re.M)
    return text[start:start + following.start()] if following else text[start:]


def table_rows(path, columns: int, heading: str = "") -> list[list[str]]:
    rows = []
    text = section(path, heading) if heading else path.read_text(encoding="utf-8")
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == columns and not set(cells[0]) <= set("-: "):
            rows.append(cells)
    return rows


def planted_gaps(folder, heading: str = "## Planted gaps") -> list[tuple[str, str]]:
    rows = table_rows(folder / "EXPECTED.md", 3, heading)
    return [(check, subject) for check, subject, _ in rows if re.fullmatch(r"[A-Z]{3}\d{3}", check)]


def subject_parts(subject: str) -> list[str]:
    return [p.strip() for p in re.split(r"→|,", subject) if p.strip()]


@lru_cache(maxsize=None)
def audit(folder) -> dict:
    run = run_cli("audit", str(folder), "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    return run.report


def finding_mentions(finding: dict, part: str) -> bool:
    """A subject part like 'order-api POST /auftraege' is named by the finding's subject,
    message, evidence or file (every word of it)."""
    text = " ".join([finding["subject"], finding["message"], str(finding["evidence"]),
                     (finding["location"] or {}).get("file", "")]).lower()
    return all(word.lower() in text for word in part.split())


def missing_planted_gaps(folder) -> list[str]:
    report = audit(folder)
    known = set(load_checks())
    missing = []
    for check, subject in planted_gaps(folder):
        if check not in known:
            missing.append(f"{check} is not implemented ({subject})")
            continue
        findings = [f for f in report["findings"] if f["check"] == check]
        for part in subject_parts(subject):
            if not any(finding_mentions(f, part) for f in findings):
                missing.append(f"{check} {part!r}: not found in {[f['message'][:90] for f in findings]}")
    return missing


def test_every_planted_gap_is_found():
    missing = missing_planted_gaps(DISTRIBUTOR)
    assert not missing, "\n".join(missing)


def map_differences(folder, channels: tuple[str, ...]) -> list[tuple]:
    expected = {row[1]: dict(zip(channels, row[2:]))
                for row in table_rows(folder / "EXPECTED.md", 2 + len(channels)) if row[0] in STAGES}
    journey = audit(folder)["journey"]
    got = {t["name"]: {c: cell["state"] for c, cell in t["cells"].items()}
           for stage in journey["stages"] for t in stage["touchpoints"]}
    assert set(got) == set(expected)
    return [(t, c, expected[t][c], got[t][c]) for t in expected for c in channels if expected[t][c] != got[t][c]]


def test_touchpoint_map_matches_expected_cell_by_cell():
    expected = {row[1]: dict(zip(MAP_CHANNELS, row[2:]))
                for row in table_rows(DISTRIBUTOR / "EXPECTED.md", 7) if row[0] in STAGES}
    journey = audit(DISTRIBUTOR)["journey"]
    got = {t["name"]: {c: cell["state"] for c, cell in t["cells"].items()}
           for stage in journey["stages"] for t in stage["touchpoints"]}
    assert set(got) == set(expected)
    diffs = [(t, c, expected[t][c], got[t][c]) for t in expected for c in MAP_CHANNELS if expected[t][c] != got[t][c]]
    assert not diffs, diffs
    # Every self-service and phone-only cell is defensible: operation, reason, confidence, path.
    for stage in journey["stages"]:
        for touchpoint in stage["touchpoints"]:
            for channel, cell in touchpoint["cells"].items():
                if cell["state"] in ("self-service", "phone-only"):
                    op = cell["operation"]
                    assert op["operation"] and op["spec"] and op["reason"] and 0 < op["confidence"] <= 1
                    assert cell["path"][-1] == op["api"] and cell["path"][0].endswith("/" + channel) or cell["state"] == "phone-only"


def test_sample_inputs_are_valid():
    report = audit(DISTRIBUTOR)
    assert report["inventory"]["specs"] >= 10 and report["inventory"]["operations"] >= 150
    assert [f for f in report["findings"] if f["check"] in ("SPC001", "SPC002", "SPC003", "INV007")] == []
    assert len(report["inventory"]["channels"]) >= 5


def test_clean_stack_passes_nearly_everything():
    report = audit(CLEAN)
    severe = [f for f in report["findings"] if f["severity"] in ("high", "critical")]
    assert severe == [], [(f["check"], f["subject"], f["message"]) for f in severe]
    assert len(report["findings"]) <= 5, [(f["check"], f["subject"], f["message"]) for f in report["findings"]]
    passes = report["summary"]["by_state"]["pass"]
    assert passes > 100


def test_readme_command_exit_code():
    # The README's first command audits the distributor: high findings, so exit 1 by default.
    assert run_cli("audit", str(DISTRIBUTOR), "-q").exit_code == 1


# -- the event-driven retailer -----------------------------------------------------------------------

def test_event_driven_planted_gaps_are_found():
    missing = missing_planted_gaps(EVENT_DRIVEN)
    assert not missing, "\n".join(missing)


def test_event_driven_findings_are_the_expected_ones():
    """No finding of a check EXPECTED.md does not name, as planted or as following from the design."""
    likely = re.findall(r"^- \*\*([A-Z]{3}\d{3})", section(EVENT_DRIVEN / "EXPECTED.md", "### Likely findings that "
                                                                                            "follow from the design (not planted on their own)"), re.M)
    expected = {check for check, _ in planted_gaps(EVENT_DRIVEN)} | set(likely)
    found = {f["check"] for f in audit(EVENT_DRIVEN)["findings"]}
    assert found == expected, [(f["check"], f["subject"], f["message"][:120]) for f in audit(EVENT_DRIVEN)["findings"]
                               if f["check"] not in expected]


def test_event_driven_choreography_is_not_penalised():
    report = audit(EVENT_DRIVEN)
    flagged = []
    for check, subject in planted_gaps(EVENT_DRIVEN, "### Clean choreography that must not be penalised"):
        for part in subject_parts(subject):
            flagged += [(check, part, f["message"][:120]) for f in report["findings"]
                        if f["check"] == check and finding_mentions(f, part)]
    assert not flagged, flagged
    results = report["results"]
    assert any(r["check"] == "API010" and r["state"] == "pass" and r["message"] ==
               "order-service publishes OrderPlaced, OrderPaid, OrderShipped, OrderCancelled (API order-events, asyncapi)"
               for r in results)
    assert [r["message"] for r in results if r["check"] == "ORC001" and r["subject"] == "component:default/order-service"] \
        == ["in a loop closed by events (order-service -> fulfilment-connector -> order-service): choreography, "
            "not a dependency cycle"]
    # Billing is reached only through the order review, in both BLR001 findings.
    for finding in (f for f in report["findings"] if f["check"] == "BLR001"):
        [billing] = [r for r in finding["evidence"]["reaches"] if r["sink"] == "component:default/billing-service"]
        assert (billing["guarded"], billing["guard"]) == (True, "component:default/order-review")
        assert "component:default/event-bus" not in {n for r in finding["evidence"]["reaches"] for n in r["path"]}
    assert {f["subject"] for f in report["findings"] if f["check"] == "BLR001"} == {
        "component:default/commerce-engine", "component:default/order-service"}


def test_event_driven_touchpoint_map_matches_expected_cell_by_cell():
    diffs = map_differences(EVENT_DRIVEN, EVENT_DRIVEN_CHANNELS)
    assert not diffs, diffs
    tracking = [t for stage in audit(EVENT_DRIVEN)["journey"]["stages"] for t in stage["touchpoints"]
                if t["name"] == "order-tracking"][0]
    # The status pushes of the GraphQL subscription count as order tracking too.
    assert "subscription orderStatusChanged" in {o["operation"] for o in tracking["operations"]}


def test_event_driven_inputs_are_valid():
    report = audit(EVENT_DRIVEN)
    assert report["inventory"]["specs"] == 12 and len(report["inventory"]["channels"]) == 3
    assert [f for f in report["findings"] if f["check"] in ("SPC001", "SPC002", "SPC003", "INV004", "INV006", "INV007")] == []
