"""Parsing one large block YAML text in two parts ("halves", of unequal size), one in each of two
processes.

A CI job that audits its one large spec waits for it to be parsed twice over: by the audit, and by
the validator process, which needs it too. Cut in two at an entry, each process parses one part
and hands it to the other (marshalled), which puts the two together.

The cut is at a line that starts an entry of the root mapping (column 0) or of the mapping held by
one root key (its first child's column): lines there are entries unless a quoted scalar or a flow
collection goes on over them, and then the first half does not parse. The second half repeats the
root key above the cut, so it reads as the same mapping continued. Whatever does not parse the
fast way (`documents._parse_yaml_fast`) or does not fit together is parsed whole, as before; the
halves put together are the document PyYAML reads (tests/test_halves.py, on the corpus).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from typing import Any

from machaudit.sources.documents import Limits, _parse_yaml_fast

# Halves are worth it for texts this large, cut no further than this from where it is wanted.
MIN_CHARS = 500_000
MAX_IMBALANCE = 0.2
# The audit's process takes the larger part: the validator process has the validator to import
# (0.2 s) and the validation to do, the longest part of a run on one large spec; when the audit
# only validates (`machaudit validate`), it has little else to do.
FIRST_SHARE = 0.7
VALIDATING_SHARE = 0.9

_ROOT_ENTRY = re.compile(r"\n(?=[^ \t\r\n#%.-])")
_EMPTY_VALUE = re.compile(r"[^ \t\r\n#][^\r\n]*?:[ \t]*(?:#[^\r\n]*)?\r?\n")  # `key:` and nothing after it
_FIRST_CHILD = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*( +)(?=[^ \t\r\n#-])")


@dataclass(frozen=True)
class Halves:
    first: str
    second: str  # with the root key line it continues, if any, repeated on top
    continues: bool  # whether the second continues the mapping of the first's last root key


def cut(text: str, min_chars: int = MIN_CHARS, share: float = FIRST_SHARE) -> Halves | None:
    """Two parts of a block YAML text, cut at an entry near `share` of it; None when it has no
    such entry (JSON, a flow collection, a short text, one huge value)."""
    if len(text) < min_chars:
        return None
    target = int(len(text) * share)
    roots = [m.end() - 1 for m in _ROOT_ENTRY.finditer("\n" + text)]  # (offsets in text: "\n" added in front)
    if not roots:
        return None
    best = min(roots, key=lambda at: abs(at - target))
    halves = Halves(text[:best], text[best:], False)
    # The root entry holding the target may hold a mapping: its entries are nearer cuts.
    index = bisect.bisect_right(roots, target) - 1
    if index >= 0:
        start, end = roots[index], roots[index + 1] if index + 1 < len(roots) else len(text)
        head = _EMPTY_VALUE.match(text, start)
        child = head and _FIRST_CHILD.match(text, head.end())
        name = head and _root_key(text, start)
        if child and not any(_root_key(text, later) == name for later in roots[index + 1:]):
            # (a key met again further down replaces the whole mapping: not a continuation)
            entry = re.compile(r"\n%s(?=[^ \t\r\n#-])" % child.group(1))
            inner = [m.start() + 1 for m in entry.finditer(text, head.end(), end)]
            near = min(inner, key=lambda at: abs(at - target), default=None)
            if near is not None and abs(near - target) < abs(best - target):
                line = text[start:head.end()]
                halves = Halves(text[:near], line + text[near:], True)
    first = len(halves.first)
    if abs(first - target) > MAX_IMBALANCE * len(text):
        return None
    return halves


def _root_key(text: str, at: int) -> str:
    end = text.find("\n", at)
    return text[at:end if end >= 0 else len(text)].split(":", 1)[0].strip()


def parse_half(text: str, limits: Limits) -> Any:
    """A half parsed the fast way, within half the node limit (the two must stay within it); None
    when that cannot be done (the whole text is then parsed as usual, and words any error)."""
    try:
        data = _parse_yaml_fast(text, replace(limits, max_nodes=limits.max_nodes // 2))
    except RecursionError:
        return None
    return data if isinstance(data, dict) else None


def join(first: dict, second: dict, continues: bool) -> dict | None:
    """The first half's document with the second's entries after its own, as one parse of the
    whole text would have them (a key met again keeps its place and takes the later value); None
    when the halves do not fit."""
    if continues:
        key = next(iter(second), None)  # the root key repeated on top of the second half
        inner_first, inner_second = first.get(key), second.get(key)
        if not (isinstance(inner_first, dict) and isinstance(inner_second, dict)):
            return None
        inner_first.update(inner_second)
        first.update((k, v) for k, v in second.items() if k != key)
        return first
    first.update(second)
    return first
