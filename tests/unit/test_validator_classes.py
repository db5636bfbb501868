"""SPC001's classes: structural errors (high) and schema slips (medium/low), by where the error is."""

import pytest

from machaudit.findings import Severity
from machaudit_checks.spec._validator_classes import DOCUMENTATION_SLIP, SLIP, STRUCTURAL, UNKNOWN_FIELD, classify

H, M, L = Severity.HIGH, Severity.MEDIUM, Severity.LOW


@pytest.mark.parametrize("pointer, keyword, message, version, expected", [
    # structural: the document's own structure
    ("", "required", '"paths" is a required property', "3.0.3", (STRUCTURAL, H, "")),
    ("/paths/~1a/get/parameters/1/in", "enum", "'querie' is not one of ['cookie', 'header', 'path', 'query']", "3.0.3", (STRUCTURAL, H, "")),
    ("/paths/~1a/get", "additionalProperties", "Additional properties are not allowed ('$ref' was unexpected)", "3.0.0", (STRUCTURAL, H, "")),
    ("/components/parameters/schema/in", "enum", "'x' is not one of ['query']", "3.0.3", (STRUCTURAL, H, "")),  # a parameter named "schema"
    ("/paths/~1schema/get", "required", '"responses" is a required property', "3.0.3", (STRUCTURAL, H, "")),
    # unknown fields outside schemas: ignored by tools
    ("", "additionalProperties", "Additional properties are not allowed ('deprecated' was unexpected)", "3.0.0", (UNKNOWN_FIELD, M, "deprecated")),
    ("/components/parameters/state", "additionalProperties", "Additional properties are not allowed ('enum' was unexpected)", "3.0.1", (UNKNOWN_FIELD, M, "enum")),
    ("/servers/0", "unevaluatedProperties", "Unevaluated properties are not allowed ('wrong', 'type' were unexpected)", "3.2.0", (UNKNOWN_FIELD, M, "type")),
    ("/paths/~1a/get", "additionalProperties", "Additional properties are not allowed ('$ref', 'x' were unexpected)", "3.0.0", (STRUCTURAL, H, "")),
    ("/paths/~1a", "patternProperties", "'paramters' does not match any of the regexes: '^x-'", "3.0.3", (UNKNOWN_FIELD, M, "paramters")),
    # slips inside a JSON Schema
    ("/paths/~1a/get/parameters/0/schema/pattern", "format", '"\\\\d{1-5}" is not a "regex"', "3.0.3", (SLIP, M, "pattern")),
    ("/components/schemas/Price/properties/amount/exclusiveMaximum", "type", "False is not of type 'number'", "3.1.0", (SLIP, L, "exclusiveMaximum")),
    ("/definitions/Order/required", "minItems", "the list should be non-empty", "2.0", (SLIP, L, "required")),
    ("/definitions/Order/required", "type", "'id' is not of type 'array'", "2.0", (SLIP, M, "required")),
    ("/components/schemas/A/allOf/1/properties/b/items/default", "type", "'false' is not of type 'boolean'", "3.0.3", (SLIP, M, "default")),
    ("/components/schemas/A/properties/b", "additionalProperties", "Additional properties are not allowed ('Pattern' was unexpected)", "3.0.3", (SLIP, L, "Pattern")),
    ("/definitions/A/properties/b", "additionalProperties", "Additional properties are not allowed ('anyOf' was unexpected)", "2.0", (SLIP, M, "anyOf")),
    ("/paths/~1a/get/parameters/2/default", "type", "'x' is not of type 'integer'", "2.0", (SLIP, M, "default")),  # Swagger 2 non-body parameter
    ("/paths/~1a/get/responses/200/content/application~1json/schema/properties/x/type", "enum", "'file' is not one of ['array']", "3.0.3", (SLIP, M, "type")),
    # documentation
    ("/info/description", "type", 'the object is not of type "string"', "3.0.0", (DOCUMENTATION_SLIP, L, "info")),
    ("/paths/~1b/post/requestBody/content/application~1json/examples/e1", "oneOf", "not valid", "3.0.1", (DOCUMENTATION_SLIP, L, "examples")),
])
def test_classes(pointer, keyword, message, version, expected):
    found = classify(pointer, keyword, message, version)
    assert (found.name, found.severity, found.keyword) == expected


def test_the_description_says_the_class_and_why():
    assert classify("", "required", "'info' is a required property", "3.0.3").describe() == \
        "structural error: the document cannot be used as a contract as it is"
    assert classify("/components/schemas/A/pattern", "format", "x", "3.0.3").describe() == \
        "schema slip in `pattern`: a client generator produces other types or code from it"
    assert classify("/paths/~1a/get", "additionalProperties", "Additional properties are not allowed ('paramters' was unexpected)",
                    "3.0.3").describe() == "unknown field `paramters`: tools ignore it, and what a misspelt field meant is lost to them"
