"""One large YAML spec is parsed in two parts by two processes (halves.py): put together, the parts
must be the document one parse of the whole text gives (same values, same key order), or the cut
must not be used at all."""

from __future__ import annotations

import pytest

from machaudit.sources.documents import DocumentError, Limits, parse_document
from machaudit.sources.halves import cut, join, parse_half
from tests.conftest import CORPUS


def _entries(count: int, indent: str = "  ") -> str:
    return "".join(f"{indent}/orders{i}:\n{indent}  get: {{summary: 'Order {i}'}}\n" for i in range(count))


SPEC = "---\nopenapi: 3.0.3\ninfo: {title: Orders, version: '1'}\npaths:\n" + _entries(200) + "tags:\n- name: orders\n"


def _spanning(opening: str, closing: str, indent: str = "  ") -> str:
    """A spec with one value going on over the lines around 70 % of it (where the cut is sought),
    which look like entries of `paths` but are not: libyaml takes them at any indentation."""
    comma = "," if opening in "[{" else ""
    inside = "".join(f"{indent}/fake{i}: line {i}{comma}\n" for i in range(80))
    return ("openapi: 3.0.3\npaths:\n" + _entries(120) + f"  /spanning: {opening}start{comma}\n" + inside
            + f"  end{closing}\n" + _entries(50).replace("/orders", "/more"))


SPANNING = [_spanning('"', '"'), _spanning("'", "'"), _spanning("[", "]"), _spanning("{", "}"), _spanning('"', '"', "")]

# Cuts where lines at an entry's column are not entries, keys met again, keys that are not strings.
TRICKY = SPANNING + [
    SPEC,
    SPEC + "paths:\n  /again: {get: {summary: replaces the mapping}}\n",
    SPEC.replace("  /orders150:\n", "  /orders3:\n"),  # a key met again after the cut: later value, first place
    SPEC.replace("  /orders150:\n", "  200:\n"),
    "openapi: 3.0.3\n" + "".join(f"x-key{i}: {'v' * 40}\n" for i in range(400)),
    "paths:\n" + _entries(200, "    "),
    "paths:\n  # a comment\n\n" + _entries(200),
    "paths:\n" + _entries(100) + "  /list:\n  - a\n  - b\n" + _entries(100).replace("/orders", "/more"),
    "a: &anchor\n  b: 1\n" + "paths:\n" + _entries(200) + "c: *anchor\n",
]


def _read_both_ways(text: str, min_chars: int = 1000):
    """(the whole text parsed, the parts joined or None when the cut is not usable)."""
    whole = parse_document(text, "spec.yaml")
    halves = cut(text, min_chars=min_chars)
    if halves is None:
        return whole, None
    first, second = parse_half(halves.first, Limits()), parse_half(halves.second, Limits())
    if first is None or second is None:
        return whole, None
    return whole, join(first, second, halves.continues)


@pytest.mark.parametrize("text", TRICKY)
def test_parts_put_together_are_the_document_or_are_not_used(text):
    try:
        whole, joined = _read_both_ways(text)
    except DocumentError:
        pytest.skip("not a document libyaml reads")
    assert joined is None or repr(joined) == repr(whole)


def test_a_spec_is_cut_inside_its_largest_mapping_and_put_together():
    halves = cut(SPEC, min_chars=1000)
    assert halves is not None and halves.continues and halves.second.startswith("paths:\n  /orders")
    assert abs(len(halves.first) / len(SPEC) - 0.7) < 0.05
    whole, joined = _read_both_ways(SPEC)
    assert repr(joined) == repr(whole)
    assert list(joined["paths"])[-1] == "/orders199" and list(joined) == ["openapi", "info", "paths", "tags"]


@pytest.mark.parametrize("text", SPANNING)
def test_a_cut_inside_a_quoted_value_or_a_flow_collection_is_not_used(text):
    halves = cut(text, min_chars=1000)
    assert halves is not None and "/fake" in halves.second.split("\n", 2)[1]  # cut inside the value
    assert parse_half(halves.first, Limits()) is None  # the first part ends inside it: not used


def test_short_texts_json_and_flow_documents_are_not_cut():
    assert cut(SPEC) is None  # under MIN_CHARS
    assert cut('{"openapi": "3.0.3", "paths": {}}' + " " * 2000, min_chars=1000) is None
    assert cut("[" + "1, " * 1000 + "2]", min_chars=1000) is None


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the repository")
@pytest.mark.slow
def test_every_yaml_file_of_the_corpus_put_together_from_parts_reads_as_one_parse():
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    different, joined_count = [], 0
    for path in files:
        try:
            whole, joined = _read_both_ways(path.read_text(encoding="utf-8"), min_chars=500)
        except (UnicodeDecodeError, OSError, DocumentError):
            continue
        if joined is not None:
            joined_count += 1
            if repr(joined) != repr(whole):
                different.append(str(path))
    assert different == []
    assert joined_count > 1000  # cut and put together is the usual case, not a rarity
