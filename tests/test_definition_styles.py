"""API definitions in every style: GraphQL SDL, AsyncAPI 2.x/3.x, protobuf services, OpenAPI webhooks
and callbacks; how folders are sniffed and how the catalog's API type chooses the reader.

The expected operations were written by reading the files in tests/data/styles (see NOTICE.md there)
and, for the corpus tests, the corpus README's own counts.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from machaudit.sources import LoadOptions, load_stack
from tests.conftest import CORPUS, run_cli

STYLES = Path(__file__).resolve().parent / "data" / "styles"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")


def stack_of(*paths: Path, catalog: Path | None = None):
    options = LoadOptions(catalogs=[str(catalog)] if catalog else [], validate=False, cache=False)
    stack, _ = load_stack([str(p) for p in paths], options)
    return stack


def spec_named(stack, name: str):
    found = [s for s in stack.specs.values() if Path(s.key).name == name]
    assert len(found) == 1, [s.key for s in stack.specs.values()]
    return found[0]


def audit(*args: str):
    run = run_cli("audit", *args, "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    return run


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- GraphQL ----------------------------------------------------------------------------------------

def test_graphql_root_fields_are_operations(tmp_path):
    shutil.copy(STYLES / "saleor-excerpt.graphql", tmp_path)
    spec = spec_named(stack_of(tmp_path), "saleor-excerpt.graphql")
    assert spec.style == "graphql" and spec.parsed
    ops = {(o.method, o.path): o for o in spec.operations}
    assert list(ops) == [("query", "products"), ("mutation", "orderCancel"), ("mutation", "checkoutComplete")]
    assert ops["mutation", "orderCancel"].returns == "OrderCancel"
    assert [(p.name, p.location, p.required) for p in ops["mutation", "orderCancel"].parameters] == [("id", "argument", True)]
    assert [p.name for p in ops["mutation", "checkoutComplete"].parameters] == [
        "checkoutId", "id", "metadata", "paymentData", "redirectUrl", "storeSource", "token"]
    assert ops["query", "products"].returns == "ProductCountableConnection"
    assert ops["query", "products"].description.startswith("List of the shop's products.")


def test_graphql_schema_errors_are_spc002_with_their_line(tmp_path):
    # The excerpt names types it does not hold: each is a schema error where it is named.
    shutil.copy(STYLES / "saleor-excerpt.graphql", tmp_path)
    run = audit(str(tmp_path))
    found = {(f["message"], f["location"]["line"]) for f in run.findings("SPC002")}
    assert ("GraphQL schema: Unknown type 'Subscription'.", 4) in found  # `subscription: Subscription`
    assert ("GraphQL schema: Unknown type 'OrderCancel'.", 69) in found  # `): OrderCancel @doc(…)`
    assert len(found) == 12
    assert not run.findings("SPC001")  # OpenAPI validation does not judge a GraphQL schema
    # Nor do $ref rules: a GraphQL schema has no $ref, so SPC003 has nothing to pass or fail.
    assert not [r for r in run.report["results"] if r["check"] in ("SPC001", "SPC003", "SPC004")]


def test_graphql_syntax_error_is_one_finding_with_position(tmp_path):
    write(tmp_path, "shop.graphql", "type Query {\n  cart(id: ID!): Cart\n  orders: [Order\n}\n")
    run = audit(str(tmp_path))
    [finding] = run.findings("SPC002")
    assert finding["message"] == "GraphQL syntax error: Syntax Error: Expected ']', found '}'."
    assert (finding["location"]["line"], finding["location"]["column"]) == (4, 1)


def test_federation_subgraph_is_accepted_and_still_checked(tmp_path):
    # products-subgraph.graphql uses @key, @provides, @external and extends Query and User, which it
    # does not define (other subgraphs do): no error. An unknown type stays an error.
    shutil.copy(STYLES / "products-subgraph.graphql", tmp_path)
    spec = spec_named(stack_of(tmp_path), "products-subgraph.graphql")
    assert spec.problems == ()
    assert [(o.method, o.path, o.returns) for o in spec.operations] == [
        ("query", "allProducts", "[Product]"), ("query", "product", "Product")]
    text = (STYLES / "products-subgraph.graphql").read_text() + "\ntype Extra {\n  owner: Nobody\n}\n"
    (tmp_path / "products-subgraph.graphql").write_text(text)
    spec = spec_named(stack_of(tmp_path), "products-subgraph.graphql")
    assert [(p.message, p.location.line) for p in spec.problems] == [
        ("GraphQL schema: Unknown type 'Nobody'.", text.count("\n", 0, text.index("Nobody")) + 1)]


def test_query_documents_are_named_not_read(tmp_path):
    write(tmp_path, "queries/cart.graphql", "query Cart($id: ID!) {\n  cart(id: $id) { id }\n}\n")
    write(tmp_path, "protos/money.proto", 'syntax = "proto3";\nmessage Money {\n  int64 units = 1;\n}\n')
    assert stack_of(tmp_path).specs == {}
    run = audit(str(tmp_path))
    [info] = run.findings("INV006")
    assert info["severity"] == "info"
    assert "queries/cart.graphql (GraphQL operations, not a schema)" in info["message"]
    assert "protos/money.proto (protobuf messages only, no service)" in info["message"]


# -- AsyncAPI ---------------------------------------------------------------------------------------

def test_asyncapi_3_operations_channels_and_messages(tmp_path):
    shutil.copy(STYLES / "streetlights-kafka-3.0.yml", tmp_path)
    spec = spec_named(stack_of(tmp_path), "streetlights-kafka-3.0.yml")
    assert (spec.style, spec.version, spec.title) == ("asyncapi", "3.0.0", "Streetlights Kafka API")
    assert spec.problems == ()
    base = "smartylighting.streetlights.1.0"
    assert [(o.operation_id, o.method, o.path, o.messages) for o in spec.operations] == [
        ("receiveLightMeasurement", "receive", f"{base}.event.{{streetlightId}}.lighting.measured", ("lightMeasured",)),
        ("turnOn", "send", f"{base}.action.{{streetlightId}}.turn.on", ("turnOnOff",)),
        ("turnOff", "send", f"{base}.action.{{streetlightId}}.turn.off", ("turnOnOff",)),
        ("dimLight", "send", f"{base}.action.{{streetlightId}}.dim", ("dimLight",)),
    ]


def test_asyncapi_2_publish_and_subscribe(tmp_path):
    shutil.copy(STYLES / "streetlights-kafka-2.6.yml", tmp_path)
    spec = spec_named(stack_of(tmp_path), "streetlights-kafka-2.6.yml")
    assert (spec.style, spec.version) == ("asyncapi", "2.6.0")
    base = "smartylighting.streetlights.1.0"
    assert [(o.method, o.path, o.messages) for o in spec.operations] == [
        ("publish", f"{base}.event.{{streetlightId}}.lighting.measured", ("lightMeasured",)),
        ("subscribe", f"{base}.action.{{streetlightId}}.turn.on", ("turnOnOff",)),
        ("subscribe", f"{base}.action.{{streetlightId}}.turn.off", ("turnOnOff",)),
        ("subscribe", f"{base}.action.{{streetlightId}}.dim", ("dimLight",)),
    ]


def test_asyncapi_schema_errors_are_spc001_at_their_line(tmp_path):
    write(tmp_path, "events.yaml", """\
        asyncapi: 3.0.0
        info:
          title: Orders
          version: 1.0.0
        channels:
          orderPlaced:
            address: orders.placed
        operations:
          announce:
            action: emit
            channel:
              $ref: '#/channels/orderPlaced'
        """)
    run = audit(str(tmp_path))
    assert [(f["message"], f["location"]["line"]) for f in run.findings("SPC001")] == [
        ("AsyncAPI: 'emit' is not one of ['receive', 'send'] at /operations/announce/action" + STRUCTURAL, 10)]
    assert not run.findings("SPC002") and not run.findings("API003")


# SPC001's class of each error (checks/spec/_validator_classes.py), at the end of its message
STRUCTURAL = " (structural error: the document cannot be used as a contract as it is)"
UNKNOWN = " (unknown field `{}`: tools ignore it, and what a misspelt field meant is lost to them)"


def _broken_copy(folder: Path, source: Path, *edits: tuple[str, str]) -> Path:
    text = source.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = folder / source.name
    path.write_text(text, encoding="utf-8")
    return path


def test_asyncapi_3_broken_copy_gives_exact_schema_findings(tmp_path):
    # Lines counted in tests/data/styles/streetlights-kafka-3.0.yml; `version` (line 4) is removed,
    # so everything after it moves up one line.
    _broken_copy(tmp_path, STYLES / "streetlights-kafka-3.0.yml",
                 ("  version: 1.0.0\n", ""),
                 ("    description: Test broker secured with X509", "    descripton: Test broker secured with X509"),
                 ("    action: receive\n", "    action: emit\n"))
    run = audit(str(tmp_path))
    assert sorted((f["location"]["line"], f["message"]) for f in run.findings("SPC001")) == [
        (2, "AsyncAPI: 'version' is a required property at /info" + STRUCTURAL),
        (28, "AsyncAPI: unknown field 'descripton' (not in the specification; extensions start with x-) "
             "at /servers/mtls-connections/descripton" + UNKNOWN.format("descripton")),
        (74, "AsyncAPI: 'emit' is not one of ['receive', 'send'] at /operations/receiveLightMeasurement/action"
             + STRUCTURAL),
    ]
    assert not run.findings("SPC002")


def test_asyncapi_2_broken_copy_gives_exact_schema_findings(tmp_path):
    _broken_copy(tmp_path, STYLES / "streetlights-kafka-2.6.yml", ("    subscribe:", "    subscrib:"))
    run = audit(str(tmp_path))
    [finding] = run.findings("SPC001")
    channel = "smartylighting.streetlights.1.0.action.{streetlightId}.turn.on"
    assert finding["message"] == ("AsyncAPI: unknown field 'subscrib' (not in the specification; extensions "
                                  f"start with x-) at /channels/{channel}/subscrib" + UNKNOWN.format("subscrib"))
    assert finding["location"]["line"] == 65


def test_asyncapi_version_without_schema_is_one_clear_finding(tmp_path):
    _broken_copy(tmp_path, STYLES / "streetlights-kafka-3.0.yml", ("asyncapi: 3.0.0", "asyncapi: 3.7.0"))
    run = audit(str(tmp_path))
    [finding] = run.findings("SPC001")
    assert finding["message"] == ("AsyncAPI: AsyncAPI 3.7.0: no official schema for this version (machaudit has "
                                  "2.0.0, 2.1.0, 2.2.0, 2.3.0, 2.4.0, 2.5.0, 2.6.0, 3.0.0, 3.1.0); structure "
                                  "not validated at /asyncapi" + STRUCTURAL)
    assert finding["location"]["line"] == 1
    spec = spec_named(stack_of(tmp_path), "streetlights-kafka-3.0.yml")
    assert len(spec.operations) == 4  # still read as 3.x


def test_asyncapi_schemas_ship_with_their_licence():
    from importlib import resources

    data = resources.files("machaudit").joinpath("data/asyncapi")
    assert {"LICENSE", "NOTICE", "README.md", "2.6.0.json.gz", "3.0.0.json.gz"} <= {e.name for e in data.iterdir()}
    assert "Apache License" in data.joinpath("LICENSE").read_text(encoding="utf-8")
    assert "@asyncapi/specs` 6.11.1" in data.joinpath("README.md").read_text(encoding="utf-8")


@needs_corpus
@pytest.mark.parametrize("version", ["v2.6.0", "v3.0.0", ""])
def test_corpus_asyncapi_examples_are_valid_against_the_official_schemas(version):
    folder = CORPUS / "asyncapi" / version / "examples" if version else CORPUS / "asyncapi" / "examples"
    stack = stack_of(folder)
    roots = [s for s in stack.specs.values() if "/common/" not in s.key]
    assert len(roots) in (21, 24)  # 16 or 19 examples and 5 social-media services (corpus README)
    assert {s.version for s in roots} == {version.removeprefix("v") or "3.1.0"}
    # (the adeo example's remote $refs are SPC003's: not fetched without --allow-remote)
    assert [(s.display, p.message) for s in roots for p in s.problems if p.kind not in ("unresolved-ref", "remote-ref")] == []


# -- gRPC -------------------------------------------------------------------------------------------

def test_proto_rpcs_are_operations(tmp_path):
    shutil.copy(STYLES / "demo.proto", tmp_path)
    spec = spec_named(stack_of(tmp_path), "demo.proto")
    assert (spec.style, spec.version, spec.title, spec.problems) == ("grpc", "proto3", "hipstershop", ())
    ops = {o.path: o for o in spec.operations}
    assert len(ops) == 15  # 9 services: Cart 3, Recommendation 1, ProductCatalog 3, Shipping 2, Currency 2, Payment 1, Email 1, Checkout 1, Ad 1
    place = ops["CheckoutService/PlaceOrder"]
    assert (place.method, place.messages, place.returns) == ("rpc", ("PlaceOrderRequest",), "PlaceOrderResponse")
    assert ops["CartService/AddItem"].returns == "Empty"


def test_proto_syntax_error_is_located(tmp_path):
    write(tmp_path, "cart.proto", 'syntax = "proto3";\nservice Cart {\n  rpc Add(AddRequest) returns Empty;\n}\n')
    [finding] = audit(str(tmp_path)).findings("SPC002")
    assert finding["message"].startswith("protobuf syntax error: ")
    assert finding["location"]["line"] == 3


# -- OpenAPI webhooks and callbacks -----------------------------------------------------------------

def test_webhooks_and_callbacks_are_events_not_served_operations(tmp_path):
    write(tmp_path, "payments.yaml", """\
        openapi: 3.1.0
        info: {title: Payments, version: 1.0.0}
        security: [{apiKey: []}]
        paths:
          /payments:
            post:
              operationId: createPayment
              responses: {'201': {description: created}}
              callbacks:
                paymentSettled:
                  '{$request.body#/callbackUrl}':
                    post:
                      operationId: notifySettled
                      responses: {'200': {description: ok}}
        webhooks:
          refundIssued:
            post:
              operationId: refundIssued
              responses: {'200': {description: ok}}
        components:
          securitySchemes:
            apiKey: {type: apiKey, in: header, name: X-Key}
        """)
    spec = spec_named(stack_of(tmp_path), "payments.yaml")
    assert [o.label for o in spec.operations] == ["POST /payments"]
    assert [(o.kind, o.direction, o.label, o.pointer) for o in spec.events] == [
        ("webhook", "outbound", "POST refundIssued", "/webhooks/refundIssued/post"),
        ("callback", "outbound", "POST {$request.body#/callbackUrl}",
         "/paths/~1payments/post/callbacks/paymentSettled/{$request.body#~1callbackUrl}/post"),
    ]
    # The webhook has no security of its own and needs none: it is not an operation the API serves.
    assert not audit(str(tmp_path)).findings("API003")


# -- the catalog chooses the reader -----------------------------------------------------------------

CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: storefront-graph}
spec: {type: graphql, lifecycle: production, owner: shop, definition: {$text: ./defs/products-subgraph.graphql}}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: street-events}
spec: {type: asyncapi, lifecycle: production, owner: shop, definition: {$text: ./defs/streetlights-kafka-3.0.yml}}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: shop-rpc}
spec: {type: grpc, lifecycle: production, owner: shop, definition: {$text: ./defs/demo.proto}}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: cart-trpc}
spec: {type: trpc, lifecycle: production, owner: shop, definition: {$text: ./defs/router.ts}}
---
apiVersion: backstage.io/v1alpha2
kind: API
metadata: {name: shop-assistant}
spec:
  type: mcp-server
  lifecycle: production
  owner: shop
  remotes:
    - {type: streamable-http, url: 'https://mcp.example.com/mcp'}
---
apiVersion: backstage.io/v1alpha1
kind: Environment
metadata: {name: production}
spec: {}
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: shop}
spec: {type: team}
"""


def test_catalog_types_choose_readers_and_count_as_declared(tmp_path):
    (tmp_path / "defs").mkdir()
    for name in ("products-subgraph.graphql", "streetlights-kafka-3.0.yml", "demo.proto"):
        shutil.copy(STYLES / name, tmp_path / "defs" / name)
    write(tmp_path, "defs/router.ts", "export const appRouter = router({});\n")
    write(tmp_path, "catalog-info.yaml", CATALOG)
    stack = stack_of(tmp_path)
    styles = {ref: stack.definition_of(api).style for ref, api in stack.entities.items()
              if api.kind == "api" and stack.definition_of(api)}
    assert styles == {"api:default/storefront-graph": "graphql", "api:default/street-events": "asyncapi",
                      "api:default/shop-rpc": "grpc"}
    assert stack.entities["api:default/shop-assistant"].remotes == ("https://mcp.example.com/mcp",)
    run = audit(str(tmp_path))
    for check in ("INV004", "INV006", "INV007", "SPC001", "SPC002"):
        assert not run.findings(check), (check, run.findings(check))


def test_catalog_graphql_definition_that_is_not_a_schema(tmp_path):
    write(tmp_path, "schema.graphql", "query Cart {\n  cart { id }\n}\n")
    write(tmp_path, "catalog-info.yaml", """\
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata: {name: storefront-graph}
        spec: {type: graphql, lifecycle: production, owner: shop, definition: {$text: ./schema.graphql}}
        """)
    run = audit(str(tmp_path), "--select", "INV004,SPC002")
    [inv004] = run.findings("INV004")
    assert inv004["message"].startswith("the definition of API storefront-graph (")
    assert inv004["message"].endswith("/schema.graphql) cannot be used: not a GraphQL schema: the document holds "
                                      "only operations (queries a client sends)")
    [spc002] = run.findings("SPC002")
    assert spc002["location"]["line"] == 1


# -- the corpus -------------------------------------------------------------------------------------

@needs_corpus
def test_corpus_saleor_schema():
    spec = spec_named(stack_of(CORPUS / "saleor"), "schema.graphql")
    methods = [o.method for o in spec.operations]
    # corpus README: 89 query, 332 mutation and 26 subscription fields.
    assert (methods.count("query"), methods.count("mutation"), methods.count("subscription")) == (89, 332, 26)
    paths = {(o.method, o.path) for o in spec.operations}
    assert {("mutation", "checkoutComplete"), ("mutation", "orderCancel"), ("query", "products")} <= paths
    assert spec.problems == ()


@needs_corpus
@pytest.mark.parametrize("folder", ["saleor", "apollo-supergraph-demo", "asyncapi", "online-boutique"])
def test_corpus_styles_audit_without_unreadable_definitions(folder):
    run = run_cli("audit", str(CORPUS / folder), "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    assert not run.findings("SPC001") and not run.findings("SPC002"), run.findings("SPC002")[:3]
    # Only the adeo example names remote $refs (not fetched without --allow-remote).
    assert all("adeo" in f["subject"] and "remote $ref" in f["message"] for f in run.findings("SPC003"))


@needs_corpus
def test_corpus_asyncapi_every_example_has_operations():
    stack = stack_of(CORPUS / "asyncapi")
    roots = [s for s in stack.specs.values() if "/common/" not in s.key]
    # 19 examples at 3.1.0, 19 at 3.0.0, 16 at 2.6.0, and 5 social-media services in each.
    assert len(roots) == 69
    assert all(s.style == "asyncapi" and s.operations for s in roots), [s.display for s in roots if not s.operations]


@needs_corpus
def test_corpus_online_boutique_place_order():
    spec = spec_named(stack_of(CORPUS / "online-boutique"), "demo.proto")
    assert ("rpc", "CheckoutService/PlaceOrder") in {(o.method, o.path) for o in spec.operations}


def test_inline_graphql_definition_is_located_in_the_catalog(tmp_path):
    write(tmp_path, "catalog-info.yaml", """\
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata: {name: cart-graph}
        spec:
          type: graphql
          lifecycle: production
          owner: shop
          definition: |
            type Query {
              cart(id: ID!): Cart
            }
        ---
        apiVersion: backstage.io/v1alpha2
        kind: API
        metadata: {name: helper}
        spec:
          type: mcp-server
          lifecycle: production
          owner: shop
          remotes: [https://mcp.example.com]
        """)
    run = audit(str(tmp_path), "--select", "SPC002,INV004,INV007")
    [spc002] = run.findings("SPC002")
    assert spc002["message"] == "GraphQL schema: Unknown type 'Cart'."
    assert (Path(spc002["location"]["file"]).name, spc002["location"]["line"], spc002["location"]["column"]) == (
        "catalog-info.yaml", 10, 22)  # `Cart` in `cart(id: ID!): Cart`
    # remotes must be {type, url} mappings: this one is unusable, so the API has no contract at all.
    assert [f["message"] for f in run.findings("INV007")] == [
        "api:default/helper: spec.remotes must be a list of {type, url} mappings"]
    assert [f["subject"] for f in run.findings("INV004")] == ["api:default/helper"]
