"""Property-based tests (hypothesis): hostile specs, catalogs and config files never break the audit
nor its reports (issue 12, item 7).

Each property writes generated documents into a fresh folder beside a healthy spec, audits it
in-process with every check and every report format, and asserts what must hold for any input:
- no traceback: exit 0 or 1 (findings); exit 2 only for a config mistake, with a one-line message;
- every file is accounted for: each spec file is audited (in the JSON report's `specs`) or named by
  a finding (its location or its message); the healthy spec is audited whatever sits beside it;
- the text reports (terminal, github, junit, markdown, html) and stderr hold no raw control
  character (C0 but line feed and tab, DEL, C1), no format character (bidi controls, zero-width,
  BOM, tags), no lone surrogate; no line starts `::` there but machaudit's own GitHub annotations,
  and no `##[` anywhere; JSON and SARIF parse, and hold nothing a terminal or the runner acts on.

Budget: a few dozen examples a property in the normal suite (about a minute on two cores);
MACHAUDIT_FUZZ_EXAMPLES=2000 runs the long profile (`pytest -m fuzz` selects only these tests).
The CI profile is derandomised (the same examples every run) and keeps no example database.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from machaudit.formatters import figures
from machaudit.sources.catalog import is_catalog_text
from tests import fuzz_strategies as fs
from tests.conftest import REPO, Run, run_cli
from tests.test_hostile_inputs import GOOD_SPEC, GOOD_TITLE

# Taken out of the environment: machaudit refuses MACHAUDIT_* variables it does not know, and the
# audits below (and the rest of the session) inherit the environment.
LONG_EXAMPLES = int(os.environ.pop("MACHAUDIT_FUZZ_EXAMPLES", "0") or 0)

settings.register_profile(
    "machaudit-ci",
    derandomize=True,  # reproducible: a failure in CI is the same failure on a laptop
    database=None,  # no .hypothesis folder in the repository
    deadline=10_000,  # ms an example may take: a whole audit with every report, first imports included
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
CI = settings.get_profile("machaudit-ci")


def fuzz_settings(examples: int) -> settings:
    return settings(CI, max_examples=LONG_EXAMPLES or examples)


pytestmark = pytest.mark.fuzz

TEXT_FORMATS = ("terminal", "github", "junit", "markdown", "html")
DATA_FORMATS = ("sarif",)  # and json, on stdout

# Raw characters no text report may hold (see safe_text): every control but line feed and tab,
# every format character (bidi, zero-width, BOM, tags), lone surrogates, the two noncharacters.
_ALLOWED_CONTROLS = {"\n", "\t"}
_WORKFLOW_COMMAND = re.compile(r"^::(error|warning|notice)( [^:\n]*)?::")


def _unsafe_chars(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text
                   if c not in _ALLOWED_CONTROLS
                   and (unicodedata.category(c) in ("Cc", "Cf", "Cs") or c in "\ufffe\uffff")})


def assert_inert(text: str, where: str, annotations: bool = False) -> None:
    """No raw control or format character, no workflow command but machaudit's own annotations."""
    bad = _unsafe_chars(text.replace("@\u200b", "@"))  # Markdown's own: no @-mention from the inputs
    assert not bad, f"{where}: raw {bad}"
    assert "##[" not in text, f"{where}: legacy workflow command"
    for line in text.split("\n"):
        if line.lstrip().startswith("::"):
            assert annotations and _WORKFLOW_COMMAND.match(line), f"{where}: line starting '::': {line[:200]!r}"


def assert_json_inert(data: bytes, where: str) -> object:
    """Parses; and, printed in a log, nothing in it acts (safe_text.json_inert)."""
    text = data.decode("utf-8")
    parsed = json.loads(text)
    assert not [c for c in text if c not in "\n" and unicodedata.category(c) in ("Cc", "Cf", "Cs")], \
        f"{where}: raw {_unsafe_chars(text)}"
    assert "##[" not in text, where
    return parsed


class Audit:
    def __init__(self, run: Run, out: Path):
        self.run = run
        self.out = out

    @property
    def report(self) -> dict:
        return self.run.report

    def text(self, name: str) -> str:
        return (self.out / f"report.{name}").read_text(encoding="utf-8")


_AREA_FIGURE: list[bytes] = []


def _area_scores_drawn_once(scores, fmt="svg"):
    """The readiness bar chart names only the fixed MACH areas and numbers, nothing from the
    inputs: drawn once, it stands in for every example (drawing it was half an example's time)."""
    if not _AREA_FIGURE:
        _AREA_FIGURE.append(_draw_area_scores(scores, fmt))
    return _AREA_FIGURE[0]


_draw_area_scores = figures.area_scores


def audit(folder: Path, *extra: str) -> Audit:
    """The whole audit of `folder` in-process: every check, every format (JSON on stdout)."""
    out = folder.parent / "reports"
    out.mkdir(exist_ok=True)
    formats = [arg for name in TEXT_FORMATS + DATA_FORMATS for arg in ("-f", f"{name}:{out / f'report.{name}'}")]
    with mock.patch.object(figures, "area_scores", _area_scores_drawn_once):
        run = run_cli("audit", str(folder), "--jobs", "1", "--fail-on", "low", "-f", "json", *formats, *extra)
    return Audit(run, out)


def assert_no_traceback(audit: Audit) -> None:
    output = audit.run.stdout + audit.run.stderr
    assert "Traceback" not in output and "internal error" not in output, audit.run.stderr[-3000:]


def assert_reports_hold(audit: Audit) -> dict:
    """Exit 0 or 1, every report written and inert; the JSON report."""
    assert_no_traceback(audit)
    assert audit.run.exit_code in (0, 1), f"exit {audit.run.exit_code}: {audit.run.stderr[-3000:]}"
    assert_inert(audit.run.stderr, "stderr")
    report = assert_json_inert(audit.run.stdout.encode("utf-8"), "json")
    assert_json_inert((audit.out / "report.sarif").read_bytes(), "sarif")
    for name in TEXT_FORMATS:
        assert_inert(audit.text(name), name, annotations=name == "github")
    ET.fromstring(audit.text("junit"))  # well-formed XML
    assert "</html>" in audit.text("html")
    return report


def assert_accounted(report: dict, names: list[str]) -> None:
    """Each file is audited (in `specs`) or named by a finding, in its location or its message."""
    audited = {Path(s["file"]).name for s in report["specs"]}
    named = {Path(f["location"]["file"]).name for f in report["findings"] if f.get("location") and f["location"].get("file")}
    messages = "\n".join(f["message"] + " " + (f["subject"] or "") for f in report["findings"])
    for name in names:
        assert name in audited or name in named or name in messages, \
            f"{name} is neither audited nor named by a finding: {sorted(audited)} {sorted(named)}"


def declares_openapi(document: object, as_json: bool) -> bool:
    """Whether machaudit must take the file for a spec: a root `openapi` or `swagger` with a version
    (text; in YAML also a number). Other files (a fragment, a docker-compose file) are not specs and
    may be passed over silently."""
    if not isinstance(document, dict):
        return False
    def declares(value: object) -> bool:
        if isinstance(value, fs.Raw):  # a huge number: JSON's sniff wants the version quoted
            return not as_json
        return isinstance(value, (str,) if as_json else (str, int, float)) and bool(str(value).strip())

    return any(declares(document.get(key)) for key in ("openapi", "swagger"))


def assert_healthy_spec_audited(report: dict) -> None:
    assert GOOD_TITLE in [s["title"] for s in report["specs"]], "one hostile file stopped the audit of another"


@contextlib.contextmanager
def stack_folder():
    with tempfile.TemporaryDirectory(prefix="machaudit-fuzz-") as tmp:
        folder = Path(tmp) / "stack"
        folder.mkdir()
        (folder / "good.yaml").write_text(GOOD_SPEC, encoding="utf-8")
        yield folder


def write_spec(folder: Path, index: int, document: object, as_json: bool, aliases: bool) -> str:
    name = f"spec-{index}.{'json' if as_json else 'yaml'}"
    text = fs.to_json(document) if as_json else fs.to_yaml(document)
    if aliases and not as_json and isinstance(document, dict):
        text = fs.with_aliases(text)
    # surrogatepass: a lone surrogate the writers left raw reaches the file as the bytes a broken
    # editor would write (not UTF-8): the reader must say so, not stop.
    (folder / name).write_bytes(text.encode("utf-8", "surrogatepass"))
    return name


# --- properties ------------------------------------------------------------------------------------


@fuzz_settings(50)
@given(specs=st.lists(st.tuples(fs.openapi_spec(), st.booleans(), st.booleans()), min_size=1, max_size=2))
def test_hostile_openapi_specs_are_audited_or_reported(specs):
    with stack_folder() as folder:
        names = [write_spec(folder, i, document, as_json, aliases) for i, (document, as_json, aliases) in enumerate(specs)]
        result = audit(folder)
        report = assert_reports_hold(result)
        assert_accounted(report, [name for name, (document, as_json, _) in zip(names, specs) if declares_openapi(document, as_json)])
        event(f"{len(report['specs']) - 1} of {len(names)} generated specs audited")
        assert_healthy_spec_audited(report)


@fuzz_settings(50)
@given(entities=fs.catalog(), spec=st.one_of(st.none(), fs.openapi_spec()), as_json=st.booleans())
def test_hostile_catalogs_are_read_or_reported(entities, spec, as_json):
    with stack_folder() as folder:
        names = [write_spec(folder, 0, spec, as_json, False)] if declares_openapi(spec, as_json) else []
        catalog = "".join("---\n" + fs.to_yaml(entity) for entity in entities)
        (folder / "catalog-info.yaml").write_bytes(catalog.encode("utf-8", "surrogatepass"))
        result = audit(folder)
        report = assert_reports_hold(result)
        assert_accounted(report, names)
        assert_healthy_spec_audited(report)
        if not is_catalog_text(catalog):
            return  # no Backstage apiVersion in it: not a catalog, and passed over like any other YAML
        catalog_named = ("catalog-info.yaml" in {Path(f).name for f in report["inventory"]["catalog_files"]}
                         or any(f.get("location") and Path(f["location"]["file"]).name == "catalog-info.yaml"
                                for f in report["findings"]))
        assert catalog_named, "the catalog is neither read nor named by a finding"


def assert_one_line_error(stderr: str) -> None:
    """Exit 2: one `Error:` line, after the notes of what a tree's config file set (if any)."""
    lines = stderr.splitlines()
    assert stderr.endswith("\n") and lines and lines[-1].startswith("Error: "), f"not one error line: {stderr[-2000:]!r}"
    assert all(line.startswith("machaudit: ") and " sets " in line for line in lines[:-1]), f"more than one line: {stderr[-2000:]!r}"


@fuzz_settings(60)
@given(settings_=fs.config_settings(), explicit=st.booleans())
def test_hostile_config_files_are_applied_or_one_line_errors(settings_, explicit):
    with stack_folder() as folder, contextlib.chdir(folder.parent):
        # The working folder is the temporary one: a config's paths (reports, catalogs) stay in it.
        config = (folder.parent if explicit else folder) / "machaudit.toml"
        config.write_bytes(fs.to_toml(settings_).encode("utf-8", "surrogatepass"))
        result = audit(folder, *(["--config", str(config)] if explicit else []), "--select", "SPC,API003,API010")
        assert_no_traceback(result)
        event(f"exit {result.run.exit_code}")  # the mix shows with --hypothesis-show-statistics
        if result.run.exit_code == 2:
            assert_one_line_error(result.run.stderr)
            assert_inert(result.run.stderr, "stderr")
            assert not list(result.out.iterdir()), "a report was written by a run that failed"
            return
        report = assert_reports_hold(result)
        assert_accounted(report, ["good.yaml"])  # audited, or refused by a tighter limit the file set
        assert report["configuration"]["from_audited_tree"] is (not explicit)


@fuzz_settings(30)
@given(lines=st.lists(st.one_of(fs.hostile_text(), st.sampled_from(
    ["openapi: 3.0.3", "info:", "  title: x", "paths:", "  /a:", "    get:", "- [", "{", "&a [*a]", "*b", "!!python/object:os.system",
     "!!binary AAAA", "? complex", "%YAML 1.1", "---", "...", "::error::line", "##[error]x", "key: |", '"\\ud800"'])), max_size=8),
       as_json=st.booleans())
def test_broken_text_named_like_a_spec_is_reported(lines, as_json):
    with stack_folder() as folder:
        name = f"broken.{'json' if as_json else 'yaml'}"
        (folder / name).write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
        report = assert_reports_hold(audit(folder))
        # Text that is not a spec (a list, a comment, nothing) is not an OpenAPI file: it may be
        # left out silently, but then no finding may name it falsely either; what was read is audited.
        audited = {Path(s["file"]).name for s in report["specs"]}
        named = {Path(f["location"]["file"]).name for f in report["findings"] if f.get("location") and f["location"].get("file")}
        if not as_json and any(line.startswith("openapi:") for line in lines):
            assert name in audited | named, "a file that declares itself OpenAPI was neither audited nor reported"
        assert_healthy_spec_audited(report)


# --- what the properties found, kept as examples ------------------------------------------------------


def test_a_catalog_with_quoted_keys_is_read(tmp_path):
    # `"apiVersion": "backstage.io/v1alpha1"` (as a JSON-minded writer puts it) was not taken for
    # a catalog: the file was passed over without a word.
    folder = tmp_path / "stack"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD_SPEC, encoding="utf-8")
    (folder / "catalog-info.yaml").write_text(
        '"apiVersion": "backstage.io/v1alpha1"\n"kind": "Group"\n"metadata": {"name": "team-a"}\n"spec": {"type": "team"}\n',
        encoding="utf-8")
    run = run_cli("audit", str(folder), "--select", "INV", "-f", "json")
    assert [Path(f).name for f in run.report["inventory"]["catalog_files"]] == ["catalog-info.yaml"]
    assert run.report["inventory"]["entities"]["group"] == 1


@pytest.mark.parametrize("toml, shown", [
    # A key of an unknown check: it was quoted raw, and its line break put `::error::x` at the start
    # of a line of the CI log, a workflow command.
    ('[checks."\\n::error::x \\u202e"]\nenabled = false\n', "[checks. \u23ce ::error::x \\u202e] is not a known check"),
    # A catalog named by the job's config, missing: the path was quoted raw.
    ('catalog = ["\\n::error::x\\u001b[2J"]\n', "--catalog \u23ce ::error::x\\x1b[2J: no such file"),
])
def test_config_mistakes_quote_keys_and_paths_inert(tmp_path, monkeypatch, toml, shown):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "good.yaml").write_text(GOOD_SPEC, encoding="utf-8")
    (tmp_path / "ci.toml").write_text(toml, encoding="utf-8")
    run = run_cli("audit", str(tmp_path / "good.yaml"), "--config", str(tmp_path / "ci.toml"))
    assert run.exit_code == 2
    assert_one_line_error(run.stderr)
    assert_inert(run.stderr, "stderr")
    assert shown in run.stderr, run.stderr


def test_a_tree_config_value_is_shown_inert(tmp_path):
    # Values of a tree's config file are listed on stderr and in the reports: a bidi override in a
    # region pattern was written raw.
    folder = tmp_path / "stack"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD_SPEC, encoding="utf-8")
    (folder / "machaudit.toml").write_text('[policy.allowed-regions]\npii = ["eu-\\u202e"]\n', encoding="utf-8")
    run = run_cli("audit", str(folder), "--select", "SPC", "-f", "json")
    assert run.exit_code == 0, run.stderr
    assert_inert(run.stderr, "stderr")
    assert 'sets policy.allowed-regions = {"pii": ["eu-\\u202e"]}: applied' in run.stderr, run.stderr
    assert run.report["configuration"]["tree_settings"][0]["value"] == '{"pii": ["eu-\\u202e"]}'


def test_a_location_target_longer_than_a_file_name_can_be_is_inv007(tmp_path):
    # A 4,400-digit number as a Location's target (kept as its digits): stat() raised ENAMETOOLONG,
    # "internal error ... This is a bug in machaudit".
    folder = tmp_path / "stack"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD_SPEC, encoding="utf-8")
    (folder / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: cart\nspec:\n"
        f"  target: {'9' * 4400}\n", encoding="utf-8")
    run = run_cli("audit", str(folder), "--select", "INV,SPC", "-f", "json", "--fail-on", "low")
    assert run.exit_code == 1, run.stderr
    found = [f for f in run.report["findings"] if f["check"] == "INV007"]
    assert len(found) == 1 and "Location cart: target 999" in found[0]["message"], found
    assert found[0]["message"].endswith("cannot be read: File name too long"), found[0]["message"][-80:]
    assert GOOD_TITLE in [s["title"] for s in run.report["specs"]]


def test_a_pattern_option_is_taken_from_the_job_only_and_checked_when_read(tmp_path):
    """A regular expression can make a run arbitrarily slow: one from the audited tree is not
    applied (and said so); one from the job's config that does not compile is a config error."""
    folder = tmp_path / "stack"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD_SPEC, encoding="utf-8")
    (folder / "machaudit.toml").write_text('[checks.API010]\nevent-words = "(a+)+$"\n', encoding="utf-8")
    run = run_cli("audit", str(folder), "--select", "SPC,API010", "-f", "json")
    assert run.exit_code in (0, 1), run.stderr
    (setting,) = run.report["configuration"]["tree_settings"]
    assert (setting["key"], setting["applied"]) == ("checks.API010.event-words", False)
    assert setting["reason"].startswith("a regular expression can make the run arbitrarily slow")
    job = tmp_path / "ci.toml"
    job.write_text('[checks.API010]\nevent-words = "("\n', encoding="utf-8")
    bad = run_cli("audit", str(folder), "--config", str(job), "--select", "SPC,API010", "-f", "json")
    assert bad.exit_code == 2
    assert_one_line_error(bad.stderr)
    assert "checks.API010.event-words = '(' is not a valid regular expression" in bad.stderr


def test_operation_parameters_that_are_a_number(tmp_path):
    folder = tmp_path / "stack"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD_SPEC, encoding="utf-8")
    (folder / "odd.yaml").write_text(
        'swagger: "2.0"\ninfo:\n  title: Odd\n  version: "1"\npaths:\n  /checkout:\n    post:\n'
        '      responses: {}\n      parameters: 6.5\n', encoding="utf-8")
    run = run_cli("audit", str(folder), "-f", "json")
    assert run.exit_code in (0, 1), run.stderr
    assert not run.report["errors"]


# --- one real process ---------------------------------------------------------------------------------


def test_one_hostile_folder_through_the_real_command(tmp_path):
    """The installed command, not click's runner: real stdout/stderr encodings and exit code."""
    folder = tmp_path / "stack"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD_SPEC, encoding="utf-8")
    document = {"openapi": "3.0.3", "info": {"title": "Evil \x1b[2J\u202e API\n::error::x", "version": fs.Raw("9" * 4400)},
                "paths": {"/a\u2028##[error]b": {"get": {"operationId": ["x"], "responses": {"200": {"description": "\ud800"}}}}}}
    write_spec(folder, 0, document, True, False)
    run = subprocess.run([sys.executable, "-m", "machaudit", "audit", str(folder), "--jobs", "1", "--fail-on", "low",
                          "-f", "github"], capture_output=True, cwd=REPO, timeout=120,
                         env={**os.environ, "PYTHONIOENCODING": "utf-8"})
    stdout, stderr = run.stdout.decode("utf-8"), run.stderr.decode("utf-8")
    assert run.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert_inert(stdout, "github", annotations=True)
    assert_inert(stderr, "stderr")
    assert "file=" in stdout and "spec-0.json" in stdout and "good.yaml" in stdout  # both files annotated
