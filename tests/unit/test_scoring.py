from machaudit.findings import Result, Severity, State
from machaudit.registry import CheckInfo
from machaudit.scoring import score


def info(id, severity):
    return CheckInfo(id=id, name=id.lower(), severity=severity, run=lambda ctx: ())


def result(check, state, subject="s", suppressed=None):
    return Result(check, check.lower(), state, subject, suppressed=suppressed)


CHECKS = [info("ORC001", Severity.HIGH), info("ORC003", Severity.MEDIUM), info("ORC011", Severity.LOW),
          info("DAT004", Severity.CRITICAL), info("DAT003", Severity.HIGH),
          info("DAT001", Severity.HIGH), info("DAT002", Severity.MEDIUM)]


def test_points_are_weighted_and_levels_cumulative():
    results = [result("ORC001", State.PASS), result("ORC001", State.PASS, "t"),
               result("ORC003", State.FAIL), result("ORC003", State.PASS, "t"),
               result("ORC011", State.PASS)]
    area = score(results, CHECKS)["areas"]["microservices"]
    assert area["points"] == round(100 * (5 + 1) / (5 + 3 + 1))
    assert area["level"] == 2 and area["level_name"] == "managed"  # a medium check fails
    assert area["checks_failed"] == ["ORC003"]


def test_unknown_is_an_evidence_gap_not_a_pass_and_overall_is_the_weakest():
    # Three applicable checks in each area (the minimum for a level that counts overall)
    results = [result("DAT003", State.UNKNOWN), result("DAT004", State.FAIL), result("DAT001", State.PASS),
               result("DAT002", State.PASS)]
    results += [result("ORC001", State.PASS), result("ORC003", State.PASS), result("ORC011", State.PASS)]
    scores = score(results, CHECKS)
    data = scores["areas"]["data-location"]
    assert data["evidence_gaps"] == ["DAT003"] and data["points"] == round(100 * (5 + 3) / (10 + 5 + 3))
    assert data["level"] == 0 and data["coverage"] == 75 and not data["provisional"]
    assert scores["overall"]["level"] == 0 and scores["overall"]["weakest_areas"] == ["data-location"]
    assert scores["overall"]["based_on"] == ["microservices", "data-location"]
    assert scores["areas"]["journey"]["level"] is None  # nothing ran: not assessed, not perfect


def test_suppressed_failures_do_not_count_against_the_score():
    results = [result("ORC003", State.FAIL, suppressed="accepted risk")]
    assert score(results, CHECKS)["areas"]["microservices"]["points"] == 100
