"""HDL001/HDL003/HDL004/HDL005: evidence gaps and edge cases beyond the fixtures."""

from __future__ import annotations

import textwrap

from tests.conftest import run_cli

SPEC = textwrap.dedent("""\
    openapi: 3.0.3
    info: {title: Pricing API, version: 1.0.0}
    paths:
      /prices/{sku}:
        get:
          operationId: getPrice
          parameters: [{name: sku, in: path, required: true, schema: {type: string}}]
          responses: {'200': {description: the price}}
    """)


def audit(folder, check_id):
    run = run_cli("audit", str(folder), "--select", check_id, "-f", "json", "--fail-on", "never")
    assert run.exit_code == 0, run.stderr
    return run.report


def test_orphan_api_is_unknown_without_a_catalog(tmp_path):
    (tmp_path / "pricing.yaml").write_text(SPEC)
    report = audit(tmp_path, "HDL001")
    assert report["findings"] == []
    gaps = [g for g in report["evidence_gaps"] if g["check"] == "HDL001"]
    assert [g["subject"] for g in gaps] == ["api:default/pricing"]
    assert "who consumes it" in gaps[0]["message"]


def test_orphan_api_counts_depends_on_and_ignores_the_provider_itself(tmp_path):
    (tmp_path / "catalog-info.yaml").write_text(textwrap.dedent("""\
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata: {name: pricing-service}
        spec: {type: service, owner: group:a, lifecycle: production, providesApis: [pricing-api, admin-api], consumesApis: [admin-api]}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata: {name: erp-sync}
        spec: {type: service, owner: group:a, lifecycle: production, dependsOn: [api:pricing-api]}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata: {name: pricing-api}
        spec: {type: openapi, owner: group:a, lifecycle: production}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata: {name: admin-api}
        spec: {type: openapi, owner: group:a, lifecycle: production}
        """))
    report = audit(tmp_path, "HDL001")
    assert [f["subject"] for f in report["findings"]] == ["api:default/admin-api"]
    assert any(r["subject"] == "api:default/pricing-api" and r["state"] == "pass" for r in report["results"])


def test_headless_reached_only_by_an_internal_website_has_no_head(tmp_path):
    (tmp_path / "catalog-info.yaml").write_text(textwrap.dedent("""\
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: commerce
          annotations: {machaudit.io/headless: "true"}
        spec: {type: saas, owner: group:a, lifecycle: production, providesApis: [commerce-api]}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata:
          name: back-office
          annotations: {machaudit.io/audience: internal}
        spec: {type: website, owner: group:a, lifecycle: production, consumesApis: [commerce-api]}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata: {name: commerce-api}
        spec: {type: openapi, owner: group:a, lifecycle: production}
        """))
    report = audit(tmp_path, "HDL005")
    assert [f["subject"] for f in report["findings"]] == ["component:default/commerce"]
    assert "only back-office reaches it" in report["findings"][0]["message"]
