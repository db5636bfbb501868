"""The fast path (validator processes, cached results, jsonschema-rs deciding which schemas pass their
meta-schema) finds exactly what the straightforward path (one process, no cache, openapi-spec-validator's
keyword phase as shipped) finds, on real corpora.

Both use the validator backend openapi-spec-validator picks (jsonschema-rs, a dependency). Forcing
the pure-Python backend is not comparable: its meta-schema checks reject regex syntax Rust and
ECMA-262 accept (`\\p{L}`), so which patterns are "not a regex" differs by design, not by speed-ups.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import CORPUS

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the repository")


def findings(folder, tmp_path, name, *args, env=None):
    out = tmp_path / f"{name}.json"
    proc = subprocess.run(
        [sys.executable, "-m", "machaudit", "validate", str(folder), "-f", f"json:{out}", "-q", "--fail-on", "never", *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(out.read_text())
    return sorted((f["check"], f["subject"], f["message"], json.dumps(f["location"], sort_keys=True))
                  for f in report["findings"])


def compare(folder, tmp_path):
    cache = {"MACHAUDIT_CACHE_DIR": str(tmp_path / "cache")}
    plain = findings(folder, tmp_path, "plain", "--jobs", "1", "--no-cache",
                     env={"MACHAUDIT_VALIDATOR_SPEEDUPS": "0"})
    cold = findings(folder, tmp_path, "cold", "--jobs", "2", env=cache)
    warm = findings(folder, tmp_path, "warm", "--jobs", "2", env=cache)
    assert plain, "the corpus should have findings to compare"
    assert cold == plain
    assert warm == plain


@needs_corpus
def test_fast_path_is_identical_on_adyen(tmp_path):
    compare(CORPUS / "adyen" / "json", tmp_path)


@needs_corpus
@pytest.mark.slow
def test_fast_path_is_identical_on_the_bench_corpus(tmp_path):
    compare(CORPUS / "bench", tmp_path)
