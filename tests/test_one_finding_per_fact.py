"""One finding per fact (issue 17): root causes first, spec-wide facts once per spec, overlapping
checks exclusive, bundles audited once; and baselines written before still match.

The expected findings below come from reading the fixtures in tests/data/one_fact/ and the
distributor sample, not from the tool's output."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from dataclasses import replace

from machaudit.findings import Location, Result, Severity, State
from machaudit.spec_wide import merge_spec_wide, operation_fact
from tests.conftest import SAMPLES, run_cli

DATA = Path(__file__).resolve().parent / "data" / "one_fact"


def audit(folder: Path, *args: str) -> dict:
    run = run_cli("audit", str(folder), "-q", "-f", "json", "--fail-on", "never", "--no-cache", *args)
    assert run.exit_code == 0, run.stderr
    return run.report


def old_fingerprint(check: str, subject: str, pointer: str) -> str:
    """A fingerprint as every machaudit before issue 17 wrote it: rule, subject, JSON pointer."""
    return hashlib.sha256("\x1f".join((check, subject, pointer)).encode("utf-8")).hexdigest()[:32]


def write_baseline(path: Path, entries: list[tuple[str, str, str]]) -> Path:
    findings = [{"fingerprint": old_fingerprint(*e), "check": e[0], "subject": e[1], "message": ""} for e in entries]
    path.write_text(json.dumps({"machaudit_baseline": 1, "findings": findings}), encoding="utf-8")
    return path


# -- root causes ------------------------------------------------------------------------------------

def test_a_catalog_file_that_does_not_parse_is_one_finding_and_one_summary(tmp_path, monkeypatch):
    # catalog/apis.yaml breaks on line 5 (a quote inside a single-quoted string); it defines
    # orders-api and stock-api and declares specs/orders.yaml and specs/stock.yaml. web-shop consumes
    # both APIs, orders-service and stock-service provide one each: 4 references into the broken file,
    # 2 specs it declares, and 3 components that have no other relation.
    folder = tmp_path / "shop"
    shutil.copytree(DATA / "broken-catalog", folder)
    monkeypatch.chdir(folder)
    report = audit(Path("."))
    spc002 = [(f["severity"], f["subject"], f["location"]["line"]) for f in report["findings"] if f["check"] == "SPC002"]
    assert spc002 == [("high", "catalog/apis.yaml", 5), ("info", "catalog/apis.yaml", 5)]
    summary = next(f for f in report["findings"] if f["check"] == "SPC002" and f["severity"] == "info")
    assert summary["message"] == (
        "9 findings could not be checked because catalog/apis.yaml does not parse: 4 references to entities it "
        "defines (INV003); 2 specs it may declare (INV006); 3 components whose relations it may hold (ORC011); "
        "they are evidence gaps until the file is repaired")
    assert summary["evidence"]["not_checked"]["INV006"] == ["specs/orders.yaml", "specs/stock.yaml"]
    assert not [f for f in report["findings"] if f["check"] in ("INV003", "INV006", "ORC011")]
    gaps = [g for g in report["evidence_gaps"] if g["check"] in ("INV003", "INV006", "ORC011")]
    assert len(gaps) == 9 and all(g["message"].startswith("not judged: catalog/apis.yaml does not parse (") for g in gaps)


def test_an_old_baseline_still_matches_the_summary_of_a_broken_catalog_file(tmp_path, monkeypatch):
    folder = tmp_path / "shop"
    shutil.copytree(DATA / "broken-catalog", folder)
    monkeypatch.chdir(folder)
    # What a baseline written before knew: the root, and the nine findings that followed from it.
    # INV003 locates each reference at its place in the relation list (catalog/components.yaml).
    refs = [("web-shop", "consumesApis/0"), ("web-shop", "consumesApis/1"), ("orders-service", "providesApis/0"),
            ("stock-service", "providesApis/0")]
    entries = [("SPC002", "catalog/apis.yaml", "")]
    entries += [("INV003", f"component:default/{name}", f"/spec/{at}") for name, at in refs]
    entries += [("INV006", "specs/orders.yaml", ""), ("INV006", "specs/stock.yaml", "")]
    entries += [("ORC011", f"component:default/{n}", "") for n in ("web-shop", "orders-service", "stock-service")]
    report = audit(Path("."), "--baseline", str(write_baseline(tmp_path / "old.json", entries)))
    assert [(f["severity"], f["new"]) for f in report["findings"] if f["check"] == "SPC002"] == [("high", False), ("info", False)]


def test_a_spec_that_does_not_parse_is_one_finding_and_one_summary(tmp_path, monkeypatch):
    # specs/orders.yaml leaves its info mapping unclosed (line 2, found on line 3); catalog/apis.yaml
    # names it as the definition of orders-api. That the API has no usable definition is the same
    # fact as the spec not parsing.
    shutil.copytree(DATA / "broken-spec", tmp_path / "shop")
    monkeypatch.chdir(tmp_path / "shop")
    report = audit(Path("."))
    assert [(f["severity"], f["subject"], f["message"]) for f in report["findings"] if f["check"] in ("SPC002", "INV004")
            and "orders" in f["subject"]] == [
        ("high", "specs/orders.yaml", "YAML error: did not find expected ',' or '}' (while parsing a flow mapping)"),
        ("info", "specs/orders.yaml", "1 finding could not be checked because specs/orders.yaml cannot be read: "
                                      "1 API it defines (INV004); it is an evidence gap until the file is repaired"),
    ]
    [gap] = [g for g in report["evidence_gaps"] if g["check"] == "INV004"]
    assert gap["subject"] == "api:default/orders-api"
    assert gap["message"].startswith("not judged: specs/orders.yaml cannot be read (the definition of API orders-api")


# -- spec-wide facts --------------------------------------------------------------------------------

def test_the_same_fact_of_several_operations_is_one_finding_per_spec(tmp_path):
    # src/orders.yaml and src/stock.yaml declare one operation each without an error response;
    # bundled/shop.yaml, their bundle, is left out (below). So API004 says it once per part spec...
    report = audit(DATA / "bundle")
    api004 = sorted((f["subject"].rsplit("/", 2)[-2:], f["message"]) for f in report["findings"] if f["check"] == "API004")
    assert [m for _, m in api004] == ["GET /orders declares only success responses: no 4xx, 5xx or default",
                                      "GET /stock declares only success responses: no 4xx, 5xx or default"]
    # ...and of the distributor's specs, the export API's 3 operations lacking errors are one finding.
    report = audit(SAMPLES / "distributor")
    merged = [f for f in report["findings"] if f["check"] == "API004" and f["evidence"].get("count", 0) > 1]
    assert merged and all(f["message"].startswith(f"{f['evidence']['count']} of ") for f in merged)
    for f in merged:
        assert len(f["stands_for"]) == f["evidence"]["count"] == len(f["evidence"]["operations"])


def test_an_old_baseline_still_matches_a_merged_finding_and_a_new_operation_is_new(tmp_path, monkeypatch):
    spec = tmp_path / "api" / "export.yaml"
    spec.parent.mkdir()
    spec.write_text("""openapi: 3.0.3
info: {title: Export, version: 1.0.0}
paths:
  /a:
    get:
      summary: a
      responses: {'200': {description: ok}}
  /b:
    get:
      summary: b
      responses: {'200': {description: ok}}
  /c:
    get:
      summary: c
      responses: {'200': {description: ok}}
""", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # Before issue 17: one API004 finding per operation, subject "<spec> GET /x", at its responses.
    old = [("API004", f"api/export.yaml GET /{p}", f"/paths/~1{p}/get/responses") for p in "abc"]
    report = audit(spec.parent, "--baseline", str(write_baseline(tmp_path / "old.json", old)))
    [finding] = [f for f in report["findings"] if f["check"] == "API004"]
    assert finding["message"].startswith("3 of 3 operations: each declares only success responses")
    assert finding["new"] is False
    # A baseline that knows only two of them: the third operation's fact is new, so the finding is.
    report = audit(spec.parent, "--baseline", str(write_baseline(tmp_path / "two.json", old[:2])))
    assert [f["new"] for f in report["findings"] if f["check"] == "API004"] == [True]
    # A baseline written now lists the three facts, one by one.
    written = tmp_path / "new.json"
    run_cli("audit", str(spec.parent), "-q", "--fail-on", "never", "--no-cache", "--write-baseline", str(written))
    subjects = sorted(e["subject"] for e in json.loads(written.read_text())["findings"] if e["check"] == "API004")
    assert subjects == [s for _, s, _ in old]


def result(subject: str, message: str, severity=Severity.LOW, check="API004") -> Result:
    return Result(check, "x", State.FAIL, subject, message, severity)


def test_only_results_whose_sentence_is_about_the_operation_are_merged():
    def said(found):
        return found and (found.spec, found.operation, found.fact)

    assert said(operation_fact(result("s.yaml GET /a", "GET /a has no x"))) == ("s.yaml", "GET /a", "has no x")
    assert operation_fact(result("s.yaml GET /a", "the spec has no x: GET /a")) is None
    assert operation_fact(result("s.yaml", "GET /a has no x")) is None
    assert said(operation_fact(result("my specs/s.yaml GET /a", "GET /a has no x"))) == ("my specs/s.yaml", "GET /a", "has no x")
    assert said(operation_fact(result("s.yaml webhook order.paid POST", "webhook order.paid POST is a contract"))) == \
        ("s.yaml", "webhook order.paid POST", "is a contract")
    # A validator's sentence located at an operation, and one located elsewhere.
    at_op = replace(result("s.yaml", "'responses' is a required property at /paths/~1a~1{id}/get", check="SPC001"),
                    location=Location("s.yaml", "/paths/~1a~1{id}/get"))
    assert said(operation_fact(at_op)) == ("s.yaml", "GET /a/{id}", "'responses' is a required property")
    # ... and with SPC001's class of the error after the pointer
    classed = replace(result("s.yaml", "'responses' is a required property at /paths/~1a/get (structural error: x)",
                             check="SPC001"), location=Location("s.yaml", "/paths/~1a/get"))
    assert said(operation_fact(classed)) == ("s.yaml", "GET /a", "'responses' is a required property (structural error: x)")
    trailing = replace(result("s.yaml", "bad at /paths/~1a/get and more", check="SPC001"),
                       location=Location("s.yaml", "/paths/~1a/get"))
    assert operation_fact(trailing) is None
    in_schema = replace(result("s.yaml", "bad at /components/schemas/A", check="SPC001"),
                        location=Location("s.yaml", "/components/schemas/A"))
    assert operation_fact(in_schema) is None
    merged = merge_spec_wide([
        result("s.yaml GET /a", "GET /a has no x"),
        result("s.yaml GET /b", "GET /b has no x"),
        result("s.yaml GET /c", "GET /c has no x", Severity.HIGH),  # another severity: another fact
        result("t.yaml GET /a", "GET /a has no x"),  # another spec
        result("s.yaml GET /d", "GET /d has no y"),  # another fact
    ], {"s.yaml": 4})
    assert [(r.subject, r.message) for r in merged] == [
        ("s.yaml", "2 of 4 operations: each has no x (GET /a, GET /b)"),
        ("s.yaml GET /c", "GET /c has no x"),
        ("t.yaml GET /a", "GET /a has no x"),
        ("s.yaml GET /d", "GET /d has no y"),
    ]


# -- overlapping checks -----------------------------------------------------------------------------

def test_shared_persistence_and_intimacy_on_the_same_edge_are_one_finding():
    # EXPECTED.md: shop-db (system commerce) is used by webshop-legacy (commerce) and by
    # order-management (system orders): DAT005 names both, and the crossing is DAT006's edge.
    report = audit(SAMPLES / "distributor")
    dat005 = [f for f in report["findings"] if f["check"] == "DAT005" and f["subject"] == "resource:default/shop-db"]
    assert len(dat005) == 1
    assert "order-management" in dat005[0]["message"] and dat005[0]["message"].endswith("(DAT006)")
    assert not [f for f in report["findings"] if f["check"] == "DAT006" and "shop-db" in f["subject"]]
    assert len(dat005[0]["stands_for"]) == 2


# -- bundles ----------------------------------------------------------------------------------------

def test_a_bundle_and_its_parts_are_audited_once():
    # bundled/shop.yaml holds GET /orders and GET /stock, the operations of src/orders.yaml and
    # src/stock.yaml: it is their bundle.
    report = audit(DATA / "bundle")
    assert not [f for f in report["findings"] if (f["location"] or {}).get("file", "").endswith("bundled/shop.yaml")
                and f["check"] != "INV005"]
    [note] = [f for f in report["findings"] if f["check"] == "INV005"]
    assert note["severity"] == "info" and note["evidence"]["parts"][0].endswith("src/orders.yaml")
    assert "a bundle of specs also audited, so its design is audited once, through them" in note["message"]


def test_a_validator_error_repeated_at_every_operation_is_one_finding():
    # Operations written as `get: {$ref: ...}` (DigitalOcean's public spec does this 659 times): the
    # validator says the same of each. Said once, with the operations; another text stays apart.
    def at(path: str, method: str, text: str) -> Result:
        pointer = f"/paths/{path.replace('/', '~1')}/{method}"
        return replace(result("s.yaml", f"{text} at {pointer}", Severity.HIGH, "SPC001"), location=Location("s.yaml", pointer))

    merged = merge_spec_wide([at("/a", "get", "'responses' is a required property"),
                              at("/b", "post", "'responses' is a required property"),
                              at("/b", "post", "'$ref' does not match any of the regexes: '^x-'")], {"s.yaml": 2})
    assert [(r.subject, r.message) for r in merged] == [
        ("s.yaml", "2 of 2 operations (GET /a, POST /b): 'responses' is a required property"),
        ("s.yaml", "'$ref' does not match any of the regexes: '^x-' at /paths/~1b/post"),
    ]
    assert merged[0].location.pointer == "/paths/~1a/get" and len(merged[0].covers) == 2


def test_a_bundled_copy_of_a_split_spec_is_audited_once_and_two_versions_twice():
    # split/openapi.yaml reaches its operations through paths/returns.yaml; split/openapi.full.yaml is
    # the same API (same title, GET and POST /returns) in one file: the bundler's copy. v1/returns.yaml
    # and v2/returns.yaml are two single-file versions of another API: each audited.
    report = audit(DATA / "copy")
    notes = [f for f in report["findings"] if f["check"] == "INV005"]
    assert [(Path(n["subject"]).name, [Path(p).name for p in n["evidence"]["parts"]]) for n in notes] == \
        [("openapi.full.yaml", ["openapi.yaml"])]
    api004 = sorted(Path(f["location"]["file"]).parent.name + "/" + Path(f["location"]["file"]).name
                    for f in report["findings"] if f["check"] == "API004")
    assert api004 == ["paths/returns.yaml", "v1/returns.yaml", "v2/returns.yaml"]
