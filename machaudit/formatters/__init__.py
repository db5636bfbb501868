"""Formatters turn an AuditReport into text. They see nothing but the report."""

from __future__ import annotations

from typing import Callable

from machaudit.engine import AuditReport


def _terminal(report: AuditReport, color: bool) -> str:
    from machaudit.formatters.terminal import render

    return render(report, color)


def _json(report: AuditReport, color: bool) -> str:
    from machaudit.formatters.json import render

    return render(report)


FORMATTERS: dict[str, Callable[[AuditReport, bool], str]] = {
    "terminal": _terminal,
    "json": _json,
}


def render(name: str, report: AuditReport, color: bool = False) -> str:
    return FORMATTERS[name](report, color)
