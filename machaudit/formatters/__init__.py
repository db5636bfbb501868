"""Formatters turn an AuditReport into text (or bytes). They see nothing but the report.

Each entry names a module with `render(report, color) -> str`, or bytes (UTF-8) where the text can
be large (JSON, SARIF); modules are imported only when used.
"""

from __future__ import annotations

import importlib

from machaudit.engine import AuditReport

FORMATTERS: dict[str, str] = {
    "terminal": "machaudit.formatters.terminal",
    "json": "machaudit.formatters.json",
    "sarif": "machaudit.formatters.sarif",
    "junit": "machaudit.formatters.junit",
    "github": "machaudit.formatters.github",
    "markdown": "machaudit.formatters.markdown",
    "html": "machaudit.formatters.html",
}


def render(name: str, report: AuditReport, color: bool = False) -> str | bytes | bytearray:
    return importlib.import_module(FORMATTERS[name]).render(report, color)
