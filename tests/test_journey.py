"""The touchpoint map (machaudit/journey.py), through small stacks built in tmp_path and the CLI.

Covers: explicit mappings (`x-machaudit-touchpoint`, Journey documents naming operations) winning
over auto-matching; Journey documents given with `--journey` that edit the default journey, and the
ones that must be refused (exit 2, one clear line); German vocabulary; the four cell states and the
evidence every cell carries (operation, spec, pointer, confidence, reason, graph path); the figure
outputs; and two real APIs: Medusa's store API (bundled and split must agree) and Sock Shop.

Tests marked xfail(strict=True) describe behaviour the journey code does not have yet (bugs found
while writing these tests); they start failing loudly once it is fixed, so the mark can go.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from machaudit.graph import build_graphs
from machaudit.journey import INTERNAL_ONLY, MISSING, PHONE_ONLY, SELF_SERVICE, STAFF_ONLY, STATES
from machaudit.sources import LoadOptions, load_stack
from tests.conftest import run_cli

DATA = Path(__file__).resolve().parent / "data"
MEDUSA = DATA / "medusa-store"
SOCKSHOP = DATA / "sockshop"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# -- building stacks -------------------------------------------------------------------------------

def component(name: str, type_: str, consumes=(), provides=(), lifecycle: str = "production") -> dict:
    spec = {"type": type_, "lifecycle": lifecycle, "owner": "group:shop-team"}
    if provides:
        spec["providesApis"] = list(provides)
    if consumes:
        spec["consumesApis"] = list(consumes)
    return {"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": name}, "spec": spec}


def api(name: str, spec_file: str | None = None) -> dict:
    spec = {"type": "openapi", "lifecycle": "production", "owner": "group:shop-team"}
    if spec_file:
        spec["definition"] = {"$text": f"./{spec_file}"}
    return {"apiVersion": "backstage.io/v1alpha1", "kind": "API", "metadata": {"name": name}, "spec": spec}


def openapi(title: str, operations: list[dict]) -> dict:
    """A small OpenAPI 3.0 document; each operation: {method, path, operationId, summary, …extensions}."""
    paths: dict = {}
    for raw in operations:
        op = dict(raw)
        method, path = op.pop("method"), op.pop("path")
        params = re.findall(r"\{([^}]+)\}", path)
        if params:
            op["parameters"] = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params]
        op["responses"] = {"200": {"description": "OK"}}
        paths.setdefault(path, {})[method] = op
    return {"openapi": "3.0.3", "info": {"title": title, "version": "1.0.0"}, "paths": paths}


def write_stack(folder: Path, entities: list[dict], specs: dict[str, dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog-info.yaml").write_text(
        yaml.safe_dump_all(entities, sort_keys=False, allow_unicode=True), encoding="utf-8")
    for name, document in specs.items():
        (folder / name).write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return folder


def write_journey(path: Path, spec: dict, name: str = "custom") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"apiVersion": "machaudit.io/v1alpha1", "kind": "Journey", "metadata": {"name": name}, "spec": spec}
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def journey_json(target: Path, *args: str) -> dict:
    run = run_cli("journey", str(target), "-f", "json", *args)
    assert run.exit_code == 0, run.stderr
    return run.report


def touchpoint(data: dict, name: str) -> dict:
    found = [t for stage in data["stages"] for t in stage["touchpoints"] if t["name"] == name]
    assert len(found) == 1, f"touchpoint {name}: {len(found)} in the map"
    return found[0]


def names(data: dict) -> list[str]:
    return [t["name"] for stage in data["stages"] for t in stage["touchpoints"]]


def operations(data: dict, name: str) -> set[str]:
    return {o["operation"] for o in touchpoint(data, name)["operations"]}


def operation(data: dict, name: str, label: str) -> dict:
    return next(o for o in touchpoint(data, name)["operations"] if o["operation"] == label)


def cell(data: dict, name: str, channel: str) -> dict:
    return touchpoint(data, name)["cells"][channel]


def ref(kind: str, name: str) -> str:
    return f"{kind}:default/{name}"


# -- a small shop: one touchpoint in each state ---------------------------------------------------

ORDERS = openapi("Orders", [
    {"method": "post", "path": "/orders", "operationId": "createOrder", "summary": "Place an order"},
    {"method": "get", "path": "/orders/{orderId}", "operationId": "getOrder", "summary": "Get order status"},
])
TRACKING = openapi("Tracking", [
    {"method": "get", "path": "/shipments/{shipmentId}/tracking", "operationId": "trackShipment", "summary": "Track a shipment"},
])
RETURNS = openapi("Returns", [
    {"method": "post", "path": "/returns", "operationId": "createReturn", "summary": "Register a return request"},
])
CATALOG = openapi("Catalog", [
    {"method": "get", "path": "/products", "operationId": "listProducts", "summary": "Search products"},
])


def shop_entities() -> list[dict]:
    """webshop and mobile-app -> shop-bff -> orders/catalog; only the call centre reaches tracking;
    nobody reaches returns; no API offers ticket status."""
    return [
        component("webshop", "website", consumes=["shop-bff-api"]),
        component("mobile-app", "mobile-app", consumes=["shop-bff-api"]),
        component("callcenter", "call-center", consumes=["shop-bff-api", "tracking-api"]),
        component("shop-bff", "bff", consumes=["orders-api", "catalog-api"], provides=["shop-bff-api"]),
        component("order-service", "service", provides=["orders-api"]),
        component("catalog-service", "service", provides=["catalog-api"]),
        component("tracking-service", "service", provides=["tracking-api"]),
        component("returns-service", "service", provides=["returns-api"]),
        api("shop-bff-api"),
        api("orders-api", "orders.yaml"),
        api("catalog-api", "catalog.yaml"),
        api("tracking-api", "tracking.yaml"),
        api("returns-api", "returns.yaml"),
    ]


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    return write_stack(tmp_path_factory.mktemp("shop"), shop_entities(),
                       {"orders.yaml": ORDERS, "tracking.yaml": TRACKING, "returns.yaml": RETURNS, "catalog.yaml": CATALOG})


@pytest.fixture(scope="module")
def shop_map(shop) -> dict:
    return journey_json(shop)


def test_channels_are_customer_channels_then_the_call_centre(shop_map):
    assert shop_map["journey"] == "default-commerce"
    assert shop_map["channels"] == ["mobile-app", "webshop", "callcenter"]


def test_channel_reaching_an_api_through_its_bff_is_self_service(shop_map):
    for channel in ("webshop", "mobile-app"):
        found = cell(shop_map, "order-tracking", channel)
        assert found["state"] == SELF_SERVICE
        assert found["path"] == [ref("component", channel), ref("api", "shop-bff-api"), ref("component", "shop-bff"),
                                 ref("api", "orders-api")]
        assert found["operation"]["operation"] == "GET /orders/{orderId}"
    assert cell(shop_map, "place-order", "webshop")["operation"]["operation"] == "POST /orders"


def test_touchpoint_only_the_call_centre_reaches_is_phone_only(shop_map):
    for channel in ("webshop", "mobile-app"):
        found = cell(shop_map, "shipment-tracking", channel)
        assert found["state"] == PHONE_ONLY
        assert found["path"] == [ref("component", "callcenter"), ref("api", "tracking-api")]
        assert found["operation"]["operation"] == "GET /shipments/{shipmentId}/tracking"
        assert "call centre" in found["note"]
    agent = cell(shop_map, "shipment-tracking", "callcenter")
    assert agent["state"] == SELF_SERVICE
    assert agent["path"] == [ref("component", "callcenter"), ref("api", "tracking-api")]


def test_touchpoint_nobody_reaches_is_internal_only(shop_map):
    assert operations(shop_map, "returns") == {"POST /returns"}
    for channel in shop_map["channels"]:
        found = cell(shop_map, "returns", channel)
        assert found["state"] == INTERNAL_ONLY
        assert found["operation"]["operation"] == "POST /returns"  # what exists, though nobody reaches it
        assert found["path"] == []


def test_touchpoint_without_an_operation_is_missing(shop_map):
    assert touchpoint(shop_map, "ticket-status")["operations"] == []
    for channel in shop_map["channels"]:
        assert cell(shop_map, "ticket-status", channel) == {"state": MISSING, "operation": None, "path": [], "note": "",
                                                             "near_misses": []}


def test_every_cell_carries_its_evidence(shop, shop_map):
    stack, _ = load_stack([str(shop)], LoadOptions(validate=False))
    graph = build_graphs(stack).full
    channel_refs = {ref_.rpartition("/")[2]: ref_ for ref_ in (c.ref for c in stack.channels)}
    call_centres = {c.ref for c in stack.channels if c.type == "call-center"}
    specs = {name: yaml.safe_load((shop / name).read_text(encoding="utf-8"))
             for name in ("orders.yaml", "tracking.yaml", "returns.yaml", "catalog.yaml")}
    seen_states = set()
    for stage in shop_map["stages"]:
        for tp in stage["touchpoints"]:
            assert set(tp["cells"]) == set(shop_map["channels"])
            for channel, found in tp["cells"].items():
                state = found["state"]
                seen_states.add(state)
                assert state in STATES
                if state == MISSING:
                    assert found["operation"] is None and found["path"] == []
                    continue
                op = found["operation"]
                assert op is not None, (tp["name"], channel)
                assert op["operation"] in operations(shop_map, tp["name"])
                assert set(op) == {"api", "spec", "operation", "operation_id", "pointer", "confidence", "reason",
                                       "audience", "audience_evidence", "staff_only"}
                # the pointer leads to the operation in its spec
                spec_name = Path(op["spec"]).name
                target = specs[spec_name]
                for part in op["pointer"].split("/")[1:]:
                    target = target[part.replace("~1", "/").replace("~0", "~")]
                assert target["operationId"] == op["operation_id"]
                assert 0.5 <= op["confidence"] <= 1.0 and op["reason"]
                if state == INTERNAL_ONLY:
                    assert found["path"] == []
                    continue
                path = found["path"]
                start = channel_refs[channel] if state == SELF_SERVICE else path[0]
                assert path[0] == start
                if state == PHONE_ONLY:
                    assert path[0] in call_centres
                assert path[-1] == op["api"]
                assert all(graph.has_edge(u, v) for u, v in zip(path, path[1:])), path
    assert seen_states == set(STATES) - {STAFF_ONLY}  # the shop has no staff API: test_staff_only_* cover it


# -- explicit mappings ----------------------------------------------------------------------------

def history_stack(folder: Path, extension) -> Path:
    """GET /kundenkonto/historie/{vorgangId}: by its path account self-service, not order tracking."""
    history = {"method": "get", "path": "/kundenkonto/historie/{vorgangId}", "operationId": "kaufhistorie",
               "summary": "Kaufhistorie"}
    order = {"method": "get", "path": "/orders/{orderId}", "operationId": "getOrder", "summary": "Get order status"}
    if extension is not None:
        history["x-machaudit-touchpoint"] = extension
    return write_stack(folder, [
        component("webshop", "website", consumes=["shop-api"]),
        component("shop", "service", provides=["shop-api"]),
        api("shop-api", "shop.yaml"),
    ], {"shop.yaml": openapi("Shop", [history, order])})


def test_without_mapping_the_history_operation_is_account_self_service(tmp_path):
    data = journey_json(history_stack(tmp_path, None))
    assert "GET /kundenkonto/historie/{vorgangId}" in operations(data, "account-self-service")
    assert operations(data, "order-tracking") == {"GET /orders/{orderId}"}


def test_x_machaudit_touchpoint_maps_an_operation_whose_path_would_not_match(tmp_path):
    data = journey_json(history_stack(tmp_path, "order-tracking"))
    mapped = operation(data, "order-tracking", "GET /kundenkonto/historie/{vorgangId}")
    assert mapped["confidence"] == 1.0
    assert mapped["reason"] == "x-machaudit-touchpoint: order-tracking"
    # the explicit mapping wins: the operation no longer counts for what its path suggests
    assert "GET /kundenkonto/historie/{vorgangId}" not in operations(data, "account-self-service")
    # the strongest evidence goes into the cell
    assert cell(data, "order-tracking", "webshop")["operation"]["operation"] == "GET /kundenkonto/historie/{vorgangId}"


def test_x_machaudit_touchpoint_list_maps_to_several_touchpoints(tmp_path):
    data = journey_json(history_stack(tmp_path, ["order-tracking", "invoice-access"]))
    assert "GET /kundenkonto/historie/{vorgangId}" in operations(data, "order-tracking")
    assert "GET /kundenkonto/historie/{vorgangId}" in operations(data, "invoice-access")
    assert "GET /kundenkonto/historie/{vorgangId}" not in operations(data, "account-self-service")


def test_x_machaudit_touchpoint_none_removes_an_auto_match(tmp_path):
    folder = write_stack(tmp_path, [
        component("webshop", "website", consumes=["shop-api"]),
        component("shop", "service", provides=["shop-api"]),
        api("shop-api", "shop.yaml"),
    ], {"shop.yaml": openapi("Shop", [
        {"method": "get", "path": "/orders/{orderId}", "operationId": "getOrderInternal",
         "summary": "Get order (warehouse view)", "x-machaudit-touchpoint": "none"},
        {"method": "get", "path": "/products", "operationId": "listProducts", "summary": "Search products"},
    ])})
    data = journey_json(folder)
    assert operations(data, "order-tracking") == set()
    assert cell(data, "order-tracking", "webshop")["state"] == MISSING
    assert all("GET /orders/{orderId}" not in operations(data, name) for name in names(data))
    assert operations(data, "product-search") == {"GET /products"}  # other operations are unaffected


# -- Journey documents given with --journey ---------------------------------------------------------

SHOP_OPERATIONS = [
    {"method": "get", "path": "/products", "operationId": "listProducts", "summary": "Search products"},
    {"method": "post", "path": "/carts/{cartId}/items", "operationId": "addCartItem", "summary": "Add an item to the cart"},
    {"method": "post", "path": "/vouchers/{code}/redemption", "operationId": "redeemVoucher", "summary": "Redeem a voucher"},
    {"method": "get", "path": "/invoices", "operationId": "listInvoices", "summary": "List my invoices"},
    {"method": "post", "path": "/quotes", "operationId": "requestQuote", "summary": "Request a quote"},
]
PARTS_OPERATIONS = [
    {"method": "get", "path": "/maschinen/{seriennummer}/teile", "operationId": "teileliste", "summary": "Teileliste einer Maschine"},
]


@pytest.fixture
def b2b(tmp_path) -> Path:
    """A B2B portal behind its BFF; Journey documents for it are written into the same folder."""
    return write_stack(tmp_path / "b2b", [
        component("b2b-portal", "b2b-portal", consumes=["portal-bff-api"]),
        component("portal-bff", "bff", consumes=["shop-api", "ersatzteil-api"], provides=["portal-bff-api"]),
        component("shop", "service", provides=["shop-api"]),
        component("service-parts", "service", provides=["ersatzteil-api"]),
        api("portal-bff-api"),
        api("shop-api", "shop.yaml"),
        api("ersatzteil-api", "ersatzteile.yaml"),
    ], {"shop.yaml": openapi("Shop", SHOP_OPERATIONS), "ersatzteile.yaml": openapi("Ersatzteile", PARTS_OPERATIONS)})


B2B_JOURNEY = {
    "extends": "default",
    "drop": ["quote-request", "feedback"],
    "rename": {"voucher-redeem": "coupon-redeem"},
    "required": ["invoice-access"],
    "stages": [
        {"name": "find", "touchpoints": [{
            "name": "product-search",
            "title": "Product search",
            "required": True,
            "match": {"methods": ["GET", "POST"], "paths": ["/(products?|artikel|items)/?$"],
                      "keywords": ["\\bsearch\\b|\\bsuche\\b"]},
            # the path pattern also catches adding an item to a cart: not a search
            "exclude-operations": ["shop-api POST /carts/{cartId}/items"],
        }]},
        {"name": "after-sales", "touchpoints": [{
            "name": "spare-parts",
            "title": "Spare parts for an installed machine",
            "operations": ["ersatzteil-api GET /maschinen/{seriennummer}/teile"],
        }]},
    ],
}


def test_default_journey_on_the_b2b_stack(b2b):
    """The control for the Journey document test: what the default journey makes of the same stack."""
    data = journey_json(b2b)
    assert {"quote-request", "feedback", "voucher-redeem"} <= set(names(data))
    assert operations(data, "product-search") == {"GET /products"}  # adding to a cart is no search
    assert touchpoint(data, "invoice-access")["required"] is False
    assert operations(data, "quote-request") == {"POST /quotes"}
    assert all("GET /maschinen/{seriennummer}/teile" not in operations(data, n) for n in names(data))


def test_journey_document_edits_the_default_journey(b2b, tmp_path):
    journey = write_journey(b2b / "b2b-journey.yaml", B2B_JOURNEY, name="nordwind-b2b")
    data = journey_json(b2b, "--journey", str(journey))
    assert data["journey"] == "nordwind-b2b"
    assert "b2b-journey.yaml" in data["source"]
    listed = names(data)
    # dropped
    assert "quote-request" not in listed and "feedback" not in listed
    # renamed, in place, keeping its matcher
    assert "voucher-redeem" not in listed
    order_stage = next(s for s in data["stages"] if s["name"] == "order")
    assert [t["name"] for t in order_stage["touchpoints"]] == ["cart", "place-order", "quick-reorder", "coupon-redeem"]
    assert operations(data, "coupon-redeem") == {"POST /vouchers/{code}/redemption"}
    assert cell(data, "coupon-redeem", "b2b-portal")["state"] == SELF_SERVICE
    # marked required
    assert touchpoint(data, "invoice-access")["required"] is True
    assert operations(data, "invoice-access") == {"GET /invoices"}
    # exclude-operations removes the wrong auto-match, the right one stays
    assert operations(data, "product-search") == {"GET /products"}
    assert cell(data, "product-search", "b2b-portal")["operation"]["operation"] == "GET /products"
    # a new stage with a custom touchpoint naming its operation explicitly
    assert data["stages"][-1]["name"] == "after-sales"
    parts = touchpoint(data, "spare-parts")
    assert parts["title"] == "Spare parts for an installed machine"
    named = operation(data, "spare-parts", "GET /maschinen/{seriennummer}/teile")
    assert named["api"] == ref("api", "ersatzteil-api")
    assert named["confidence"] == 1.0 and named["reason"] == "named in the journey document"
    assert cell(data, "spare-parts", "b2b-portal")["state"] == SELF_SERVICE
    assert cell(data, "spare-parts", "b2b-portal")["path"] == [
        ref("component", "b2b-portal"), ref("api", "portal-bff-api"), ref("component", "portal-bff"), ref("api", "ersatzteil-api")]


def test_journey_document_in_the_catalog_is_used_too(b2b, tmp_path):
    folder = tmp_path / "stack"
    folder.mkdir()
    for item in b2b.iterdir():
        (folder / item.name).write_bytes(item.read_bytes())
    document = {"apiVersion": "machaudit.io/v1alpha1", "kind": "Journey", "metadata": {"name": "in-catalog"},
                "spec": {"extends": "default", "drop": ["quote-request"]}}
    with (folder / "catalog-info.yaml").open("a", encoding="utf-8") as handle:
        handle.write("---\n" + yaml.safe_dump(document, sort_keys=False))
    data = journey_json(folder)
    assert data["journey"] == "in-catalog"
    assert "quote-request" not in names(data)


def test_journey_document_without_extends_replaces_the_default(b2b, tmp_path):
    journey = write_journey(b2b / "only-parts.yaml", {"stages": [B2B_JOURNEY["stages"][1]]}, name="parts-only")
    data = journey_json(b2b, "--journey", str(journey))
    assert [s["name"] for s in data["stages"]] == ["after-sales"]
    assert names(data) == ["spare-parts"]


BAD_JOURNEYS = {
    "unknown spec field": ({"extends": "default", "stagess": []}, "spec has no field 'stagess'"),
    "unknown touchpoint field": (
        {"extends": "default", "stages": [{"name": "find", "touchpoints": [{"name": "spare-parts", "matches": {}}]}]},
        "touchpoint spare-parts has no field 'matches'"),
    "bad regex": (
        {"extends": "default", "stages": [{"name": "find", "touchpoints": [
            {"name": "spare-parts", "match": {"paths": ["/ersatzteile("]}}]}]},
        "'/ersatzteile(' is not a valid regular expression"),
    "drop names an unknown touchpoint": ({"extends": "default", "drop": ["warp-drive"]}, "no touchpoint or stage 'warp-drive'"),
    "rename names an unknown touchpoint": ({"extends": "default", "rename": {"order-trakcing": "order-status"}},
                                           "no touchpoint or stage 'order-trakcing'"),
    "required names an unknown touchpoint": ({"extends": "default", "required": ["sparepart"]}, "spec.required names 'sparepart', which is not a touchpoint"),
    "extends something else": ({"extends": "b2c"}, "spec.extends must be 'default'"),
}


@pytest.mark.parametrize("case", sorted(BAD_JOURNEYS))
def test_unusable_journey_document_exits_2_with_a_clear_message(b2b, tmp_path, case):
    spec, message = BAD_JOURNEYS[case]
    journey = write_journey(b2b / "bad-journey.yaml", spec)
    for command in (["journey", str(b2b), "-f", "json"], ["audit", str(b2b), "-f", "json", "--select", "JRN001"]):
        run = run_cli(*command, "--journey", str(journey))
        assert run.exit_code == 2, (command, run.stdout, run.stderr)
        assert message in run.stderr
        assert "bad-journey.yaml" in run.stderr  # names the document
        assert "Traceback" not in run.stderr + run.stdout
        assert "internal error" not in run.stderr
        assert run.stdout == ""


def test_journey_file_outside_the_audited_folder_is_read(b2b, tmp_path):
    journey = write_journey(tmp_path / "journeys" / "b2b.yaml", {"extends": "default", "drop": ["quote-request"]},
                            name="from-elsewhere")
    data = journey_json(b2b, "--journey", str(journey))
    assert data["journey"] == "from-elsewhere"
    assert "quote-request" not in names(data)


def test_missing_journey_file_exits_2(b2b, tmp_path):
    run = run_cli("journey", str(b2b), "--journey", str(tmp_path / "nope.yaml"))
    assert run.exit_code == 2
    assert "nope.yaml: no such file" in run.stderr


# -- gaps in checking Journey documents (bugs: see the module docstring) ---------------------------

def test_required_may_name_a_touchpoint_by_its_new_name(b2b, tmp_path):
    journey = write_journey(b2b / "j.yaml", {"extends": "default", "rename": {"order-tracking": "order-status"},
                                                  "required": ["order-status"]})
    data = journey_json(b2b, "--journey", str(journey))
    assert touchpoint(data, "order-status")["required"] is True


def test_exclude_operations_alone_keeps_the_default_matcher(b2b, tmp_path):
    journey = write_journey(b2b / "j.yaml", {"extends": "default", "stages": [{"name": "find", "touchpoints": [
        {"name": "product-search", "exclude-operations": ["shop-api POST /carts/{cartId}/items"]}]}]})
    data = journey_json(b2b, "--journey", str(journey))
    assert operations(data, "product-search") == {"GET /products"}
    assert touchpoint(data, "product-search")["required"] is True


def test_rename_onto_an_existing_touchpoint_is_refused(b2b, tmp_path):
    journey = write_journey(b2b / "j.yaml", {"extends": "default", "rename": {"cart": "payment"}})
    run = run_cli("journey", str(b2b), "-f", "json", "--journey", str(journey))
    assert run.exit_code == 2
    assert "payment" in run.stderr


def test_unknown_matcher_field_is_refused(b2b, tmp_path):
    journey = write_journey(b2b / "j.yaml", {"extends": "default", "stages": [{"name": "find", "touchpoints": [
        {"name": "spare-parts", "match": {"path": ["/teile"]}}]}]})
    run = run_cli("journey", str(b2b), "-f", "json", "--journey", str(journey))
    assert run.exit_code == 2
    assert "'path'" in run.stderr


def test_unknown_stage_field_is_refused(b2b, tmp_path):
    journey = write_journey(b2b / "j.yaml", {"extends": "default", "stages": [
        {"name": "after-sales", "touchpoint": [{"name": "spare-parts", "operations": ["ersatzteil-api GET /x"]}]}]})
    run = run_cli("journey", str(b2b), "-f", "json", "--journey", str(journey))
    assert run.exit_code == 2
    assert "'touchpoint'" in run.stderr


def test_x_machaudit_touchpoint_follows_a_rename(tmp_path):
    folder = history_stack(tmp_path / "stack", "order-tracking")
    journey = write_journey(folder / "j.yaml", {"extends": "default", "rename": {"order-tracking": "order-status"}})
    data = journey_json(folder, "--journey", str(journey))
    assert "GET /kundenkonto/historie/{vorgangId}" in operations(data, "order-status")


# -- vocabulary -------------------------------------------------------------------------------------

GERMAN = [
    # (method, path, summary, touchpoint, matched by)
    ("get", "/sv/{sendungsnummer}", "Sendungsverfolgung", "shipment-tracking", "wording"),
    ("get", "/artikel/{artikelnummer}/lager", "Verfügbarkeit prüfen", "availability-check", "wording"),
    ("post", "/kunden/{kundennummer}/pruefungen", "Bonitätsprüfung durchführen", "credit-check", "wording"),
    ("post", "/rueckgaben", "Retoure anmelden", "returns", "wording"),
    ("post", "/belege", "Auftrag anlegen", "place-order", "wording"),
    ("get", "/sendungsverfolgung/{sendungsnummer}", "Status abfragen", "shipment-tracking", "path"),
    ("get", "/verfuegbarkeit/{artikelnummer}", "Lieferbarkeit", "availability-check", "path"),
    ("get", "/bonitaetsauskunft/{kundennummer}", "Auskunft", "credit-check", "path"),
    ("post", "/retouren", "Rücknahme erfassen", "returns", "path"),
    ("post", "/auftraege", "Neuer Beleg", "place-order", "path"),
    ("get", "/auftraege/{auftragsnummer}", "Auftragsstatus", "order-tracking", "path and wording"),
    ("get", "/rechnungen", "Rechnungen des Kunden", "invoice-access", "path and wording"),
]


@pytest.fixture(scope="module")
def german_map(tmp_path_factory) -> dict:
    ops = [{"method": m, "path": p, "operationId": f"op{i}", "summary": s} for i, (m, p, s, _, _) in enumerate(GERMAN)]
    folder = write_stack(tmp_path_factory.mktemp("deutsch"), [
        component("kundenportal", "b2b-portal", consumes=["erp-api"]),
        component("erp", "service", provides=["erp-api"]),
        api("erp-api", "erp.yaml"),
    ], {"erp.yaml": openapi("ERP", ops)})
    return journey_json(folder)


@pytest.mark.parametrize("method,path,summary,name,how", GERMAN, ids=[f"{g[3]}:{g[2]}" for g in GERMAN])
def test_german_vocabulary_matches(german_map, method, path, summary, name, how):
    label = f"{method.upper()} {path}"
    assert label in operations(german_map, name), touchpoint(german_map, name)["operations"]
    found = operation(german_map, name, label)
    if how == "wording":
        assert found["reason"].startswith("wording") and found["confidence"] == 0.55
    elif how == "path":
        assert found["reason"] == f"path {path} matches" and found["confidence"] == 0.7
    else:
        assert found["reason"].startswith(f"path {path} and wording") and found["confidence"] == 0.9
    assert cell(german_map, name, "kundenportal")["state"] == SELF_SERVICE


def test_german_operations_match_nothing_else(german_map):
    """Each operation above belongs to exactly one touchpoint."""
    for method, path, _, name, _ in GERMAN:
        label = f"{method.upper()} {path}"
        others = [n for n in names(german_map) if n != name and label in operations(german_map, n)]
        assert others == [], (label, others)


def test_keywords_match_camel_case_operation_ids(tmp_path):
    folder = write_stack(tmp_path, [
        component("webshop", "website", consumes=["shop-api"]),
        component("shop", "service", provides=["shop-api"]),
        api("shop-api", "shop.yaml"),
    ], {"shop.yaml": openapi("Shop", [
        {"method": "get", "path": "/v1/a/{id}", "operationId": "getOrderStatus"},
        {"method": "post", "path": "/v1/b/{id}", "operationId": "cancelOrder"},
    ])})
    data = journey_json(folder)
    assert "GET /v1/a/{id}" in operations(data, "order-tracking")
    assert "POST /v1/b/{id}" in operations(data, "cancel-order")


# -- figures ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_figure_is_valid_and_deterministic(shop, tmp_path, fmt):
    outputs = []
    for attempt in (1, 2):
        target = tmp_path / f"map{attempt}.{fmt}"
        run = run_cli("journey", str(shop), "-f", fmt, "-o", str(target))
        assert run.exit_code == 0, run.stderr
        assert run.stdout == ""
        outputs.append(target.read_bytes())
    first, second = outputs
    if fmt == "png":
        assert first.startswith(PNG_MAGIC)
        assert b"IEND" in first[-12:]
    else:
        text = first.decode("utf-8")
        assert text.lstrip().startswith("<?xml")
        assert "<svg" in text and text.rstrip().endswith("</svg>")
        assert "ticket-status" in text  # the labels are text, not paths
    assert first == second


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_figure_without_output_file_exits_2(shop, fmt):
    run = run_cli("journey", str(shop), "-f", fmt)
    assert run.exit_code == 2
    assert f"-f {fmt} needs -o FILE" in run.stderr
    assert run.stdout == ""


# -- Medusa store API: bundled and split --------------------------------------------------------------

@pytest.fixture(scope="module")
def medusa_map() -> dict:
    return journey_json(MEDUSA)


MEDUSA_SELF_SERVICE = {
    "product-search": {"GET /store/products"},
    "product-detail": {"GET /store/products/{id}"},
    "cart": {"POST /store/carts", "GET /store/carts/{id}", "POST /store/carts/{id}", "POST /store/carts/{id}/line-items"},
    "place-order": {"POST /store/carts/{id}/complete"},
    "payment": {"POST /store/payment-collections", "POST /store/payment-collections/{id}/payment-sessions"},
    "order-tracking": {"GET /store/orders/{id}"},
    "returns": {"POST /store/return"},
    "account-self-service": {"GET /store/customers/me", "POST /store/customers/me", "GET /store/customers/me/addresses",
                             "POST /store/customers/me/addresses"},
}
# What Medusa's store API does not offer (no such route at this commit).
MEDUSA_MISSING = ["quick-reorder", "quote-request", "credit-check", "invoice-access", "shipment-tracking",
                  "consolidated-delivery", "cancel-order", "ticket-status", "feedback"]


@pytest.mark.parametrize("name", sorted(MEDUSA_SELF_SERVICE))
def test_medusa_store_touchpoints_are_self_service(medusa_map, name):
    assert medusa_map["channels"] == ["storefront"]
    assert MEDUSA_SELF_SERVICE[name] <= operations(medusa_map, name)
    found = cell(medusa_map, name, "storefront")
    assert found["state"] == SELF_SERVICE
    assert found["path"] == [ref("component", "storefront"), ref("api", "store-api")]
    assert found["operation"]["spec"].endswith("medusa-store/openapi.yaml")
    assert found["operation"]["operation"] in operations(medusa_map, name)


def test_medusa_store_best_evidence(medusa_map):
    """The cell shows the strongest match: the route a storefront developer would name."""
    best = {name: cell(medusa_map, name, "storefront")["operation"] for name in MEDUSA_SELF_SERVICE}
    assert best["place-order"]["operation_id"] == "PostCartsIdComplete"
    assert best["order-tracking"]["operation_id"] == "GetOrdersId"
    assert best["returns"]["operation_id"] == "PostReturn"
    assert best["product-search"]["operation_id"] == "GetProducts"
    assert best["payment"]["operation_id"] in ("PostPaymentCollections", "PostPaymentCollectionsIdPaymentSessions")


@pytest.mark.parametrize("name", MEDUSA_MISSING)
def test_medusa_store_touchpoints_it_does_not_offer_are_missing(medusa_map, name):
    assert touchpoint(medusa_map, name)["operations"] == []
    assert cell(medusa_map, name, "storefront")["state"] == MISSING


def test_medusa_operations_come_from_the_split_files(medusa_map):
    """operationIds and summaries live in paths/*.yaml: matching read them through the $refs."""
    cart = {o["operation"]: o for o in touchpoint(medusa_map, "cart")["operations"]}
    assert cart["POST /store/carts/{id}/line-items"]["operation_id"] == "PostCartsIdLineItems"
    assert "wording" in cart["POST /store/carts/{id}/line-items"]["reason"]
    assert cart["POST /store/carts/{id}/line-items"]["pointer"] == "/paths/~1store~1carts~1{id}~1line-items/post"


def _matches_by_touchpoint(data: dict) -> dict[str, list[tuple]]:
    return {t["name"]: sorted((o["operation"], o["operation_id"], o["pointer"], o["confidence"], o["reason"])
                              for o in t["operations"])
            for stage in data["stages"] for t in stage["touchpoints"]}


def test_medusa_bundled_and_split_specs_give_the_same_matches(medusa_map):
    split = _matches_by_touchpoint(medusa_map)
    bundled = _matches_by_touchpoint(journey_json(MEDUSA / "openapi.full.yaml"))  # the file alone: an inferred API
    split_alone = _matches_by_touchpoint(journey_json(MEDUSA / "openapi.yaml"))
    assert sum(len(v) for v in split.values()) > 20
    assert bundled == split
    assert split_alone == split


def test_medusa_promotion_codes_are_voucher_redeem(medusa_map):
    assert "POST /store/carts/{id}/promotions" in operations(medusa_map, "voucher-redeem")


# -- Sock Shop -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sockshop_map() -> dict:
    return journey_json(SOCKSHOP)


def test_sockshop_touchpoints(sockshop_map):
    assert sockshop_map["channels"] == ["front-end"]
    assert operations(sockshop_map, "product-detail") == {"GET /catalogue/{id}"}
    assert operations(sockshop_map, "cart") == {"GET /carts/{customerId}", "POST /carts/{customerId}/items",
                                                "PATCH /carts/{customerId}/items", "DELETE /carts/{customerId}",
                                                "DELETE /carts/{customerId}/items/{itemId}"}
    assert operations(sockshop_map, "place-order") == {"POST /orders"}
    assert "GET /catalogue" in operations(sockshop_map, "product-search")
    for name in ("product-search", "product-detail", "cart", "place-order", "account-self-service"):
        assert cell(sockshop_map, name, "front-end")["state"] == SELF_SERVICE, name


def test_sockshop_payment_is_not_reached_through_the_order_service(sockshop_map):
    """front-end does not call payment itself; orders does, when an order is placed. A backend's
    outbound call is not an entry point: the front-end cannot call POST /paymentAuth."""
    found = cell(sockshop_map, "payment", "front-end")
    assert found["state"] == INTERNAL_ONLY
    assert found["operation"]["operation"] == "POST /paymentAuth" and found["path"] == []


def test_sockshop_adding_to_the_cart_is_not_a_product_search(sockshop_map):
    assert operations(sockshop_map, "product-search") == {"GET /catalogue"}
    assert cell(sockshop_map, "product-search", "front-end")["operation"]["operation"] == "GET /catalogue"


def test_json_map_to_a_file_is_the_same_as_to_standard_output(shop, tmp_path):
    run = run_cli("journey", str(shop), "-f", "json")
    assert run.exit_code == 0
    target = tmp_path / "map.json"
    to_file = run_cli("journey", str(shop), "-f", "json", "-o", str(target))
    assert to_file.exit_code == 0 and to_file.stdout == ""
    assert target.read_text(encoding="utf-8") == run.stdout
    assert json.loads(run.stdout)["stages"][0]["name"] == "find"
