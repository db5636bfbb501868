"""Rules read as a client on the event-driven sample, and fixed there: a BFF's channel is a head of
what the BFF calls (HDL005); a broker adds no blast-radius path around the event APIs the catalog
declares, and a hold step is no source of commercial logic (BLR001)."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import run_cli


def _entity(kind: str, name: str, annotations: dict | None = None, **spec) -> dict:
    metadata = {"name": name, **({"annotations": annotations} if annotations else {})}
    return {"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": metadata,
            "spec": {"lifecycle": "production", "owner": "group:shop", **spec}}


def _audit(folder: Path, entities: list[dict], check: str) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog-info.yaml").write_text(yaml.safe_dump_all(entities, sort_keys=False), encoding="utf-8")
    run = run_cli("audit", str(folder), "--select", check, "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    return run.report


SDL = "type Query {\n  products(search: String): [String!]!\n}\n"


def test_headless_product_behind_a_defined_bff_has_a_head(tmp_path):
    (tmp_path / "bff.graphql").write_text(SDL, encoding="utf-8")
    entities = [
        _entity("Component", "web", type="website", consumesApis=["bff-graphql"]),
        _entity("Component", "bff", type="bff", providesApis=["bff-graphql"], consumesApis=["engine-api"]),
        _entity("Component", "engine", {"machaudit.io/headless": "true"}, type="saas", providesApis=["engine-api"]),
        _entity("Component", "oms", type="service", consumesApis=["engine-api"]),
        _entity("API", "bff-graphql", type="graphql", definition={"$text": "./bff.graphql"}),
        _entity("API", "engine-api", type="openapi"),
    ]
    report = _audit(tmp_path, entities, "HDL005")
    assert report["findings"] == []
    [result] = [r for r in report["results"] if r["check"] == "HDL005"]
    assert (result["state"], result["message"]) == ("pass", "reached from web")


def _shop(bus_user_declares_events: bool) -> list[dict]:
    """order-service publishes order events; order-review subscribes and publishes approvals; billing
    invoices approved orders only. All of them use the Kafka cluster; so does `legacy-erp-sync`,
    whose events the catalog does not declare."""
    bus = {"dependsOn": ["resource:event-bus"]}
    entities = [
        _entity("Component", "order-service", type="service", providesApis=["order-events"], **bus),
        _entity("Component", "order-review", type="service", providesApis=["review-events"],
                consumesApis=["order-events"], **bus),
        _entity("Component", "billing", {"machaudit.io/system-of-record": "invoice"}, type="service",
                consumesApis=["review-events"], **bus),
        _entity("API", "order-events", type="asyncapi"),
        _entity("API", "review-events", type="asyncapi"),
        _entity("Resource", "event-bus", type="kafka"),
    ]
    if not bus_user_declares_events:
        entities.append(_entity("Component", "erp-sync", type="service", **bus))
    return entities


def _reaches(report: dict, source: str) -> dict[str, dict]:
    [item] = [r for r in report["results"] if r["check"] == "BLR001" and r["subject"] == f"component:default/{source}"]
    evidence = item.get("evidence") or next(f["evidence"] for f in report["findings"] if f["subject"] == item["subject"])
    return {r["sink"].rpartition("/")[2]: r for r in evidence["reaches"]}


def test_declared_event_apis_say_who_receives_what_not_the_broker(tmp_path):
    report = _audit(tmp_path, _shop(bus_user_declares_events=True), "BLR001")
    assert report["findings"] == []
    [passed] = [r for r in report["results"] if r["check"] == "BLR001"]
    assert passed["subject"] == "component:default/order-service"  # the review is a hold step, no source
    assert passed["message"] == "every path from order-service to 1 downstream systems passes a hold step (component:default/order-review)"


def test_broker_still_links_components_that_declare_no_event_api(tmp_path):
    report = _audit(tmp_path, _shop(bus_user_declares_events=False), "BLR001")
    [finding] = report["findings"]
    # erp-sync uses the bus with no event API: who it hears is unknown, so the bus links it to everyone
    assert finding["subject"] == "component:default/order-service"
    sinks = {r["sink"]: r for r in finding["evidence"]["reaches"]}
    assert sinks["component:default/erp-sync"]["path"] == [
        "component:default/order-service", "resource:default/event-bus", "component:default/erp-sync"]
    assert sinks["component:default/billing"]["guarded"] is True


EVENTS_WITH_PERSONAL_DATA = {
    "asyncapi": "3.0.0",
    "info": {"title": "Order events", "version": "1.0.0"},
    "channels": {"placed": {"address": "orders.placed", "messages": {"OrderPlaced": {"$ref": "#/components/messages/OrderPlaced"}}}},
    "operations": {"publishPlaced": {"action": "send", "channel": {"$ref": "#/channels/placed"}}},
    "components": {"messages": {"OrderPlaced": {"name": "OrderPlaced", "payload": {
        "type": "object", "properties": {"orderId": {"type": "string"},
                                         "buyer": {"type": "object", "properties": {"email": {"type": "string"}}}}}}}},
}


def test_personal_data_in_an_event_payload_is_read_from_the_asyncapi_document(tmp_path):
    (tmp_path / "order-events.yaml").write_text(yaml.safe_dump(EVENTS_WITH_PERSONAL_DATA), encoding="utf-8")
    region = lambda r: {"machaudit.io/region": r}  # noqa: E731
    entities = [
        _entity("Component", "order-service", region("eu-west-1"), type="service", providesApis=["order-events"]),
        _entity("Component", "crm", region("us-east-1"), type="saas", consumesApis=["order-events"]),
        _entity("API", "order-events", type="asyncapi", definition={"$text": "./order-events.yaml"}),
    ]
    report = _audit(tmp_path, entities, "DAT007")
    [finding] = report["findings"]
    assert finding["subject"] == "component:default/order-service -> component:default/crm"
    assert finding["message"].startswith("customer-pii (inferred from its API schemas) held by component order-service")
    assert finding["evidence"]["pii_source"].startswith("inferred from PII fields: message OrderPlaced.buyer.email (email) in ")


def test_an_event_contract_is_no_evidence_gap_for_request_checks(tmp_path):
    """Idempotency, rate limits, reversals and list filters are about requests; an AsyncAPI
    document of order events serves none, so BLR003/BLR005/BLR007 do not call it unknown. A gRPC
    order service does serve them: it stays an evidence gap."""
    (tmp_path / "order-events.yaml").write_text(yaml.safe_dump(EVENTS_WITH_PERSONAL_DATA), encoding="utf-8")
    (tmp_path / "orders.proto").write_text(
        'syntax = "proto3";\nservice OrderService {\n  rpc PlaceOrder (Req) returns (Res);\n}\n'
        "message Req { string id = 1; }\nmessage Res { string id = 1; }\n", encoding="utf-8")
    entities = [
        _entity("Component", "order-service", type="service", providesApis=["order-events", "order-grpc"]),
        _entity("API", "order-events", type="asyncapi", definition={"$text": "./order-events.yaml"}),
        _entity("API", "order-grpc", type="grpc", definition={"$text": "./orders.proto"}),
    ]
    for check in ("BLR003", "BLR005", "BLR007"):
        report = _audit(tmp_path, entities, check)
        assert [(g["subject"], g["message"].partition(", which")[0]) for g in report["evidence_gaps"]] == [
            ("api:default/order-grpc", "API order-grpc is defined in grpc")], check
