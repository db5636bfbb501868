"""Which validator errors break the contract and which are slips inside a JSON Schema: the one table
SPC001's severities come from (README "SPC001: structural errors and schema slips" shows it).

An error is a *schema slip* when its JSON pointer (the path the validator walked, through `$ref`s)
lies inside a Schema Object: `components/schemas/*`, Swagger's `definitions/*`, anything under a
`schema` key, and the schema keywords Swagger 2 puts directly on a non-body parameter, a header or
`items`. A *documentation slip* (low) is one inside what documents the contract: `info/*`,
`tags/*`, `externalDocs/*`, the `example`/`examples` of a parameter or media type. Everything else is a
*structural error*: the document cannot be used as a contract as it
is (a missing `info` or `paths`, a parameter with `in: querie`, an operation that is not an object,
a path parameter nobody declares, a `$ref` where none is allowed, a validation that had to stop).
Structural errors stay high. An *unknown field* outside a schema (a misspelt `paramters`, a Swagger
2 `enum` directly on an OpenAPI 3 parameter) is medium: tools ignore it, so what it meant is lost.

A slip is graded by the schema keyword it sits in (`SLIP_KEYWORDS`): medium where a client
generator produces something else because of it (a type, the shape of an object, a default value
that is written into generated code, a pattern compiled into validation), low where generated code
does not change (constraints without effect, annotations, an unknown keyword).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from machaudit.findings import Severity, split_pointer

STRUCTURAL = "structural error"
UNKNOWN_FIELD = "unknown field"
SLIP = "schema slip"
DOCUMENTATION_SLIP = "documentation slip"

_SHAPES = "a client generator produces other types or code from it"
_NO_CODE = "generated code does not change"

# The schema keyword an error sits in -> (severity, why). A keyword not listed: low, _NO_CODE.
SLIP_KEYWORDS: dict[str, tuple[Severity, str]] = {
    **{k: (Severity.MEDIUM, _SHAPES) for k in (
        "type", "format", "items", "prefixItems", "properties", "additionalProperties", "patternProperties",
        "allOf", "anyOf", "oneOf", "not", "enum", "const", "nullable", "discriminator", "$ref", "default",
        "pattern", "readOnly", "writeOnly", "required", "collectionFormat")},
    **{k: (Severity.LOW, _NO_CODE) for k in (
        "maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "maxLength", "minLength",
        "maxItems", "minItems", "uniqueItems", "multipleOf", "maxProperties", "minProperties",
        "title", "description", "example", "examples", "externalDocs", "xml", "deprecated")},
}

# Keywords whose value is a map of names to schemas, a list of schemas, or one schema.
_NAMED_SCHEMAS = {"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"}
_LISTED_SCHEMAS = {"allOf", "anyOf", "oneOf", "prefixItems"}
_ONE_SCHEMA = {"items", "additionalProperties", "not", "additionalItems", "contains", "if", "then", "else",
               "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema"}
# Maps of named objects whose member may be called "schema" without being one.
_NAMED_MAPS = {"parameters", "responses", "headers", "requestBodies", "schemas", "definitions", "examples",
               "links", "callbacks", "pathItems", "securitySchemes", "securityDefinitions", "properties",
               "patternProperties", "content", "encoding", "variables"}
# Swagger 2: a non-body parameter, a header and `items` carry schema keywords themselves.
_V2_SCHEMA_LIKE = (set(SLIP_KEYWORDS) - {"required", "$ref", "properties", "additionalProperties", "allOf"}) \
    | {"collectionFormat"}
# "Additional properties are not allowed ('a', 'b' were unexpected)" (both backends; "Unevaluated"
# in 3.1), "'a' does not match any of the regexes: '^x-'" (jsonschema on `patternProperties`).
# "unknown field 'a' (not in the specification ...)" is how the AsyncAPI reader says it.
_UNEXPECTED = re.compile(r"^(?:(?:Additional|Unevaluated) properties are not allowed \(|unknown fields? )"
                         r"((?:'[^']*'(?:, )?)+)(?: (?:was|were) unexpected\)| \(not in the specification)"
                         r"|^'([^']*)' does not match any of the regexes")


@dataclass(frozen=True)
class ErrorClass:
    name: str  # STRUCTURAL or SLIP
    severity: Severity
    keyword: str  # the schema keyword a slip sits in ("" for a structural error)
    why: str

    def describe(self) -> str:
        if self.name == STRUCTURAL:
            return f"{STRUCTURAL}: {self.why}"
        if self.name == UNKNOWN_FIELD:
            return f"{UNKNOWN_FIELD} `{self.keyword}`: {self.why}"
        return f"{self.name} in `{self.keyword}`: {self.why}"


def classify(pointer: str, keyword: str, message: str, version: str) -> ErrorClass:
    """The class of one validator error: where it is (`pointer`, as the validator walked it), the
    validator keyword that failed (`keyword`: "type", "format", "minItems", … or "") and its message."""
    tokens = split_pointer(pointer)
    inner = _inside_schema(tokens, version.startswith("2"))
    if inner is None:
        documenting = _documentation(tokens)
        if documenting:
            return ErrorClass(DOCUMENTATION_SLIP, Severity.LOW, documenting, _NO_CODE)
        unexpected = _unexpected(message)
        if unexpected and "$ref" not in unexpected:  # a `$ref` where none may be: tools do not follow it
            return ErrorClass(UNKNOWN_FIELD, Severity.MEDIUM, unexpected[0],
                              "tools ignore it, and what a misspelt field meant is lost to them")
        return ErrorClass(STRUCTURAL, Severity.HIGH, "", "the document cannot be used as a contract as it is")
    sits_in = _schema_keyword(inner) or _keyword_of_error(keyword, message)
    if sits_in == "required" and keyword == "minItems":  # `required: []`: requires nothing, as meant
        severity, why = Severity.LOW, _NO_CODE
    else:
        severity, why = SLIP_KEYWORDS.get(sits_in, (Severity.LOW, _NO_CODE))
    return ErrorClass(SLIP, severity, sits_in or "schema", why)


def _documentation(tokens: list[str]) -> str:
    """The documenting part of the spec a pointer lies in ("" if none): inside `info`, `tags` and
    `externalDocs`, and the examples of a parameter, media type or header; wrong there, the spec
    still says the same contract."""
    if len(tokens) >= 2 and tokens[0] in ("info", "tags", "externalDocs"):
        return tokens[0]
    return next((token for token in tokens if token in ("example", "examples")), "")


def _inside_schema(tokens: list[str], swagger2: bool) -> list[str] | None:
    """The tokens after the Schema Object's root the pointer lies in, or None if it lies in none."""
    if len(tokens) >= 3 and tokens[0] == "components" and tokens[1] == "schemas":
        return tokens[3:]
    if swagger2 and len(tokens) >= 2 and tokens[0] == "definitions":
        return tokens[2:]
    for index, token in enumerate(tokens):
        if token == "schema" and (index == 0 or tokens[index - 1] not in _NAMED_MAPS):
            return tokens[index + 1:]
    if swagger2:
        for index, token in enumerate(tokens[:-1]):
            parent = tokens[index - 1] if index else ""
            if ((parent == "parameters" and token.isdigit()) or parent == "headers") and tokens[index + 1] in _V2_SCHEMA_LIKE:
                return tokens[index + 1:]
    return None


def _schema_keyword(inner: list[str]) -> str:
    """The innermost keyword the pointer names inside a schema ("" when it names a schema itself)."""
    index, keyword = 0, ""
    while index < len(inner):
        token = inner[index]
        if token in _NAMED_SCHEMAS or token in _LISTED_SCHEMAS:
            keyword, index = "", index + 2  # a name or an index, then a schema
        elif token in _ONE_SCHEMA:
            keyword, index = "", index + 1
            if token == "items" and index < len(inner) and inner[index].isdigit():
                index += 1  # a tuple's items
        else:
            return token  # a keyword with a value; what follows is inside that value
    return keyword


def _keyword_of_error(keyword: str, message: str) -> str:
    """For an error about a schema as a whole: an unexpected keyword it names, else the failing one."""
    unexpected = _unexpected(message)
    return unexpected[0] if unexpected else keyword


def _unexpected(message: str) -> list[str]:
    """The fields an "are not allowed" error names, most consequential first ([] for other errors)."""
    found = _UNEXPECTED.match(message.removeprefix("AsyncAPI: "))
    if not found:
        return []
    names = re.findall(r"'([^']*)'", found.group(1)) if found.group(1) else [found.group(2)]
    return sorted(names, key=lambda name: (-SLIP_KEYWORDS.get(name, (Severity.LOW, ""))[0], name))
