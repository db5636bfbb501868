"""CLD checks: missing hosting/update facts are evidence gaps (unknown), never a pass."""

from __future__ import annotations


from tests.catalog_builders import component
from tests.conftest import run_cli


def api(name, definition=None):
    target = f", definition: {{$text: {definition}}}" if definition else ""
    return f"---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {{name: {name}}}\nspec: {{type: openapi, lifecycle: production, owner: group:team{target}}}\n"


def results(folder, check_id):
    run = run_cli("audit", str(folder), "--select", check_id, "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    report = run.report
    states = {r["subject"]: r["state"] for r in report["results"] if r["check"] == check_id}
    gaps = {g["subject"]: g["message"] for g in report["evidence_gaps"] if g["check"] == check_id}
    findings = [f for f in report["findings"] if f["check"] == check_id]
    return states, gaps, findings


def test_cld001_missing_hosting_is_unknown(tmp_path):
    (tmp_path / "catalog-info.yaml").write_text(
        component("order-management") + component("webshop", type="website") + component("erp", {"hosting": "mainframe"}, type="erp"))
    states, gaps, findings = results(tmp_path, "CLD001")
    assert findings == []
    assert "declares no machaudit.io/hosting" in gaps["component:default/order-management"]
    assert "'mainframe', which is none of" in gaps["component:default/erp"]
    assert states.get("component:default/order-management") != "pass"


def test_cld002_saas_without_update_model_is_unknown(tmp_path):
    (tmp_path / "catalog-info.yaml").write_text(
        component("payment", {"hosting": "saas"}, type="saas") + component("order-management", {"hosting": "managed"}))
    states, gaps, findings = results(tmp_path, "CLD002")
    assert findings == []
    assert "(SaaS) declares no machaudit.io/update-model" in gaps["component:default/payment"]
    assert "component:default/order-management" not in gaps  # an in-house service: not applicable


def test_cld005_unknown_update_model_or_missing_spec(tmp_path):
    (tmp_path / "catalog-info.yaml").write_text(
        component("order-management", consumesApis="[commerce-api, payment-api]")
        + component("commerce", {"hosting": "saas"}, type="saas", providesApis="[commerce-api]")
        + component("payment", {"hosting": "saas", "update-model": "vendor-managed"}, type="saas", providesApis="[payment-api]")
        + api("commerce-api") + api("payment-api"))
    states, gaps, findings = results(tmp_path, "CLD005")
    assert findings == []
    assert "declares no machaudit.io/update-model" in gaps["component:default/order-management -> api:default/commerce-api"]
    assert "has no readable spec" in gaps["component:default/order-management -> api:default/payment-api"]
