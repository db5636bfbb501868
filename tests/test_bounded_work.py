"""Work that grows faster than the input is bounded: validating a spec (a memoised allOf walk, a
step budget), the fenced use of the validator libraries' internals, and graph metrics on large
catalogs."""

from __future__ import annotations

import ast
import importlib
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import pytest

from machaudit.limits import Limits
from machaudit.sources.openapi import read_spec
from machaudit.sources.store import DocumentStore
from machaudit.sources.validate import validate
from machaudit.sources.validation_runs import refs_resolve
from tests.conftest import CORPUS, REPO

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the repository")


def fan_out_spec(levels: int = 12, width: int = 10, per_level: int = 2, default: bool = False) -> dict:
    """Each schema of a level is an `allOf` of `width` `$ref`s to the next level's schemas (11 KB
    of JSON for the defaults): walked naively, each level costs `width` times the next."""
    schemas = {}
    for level in range(levels):
        for j in range(per_level):
            schema = {"type": "object", "properties": {f"p{level}_{j}": {"type": "string"}},
                      "required": [f"p{level}_{j}"]}
            if level + 1 < levels:
                schema["allOf"] = [{"$ref": f"#/components/schemas/L{level + 1}_{(j + k) % per_level}"}
                                   for k in range(width)]
            schemas[f"L{level}_{j}"] = schema
    if default:  # jsonschema checks it against every path of `$ref`s below
        schemas["L0_0"]["default"] = {"p0_0": "x"}
    ok = {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/L0_0"}}}}
    return {"openapi": "3.0.3", "info": {"title": "fan-out", "version": "1"},
            "paths": {"/x": {"get": {"responses": {"200": ok}}}},
            "components": {"schemas": schemas}}


def issues_of(path: Path, limits: Limits = Limits()):
    key = DocumentStore.key_for(str(path))
    store = DocumentStore([Path(key).parent], limits)
    spec = read_spec(store, key)
    refs_ok = refs_resolve(spec)
    return validate(store, key, store.load(key), spec.version, refs_ok)


def write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# -- validation -----------------------------------------------------------------------------------

def test_an_allof_fan_out_validates_in_seconds(tmp_path):
    path = write(tmp_path, "fan.json", fan_out_spec())
    assert path.stat().st_size < 20_000
    started = time.monotonic()
    assert issues_of(path) == []
    assert time.monotonic() - started < 20  # it used to run for days (x7 per level)


def test_the_step_budget_stops_validation_with_one_issue_naming_the_limit(tmp_path):
    # A default under the fan-out is checked by jsonschema along every path of `$ref`s (no memo).
    path = write(tmp_path, "fan.json", fan_out_spec(default=True))
    started = time.monotonic()
    issues = issues_of(path, Limits(validation_steps=3_000))
    assert time.monotonic() - started < 20
    stopped = [i for i in issues if "validation stopped" in i.message]
    assert len(stopped) == 1 and stopped[0] is issues[-1]
    assert "3,000" in stopped[0].message and "validation-steps" in stopped[0].message
    # What was found before the budget ran out is kept, each error once.
    found = issues[:-1]
    assert found and len(set(found)) == len(found)
    assert all(i.pointer.endswith("/default") and "required property" in i.message for i in found)


def test_a_spec_within_the_budget_is_not_stopped(tmp_path):
    path = write(tmp_path, "fan.json", fan_out_spec(levels=4, default=True))
    issues = issues_of(path)
    assert issues and not any("validation stopped" in i.message for i in issues)


def test_the_budget_is_set_in_the_config(tmp_path, cli):
    spec = write(tmp_path, "fan.json", fan_out_spec(default=True))
    config = tmp_path / "machaudit.toml"
    config.write_text("[limits]\nvalidation-steps = 2000\n", encoding="utf-8")
    run = cli("validate", str(spec), "--config", str(config), "--no-cache", "-j", "1",
              "-f", "json", "-q", "--fail-on", "never")
    messages = [f["message"] for f in run.findings("SPC001")]
    assert sum("validation stopped" in m and "2,000" in m for m in messages) == 1


def allof_cases() -> dict:
    """allOf shapes whose property walk decides findings: a required property defined only in a
    member (fine), one defined nowhere (an error), one member reached through two `$ref` paths,
    and members that contain each other (a cycle)."""
    base = {"Named": {"type": "object", "properties": {"name": {"type": "string"}}},
            "Aged": {"allOf": [{"$ref": "#/components/schemas/Named"}],
                     "properties": {"age": {"type": "integer"}}},
            "Ok": {"allOf": [{"$ref": "#/components/schemas/Aged"}, {"$ref": "#/components/schemas/Named"}],
                   "required": ["name", "age"]},
            "Missing": {"allOf": [{"$ref": "#/components/schemas/Aged"}], "required": ["name", "height"]}}
    cyclic = {"A": {"allOf": [{"$ref": "#/components/schemas/B"}], "properties": {"a": {}}},
              "B": {"allOf": [{"$ref": "#/components/schemas/A"}], "properties": {"b": {}}}}

    def spec(schemas):
        return {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {},
                "components": {"schemas": schemas}}

    return {"allof.json": spec(base), "cyclic.json": spec({**base, **cyclic})}


@pytest.mark.parametrize("name", sorted(allof_cases()))
def test_the_memoised_allof_walk_finds_what_the_librarys_walk_finds(tmp_path, monkeypatch, name):
    path = write(tmp_path, name, allof_cases()[name])
    fast = issues_of(path)
    monkeypatch.setenv("MACHAUDIT_VALIDATOR_SPEEDUPS", "0")
    assert issues_of(path) == fast
    if name == "allof.json":
        assert [(i.pointer, i.message) for i in fast] == [
            ("/components/schemas/Missing", "Required list has not defined properties: ['height']")]
    else:
        # The library's walk recurses without end; both stop at it, keeping what came before.
        assert [i.message for i in fast] == ["Required list has not defined properties: ['height']",
                                             "validation stopped: the document nests too deeply for the validator"]


# -- the fence around the libraries' internals -----------------------------------------------------

@pytest.fixture
def incompatible_validator(monkeypatch, tmp_path):
    """openapi-spec-validator as if a private method the speed-ups use had changed: the module is
    imported again and runs its compatibility check on it."""
    from openapi_spec_validator.validation.keywords import SchemaValidator

    from machaudit.sources import validator_speedups

    original = SchemaValidator._validate_schema_meta

    def _validate_schema_meta(self, schema, schema_value, context=None):
        return original(self, schema, schema_value)

    monkeypatch.setattr(SchemaValidator, "_validate_schema_meta", _validate_schema_meta)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the "warned already" marker goes
    yield lambda: importlib.reload(validator_speedups)
    monkeypatch.undo()
    importlib.reload(validator_speedups)
    assert validator_speedups.AVAILABLE


PETSTORE_WITH_ERRORS = CORPUS / "bench" / "Redocly+redocly-cli" / "resources" / "petstore-with-errors.yaml"
TODOLIST = CORPUS / "bench" / "go-swagger+go-swagger" / "testdata" / "codegen" / "todolist.models.yml"


@needs_corpus
def test_without_the_speed_ups_the_plain_path_finds_the_same_after_one_warning(incompatible_validator, capsys):
    specs = [PETSTORE_WITH_ERRORS, TODOLIST]
    fast = [issues_of(spec) for spec in specs]
    assert all(fast), "the specs should have errors to compare"

    speedups = incompatible_validator()
    assert "takes other arguments" in speedups.PROBLEM and not speedups.enabled()
    warning = capsys.readouterr().err
    assert warning.count("machaudit: warning:") == 1 and "same findings" in warning
    assert [issues_of(spec) for spec in specs] == fast

    incompatible_validator()  # another validator process of the same run: no second warning
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name", ["schema_v2", "schema_v30", "schema_v31", "schema_v32"])
def test_the_openapi_schemas_read_as_json_are_the_librarys(name):
    from openapi_spec_validator import schemas

    from machaudit.sources import validator_speedups

    assert validator_speedups.openapi_schema(name) == dict(getattr(schemas, name))


def test_the_compatibility_check_accepts_the_installed_libraries():
    from machaudit.sources import validator_speedups

    assert validator_speedups.check_compatibility() == ""


FENCED_LIBRARIES = ("openapi_spec_validator", "openapi_schema_validator", "jsonschema", "jsonschema_path",
                    "pathable", "referencing")
PRIVATE_NAMES = {"_collect_properties", "_validate_schema_meta", "_get_schema_checker", "_get_subnode",
                 "_resolver", "visited_schema_ids", "meta_checked_schema_ids"}


def python_files():
    for folder in ("machaudit", "checks"):
        yield from (REPO / folder).rglob("*.py")


def test_the_libraries_internals_are_used_in_one_module_only():
    offenders = []
    for path in python_files():
        if path.name == "validator_speedups.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FENCED_LIBRARIES:
                names = [node.module] + [alias.name for alias in node.names]
                names = [n for n in names if any(part.startswith("_") for part in n.split("."))]
            elif isinstance(node, ast.Attribute) and node.attr in PRIVATE_NAMES:
                names = [node.attr]
            elif isinstance(node, ast.keyword) and node.arg in PRIVATE_NAMES:
                names = [node.arg]
            elif isinstance(node, ast.Constant) and node.value in PRIVATE_NAMES:
                names = [node.value]
            offenders += [f"{path.relative_to(REPO)}:{node.lineno}: {name}" for name in names]
    assert offenders == []


def test_every_package_imported_is_a_declared_dependency():
    from importlib.metadata import packages_distributions

    import tomllib

    declared = {re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower().replace("_", "-")
                for d in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]}
    distributions = packages_distributions()
    missing = set()
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in ("machaudit", "machaudit_checks", "checks"):
                    continue
                names = {d.lower().replace("_", "-") for d in distributions.get(top, [top])}
                if not names & declared:
                    missing.add(f"{top} ({path.relative_to(REPO)})")
    assert sorted(missing) == []


# -- graph metrics on large catalogs ---------------------------------------------------------------

def large_catalog(count: int, seed: int = 12) -> str:
    """Components in dependsOn chains of 50, each also depending on two at random (one loop of
    nearly all of them), a website every 500 and a system of record every 1,000."""
    rng = random.Random(seed)
    documents = []
    for i in range(count):
        targets = {i + 1} if i + 1 < count and i % 50 != 49 else set()
        targets |= {j for j in (rng.randrange(count), rng.randrange(count)) if j != i}
        annotations = '\n  annotations:\n    machaudit.io/system-of-record: "order"' if i % 1000 == 7 else ""
        kind = "website" if i % 500 == 0 else "service"
        depends = ", ".join(f"component:c{j}" for j in sorted(targets))
        documents.append(f"---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c{i}{annotations}\n"
                         f"spec: {{type: {kind}, lifecycle: production, owner: group:team, system: s{i % 40}, "
                         f"dependsOn: [{depends}]}}\n")
    return "".join(documents)


@pytest.mark.slow
def test_an_audit_of_20000_components_finishes(tmp_path, cli):
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text(large_catalog(20_000), encoding="utf-8")
    (tmp_path / "specs").mkdir()
    started = time.monotonic()
    run = cli("audit", str(tmp_path / "specs"), "--catalog", str(catalog), "--no-cache", "-j", "1",
              "-f", "json", "-q", "--fail-on", "never")
    # 35 s alone on 2 cores, 100 s beside other test runs; exact betweenness and cycle enumeration
    # took hours.
    assert time.monotonic() - started < 180
    assert run.exit_code == 0 and not run.report["errors"]
    [loop] = run.findings("ORC001")
    assert "listing capped" in loop["message"] and len(loop["message"]) < 5_000
    orc008 = [r for r in run.report["results"] if r["check"] == "ORC008"]
    assert len(orc008) == 20_000


def random_graph(nodes: int, edges_per_node: int, seed: int):
    import networkx as nx

    rng = random.Random(seed)
    graph = nx.DiGraph()
    graph.add_nodes_from(f"component:default/c{i}" for i in range(nodes))
    for i in range(nodes):
        for _ in range(edges_per_node):
            j = rng.randrange(nodes)
            if j != i:
                graph.add_edge(f"component:default/c{i}", f"component:default/c{j}")
    return graph


def test_sampled_betweenness_is_networkxs_with_the_same_pivots():
    import networkx as nx

    from machaudit_checks.orchestration.orc008_integration_bottleneck import SEED, _Adjacency

    graph = random_graph(700, 2, seed=5)
    ours = _Adjacency(graph).sampled_betweenness(40, SEED)
    theirs = nx.betweenness_centrality(graph, k=40, seed=SEED)
    assert ours == pytest.approx(theirs, abs=1e-12)
    assert max(ours.values()) > 0


def test_a_large_loop_lists_its_shortest_cycles_and_says_the_listing_is_capped(tmp_path, cli):
    # 150 services in one ring, with shortcuts: too many cycles to enumerate.
    names = [f"s{i}" for i in range(150)]
    documents, edges = [], set()
    for i, name in enumerate(names):
        targets = {names[(i + 1) % 150], names[(i * 7 + 3) % 150]} - {name}
        edges |= {(f"component:default/{name}", f"component:default/{t}") for t in targets}
        depends = ", ".join(f"component:{t}" for t in sorted(targets))
        documents.append(f"---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n"
                         f"spec: {{type: service, lifecycle: production, owner: group:team, dependsOn: [{depends}]}}\n")
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text("".join(documents), encoding="utf-8")
    (tmp_path / "specs").mkdir()
    run = cli("audit", str(tmp_path / "specs"), "--catalog", str(catalog), "--select", "ORC001",
              "--no-cache", "-f", "json", "-q", "--fail-on", "never")
    [loop] = run.findings("ORC001")
    assert loop["message"].startswith("150 services depend on each other in a cycle")
    assert "listing capped" in loop["message"] and "… 130 more" in loop["message"]
    cycles = loop["evidence"]["cycles"]
    assert len(cycles) == 10 and loop["evidence"]["cycles_capped"] is True
    for cycle in cycles:  # each listed cycle is one: every member depends on the next
        assert len(set(cycle)) == len(cycle) >= 2
        assert all((a, b) in edges for a, b in zip(cycle, cycle[1:] + cycle[:1]))
    assert len({tuple(c) for c in cycles}) == 10
