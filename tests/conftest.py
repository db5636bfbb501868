"""Shared test helpers: run the real CLI in-process, read its JSON report."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from machaudit.cli import main

# Tests never write to the user's cache; each session starts with an empty one.
os.environ.setdefault("MACHAUDIT_CACHE_DIR", tempfile.mkdtemp(prefix="machaudit-test-cache-"))

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLES = REPO / "sample_specs"
CORPUS = REPO.parent / "shared" / "corpus"  # read-only reference material beside the repo


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict:
        return json.loads(self.stdout)

    def findings(self, check: str | None = None) -> list[dict]:
        return [f for f in self.report["findings"] if check is None or f["check"] == check]


def run_cli(*args: str, env: dict | None = None) -> Run:
    runner = CliRunner()
    result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
    return Run(result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def cli():
    return run_cli
