"""The layers DESIGN.md draws, read from the imports: checks see a read-only context (the stack,
capabilities, the graph views, the journey) and never reach into `sources/`, the only code that
reads files or the network."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _imported(path: Path) -> list[str]:
    """Every module a file imports, with `from package import module` read as package.module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names]
    return found


def test_checks_never_import_sources():
    offenders = sorted(f"{path.relative_to(REPO)}: {module}"
                       for path in (REPO / "checks").rglob("*.py") for module in _imported(path)
                       if module == "machaudit.sources" or module.startswith("machaudit.sources."))
    assert offenders == []


def test_the_check_finds_an_import_of_sources(tmp_path):
    for line in ("from machaudit.sources.refs import locate", "import machaudit.sources",
                 "from machaudit import sources"):
        (tmp_path / "c.py").write_text(line + "\n")
        assert any(m == "machaudit.sources" or m.startswith("machaudit.sources.") for m in _imported(tmp_path / "c.py"))
