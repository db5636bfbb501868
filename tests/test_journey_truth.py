"""The journey map against hand-labelled maps (tests/truth/journeys/*.yaml): the expected state of
every touchpoint for the one channel of Spree's Store API, Medusa's Storefront API and Sock Shop,
written by reading the specs and catalogs.

Threshold: 19 of 20 cells per platform (0.95). Every cell is a verdict a consultant signs, so the
map must be right nearly everywhere; one cell of slack per platform leaves room for a judgement the
labels make and the rules cannot see (a price shown only inside a product read), and every
disagreement is printed so it is argued, not hidden.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.truth import score as truth

JOURNEYS = Path(__file__).resolve().parent / "truth" / "journeys"
DATA = Path(__file__).resolve().parent / "data"
SPREE_STORE = truth.CORPUS / "spree" / "docs" / "api-reference" / "store.yaml"
AGREEMENT = 0.95

SPREE_CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: storefront}
spec: {type: website, lifecycle: production, owner: shop-team, consumesApis: [store-api]}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: spree-server}
spec: {type: service, lifecycle: production, owner: shop-team, providesApis: [store-api]}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: store-api}
spec: {type: openapi, lifecycle: production, owner: shop-team, definition: {$text: ./store.yaml}}
"""


def _spree(tmp_path: Path) -> Path:
    if not SPREE_STORE.is_file():
        pytest.skip(f"shared corpus not found at {truth.CORPUS}")
    folder = tmp_path / "spree"
    folder.mkdir()
    shutil.copy(SPREE_STORE, folder / "store.yaml")
    (folder / "catalog-info.yaml").write_text(SPREE_CATALOG, encoding="utf-8")
    return folder


def expected(name: str) -> dict:
    return yaml.safe_load((JOURNEYS / f"{name}.yaml").read_text(encoding="utf-8"))


def compare(stack: Path, labels: dict) -> tuple[int, list[str]]:
    run = run_cli("journey", str(stack), "-f", "json")
    assert run.exit_code == 0, run.stderr
    channel = labels["channel"]
    assert channel in run.report["channels"], run.report["channels"]
    found = {t["name"]: t["cells"][channel]["state"] for stage in run.report["stages"] for t in stage["touchpoints"]}
    assert set(found) == set(labels["cells"]), "every touchpoint labelled"
    agree, disagreements = 0, []
    for name, (state, reason) in labels["cells"].items():
        if found[name] == state:
            agree += 1
        else:
            disagreements.append(f"{labels['platform']} {name}: expected {state} ({reason}), found {found[name]}")
    return agree, disagreements


@pytest.mark.parametrize("name", ["spree-store", "medusa-store", "sockshop"])
def test_journey_map_agrees_with_the_labelled_map(name, tmp_path):
    stack = _spree(tmp_path) if name == "spree-store" else DATA / name
    labels = expected(name)
    agree, disagreements = compare(stack, labels)
    total = len(labels["cells"])
    print(f"{name}: {agree}/{total} cells agree", *disagreements, sep="\n  ")
    assert agree / total >= AGREEMENT, disagreements


def test_labelled_maps_use_the_journey_states():
    for path in JOURNEYS.glob("*.yaml"):
        labels = yaml.safe_load(path.read_text(encoding="utf-8"))
        for name, (state, reason) in labels["cells"].items():
            assert state in ("self-service", "phone-only", "internal-only", "missing"), (path.name, name)
            assert reason.strip(), (path.name, name)
