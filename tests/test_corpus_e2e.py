"""End to end on real third-party material.

1. Sock Shop (tests/data/sockshop): the five real specs plus a catalog derived from the real
   deployment files (see tests/data/sockshop/catalog-info.yaml and LICENSE-NOTICE.md). The facts
   asserted are facts about Sock Shop, each explained where it is asserted.
2. Every folder of the shared corpus (../shared/corpus, read-only, absent in some checkouts: the
   tests skip then): the audit finishes with exit 0 or 1 and a JSON report, without touching the
   network, and reports what is known to be in those files. `bench` takes over a minute: `slow`.
"""

from __future__ import annotations

import json
import socket
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import pytest
import yaml

from tests.conftest import CORPUS, Run, run_cli

SOCKSHOP = Path(__file__).resolve().parent / "data" / "sockshop"
CATALOG = SOCKSHOP / "catalog-info.yaml"
SPEC_FILES = ("carts.json", "catalogue.json", "orders.json", "payment.json", "user.json")
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")


def ref(kind: str, name: str) -> str:
    return f"{kind}:default/{name}"


def describe(run: Run) -> str:
    return "\n".join(
        f"  {f['check']} {f['subject']}: {f['message'][:160]} @ {f['location']}" for f in run.report["findings"]
    ) or "  (no findings)"


def assert_ran_cleanly(run: Run, codes=(0, 1)) -> None:
    assert "Traceback" not in run.stdout + run.stderr, run.stderr[-3000:]
    assert "internal error" not in run.stderr, run.stderr
    assert run.exit_code in codes, f"exit {run.exit_code}: {run.stderr[-3000:]}"
    report = run.report  # parseable JSON
    assert report["summary"]["check_errors"] == 0, report["errors"]


def file_name(finding: dict) -> str:
    return Path(finding["location"]["file"]).name if finding.get("location") else ""


def operation_count(spec_path: Path) -> int:
    data = json.loads(spec_path.read_text(encoding="utf-8"))
    return sum(1 for item in data["paths"].values() for method in item if method in HTTP_METHODS)


def document_line(text: str, entity_name: str) -> int:
    """1-based line where the YAML document of the entity called entity_name starts (its apiVersion)."""
    lines = text.splitlines()
    at = lines.index(f"  name: {entity_name}")
    while not lines[at].startswith("apiVersion:"):
        at -= 1
    return at + 1


def validation_rows() -> dict[str, str]:
    """corpus path (relative to the corpus folder) -> VALID / INVALID / ERROR, per openapi-spec-validator 0.9.0."""
    rows = {}
    with (CORPUS / "VALIDATION.public.tsv").open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        for line in handle:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            rows[row["local_path"].removeprefix("public/")] = row["result"]
    return rows


# --- Sock Shop ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sockshop() -> Run:
    run = run_cli("audit", str(SOCKSHOP), "-f", "json", "--fail-on", "never")
    assert_ran_cleanly(run, codes=(0,))
    return run


def test_sockshop_reads_the_whole_stack(sockshop):
    inventory = sockshop.report["inventory"]
    # 8 services (front-end … queue-master), 6 APIs (5 with specs + shipping's), 6 data stores
    # (4 databases, session-db, rabbitmq), the system and its team.
    assert inventory["entities"] == {"component": 8, "api": 6, "resource": 6, "system": 1, "group": 1}
    assert inventory["channels"] == ["front-end"]  # the only customer-facing head
    assert [Path(f).name for f in inventory["catalog_files"]] == ["catalog-info.yaml"]
    specs = {Path(s["file"]).name: s for s in sockshop.report["specs"]}
    assert sorted(specs) == sorted(SPEC_FILES)
    for name in SPEC_FILES:
        # Every operation in the file is counted (5, 4, 2, 2 and 15).
        assert specs[name]["operations"] == operation_count(SOCKSHOP / "specs" / name), name
        assert specs[name]["version"] == "2.0", name
    assert inventory["operations"] == 28


def test_sockshop_specs_are_valid(sockshop):
    # All five are VALID for openapi-spec-validator (corpus VALIDATION.public.tsv), parse as JSON and
    # use only local `#/definitions` refs: no SPC001, SPC002 or SPC003.
    if CORPUS.is_dir():
        rows = validation_rows()
        assert all(rows[f"sockshop/specs/{name}"] == "VALID" for name in SPEC_FILES)
    for check in ("SPC001", "SPC002", "SPC003"):
        assert not sockshop.findings(check), describe(sockshop)
    assert all(s["valid"] and s["problems"] == 0 for s in sockshop.report["specs"]), sockshop.report["specs"]


def test_sockshop_front_end_fans_out_to_four_services(sockshop):
    # front-end's api/endpoints.js calls catalogue, carts, orders and user itself; with no BFF that is
    # 4 direct backends, over ORC007's default limit of 3.
    found = [f for f in sockshop.findings("ORC007") if f["subject"] == ref("component", "front-end")]
    assert len(found) == 1, describe(sockshop)
    direct = found[0]["evidence"]["direct"]
    assert sorted(direct) == sorted(ref("component", n) for n in ("catalogue", "carts", "orders", "user"))
    assert len(direct) >= 4
    assert found[0]["evidence"]["limit"] == 3
    assert file_name(found[0]) == "catalog-info.yaml"
    assert found[0]["location"]["line"] == document_line(CATALOG.read_text(encoding="utf-8"), "front-end")
    # No other component is a channel, so nothing else fans out.
    assert [f["subject"] for f in sockshop.findings("ORC007")] == [ref("component", "front-end")]


def test_sockshop_has_no_gateway(sockshop):
    # Sock Shop has no API gateway or BFF: the edge-router only proxies to the front-end (left out of
    # the catalog). ORC006 fires for the stack and for the front-end calling backends directly.
    subjects = {f["subject"]: f for f in sockshop.findings("ORC006")}
    assert set(subjects) == {"stack", ref("component", "front-end")}, describe(sockshop)
    assert "front-end" in subjects["stack"]["message"]
    assert sorted(subjects[ref("component", "front-end")]["evidence"]["direct"]) == sorted(
        ref("component", n) for n in ("catalogue", "carts", "orders", "user"))


def test_sockshop_services_without_contract(sockshop):
    # queue-master is a worker on RabbitMQ and offers no API at all: "service provides no API".
    # shipping does serve an HTTP API (orders posts to http://shipping/shipping) but publishes no
    # spec, so its API entity has no definition. Both are INV004; the five APIs with specs pass.
    found = {f["subject"]: f for f in sockshop.findings("INV004")}
    assert set(found) == {ref("component", "queue-master"), ref("api", "shipping-api")}, describe(sockshop)
    assert "provides no API" in found[ref("component", "queue-master")]["message"]
    assert "no spec.definition" in found[ref("api", "shipping-api")]["message"]
    text = CATALOG.read_text(encoding="utf-8")
    assert found[ref("component", "queue-master")]["location"]["line"] == document_line(text, "queue-master")
    assert found[ref("api", "shipping-api")]["location"]["line"] == document_line(text, "shipping-api")
    passed = {r["subject"] for r in sockshop.report["results"] if r["check"] == "INV004" and r["state"] == "pass"}
    for name in ("carts", "catalogue", "orders", "payment", "user"):
        assert ref("api", f"{name}-api") in passed
        assert ref("component", name) in passed
    assert ref("component", "shipping") in passed  # it provides shipping-api


def test_sockshop_catalog_is_consistent(sockshop):
    # Every reference resolves, every spec is declared by an API, no entity is malformed or doubled,
    # and every component and API has an owner and a lifecycle.
    for check in ("INV001", "INV002", "INV003", "INV005", "INV006", "INV007"):
        assert not sockshop.findings(check), f"{check}:\n{describe(sockshop)}"


def test_sockshop_call_graph_has_no_cycles(sockshop):
    # The call graph is a tree from the front-end: front-end -> 4 services, orders -> user, carts,
    # payment, shipping; shipping and queue-master only meet through RabbitMQ (a resource).
    for check in ("ORC001", "ORC002"):
        assert not sockshop.findings(check), describe(sockshop)
    graph = run_cli("graph", str(SOCKSHOP), "-f", "json", "--view", "services")
    assert graph.exit_code == 0, graph.stderr
    edges = {(e["source"], e["target"]) for e in json.loads(graph.stdout)["edges"]}
    assert edges == {
        *((ref("component", "front-end"), ref("component", n)) for n in ("catalogue", "carts", "orders", "user")),
        *((ref("component", "orders"), ref("component", n)) for n in ("user", "carts", "payment", "shipping")),
    }


def test_sockshop_fails_the_default_gate():
    # ORC006 and INV004 are high: with the default --fail-on high the audit exits 1.
    run = run_cli("audit", str(SOCKSHOP), "-f", "json")
    assert_ran_cleanly(run, codes=(1,))


# --- the shared corpus ---------------------------------------------------------------------------

CORPUS_FOLDERS = [
    "sockshop",
    "adyen/json",
    "medusa/specs/store",
    "inventories/backstage-examples",
    "inventories/backstage-demo",
    "inventories/mach-composer",
    pytest.param("bench", marks=pytest.mark.slow),
]
_runs: dict[str, tuple[Run, list[str]]] = {}


def corpus_audit(folder: str) -> tuple[Run, list[str]]:
    """Audit one corpus folder (once per session) with the network blocked; (run, attempted connections)."""
    if folder not in _runs:
        attempts: list[str] = []

        def blocked(what):
            def refuse(*args, **kwargs):
                attempts.append(f"{what}{args[:2]!r}")
                raise OSError(f"network access attempted: {what}")
            return refuse

        with ExitStack() as stack:
            stack.enter_context(mock.patch.object(socket, "getaddrinfo", blocked("getaddrinfo")))
            stack.enter_context(mock.patch.object(socket, "create_connection", blocked("create_connection")))
            stack.enter_context(mock.patch.object(socket.socket, "connect", blocked("connect")))
            run = run_cli("audit", str(CORPUS / folder), "-f", "json")
        _runs[folder] = (run, attempts)
    return _runs[folder]


@needs_corpus
@pytest.mark.parametrize("folder", CORPUS_FOLDERS)
def test_corpus_folder_audits(folder):
    run, attempts = corpus_audit(folder)
    assert_ran_cleanly(run)
    assert attempts == [], f"network access attempted: {attempts}"
    report = run.report
    assert report["schema_version"]
    assert report["summary"]["findings"] == len(report["findings"])


@needs_corpus
def test_corpus_sockshop_reports_the_broken_legacy_spec():
    # legacy-2016/user.json is not JSON (MANIFEST: "swagger 2.0 (unparseable JSON)"); the validator's
    # YAML reader happens to accept it, but a JSON file is read as JSON: SPC002 at the parser's line.
    # The other 11 files are VALID and parse.
    run, _ = corpus_audit("sockshop")
    broken = (CORPUS / "sockshop" / "legacy-2016" / "user.json").resolve()
    with pytest.raises(json.JSONDecodeError) as error:
        json.loads(broken.read_text(encoding="utf-8"))
    found = [f for f in run.findings("SPC002") if f["location"] and Path(f["location"]["file"]).resolve() == broken]
    assert found, f"legacy-2016/user.json not reported:\n{describe(run)}"
    assert found[0]["location"]["line"] == error.value.lineno
    specs = {str(Path(s["file"]).resolve()) for s in run.report["specs"]}
    assert len(specs) == 12, sorted(specs)
    assert not run.findings("SPC001"), describe(run)


@needs_corpus
def test_corpus_adyen_invalid_specs_are_the_known_two():
    # 47 OpenAPI 3.1 specs; exactly two fail validation (a Java-style `(?i)` regex in a `pattern`,
    # per VALIDATION.public.tsv). The finding points at the line of that pattern.
    run, _ = corpus_audit("adyen/json")
    rows = validation_rows()
    invalid = sorted(Path(p).name for p, result in rows.items() if p.startswith("adyen/json/") and result == "INVALID")
    assert invalid == ["RaiseDisputesService-v4.json", "TransactionService-v4.json"]
    assert len(run.report["specs"]) == 47
    spc001 = run.findings("SPC001")
    assert sorted({Path(f["subject"]).name for f in spc001}) == invalid, describe(run)
    assert not run.findings("SPC002") and not run.findings("SPC003"), describe(run)
    for name in invalid:
        lines = (CORPUS / "adyen" / "json" / name).read_text(encoding="utf-8").splitlines()
        pattern_line = next(i + 1 for i, line in enumerate(lines) if '"pattern"' in line and "(?i)" in line)
        found = [f for f in spc001 if Path(f["subject"]).name == name]
        assert any(f["location"]["line"] == pattern_line for f in found), \
            f"{name}: expected line {pattern_line}, got {[f['location'] for f in found]}"


@needs_corpus
def test_corpus_medusa_bundled_and_split_agree():
    # The same Store API bundled (openapi.full.yaml) and split into hundreds of files (openapi.yaml):
    # same title, same operations. Validity follows VALIDATION.public.tsv: the bundle is INVALID,
    # the split root VALID.
    run, _ = corpus_audit("medusa/specs/store")
    specs = {Path(s["file"]).name: s for s in run.report["specs"]}
    assert set(specs) == {"openapi.full.yaml", "openapi.yaml"}, sorted(specs)
    assert specs["openapi.full.yaml"]["title"] == specs["openapi.yaml"]["title"]
    assert specs["openapi.full.yaml"]["operations"] == specs["openapi.yaml"]["operations"] > 0
    rows = validation_rows()
    for name in specs:
        invalid = rows[f"medusa/specs/store/{name}"] != "VALID"
        reported = [f for f in run.findings("SPC001") if Path(f["subject"]).name == name]
        assert bool(reported) == invalid, f"{name}: validator says {rows[f'medusa/specs/store/{name}']}, SPC001: {reported}"
    # Every $ref of the split spec names a file that exists.
    assert not [f for f in run.findings("SPC003") if "not found" in f["message"] or "does not exist" in f["message"]], describe(run)


@needs_corpus
def test_corpus_medusa_invalid_default_is_located():
    # The bundle's one validator error: AdminProductVariantDeleteResponse.properties.deleted is
    # `type: boolean` with `default: variant`. The finding must point at that line, not at line 1.
    run, _ = corpus_audit("medusa/specs/store")
    lines = (CORPUS / "medusa" / "specs" / "store" / "openapi.full.yaml").read_text(encoding="utf-8").splitlines()
    start = lines.index("    AdminProductVariantDeleteResponse:")
    default_line = next(i + 1 for i in range(start, len(lines)) if lines[i].strip() == "default: variant")
    found = [f for f in run.findings("SPC001") if Path(f["subject"]).name == "openapi.full.yaml"]
    assert len(found) == 1, describe(run)
    assert "boolean" in found[0]["message"]
    assert found[0]["location"]["line"] == default_line, found[0]["location"]


@needs_corpus
def test_corpus_backstage_examples_known_facts():
    run, attempts = corpus_audit("inventories/backstage-examples")
    assert attempts == []
    # The two wayback APIs define themselves with `$text: https://github.com/…`: reported, not fetched.
    inv004 = {f["subject"]: f["message"] for f in run.findings("INV004")}
    for name in ("wayback-archive", "wayback-search"):
        message = inv004.get(ref("api", name), "")
        assert "--allow-remote" in message or "not fetched" in message, describe(run)
    urls = {
        yaml.safe_load((CORPUS / "inventories" / "backstage-examples" / "apis" / f"{name}-api.yaml").read_text())["spec"]["definition"]["$text"]
        for name in ("wayback-archive", "wayback-search")
    }
    assert all(url.startswith("https://github.com/") for url in urls)
    reported = {f["location"]["file"] for f in run.report["findings"] if f["location"]}
    assert urls <= reported, describe(run)  # each URL is named in a finding of its own
    # Owners (team-a, team-b, team-c, sre, users guest and frank.tiernan) live in an org directory
    # that is not part of these files: dangling, reported at low severity.
    owners = [f for f in run.findings("INV003") if f["evidence"].get("relation") == "owner"]
    targets = {f["evidence"]["target"] for f in owners}
    assert {"group:default/team-a", "group:default/team-b", "group:default/sre"} <= targets, targets
    assert all(f["severity"] == "low" for f in owners)
    assert all(f["location"] and f["location"]["line"] for f in owners)
    # all-apis.yaml and all-components.yaml name Location targets that are not in this copy.
    missing = [f for f in run.findings("INV007") if "does not exist" in f["message"]]
    assert len(missing) >= 13, describe(run)
    # www-artist is a website, and there is no gateway.
    assert any(f["subject"] == "stack" for f in run.findings("ORC006"))


@needs_corpus
def test_corpus_backstage_demo_known_facts():
    run, attempts = corpus_audit("inventories/backstage-demo")
    assert attempts == []
    # demo-graphql's definition is `$text: https://demo.backstage.io/api/graphql/schema`: not fetched.
    inv004 = {f["subject"]: f["message"] for f in run.findings("INV004")}
    assert "--allow-remote" in inv004.get(ref("api", "demo-graphql"), "") or \
        "not fetched" in inv004.get(ref("api", "demo-graphql"), ""), describe(run)
    # The owner backstage/maintainers is a group in an org directory elsewhere.
    owners = {f["evidence"]["target"] for f in run.findings("INV003") if f["evidence"].get("relation") == "owner"}
    assert owners == {"group:backstage/maintainers"}, describe(run)
    # app-config.yaml is Backstage configuration, not a catalog or a spec.
    assert not [f for f in run.report["findings"] if file_name(f) == "app-config.yaml"], describe(run)


@needs_corpus
def test_corpus_mach_composer_is_neither_catalog_nor_spec():
    # mach-composer stack configs (main.yml, components.yaml, a JSON schema) are not Backstage
    # descriptors and not OpenAPI: nothing is read as either, and no file is blamed for anything.
    # (Stack-level checks may still judge the empty stack, e.g. HDL002 "no API offers touchpoint X".)
    run, _ = corpus_audit("inventories/mach-composer")
    assert run.report["inventory"]["specs"] == 0
    assert run.report["inventory"]["catalog_files"] == []
    assert run.report["inventory"]["entities"] == {}
    assert not [f for f in run.report["findings"] if f["check"][:3] in ("SPC", "INV")], describe(run)
    assert not [f for f in run.report["findings"] if f["location"] and f["location"].get("file")], describe(run)


@needs_corpus
@pytest.mark.slow
def test_corpus_bench_reads_every_root_spec():
    # 223 root specs (VALIDATION.public.tsv). Among them:
    # - IBM openapi-validator's trailing-comma.json, deliberately broken JSON: SPC002;
    # - Twilio api_v2010.json (surrogate-pair escapes) and DocuSign's esignature JSON (a U+0080
    #   control character), valid JSON that YAML parsers reject: parsed, no SPC002.
    run, attempts = corpus_audit("bench")
    assert_ran_cleanly(run)
    assert attempts == []
    rows = validation_rows()
    roots = {(CORPUS / p).resolve() for p in rows if p.startswith("bench/")}
    audited = {Path(s["file"]).resolve() for s in run.report["specs"]}
    assert roots <= audited, f"not audited: {sorted(str(p) for p in roots - audited)}"
    spc002 = {Path(f["location"]["file"]).name for f in run.findings("SPC002") if f["location"]}
    assert "trailing-comma.json" in spc002, sorted(spc002)
    by_name = {Path(s["file"]).name: s for s in run.report["specs"]}
    for name in ("twilio_api_v2010.json", "esignature.rest.swagger-v2.json"):
        assert name not in spc002
        assert by_name[name]["operations"] > 0, by_name[name]
