"""YAML values are built straight from libyaml's events where PyYAML's node tree is not needed, and
by PyYAML everywhere else: both ways must agree on every document, tricky or real."""

import pytest

from machaudit.sources import documents
from machaudit.sources.documents import DocumentError, parse_document
from machaudit.limits import Limits
from tests.conftest import CORPUS

SPEC = """openapi: 3.0.3
info: {title: Orders, version: "1.0"}
paths:
  /orders/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 1.5e+3}}
      responses:
        200:
          description: |
            The order.
        '404': {description: "not \\u00e9 found"}
"""

# Documents with what YAML 1.1 reads in its own way (yes, 0777, 10:05), keys that are not strings,
# what the fast way leaves to PyYAML (aliases, tags, merge keys, several documents) and errors.
TRICKY = [
    "a: yes", "a: No", "a: on", "a: OFF", "a: y", "NO: country", "a: 'NO'", "a: [\"no\", 'yes', on]",
    "a: 0777", "a: 012", "a: 09", "a: 0o17", "a: 0x1F", "a: 0b101", "a: 0b33e9c66e", "a: 1_000", "a: +12",
    "a: 1e3", "a: 1.0e5", "a: 1.0e+5", "a: -9.8e-5", "a: +.5", "a: .5", "a: 1.", "a: .nan", "a: -.inf",
    "a: 10:05", "a: 190:20:30", "a: =", "a: ~", "a:", "a: null", "a: 2024-01-05", "a: 2024-01-05T10:00:00Z",
    "200: x", "true: x", "1.5: x", "null: x", "? [a, b]\n: c",
    "a: !!str 12", "a: !!binary aGVsbG8=", "a: !custom x",
    "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2", "a: &x 1\nb: *x",
    "a: 1\na: 2", "a: {b: 1, b: 2}", "a: 'x'\n---\nb: 2", "%YAML 1.1\n---\na: 1", "---\na: 1\n", "a: 1\n...\n",
    "a: |\n  x\n  y", "a: >-\n  x\n  y\n", "a: |+\n  x\n\n", "\ufeffa: 1", "a:\tb", "a: [1, 2",
    "a: \"\\x41\\u00e9\\U0001F600\\ud83d\\ude00\"", "a: 'it''s'", "a: b\r\nc: d\r\n", "a: b  # comment\n",
    "- 1\n- [2, {c: 3}]\n", "key with spaces: value with: colon", "a: \"multi\n  line\"", "a: plain\n  continued\n",
]


def _both_ways(text, monkeypatch):
    def read():
        try:
            return repr(parse_document(text, "doc.yaml"))
        except DocumentError as exc:
            return f"error: {exc.message} at {exc.line}"

    fast = read()
    with monkeypatch.context() as m:
        m.setattr(documents, "_parse_yaml_fast", lambda text, limits: documents._NOT_FAST)
        plain = read()
    return fast, plain


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_documents_read_as_pyyaml_reads_them(text, monkeypatch):
    fast, plain = _both_ways(text, monkeypatch)
    assert fast == plain


def test_a_plain_spec_takes_the_fast_path(monkeypatch):
    assert documents._parse_yaml_fast(SPEC, Limits()) is not documents._NOT_FAST
    fast, plain = _both_ways(SPEC, monkeypatch)
    assert fast == plain
    assert "'200'" in fast  # the unquoted response code became a string key, as `_normalise` makes it


@pytest.mark.parametrize("text", ["a: &x 1\nb: *x", "a: !!str 1", "c:\n  <<: {x: 1}", "? [a]\n: b", "a: 1\n---\nb: 2", "a: [1"])
def test_what_the_fast_way_leaves_alone_takes_the_pyyaml_path(text):
    assert documents._parse_yaml_fast(text, Limits()) is documents._NOT_FAST


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the repository")
@pytest.mark.slow
def test_every_yaml_file_of_the_corpus_reads_the_same_both_ways(monkeypatch):
    files = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    assert len(files) > 1000
    different, fast_used = [], 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        fast_used += documents._parse_yaml_fast(text, Limits()) is not documents._NOT_FAST
        fast, plain = _both_ways(text, monkeypatch)
        if fast != plain:
            different.append(str(path))
    assert different == []
    assert fast_used > len(files) * 0.8  # the fast path is the usual one, not a rarity


@pytest.mark.parametrize("text, limits, message", [
    ("a: [1, 2, 3, 4, 5, 6]\n", Limits(max_nodes=6), "expands to more than 6 values"),
    ("a: {b: {c: {d: 1}}}\n", Limits(max_depth=3), "nesting deeper than 3 levels"),
])
def test_the_bounds_hold_on_the_fast_way_too(text, limits, message):
    with pytest.raises(DocumentError) as error:
        parse_document(text, "doc.yaml", limits)
    assert message in error.value.message
    assert parse_document(text, "doc.yaml") is not None  # within the default bounds it reads
