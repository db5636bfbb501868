"""One check, some documents in, its exact findings out (in the spirit of Spectral's testRule).

    def test_orders_cycle(tmp_path):
        assert findings_of("ORC001", {"catalog-info.yaml": CATALOG}, tmp_path) == [
            Found("catalog-info.yaml", 3, "component:default/a", "a -> b -> a"),
        ]
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from machaudit import run_audit
from machaudit.config import CheckConfig, Config
from machaudit.findings import State


class Found(NamedTuple):
    file: str  # relative to the folder the documents were written to
    line: int | None
    subject: str
    message: str


def findings_of(check_id: str, documents: Mapping[str, str], folder: Path, **options: Any) -> list[Found]:
    """Write `documents` (relative name -> text) into `folder`, run `check_id` alone over it with
    `options`, and return its findings, ordered by file, line and message."""
    for name, text in documents.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    config = Config(select=(check_id,), checks={check_id: CheckConfig(options=options)} if options else {})
    report = run_audit([str(folder)], config, cache=False, jobs=1)
    found = []
    for result in report.results:
        if result.check_id != check_id or result.state is not State.FAIL:
            continue
        location = result.location
        file = os.path.relpath(Path(location.file).resolve(), folder.resolve()) if location else ""
        found.append(Found(file, location.line if location else None, result.subject, result.message))
    return sorted(found, key=lambda f: (f.file, f.line or 0, f.message))
