"""ORC001 over a large loop of events: no finding, and each member's pass names the loop's size
instead of a path (searching a path per member would be quadratic)."""

from tests.catalog_builders import component
from tests.conftest import run_cli


def test_a_large_loop_of_events_is_summarised(tmp_path):
    n = 60  # over ORC001's NAMED_LOOPS_UP_TO
    catalog = "".join(component(f"s{i:02}", providesApis=f"[e{i}]", consumesApis=f"[e{(i + 1) % n}]") for i in range(n))
    catalog += "".join(f"---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {{name: e{i}}}\n"
                       f"spec: {{type: asyncapi, owner: group:team}}\n" for i in range(n))
    (tmp_path / "catalog-info.yaml").write_text(catalog)
    report = run_cli("audit", str(tmp_path), "--select", "ORC001", "-f", "json", "--fail-on", "never").report
    assert report["findings"] == []
    messages = {r["subject"]: r["message"] for r in report["results"] if r["check"] == "ORC001"}
    assert len(messages) == n
    assert messages["component:default/s07"] == (
        "in a loop closed by events (60 services: s00, s01, s02, s03, s04 …): choreography, not a dependency cycle")
