"""Who may call an operation, and why a touchpoint is not self-service.

Audience per operation (capabilities/audience.py, applied by journey.py): `x-machaudit-audience` on an
operation or its path item, a `machaudit-audience:` line or Saleor's permission wording in a GraphQL
field's description, an audience tag, and the catalog's `machaudit.io/audience` for a whole API. A
customer channel never reaches an operation for staff: the cell says staff-only. Near misses
(`machaudit journey PATH --explain TOUCHPOINT`, the JSON cells, the HTML gap table) name the
operations that came closest and the step of the matcher or of reachability that ruled each out.

The expected answers below were written from the small specs in this file: which path, method,
statement or catalog relation rules each operation in or out.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from machaudit import capabilities
from machaudit.journey import MISSING, PHONE_ONLY, SELF_SERVICE, STAFF_ONLY
from machaudit.model import Spec
from machaudit.sources import LoadOptions, load_stack
from tests.conftest import run_cli
from tests.test_journey import api, cell, component, journey_json, openapi, operations, ref, touchpoint, write_stack

# One API for shoppers and staff: the storefront reads an order's status, only the back office
# cancels (its path says admin).
SHOP = openapi("Shop API", [
    {"method": "get", "path": "/store/orders/{id}", "operationId": "getOrderStatus", "summary": "Get order status"},
    {"method": "post", "path": "/admin/orders/{id}/cancel", "operationId": "cancelOrder", "summary": "Cancel an order"},
])


def shop_stack(folder: Path, spec: dict = SHOP, call_centre: bool = False, api_annotations: dict | None = None) -> Path:
    entities = [component("web", "website", consumes=["shop-api"]),
                component("shop", "service", provides=["shop-api"]),
                api("shop-api", "shop.yaml")]
    if call_centre:
        entities.append(component("agents", "call-center", consumes=["shop-api"]))
    if api_annotations:
        entities[2]["metadata"]["annotations"] = api_annotations
    return write_stack(folder, entities, {"shop.yaml": spec})


# -- staff-only --------------------------------------------------------------------------------------

def test_admin_cancel_in_a_shared_api_is_staff_only_for_the_web(tmp_path):
    data = journey_json(shop_stack(tmp_path / "shop"))
    assert cell(data, "order-tracking", "web")["state"] == SELF_SERVICE
    cancel = cell(data, "cancel-order", "web")
    assert cancel["state"] == STAFF_ONLY
    assert cancel["operation"]["operation"] == "POST /admin/orders/{id}/cancel"
    assert cancel["operation"]["audience"] == "merchant" and cancel["operation"]["staff_only"] is True
    assert cancel["operation"]["audience_evidence"] == "path /admin/orders/{id}/cancel"
    assert cancel["path"] == [ref("component", "web"), ref("api", "shop-api")]
    assert cancel["note"] == "POST /admin/orders/{id}/cancel is for staff only (path /admin/orders/{id}/cancel)"
    assert cancel["near_misses"][0]["operation"] == "POST /admin/orders/{id}/cancel"
    assert cancel["near_misses"][0]["reason"] == ("audience merchant (path /admin/orders/{id}/cancel): "
                                                  "only staff may call it")


def test_the_call_centre_is_staff_and_reaches_the_admin_cancel(tmp_path):
    data = journey_json(shop_stack(tmp_path / "shop", call_centre=True))
    assert cell(data, "cancel-order", "agents")["state"] == SELF_SERVICE
    web = cell(data, "cancel-order", "web")
    assert web["state"] == STAFF_ONLY  # the audience is why, though a phone call would do
    assert web["note"].endswith("; the call centre reaches it")


def test_x_machaudit_audience_on_an_operation_and_on_a_path_item(tmp_path):
    spec = openapi("Orders", [
        {"method": "get", "path": "/orders/{id}", "operationId": "getOrder", "summary": "Get order status",
         "x-machaudit-audience": "merchant"},
        {"method": "post", "path": "/orders/{id}/cancel", "operationId": "cancelOrder", "summary": "Cancel an order"},
    ])
    spec["paths"]["/orders/{id}/cancel"]["x-machaudit-audience"] = "merchant"
    data = journey_json(shop_stack(tmp_path / "stated", spec))
    tracking = cell(data, "order-tracking", "web")
    assert tracking["state"] == STAFF_ONLY
    assert tracking["operation"]["audience_evidence"] == "x-machaudit-audience"
    cancel = cell(data, "cancel-order", "web")
    assert cancel["state"] == STAFF_ONLY
    assert cancel["operation"]["audience_evidence"] == "x-machaudit-audience on the path item"


def test_an_operation_statement_overrides_the_admin_path(tmp_path):
    spec = openapi("Shop API", [
        {"method": "post", "path": "/admin/orders/{id}/cancel", "operationId": "cancelOrder",
         "summary": "Cancel an order", "x-machaudit-audience": "shopper"},
    ])
    data = journey_json(shop_stack(tmp_path / "mine", spec))
    assert cell(data, "cancel-order", "web")["state"] == SELF_SERVICE


def test_catalog_audience_covers_the_whole_api_but_not_an_operation_statement(tmp_path):
    spec = openapi("Orders", [
        {"method": "get", "path": "/orders/{id}", "operationId": "getOrder", "summary": "Get order status"},
        {"method": "post", "path": "/orders/{id}/cancel", "operationId": "cancelOrder", "summary": "Cancel an order",
         "x-machaudit-audience": "shopper"},
    ])
    data = journey_json(shop_stack(tmp_path / "annotated", spec, api_annotations={"machaudit.io/audience": "merchant"}))
    tracking = cell(data, "order-tracking", "web")
    assert tracking["state"] == STAFF_ONLY
    assert tracking["operation"]["audience_evidence"] == "machaudit.io/audience: merchant on shop-api"
    assert cell(data, "cancel-order", "web")["state"] == SELF_SERVICE


def test_catalog_audience_customer_is_a_shopper_and_unknown_values_are_inv007(tmp_path):
    folder = shop_stack(tmp_path / "customer", api_annotations={"machaudit.io/audience": "customer"})
    data = journey_json(folder)  # `customer` (the annotation's older value) overrides the admin path
    assert cell(data, "cancel-order", "web")["state"] == SELF_SERVICE
    folder = shop_stack(tmp_path / "typo", api_annotations={"machaudit.io/audience": "staf"})
    run = run_cli("audit", str(folder), "-f", "json", "--select", "INV007")
    messages = [f["message"] for f in run.report["findings"]]
    assert messages == ["api:default/shop-api: machaudit.io/audience 'staf' is not an audience; valid: shopper, "
                        "b2b-buyer, merchant, partner, provider, internal (or customer, public, staff, admin)"]


def test_audience_tag_names_the_back_office(tmp_path):
    spec = openapi("Orders", [
        {"method": "get", "path": "/orders/{id}", "operationId": "getOrder", "summary": "Get order status"},
        {"method": "post", "path": "/orders/{id}/cancel", "operationId": "cancelOrder", "summary": "Cancel an order",
         "tags": ["Admin"]},
    ])
    data = journey_json(shop_stack(tmp_path / "tagged", spec))
    assert cell(data, "order-tracking", "web")["state"] == SELF_SERVICE
    cancel = cell(data, "cancel-order", "web")
    assert cancel["state"] == STAFF_ONLY and cancel["operation"]["audience_evidence"] == "tag 'Admin'"


# -- GraphQL: permission wording and the description line --------------------------------------------

SDL = '''
type Query {
  """Look up an order by token."""
  orderByToken(token: String!): Order
  """
  List of orders.

  Requires one of the following permissions: MANAGE_ORDERS.
  """
  orders: [Order]
  """
  Updates an address of the logged-in user.

  Requires one of the following permissions: MANAGE_USERS, IS_OWNER.
  """
  address(id: ID!): Order
  """
  Order notes for the back office.
  machaudit-audience: merchant
  """
  orderNotes(id: ID!): Order
}
type Mutation {
  """
  Cancel an order.

  Requires one of the following permissions: MANAGE_ORDERS.
  """
  orderCancel(id: ID!): Order
  """
  Update the shop's address.

  Requires one of the following permissions: MANAGE_SETTINGS.
  """
  shopAddressUpdate(id: ID!): Order
}
type Order { id: ID! }
'''


def test_graphql_audience_from_permission_wording_and_description_line(tmp_path):
    (tmp_path / "schema.graphql").write_text(SDL, encoding="utf-8")
    stack, _ = load_stack([str(tmp_path)], LoadOptions(validate=False))
    spec: Spec = next(iter(stack.specs.values()))
    found = {f.operation.path: (f.audience, f.audience_named) for f in capabilities.of_spec(spec)}
    assert found["orders"] == ("merchant", True)
    assert found["orderCancel"] == ("merchant", True)
    assert found["orderNotes"] == ("merchant", True)
    assert found["shopAddressUpdate"] == ("merchant", True)  # a field name is no path: "shop" names no audience
    # The logged-in user's own address is the shopper's; in a schema that states permissions per
    # field, a field that requires none is open to the shopper (one reader: capabilities/fields.py).
    assert found["address"] == ("shopper", True) and found["orderByToken"] == ("shopper", True)


# -- near misses --------------------------------------------------------------------------------------

def test_explain_names_the_matcher_step_that_ruled_each_candidate_out(tmp_path):
    spec = openapi("Shop API", [
        {"method": "get", "path": "/store/orders/{id}", "operationId": "getOrder", "summary": "Get an order"},
        {"method": "get", "path": "/store/promotions/settings", "operationId": "getPromotionSettings",
         "summary": "Promotion settings"},
        {"method": "get", "path": "/store/customers/search", "operationId": "searchCustomers",
         "summary": "Search customers"},
    ])
    spec["openapi"] = "3.1.0"
    spec["webhooks"] = {"returnCreated": {"post": {"operationId": "returnCreated", "summary": "A return request was created",
                                                   "responses": {"200": {"description": "OK"}}}}}
    folder = shop_stack(tmp_path / "near", spec)
    data = journey_json(folder)
    web = "web"
    assert cell(data, "cancel-order", web)["state"] == MISSING
    assert [(n["operation"], n["reason"]) for n in cell(data, "cancel-order", web)["near_misses"]] == [
        ("GET /store/orders/{id}", "method GET, not POST/PUT/PATCH/DELETE (and action read, not cancel "
                                   "(path segment 'order'; GET on one order))")]
    voucher = cell(data, "voucher-redeem", web)
    assert voucher["state"] == MISSING
    assert voucher["near_misses"][0]["operation"] == "GET /store/promotions/settings"
    assert voucher["near_misses"][0]["reason"] == "action configure, not redeem (path 'setting' of voucher; path noun 'setting')"
    search = cell(data, "product-search", web)
    assert search["state"] == MISSING
    assert [(n["operation"], n["reason"]) for n in search["near_misses"]] == [
        ("GET /store/customers/search", "reads customer:search (path segment 'customer'; path verb 'search'), not "
                                        "product:search (the words matched: path /store/customers/search and wording "
                                        "'search' match)")]
    returns = cell(data, "returns", web)
    assert returns["state"] == MISSING
    assert returns["near_misses"][0]["operation"] == "POST /returnCreated"
    assert returns["near_misses"][0]["reason"].startswith("webhook receiver / contract the provider implements")
    # Self-service cells are not searched.
    assert cell(data, "order-tracking", web)["state"] == SELF_SERVICE
    assert cell(data, "order-tracking", web)["near_misses"] == []


def test_explain_names_the_backend_service_a_channel_cannot_pass(tmp_path):
    """app -> pricing-api; pricing calls order-api, which only the call centre consumes."""
    orders = openapi("Orders", [{"method": "post", "path": "/orders", "operationId": "createOrder",
                                 "summary": "Place an order"}])
    prices = openapi("Pricing", [{"method": "get", "path": "/prices/{sku}", "operationId": "getPrice",
                                  "summary": "Get a price"}])
    folder = write_stack(tmp_path / "backend", [
        component("app", "mobile-app", consumes=["pricing-api"]),
        component("agents", "call-center", consumes=["order-api"]),
        component("pricing", "service", consumes=["order-api"], provides=["pricing-api"]),
        component("orders", "service", provides=["order-api"]),
        api("pricing-api", "prices.yaml"), api("order-api", "orders.yaml"),
    ], {"orders.yaml": orders, "prices.yaml": prices})
    data = journey_json(folder)
    place = cell(data, "place-order", "app")
    assert place["state"] == PHONE_ONLY
    assert place["near_misses"][0]["operation"] == "POST /orders"
    assert place["near_misses"][0]["reason"] == (
        "not reachable from channel app: only via backend service pricing "
        "(app -> pricing-api -> pricing -> order-api), whose outbound calls are no entry point")


def test_explain_cli_prints_the_cells_and_refuses_an_unknown_touchpoint(tmp_path):
    folder = shop_stack(tmp_path / "cli")
    run = run_cli("journey", str(folder), "--explain", "cancel-order")
    assert run.exit_code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "cancel-order (Cancel an order), stage service, required"
    assert "  web: staff-only - POST /admin/orders/{id}/cancel of shop-api" in run.stdout
    assert ("      1. POST /admin/orders/{id}/cancel of shop-api: audience merchant "
            "(path /admin/orders/{id}/cancel): only staff may call it") in lines
    as_json = run_cli("journey", str(folder), "--explain", "cancel-order", "-f", "json")
    assert as_json.exit_code == 0 and as_json.report["name"] == "cancel-order"
    assert as_json.report["cells"]["web"]["state"] == STAFF_ONLY
    wrong = run_cli("journey", str(folder), "--explain", "cancel-ordr")
    assert wrong.exit_code == 2
    assert "no touchpoint 'cancel-ordr'" in wrong.stderr and "cancel-order, returns" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_explain_output_is_inert_text(tmp_path):
    spec = openapi("Shop API", [
        {"method": "post", "path": "/admin/orders/{id}/cancel\x1b[2J", "operationId": "cancelOrder",
         "summary": "Cancel an order"},
    ])
    run = run_cli("journey", str(shop_stack(tmp_path / "hostile", spec)), "--explain", "cancel-order")
    assert run.exit_code == 0, run.stderr
    assert "\x1b" not in run.stdout and "\\x1b" in run.stdout


def test_without_channels_a_touchpoint_no_api_offers_lists_its_near_misses(tmp_path):
    spec = openapi("Orders", [{"method": "get", "path": "/orders/{id}", "operationId": "getOrder",
                               "summary": "Get an order"}])
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "orders.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    data = journey_json(tmp_path / "bare")
    assert data["channels"] == []
    near = touchpoint(data, "cancel-order")["near_misses"]
    assert [n["operation"] for n in near] == ["GET /orders/{id}"]
    assert touchpoint(data, "order-tracking")["near_misses"] == []  # offered: nothing to explain
    assert operations(data, "order-tracking") == {"GET /orders/{id}"}


def test_html_gap_table_shows_staff_only_and_the_nearest_miss(tmp_path):
    folder = shop_stack(tmp_path / "html", openapi("Shop API", [
        {"method": "get", "path": "/store/orders/{id}", "operationId": "getOrderStatus", "summary": "Get order status"},
        {"method": "post", "path": "/admin/orders/{id}/cancel", "operationId": "cancelOrder", "summary": "Cancel an order"},
        {"method": "delete", "path": "/admin/orders/{id}/notes/{note}", "operationId": "deleteOrderNote",
         "summary": "Delete a note"},
    ]))
    report = tmp_path / "report.html"
    run = run_cli("audit", str(folder), "-f", f"html:{report}", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    html = report.read_text(encoding="utf-8")
    assert '<span class="chip staff-only">staff-only</span><span class="sub">web</span>' in html
    assert ("shop-api POST /admin/orders/{id}/cancel is for the merchant&#39;s staff only "
            "(path /admin/orders/{id}/cancel); the channel reaches its API, but no customer may call it.") in html
    # The nearest miss other than the cell's own operation: the note's deletion changes the order.
    assert ("Nearest miss: shop-api DELETE /admin/orders/{id}/notes/{note}: action update, not cancel") in html


def test_back_office_scopes_make_an_operation_staff_only(tmp_path):
    spec = openapi("Orders", [
        {"method": "get", "path": "/orders/{id}", "operationId": "getOrder", "summary": "Get order status",
         "security": [{"oauth": ["orders:read"]}]},
        {"method": "post", "path": "/orders/{id}/cancel", "operationId": "cancelOrder", "summary": "Cancel an order",
         "security": [{"oauth": ["admin:orders"]}, {"apiKey": []}]},
        {"method": "delete", "path": "/orders/{id}", "operationId": "deleteOrder", "summary": "Cancel an order (admin)",
         "security": [{"oauth": ["admin:orders"]}]},
    ])
    spec["components"] = {"securitySchemes": {
        "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://id.example.com/token", "scopes": {
            "orders:read": "read orders", "admin:orders": "manage orders"}}}},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-Key"}}}
    data = journey_json(shop_stack(tmp_path / "scoped", spec))
    assert cell(data, "order-tracking", "web")["state"] == SELF_SERVICE
    # The cancel path also takes an API key without a scope: not only staff may call it.
    cancel = cell(data, "cancel-order", "web")
    assert cancel["state"] == SELF_SERVICE and cancel["operation"]["operation"] == "POST /orders/{id}/cancel"
    by_operation = {o["operation"]: o for o in touchpoint(data, "cancel-order")["operations"]}
    assert by_operation["DELETE /orders/{id}"]["audience_evidence"] == "security scope 'admin:orders'"
    assert by_operation["DELETE /orders/{id}"]["staff_only"] is True


def test_a_firm_capability_stands_whatever_the_touchpoints_methods(tmp_path):
    """Spree's storefront places the order with `PATCH /checkout/complete`: place-order lists POST
    and PUT to keep out words matching in the wrong direction, but the capability layer read this
    one from its path; a plain checkout update (`PATCH /checkout`) still places nothing."""
    spec = openapi("Storefront", [
        {"method": "patch", "path": "/api/v2/storefront/checkout", "operationId": "update-checkout",
         "summary": "Update checkout"},
        {"method": "patch", "path": "/api/v2/storefront/checkout/complete", "operationId": "complete-checkout",
         "summary": "Complete checkout"},
    ])
    data = journey_json(shop_stack(tmp_path / "patch", spec))
    place = cell(data, "place-order", "web")
    assert place["state"] == SELF_SERVICE
    assert place["operation"]["operation"] == "PATCH /api/v2/storefront/checkout/complete"
