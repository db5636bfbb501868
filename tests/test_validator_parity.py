"""Validator parity: what machaudit reports as SPC001 is what openapi-spec-validator itself reports,
called directly, with the backend it picks by default (jsonschema-rs when installed), file by file.

machaudit shows each error where it is (the full JSON pointer, the most specific sub-error of a
`oneOf`), and once where the library repeats itself; each of its issues records the library's own
errors it stands for (`origins`: the path as the library gives it and its message, with how often
the library yielded it; more than one where both phases report the same `pattern`). Compared, file
by file: every error the library yields, counted, by (path, message), the message being the error's first paragraph (jsonschema-rs' long form adds "Failed validating … On instance",
which restates schema and instance) shortened as machaudit shortens messages. Where the validator
raises instead (a `$ref` that does not resolve, a value its code cannot take), both sides count one
"stopped" entry; when the cause is an unresolved `$ref`, machaudit reports that as SPC003 and the
stop is left out on both sides.

SPC001 reports these issues minus the duplicate-operationId ones, which are SPC004's finding.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from machaudit.sources import LoadOptions, load_stack
from machaudit.sources.openapi import validatable
from machaudit.sources.validate import _short, stopped_origin, validate
from machaudit.sources.validation_runs import refs_resolve
from tests.conftest import CORPUS, FIXTURES

BENCH = CORPUS / "bench"


def library_errors(spec, data, refs_ok: bool) -> Counter:
    """openapi-spec-validator as a user calls it: the class for the version, its own handlers; every
    error it yields, counted."""
    import openapi_spec_validator as osv

    from machaudit.findings import to_pointer

    version = spec.version
    cls = (osv.OpenAPIV2SpecValidator if version.startswith("2") else
           osv.OpenAPIV30SpecValidator if version.startswith("3.0") else
           osv.OpenAPIV31SpecValidator if version.startswith("3.1") else osv.OpenAPIV32SpecValidator)
    errors: Counter = Counter()
    try:
        for error in cls(data, base_uri=Path(spec.key).as_uri()).iter_errors():
            errors[to_pointer(list(error.path)), _short(error.message.split("\n\n")[0])] += 1
    except Exception as exc:
        if refs_ok:
            errors[stopped_origin(exc)] += 1
    return errors


def machaudit_errors(issues) -> Counter:
    """The library's errors machaudit's issues stand for, counted."""
    found: Counter = Counter()
    for issue in issues:
        for origin, times in issue.origins:
            found[origin] += times
    return found


def mismatches(folder: Path) -> tuple[int, int, list[str]]:
    """(specs compared, library errors compared, the specs that differ)."""
    stack, store = load_stack([str(folder)], LoadOptions(read_catalog=False, validate=False, cache=False))
    compared, errors, differing = 0, 0, []
    for key, spec in sorted(stack.specs.items()):
        if not validatable(spec):
            continue
        compared += 1
        data = store.load(key)
        refs_ok = refs_resolve(spec)
        ours = machaudit_errors(validate(store, key, data, spec.version, refs_ok))
        theirs = library_errors(spec, data, refs_ok)
        errors += sum(theirs.values())
        if ours != theirs:
            differing.append(f"{spec.display}: {sum(theirs.values())} library errors, machaudit {sum(ours.values())}; "
                             f"only the library {sorted((theirs - ours).items())[:3]}, "
                             f"only machaudit {sorted((ours - theirs).items())[:3]}")
    return compared, errors, differing


def test_parity_on_a_pattern_only_the_librarys_regex_engine_rejects(tmp_path):
    """`\\d{1-5}` is a literal to Python's `re` and not a regex to jsonschema-rs (ECMA-262), the
    library's default backend: the library rejects the spec, and so must machaudit."""
    spec = tmp_path / "phones.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: Phones, version: '1'}\npaths:\n  /calls:\n    get:\n"
                    "      parameters:\n        - name: phone\n          in: query\n          schema:\n"
                    "            type: string\n            pattern: '^\\+?[1-9]\\d{1,14}(x\\d{1-5})?$'\n"
                    "      responses: {'200': {description: ok}}\n")
    stack, store = load_stack([str(spec)], LoadOptions(read_catalog=False, validate=False, cache=False))
    (loaded,) = stack.specs.values()
    issues = validate(store, loaded.key, store.load(loaded.key), loaded.version, True)
    assert [(i.pointer, i.message) for i in issues] == [
        ("/paths/~1calls/get/parameters/0/schema/pattern", r'"^\\+?[1-9]\\d{1,14}(x\\d{1-5})?$" is not a "regex"')]
    assert machaudit_errors(issues) == library_errors(loaded, store.load(loaded.key), True) == Counter({
        ("/paths/~1calls/get/parameters/0",
         '{"in":"query","name":"phone","schema":{"pattern":"^\\\\+?[1-9]\\\\d{1,14}(x\\\\d{1-5})?$","type":"string"}} '
         "is not valid under any of the schemas listed in the 'oneOf' keyword"): 1})


def test_parity_on_the_check_fixtures():
    compared, errors, differing = mismatches(FIXTURES / "checks")
    assert compared >= 200 and errors >= 2  # mostly valid specs: none may gain an error
    assert differing == []


@pytest.mark.slow
@pytest.mark.skipif(not BENCH.is_dir(), reason=f"the shared bench corpus is not beside the repository ({BENCH})")
def test_parity_on_every_spec_of_the_bench_corpus():
    compared, errors, differing = mismatches(BENCH)
    assert compared >= 220 and errors >= 1500
    assert differing == [], f"{len(differing)} of {compared} specs differ:\n" + "\n".join(differing)
