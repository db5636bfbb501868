"""Exact findings of single checks on small documents, through tests/check_testing.py."""

from __future__ import annotations

from tests.check_testing import Found, findings_of

CYCLE = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: a}
spec: {type: service, lifecycle: production, owner: team, dependsOn: [component:b]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: b}
spec: {type: service, lifecycle: production, owner: team, dependsOn: [component:a]}
"""

INVALID = """\
openapi: 3.0.3
info: {title: Orders, version: '1'}
paths:
  /orders:
    get:
      summry: a typo
      responses:
        '200': {description: ok}
  /orders/{id}:
    get:
      responses:
        '200': {description: ok}
"""


def test_a_two_service_cycle_is_one_finding_on_the_first_component(tmp_path):
    assert findings_of("ORC001", {"catalog-info.yaml": CYCLE}, tmp_path) == [
        Found("catalog-info.yaml", 1, "component:default/a, component:default/b",
              "2 services depend on each other in a cycle (a, b): a -> b -> a"),
    ]


def test_validator_errors_are_found_at_their_exact_lines(tmp_path):
    found = findings_of("SPC001", {"orders.yaml": INVALID}, tmp_path)
    assert [(f.file, f.line) for f in found] == [("orders.yaml", 5), ("orders.yaml", 10)]
    assert "summry" in found[0].message
    assert "id" in found[1].message  # the path parameter {id} is not declared


def test_options_reach_the_check(tmp_path):
    spec = INVALID.replace("      summry: a typo\n", "")
    assert findings_of("API002", {"orders.yaml": spec}, tmp_path) != []
    assert findings_of("API002", {"orders.yaml": spec}, tmp_path / "lenient", min_documented_share=0.0) == []


REST_API = """\
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: orders-api}
spec: {type: rest, lifecycle: production, owner: team, definition: {$text: ./specs/orders.yaml}}
"""


def test_an_api_of_type_rest_with_a_readable_spec_is_judged_as_openapi(tmp_path):
    """One definition of "an OpenAPI API" (model.is_openapi_type): `rest` is read as OpenAPI by
    the sources and by the API checks alike, never reported unreadable."""
    from machaudit import run_audit
    from machaudit.config import Config

    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "orders.yaml").write_text(INVALID.replace("      summry: a typo\n", ""))
    (tmp_path / "catalog-info.yaml").write_text(REST_API)
    report = run_audit([str(tmp_path)], Config(select=("API", "INV004")), cache=False)
    assert [r.message for r in report.results if "could not be read" in r.message or r.check_id == "INV004" and r.state.value == "fail"] == []
    assert any(r.check_id == "API002" for r in report.results)
