"""Nothing untrusted reaches a terminal or a CI runner raw: the sanitiser, then real runs of every
format on a hostile stack under GITHUB_ACTIONS=true, and one run on a real pty."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from machaudit.formatters.safe_text import FOLD, markup, plain

# -- the sanitiser ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, shown", [
    ("Orders API v2 (EU)", "Orders API v2 (EU)"),  # ordinary text: untouched
    ("Bestellübersicht – 注文", "Bestellübersicht – 注文"),  # letters of any script: untouched
    (r"C:\specs\a.yaml", r"C:\specs\a.yaml"),  # a backslash stays: the notation is for people
    ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # set-title sequence: ESC and BEL shown
    ("\x1b[2J\x1b[8m", "\\x1b[2J\\x1b[8m"),  # clear screen, conceal
    ("a\x9b31mb\x7f", "a\\x9b31mb\\x7f"),  # C1 CSI and DEL
    ("gnp.\u202eexe", "gnp.\\u202eexe"),  # RIGHT-TO-LEFT OVERRIDE
    ("a\u200bb\ufeff\u2066", "a\\u200bb\\ufeff\\u2066"),  # zero-width space, BOM, isolate
    ("tag\U000e0041", "tag\\U000e0041"),  # a tag character beyond the BMP
    ("lone \ud800 half", "lone \\ud800 half"),  # a lone surrogate: shown, so the text encodes
    ("\ufffe", "\\ufffe"),
    ("a\tb", "a b"),
    ("a\nb", f"a{FOLD}b"),
    ("a \r\n\n  \u2028 b", f"a{FOLD}b"),  # a run of breaks, with its blanks, is one ⏎
    ("a\x0bb\x0cc\x85d\u2029e", f"a{FOLD}b{FOLD}c{FOLD}d{FOLD}e"),
    ("description\n", "description"),  # a YAML block scalar's last newline: dropped
    ("::add-mask::secret", "\\x3a:add-mask::secret"),
    ("  ::error ::x", "  \\x3a:error ::x"),
    ("\n::error ::x", "\\x3a:error ::x"),  # a leading break dropped, the command still defused
    ("\u3000::error ::x", "\u3000\\x3a:error ::x"),  # the runner trims Unicode blanks too
    ("/x\n::error ::pwned", f"/x{FOLD}::error ::pwned"),  # mid-line after folding: not a command
    ("a ##[error]b", "a ##\\x5berror]b"),  # the legacy syntax counts anywhere in a line
    ("IPv6 ::1 and std::vector", "IPv6 ::1 and std::vector"),  # `::` inside a line is just text
    (None, ""),
    (42, "42"),
])
def test_plain(text, shown):
    assert plain(text) == shown
    shown.encode("utf-8")  # always encodable


def test_plain_output_is_one_inert_line_for_every_character():
    everything = "".join(chr(c) for c in range(0x300)) + "".join(chr(c) for c in range(0x2000, 0x2070)) + "\ud83d"
    out = plain("x" + everything)
    assert "\n" not in out and "\r" not in out
    assert not [c for c in out if unicodedata.category(c) in ("Cc", "Cf", "Cs")]
    out.encode("utf-8")


def test_plain_lines_keeps_breaks_and_defuses_each_line():
    detail = "Traceback:\r\n  File \"x\", line 1\n::error ::pwned\u2028\x1b[2J ##[warning]x\n"
    assert plain(detail, lines=True) == ("Traceback:\n  File \"x\", line 1\n\\x3a:error ::pwned\n"
                                         "\\x1b[2J ##\\x5bwarning]x\n")


def test_markup_escapes_rich_markup_after_plain():
    assert markup("[bold red]x[/]\x1b[2J") == "\\[bold red]x\\[/]\\x1b[2J"


# -- a hostile stack through the real CLI ---------------------------------------------------------

TITLE = "Orders \x1b]0;pwned\x07 \x1b[2J\x1b[8m hidden \u202egnp.exe \x9b31m ##[error]legacy"
PATH_KEY = "/x\n::error ::pwned"
SPEC_NAME = "evil\n::error file=x::name.json"  # a newline in a file name is legal on Linux
SUPPRESSED_ID = "BLR005\n::warning file=evil.py::x"


def _hostile_stack(root: Path) -> Path:
    stack = root / "stack"
    (stack / "specs").mkdir(parents=True)
    spec = {
        "openapi": "3.0.3",
        "info": {"title": TITLE, "version": "1.0.0", "description": "::add-mask::secret\n::error ::desc"},
        "paths": {
            PATH_KEY: {"get": {
                "operationId": "get\n::add-mask::op", "summary": "\x1b[2J",
                "responses": {"200": {"description": "ok"}},
                "x-machaudit-ignore": [{"id": SUPPRESSED_ID, "reason": "r"}],
            }},
            "/orders": {"post": {
                "operationId": "::stop-commands::tok", "security": [],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "state": {"type": "string", "enum": ["\x1b[2J", "::error ::enum"]}}}}}},
                "responses": {"201": {"description": "\u202e created"}},
            }},
        },
    }
    (stack / "specs" / SPEC_NAME).write_text(json.dumps(spec), encoding="utf-8")
    # YAML double-quoted escapes: \e is ESC, \a is BEL, \n a newline inside the value.
    (stack / "catalog-info.yaml").write_text(r'''apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: web-shop
  title: "Shop \e]0;pwned\a"
  description: "::add-mask::catsecret\n::error ::catalog \e[2J \u202e"
  annotations:
    machaudit.io/region: "eu\n::error ::region \e[8m"
    machaudit.io/ignore: "ORC999\n::warning file=evil.py::y: because \e[2J"
spec:
  type: website
  lifecycle: production
  owner: "::error ::owner"
  system: "shop\n::stop-commands::s"
  consumesApis: ["orders-api"]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: orders-api
  description: "\e]0;pwned\a ##[error]legacy"
spec:
  type: openapi
  lifecycle: production
  owner: team
  definition:
    $text: "./specs/evil\n::error file=x::name.json"
''', encoding="utf-8")
    return stack


def _machaudit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "GITHUB_ACTIONS": "true", "NO_COLOR": ""}
    env.pop("NO_COLOR")
    return subprocess.run([sys.executable, "-m", "machaudit", *args], capture_output=True, cwd=cwd, env=env,
                          timeout=300)


# Our own annotations: a command, then properties whose values hold no raw `:` or `,` (escaped).
OWN_ANNOTATION = re.compile(r"::(error|warning|notice)( (file|line|col|title)=[^:,]*(,(file|line|col|title)=[^:,]*)*)?::")
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def _commands(text: str, github: bool) -> list[str]:
    """Lines the Actions runner would take for a workflow command (`::` after leading blanks, or
    `##[` anywhere), but for our own well-formed annotations in the github format."""
    found = []
    for line in text.split("\n"):
        if "##[" in line:
            found.append(line)
        elif line.lstrip().startswith("::") and not (github and OWN_ANNOTATION.match(line)):
            found.append(line)
    return found


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return _hostile_stack(tmp_path_factory.mktemp("hostile"))


TEXT_FORMATS = ["terminal", "github", "junit", "markdown", "html"]


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_text_formats_print_no_command_and_no_raw_control(hostile, fmt):
    run = _machaudit("audit", str(hostile), "-f", fmt, cwd=hostile.parent)
    assert run.returncode == 1, run.stderr.decode()
    stdout, stderr = run.stdout.decode("utf-8"), run.stderr.decode("utf-8")  # strict: valid UTF-8
    # the hostile text is in the report, shown: not silently lost
    assert "\\x1b]0;pwned\\x07" in stdout or "\\\\x1b\\]0;pwned\\\\x07" in stdout
    assert f"suppression of BLR005{FOLD}::warning file=evil.py::x at " in stderr  # one line, the id shown
    for name, text in (("stdout", stdout), ("stderr", stderr)):
        assert _commands(text, github=fmt == "github" and name == "stdout") == [], name
        if fmt == "markdown":
            text = text.replace("@\u200b", "@")  # the zero-width space that stops a mention is ours
        if fmt == "html":
            text = re.sub(r"<svg\b.*?</svg>", "", text, flags=re.DOTALL)  # matplotlib's paths, not text
        assert not RAW_CONTROL.findall(text.replace("\n", "")), name
    if fmt == "github":
        annotations = [line for line in stdout.splitlines() if line.startswith("::")]
        assert annotations and all(OWN_ANNOTATION.match(line) for line in annotations)
        # the file property keeps the runner's escaping: the newline is %0A, the colons %3A
        assert any("file=stack/specs/evil%0A" in line and "%3A" in line for line in annotations)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_json_and_sarif_stay_faithful(hostile, fmt):
    run = _machaudit("audit", str(hostile), "-f", fmt, cwd=hostile.parent)
    assert run.returncode == 1, run.stderr.decode()
    text = run.stdout.decode("utf-8")
    data = json.loads(text)
    strings = list(_strings(data))
    assert any(TITLE in s for s in strings)  # the title exactly, escape sequences and all
    assert any(PATH_KEY in s for s in strings)
    assert any(SPEC_NAME in s for s in strings)
    assert _commands(text, github=False) == []  # JSON strings never break a line


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_terminal_on_a_pty_has_only_our_colour_codes(hostile):
    """On a real terminal with colour: the only escape sequences are machaudit's SGR codes, and the
    few its progress display on stderr (a terminal too) moves the cursor with."""
    leader, follower = pty.openpty()
    env = {**os.environ, "GITHUB_ACTIONS": "true", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "machaudit", "audit", str(hostile), "-f", "terminal", "--color", "always"],
                            stdin=follower, stdout=follower, stderr=follower, cwd=hostile.parent, env=env)
    os.close(follower)
    output = bytearray()
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            proc.kill()
            pytest.fail("machaudit wrote nothing for two minutes")
        try:
            piece = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not piece:
            break
        output += piece
    os.close(leader)
    assert proc.wait(timeout=60) == 1
    text = output.decode("utf-8")
    assert "\\x1b]0;pwned\\x07" in text  # the hostile title is there, shown
    assert re.search(r"\x1b\[[0-9;]*m", text)  # colour was on
    without_colour = re.sub(r"\x1b\[(?:[0-9;]*m|\?25[lh]|2K|[0-9]*A)", "", text)
    assert "\x1b" not in without_colour
    # the pty ends lines with \r\n and the progress display returns with \r: both line ends here
    # (the runs on pipes above show that no \r comes from the inputs)
    lines = re.split(r"\r\n|\r|\n", without_colour)
    assert not RAW_CONTROL.findall("".join(lines))
    assert _commands("\n".join(lines), github=False) == []
    assert f"suppression of BLR005{FOLD}::warning file=evil.py::x at " in without_colour


# -- the touchpoint map: terminal table and figure ----------------------------------------------------

JOURNEY = {
    "journey": "b2b\x1b]0;pwned\x07",
    "channels": ["web\u202e", "app\n::error ::ch"],
    "stages": [{"name": "find\x1b[2J", "touchpoints": [
        {"name": "search\n::add-mask::x", "required": True,
         "cells": {"web\u202e": {"state": "self-service"}, "app\n::error ::ch": {"state": "missing"}}},
        {"name": "price $x$ and $\\frac{", "required": False,  # unbalanced mathtext: must stay text
         "cells": {"web\u202e": {"state": "phone-only"}, "app\n::error ::ch": {"state": "missing"}}},
    ]}],
}


def test_journey_table_shows_hostile_names_inert():
    from machaudit.formatters.journey_table import render

    text = render(JOURNEY, color=False)
    assert "\\x1b]0;pwned\\x07" in text and "\\u202e" in text
    assert not RAW_CONTROL.findall(text.replace("\n", ""))
    assert _commands(text, github=False) == []


def test_journey_figure_draws_hostile_names_as_text():
    from machaudit.formatters.figures import journey_heatmap

    svg = journey_heatmap(JOURNEY, "svg").decode("utf-8")
    # matplotlib keeps each drawn text in a comment: the names are there, shown, dollars and all
    assert "price $x$ and $\\frac{" in svg
    assert "search \u23ce ::add-mask::x" in svg and "\\x1b]0;pwned\\x07" in svg
    assert not RAW_CONTROL.findall(svg.replace("\n", ""))
