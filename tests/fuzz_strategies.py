"""Hypothesis strategies for hostile inputs: OpenAPI specs, Backstage catalogs and config files.

Documents are built as Python values and written out by the small writers below (not by PyYAML or
json): they must be able to write what a library would refuse or normalise away: integers over
Python's 4,300-digit limit, lone surrogates as JSON escapes, NaN, raw control characters in YAML,
newlines in keys, block scalars whose lines start with `::error`, anchors and aliases.
"""

from __future__ import annotations

import json
import math
import re

from hypothesis import strategies as st

# Fragments a stranger's pull request could put into any text: terminal escapes (CSI, OSC 8
# hyperlink, C1 CSI), bidi overrides and isolates, invisible characters, lone surrogates, NUL,
# every kind of line break, GitHub Actions workflow commands (modern and legacy), and markup of
# the output formats (HTML, XML CDATA, Markdown tables, rich console markup, Jinja).
FRAGMENTS = (
    "\x00", "\x07", "\x08", "\x1b[31m", "\x1b]8;;https://evil.example/\x07link\x1b]8;;\x07", "\x1b[2J",
    "\x7f", "\x85", "\x9b31m", "\x9d", "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u061c",
    "\u200b", "\ufeff", "\u00ad", "\U000e0041", "\ufffe", "\ud800", "\udfff", "\ud83d",
    "\n", "\r", "\r\n", "\t", "\x0b", "\x0c", "\u2028", "\u2029",
    "::error file=x.yaml,line=1::pwned", "\n::error::pwned", "\n  ::warning::pwned", "::add-mask::x",
    "##[error]pwned", "\n##[group]x", "%0A::error::x", "::stop-commands::tok",
    "<script>alert(1)</script>", "]]>", "<!--", "{{ 7*7 }}", "[bold red]x[/]", "|", "`", "*_",
    "\\", "'", '"', "&amp;", "#", "~1", "/", "..", "%", ":", ",", "é", "中", "😀",
)

# Plain names machaudit knows, so generated documents also reach the checks, not just the reader.
NAMES = ("orders", "cart", "checkout", "payment", "product", "customer", "inventory", "search", "shop")

HUGE_DIGITS = 4400  # over Python's 4,300-digit limit for int(str)


class Raw(str):
    """Text written into the document as it is (a huge integer, NaN, an alias)."""


def hostile_text(max_fragments: int = 4) -> st.SearchStrategy[str]:
    piece = st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(NAMES), st.text(max_size=6))
    return st.lists(piece, max_size=max_fragments).map("".join)


def huge_integer() -> st.SearchStrategy[Raw]:
    return st.sampled_from(["9", "-1"]).map(lambda digits: Raw(digits[0] + digits[-1] * HUGE_DIGITS))


def scalar() -> st.SearchStrategy[object]:
    """Anything a document may hold where text is expected."""
    return st.one_of(
        hostile_text(),
        st.none(), st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        huge_integer(),
    )


def mostly(usual: st.SearchStrategy[object], other: st.SearchStrategy[object], one_in: int) -> st.SearchStrategy[object]:
    """`usual`, and `other` about once in `one_in` draws (st.one_of would draw each branch as
    often). The band of `other` is in the middle of the range: hypothesis favours its ends."""
    band = range(30, 30 + 100 // one_in)
    return st.integers(0, 99).flatmap(lambda n: other if n in band else usual)


def odd(text: st.SearchStrategy[object] | None = None, one_in: int = 3) -> st.SearchStrategy[object]:
    """A value where text is expected: usually text (plain or hostile), sometimes any other type."""
    if text is None:
        text = st.one_of(st.sampled_from(NAMES), hostile_text())
    others = st.one_of(scalar(), st.lists(scalar(), max_size=3), st.dictionaries(hostile_text(2), scalar(), max_size=2))
    return mostly(text, others, one_in)


def nested(depth: int) -> st.SearchStrategy[object]:
    """A value nested `depth` levels deep (mappings and lists alternating): well within max_depth."""
    value: object = "leaf"
    for level in range(depth):
        value = {"n": value} if level % 2 else [value]
    return st.just(value)


# --- OpenAPI -------------------------------------------------------------------------------------

REF_TARGETS = (
    "#/components/schemas/Order", "#/components/schemas/Missing", "#/components/schemas/Order/properties",
    "#", "", "#/", "#/paths/~1orders", "#/components/schemas/\u202eredro", "other.yaml#/x", "./missing.json",
    "../../../../etc/passwd", "/etc/passwd#/a", "a\x00b.yaml", "http://169.254.169.254/latest/meta-data",
    "file:///etc/passwd", "https://evil.example/x.yaml#/a", "#/" + "a/" * 60, "::error::ref", "%00", "~",
)

METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace", "parameters", "summary")


def ref_target() -> st.SearchStrategy[object]:
    return st.one_of(st.sampled_from(REF_TARGETS), odd())


def schema() -> st.SearchStrategy[object]:
    return st.one_of(
        st.fixed_dictionaries({"$ref": ref_target()}),
        st.fixed_dictionaries({"type": odd(st.sampled_from(["object", "string", "integer", "array"]))},
                              optional={"properties": st.dictionaries(hostile_text(2), st.fixed_dictionaries({"type": odd()}), max_size=3),
                                        "required": odd(), "enum": st.lists(scalar(), max_size=3),
                                        "items": st.fixed_dictionaries({"$ref": ref_target()}),
                                        "example": scalar()}),
        odd(),
    )


def operation() -> st.SearchStrategy[object]:
    parameter = st.fixed_dictionaries(
        {"name": odd(), "in": odd(st.sampled_from(["path", "query", "header", "cookie"]))},
        optional={"required": scalar(), "schema": schema(), "$ref": ref_target()})
    response = st.fixed_dictionaries(
        {"description": odd()},
        optional={"content": st.dictionaries(st.one_of(st.just("application/json"), hostile_text(2)), st.fixed_dictionaries({"schema": schema()}), max_size=2),
                  "$ref": ref_target()})
    return st.one_of(
        st.fixed_dictionaries(
            {"responses": st.one_of(st.dictionaries(st.one_of(st.sampled_from(["200", "201", "default", "404"]), hostile_text(2)),
                                                    st.one_of(response, odd()), max_size=3), odd())},
            optional={"operationId": odd(), "summary": odd(), "description": odd(), "tags": odd(),
                      # A number here stops three DAT checks (test_operation_parameters_that_are_a_number):
                      # lists, text and null only, so the property goes on to find other things.
                      "parameters": st.one_of(st.lists(st.one_of(parameter, odd()), max_size=3), hostile_text(), st.none()),
                      "requestBody": st.one_of(st.fixed_dictionaries({"content": st.dictionaries(st.one_of(st.just("application/json"), hostile_text(2)), st.fixed_dictionaries({"schema": schema()}), max_size=2)}), odd()),
                      "security": odd(), "deprecated": scalar(), "callbacks": odd(),
                      "x-machaudit-ignore": odd(st.sampled_from(["API003: reviewed", "SPC001"]))}),
        mostly(st.fixed_dictionaries({"$ref": ref_target()}), odd(), one_in=2),
    )


def path_key() -> st.SearchStrategy[object]:
    return st.one_of(
        st.sampled_from(["/orders", "/v1/carts/{cartId}", "/checkout", "/products/{id}", "/", "/orders/{", "orders"]),
        hostile_text().map(lambda t: "/" + t),
        hostile_text(),
    )


def openapi_spec() -> st.SearchStrategy[object]:
    """A whole spec: mostly the right shape, with hostile or oddly typed values anywhere."""
    path_item = mostly(st.dictionaries(st.sampled_from(METHODS), operation(), max_size=3), odd(), one_in=5)
    document = st.fixed_dictionaries(
        {"openapi": odd(st.sampled_from(["3.0.3", "3.1.0", "3.0.0"]), one_in=6),
         "info": mostly(st.fixed_dictionaries({"title": odd(), "version": odd()},
                                              optional={"description": odd(), "x-logo": nested(30)}), odd(), one_in=6),
         "paths": mostly(st.dictionaries(path_key(), path_item, max_size=4), odd(), one_in=6)},
        optional={"components": st.fixed_dictionaries({"schemas": st.dictionaries(
                      st.one_of(st.just("Order"), hostile_text(2)), schema(), max_size=3)}),
                  "servers": odd(), "security": odd(), "tags": odd(), "webhooks": odd(),
                  "x-deep": nested(150), "x-machaudit-ignore": odd()})
    swagger = st.fixed_dictionaries(
        {"swagger": odd(st.just("2.0")), "info": st.fixed_dictionaries({"title": odd(), "version": odd()}),
         "paths": st.dictionaries(path_key(), path_item, max_size=3)},
        optional={"definitions": st.dictionaries(hostile_text(2), schema(), max_size=2), "basePath": odd(), "host": odd()})
    return mostly(st.one_of(document, document, swagger), odd(), one_in=8)


# --- Backstage catalog -----------------------------------------------------------------------------

KINDS = ("Component", "API", "System", "Group", "Resource", "Domain", "Location", "User", "Template")
ANNOTATIONS = ("machaudit.io/system-of-record", "machaudit.io/region", "machaudit.io/update-model",
               "machaudit.io/hosting", "machaudit.io/audience", "machaudit.io/provider", "machaudit.io/sla",
               "machaudit.io/ignore", "machaudit.io/data-classes", "machaudit.io/headless", "machaudit.io/vendor",
               "backstage.io/techdocs-ref")
LOCATION_TARGETS = ("./*.yaml", "/*", "../../*", "sub/../../*", "/etc/*.conf", "**/*.yaml",
                    "https://evil.example/catalog.yaml", "./missing.yaml", "[", "a\x00b.yaml", "./catalog-info.yaml")


def entity() -> st.SearchStrategy[object]:
    name = st.one_of(st.sampled_from(NAMES), st.just("team-a"), odd())
    entity_ref = st.one_of(st.sampled_from(["team-a", "group:team-a", "shop", "api:orders", "component:cart",
                                             "resource:db", "system:shop"]), hostile_text())
    definition = st.one_of(
        st.fixed_dictionaries({"$text": odd(st.sampled_from(["./spec-0.yaml", "./spec-1.json", "../x.yaml",
                                                             "/etc/passwd", "http://127.0.0.1/x.yaml"]))}),
        odd())
    spec = st.fixed_dictionaries({}, optional={
        "type": odd(st.sampled_from(["service", "website", "openapi", "database", "team", "saas"])),
        "lifecycle": odd(st.just("production")), "owner": odd(entity_ref), "system": odd(entity_ref),
        "domain": odd(entity_ref), "providesApis": odd(st.lists(entity_ref, max_size=2)),
        "consumesApis": odd(st.lists(entity_ref, max_size=2)), "dependsOn": odd(st.lists(entity_ref, max_size=2)),
        "definition": definition,
        "targets": odd(st.lists(st.sampled_from(LOCATION_TARGETS), max_size=3)),
        "target": odd(st.sampled_from(LOCATION_TARGETS)),
    })
    metadata = st.fixed_dictionaries({"name": name}, optional={
        "annotations": st.one_of(st.dictionaries(st.one_of(st.sampled_from(ANNOTATIONS), hostile_text(2)), odd(), max_size=4), odd()),
        "title": odd(), "description": odd(), "namespace": odd(st.just("default")),
        "links": odd(st.lists(st.fixed_dictionaries({"url": odd(), "title": odd()}), max_size=2)),
    })
    return mostly(
        st.fixed_dictionaries({"apiVersion": odd(st.just("backstage.io/v1alpha1"), one_in=8), "kind": odd(st.sampled_from(KINDS), one_in=6),
                               "metadata": mostly(metadata, odd(), one_in=6), "spec": mostly(spec, odd(), one_in=6)}),
        odd(), one_in=8)


def catalog() -> st.SearchStrategy[list[object]]:
    return st.lists(entity(), min_size=1, max_size=6)


# --- config files (TOML) ---------------------------------------------------------------------------

CHECK_KEYS = ("ORC003", "API003", "API010", "SPC001", "orc003", "ORC999", "unsecured-operation")


def config_settings() -> st.SearchStrategy[dict]:
    """Settings of a config file: mostly valid keys with values a stranger chose (hostile text in
    region patterns, data classes, core entities, option values), sometimes a wrong type or key."""
    anything = st.one_of(
        hostile_text(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.floats(allow_nan=True, allow_infinity=True), st.lists(hostile_text(2), max_size=3),
    )

    def value(valid: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
        # One value in ten of another type: a file with several keys is then often valid throughout.
        return mostly(valid, anything, 10)

    texts = st.lists(hostile_text(3), max_size=3)
    check_table = st.fixed_dictionaries({}, optional={
        "enabled": value(st.booleans()), "severity": value(st.sampled_from(["info", "low", "high", "critical"])),
        "min-in-degree": value(st.integers(min_value=0, max_value=2**63 - 1)), "percentile": value(st.floats(allow_nan=True)),
        # Patterns a check compiles (API010's event words, API003's public paths). Only valid ones:
        # an invalid one stops the check (test_an_invalid_pattern_in_a_tree_config_is_a_config_error).
        "event-words": value(st.sampled_from(["webhooks?", "(?i)évén", "\u202e|::error::x", "a{0,3}"])),
        "public-paths": value(st.lists(st.sampled_from(["^/health$", "(?i)orders", "[/]"]), max_size=2)),
    })
    policy = st.fixed_dictionaries({}, optional={
        "allowed-regions": value(st.dictionaries(hostile_text(2), st.one_of(texts, st.just("any")), max_size=2)),
        "core-entities": value(texts), "required-touchpoints": value(texts),
    })
    limits = st.dictionaries(st.sampled_from(["max-bytes", "max-depth", "max-nodes", "parsed-documents-mb"]),
                             value(st.integers(min_value=0, max_value=2**63 - 1)), max_size=2)
    settings = st.fixed_dictionaries({}, optional={
        "fail-on": value(st.sampled_from(["info", "low", "high", "never", "HIGH"])),
        "select": value(st.sampled_from([["SPC"], ["API003", "SPC001"], "SPC,API", ["ORC999"]])),
        "ignore": value(st.sampled_from([["API001"], ["ORC"], []])),
        "format": value(st.sampled_from([["json"], ["json:report.json"], ["json:../../out.json"], ["sarif:/tmp/x.sarif"]])),
        "catalog": value(st.one_of(st.sampled_from([["stack/catalog-info.yaml"], ["../../etc/passwd"], ["missing.yaml"]]),
                                   st.lists(hostile_text(3), min_size=1, max_size=2))),
        "allow-remote": value(st.booleans()),
        "remote-allow-hosts": value(st.sampled_from([["10.0.0.0/8"], ["internal.example"], ["*"], ["::1"]])),
        "checks": value(st.dictionaries(st.one_of(st.sampled_from(CHECK_KEYS), hostile_text(2)), check_table, max_size=2)),
        "policy": value(policy),
        "limits": value(limits),
    })
    unknown = st.dictionaries(hostile_text(2), anything, max_size=1)
    return mostly(settings, st.tuples(settings, unknown).map(lambda pair: {**pair[1], **pair[0]}), 10)


# --- writers -----------------------------------------------------------------------------------------


def _json_scalar(value: object) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return json.dumps(value)  # ensure_ascii: a lone surrogate becomes the escape "\ud800"


def to_json(value: object, indent: int = 0) -> str:
    """JSON as an editor would write it, one member a line, keys made text the way JSON needs."""
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        members = [f"{inner}{json.dumps(str(k))}: {to_json(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(members) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + to_json(v, indent + 1) for v in value) + f"\n{pad}]"
    return _json_scalar(value)


def _yaml_string(text: str) -> str:
    """A YAML double-quoted string: everything outside printable ASCII as an escape, so the file
    holds what the text holds (lone surrogates and controls included)."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7f:
            out.append(char)
        elif code <= 0xff:
            out.append(f"\\x{code:02x}")
        elif code <= 0xffff:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _yaml_scalar(value: object) -> str:
    if isinstance(value, Raw):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return _yaml_string(str(value))


_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_./$-]*\Z")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _yaml_key(key: object) -> str:
    """A key as people write it (plain) where YAML reads it back as the same text; else quoted."""
    text = key if isinstance(key, str) else str(key)
    if _PLAIN_KEY.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return _yaml_string(text)


def _block_literal(text: str) -> bool:
    """Text a literal block scalar (`|`) can carry as is: several printable lines (so a line of the
    file itself can start with `::error`)."""
    lines = text.split("\n")
    return (len(lines) > 1 and all(line.isascii() and line.isprintable() and not line.startswith(" ") for line in lines)
            and lines[0] != "")


def to_yaml(value: object, indent: int = 0) -> str:
    """Block-style YAML (mappings one key a line, so findings have lines); lists in flow style."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return pad + "{}\n"
        out = []
        for key, item in value.items():
            head = f"{pad}{_yaml_key(key)}:"
            if isinstance(item, dict) and item:
                out.append(head + "\n" + to_yaml(item, indent + 1))
            elif isinstance(item, str) and _block_literal(item):
                body = "".join(f"{pad}  {line}\n" for line in item.split("\n"))
                out.append(f"{head} |-\n{body}")
            else:
                out.append(f"{head} {_yaml_flow(item)}\n")
        return "".join(out)
    return pad + _yaml_flow(value) + "\n"


def _yaml_flow(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_yaml_key(k)}: {_yaml_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_flow(v) for v in value) + "]"
    return _yaml_scalar(value)


def with_aliases(yaml_text: str) -> str:
    """The document with an anchored mapping (a few small "laughs", well within max_nodes) and
    aliases to it, as a first key the rest of the document does not need."""
    return ('x-shared: &shared {a: &laugh ["ha", "ha", "ha"], b: [*laugh, *laugh, *laugh], "::error::x": *laugh}\n'
            "x-again: *shared\n" + yaml_text)


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20 or code == 0x7f:
            out.append(f"\\u{code:04x}")
        elif 0xd800 <= code <= 0xdfff:
            out.append(f"\\u{code:04x}")  # TOML forbids it: the file is not valid TOML, a config mistake
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_string(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"
    return _toml_string(str(value))


def to_toml(settings: dict) -> str:
    """Top-level values first, then one [table] per mapping (checks.<id> as its own table)."""
    lines = [f"{_toml_string(k)} = {_toml_value(v)}" for k, v in settings.items() if not isinstance(v, dict)]
    for key, table in settings.items():
        if not isinstance(table, dict):
            continue
        plain = {k: v for k, v in table.items() if not isinstance(v, dict)}
        lines.append(f"[{_toml_string(key)}]")
        lines += [f"{_toml_string(k)} = {_toml_value(v)}" for k, v in plain.items()]
        for sub, inner in table.items():
            if isinstance(inner, dict):
                lines.append(f"[{_toml_string(key)}.{_toml_string(sub)}]")
                lines += [f"{_toml_string(k)} = {_toml_value(v)}" for k, v in inner.items()]
    return "\n".join(lines) + "\n"
