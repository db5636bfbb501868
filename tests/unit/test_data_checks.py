"""DAT checks: evidence gaps (unknown, never a pass) and the shared data-location derivation."""

from __future__ import annotations

import textwrap

from machaudit.sources import LoadOptions, load_stack
from machaudit_checks.data._location import data_locations, placement
from tests.catalog_builders import component
from tests.conftest import run_cli


def write(folder, files: dict[str, str]):
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return folder


def gaps(folder, check_id):
    run = run_cli("audit", str(folder), "--select", check_id, "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    report = run.report
    assert not [f for f in report["findings"] if f["check"] == check_id], report["findings"]
    return {g["subject"]: g["message"] for g in report["evidence_gaps"] if g["check"] == check_id}


def api(name, definition=None):
    target = f", definition: {{$text: {definition}}}" if definition else ""
    return f"""\
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {{name: {name}}}
spec: {{type: openapi, lifecycle: production, owner: group:team{target}}}
"""


CUSTOMERS_SPEC = """\
openapi: 3.0.3
info: {title: Customers, version: 1.0.0}
servers:
  %s
paths:
  /customers/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: A customer
          content:
            application/json:
              schema:
                type: object
                properties:
                  email: {type: string}
                  lastName: {type: string}
"""


def servers(*urls):
    return "\n  ".join(f"- url: {u}" for u in urls) if urls else "[]"


# -- unknown results ------------------------------------------------------------------------------

def test_dat001_dat002_unknown_without_system_of_record_annotations(tmp_path):
    write(tmp_path, {"catalog-info.yaml": component("erp", {"data-classes": "customer-pii, order"}, type="erp")})
    for check_id in ("DAT001", "DAT002"):
        found = gaps(tmp_path, check_id)
        assert set(found) == {f"core-entity:{e}" for e in ("customer", "order", "product", "price", "stock", "invoice", "shipment")}
        assert "machaudit.io/system-of-record" in found["core-entity:customer"]


def test_dat003_unknown_for_component_declaring_nothing(tmp_path):
    write(tmp_path, {"catalog-info.yaml": component("legacy-batch")})
    found = gaps(tmp_path, "DAT003")
    assert "declares no machaudit.io/data-classes and no region" in found["component:default/legacy-batch"]


def test_dat003_and_dat004_unknown_for_spec_without_catalog(tmp_path):
    write(tmp_path, {"customers.yaml": CUSTOMERS_SPEC % servers("https://api.example.com/v1")})
    found = gaps(tmp_path, "DAT003")
    assert "customer-pii (inferred)" in found["api:default/customers"]
    assert "email (email)" in found["api:default/customers"]
    found = gaps(tmp_path, "DAT004")
    assert "its region is unknown" in found["api:default/customers"]


def test_dat004_unknown_when_region_is_ambiguous(tmp_path):
    write(tmp_path, {
        "catalog-info.yaml": component("crm", {"data-classes": "customer-pii"}, providesApis="[customer-api]")
        + api("customer-api", "./customers.yaml"),
        "customers.yaml": CUSTOMERS_SPEC % servers("https://api-us.crm.example.com/v1", "https://api.crm.example.com/v1"),
    })
    found = gaps(tmp_path, "DAT004")
    assert "several regions" in found["component:default/crm"]


def test_dat006_unknown_without_system_or_owner(tmp_path):
    write(tmp_path, {"catalog-info.yaml": component("reporting", dependsOn="[resource:orders-db]") + """\
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: orders-db}
spec: {type: database}
"""})
    found = gaps(tmp_path, "DAT006")
    assert "cannot tell whether resource orders-db belongs" in found["component:default/reporting -> resource:default/orders-db"]


def test_dat007_unknown_when_consumer_region_unknown(tmp_path):
    write(tmp_path, {"catalog-info.yaml":
        component("customer-master", {"data-classes": "customer-pii", "region": "eu-central-1"}, providesApis="[customer-api]")
        + component("newsletter", consumesApis="[customer-api]")
        + api("customer-api")})
    found = gaps(tmp_path, "DAT007")
    assert "region of newsletter is unknown" in found["component:default/customer-master -> component:default/newsletter"]


def test_dat008_unknown_for_saas_master_without_api(tmp_path):
    write(tmp_path, {"catalog-info.yaml": component("pim", {"hosting": "saas", "system-of-record": "product"}, type="saas")})
    found = gaps(tmp_path, "DAT008")
    assert "declares no API it provides" in found["component:default/pim"]


def test_dat009_unknown_without_catalog(tmp_path):
    write(tmp_path, {"customers.yaml": CUSTOMERS_SPEC % servers()})
    found = gaps(tmp_path, "DAT009")
    assert "no catalog components" in found["core-entity:customer"]


# -- the shared derivation -------------------------------------------------------------------------

def stack_of(folder):
    stack, _ = load_stack([str(folder)], LoadOptions(validate=False))
    return stack


def test_region_inferred_from_production_server_and_marked_inferred(tmp_path):
    write(tmp_path, {
        "catalog-info.yaml": component("payments", {"data-classes": "payment"}, providesApis="[payment-api]")
        + api("payment-api", "./customers.yaml"),
        "customers.yaml": CUSTOMERS_SPEC % servers("https://checkout-live.eu.paylance.example.com/v3",
                                                    "https://checkout-test.paylance.example.com/v3"),
    })
    records = {(r.holder, r.data_class): r for r in data_locations(stack_of(tmp_path))}
    payment = records[("component:default/payments", "payment")]
    assert payment.region == "eu"
    assert payment.region_inferred
    assert payment.region_source == "inferred from servers: https://checkout-live.eu.paylance.example.com/v3"
    assert payment.location.pointer == "/servers/0/url"
    pii = records[("component:default/payments", "customer-pii")]
    assert pii.class_inferred and "email (email)" in pii.class_source
    assert pii.as_dict()["region_source"].startswith("inferred from servers:")


def test_region_declared_on_system_and_resource_region_from_its_users(tmp_path):
    write(tmp_path, {"catalog-info.yaml": """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: commerce
  annotations: {machaudit.io/provider: aws, machaudit.io/region: eu-central-1}
spec: {owner: group:team}
""" + component("orders", system="commerce", dependsOn="[resource:orders-db]") + """\
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: orders-db
  annotations: {machaudit.io/data-classes: "order, customer-pii"}
spec: {type: database}
"""})
    stack = stack_of(tmp_path)
    place = placement(stack, stack.entities["component:default/orders"])
    assert (place.provider, place.region, place.source) == ("aws", "eu-central-1", "declared on system:default/commerce")
    records = [r for r in data_locations(stack) if r.holder == "resource:default/orders-db"]
    assert [r.data_class for r in records] == ["order", "customer-pii"]
    assert all(r.region == "eu-central-1" and r.region_source == "inferred from the components that use it: orders" for r in records)


def test_regional_alternatives_are_not_a_location(tmp_path):
    write(tmp_path, {
        "customers.yaml": CUSTOMERS_SPEC % servers("https://device-api-live-us.vendor.example.com/v1",
                                                    "https://device-api-live.vendor.example.com/v1",
                                                    "https://device-api-test.vendor.example.com/v1"),
    })
    (record,) = data_locations(stack_of(tmp_path))
    assert record.region == ""
    assert record.candidates == ("", "us")
    assert "several regions" in record.region_source


def test_flags_and_descriptions_of_personal_data_are_not_personal_data(tmp_path):
    spec = """\
openapi: 3.0.3
info: {title: Settings, version: 1.0.0}
paths: {}
components:
  schemas:
    Settings:
      type: object
      properties:
        emailVerified: {type: boolean}
        addressType: {type: string}
        phoneCount: {type: integer}
        deliveryAddressUsageDate: {type: string}
        webAddress: {type: string}
        _links: {type: object, properties: {address: {type: string}}}
"""
    write(tmp_path, {"settings.yaml": spec})
    assert data_locations(stack_of(tmp_path)) == []
