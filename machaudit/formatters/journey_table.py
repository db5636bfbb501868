"""The touchpoint map as a terminal table: stages and touchpoints × channels, state in words and colour."""

from __future__ import annotations

import io
from typing import Any, Mapping

from rich.console import Console
from rich.table import Table

from machaudit.formatters.safe_text import markup  # names come from the catalog and journey file

STATE_STYLE = {
    "self-service": "green",
    "phone-only": "bold red",
    "internal-only": "yellow",
    "missing": "magenta",
}


def render(data: Mapping[str, Any], color: bool) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=160,
                      color_system="standard" if color else None, highlight=False, emoji=False)
    channels = data["channels"]
    table = Table(title=f"Touchpoint map ({markup(data['journey'])})", show_lines=False, header_style="bold")
    table.add_column("stage")
    table.add_column("touchpoint")
    for channel in channels:
        table.add_column(markup(channel))
    for stage in data["stages"]:
        for index, touchpoint in enumerate(stage["touchpoints"]):
            name = touchpoint["name"] + (" *" if touchpoint["required"] else "")
            cells = [touchpoint["cells"][c]["state"] for c in channels]
            table.add_row(markup(stage["name"]) if index == 0 else "", markup(name),
                          *(f"[{STATE_STYLE[s]}]{s}[/]" for s in cells))
    console.print(table)
    console.print("* required touchpoint.  self-service: the channel reaches an operation for it;  "
                  "phone-only: only the call centre does;  internal-only: an operation exists that no "
                  "customer channel reaches;  missing: no operation at all.")
    return buffer.getvalue()
