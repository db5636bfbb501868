"""Validation runs in worker processes beside the checks: only checks that declare
`needs_validation` wait for it, and they (and the report) see the validator's issues."""

import functools
import os

import pytest

from machaudit.engine import run_checks
from machaudit.sources import validation_runs
from machaudit.graph import build_graphs
from machaudit.registry import load_checks, select
from machaudit.sources import LoadOptions, start_loading
from machaudit.sources import store as store_module
from machaudit.sources.refs import locate_location
from machaudit.limits import Limits

VALID = """openapi: 3.0.3
info: {title: Orders, version: "1"}
paths:
  /orders:
    get:
      responses: {"200": {description: ok}}
"""
INVALID = VALID.replace("description: ok", "descripton: ok")


def _folder(tmp_path):
    for i in range(3):
        (tmp_path / f"ok{i}.yaml").write_text(VALID)
    (tmp_path / "broken.yaml").write_text(INVALID)
    return tmp_path


def _load(tmp_path):
    options = LoadOptions(read_catalog=True, jobs=2, cache=False)
    return start_loading([str(_folder(tmp_path))], options)


def _invalid(stack):
    return {s.display.rsplit("/", 1)[-1] for s in stack.specs.values() if any(p.kind == "invalid" for p in s.problems)}


def test_the_stack_is_usable_before_validation_ends_and_complete_after(tmp_path):
    loaded = _load(tmp_path)
    try:
        assert _invalid(loaded.stack) == set()  # the validator's issues are not in yet
        assert _invalid(loaded.validated()) == {"broken.yaml"}
        assert loaded.validated() is loaded.stack  # once, then kept
    finally:
        loaded.close()


def test_checks_needing_validation_run_last_on_the_validated_stack(tmp_path):
    checks = load_checks()
    assert checks["SPC001"].needs_validation and not checks["API004"].needs_validation
    loaded = _load(tmp_path)
    seen = []

    def validated():
        seen.append("validated")
        return loaded.validated()

    try:
        chosen = select(checks, ["SPC001", "API004"])
        report = run_checks(loaded.stack, build_graphs(loaded.stack), chosen, validated=validated,
                            locate=functools.partial(locate_location, loaded.store))
    finally:
        loaded.close()
    assert seen == ["validated"]
    assert [f.subject.rsplit("/", 1)[-1] for f in report.findings if f.check_id == "SPC001"] == ["broken.yaml"]
    assert {s["file"].rsplit("/", 1)[-1]: s["valid"] for s in report.specs}["broken.yaml"] is False


def test_the_files_of_a_few_findings_are_indexed_before_the_run_waits_for_validation(tmp_path):
    """The line index of a large spec takes time: with findings in a few files, it is built while
    the workers still validate, not after (then only the lookups are left)."""
    loaded = _load(tmp_path)
    indexed_when_waiting = []

    def validated():
        indexed_when_waiting.extend(sorted(os.path.basename(k) for k, index in loaded.store._lines.items() if index))
        return loaded.validated()

    try:
        report = run_checks(loaded.stack, build_graphs(loaded.stack), select(load_checks(), ["SPC001", "API004"]),
                            validated=validated, locate=functools.partial(locate_location, loaded.store))
    finally:
        loaded.close()
    api004 = [f for f in report.findings if f.check_id == "API004"]
    assert api004 and all(f.location.line for f in api004)
    assert indexed_when_waiting == sorted({os.path.basename(f.location.file) for f in api004})


def test_the_report_waits_for_validation_even_without_a_check_that_needs_it(tmp_path):
    loaded = _load(tmp_path)
    try:
        report = run_checks(loaded.stack, build_graphs(loaded.stack), select(load_checks(), ["API004"]),
                            validated=loaded.validated)
    finally:
        loaded.close()
    assert {s["file"].rsplit("/", 1)[-1]: s["valid"] for s in report.specs}["broken.yaml"] is False


def test_a_worker_that_dies_costs_time_not_findings(tmp_path, monkeypatch):
    # Workers are forked: they run the patched function and exit at once, as a killed one would.
    monkeypatch.setattr(validation_runs, "_validate_in_worker", lambda key, store: os._exit(1))
    loaded = _load(tmp_path)
    try:
        assert _invalid(loaded.validated()) == {"broken.yaml"}  # validated in this process instead
    finally:
        loaded.close()


def test_a_warm_cache_starts_no_worker(tmp_path, monkeypatch):
    # A CI run where nothing changed must not wait for workers validating specs whose results it has.
    monkeypatch.setenv("MACHAUDIT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "specs").mkdir()
    folder = _folder(tmp_path / "specs")
    options = LoadOptions(jobs=2, cache=True)
    for expect_pool in (True, False):
        loaded = start_loading([str(folder)], options)
        try:
            assert (loaded.run._pool is not None) is expect_pool
            assert _invalid(loaded.validated()) == {"broken.yaml"}
        finally:
            loaded.close()


def _large_spec(tmp_path, error: bool):
    """Over MIN_BYTES_FOR_POOL: many paths, one of them with a misspelt field if `error`."""
    paths = "".join(f"  /orders{i}:\n    get:\n      description: '{'x' * 900}'\n      responses: {{\"200\": {{description: ok}}}}\n"
                    for i in range(1200))
    text = VALID.split("paths:\n")[0] + "paths:\n" + paths
    if error:
        text = text.replace("/orders7:\n    get:\n", "/orders7:\n    get:\n      summry: typo\n", 1)
    path = tmp_path / "large.yaml"
    path.write_text(text)
    assert path.stat().st_size >= validation_runs.MIN_BYTES_FOR_POOL
    return path


def test_a_single_large_spec_is_validated_by_a_process_started_early(tmp_path, monkeypatch):
    path = _large_spec(tmp_path, error=True)
    validation_runs.start_early([str(path)], jobs=2)
    early, (key, _, task) = validation_runs._early_pool, validation_runs._early_task
    assert early is not None and key == str(path)
    parses = []
    with monkeypatch.context() as patched:
        patched.setattr(store_module, "parse_document", lambda *args: parses.append(args))
        loaded = start_loading([str(path)], LoadOptions(read_catalog=False, jobs=2, cache=False))
    try:
        assert validation_runs._early_pool is None and loaded.run._pool is early  # taken over
        assert loaded.run._futures[key] is task  # validating what start_early parsed and handed over
        assert parses == []  # nor does the audit parse the spec again
        (spec,) = loaded.validated().specs.values()
    finally:
        loaded.close()
    single = start_loading([str(path)], LoadOptions(read_catalog=False, jobs=1, cache=False))
    try:
        (alone,) = single.validated().specs.values()
    finally:
        single.close()
    assert [p for p in spec.problems if p.kind == "invalid"] == [p for p in alone.problems if p.kind == "invalid"]
    assert any("summry" in p.message and p.location.line for p in spec.problems)


def test_for_an_audit_the_early_process_parses_the_spec_and_hands_it_back(tmp_path, monkeypatch):
    """`audit` imports its checks meanwhile: this process parses nothing, and gets the same spec."""
    path = _large_spec(tmp_path, error=True)
    validation_runs.start_early([str(path)], jobs=2, hand_back=True)
    key, _, task = validation_runs._early_task
    parses = []
    with monkeypatch.context() as patched:
        patched.setattr(store_module, "parse_document", lambda *args: parses.append(args))
        patched.setattr(validation_runs, "parse_document", lambda *args: parses.append(args))
        loaded = start_loading([str(path)], LoadOptions(read_catalog=False, jobs=2, cache=False))
    try:
        assert loaded.run._futures[key] is task
        assert parses == []  # parsed by the worker only
        (spec,) = loaded.validated().specs.values()
    finally:
        loaded.close()
    assert len(spec.operations) == len([line for line in path.read_text().splitlines() if line.startswith("  /orders")])
    assert any("summry" in p.message and p.location.line for p in spec.problems)


def test_what_was_parsed_early_is_not_used_for_other_limits(tmp_path):
    path = _large_spec(tmp_path, error=False)
    validation_runs.start_early([str(path)], jobs=2)
    task = validation_runs._early_task[2]
    loaded = start_loading([str(path)], LoadOptions(read_catalog=False, jobs=2, cache=False, limits=Limits(max_depth=50)))
    try:
        assert loaded.run._futures[str(path)] is not task  # other limits: validated afresh
        assert [p.kind for p in loaded.validated().specs[str(path)].problems] == []
    finally:
        loaded.close()


@pytest.mark.parametrize("hand_back", [False, True])
def test_a_spec_changed_after_it_was_read_early_is_read_again(tmp_path, hand_back):
    path = _large_spec(tmp_path, error=False)
    validation_runs.start_early([str(path)], jobs=2, hand_back=hand_back)
    if hand_back:
        validation_runs._early_task[2].result()  # the worker has read and validated the file as it was
    path.write_text(path.read_text().replace("/orders7:\n    get:\n", "/orders7:\n    get:\n      summry: typo\n", 1))
    loaded = start_loading([str(path)], LoadOptions(read_catalog=False, jobs=2, cache=False))
    try:
        (spec,) = loaded.validated().specs.values()
    finally:
        loaded.close()
    assert "/orders7" in {o.path for o in spec.operations}
    assert any("summry" in p.message for p in spec.problems)  # the file as it is now, not as parsed early


def test_the_early_process_is_not_used_for_several_specs_or_small_ones(tmp_path):
    validation_runs.start_early([str(_large_spec(tmp_path, error=False)), str(tmp_path)], jobs=2)
    assert validation_runs._early_pool is None  # several paths: the run makes its own pool
    (tmp_path / "small.yaml").write_text(VALID)
    validation_runs.start_early([str(tmp_path / "small.yaml")], jobs=2)
    assert validation_runs._early_pool is None
    validation_runs.start_early([str(tmp_path / "large.yaml")], jobs=1)
    assert validation_runs._early_pool is None  # one core: validation stays in this process


def test_a_large_document_many_specs_reference_is_parsed_once_per_worker(tmp_path, monkeypatch):
    """A shared schema library: each worker parses it for the first spec that reads it and keeps
    it (by size and mtime) for the next ones."""
    schemas = "".join(f"    S{i}:\n      type: object\n      description: '{'x' * 300}'\n" for i in range(1000))
    (tmp_path / "shared.yaml").write_text("components:\n  schemas:\n" + schemas)
    assert (tmp_path / "shared.yaml").stat().st_size >= validation_runs.SHARED_MIN_BYTES
    for n in range(3):
        (tmp_path / f"api{n}.yaml").write_text(VALID.replace("/orders:", f"/orders{n}:").replace(
            "description: ok}", "description: ok, content: {application/json: {schema: {$ref: 'shared.yaml#/components/schemas/S7'}}}}"))
    parsed = []
    real = store_module.parse_document
    monkeypatch.setattr(store_module, "parse_document", lambda text, name, *a, **k: (parsed.append(os.path.basename(name)), real(text, name, *a, **k))[1])
    monkeypatch.setattr(validation_runs, "_shared_documents", validation_runs.OrderedDict())
    store = ([tmp_path], Limits(), False, (), ())
    results = [validation_runs._validate_in_worker(str(tmp_path / f"api{n}.yaml"), store) for n in range(3)]
    assert all(request is not None and issues == [] for request, _, issues in results)
    assert sorted(parsed) == ["api0.yaml", "api1.yaml", "api2.yaml", "shared.yaml"]
    (tmp_path / "shared.yaml").write_text("components:\n  schemas:\n" + schemas.replace("S7:", "S7x:"))
    validation_runs._validate_in_worker(str(tmp_path / "api0.yaml"), store)
    assert parsed.count("shared.yaml") == 2  # changed: read again, and the reference no longer resolves


@pytest.mark.parametrize("hand_back", [False, True])
def test_a_value_marshal_cannot_carry_leaves_the_other_process_to_parse_the_spec(tmp_path, hand_back):
    """A YAML timestamp parses to a date, which marshal cannot hand between processes: the process
    that did not parse the spec reads it itself, and the run goes on (it raised before)."""
    path = _large_spec(tmp_path, error=True)
    path.write_text(path.read_text().replace("info:", "x-released: !!timestamp 2024-01-01\ninfo:", 1))
    validation_runs.start_early([str(path)], jobs=2, hand_back=hand_back)
    loaded = start_loading([str(path)], LoadOptions(read_catalog=False, jobs=2, cache=False))
    try:
        (spec,) = loaded.validated().specs.values()
    finally:
        loaded.close()
    assert len(spec.operations) == 1200
    assert any("summry" in p.message and p.location.line for p in spec.problems)
