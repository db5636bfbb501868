"""BLR001–BLR007: evidence gaps, the propagation structure, and what counts as creating an order."""

from __future__ import annotations

import json
import textwrap

import pytest

from machaudit.graph import build_graphs
from machaudit.model import Operation
from machaudit.sources import load_stack
from machaudit_checks.blast_radius import _intent as intent
from machaudit_checks.blast_radius._propagation import propagation_map
from tests.conftest import FIXTURES, run_cli

ORDER_SPEC = textwrap.dedent("""\
    openapi: 3.0.3
    info: {title: Order API, version: 1.0.0}
    paths:
      /orders:
        get:
          operationId: listOrders
          parameters: [{name: where, in: query, schema: {type: string}}]
          responses:
            '200':
              description: orders
              content:
                application/json:
                  schema:
                    type: array
                    items: {type: object, properties: {discountCodes: {type: array, items: {type: string}}}}
        post:
          operationId: createOrder
          responses: {'201': {description: created}}
    """)

CATALOG_WITHOUT_DEFINITIONS = textwrap.dedent("""\
    apiVersion: backstage.io/v1alpha1
    kind: Component
    metadata: {name: order-management}
    spec: {type: service, owner: group:a, lifecycle: production, providesApis: [order-api, voucher-api]}
    ---
    apiVersion: backstage.io/v1alpha1
    kind: API
    metadata: {name: order-api}
    spec: {type: openapi, owner: group:a, lifecycle: production}
    ---
    apiVersion: backstage.io/v1alpha1
    kind: API
    metadata: {name: voucher-api}
    spec: {type: openapi, owner: group:a, lifecycle: production}
    """)


def audit(folder, check_id):
    run = run_cli("audit", str(folder), "--select", check_id, "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    return run.report


def gaps(report, check_id):
    return {g["subject"]: g["message"] for g in report["evidence_gaps"] if g["check"] == check_id}


def test_propagation_is_unknown_without_a_catalog(tmp_path):
    (tmp_path / "orders.yaml").write_text(ORDER_SPEC)
    report = audit(tmp_path, "BLR001")
    assert report["findings"] == []
    found = gaps(report, "BLR001")
    assert list(found) == ["api:default/orders"]
    assert "order intake" in found["api:default/orders"] and "without a catalog" in found["api:default/orders"]


@pytest.mark.parametrize("check_id, subject", [
    ("BLR002", "api:default/order-api"),
    ("BLR003", "api:default/order-api"),
    ("BLR004", "api:default/order-api"),
    ("BLR005", "api:default/order-api"),
    ("BLR006", "api:default/voucher-api"),
    ("BLR007", "api:default/order-api"),
])
def test_spec_checks_are_unknown_for_an_api_without_definition(tmp_path, check_id, subject):
    (tmp_path / "catalog-info.yaml").write_text(CATALOG_WITHOUT_DEFINITIONS)
    report = audit(tmp_path, check_id)
    assert report["findings"] == []
    found = gaps(report, check_id)
    assert subject in found, found
    assert "has no spec.definition" in found[subject]


def test_order_list_with_a_free_form_filter_is_unknown(tmp_path):
    (tmp_path / "orders.yaml").write_text(ORDER_SPEC)
    report = audit(tmp_path, "BLR004")
    assert report["findings"] == []
    found = gaps(report, "BLR004")
    assert any(s.endswith("orders.yaml GET /orders") for s in found), found
    assert "free-form filter (where)" in next(iter(found.values()))


def test_propagation_map_is_a_plain_structure():
    stack, _ = load_stack([str(FIXTURES / "checks" / "BLR001" / "fail")])
    result = propagation_map(stack, build_graphs(stack))
    json.dumps(result)  # JSON-ready, no sets or tuples leaking out
    by_source = {item["source"]: item for item in result}
    voucher = by_source["component:default/promotion-service"]
    assert voucher["logic"] == ["voucher"]
    assert voucher["reaches"][0] == {
        "sink": "component:default/erp-core",
        "category": "erp",
        "path": ["component:default/promotion-service", "component:default/commerce-cloud",
                 "component:default/order-management", "component:default/erp-core"],
        "guarded": False,
        "guard": None,
        "hold_points": [],
    }
    # the OMS books shipments (it writes into shipping-api), so shipping is reached too
    assert {r["sink"] for r in voucher["reaches"]} == {"component:default/erp-core", "component:default/shipping-service"}


def test_propagation_map_names_the_hold_step():
    stack, _ = load_stack([str(FIXTURES / "checks" / "BLR001" / "pass")])
    result = {item["source"]: item for item in propagation_map(stack, build_graphs(stack))}
    reaches = {r["sink"]: r for r in result["component:default/promotion-service"]["reaches"]}
    assert reaches["component:default/erp-core"]["guarded"] is True
    assert reaches["component:default/erp-core"]["guard"] == "api:default/order-api POST /orders/{orderId}/hold"


def op(method, path, operation_id="", summary=""):
    return Operation(spec_file="x.yaml", method=method, path=path, pointer="", operation_id=operation_id, summary=summary)


@pytest.mark.parametrize("operation, noun, expected", [
    (op("POST", "/orders", "createOrder"), intent.ORDER, True),
    (op("POST", "/auftraege", "createAuftrag"), intent.ORDER, True),
    (op("POST", "/kundenauftraege"), intent.ORDER, True),
    (op("POST", "/orders/import", "importOrder"), intent.ORDER, True),
    (op("POST", "/quotes/{id}/acceptance", "acceptQuoteAndCreateOrder"), intent.ORDER, True),
    (op("POST", "/orders/{id}"), intent.ORDER, False),  # an update
    (op("POST", "/customers/-/ordertemplates", "createOrderTemplate"), intent.ORDER, False),
    (op("POST", "/auftraege/{nr}/versandauftrag"), intent.ORDER, False),  # a shipping order
    (op("POST", "/companies/{id}/terminalOrders"), intent.ORDER, False),  # hardware, not a customer order
    (op("POST", "/paypal/updateOrder"), intent.ORDER, False),
    (op("POST", "/bestellungen/{nr}/nachbestellung", "reorder"), intent.ORDER, False),
    (op("POST", "/payments"), intent.PAYMENT, True),
    (op("POST", "/paymentAuth"), intent.PAYMENT, True),
    (op("POST", "/payments/{id}/captures"), intent.PAYMENT, True),
    (op("POST", "/paymentInstruments"), intent.PAYMENT, False),
    (op("POST", "/paymentMethods"), intent.PAYMENT, False),
    (op("POST", "/checkout/zahlung", "startPayment", "Zahlung starten (Zahlungssitzung anlegen)"), intent.PAYMENT, False),
    (op("POST", "/sendungen", "createShipment"), intent.SHIPMENT, True),
    (op("POST", "/carts/{id}/shipping-methods"), intent.SHIPMENT, False),
    (op("POST", "/rechnungen"), intent.INVOICE, True),
])
def test_what_creates_an_order_a_payment_a_shipment(operation, noun, expected):
    assert intent.creates(operation, noun) is expected
