"""The touchpoint map as a terminal table: stages and touchpoints × channels, state in words and colour."""

from __future__ import annotations

import io
from typing import Any, Mapping

from rich.console import Console
from rich.table import Table

from machaudit.formatters.safe_text import markup, plain  # names come from the catalog and journey file
from machaudit.model import ref_name

STATE_STYLE = {
    "self-service": "green",
    "phone-only": "bold red",
    "staff-only": "red",
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
                  "phone-only: only the call centre does;  staff-only: the channel reaches it only in an "
                  "operation for staff;  internal-only: an operation exists that no customer channel "
                  "reaches;  missing: no operation at all.  Why a cell is not self-service: "
                  "machaudit journey PATH --explain TOUCHPOINT.")
    return buffer.getvalue()


def find_touchpoint(data: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    return next((t for stage in data["stages"] for t in stage["touchpoints"] if t["name"] == name), None)


def touchpoint_names(data: Mapping[str, Any]) -> list[str]:
    return [t["name"] for stage in data["stages"] for t in stage["touchpoints"]]


def explain(data: Mapping[str, Any], name: str) -> str:
    """One touchpoint, cell by cell: its state, the operation and path, and for a phone-only,
    staff-only or missing cell the near misses with what ruled each out. Plain, inert text."""
    touchpoint = find_touchpoint(data, name)
    if touchpoint is None:
        raise KeyError(name)
    stage = next(s["name"] for s in data["stages"] if touchpoint in s["touchpoints"])
    lines = [f"{plain(touchpoint['name'])} ({plain(touchpoint.get('title') or touchpoint['name'])}), stage "
             f"{plain(stage)}{', required' if touchpoint.get('required') else ''}"]
    operations = touchpoint.get("operations", [])
    lines.append(f"  operations that offer it: {len(operations)}"
                 + (f" (best: {_operation(operations[0])})" if operations else ""))
    channels = data.get("channels", [])
    if not channels:
        lines.append("  no channel in the inputs: only whether an API offers it is known")
        if not operations:
            lines += _near_lines(touchpoint.get("near_misses", []), "  ")
    for channel in channels:
        cell = touchpoint["cells"][channel]
        line = f"  {plain(channel)}: {cell['state']}"
        if cell.get("operation"):
            line += f" - {_operation(cell['operation'])}"
        if cell.get("path"):
            line += f" via {plain(' -> '.join(ref_name(n) for n in cell['path']))}"
        lines.append(line)
        if cell.get("note"):
            lines.append(f"    {plain(cell['note'])}")
        if cell["state"] in ("phone-only", "staff-only", "missing"):
            lines += _near_lines(cell.get("near_misses", []), "    ")
    return "\n".join(lines) + "\n"


def _operation(op: Mapping[str, Any]) -> str:
    return plain(f"{op['operation']} of {ref_name(op['api'])} ({op['spec']})")


def _near_lines(near: list, indent: str) -> list[str]:
    if not near:
        return [f"{indent}near misses: none (no operation matches its words or capabilities even in part)"]
    out = [f"{indent}near misses:"]
    for index, miss in enumerate(near, 1):
        out.append(f"{indent}  {index}. {plain(miss['operation'])} of {plain(ref_name(miss['api']))}: {plain(miss['reason'])}")
    return out
