"""Lines of findings in block YAML are read from the text's lines and indentation where those tell
(block_yaml.py) and from libyaml's events everywhere else: both must give the same line and column
for every pointer, in tricky documents and in every YAML file of the corpus."""

from __future__ import annotations

import pytest

from machaudit.sources.block_yaml import UNSURE, BlockOffsets, is_block_yaml
from machaudit.sources.documents import DocumentError, LineIndex, _join, _yaml_positions, parse_document
from tests.conftest import CORPUS

# A spec as dumpers write it: long values wrapped onto lines indented under their key, block
# scalars whose text looks like YAML, compact sequences, quoted keys, comments, a leading `---`.
WRAPPED = """---
# a comment before the root
paths:
  "/v1/charges/{charge}":
    get:
      description: 'An email address associated with the account. You can treat
        this as metadata: it is not used for authentication.'
      summary: Retrieve a charge; the text goes on
        on the next line
      parameters:
      - in: path
        name: charge
        schema: {type: string, enum: [a,
            b]}
      - "$ref": "#/components/parameters/expand"
      responses:
        '200':
          description: |-
            A text that looks like YAML:
            - [Afterpay's terms](/legal)
            x: "unclosed
          content: {}
        200: {description: duplicate as a plain key}
tags:
- name: charges
  description: >
    folded
# trailing comment
"""

# Where lines and indentation do not tell (continuation lines at any indentation, aliases, merge
# keys, tags, several documents, tabs) or YAML read in its own ways (compact sequences, duplicate
# keys, CRLF, quoted keys).
TRICKY = [
    'a:\n  b: "foo\nbar: baz"\n  c: 1\n', "a:\n  b: 'foo\nbar: baz'\n  c: 1\n", 'a:\n  b: [1,\n2]\n  c: 1\n',
    'a:\n  b: {x: 1,\nz: 2}\n  c: 1\n', 'a:\n  b: "foo\n   bar"\n  c: 1\n', 'a:\n  b:\n    "foo\n  bar"\n  c: 1\n',
    'a:\n  - "foo\n bar"\n  - c: 1\n', 'a:\n  - x: "foo\n   bar"\n    y: 2\n', 'a:\n  - x: "foo\n   y: 3"\n    y: 2\n',
    'a:\n  b: &x\n    c: 1\n  d: *x\n', 'base: &b\n  x: 1\nc:\n  <<: *b\n  y: 2\n', 'a: &anc\n  b: 1\nc: *anc\n',
    'a:\n- 1\n- b: 2\n  c: 3\n- - 4\n  - 5\nd: 6\n', '# c\n---\na: 1 # x\n# y\nb:\n  # z\n  c: 2\n',
    'a: b\r\nc:\r\n  d: e\r\n', "'a''b': 1\n\"c d\": 2\n'200':\n  x: 1\n200: 3\n", 'a: 1\na:\n  b: 2\n',
    'a: |\n  b: 1\n  c: [\nd: 2\n', 'a: >-\n  - [x\n  y\ne: 3\n', 'a:\n  b: |\n    "open\n  c: 4\n', 'a: !!map\n  b: 1\n',
    'a:\n    b: 1\n    c:\n    - d\n    -   e: 1\n        f: 2\n', 'a:\n  -\n    b: 1\n', 'a:\n  - # c\n    b: 1\n',
    'x: "a\\"b\n  c"\ny: 1\n', 'x: [a, "b]\n  c", d]\ny: 1\n', 'x:\n  y: 1\n...\n', 'a:\n  b: c # d: e\n  f: g\n',
    'a:\n  "b\\tc": 1\n  d: 2\n', 'a: {b: 1}\nc: [1, {d: 2}]\n', '- a: 1\n- b:\n  - c\n', '  a: 1\n  b:\n    c: 2\n',
    'a:\n  b: plain\n   continued\n  c: 1\n', "a:\n  'b':\n    - 'c\n      d'\n    - e\n", 'a: "x\n\n  y"\nb: 1\n',
    'a:\n  b: [\n    1, 2\n  ]\n  c: 3\n', 'a:\n  b: [\n    1, 2\n ]\n  c: 3\n', 'a:\n  b:\n  - [\n  1]\n  c: 3\n',
    'a:\n  b: 1\n\n\n  c:\n\n    d: 2\n', 'k: "v"  # trailing\nm: 1\n', '"a": {"b": 1,\n"c": 2}\n',
    'a:\n  b: 1\n  b: 2\n  c:\n    d: 1\n  c: 3\n', '%YAML 1.1\n---\na: 1\n', 'a:\n  b: 1\n  c: ~\n',
    # Continuations at their key's column: a closing bracket, words without a colon, an escaped break.
    'a:\n  b: {\n    c: 1\n  }\n  d: 2\n', 'a:\n  b: "some words\n  more words"\n  d: 2\n',
    'a:\n  - $ref: "#/x/Obj\\\n      ect"\n  - c: 1\n', 'a:\n  b: [\n    1,\n  ]\n  c:\n    d: 1\n',
]


def _pointers(data, limit: int = 400) -> list[list[str]]:
    """Every key and item of a document (evenly sampled beyond `limit`), plus pointers below some
    of them that do not exist (which locate at their deepest existing ancestor)."""
    found, stack = [], [(data, [])]
    while stack:
        node, parts = stack.pop()
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in children:
            found.append(parts + [str(key)])
            if isinstance(value, (dict, list)):
                stack.append((value, parts + [str(key)]))
    if len(found) > limit:
        found = [found[int(i * len(found) / limit)] for i in range(limit)]
    return found + [p + ["missing"] for p in found[::7]] + [p + ["missing", "deeper"] for p in found[::13]]


def _by_events(positions, parts):
    while True:
        found = positions.get(_join(parts))
        if found is not None or not parts:
            return found
        parts = parts[:-1]


def _compare(text: str) -> tuple[list, int]:
    """(pointers located differently from the event pass, how many the lines located)."""
    positions, lines = _yaml_positions(text, False), BlockOffsets(text)
    block = is_block_yaml(text)
    different, sure = [], 0
    for parts in _pointers(parse_document(text, "doc.yaml")):
        offset = lines.offset(parts) if block else UNSURE
        if offset is UNSURE:
            continue
        sure += 1
        at = (text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset))
        if at != _by_events(positions, parts):
            different.append((parts, at, _by_events(positions, parts)))
    return different, sure


def test_a_wrapped_spec_is_located_from_its_lines_as_the_events_locate_it():
    assert is_block_yaml(WRAPPED)
    different, sure = _compare(WRAPPED)
    assert different == []
    assert sure >= 23  # all but the 6 inside flow collections ({...}, [...])


def test_the_lines_answer_where_they_can_and_say_so_where_they_cannot():
    lines = BlockOffsets(WRAPPED)
    at = lines.offset(["paths", "/v1/charges/{charge}", "get", "responses", "200"])
    assert WRAPPED[at:].startswith("200: {description")  # a duplicate key: the last one, as parsed
    missing = lines.offset(["paths", "/v1/charges/{charge}", "get", "security"])
    assert WRAPPED[missing:].startswith("get:")  # absent: its deepest existing ancestor
    assert lines.offset(["paths", "/v1/charges/{charge}", "get", "parameters", "0", "schema", "enum"]) is UNSURE


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_documents_are_located_as_the_events_locate_them(text):
    try:
        parse_document(text, "doc.yaml")
    except DocumentError:
        pytest.skip("not a document libyaml reads")
    assert _compare(text)[0] == []


@pytest.mark.parametrize("text", [
    'a:\n  b: "foo\nbar: baz"\n  c: 1\n', 'a:\n  b: [1,\n2]\n  c: 1\n', 'a:\n  b: "x\ty"\n', 'a: 1\n---\nb: 2\n',
    'a:\n  b: |\n    x\n  c: "open\nd: 1"\n', 'a:\n  b: "words\n  c: like a key"\n  d: 2\n',
])
def test_continuations_at_any_indentation_tabs_and_streams_are_not_read_from_lines(text):
    assert not is_block_yaml(text)


def test_line_index_takes_the_event_pass_where_the_lines_do_not_tell():
    text = "a:\n  b: 1\nbase: &b\n  x: 1\nc:\n  <<: *b\n  y: 2\n"
    index = LineIndex(text, "doc.yaml")
    assert index.position("/a/b") == (2, 3)
    assert index.position("/c/x") == (5, 1)  # a merged key: at the mapping it is merged into, by the events
    assert index.position("/c/y") == (7, 3)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the repository")
@pytest.mark.slow
def test_every_yaml_file_of_the_corpus_is_located_the_same_both_ways():
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    assert len(files) > 1000
    different, block, read = {}, 0, 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
            parse_document(text, path.name)
        except (UnicodeDecodeError, OSError, DocumentError):
            continue
        read += 1
        block += is_block_yaml(text)
        wrong, _ = _compare(text)
        if wrong:
            different[str(path)] = wrong[:3]
    assert different == {}
    assert block > read * 0.9  # the lines are the usual way, not a rarity
