"""Untrusted input through the real CLI (DESIGN.md §9).

Each case puts one bad file beside a good spec and runs `machaudit audit DIR -f json --fail-on never`.
What must hold every time:
- the run ends normally (exit 0, or 1) with no traceback and no "internal error";
- the bad file is reported as a finding of the right check (SPC002 unparseable-document,
  SPC003 unresolved-ref, INV007 invalid-entity), naming the file and, where the parser knows it,
  the line;
- the good spec beside it is still audited: it is in report["specs"] with its operations counted.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from machaudit.sources.documents import DocumentError, parse_document, parse_documents
from machaudit.limits import Limits
from tests.conftest import Run, run_cli

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
    post:
      operationId: placeOrder
      responses:
        "201":
          description: placed
  /orders/{id}:
    get:
      operationId: getOrder
      parameters:
        - name: id
          in: path
          required: true
          schema: {type: string}
      responses:
        "200":
          description: one order
"""
GOOD_OPERATIONS = 3

# A refusal of a hostile document must come "in well under a second"; 2 s leaves room for a slow CI
# machine and the validator's start-up, and is still far below what an unbounded parse costs.
REFUSAL_SECONDS = 2.0


# --- helpers -------------------------------------------------------------------------------------


def write(folder: Path, name: str, text: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An audited folder that already holds the good spec."""
    root = tmp_path / "stack"
    write(root, "good.yaml", GOOD_SPEC)
    return root


def audit(*args: str) -> Run:
    return run_cli("audit", *args, "-f", "json", "--fail-on", "never")


def assert_ran_cleanly(run: Run) -> None:
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output
    assert "internal error" not in run.stderr, run.stderr
    assert run.exit_code in (0, 1), f"exit {run.exit_code}: {run.stderr}"
    run.report  # the JSON report parses


def describe(run: Run) -> str:
    return "\n".join(
        f"  {f['check']} {f['subject']}: {f['message']} @ {f['location']}" for f in run.report["findings"]
    ) or "  (no findings)"


def finding(run: Run, check: str, file_name: str, *, line: int | None = None, contains: str = "") -> dict:
    """The finding of `check` located in the file called `file_name` (a base name or a URL)."""
    candidates = [
        f for f in run.findings(check)
        if f["location"] and _name(f["location"]["file"]) == file_name and contains.lower() in f["message"].lower()
    ]
    assert candidates, f"no {check} finding on {file_name} mentioning {contains!r}; findings:\n{describe(run)}"
    if line is not None:
        lines = [f["location"]["line"] for f in candidates]
        assert line in lines, f"{check} on {file_name} reported at line(s) {lines}, expected line {line}"
        return next(f for f in candidates if f["location"]["line"] == line)
    return candidates[0]


def _name(file: str) -> str:
    return file if "://" in file else Path(file).name


def spec_entry(run: Run, file_name: str) -> dict | None:
    return next((s for s in run.report["specs"] if _name(s["file"]) == file_name), None)


def assert_good_spec_audited(run: Run) -> None:
    entry = spec_entry(run, "good.yaml")
    assert entry is not None, f"the good spec was not audited: {[s['file'] for s in run.report['specs']]}"
    assert entry["operations"] == GOOD_OPERATIONS, entry
    assert entry["valid"] is True, entry
    assert not spec_findings(run, "good.yaml"), describe(run)


def spec_findings(run: Run, file_name: str) -> list[dict]:
    """Spec-loading findings (SPC family) on one file. Other families judge API design, not input."""
    return [f for f in run.report["findings"]
            if f["check"].startswith("SPC") and f["location"] and _name(f["location"]["file"]) == file_name]


@pytest.fixture
def no_network(monkeypatch):
    """Fail loudly if anything tries to resolve a host name or open a connection."""
    attempts: list[str] = []

    def refuse(what):
        def blocked(*args, **kwargs):
            attempts.append(f"{what}{args[:2]!r}")
            raise OSError(f"network access attempted in a test: {what}")
        return blocked

    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    monkeypatch.setattr(socket.socket, "connect", refuse("connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("connect_ex"))
    return attempts


# --- unparseable documents: SPC002 ---------------------------------------------------------------


def test_malformed_yaml_is_spc002_with_line(folder):
    write(folder, "broken.yaml", textwrap.dedent("""\
        openapi: 3.0.3
        info:
          title: Broken
          version: "1.0"
        paths:
          /orders:
            get:
              summary: list: orders
              responses:
                "200": {description: ok}
        """))  # line 8: a second ": " inside a plain scalar
    run = audit(str(folder))
    assert_ran_cleanly(run)
    finding(run, "SPC002", "broken.yaml", line=8)
    assert_good_spec_audited(run)


def test_invalid_json_trailing_comma_is_spc002_with_line(folder):
    write(folder, "trailing.json", textwrap.dedent("""\
        {
          "openapi": "3.0.3",
          "info": {"title": "Trailing comma", "version": "1.0",},
          "paths": {}
        }
        """))  # line 3: `,}`
    run = audit(str(folder))
    assert_ran_cleanly(run)
    finding(run, "SPC002", "trailing.json", line=3)
    assert_good_spec_audited(run)


def test_json_with_surrogate_pair_escapes_parses_as_json(folder):
    # Valid JSON (RFC 8259 §7): "\ud83d\ude00" is one character, U+1F600. A YAML parser rejects the
    # lone surrogates; a JSON file must be read by a JSON parser (Twilio's api_v2010.json has these).
    write(folder, "emoji.json", textwrap.dedent(r"""
        {
          "openapi": "3.0.3",
          "info": {"title": "Socks \ud83d\ude00", "version": "1.0"},
          "paths": {
            "/socks": {
              "get": {
                "description": "Lists socks \ud83e\udde6",
                "responses": {"200": {"description": "ok \ud83d\ude00"}}
              }
            }
          }
        }
        """))
    run = audit(str(folder))
    assert_ran_cleanly(run)
    entry = spec_entry(run, "emoji.json")
    assert entry is not None, f"emoji.json was not audited:\n{describe(run)}"
    assert entry["title"] == "Socks \U0001F600"
    assert entry["operations"] == 1
    assert entry["valid"] is True, describe(run)
    assert not spec_findings(run, "emoji.json"), describe(run)
    assert_good_spec_audited(run)


def _alias_bomb() -> str:
    # "Billion laughs": 9 levels of 9 aliases each, 9**9 (387 million) strings once expanded, under 1 KB.
    lines = ["openapi: 3.0.3", "info: {title: Laughs, version: '1.0'}", "paths: {}",
             "x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"x-{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def test_yaml_alias_bomb_is_refused_quickly(folder):
    bomb = _alias_bomb()
    assert len(bomb) < 1024
    write(folder, "laughs.yaml", bomb)
    started = time.perf_counter()
    run = audit(str(folder))
    elapsed = time.perf_counter() - started
    assert_ran_cleanly(run)
    assert elapsed < REFUSAL_SECONDS, f"alias bomb took {elapsed:.1f} s to refuse"
    found = finding(run, "SPC002", "laughs.yaml")
    message = found["message"].lower()
    assert "alias" in message or "expan" in message, found["message"]
    assert_good_spec_audited(run)


def test_deeply_nested_json_is_refused_quickly(folder):
    depth = 10_000
    text = '{"openapi": "3.0.3", "info": {"title": "Deep", "version": "1.0"}, "paths": {}, "x-deep": ' \
        + "[" * depth + "]" * depth + "}\n"
    write(folder, "deep.json", text)
    started = time.perf_counter()
    run = audit(str(folder))
    elapsed = time.perf_counter() - started
    assert_ran_cleanly(run)
    assert elapsed < REFUSAL_SECONDS, f"10,000-deep JSON took {elapsed:.1f} s"
    found = finding(run, "SPC002", "deep.json")
    assert "nest" in found["message"].lower(), found["message"]
    assert_good_spec_audited(run)


def test_deeply_nested_yaml_is_refused_quickly(folder):
    depth = 10_000
    text = "openapi: 3.0.3\ninfo: {title: Deep, version: '1.0'}\npaths: {}\nx-deep: " \
        + "{a: " * depth + "1" + "}" * depth + "\n"
    write(folder, "deep.yaml", text)
    started = time.perf_counter()
    run = audit(str(folder))
    elapsed = time.perf_counter() - started
    assert_ran_cleanly(run)
    assert elapsed < REFUSAL_SECONDS, f"10,000-deep YAML took {elapsed:.1f} s"
    found = finding(run, "SPC002", "deep.yaml")
    assert "nest" in found["message"].lower(), found["message"]
    assert_good_spec_audited(run)


def run_in_subprocess(*args: str, cwd: Path, timeout: float = 120) -> tuple[Run, float]:
    """The real CLI in its own process, for inputs that could crash or exhaust the test runner itself."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "machaudit", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd)
    return Run(proc.returncode, proc.stdout, proc.stderr), time.perf_counter() - started


@pytest.mark.parametrize("name", ["deeper.yaml", "catalog-info.yaml"])
def test_very_deep_yaml_does_not_crash_the_process(folder, name):
    # 50,000 nested flow sequences, 100 KB. Refused like the 10,000-deep one; never a crash (a
    # segfault ends the process with no report at all). Run in a subprocess for that reason.
    depth = 50_000
    head = ("openapi: 3.0.3\ninfo: {title: Deeper, version: '1.0'}\npaths: {}\n" if name != "catalog-info.yaml" else
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: deep\n")
    write(folder, name, head + "x-deep: " + "[" * depth + "]" * depth + "\n")
    run, elapsed = run_in_subprocess("audit", str(folder), "-f", "json", "--fail-on", "never", cwd=folder)
    assert run.exit_code in (0, 1), f"exit code {run.exit_code} (-11/139 = segfault); stderr: {run.stderr[-500:]}"
    assert_ran_cleanly(run)
    assert elapsed < 20, f"took {elapsed:.1f} s"
    found = finding(run, "SPC002", name)
    assert "nest" in found["message"].lower(), found["message"]
    assert_good_spec_audited(run)


def test_file_over_the_size_limit_is_refused_unread(folder):
    # The CLI has no option to lower Limits.max_bytes (64 MiB), so the file is made one byte over it,
    # sparsely: it starts like a spec and is holes after that, costing no disk and no time to make.
    limit = Limits().max_bytes
    path = folder / "huge.yaml"
    with path.open("wb") as handle:
        handle.write(b"openapi: 3.0.3\ninfo: {title: Huge, version: '1.0'}\npaths: {}\n")
        handle.truncate(limit + 1)
    assert path.stat().st_size == limit + 1
    started = time.perf_counter()
    run = audit(str(folder))
    elapsed = time.perf_counter() - started
    assert_ran_cleanly(run)
    assert elapsed < REFUSAL_SECONDS, f"an oversized file took {elapsed:.1f} s (was it read?)"
    found = finding(run, "SPC002", "huge.yaml")
    assert "limit" in found["message"].lower(), found["message"]
    assert_good_spec_audited(run)


@pytest.mark.parametrize("name", ["small.yaml", "small.json"])
def test_size_limit_applies_to_text_too(name):
    # The same bound on text obtained elsewhere (URLs, inline catalog definitions), with a small limit.
    text = '{"openapi": "3.0.3", "x": "' + "x" * 2000 + '"}' if name.endswith(".json") else "openapi: 3.0.3\nx: " + "x" * 2000
    with pytest.raises(DocumentError, match="limit"):
        parse_document(text, name, Limits(max_bytes=1000))
    with pytest.raises(DocumentError, match="limit"):
        parse_documents(text, name, Limits(max_bytes=1000))
    assert parse_document(text, name, Limits(max_bytes=10_000))["openapi"] == "3.0.3"


def test_non_utf8_file_is_spc002_with_line(folder):
    write(folder, "latin1.yaml", "openapi: 3.0.3\ninfo:\n  title: Caf\u00e9 API\n  version: '1.0'\npaths: {}\n".encode("latin-1"))
    run = audit(str(folder))
    assert_ran_cleanly(run)
    found = finding(run, "SPC002", "latin1.yaml", line=3)
    assert "utf-8" in found["message"].lower(), found["message"]
    assert_good_spec_audited(run)


def test_empty_file_in_a_folder_is_harmless(folder):
    # An empty .yaml found while scanning a folder may be anything (a placeholder config): it must not
    # break the audit. Named explicitly, it is reported (next test).
    write(folder, "empty.yaml", "")
    run = audit(str(folder))
    assert_ran_cleanly(run)
    assert_good_spec_audited(run)


def test_empty_file_named_explicitly_is_spc002(folder):
    empty = write(folder, "empty.yaml", "")
    run = audit(str(empty), str(folder / "good.yaml"))
    assert_ran_cleanly(run)
    finding(run, "SPC002", "empty.yaml")
    assert_good_spec_audited(run)


def test_yaml_whose_root_is_a_list_is_spc002(folder):
    listy = write(folder, "list.yaml", "- openapi: 3.0.3\n- info: {title: Listy, version: '1.0'}\n- paths: {}\n")
    run = audit(str(folder))  # scanned: not a spec by its look, ignored without harm
    assert_ran_cleanly(run)
    assert_good_spec_audited(run)
    run = audit(str(listy), str(folder / "good.yaml"))  # named: must be reported
    assert_ran_cleanly(run)
    found = finding(run, "SPC002", "list.yaml")
    assert "list" in found["message"].lower(), found["message"]
    assert_good_spec_audited(run)


# --- files that are not regular files -----------------------------------------------------------

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs, symlinks and /dev/zero")


@posix_only
def test_fifo_in_the_folder_does_not_hang_the_audit(folder):
    # A named pipe called *.yaml (or a symlink to one) must not block the audit waiting for a writer.
    fifo = folder / "pipe.yaml"
    os.mkfifo(fifo)
    result: dict[str, Run] = {}
    worker = threading.Thread(target=lambda: result.setdefault("run", audit(str(folder))), daemon=True)
    started = time.perf_counter()
    worker.start()
    worker.join(REFUSAL_SECONDS * 5)
    hung = worker.is_alive()
    while worker.is_alive():  # unblock the reader with an empty write end, so the run can finish
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        worker.join(0.1)
    elapsed = time.perf_counter() - started
    assert not hung, f"the audit blocked on a FIFO (released after {elapsed:.0f} s)"
    run = result["run"]
    assert_ran_cleanly(run)
    finding(run, "SPC002", "pipe.yaml")
    assert_good_spec_audited(run)


@posix_only
@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_symlink_to_an_endless_device_is_refused(folder):
    # zero.yaml -> /dev/zero: stat says 0 bytes, reading never ends. Run in a subprocess under a 2 GiB
    # address-space cap: in-process, an unbounded read would take the test runner's memory with it.
    import resource

    (folder / "zero.yaml").symlink_to("/dev/zero")

    def cap_memory():
        resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))

    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "machaudit", "audit", str(folder), "-f", "json", "--fail-on", "never"],
        capture_output=True, text=True, timeout=120, preexec_fn=cap_memory, cwd=folder,
    )
    elapsed = time.perf_counter() - started
    run = Run(proc.returncode, proc.stdout, proc.stderr)
    assert run.exit_code in (0, 1), f"exit code {run.exit_code}; stderr: {run.stderr[-500:]}"
    assert_ran_cleanly(run)
    assert elapsed < 20, f"took {elapsed:.0f} s"
    finding(run, "SPC002", "zero.yaml")
    assert_good_spec_audited(run)


@posix_only
def test_symlink_leaving_the_root_is_not_read(folder, tmp_path):
    # Local reads are confined to the audited roots (sources/store.py), as `$ref`s are: a symlink in
    # the folder pointing elsewhere on the machine must not pull that file into the audit/report.
    outside = write(tmp_path, "private/secret.yaml", "openapi: 3.0.3\ninfo: {title: Private outside, version: '1'}\npaths: {}\n")
    (folder / "leak.yaml").symlink_to(outside)
    run = audit(str(folder))
    assert_ran_cleanly(run)
    assert "Private outside" not in run.stdout, [s for s in run.report["specs"]]
    assert not [s for s in run.report["specs"] if _name(s["file"]) == "secret.yaml"]
    assert_good_spec_audited(run)


# --- $ref: cycles, leaving the root, remote: SPC003 ----------------------------------------------

REF_SPEC = """\
openapi: 3.0.3
info: {{title: Refs, version: "1.0"}}
paths:
  /pets:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: "{ref}"
"""
REF_LINE = 12  # the `$ref:` line above


def test_circular_refs_between_two_files_terminate(folder):
    # A recursive schema split over two files: root -> schemas.yaml#/Node -> root#/.../Tree -> Node …
    write(folder, "tree.yaml", textwrap.dedent("""\
        openapi: 3.0.3
        info: {title: Tree, version: "1.0"}
        paths:
          /nodes:
            get:
              responses:
                "200":
                  description: ok
                  content:
                    application/json:
                      schema: {$ref: "./schemas.yaml#/Node"}
        components:
          schemas:
            Tree: {$ref: "./schemas.yaml#/Node"}
        """))
    write(folder, "schemas.yaml", textwrap.dedent("""\
        Node:
          type: object
          properties:
            children:
              type: array
              items: {$ref: "./tree.yaml#/components/schemas/Tree"}
        """))
    # And a pure loop of references with no value at the end, through a path item.
    write(folder, "loop.yaml", textwrap.dedent("""\
        openapi: 3.0.3
        info: {title: Loop, version: "1.0"}
        paths:
          /loop:
            $ref: "./loop-b.yaml#/PathA"
        x-back: {$ref: "./loop-b.yaml#/PathA"}
        """))
    write(folder, "loop-b.yaml", 'PathA: {$ref: "./loop.yaml#/x-back"}\n')
    started = time.perf_counter()
    run = audit(str(folder))
    elapsed = time.perf_counter() - started
    assert_ran_cleanly(run)
    assert elapsed < 30, f"circular $refs took {elapsed:.1f} s"
    tree = spec_entry(run, "tree.yaml")
    assert tree is not None and tree["operations"] == 1, tree
    # The recursive schema is legal and every one of its $refs resolves.
    assert not [f for f in run.findings("SPC003") if _name(f["location"]["file"]) in ("tree.yaml", "schemas.yaml")], describe(run)
    assert spec_entry(run, "loop.yaml") is not None
    assert_good_spec_audited(run)


def test_ref_leaving_the_audited_root_is_spc003(folder):
    write(folder.parent, "outside.yaml", "components:\n  schemas:\n    Pet: {type: object}\n")
    write(folder, "escape.yaml", REF_SPEC.format(ref="../outside.yaml#/components/schemas/Pet"))
    run = audit(str(folder))
    assert_ran_cleanly(run)
    found = finding(run, "SPC003", "escape.yaml", line=REF_LINE)
    assert "root" in found["message"].lower(), found["message"]
    assert_good_spec_audited(run)


def test_absolute_path_ref_outside_the_root_is_spc003(folder, tmp_path):
    outside = write(tmp_path, "elsewhere/secret.yaml", "Pet: {type: object}\n")
    write(folder, "absolute.yaml", REF_SPEC.format(ref=f"{outside.as_posix()}#/Pet"))
    run = audit(str(folder))
    assert_ran_cleanly(run)
    finding(run, "SPC003", "absolute.yaml", line=REF_LINE)
    assert_good_spec_audited(run)


def test_remote_ref_without_allow_remote_is_an_spc003_gap_and_offline(folder, no_network):
    write(folder, "remote.yaml", REF_SPEC.format(ref="https://specs.example.com/common.yaml#/components/schemas/Pet"))
    run = audit(str(folder))
    assert_ran_cleanly(run)
    (gap,) = [g for g in run.report["evidence_gaps"] if g["check"] == "SPC003"]
    assert (Path(gap["location"]["file"]).name, gap["location"]["line"]) == ("remote.yaml", REF_LINE)
    assert gap["message"].startswith("not checked: remote reference https://specs.example.com/common.yaml (1 $ref), "
                                     "fetching is off (--allow-remote"), gap["message"]
    assert no_network == [], f"network access attempted: {no_network}"
    assert_good_spec_audited(run)


# --- text is kept as text ------------------------------------------------------------------------


def test_html_in_spec_text_is_kept_verbatim_in_json(folder):
    title = '<script>alert("x")</script> Shop & <b>Co</b>'
    write(folder, "html.yaml", textwrap.dedent(f"""\
        openapi: 3.0.3
        info:
          title: '{title}'
          description: <img src=x onerror=alert(1)>
          version: "1.0"
        paths:
          /x:
            get:
              description: "<script>document.cookie</script>"
              responses:
                "200": {{description: <i>ok</i>}}
        """))
    run = audit(str(folder))
    assert_ran_cleanly(run)
    entry = spec_entry(run, "html.yaml")
    assert entry is not None and entry["operations"] == 1, entry
    # JSON carries the text as data: not escaped into entities, not stripped, not interpreted.
    assert entry["title"] == title
    assert "<script>" in run.stdout
    assert json.loads(run.stdout)["specs"] == run.report["specs"]
    assert_good_spec_audited(run)


# --- catalogs ------------------------------------------------------------------------------------

BAD_CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: shop
spec:
  type: service
  owner: team-a
  lifecycle: production
  dependsOn: resource:shop-db
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  title: Nameless
spec:
  type: service
---
apiVersion: backstage.io/v1alpha1
kind: Compnent
metadata:
  name: typo
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: listy
  annotations:
    - machaudit.io/hosting=saas
spec:
  type: service
  owner: team-a
"""


@pytest.mark.parametrize("line, words", [
    (9, ["dependsOn", "list"]),  # a string where a list belongs
    (13, ["metadata.name"]),  # metadata without a name
    (19, ["unknown kind", "Compnent"]),  # a kind machaudit does not know
    (27, ["annotations", "mapping"]),  # annotations as a list
], ids=["dependsOn-string", "no-name", "unknown-kind", "annotations-list"])
def test_catalog_with_wrong_types_is_inv007_with_file_and_line(folder, line, words):
    write(folder, "catalog-info.yaml", BAD_CATALOG)
    run = audit(str(folder))
    assert_ran_cleanly(run)
    found = finding(run, "INV007", "catalog-info.yaml", line=line)
    for word in words:
        assert word.lower() in found["message"].lower(), found["message"]
    good = spec_entry(run, "good.yaml")
    assert good is not None and good["operations"] == GOOD_OPERATIONS
    # The entities that were well-formed enough are still read.
    assert run.report["inventory"]["entities"].get("component", 0) >= 2, run.report["inventory"]


def test_catalog_that_is_not_yaml_is_spc002(folder):
    # A Helm-templated catalog-info.yaml checked in unrendered: `{{ … }}` is not valid YAML here.
    write(folder, "catalog-info.yaml", textwrap.dedent("""\
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: {{ .Values.name }}
        spec:
          type: service
        """))
    write(folder, "other/catalog-info.yaml", "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ok\n"
          "  description: tabs\tand: colons: break it\nspec:\n  type: service\n")
    run = audit(str(folder))
    assert_ran_cleanly(run)
    finding(run, "SPC002", "catalog-info.yaml", line=4)
    spc002_files = [f["location"]["file"] for f in run.findings("SPC002")]
    assert any(Path(f).parent.name == "other" for f in spc002_files), describe(run)
    assert_good_spec_audited(run)


@pytest.mark.parametrize("kind", ["alias-bomb", "deep"])
def test_hostile_catalog_is_refused_quickly(folder, kind):
    head = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: shop\nspec:\n  type: service\n"
    if kind == "alias-bomb":
        body = _alias_bomb().split("paths: {}\n", 1)[1].replace("x-", "  x-")
        text = head + body
    else:
        text = head + "  x-deep: " + "[" * 10_000 + "]" * 10_000 + "\n"
    write(folder, "catalog-info.yaml", text)
    started = time.perf_counter()
    run = audit(str(folder))
    elapsed = time.perf_counter() - started
    assert_ran_cleanly(run)
    assert elapsed < REFUSAL_SECONDS, f"hostile catalog ({kind}) took {elapsed:.1f} s"
    finding(run, "SPC002", "catalog-info.yaml")
    assert_good_spec_audited(run)


# --- command-line mistakes: exit 2, one line, no traceback ---------------------------------------


def test_nonexistent_path_is_exit_2_with_one_line(tmp_path):
    missing = tmp_path / "no-such-folder"
    run = run_cli("audit", str(missing), "-f", "json")
    assert run.exit_code == 2
    assert "Traceback" not in run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "no-such-folder" in lines[0]
    assert run.stdout == ""


def test_unknown_select_is_exit_2_listing_choices(folder):
    run = run_cli("audit", str(folder), "--select", "XYZ999", "-f", "json")
    assert run.exit_code == 2
    assert "Traceback" not in run.stdout + run.stderr
    assert "XYZ999" in run.stderr
    for family in ("SPC", "INV", "ORC"):
        assert family in run.stderr, run.stderr
    assert run.stdout == ""


def test_unknown_format_is_exit_2(folder):
    run = run_cli("audit", str(folder), "-f", "foo")
    assert run.exit_code == 2
    assert "Traceback" not in run.stdout + run.stderr
    assert "foo" in run.stderr and "json" in run.stderr, run.stderr
    assert run.stdout == ""
