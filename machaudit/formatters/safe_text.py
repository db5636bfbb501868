"""Untrusted text made safe to show: one module every human-facing output goes through.

Spec text (titles, descriptions, path keys, operation ids), catalog fields, file names and config
values reach findings' subjects, messages and locations. A pull request from a stranger can put
anything there; shown raw, it could drive the reader's terminal (escape sequences), hide or reorder
what is shown (bidi overrides, invisible characters) or, in a CI log, issue GitHub Actions workflow
commands (a line starting `::`, or `##[` anywhere in a line). `plain` makes one value into one
harmless line of text; the formats build on it:

- Controls, invisible format characters and lone surrogates are *shown*, never passed through or
  silently dropped, in Python's escape notation: `\\x1b` for ESC, `\\x9b` for the C1 CSI, `\\x7f` for
  DEL, `\\u202e` for RIGHT-TO-LEFT OVERRIDE, `\\udc80` for a lone surrogate (so the result always
  encodes as UTF-8), `\\U000e0041` beyond the BMP. Characters shown this way: every Cc (C0, DEL,
  C1), every Cf (bidi controls, zero-width characters, BOM, soft hyphen, tag characters), every Cs,
  and the noncharacters U+FFFE and U+FFFF. A backslash already in the text is left as it is: the
  notation is for a human reader; JSON and SARIF carry the exact text.
- Line breaks inside one value (LF, CR, CRLF, VT, FF, NEL, U+2028, U+2029), with the spaces around
  them, fold into one visible ` ⏎ ` (at the start or end of the value they are dropped); a tab is
  a space. A value never spans two lines of output; only where a format shows a multi-line value
  as such (`plain(text, lines=True)`: an annotation's message, a traceback) are breaks kept, as
  `\\n`, each line made inert on its own.
- Workflow commands: a value whose first non-blank characters are `::` shows its first colon as
  `\\x3a`, and every `##[` shows as `##\\x5b`, so neither the modern nor the legacy command syntax of
  the Actions runner can come out of untrusted text, wherever the value lands on a line.

JSON and SARIF are data, not display: `plain` is not for them. They keep every text exactly, but a
JSON report printed in a CI log or a terminal must not act either: `json_inert` writes what JSON
encoders leave raw (DEL, C1 controls, bidi, zero-width and tag characters, U+2028/U+2029, and the
`[` of `##[`) as JSON escapes (`\\u009b`, `\\u202e`, `##\\u005b`), which parse back to the same text.
"""

from __future__ import annotations

import re
import unicodedata

FOLD = " \u23ce "  # ⏎
_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
_BREAKS = re.compile(rf"(?:[ \t]*(?:{_BREAK.pattern})[ \t]*)+")  # a run of them, with the blanks around
_LEGACY_COMMAND = "##["
_NONCHARACTERS = {"\ufffe", "\uffff"}


def _shown(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _needs_showing(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Cs") or char in _NONCHARACTERS


def plain(text: object, lines: bool = False) -> str:
    """One value from the inputs as one line of inert text (see the module docstring).

    lines=True: for a format that shows a multi-line value as such (an annotation's message, a
    traceback): each line break is kept as `\\n`, and each line is made inert as a value would be."""
    value = "" if text is None else str(text)
    if value.isascii() and value.isprintable() and "##[" not in value and not value.lstrip().startswith("::"):
        return value  # the usual case: nothing to do
    if lines:
        return "\n".join(_inert(line) for line in _BREAK.split(value))
    # A run of breaks is one ⏎; at either end (a YAML block scalar's last newline) it is dropped.
    return _inert(_BREAKS.sub(lambda m: "" if m.start() == 0 or m.end() == len(value) else FOLD, value))


def _inert(line: str) -> str:
    """A line without breaks: controls and format characters shown, no workflow command in it."""
    line = "".join(" " if char == "\t" else _shown(char) if _needs_showing(char) else char for char in line)
    line = line.replace(_LEGACY_COMMAND, "##\\x5b")
    stripped = line.lstrip()
    if stripped.startswith("::"):
        line = line[: len(line) - len(stripped)] + "\\x3a" + stripped[1:]
    return line


def markup(text: object) -> str:
    """A value for rich console markup: `plain`, then rich's own escape, so `[bold]` in a spec is text."""
    from rich.markup import escape

    return escape(plain(text))


# In UTF-8 JSON these bytes can only be inside strings (the rest of JSON is ASCII), and no
# multi-byte sequence is matched from its middle (the first bytes here never continue one).
_JSON_RAW = re.compile(
    rb"##\[|\x7f|\xc2[\x80-\x9f\xad]|\xd8\x9c|\xe1\xa0\x8e|\xe2\x80[\x8b-\x8f\xa8-\xae]|\xe2\x81[\xa0-\xaf]"
    rb"|\xef\xbb\xbf|\xef\xbf[\xb9-\xbb]|\xf3\xa0[\x80\x81][\x80-\xbf]"
)


def _json_escape(match: re.Match) -> bytes:
    if match.group() == b"##[":
        return b"##\\u005b"
    text = match.group().decode("utf-8").encode("utf-16-be")  # beyond the BMP: a surrogate pair
    return b"".join(b"\\u%04x" % int.from_bytes(text[i:i + 2], "big") for i in range(0, len(text), 2))


def json_inert(data: bytes) -> bytes:
    """UTF-8 JSON text with nothing in it that a terminal or the Actions runner would act on
    (see the module docstring); it parses to the same data."""
    return _JSON_RAW.sub(_json_escape, data)
