"""Where a JSON pointer is in block-style YAML, read from the lines and their indentation.

Finding lines through libyaml's events is a pass over every token of a file for the few
pointers a report carries. Specs are mostly block YAML as dumpers write it,
where a key's children are the lines indented under it, so a pointer can be followed down those
lines, indexing only the blocks on its way, once each. Whatever this cannot be sure of answers
UNSURE and the event pass decides: flow collections or quoted scalars continued on lines not
indented under their entry (libyaml takes continuation lines at any indentation), anchors,
aliases, merge keys, tags, tabs, several documents. tests/test_block_yaml.py compares both ways on
every YAML file of the corpus.
"""

from __future__ import annotations

import functools
import re
from typing import Any

UNSURE: Any = object()

# Where a value may go over several lines, after a key's colon, a dash or a `?`, on the same line
# or the next (maybe behind an anchor, a tag or a comment): a block scalar, a quoted scalar not
# closed on its line, or a flow collection. Each pattern starts with one literal character, which
# the regex engine scans for quickly: milliseconds on megabytes.
_PROPERTIES = r"(?:[&!]\S*+[ \t]*+)*+"
_OPENING = (r"(?:[ \t]++" + _PROPERTIES + r"|[ \t]*+" + _PROPERTIES + r"(?:#[^\n]*+)?\r?\n[ \t]*+" + _PROPERTIES + ")"
            r"""(?P<at>[|>\[{]|"(?:[^"\\\r\n]|\\.)*+\\?(?=\r?\n)|'(?:[^'\r\n]|'')*+(?=\r?\n))""")
_OPENINGS = [re.compile(indicator + _OPENING) for indicator in (":", "-", r"\?")]
_BLOCK_SCALAR_HEADER = re.compile(r"[|>][0-9+-]*[ \t]*(?:#[^\n]*)?(?=\r?\n)")
_SPAN_TOKEN = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[\[\]{}]""", re.S)  # `\` may escape a line break
_INDENT_AND_DASHES = re.compile(r"( *)((?:-[ \t]+)*)")
_LEADING_MARKER = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*---[ \t]*\r?\n")

# A simple key at the start of an entry: single-quoted, double-quoted without escapes, or plain
# (not starting with an indicator, ending at the first ": ").
_KEY = re.compile(
    r"""(?:'((?:[^'\r\n]|'')*)'|"([^"\\\r\n]*)"|([^\s'"\[\]{}#&*!|>%@`,?:-][^\r\n]*?|[?:-][^\s][^\r\n]*?))"""
    r"[ \t]*:(?:[ \t]+|(?=\r?$))",
    re.M,
)
_DASH = re.compile(r"-(?:[ \t]+|(?=\r?$))", re.M)
_CONTENT = re.compile(r"\n( *)(?=[^ \r\n#])")  # the next line that is not blank or a comment
_REST = re.compile(r"[^\r\n]*")


@functools.cache
def _line_at_most(col: int) -> re.Pattern:
    """The next content line indented by at most `col` spaces."""
    return re.compile(r"\n( {0,%d})(?=[^ \r\n#])" % col)


def is_block_yaml(text: str) -> bool:
    """Whether lines and indentation map this text's structure reliably (see the module doc).

    Quoted scalars and flow collections may go over several lines (dumpers wrap long descriptions):
    that is fine when every line they continue on is indented deeper than their parent entry,
    where no block is looked for. The content of block scalars (`|`, `>`) is text, whatever it
    looks like, and is skipped."""
    leading = _LEADING_MARKER.match(text)
    text = "\n" + text[leading.end() if leading else 0:] + "\n"
    if "\t" in text or "\n%" in text or "\n---" in text or "\n..." in text or any(
            odd in text for odd in "\x85\u2028\u2029\ufeff"):
        return False  # tabs, directives, several documents, unusual line breaks
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return False
    skip_until = 0
    for at in sorted(m.start("at") for pattern in _OPENINGS for m in pattern.finditer(text)):
        if at < skip_until:
            continue  # inside a block scalar or a span already checked
        if text[at] in "|>":
            header = _BLOCK_SCALAR_HEADER.match(text, at)
            if header is not None:
                content_end = _line_at_most(_parent_column(text, at)).search(text, header.end())
                skip_until = content_end.start() if content_end else len(text)
            continue
        end = _flow_end(text, at) if text[at] in "[{" else _SPAN_TOKEN.match(text, at)
        end = end.end() if isinstance(end, re.Match) else end
        if end is None or not _continued_under_entry(text, at, end):
            return False
        skip_until = end
    return True


def _parent_column(text: str, at: int) -> int:
    """The column the lines of a value starting at `at` must be indented deeper than: its key's,
    its item's dash's or, for a value on a line of its own, that of a key indented less."""
    line_start = text.rfind("\n", 0, at) + 1
    spaces, dashes = _INDENT_AND_DASHES.match(text, line_start).groups()
    entry_column = len(spaces) + len(dashes)
    if at - line_start > entry_column:
        return entry_column  # after a key on the line
    if dashes:
        return len(spaces) + dashes.rstrip().rfind("-")
    return len(spaces) - 1


def _flow_end(text: str, start: int) -> int | None:
    depth = 0
    for token in _SPAN_TOKEN.finditer(text, start):
        if token.group() in ("[", "{"):
            depth += 1
        elif token.group() in ("]", "}"):
            depth -= 1
            if depth == 0:
                return token.end()
    return None


def _continued_under_entry(text: str, start: int, end: int) -> bool:
    """Whether the lines a quoted scalar or flow collection (from `start` to `end`) continues on are
    blank, indented deeper than its parent (`_parent_column`), or at the parent's column but no
    entry to look at (a closing `}`, words without a colon), which a block scan takes as UNSURE."""
    first_break = text.find("\n", start, end)
    if first_break < 0:
        return True  # on one line
    deeper_than = _parent_column(text, start)
    at = first_break + 1
    for line in text[at:end].split("\n"):
        content = line.lstrip(" ")
        indent = len(line) - len(content)
        if content.strip() and indent <= deeper_than:
            if indent < deeper_than or _KEY.match(text, at + indent) or _DASH.match(text, at + indent):
                return False
        at += len(line) + 1
    return True


class BlockOffsets:
    """Offsets of the keys and items of a block YAML text, found along the pointers asked for."""

    def __init__(self, text: str):
        self._text = text
        self._blocks: dict[tuple[int, int], Any] = {}
        leading = _LEADING_MARKER.match(text)
        first = _CONTENT.search("\n" + text, leading.end() if leading else 0)
        self._root = (first.end() - 1, len(first.group(1))) if first else None

    def offset(self, parts: list[str], exact: bool = False) -> int | None:
        """Offset of the pointer's key or item, or of its deepest existing ancestor (None with
        `exact`); UNSURE when the lines cannot tell."""
        if not parts or self._root is None:
            return UNSURE
        block, found = self._root, None
        for part in parts:
            if block is None:
                return None if exact else found  # a scalar or null value: nothing below it
            if block is UNSURE:
                return UNSURE
            index = self._index(*block)
            if index is UNSURE:
                return UNSURE
            entries, merges = index
            entry = entries.get(part)
            if entry is None:
                if merges or found is None:
                    return UNSURE  # a merged key, or an absent first key (the event pass says the root)
                return None if exact else found
            found, block = entry
            if found is UNSURE:
                return UNSURE
            if type(block) is int:  # where the value starts, not yet looked at
                block = self._value_block(block, self._column(found))
        return found

    def _column(self, offset: int) -> int:
        return offset - self._text.rfind("\n", 0, offset) - 1

    def _index(self, start: int, col: int) -> Any:
        """Entries of the block whose first entry starts at `start`, in column `col`: key or item
        number -> (offset, where its value starts), plus whether there are merge keys."""
        found = self._blocks.get((start, col))
        if found is None:
            found = self._blocks[(start, col)] = self._read_block(start, col)
        return found

    def _read_block(self, start: int, col: int) -> Any:
        text = self._text
        sequence = _DASH.match(text, start) is not None
        entries: dict[str, tuple[int, Any]] = {}
        merges = False
        at, after_lines = start, _line_at_most(col)
        while True:
            if sequence:
                dash = _DASH.match(text, at)
                if dash is None:
                    break  # a key at the sequence's column: the end of a compact sequence
                entries[str(len(entries))] = self._item(dash.end())
            elif _DASH.match(text, at) is None:  # dashes at a mapping's column: a compact sequence
                key = _KEY.match(text, at)
                if key is None:
                    return UNSURE
                name = key.group(3)
                if name is None:
                    name = key.group(2) if key.group(1) is None else key.group(1).replace("''", "'")
                elif " #" in name:
                    return UNSURE
                merges = merges or (name == "<<" and key.group(3) is not None)
                entries[name] = (at, key.end())
            following = after_lines.search(text, at)
            if following is None or len(following.group(1)) < col:
                break
            at = following.end()
        return entries, merges

    def _item(self, content: int) -> tuple[int, Any]:
        """A sequence item whose node starts at `content` (after the dash)."""
        text = self._text
        if content >= len(text) or text[content] in "\r\n#":
            return UNSURE, UNSURE  # the item's node starts on a later line
        col = self._column(content)
        if _DASH.match(text, content) or _KEY.match(text, content):
            return content, (content, col)
        if text[content] in "&*![{?%@`":
            return content, UNSURE
        return content, None  # a scalar

    def _value_block(self, value: int, key_col: int) -> Any:
        """The block holding a key's value, None for a scalar or null, UNSURE when not plain."""
        text = self._text
        rest = _REST.match(text, value).group().strip()
        if rest and not rest.startswith("#"):
            return UNSURE if rest[0] in "&*![{" else None
        following = _CONTENT.search(text, value)
        if following is None:
            return None
        indent, start = len(following.group(1)), following.end()
        if indent > key_col or (indent == key_col and _DASH.match(text, start)):
            return start, indent
        return None
