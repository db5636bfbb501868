"""Formatters turn an AuditReport into text (or bytes). They see nothing but the report.

Each entry names a module with `render(report, color) -> str`, or bytes (UTF-8) where the text can
be large (JSON, SARIF); a module may also offer `chunks(report)`, the same bytes in pieces, for
writing a large report without holding it whole. Modules are imported only when used.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

from machaudit.report import AuditReport

FORMATTERS: dict[str, str] = {
    "terminal": "machaudit.formatters.terminal",
    "json": "machaudit.formatters.json",
    "sarif": "machaudit.formatters.sarif",
    "junit": "machaudit.formatters.junit",
    "github": "machaudit.formatters.github",
    "markdown": "machaudit.formatters.markdown",
    "html": "machaudit.formatters.html",
}


def render(name: str, report: AuditReport, color: bool = False) -> str | bytes:
    return importlib.import_module(FORMATTERS[name]).render(report, color)


def render_lazily(name: str, report: AuditReport, color: bool = False) -> str | bytes | Iterator[bytes]:
    """What `render` gives, or its pieces, made as they are written, where the format has them."""
    module = importlib.import_module(FORMATTERS[name])
    return module.chunks(report) if hasattr(module, "chunks") else module.render(report, color)
