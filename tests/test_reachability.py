"""Who can really reach what (machaudit.journey.entry_paths): a channel reaches an operation only in
an API it consumes, through a gateway that routes to it, or in its BFF's own API; a backend
service's outbound calls never extend what a channel reaches. The checks reading the map (JRN001,
ORC013, HDL006) follow."""

from __future__ import annotations

from pathlib import Path

from machaudit.journey import PHONE_ONLY, SELF_SERVICE, INTERNAL_ONLY
from tests.conftest import run_cli
from tests.test_journey import api, cell, component, journey_json, openapi, ref, write_stack

ORDERS = openapi("Orders", [
    {"method": "post", "path": "/orders", "operationId": "createOrder", "summary": "Place an order"},
    {"method": "get", "path": "/orders/{orderId}/status", "operationId": "getOrderStatus", "summary": "Get the order status"},
])
PRICES = openapi("Pricing", [
    {"method": "get", "path": "/prices/{sku}", "operationId": "getPrice", "summary": "Get the customer price"},
])
PRODUCTS = openapi("Products", [
    {"method": "get", "path": "/products", "operationId": "searchProducts", "summary": "Search products"},
])
SPECS = {"orders.yaml": ORDERS, "prices.yaml": PRICES, "products.yaml": PRODUCTS}


def audit(folder: Path, checks: str) -> list[dict]:
    run = run_cli("audit", str(folder), "-f", "json", "--fail-on", "never", "--select", checks)
    assert run.exit_code == 0, run.stderr
    return run.report["findings"]


def pricing_calls_orders(folder: Path) -> Path:
    """The case of issue 15: the app asks pricing for prices; pricing itself calls the order API;
    only the call centre consumes the order API."""
    return write_stack(folder, [
        component("app", "mobile-app", consumes=["pricing-api", "product-api"]),
        component("web", "website", consumes=["pricing-api", "product-api"]),
        component("call-center", "call-center", consumes=["order-api"]),
        component("pricing", "service", consumes=["order-api"], provides=["pricing-api"]),
        component("order-service", "service", provides=["order-api"]),
        component("product-service", "service", provides=["product-api"]),
        api("pricing-api", "prices.yaml"), api("order-api", "orders.yaml"), api("product-api", "products.yaml"),
    ], SPECS)


def test_a_backend_call_does_not_extend_what_the_app_reaches(tmp_path):
    data = journey_json(pricing_calls_orders(tmp_path))
    for name in ("place-order", "order-tracking"):
        found = cell(data, name, "app")
        assert found["state"] == PHONE_ONLY, name
        # the evidence is the call centre's way in, not a way through pricing
        assert found["path"] == [ref("component", "call-center"), ref("api", "order-api")]
    assert cell(data, "price-check", "app")["path"] == [ref("component", "app"), ref("api", "pricing-api")]


def test_phone_only_ordering_is_reported_and_no_false_single_point_or_single_channel(tmp_path):
    findings = audit(pricing_calls_orders(tmp_path), "JRN001,ORC013,HDL006")
    by_check = {}
    for f in findings:
        by_check.setdefault(f["check"], []).append(f["subject"])
    assert sorted(by_check.get("JRN001", [])) == ["touchpoint order-tracking", "touchpoint place-order"]
    assert "ORC013" not in by_check  # pricing is no way to place an order
    assert "HDL006" not in by_check  # neither app nor web offers ordering


def gateway_stack(folder: Path, routes: str | None = None) -> Path:
    gateway = component("api-gateway", "api-gateway", consumes=["order-api", "pricing-api"], provides=["public-api"])
    if routes is not None:
        gateway["metadata"]["annotations"] = {"machaudit.io/routes": routes}
    return write_stack(folder, [
        component("app", "mobile-app", consumes=["public-api"]),
        gateway,
        component("pricing", "service", provides=["pricing-api"]),
        component("order-service", "service", provides=["order-api"]),
        api("public-api"), api("pricing-api", "prices.yaml"), api("order-api", "orders.yaml"),
    ], SPECS)


def test_a_gateway_routes_to_the_apis_it_consumes_and_the_cell_keeps_the_path(tmp_path):
    data = journey_json(gateway_stack(tmp_path))
    found = cell(data, "place-order", "app")
    assert found["state"] == SELF_SERVICE
    assert found["path"] == [ref("component", "app"), ref("api", "public-api"), ref("component", "api-gateway"),
                             ref("api", "order-api")]
    assert found["note"] == ""  # declared in the catalog: nothing assumed


def test_declared_routes_narrow_what_a_gateway_passes_on(tmp_path):
    data = journey_json(gateway_stack(tmp_path, routes="pricing-api"))
    assert cell(data, "price-check", "app")["state"] == SELF_SERVICE
    assert cell(data, "place-order", "app")["state"] == INTERNAL_ONLY


def bff_stack(folder: Path, bff_spec: str | None) -> Path:
    specs = dict(SPECS)
    if bff_spec:
        specs["bff.yaml"] = PRODUCTS  # the BFF's own API offers product search only
    return write_stack(folder, [
        component("web", "website", consumes=["shop-bff-api"]),
        component("shop-bff", "bff", consumes=["order-api", "product-api"], provides=["shop-bff-api"]),
        component("order-service", "service", provides=["order-api"]),
        component("product-service", "service", provides=["product-api"]),
        api("shop-bff-api", bff_spec), api("order-api", "orders.yaml"), api("product-api", "products.yaml"),
    ], specs)


def test_a_bff_with_a_definition_offers_its_own_api_only(tmp_path):
    data = journey_json(bff_stack(tmp_path, "bff.yaml"))
    assert cell(data, "product-search", "web")["path"] == [ref("component", "web"), ref("api", "shop-bff-api")]
    assert cell(data, "place-order", "web")["state"] == INTERNAL_ONLY


def test_a_bff_without_a_definition_is_taken_to_pass_its_backends_on_and_says_so(tmp_path):
    data = journey_json(bff_stack(tmp_path, None))
    found = cell(data, "place-order", "web")
    assert found["state"] == SELF_SERVICE
    assert found["path"] == [ref("component", "web"), ref("api", "shop-bff-api"), ref("component", "shop-bff"),
                             ref("api", "order-api")]
    assert found["note"] == "shop-bff-api has no readable definition: shop-bff (bff) is taken to pass on the APIs it consumes"


def test_internal_only_step_names_the_reached_service_that_calls_it(tmp_path):
    """Without a call centre, ordering is internal-only; JRN002 says that pricing, which the
    channels do reach, calls the order API: it may take the step for the customer."""
    folder = write_stack(tmp_path, [
        component("app", "mobile-app", consumes=["pricing-api"]),
        component("pricing", "service", consumes=["order-api"], provides=["pricing-api"]),
        component("order-service", "service", provides=["order-api"]),
        api("pricing-api", "prices.yaml"), api("order-api", "orders.yaml"),
    ], SPECS)
    assert cell(journey_json(folder), "place-order", "app")["state"] == INTERNAL_ONLY
    found = [f for f in audit(folder, "JRN002") if f["subject"] == "touchpoint place-order"]
    assert [f["message"] for f in found] == [
        "'place-order' exists as POST /orders of order-api, but no customer channel or call centre reaches it; "
        "only pricing (provides pricing-api, which app uses) calls it, behind the channels' entry points: if that "
        "service takes this step for the customer, map the operation that does it with x-machaudit-touchpoint"]
