"""One hostile file never stops the audit (issue 12, item 4), through the real CLI.

Each case puts one hostile file (or catalog entry) beside a healthy spec and audits the folder with
only the input checks (`--select SPC,INV --fail-on low`), writing every report format. The healthy
folder alone has no finding at all (`test_the_healthy_folder_alone_has_no_finding`), so exit 1
here is the hostile file's finding, not someone else's. What must hold every time:
- exit 1 (a finding), never 2, no traceback, no "internal error";
- the finding of the expected check, located on the hostile file (or on the catalog entry naming
  it), with its line where there is one, and a message saying what is wrong and the limit involved;
- the healthy spec is still audited: its title is in the JSON report's `specs`;
- the JSON, SARIF, JUnit, Markdown and HTML reports are all written and well formed.

Choices made for what cannot be kept as written (documented in sources/documents.py):
- an integer over Python's limit of digits (4,300; PYTHONINTMAXSTRDIGITS) is kept as the string
  of its digits, with an SPC002 finding: the rest of the spec is audited;
- a lone UTF-16 surrogate (`"\\ud800"` in JSON) is replaced by U+FFFD, with an SPC002 finding;
- text in UTF-16 or UTF-32 is refused (SPC002): machaudit reads UTF-8, as JSON requires.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from machaudit.sources.documents import parse_document
from tests.conftest import Run, run_cli

GOOD_TITLE = "Good shop API"
GOOD_SPEC = """\
openapi: 3.0.3
info:
  title: Good shop API
  version: "1.0"
paths:
  /orders:
    get:
      operationId: listOrders
      responses:
        "200":
          description: the orders
"""

# A catalog that declares the good spec and leaves nothing for INV checks to say.
HEALTHY_CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: shop
spec:
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: good
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  system: shop
  definition:
    $text: ./good.yaml
"""

REPORTS = ("sarif", "junit", "markdown", "html")


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "stack"
    root.mkdir()
    (root / "good.yaml").write_text(GOOD_SPEC, encoding="utf-8")
    return root


class Audit:
    def __init__(self, run: Run, reports: Path):
        self.run = run
        self.reports = reports

    @property
    def report(self) -> dict:
        return self.run.report

    def describe(self) -> str:
        return "\n".join(f"  {f['check']}: {f['message']} @ {f['location']}" for f in self.report["findings"]) or "  (none)"

    def finding(self, check: str, file_name: str, contains: list[str], line: int | None = None) -> dict:
        """The one finding of `check` on the file called `file_name` whose message holds every fragment."""
        found = [f for f in self.report["findings"]
                 if f["check"] == check and f["location"] and Path(f["location"]["file"]).name == file_name
                 and all(c in f["message"] for c in contains)]
        assert len(found) == 1, f"expected one {check} on {file_name} with {contains}; findings:\n{self.describe()}"
        if line is not None:
            assert found[0]["location"]["line"] == line, found[0]
        return found[0]

    def titles(self) -> list[str]:
        return [s["title"] for s in self.report["specs"]]


def audit(folder: Path, tmp_path: Path, *extra: str) -> Audit:
    """Audit `folder` with the input checks only, writing every report format."""
    out = tmp_path / "reports"
    out.mkdir(exist_ok=True)
    args = ["audit", str(folder), *extra, "--select", "SPC,INV", "--fail-on", "low", "-f", "json",
            "-f", f"sarif:{out / 'report.sarif'}", "-f", f"junit:{out / 'report.xml'}",
            "-f", f"markdown:{out / 'report.md'}", "-f", f"html:{out / 'report.html'}"]
    result = Audit(run_cli(*args), out)
    output = result.run.stdout + result.run.stderr
    assert "Traceback" not in output and "internal error" not in output, output
    assert result.run.exit_code != 2, result.run.stderr
    result.report  # the JSON report parses
    return result


def assert_outcome(result: Audit, *, also_audited: str = "") -> None:
    """Exit 1 (the hostile file's finding), the good spec audited, every report written."""
    assert result.run.exit_code == 1, f"exit {result.run.exit_code}: {result.run.stderr}\n{result.describe()}"
    assert GOOD_TITLE in result.titles(), result.titles()
    if also_audited:
        assert also_audited in result.titles(), result.titles()
    sarif = json.loads((result.reports / "report.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"], "the finding is in the SARIF log"
    ET.parse(result.reports / "report.xml")  # well-formed XML
    assert (result.reports / "report.md").read_text(encoding="utf-8").strip()
    assert "</html>" in (result.reports / "report.html").read_text(encoding="utf-8")


def write_catalog(folder: Path, extra: str) -> None:
    (folder / "catalog-info.yaml").write_text(HEALTHY_CATALOG + "---\n" + extra, encoding="utf-8")


# --- the baseline the exit codes below rely on ----------------------------------------------------


def test_the_healthy_folder_alone_has_no_finding(folder, tmp_path):
    result = audit(folder, tmp_path)
    assert result.run.exit_code == 0, result.describe()
    assert result.report["findings"] == []
    assert result.titles() == [GOOD_TITLE]


def test_the_healthy_catalog_alone_has_no_finding(folder, tmp_path):
    (folder / "catalog-info.yaml").write_text(HEALTHY_CATALOG, encoding="utf-8")
    result = audit(folder, tmp_path)
    assert result.run.exit_code == 0, result.describe()
    assert result.titles() == [GOOD_TITLE]


# --- a 5,000-digit integer -------------------------------------------------------------------------

HUGE = "9" * 5000


def test_huge_integer_in_a_yaml_spec_is_kept_as_a_string_with_spc002(folder, tmp_path):
    (folder / "big.yaml").write_text(
        f'openapi: 3.0.3\ninfo:\n  title: Big YAML API\n  version: "1"\n  x-size: {HUGE}\npaths: {{}}\n', encoding="utf-8")
    result = audit(folder, tmp_path)
    # Python refuses to convert it (ValueError: "Exceeds the limit (4300 digits)"): it stopped the audit.
    result.finding("SPC002", "big.yaml", ["integer of 5,000 digits kept as a string", "4,300 digits",
                                          "PYTHONINTMAXSTRDIGITS"], line=5)
    assert_outcome(result, also_audited="Big YAML API")  # the rest of the spec is audited
    assert parse_document(f"n: {HUGE}\nm: 7\n", "x.yaml") == {"n": HUGE, "m": 7}


def test_huge_integer_in_a_json_spec_is_kept_as_a_string_with_spc002(folder, tmp_path):
    (folder / "big.json").write_text(
        '{\n  "openapi": "3.0.3",\n  "info": {"title": "Big JSON API", "version": "1"},\n'
        f'  "x-size": -{HUGE},\n  "paths": {{}}\n}}\n', encoding="utf-8")
    result = audit(folder, tmp_path)
    result.finding("SPC002", "big.json", ["integer of 5,000 digits kept as a string", "4,300 digits"], line=4)
    assert_outcome(result, also_audited="Big JSON API")
    assert parse_document(f'{{"n": -{HUGE}, "m": 7}}', "x.json") == {"n": "-" + HUGE, "m": 7}


def test_finding_after_a_huge_json_integer_keeps_its_line(folder, tmp_path):
    # Lines in JSON are found by Python's JSON scanner, which refused the integer: nothing after it
    # was located. Here the validator's finding on info.title, after the integer, has its line.
    (folder / "late.json").write_text(
        f'{{\n  "x-size": {HUGE},\n  "openapi": "3.0.3",\n  "info": {{\n    "title": 7,\n    "version": "1"}},\n'
        '  "paths": {}\n}\n', encoding="utf-8")
    result = audit(folder, tmp_path)
    result.finding("SPC002", "late.json", ["integer of 5,000 digits"], line=2)
    result.finding("SPC001", "late.json", ['7 is not of type "string"'], line=5)
    assert_outcome(result)


def test_huge_integer_in_a_catalog_is_spc002_and_the_catalog_is_read(folder, tmp_path):
    write_catalog(folder, f"""\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: big
  annotations:
    example.com/size: {HUGE}
spec:
  type: service
  lifecycle: production
  owner: team-a
  system: shop
""")
    result = audit(folder, tmp_path)
    result.finding("SPC002", "catalog-info.yaml", ["catalog file read with a change", "integer of 5,000 digits"], line=32)
    assert_outcome(result)
    assert result.report["inventory"]["entities"]["component"] == 1  # the entity holding it was read


def test_integer_over_64_bits_but_within_the_limit_stays_a_number(folder, tmp_path):
    # Within the limit an integer is a number as written (the validator says where it is wrong);
    # orjson refuses those over 64 bits, and the JSON and SARIF writers fall back to the json module.
    wide = "1" + "0" * 40
    (folder / "wide.yaml").write_text(
        f"openapi: 3.0.3\ninfo:\n  title: {wide}\n  version: \"1\"\npaths: {{}}\n", encoding="utf-8")
    assert parse_document(f"n: {wide}\n", "x.yaml") == {"n": 10**40}
    result = audit(folder, tmp_path)
    result.finding("SPC001", "wide.yaml", [f'{wide} is not of type "string"'], line=3)
    assert_outcome(result, also_audited=wide)
    assert not result.run.findings("SPC002"), result.describe()


# --- a lone surrogate --------------------------------------------------------------------------------


def test_lone_surrogate_in_json_key_and_title_is_replaced_with_spc002(folder, tmp_path):
    (folder / "lone.json").write_text(
        '{\n  "openapi": "3.0.3",\n  "info": {"title": "Lone \\ud800 API", "version": "1"},\n'
        '  "paths": {"/orders\\udc00": {"get": {"responses": {"200": {"description": "ok"}}}}}\n}\n',
        encoding="utf-8")
    result = audit(folder, tmp_path)
    # It stopped the audit when the reports were encoded to UTF-8 ("surrogates not allowed").
    result.finding("SPC002", "lone.json", ["2 lone surrogates", "replaced by U+FFFD"], line=3)
    assert_outcome(result, also_audited="Lone \ufffd API")
    lone = next(s for s in result.report["specs"] if s["title"] == "Lone \ufffd API")
    assert lone["operations"] == 1  # the path whose key held the other one is read


def test_surrogate_pair_escapes_are_not_lone(folder, tmp_path):
    # An emoji as JSON.stringify writes it: a pair, one character, nothing to report.
    (folder / "pair.json").write_text(
        '{"openapi": "3.0.3", "info": {"title": "Pair \\ud83d\\ude00 API", "version": "1"}, "paths": {}}',
        encoding="utf-8")
    result = audit(folder, tmp_path)
    assert result.run.exit_code == 0, result.describe()
    assert "Pair \U0001F600 API" in result.titles()


# --- a NUL byte in a reference ---------------------------------------------------------------------


def test_nul_byte_in_a_ref_is_spc003(folder, tmp_path):
    (folder / "nul.yaml").write_text(
        'openapi: 3.0.3\ninfo:\n  title: NUL ref API\n  version: "1"\npaths:\n  /a:\n    $ref: "a\\u0000b.yaml"\n',
        encoding="utf-8")
    result = audit(folder, tmp_path)
    # os calls raised "ValueError: embedded null byte", which stopped the audit.
    result.finding("SPC003", "nul.yaml", ["a\\x00b.yaml", "NUL character"], line=7)
    assert_outcome(result, also_audited="NUL ref API")


def test_nul_byte_in_a_catalog_text_reference_is_inv007(folder, tmp_path):
    write_catalog(folder, """\
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: nul
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  system: shop
  definition:
    $text: "./a\\u0000b.yaml"
""")
    result = audit(folder, tmp_path)
    result.finding("INV007", "catalog-info.yaml", ["api:default/nul", "a\\x00b.yaml", "NUL character"], line=36)
    assert_outcome(result)


# --- symlink loops -----------------------------------------------------------------------------------


def test_symlink_loop_named_like_a_spec_is_spc002(folder, tmp_path):
    os.symlink("loop.yaml", folder / "loop.yaml")
    result = audit(folder, tmp_path)
    # Path.resolve raised RuntimeError ("Symlink loop"): "internal error ... This is a bug".
    result.finding("SPC002", "loop.yaml", ["symlink loop", "not read"])
    assert_outcome(result)


def test_symlink_loop_between_two_files_is_spc002_on_each(folder, tmp_path):
    os.symlink("b.yaml", folder / "a.yaml")
    os.symlink("a.yaml", folder / "b.yaml")
    result = audit(folder, tmp_path)
    result.finding("SPC002", "a.yaml", ["symlink loop"])
    result.finding("SPC002", "b.yaml", ["symlink loop"])
    assert_outcome(result)


def test_ref_into_a_symlink_loop_is_spc003(folder, tmp_path):
    os.symlink("loop", folder / "loop")  # not a spec name: only the $ref reads it
    (folder / "refs.yaml").write_text(
        'openapi: 3.0.3\ninfo:\n  title: Loop ref API\n  version: "1"\npaths:\n  /a:\n    $ref: "loop#/a"\n',
        encoding="utf-8")
    result = audit(folder, tmp_path)
    result.finding("SPC003", "refs.yaml", ["'loop#/a'", "symlink loop"], line=7)
    assert_outcome(result, also_audited="Loop ref API")


# --- catalog Location globs out of the audited roots ------------------------------------------------


@pytest.mark.parametrize("target", ["/*", "../../*", "../*.yaml", "sub/../../*", "/etc/*.conf"])
def test_catalog_glob_leaving_the_root_is_inv007_and_nothing_outside_is_named(folder, tmp_path, target):
    (tmp_path / "outside.yaml").write_text("apiVersion: backstage.io/v1alpha1\nkind: Component\n", encoding="utf-8")
    write_catalog(folder, f"""\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: everything
spec:
  targets: ["{target}"]
""")
    result = audit(folder, tmp_path)
    # "/*" raised NotImplementedError from pathlib; "../../*" read (and named) files outside.
    result.finding("INV007", "catalog-info.yaml", [f"Location everything: target {target} leaves the audited root"])
    assert_outcome(result)
    named = {Path(f["location"]["file"]).resolve() for f in result.report["findings"] if f["location"]}
    assert all(folder.resolve() in p.parents for p in named), named


def test_catalog_glob_climbing_within_the_root_is_followed(folder, tmp_path):
    # `..` is refused only when it leaves the audited folders: a catalog in a subfolder may glob a sibling.
    (folder / "catalog").mkdir()
    (folder / "apis").mkdir()
    (folder / "apis" / "team.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-b\nspec:\n  type: team\n", encoding="utf-8")
    (folder / "catalog" / "catalog-info.yaml").write_text(
        HEALTHY_CATALOG.replace("./good.yaml", "../good.yaml")
        + '---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: apis\nspec:\n  targets: ["../apis/*.yaml"]\n',
        encoding="utf-8")
    result = audit(folder, tmp_path)
    assert result.run.exit_code == 0, result.describe()
    assert sorted(Path(f).name for f in result.report["inventory"]["catalog_files"]) == ["catalog-info.yaml", "team.yaml"]
    assert result.report["inventory"]["entities"]["group"] == 2


def test_absolute_glob_typed_on_the_command_line_is_followed(folder, tmp_path):
    # The user typed it: command-line globs may be absolute (only the catalog's are confined).
    run = run_cli("audit", str(folder / "*.yaml"), "--select", "SPC,INV", "--fail-on", "low", "-f", "json")
    assert run.exit_code == 0, run.stderr
    assert [s["title"] for s in run.report["specs"]] == [GOOD_TITLE]


# --- a directory and UTF-16 text ---------------------------------------------------------------------


def test_ref_to_a_directory_is_spc003(folder, tmp_path):
    (folder / "schemas").mkdir()
    (folder / "dir.yaml").write_text(
        'openapi: 3.0.3\ninfo:\n  title: Dir ref API\n  version: "1"\npaths:\n  /a:\n    $ref: "schemas#/a"\n',
        encoding="utf-8")
    result = audit(folder, tmp_path)
    result.finding("SPC003", "dir.yaml", ["'schemas#/a'", "is a directory, not a file"], line=7)
    assert_outcome(result, also_audited="Dir ref API")


@pytest.mark.parametrize("encoding, described", [
    ("utf-16", "UTF-16 (little-endian, with a byte order mark)"),
    ("utf-16-le", "UTF-16 (little-endian, without a byte order mark)"),
    ("utf-16-be", "UTF-16 (big-endian, without a byte order mark)"),
    ("utf-32", "UTF-32 (little-endian, with a byte order mark)"),
])
def test_utf16_spec_is_spc002_naming_its_encoding(folder, tmp_path, encoding, described):
    text = 'openapi: 3.0.3\ninfo:\n  title: Wide API\n  version: "1"\npaths: {}\n'
    (folder / "wide.yaml").write_bytes(text.encode(encoding))
    result = audit(folder, tmp_path)
    # Without a byte order mark it decoded as UTF-8 full of NULs and was silently skipped.
    result.finding("SPC002", "wide.yaml", [described, "reads UTF-8 only", f"iconv -f {described.split()[0]} -t UTF-8"], line=1)
    assert_outcome(result)


def test_utf16_json_spec_with_bom_is_spc002(folder, tmp_path):
    (folder / "wide.json").write_bytes('{"openapi": "3.0.3", "info": {"title": "W", "version": "1"}, "paths": {}}'.encode("utf-16"))
    result = audit(folder, tmp_path)
    result.finding("SPC002", "wide.json", ["UTF-16 (little-endian, with a byte order mark)"], line=1)
    assert_outcome(result)
