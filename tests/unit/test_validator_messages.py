"""SPC001's messages name the fix for the kind of object meant: the most specific error of the
`oneOf`/`anyOf` branch the object is meant for (not the branch of another kind of object)."""

import pytest

from machaudit.sources.documents import parse_document
from machaudit.sources.store import DocumentStore
from machaudit.sources.validate import validate

SWAGGER = "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters:\n        - %s\n" \
          "      responses: {'200': {description: ok}}\n"
OPENAPI = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n" \
          "      responses:\n        '200':\n          description: ok\n          headers:\n            X-Next: %s\n"


@pytest.mark.parametrize("text, version, expected", [
    # a query parameter without `type`: not "'query' is not one of ['body']" (the body parameter's `in`)
    (SWAGGER % "{name: q, in: query}", "2.0",
     [("/paths/~1a/get/parameters/0", '"type" is a required property')]),
    # no branch's `in` matches: every value any of them takes
    (SWAGGER % "{name: q, in: querie, type: string}", "2.0",
     [("/paths/~1a/get/parameters/0/in", "'querie' is not one of ['body', 'formData', 'header', 'path', 'query']")]),
    # Schema XOR Content: either would do
    (OPENAPI % "{description: next page}", "3.0.3",
     [("/paths/~1a/get/responses/200/headers/X-Next", "one of 'content', 'schema' is a required property")]),
    # OpenAPI 3.1: paths, components or webhooks
    ("openapi: 3.1.0\ninfo: {title: t, version: '1'}\n", "3.1.0",
     [("", "one of 'webhooks', 'components', 'paths' is a required property")]),
])
def test_the_message_names_the_fix(tmp_path, text, version, expected):
    path = tmp_path / "api.yaml"
    path.write_text(text)
    store = DocumentStore([tmp_path])
    key = str(path)
    assert [(i.pointer, i.message) for i in validate(store, key, parse_document(text, key), version, True)] == expected
