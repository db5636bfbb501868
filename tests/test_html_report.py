"""The HTML report (`-f html:FILE`): one self-contained file a consultant can send to a board.

Plain tests check the file itself: no external reference, a restrictive CSP and no script, byte-identical
renders, escaped spec and catalog text, sections that say "not assessed" when a check published nothing.
Browser tests open the reports in Debian's Chromium (driven by Playwright, never `playwright install`):
no console error, no request but the file, the inline figures drawn, hostile input inert. Full-page
screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from functools import lru_cache
from pathlib import Path

import pytest

from machaudit.sources.refs import locate_location

from machaudit.formatters import figures, html
from tests.conftest import FIXTURES, SAMPLES, run_cli

HOSTILE = FIXTURES / "hostile"
COMPANIES = {"distributor": SAMPLES / "distributor", "clean": SAMPLES / "clean"}
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IN_CI = bool(os.environ.get("CI"))

# Skipped only on a developer machine without Chromium; in CI (CI set) a missing browser fails.
browser_test = pytest.mark.skipif(
    not CHROMIUM.exists() and not IN_CI,
    reason="browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium); they always run in CI",
)

# A resource reference that leaves the file: src/href (xlink:href too) to http(s) or protocol-relative.
EXTERNAL_REF = re.compile(r"""\b(?:src|href|srcset|action|poster)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


@lru_cache(maxsize=None)
def audit_report(folder: Path):
    """The AuditReport of a folder, built as `machaudit audit` builds it (frozen, so shared)."""
    from machaudit.engine import run_checks
    from machaudit.graph import build_graphs
    from machaudit.journey import build_journey_map, journey_for
    from machaudit.registry import load_checks
    from machaudit.sources import LoadOptions, load_stack

    stack, store = load_stack([str(folder)], LoadOptions())
    graphs = build_graphs(stack)
    journey = build_journey_map(stack, graphs, journey_for(stack))
    return run_checks(stack, graphs, load_checks().values(), locate=functools.partial(locate_location, store), journey=journey)


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """The HTML report of each sample company and of the hostile stack, written by the CLI."""
    folder = tmp_path_factory.mktemp("html")
    out = {}
    for name, source in {**COMPANIES, "hostile": HOSTILE}.items():
        target = folder / f"{name}.html"
        run = run_cli("audit", str(source), "-f", f"html:{target}", "--fail-on", "never", "-q")
        assert run.exit_code == 0, run.stderr
        assert run.stdout == ""
        out[name] = target
    return out


# -- the file ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["distributor", "clean", "hostile"])
def test_no_external_resource_references(reports, name):
    text = reports[name].read_text(encoding="utf-8")
    assert not EXTERNAL_REF.findall(text)
    assert "@import" not in text and not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//", text)
    assert "<link" not in text  # no stylesheet, font or icon from elsewhere


@pytest.mark.parametrize("name", ["distributor", "clean", "hostile"])
def test_csp_and_no_script(reports, name):
    text = reports[name].read_text(encoding="utf-8")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
    assert csp, "the CSP meta tag is missing"
    policy = csp.group(1).replace("&#39;", "'")
    assert "default-src 'none'" in policy
    assert "script-src" not in policy and "unsafe-eval" not in policy
    assert "<script" not in text.lower()
    assert text.count("<svg") >= 3  # dependency graph, area scores, touchpoint map, inline
    assert "<?xml" not in text and "<!DOCTYPE svg" not in text


def test_two_renders_are_identical(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795392000")  # 2026-11-23
    report = audit_report(COMPANIES["distributor"])
    first, second = html.render(report), html.render(report)
    assert first == second
    assert "2026-11-23" in first


def test_hostile_text_is_escaped(reports):
    text = reports["hostile"].read_text(encoding="utf-8")
    assert "Orders &lt;script&gt;window.__pwned=1&lt;/script&gt;" in text  # spec title, appendix
    assert "&lt;img src=x onerror=" in text  # the declared region
    for tag in ("<script", "<img", "<iframe", "<style>body"):
        assert tag not in text


def test_every_section_is_there(reports):
    text = reports["distributor"].read_text(encoding="utf-8")
    for anchor in ("summary", "scores", "architecture", "journey", "data-location", "blast-radius", "findings",
                   "accepted", "specs", "gaps", "method"):
        assert f'id="{anchor}"' in text
    assert text.count('class="risk"') == 5
    assert "Fix:" in text and "Why it matters:" in text
    # Paths relative to the audited folder, not to where machaudit ran
    assert re.search(r"<td class=\"loc\">(?:specs|catalog)/<wbr>(?:[^<]|<wbr>)+\.yaml:\d+</td>", text)
    assert "sample_specs/<wbr>distributor" not in text


# Published sections as the data-location and blast-radius checks shape them, with hostile text.
SECTIONS = {
    "data_locations": [
        {"data_class": "customer-pii", "holder": "component:default/helpdesk", "holder_kind": "component",
         "provider": "aws", "region": "us-east-1", "region_source": "declared", "verdict": "violation"},
        {"data_class": "customer-pii", "holder": "component:default/<script>window.__pwned=1</script>",
         "holder_kind": "component", "provider": "", "region": "eu",
         "region_source": "inferred from servers: https://api.eu.vendor.example/v1", "verdict": "allowed"},
        {"data_class": "order", "holder": "resource:default/oms-db", "holder_kind": "resource", "provider": "",
         "region": "", "region_source": "unknown: no machaudit.io/region declared", "verdict": "unknown"},
    ],
    "propagation": [
        {"source": "component:default/promotion-service", "logic": ["voucher"], "reaches": [
            {"sink": "component:default/erp-core", "category": "erp", "guarded": False, "guard": None,
             "path": ["component:default/promotion-service", "component:default/order-management",
                      "component:default/erp-core"]},
            {"sink": "component:default/<img src=x onerror=alert(1)>", "category": "fulfilment", "guarded": True,
             "guard": "api:default/order-api POST /orders/{id}/release",
             "path": ["component:default/promotion-service", "component:default/<img src=x onerror=alert(1)>"]},
        ]},
    ],
}


def test_published_sections_are_rendered_and_escaped():
    report = dataclasses.replace(audit_report(COMPANIES["clean"]), sections=SECTIONS)
    text = html.render(report)
    data = text[text.index('id="data-location"'):text.index('id="blast-radius"')]
    assert "us-east-1" in data and 'class="chip bad">violation' in data and 'class="chip warn">inferred' in data
    assert "inferred from servers: https://api.eu.vendor.example/v1" in data  # shown as text, never as a link
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in data and "<script" not in data
    blast = text[text.index('id="blast-radius"'):text.index('id="findings"')]
    assert re.search(r'promotion-service</span><span class="arrow">→</span><span class="hop"[^>]*>order-management', blast)
    assert 'class="chip bad">none' in blast and 'class="chip ok">guarded' in blast
    assert "&lt;img src=x onerror=alert(1)&gt;" in blast and "<img" not in blast
    assert "Not assessed" not in data + blast


def test_missing_sections_say_not_assessed():
    report = dataclasses.replace(audit_report(COMPANIES["clean"]), sections={})
    text = html.render(report)
    for start, end in (('id="data-location"', 'id="blast-radius"'), ('id="blast-radius"', 'id="findings"')):
        assert "Not assessed" in text[text.index(start):text.index(end)]


def big_graph(services: int = 24, saas: int = 8, channels: int = 5, stores: int = 8) -> dict:
    """A deterministic stack of 45 components and data stores in 6 systems."""
    nodes, edges = [], []

    def add(ref, kind, type_, system, **extra):
        nodes.append({"id": ref, "kind": kind, "name": ref.rpartition("/")[2], "type": type_,
                      "system": f"system:default/{system}", "lifecycle": "production",
                      "channel": extra.get("channel", False), "gateway": extra.get("gateway", False)})

    systems = ["catalogue", "checkout", "orders", "fulfilment", "finance", "service"]
    for i in range(channels):
        add(f"component:default/channel-{i}", "component", "website", "channels", channel=True)
    add("component:default/storefront-bff", "component", "bff", "channels", gateway=True)
    for i in range(services):
        add(f"component:default/{systems[i % 6]}-service-{i}", "component", "service", systems[i % 6])
    for i in range(saas):
        add(f"component:default/vendor-{i}", "component", "saas", systems[i % 6])
    for i in range(stores):
        add(f"resource:default/store-{i}", "resource", "database", systems[i % 6])
    refs = [n["id"] for n in nodes]
    service_refs = [r for r in refs if "-service-" in r]
    for i in range(channels):
        edges.append({"source": refs[i], "target": "component:default/storefront-bff", "relation": "depends-on", "type": "sync"})
    for i, ref in enumerate(service_refs):
        edges.append({"source": "component:default/storefront-bff", "target": ref, "relation": "depends-on", "type": "sync"})
        edges.append({"source": ref, "target": service_refs[(i * 7 + 3) % len(service_refs)], "relation": "depends-on", "type": "sync" if i % 3 else "event"})
        edges.append({"source": ref, "target": f"component:default/vendor-{i % saas}", "relation": "depends-on", "type": "sync"})
        edges.append({"source": ref, "target": f"resource:default/store-{i % stores}", "relation": "depends-on", "type": "data"})
    return {"nodes": nodes, "edges": [e for e in edges if e["source"] != e["target"]]}


def test_dependency_graph_for_a_large_stack_is_deterministic_and_fits_a_landscape_page():
    graph = big_graph()
    first, second = figures.dependency_graph(graph, "svg"), figures.dependency_graph(graph, "svg")
    assert first == second
    text = first.decode("utf-8")
    width, height = (float(x) for x in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', text).groups())
    assert height < width  # tall columns are split by system, so it prints on one landscape page
    assert "<dc:date>" not in text and not EXTERNAL_REF.findall(text)
    inline = html.inline_svg(first, "graph", "label")["svg"]
    assert "<?xml" not in inline and 'id="graph-' in inline


# -- in a browser ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not IN_CI:
        pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra: pip install -e '.[test]'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_report(browser, path: Path):
    """The page with the report loaded, and what it asked for and complained about meanwhile."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: problems.append(f"{message.type}: {message.text}") if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, requests, problems


@browser_test
@pytest.mark.parametrize("name", sorted(COMPANIES))
def test_report_in_browser(browser, reports, name):
    page, requests, problems = open_report(browser, reports[name])
    try:
        assert problems == []  # a CSP violation would be reported here too
        # the file itself; data: URIs (the heatmap's raster) are not network requests
        assert [u for u in requests if not u.startswith("data:")] == [reports[name].as_uri()]
        sizes = page.eval_on_selector_all(
            "svg.fig", "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })")
        assert len(sizes) >= 3
        assert all(w > 50 and h > 50 for w, h in sizes), sizes
        csp = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
        assert csp and "default-src 'none'" in csp
        assert page.evaluate("document.scripts.length") == 0
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing sticks out
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)
        page.pdf(path=str(ARTIFACTS / f"report-{name}.pdf"), format="A4", print_background=True,
                 prefer_css_page_size=True)
    finally:
        page.close()


@browser_test
def test_hostile_report_in_browser(browser, reports, tmp_path):
    sectioned = tmp_path / "hostile-sections.html"
    sectioned.write_text(html.render(dataclasses.replace(audit_report(HOSTILE), sections=SECTIONS)), encoding="utf-8")
    for path in (reports["hostile"], sectioned):
        page, requests, problems = open_report(browser, path)
        try:
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert page.evaluate("document.querySelectorAll('script, img, iframe, object, embed, a[href^=javascript]').length") == 0
            assert [u for u in requests if not u.startswith("data:")] == [path.as_uri()]
            assert problems == []
            text = page.inner_text("body")
            assert "Orders <script>window.__pwned=1</script>" in text  # the spec title, literally
            if path == sectioned:
                assert "<script>window.__pwned=1</script>" in page.inner_text("#data-location")
                assert "<img src=x onerror=alert(1)>" in page.inner_text("#blast-radius")
            else:
                assert '<img src=x onerror="window.__pwned=14">' in text  # the declared region
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"report-{path.stem}.png"), full_page=True)
        finally:
            page.close()
