"""Specs whose parsed documents were shelved (kept marshalled, brought back when a check reads them)
give exactly the report of specs held parsed throughout: `[limits] parsed-documents-mb = 0` makes
every spec forget its documents as soon as another one is read."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import CORPUS, REPO

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not beside the repository")


def report(folder, tmp_path, budget_mb: int) -> bytes:
    config = tmp_path / f"budget{budget_mb}.toml"
    config.write_text(f"[limits]\nparsed-documents-mb = {budget_mb}\n")
    out = tmp_path / f"report{budget_mb}.json"
    proc = subprocess.run(
        [sys.executable, "-m", "machaudit", "audit", str(folder), "--config", str(config), "-f", f"json:{out}",
         "-q", "--fail-on", "never"],
        capture_output=True, text=True, timeout=1800, env={**os.environ, "MACHAUDIT_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    # The same report but for the config file it names (each budget has its own).
    return re.sub(rb'"file": "[^"]*budget\d+\.toml"', b'"file": "budget.toml"', out.read_bytes())


def test_shelved_documents_give_the_same_report_on_the_sample(tmp_path):
    held = report(REPO / "sample_specs" / "distributor", tmp_path, 1024)
    assert b'"check": "DAT004"' in held  # checks that walk the specs' schemas found something
    assert report(REPO / "sample_specs" / "distributor", tmp_path, 0) == held


@needs_corpus
@pytest.mark.slow
def test_shelved_documents_give_the_same_report_on_the_bench_corpus(tmp_path):
    held = report(CORPUS / "bench", tmp_path, 1024)
    assert report(CORPUS / "bench", tmp_path, 0) == held
