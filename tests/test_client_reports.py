"""Reports a client can be given: CloudFormation fragments shown as text, a human title, the
catalog's descriptions (escaped), paths relative to the audited folder, baselines unchanged."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from machaudit.sources.documents import parse_document
from machaudit.spec_text import display_text
from tests.conftest import FIXTURES, REPO, SAMPLES, run_cli

FRAGMENT = FIXTURES / "cfn_fragment"
FORMATS = ("terminal", "json", "sarif", "junit", "github", "markdown", "html")
BASELINE_1_0 = REPO / "tests" / "data" / "distributor-baseline-schema-1.0.json"


def _all_formats(tmp_path: Path, *args: str) -> dict[str, str]:
    outputs = {f: tmp_path / f"report.{f}" for f in FORMATS}
    run = run_cli("audit", *args, "-q", *[a for f, p in outputs.items() for a in ("-f", f"{f}:{p}")])
    assert run.exit_code in (0, 1), run.stderr
    return {f: p.read_text(encoding="utf-8") for f, p in outputs.items()}


# -- CloudFormation fragments ----------------------------------------------------------------------

def test_intrinsic_functions_show_as_text():
    assert display_text({"Fn::Sub": "${AWS::StackName}-api"}) == "${AWS::StackName}-api"
    assert display_text({"Fn::Sub": ["${Stage}-api", {"Stage": "prod"}]}) == "${Stage}-api"
    assert display_text({"Ref": "ApiVersion"}) == "<Ref ApiVersion>"
    assert display_text({"Fn::GetAtt": ["Api", "Arn"]}) == "<Fn::GetAtt Api.Arn>"
    assert display_text({"Fn::Join": ["-", ["cart", {"Ref": "Stage"}]]}) == "cart-<Ref Stage>"
    assert display_text({"Fn::If": ["IsProd", "a", {"Ref": "AWS::NoValue"}]}) == "<Fn::If IsProd a <Ref AWS::NoValue>>"
    assert display_text({"a": 1, "b": [True, None]}) == "{a: 1, b: [true, ]}"
    assert display_text("  plain  ") == "plain" and display_text(None) == "" and display_text(3) == "3"


def test_short_tags_parse_as_the_long_forms():
    text = ("a: !Ref Api\nb: !Sub \"${AWS::StackName}-api\"\nc: !GetAtt Table.Arn\n"
            "d: !Join [\"-\", [x, !Ref Stage]]\ne: !Condition IsProd\nf: !custom 7\n")
    assert parse_document(text, "template.yaml") == {
        "a": {"Ref": "Api"}, "b": {"Fn::Sub": "${AWS::StackName}-api"}, "c": {"Fn::GetAtt": ["Table", "Arn"]},
        "d": {"Fn::Join": ["-", ["x", {"Ref": "Stage"}]]}, "e": {"Condition": "IsProd"}, "f": "7",  # a tagged scalar is not resolved as an int
    }


@pytest.mark.skipif(not (REPO.parent / "shared" / "corpus" / "aws-shopping-cart").is_dir(), reason="corpus not here")
def test_the_sam_template_of_the_corpus_parses():
    template = REPO.parent / "shared" / "corpus" / "aws-shopping-cart" / "backend" / "shoppingcart-service.yaml"
    data = parse_document(template.read_text(encoding="utf-8"), template.name)
    assert data["Resources"]["ListCartRole"]["Type"] == "AWS::IAM::Role"
    assert data["Resources"]["CartApi"]["Properties"]["Auth"]["Authorizers"]["CognitoAuthorizer"]["UserPoolArn"] == \
        {"Ref": "UserPoolArn"}


def test_no_report_of_a_fragment_holds_a_python_repr(tmp_path):
    reports = _all_formats(tmp_path, str(FRAGMENT))
    for fmt, text in reports.items():
        for repr_start in ("{'", "{&#39;", "{&#x27;", "['"):
            assert repr_start not in text, (fmt, repr_start)
    report = json.loads(reports["json"])
    titles = {os.path.basename(s["file"]): s["title"] for s in report["specs"]}
    assert titles == {"api.yaml": "${AWS::StackName}-api", "long-form.yaml": "${AWS::StackName}-orders"}
    assert "${AWS::StackName}-api" in reports["html"]  # the appendix of specs
    api001 = [f for f in report["findings"] if f["check"] == "API001" and f["location"]["file"].endswith("api.yaml")]
    assert api001 and "API ${AWS::StackName}-api gives clients no version" in api001[0]["message"]
    assert "info.version '<Ref ApiVersion>'" in api001[0]["message"]


# -- titles -------------------------------------------------------------------------------------------

def test_title_given_wins_everywhere(tmp_path):
    reports = _all_formats(tmp_path, str(SAMPLES / "distributor"), "--title", "Nordwerk <GmbH>")
    assert json.loads(reports["json"])["title"] == "Nordwerk <GmbH>"
    assert "<h1>Nordwerk &lt;GmbH&gt;</h1>" in reports["html"]
    assert reports["markdown"].splitlines()[1].endswith("— Nordwerk &lt;GmbH&gt;")
    assert reports["terminal"].startswith("Nordwerk <GmbH> · machaudit")


def test_title_from_the_catalog_domains():
    # sample_specs/distributor/catalog/domains.yaml: three Domains, titled
    run = run_cli("audit", str(SAMPLES / "distributor"), "-q", "-f", "json")
    assert json.loads(run.stdout)["title"] == ("Auftragsabwicklung & Logistik, Backoffice (ERP & Finanzen) "
                                               "and Vertrieb & Kundenkontakt")


def test_title_from_the_folder_never_the_path_as_typed(tmp_path, monkeypatch):
    company = tmp_path / "ms2"
    shutil.copytree(FRAGMENT, company)
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    html = work / "r.html"
    run = run_cli("audit", "../../ms2", "-q", "-f", "json", "-f", f"html:{html}")
    assert json.loads(run.stdout)["title"] == "ms2"
    page = html.read_text(encoding="utf-8")
    assert "<h1>ms2</h1>" in page and "../../ms2" not in page


# -- descriptions -------------------------------------------------------------------------------------

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop
  title: Webshop
  description: "The shop <script>alert(1)</script> | *all* of it"
spec:
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: storefront
  description: |
    Storefront for B2C,
    served from Frankfurt.
spec:
  type: website
  lifecycle: production
  owner: team-a
  system: shop
"""


def test_descriptions_are_shown_escaped_in_html_and_markdown(tmp_path):
    (tmp_path / "catalog-info.yaml").write_text(CATALOG, encoding="utf-8")
    reports = _all_formats(tmp_path, str(tmp_path))
    html, md = reports["html"], reports["markdown"]
    assert "<script>alert(1)" not in html and "The shop &lt;script&gt;alert(1)&lt;/script&gt; | *all* of it" in html
    assert "Storefront for B2C, served from Frankfurt." in html
    assert "<script>" not in md
    assert "**Webshop** (system): The shop &lt;script&gt;alert(1)&lt;/script&gt; \\| \\*all\\* of it" in md
    assert "**storefront** (component): Storefront for B2C, served from Frankfurt." in md
    assert json.loads(reports["json"])["title"] == "Webshop"  # no Domain: the System's title


# -- paths and baselines ------------------------------------------------------------------------------

def test_paths_are_relative_to_the_audited_folder_and_json_keeps_its_names(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    reports = _all_formats(tmp_path, "sample_specs/distributor")
    for fmt in ("terminal", "markdown", "html"):
        assert "sample_specs/distributor" not in reports[fmt].replace("<wbr>", ""), fmt
    assert "  critical catalog/components-backoffice.yaml:" in reports["terminal"]
    report = json.loads(reports["json"])
    files = {f["location"]["file"] for f in report["findings"] if f["location"]}
    assert files and all(f.startswith("sample_specs/distributor/") for f in files)


def test_a_baseline_written_before_schema_1_1_still_matches(tmp_path, monkeypatch):
    """tests/data/distributor-baseline-schema-1.0.json was written by machaudit at commit 4f840a9
    (report schema 1.0) from the repository root; `file` is each finding's JSON location.file then."""
    monkeypatch.chdir(REPO)
    old = json.loads(BASELINE_1_0.read_text(encoding="utf-8"))["findings"]
    run = run_cli("audit", "sample_specs/distributor", "-q", "--baseline", str(BASELINE_1_0), "-f", "json",
                  "--fail-on", "never")
    report = json.loads(run.stdout)
    now = {f["fingerprint"]: (f["location"] or {}).get("file") for f in report["findings"]}

    # Since then the journey follows entry points only (issue 15): the ORC013 finding on
    # commerce-cloud was false and is gone, and JRN003 found the website's way to payment through
    # the deprecated legacy API. Every other finding keeps its fingerprint and file.
    # And among operations matched equally well (order-api maps …/status, …/historie and
    # …/lieferungen to order-tracking with x-machaudit-touchpoint) the shortest path is the evidence:
    # JRN001's order-tracking finding names GET /auftraege/{auftragsnummer}/status (was …/historie,
    # first by name), a new pointer and so a new fingerprint.
    moved = [e for e in old if e["check"] == "JRN001" and e["subject"] == "touchpoint order-tracking"]
    assert [e["message"].split(" of ")[0] for e in moved] == [
        "customers can only get 'order-tracking' by phone: GET /auftraege/{auftragsnummer}/historie"]
    kept = {e["fingerprint"]: e["file"] for e in old if e["check"] != "ORC013" and e not in moved}
    assert [e["subject"] for e in old if e["check"] == "ORC013"] == ["component:default/commerce-cloud"]
    # A finding that says at once one fact that was several findings (issue 17: the same practice of
    # several operations, the order schemas, DAT006's edge in DAT005's finding) stands for them, by
    # their fingerprints, and is known when all of them are; it is located at the first of them.
    stands_for = {fp: f for f in report["findings"] for fp in f["stands_for"]}
    assert all(not f["new"] for fp, f in stands_for.items() if fp in kept)
    kept_alone = {fp: file for fp, file in kept.items() if fp not in stands_for}
    assert {fp: file for fp, file in now.items() if fp in kept_alone} == kept_alone
    # And the capability layer (issue 14) sees that the legacy shop's payment call moves money
    # ("Zahlung autorisieren") without an Idempotency-Key. The portal's `POST /checkout/zahlung`
    # opens a payment session at the provider ("Zahlungssitzung ... anlegen", answered with a
    # session id): nothing is charged by it, so a retry cannot charge twice (see BLR005).
    new = sorted((f["check"], f["subject"]) for f in report["findings"] if f["new"])
    assert new == [
        ("BLR005", "sample_specs/distributor/specs/webshop-legacy-api.yaml POST /baskets/{basketId}/payments"),
        ("JRN001", "touchpoint order-tracking"),
        ("JRN003", "touchpoint payment via website"),
    ]
    tracking = next(f for f in report["findings"] if f["check"] == "JRN001" and f["subject"] == "touchpoint order-tracking")
    assert tracking["message"].startswith("customers can only get 'order-tracking' by phone: "
                                          "GET /auftraege/{auftragsnummer}/status of order-api")
