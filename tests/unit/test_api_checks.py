"""API family: evidence gaps (unknown, never a pass) and the breaking-change diff behind API009."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from machaudit.sources import LoadOptions, load_stack
from machaudit_checks.api._diff import breaking_changes
from tests.conftest import run_cli

CATALOG_WITHOUT_DEFINITIONS = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: order-management
spec:
  type: service
  lifecycle: production
  owner: group:order-team
  providesApis: [orders-api, returns-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: orders-api
spec:
  type: openapi
  lifecycle: production
  owner: group:order-team
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: returns-api
spec:
  type: openapi
  lifecycle: production
  owner: group:order-team
  definition:
    $text: ./missing/returns.yaml
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: order-events
spec:
  type: asyncapi
  lifecycle: production
  owner: group:order-team
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def gaps(folder: Path, check_id: str) -> list[dict]:
    run = run_cli("audit", str(folder), "--select", check_id, "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    report = run.report
    assert not [f for f in report["findings"] if f["check"] == check_id]
    assert not [r for r in report["results"] if r["check"] == check_id and r["state"] == "pass"]
    return [g for g in report["evidence_gaps"] if g["check"] == check_id]


@pytest.mark.parametrize("check_id", [f"API{n:03d}" for n in range(1, 12)])
def test_api_without_definition_is_an_evidence_gap(tmp_path, check_id):
    write(tmp_path, "catalog-info.yaml", CATALOG_WITHOUT_DEFINITIONS)
    found = {g["subject"]: g["message"] for g in gaps(tmp_path, check_id)}
    assert "has no spec.definition" in found["api:default/orders-api"]
    assert "could not be read" in found["api:default/returns-api"]
    assert "api:default/order-events" not in found  # an AsyncAPI API is not judged by OpenAPI checks


ORDERS_SPEC = """\
openapi: 3.0.3
info: {title: Orders, version: 1.0.0}
servers: [{url: "https://api.vendor.example.com/v1"}]
paths:
  /orders:
    post:
      operationId: createOrder
      responses: {'201': {description: created}}
  /orders/{id}:
    get:
      operationId: getOrder
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: the order}}
"""


def test_nano_api_without_catalog_is_unknown(tmp_path):
    write(tmp_path, "orders.yaml", ORDERS_SPEC)
    [gap] = gaps(tmp_path, "API007")
    assert gap["subject"] == "api:default/orders"
    assert "without a catalog its consumers are unknown" in gap["message"]


def test_events_of_another_spec_without_catalog_are_unknown(tmp_path):
    write(tmp_path, "orders.yaml", ORDERS_SPEC)
    write(tmp_path, "order-webhooks.yaml", """\
        openapi: 3.1.0
        info: {title: Order webhooks, version: 1.0.0}
        webhooks:
          orderShipped:
            post:
              requestBody: {content: {application/json: {schema: {type: object}}}}
              responses: {'200': {description: ok}}
        """)
    [gap] = gaps(tmp_path, "API010")
    assert gap["subject"].endswith("orders.yaml")
    assert "order-webhooks.yaml" in gap["message"] and "same provider" in gap["message"]


def test_health_of_a_public_host_without_catalog_is_unknown(tmp_path):
    write(tmp_path, "orders.yaml", ORDERS_SPEC)
    [gap] = gaps(tmp_path, "API006")
    assert "api.vendor.example.com" in gap["message"] and "vendor's SaaS" in gap["message"]


def test_internal_host_without_health_fails(tmp_path):
    write(tmp_path, "orders.yaml", ORDERS_SPEC.replace("https://api.vendor.example.com/v1", "http://orders:8080/v1"))
    run = run_cli("audit", str(tmp_path), "--select", "API006", "-f", "json", "--fail-on", "never")
    assert [f["message"] for f in run.findings("API006")] == [
        "API Orders has no health, status, readiness or liveness operation among its 2 operations"]


def test_breaking_change_without_previous_version_is_unknown(tmp_path):
    write(tmp_path, "orders.yaml", ORDERS_SPEC)
    [gap] = gaps(tmp_path, "API009")
    assert "no previous version given" in gap["message"]


def test_previous_version_not_among_inputs_is_unknown(tmp_path):
    write(tmp_path, "orders.yaml", ORDERS_SPEC)
    write(tmp_path, "machaudit.toml", """\
        [checks.API009]
        previous = { "orders.yaml" = "../releases/1.0/orders.yaml" }
        """)
    [gap] = gaps(tmp_path, "API009")
    assert "is not among the audited inputs" in gap["message"]


# -- the diff ----------------------------------------------------------------------------------------

BASE = """\
openapi: 3.0.3
info: {title: Orders, version: 1.0.0}
paths:
  /orders:
    get:
      parameters:
        - {name: status, in: query, schema: {type: string, enum: [open, shipped, cancelled]}}
      responses:
        '200':
          description: orders
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Order'}}
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [customer]
              properties:
                customer: {type: string}
                note: {type: string}
                priority: {type: string, enum: [normal, express]}
      responses: {'201': {description: created}}
  /orders/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: order
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
  /orders/{id}/cancellation:
    post:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'202': {description: accepted}}
components:
  schemas:
    Order:
      type: object
      properties:
        number: {type: string}
        deliveryDate: {type: string}
        address:
          type: object
          properties:
            street: {type: string}
            city: {type: string}
        parent: {$ref: '#/components/schemas/Order'}
"""


def spec_pair(tmp_path: Path, old: str, new: str):
    write(tmp_path, "old/orders.yaml", old)
    write(tmp_path, "new/orders.yaml", new)
    specs = []
    for folder in ("old", "new"):
        stack, _ = load_stack([str(tmp_path / folder / "orders.yaml")], LoadOptions(validate=False))
        [spec] = stack.specs.values()
        specs.append(spec)
    return specs


def kinds(changes) -> list[tuple[str, str]]:
    return sorted((c.kind, c.detail) for c in changes)


def test_identical_specs_have_no_breaking_change(tmp_path):
    old, new = spec_pair(tmp_path, BASE, BASE)
    assert breaking_changes(old, new) == []


def test_compatible_changes_are_not_breaking(tmp_path):
    changed = (BASE.replace("enum: [open, shipped, cancelled]", "enum: [open, shipped, cancelled, on-hold]")
               .replace("/orders/{id}:", "/orders/{orderId}:")
               .replace("[{name: id, in: path, required: true, schema: {type: string}}]\n      responses:\n        '200'",
                        "[{name: orderId, in: path, required: true, schema: {type: string}}]\n      responses:\n        '200'")
               .replace("        deliveryDate: {type: string}\n", "        deliveryDate: {type: string}\n        tracking: {type: string}\n")
               .replace("                note: {type: string}\n",
                        "                note: {type: string}\n                costCentre: {type: string}\n"))
    old, new = spec_pair(tmp_path, BASE, changed)
    assert breaking_changes(old, new) == []


def test_removed_operation(tmp_path):
    changed = BASE.replace("""  /orders/{id}/cancellation:
    post:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'202': {description: accepted}}
""", "")
    old, new = spec_pair(tmp_path, BASE, changed)
    [change] = breaking_changes(old, new)
    assert (change.kind, change.label, change.in_old) == ("removed-operation", "POST /orders/{id}/cancellation", True)
    assert change.pointer == "/paths/~1orders~1{id}~1cancellation/post"


def test_new_required_parameter_and_request_property(tmp_path):
    changed = (BASE.replace("        - {name: status, in: query, schema: {type: string, enum: [open, shipped, cancelled]}}\n",
                            "        - {name: status, in: query, schema: {type: string, enum: [open, shipped, cancelled]}}\n"
                            "        - {name: channel, in: header, required: true, schema: {type: string}}\n")
               .replace("required: [customer]", "required: [customer, note]"))
    old, new = spec_pair(tmp_path, BASE, changed)
    assert kinds(breaking_changes(old, new)) == [
        ("new-required-parameter", "GET /orders requires the new header parameter channel"),
        ("new-required-property", "POST /orders requires the request property note"),
    ]


def test_removed_response_property_reports_the_outermost(tmp_path):
    changed = BASE.replace("""        address:
          type: object
          properties:
            street: {type: string}
            city: {type: string}
""", "").replace("        deliveryDate: {type: string}\n", "")
    old, new = spec_pair(tmp_path, BASE, changed)
    details = kinds(breaking_changes(old, new))
    assert ("removed-response-property", "the response of GET /orders/{id} no longer has the property address") in details
    assert ("removed-response-property", "the response of GET /orders/{id} no longer has the property deliveryDate") in details
    assert not any("address.street" in d for _, d in details)


def test_narrowed_enums(tmp_path):
    changed = (BASE.replace("enum: [open, shipped, cancelled]", "enum: [open, shipped]")
               .replace("enum: [normal, express]", "enum: [normal]")
               .replace("                note: {type: string}\n",
                        "                note: {type: string, enum: [fragile]}\n"))
    old, new = spec_pair(tmp_path, BASE, changed)
    assert kinds(breaking_changes(old, new)) == [
        ("narrowed-enum", "query parameter status of GET /orders no longer accepts 'cancelled'"),
        ("narrowed-enum", "request property note of POST /orders is now restricted to 'fragile'"),
        ("narrowed-enum", "request property priority of POST /orders no longer accepts 'express'"),
    ]


def test_recursive_schemas_terminate(tmp_path):
    changed = BASE.replace("        parent: {$ref: '#/components/schemas/Order'}\n", "")
    old, new = spec_pair(tmp_path, BASE, changed)
    details = kinds(breaking_changes(old, new))
    assert ("removed-response-property", "the response of GET /orders/{id} no longer has the property parent") in details


def test_small_partner_api_is_unknown_not_nano(tmp_path):
    write(tmp_path, "orders.yaml", ORDERS_SPEC)
    write(tmp_path, "catalog-info.yaml", """\
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata: {name: order-management}
        spec: {type: service, lifecycle: production, owner: group:order-team, providesApis: [partner-orders-api]}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata:
          name: partner-orders-api
          annotations: {machaudit.io/audience: partner}
        spec:
          type: openapi
          lifecycle: production
          owner: group:order-team
          definition: {$text: ./orders.yaml}
        """)
    [gap] = gaps(tmp_path, "API007")
    assert gap["subject"] == "api:default/partner-orders-api"
    assert "consumers are outside the catalog" in gap["message"]
