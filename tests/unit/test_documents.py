"""Parsing bounds and line numbers for JSON pointers."""

import time

import pytest

from machaudit.sources.documents import DocumentError, LineIndex, parse_document, parse_documents
from machaudit.limits import Limits

YAML = """\
openapi: 3.0.3
info:
  title: Shop
  version: 2024-01-01
paths:
  /orders/{id}:
    get:
      responses:
        200:
          description: ok
"""

JSON = """{
  "openapi": "3.0.3",
  "paths": {
    "/orders/{id}": {
      "get": {"responses": {"200": {"description": "ok"}},
              "parameters": [{"name": "id"}, {"name": "x\\"y"}]}
    }
  }
}
"""


def test_yaml_keeps_dates_as_text_and_response_codes_as_strings():
    data = parse_document(YAML, "shop.yaml")
    assert data["info"]["version"] == "2024-01-01"
    assert list(data["paths"]["/orders/{id}"]["get"]["responses"]) == ["200"]


def test_yaml_pointer_lines():
    index = LineIndex(YAML, "shop.yaml")
    assert index.position("/paths/~1orders~1{id}/get") == (7, 5)
    assert index.position("/paths/~1orders~1{id}/get/responses/200/description") == (10, 11)
    # a pointer that does not exist lands on its deepest existing ancestor
    assert index.position("/paths/~1orders~1{id}/get/responses/404") == (8, 7)


def test_json_pointer_lines():
    index = LineIndex(JSON, "shop.json")
    assert index.position("/paths/~1orders~1{id}/get") == (5, 7)
    assert index.position("/paths/~1orders~1{id}/get/parameters/1/name") == (6, 47)
    assert index.position("/openapi") == (2, 3)


def test_multi_document_pointers_start_with_the_document_index():
    text = "kind: A\nmetadata: {name: a}\n---\nkind: B\nmetadata:\n  name: b\n"
    index = LineIndex(text, "catalog.yaml", multi=True)
    assert index.position("/1/metadata/name") == (6, 3)
    assert [line for _, line in parse_documents(text, "catalog.yaml")] == [1, 4]


def test_json_is_parsed_as_json_not_yaml():
    # Surrogate pairs are valid JSON; a YAML parser rejects or mangles them.
    data = parse_document('{"openapi": "3.1.0", "x": "\\ud83d\\ude00"}', "a.json")
    assert data["x"] == "\U0001F600"
    with pytest.raises(DocumentError) as error:
        parse_document('{"a": 1,}', "a.json")
    assert error.value.line == 1 and "JSON" in error.value.message


def test_yaml_error_has_position():
    with pytest.raises(DocumentError) as error:
        parse_document("openapi: 3.0.0\npaths:\n  /a: [\n", "a.yaml")
    assert (error.value.line, error.value.column) == (4, 1)  # where the flow sequence should have gone on
    assert error.value.message.startswith("YAML error")


def test_alias_bomb_is_refused_quickly():
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="alias"):
        parse_document("\n".join(lines), "bomb.yaml")
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("name,text", [
    ("deep.json", "[" * 10_000 + "]" * 10_000),
    ("deep.yaml", "[" * 10_000 + "]" * 10_000),
])
def test_deep_nesting_is_refused_quickly(name, text):
    started = time.perf_counter()
    with pytest.raises(DocumentError, match="nesting"):
        parse_document(text, name)
    assert time.perf_counter() - started < 1.0


def test_size_limit():
    with pytest.raises(DocumentError, match="over the limit"):
        parse_document("a: " + "x" * 2000, "big.yaml", Limits(max_bytes=1000))


def test_recursive_alias_is_refused():
    with pytest.raises(DocumentError, match="contains itself"):
        parse_document("a: &a [1, *a]\n", "loop.yaml")


def test_schema_phase_gives_the_errors_of_the_librarys_own_backend():
    """jsonschema-rs (openapi-spec-validator's default backend) decides the errors; ours keep the
    sub-errors the library's adapter drops, with the same path and message at the top."""
    from openapi_spec_validator.schemas import schema_v30
    from openapi_spec_validator.schemas.backend.jsonschema_rs import create_validator as rs_validator

    from machaudit.sources.validate import _RustSchemaPhase

    schema = dict(schema_v30)
    valid = parse_document(YAML.replace("        200:", "        '200':"), "shop.yaml")
    invalid = parse_document(YAML.replace("description: ok", "describe: ok"), "shop.yaml")
    ours = _RustSchemaPhase(schema)
    assert list(ours.iter_errors(valid)) == [] == list(rs_validator(schema).iter_errors(valid))
    mine = [(list(e.path), e.message) for e in ours.iter_errors(invalid)]
    library = [(list(e.path), e.message.split("\n\n")[0]) for e in rs_validator(schema).iter_errors(invalid)]
    assert mine and mine == library
    assert all(e.context for e in ours.iter_errors(invalid) if e.validator == "oneOf")


def test_a_duplicate_key_is_located_where_its_parsed_value_is():
    # Parsers keep the last value of a duplicate key; its line is the one that explains a finding.
    yaml_text = "produces:\n  - a\ninfo: {}\nproduces:\n  - b\n"
    assert parse_document(yaml_text, "x.yaml")["produces"] == ["b"]
    assert LineIndex(yaml_text, "x.yaml").position("/produces/0") == (5, 5)
    json_text = '{"produces": ["a"],\n "info": {},\n "produces": ["b"]}'
    assert parse_document(json_text, "x.json")["produces"] == ["b"]
    assert LineIndex(json_text, "x.json").position("/produces/0") == (3, 15)


def test_json_members_are_found_in_any_order_and_a_duplicate_at_its_last_occurrence():
    """A JSON container is read only as far as the member asked for, and on from there for the
    next one: the answers are those of reading it whole."""
    text = ('{"info": {"title": "t"},\n "paths": {"/a": {"get": {}},\n  "/b": {"get": {}}},\n'
            ' "components": {"schemas": {"A": {}}},\n "paths": {"/c": {"get": {}}}}')
    index = LineIndex(text, "x.json")
    assert index.position("/info/title") == (1, 11)
    assert index.position("/components/schemas/A") == (4, 29)
    assert index.position("/paths/~1c/get") == (5, 19)  # the later "paths" is the parsed one
    assert index.position("/paths/~1a") == (5, 2)  # not in it: its deepest existing ancestor
    assert index.position("/info") == (1, 2)


def test_an_exact_position_is_none_unless_the_text_has_the_whole_pointer():
    for text, name in (('{"a": {"b": [1, {"c": 2}]}}', "x.json"),
                       ("a:\n  b:\n    - 1\n    - c: 2\n", "x.yaml"),
                       ("a: {b: [1, {c: 2}]}\n", "x.yaml")):  # flow YAML: located from libyaml's events
        index = LineIndex(text, name)
        assert index.position("/a/b/1/c", exact=True) == index.position("/a/b/1/c") is not None, name
        assert index.position("/a/b/1/d", exact=True) is None, name
        assert index.position("/a/b/1/d") == index.position("/a/b/1"), name
        assert index.position("/a/b/0/x", exact=True) is None, name  # below a scalar


def test_yaml_aliases_are_located_at_their_anchor_and_use():
    text = "base: &b\n  type: string\nuse: *b\nlist:\n  - *b\n"
    index = LineIndex(text, "x.yaml")
    assert index.position("/base/type") == (2, 3)
    assert index.position("/use") == (3, 1)
    assert index.position("/use/type") == (3, 1)  # inside an alias: the alias itself
    assert index.position("/list/0") == (5, 5)
