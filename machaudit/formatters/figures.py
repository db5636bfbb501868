"""matplotlib figures for reports, deterministic: fixed metadata, no timestamps, fixed hash salt.

Names from the inputs are drawn as `safe_text.plain` gives them (one line, controls and bidi
characters shown as `\\x1b`, `\\u202e`) and never as mathtext (`parse_math=False`: a `$` in a name
is a dollar). Imported lazily: matplotlib is only loaded when a figure is asked for.
"""

from __future__ import annotations

import io
from typing import Any, Mapping

from machaudit.formatters.safe_text import plain

STATE_ORDER = ("self-service", "internal-only", "phone-only", "staff-only", "missing")
STATE_COLOUR = {
    "self-service": "#2e7d32",
    "internal-only": "#f9a825",
    "phone-only": "#c62828",
    "staff-only": "#e65100",
    "missing": "#6a1b9a",
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "machaudit"  # stable element ids in SVG output
    plt.rcParams["font.family"] = "DejaVu Sans"
    return plt


def _save(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    metadata = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}[fmt]
    fig.savefig(buffer, format=fmt, bbox_inches="tight", metadata=metadata, dpi=150)
    return buffer.getvalue()


def journey_heatmap(data: Mapping[str, Any], fmt: str = "svg") -> bytes:
    """Touchpoints (rows, grouped by stage) × channels (columns), coloured by state."""
    plt = _pyplot()
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    channels = list(data["channels"])
    rows, labels, stage_starts = [], [], []
    for stage in data["stages"]:
        stage_starts.append((len(rows), plain(stage["name"])))
        for touchpoint in stage["touchpoints"]:
            rows.append([STATE_ORDER.index(touchpoint["cells"][c]["state"]) for c in channels])
            labels.append(plain(touchpoint["name"]) + (" *" if touchpoint["required"] else ""))
    height = max(3.0, 0.32 * len(rows) + 1.5)
    width = max(5.0, 1.3 * len(channels) + 3.0)
    fig, ax = plt.subplots(figsize=(width, height))
    cmap = ListedColormap([STATE_COLOUR[s] for s in STATE_ORDER])
    if rows and channels:
        ax.imshow(rows, cmap=cmap, vmin=0, vmax=len(STATE_ORDER) - 1, aspect="auto")
    ax.set_xticks(range(len(channels)), [plain(c) for c in channels], rotation=30, ha="right", parse_math=False)
    ax.set_yticks(range(len(labels)), labels, parse_math=False)
    ax.tick_params(length=0)
    for start, name in stage_starts[1:]:
        ax.axhline(start - 0.5, color="white", linewidth=3)
    # Stage names in their own column left of the touchpoint labels, centred on their rows (placed
    # after a draw, so they never overlap a label).
    fig.canvas.draw()
    to_axes = ax.transAxes.inverted()
    lefts = [to_axes.transform(t.get_window_extent())[0][0] for t in ax.get_yticklabels() if t.get_text()]
    left = min(lefts, default=0.0) - 0.02
    ends = [start for start, _ in stage_starts[1:]] + [len(rows)]
    for (start, name), end in zip(stage_starts, ends):
        ax.text(left, (start + end - 1) / 2, name.upper(), transform=ax.get_yaxis_transform(), ha="right",
                va="center", fontsize=7, color="#555555", fontweight="bold", parse_math=False)
    ax.set_xticks([x - 0.5 for x in range(1, len(channels))], minor=True)
    ax.grid(which="minor", axis="x", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.legend(handles=[Patch(color=STATE_COLOUR[s], label=s) for s in STATE_ORDER],
              loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4, frameon=False, fontsize=8)
    ax.set_title(f"Touchpoint map — {plain(data['journey'])}", fontsize=10, parse_math=False)
    try:
        return _save(fig, fmt)
    finally:
        plt.close(fig)


# -- dependency graph -------------------------------------------------------------------------------

# Columns of the dependency graph, left to right: who calls whom reads as left -> right.
GRAPH_COLUMNS = (
    ("channel", "Channels"),
    ("edge", "Gateways & BFFs"),
    ("core", "Services & core systems"),
    ("saas", "SaaS vendors"),
    ("store", "Data stores"),
)
_NODE_STYLE = {  # fill, border (edges leaving a node take its border colour)
    "channel": ("#e6eef8", "#1f4e79"),
    "edge": ("#ece8f5", "#5b4b8a"),
    "core": ("#f3f4f6", "#4b5563"),
    "saas": ("#e8f3ea", "#2e6b3a"),
    "store": ("#fbf3e0", "#8a6d1f"),
}
_BACK_EDGE_COLOUR = "#b23a3a"
_LABEL_PT, _SUB_PT = 9.0, 7.0
_ROW = 0.5  # inches per node row
_BOX_H = 0.42
_GROUP_GAP = 0.14
_GROUP_HEAD = 0.24
_COL_GAP = 0.75
_MAX_COLUMN_HEIGHT = 6.0  # inches; a taller column is split into side-by-side sub-columns (by system), to fit a landscape page


def _short(ref: str) -> str:
    return ref.rpartition("/")[2] if "/" in ref else ref.partition(":")[2] or ref


def _text_width(text: str, size: float) -> float:
    """Width of a label in inches, measured with the font matplotlib draws it in."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    width, _, _ = TextToPath().get_text_width_height_descent(text, FontProperties(family="DejaVu Sans", size=size), ismath=False)
    return width / 72.0


def _fit(text: str, size: float, width: float) -> str:
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def _graph_column(node: Mapping[str, Any]) -> str:
    if node.get("kind") == "resource":
        return "store"
    if node.get("channel"):
        return "channel"
    if node.get("type") in ("api-gateway", "bff"):
        return "edge"
    if node.get("type") == "saas":
        return "saas"
    return "core"


def _collapse(graph: Mapping[str, Any]) -> tuple[dict[str, dict], list[tuple[str, str, bool]]]:
    """Components and resources, and APIs only where no component serves them; API hops collapsed
    into consumer -> provider edges, each with whether it is drawn solid (a call or a store used)
    rather than dashed (events only)."""
    nodes = {n["id"]: dict(n) for n in graph.get("nodes", ()) if n.get("kind") in ("component", "resource", "api")}
    served: dict[str, list[str]] = {}
    for e in graph.get("edges", ()):
        if e.get("relation") == "served-by" and e["target"] in nodes:
            served.setdefault(e["source"], []).append(e["target"])
    shown = {k: v for k, v in nodes.items() if v.get("kind") != "api" or k not in served}
    edges: dict[tuple[str, str], bool] = {}
    for e in graph.get("edges", ()):
        u, v, relation = e["source"], e["target"], e.get("relation")
        if u not in shown:
            continue
        if relation == "consumes":
            targets = served.get(v, [v] if v in shown else [])
        elif relation == "depends-on":
            targets = [v] if v in shown else []
        else:
            continue
        for t in targets:
            if t != u:
                edges[(u, t)] = edges.get((u, t), False) or e.get("type", "sync") != "event"
    return shown, sorted((u, v, s) for (u, v), s in edges.items())


def _order_columns(columns: dict[str, list[str]], nodes, edges) -> dict[str, list[str]]:
    """Barycentre ordering, deterministic; nodes of one system stay together in every column."""
    neighbours: dict[str, list[str]] = {n: [] for n in nodes}
    for u, v, _ in edges:
        neighbours[u].append(v)
        neighbours[v].append(u)
    order = {c: sorted(ids, key=lambda n: (nodes[n].get("system", ""), nodes[n].get("name", n))) for c, ids in columns.items()}
    column_of = {n: c for c, ids in columns.items() for n in ids}

    def positions():
        pos = {}
        for ids in order.values():
            count = max(len(ids) - 1, 1)
            for i, n in enumerate(ids):
                pos[n] = i / count if len(ids) > 1 else 0.5
        return pos

    keys = [c for c, _ in GRAPH_COLUMNS if c in order]
    for sweep in range(8):
        for column in (keys if sweep % 2 == 0 else list(reversed(keys))):
            pos = positions()
            ids = order[column]
            bary = {}
            for n in ids:
                others = [pos[m] for m in neighbours[n] if column_of[m] != column]
                bary[n] = sum(others) / len(others) if others else pos[n]
            groups: dict[str, list[str]] = {}
            for n in ids:
                groups.setdefault(nodes[n].get("system", ""), []).append(n)
            ranked = sorted(groups.items(), key=lambda g: (round(sum(bary[n] for n in g[1]) / len(g[1]), 6), g[0]))
            order[column] = [n for _, members in ranked
                             for n in sorted(members, key=lambda n: (round(bary[n], 6), nodes[n].get("name", n)))]
    return order


def _stack_column(ids: list[str], nodes, grouped: bool) -> tuple[dict[str, float], list[tuple[str, float, float]], float]:
    """y of each node (row centre) in one column, the system groups drawn, and the column height."""
    ys: dict[str, float] = {}
    groups: list[tuple[str, float, float]] = []
    y, previous = 0.0, None
    for n in ids:
        system = nodes[n].get("system", "")
        if system != previous:
            if previous is not None:
                y += _GROUP_GAP
            if grouped:
                groups.append((system, y, y))
                y += _GROUP_HEAD
            previous = system
        ys[n] = y + _ROW / 2
        y += _ROW
        if grouped:
            groups[-1] = (system, groups[-1][1], y)
    return ys, groups, y


def _split(ids: list[str], nodes, grouped: bool) -> list[list[str]]:
    """A column too tall for a page split into sub-columns at system boundaries, heights balanced."""
    _, _, height = _stack_column(ids, nodes, grouped)
    parts = min(int(height // _MAX_COLUMN_HEIGHT) + 1, 4)
    if parts == 1:
        return [ids]
    target = height / parts
    per_piece = max(int(target // _ROW), 1)
    runs: list[list[str]] = []
    for n in ids:  # systems, and a system too big for one piece in pieces
        same = runs and nodes[runs[-1][-1]].get("system", "") == nodes[n].get("system", "")
        if same and len(runs[-1]) < per_piece:
            runs[-1].append(n)
        else:
            runs.append([n])
    out: list[list[str]] = [[]]
    for run in runs:
        if out[-1] and len(out) < parts and _stack_column(out[-1] + run, nodes, grouped)[2] > target * 1.08:
            out.append([])
        out[-1].extend(run)
    return out


def dependency_graph(graph: Mapping[str, Any], fmt: str = "svg") -> bytes:
    """Components in columns (channels, gateways/BFFs, services grouped by system, SaaS, data
    stores), arrows from consumer to provider; a computed, deterministic layout."""
    plt = _pyplot()
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch
    from matplotlib.path import Path

    nodes, edges = _collapse(graph)
    columns: dict[str, list[str]] = {}
    for n in sorted(nodes):
        columns.setdefault(_graph_column(nodes[n]), []).append(n)
    order = _order_columns(columns, nodes, edges)
    kinds = [c for c, _ in GRAPH_COLUMNS if c in order]
    # (kind, ids) per drawn column; a tall column becomes several side by side
    drawn: list[tuple[str, list[str]]] = []
    for kind in kinds:
        drawn += [(kind, part) for part in _split(order[kind], nodes, kind == "core")]

    def sublabel(n):
        node = nodes[n]
        parts = [node.get("type") or node.get("kind", "")]
        if node.get("system") and _graph_column(node) != "core":
            parts.append(_short(node["system"]))
        if node.get("lifecycle") in ("deprecated", "experimental"):
            parts.append(node["lifecycle"])
        return plain(" · ".join(p for p in parts if p))

    def label(n):
        return plain(nodes[n].get("name") or _short(n))

    widths = []
    for kind, ids in drawn:
        longest = max([_text_width(label(n), _LABEL_PT) for n in ids]
                      + [_text_width(sublabel(n), _SUB_PT) for n in ids] + [1.1])
        widths.append(min(longest + 0.24, 2.4))
    ys: dict[str, float] = {}
    column_index: dict[str, int] = {}
    groups_drawn: list[tuple[int, str, float, float]] = []
    heights = []
    for i, (kind, ids) in enumerate(drawn):
        col_ys, groups, height = _stack_column(ids, nodes, kind == "core")
        ys.update(col_ys)
        column_index.update({n: i for n in ids})
        groups_drawn += [(i, s, top, bottom) for s, top, bottom in groups]
        heights.append(height)
    total_h = max(heights, default=_ROW)
    for i, (kind, ids) in enumerate(drawn):  # centre the shorter columns
        shift = (total_h - heights[i]) / 2
        for n in ids:
            ys[n] += shift
        groups_drawn = [(c, s, t + shift, b + shift) if c == i else (c, s, t, b) for c, s, t, b in groups_drawn]
    xs, x = [], 0.0
    for i, (kind, _) in enumerate(drawn):
        if i and drawn[i - 1][0] == kind:
            x -= _COL_GAP * 0.35  # sub-columns of one kind sit closer together
        xs.append(x)
        x += widths[i] + _COL_GAP
    total_w = max(x - _COL_GAP, 3.0)
    # the legend: as many columns as fit the width (about 1.45 in each), more rows below when narrow
    legend_columns = max(1, min(len(kinds) + 3, int(total_w // 1.45)))
    legend_rows = -(-(len(kinds) + 3) // legend_columns)
    head, foot, margin = 0.5, 0.3 + 0.2 * legend_rows, 0.12
    fig = plt.figure(figsize=(total_w + 2 * margin, total_h + head + foot))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-margin, total_w + margin)
    ax.set_ylim(total_h + foot, -head)  # y grows downwards
    ax.axis("off")
    if not nodes:
        ax.text(total_w / 2, total_h / 2, "no components, resources or APIs in the inputs", ha="center",
                va="center", fontsize=9, color="#555555", parse_math=False)

    for kind, title in GRAPH_COLUMNS:
        indexes = [i for i, (k, _) in enumerate(drawn) if k == kind]
        if indexes:
            left, right = xs[indexes[0]], xs[indexes[-1]] + widths[indexes[-1]]
            ax.text((left + right) / 2, -0.28, title.upper(), ha="center", va="center", fontsize=7.5,
                    color="#374151", fontweight="bold", parse_math=False)
    for i, system, top, bottom in groups_drawn:
        ax.add_patch(FancyBboxPatch((xs[i] - 0.07, top + 0.02), widths[i] + 0.14, bottom - top - 0.02,
                                    boxstyle="round,pad=0,rounding_size=0.06", facecolor="#f9fafb",
                                    edgecolor="#d1d5db", linewidth=0.6, zorder=0))
        ax.text(xs[i] + 0.01, top + _GROUP_HEAD / 2 + 0.03, _fit(plain(_short(system)) if system else "no system", 6.8, widths[i]),
                ha="left", va="center", fontsize=6.8, color="#6b7280", fontstyle="italic", parse_math=False)

    same_column_slot: dict[int, int] = {}
    for u, v, solid in edges:
        cu, cv = column_index[u], column_index[v]
        colour = _NODE_STYLE[_graph_column(nodes[u])][1]
        style = dict(arrowstyle="-|>", mutation_scale=7, linewidth=0.75, shrinkA=0, shrinkB=0.5,
                     linestyle="-" if solid else (0, (3, 2)), zorder=1)
        if cu < cv:
            arrow = FancyArrowPatch((xs[cu] + widths[cu], ys[u]), (xs[cv], ys[v]), color=colour, alpha=0.55, **style)
        elif cu > cv and drawn[cu][0] == drawn[cv][0]:  # between sub-columns of one kind
            arrow = FancyArrowPatch((xs[cu], ys[u]), (xs[cv] + widths[cv], ys[v]), connectionstyle="arc3,rad=-0.15",
                                    color=colour, alpha=0.7, **style)
        elif cu > cv:  # a call against the reading direction (a back end calling a front one): highlighted
            arrow = FancyArrowPatch((xs[cu], ys[u]), (xs[cv] + widths[cv], ys[v]), connectionstyle="arc3,rad=-0.2",
                                    color=_BACK_EDGE_COLOUR, alpha=0.85, **style)
        else:  # same column: a bracket out into the gap on the right
            slot = same_column_slot.get(cu, 0)
            same_column_slot[cu] = slot + 1
            right = xs[cu] + widths[cu]
            bulge = 0.12 + 0.05 * (slot % 6)
            path = Path([(right, ys[u]), (right + bulge * 2, ys[u]), (right + bulge * 2, ys[v]), (right, ys[v])],
                        [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
            arrow = FancyArrowPatch(path=path, color=colour, alpha=0.7, **style)
        ax.add_patch(arrow)

    for n in nodes:
        i = column_index[n]
        fill, border = _NODE_STYLE[_graph_column(nodes[n])]
        deprecated = nodes[n].get("lifecycle") == "deprecated"
        x0, y0 = xs[i], ys[n] - _BOX_H / 2
        ax.add_patch(FancyBboxPatch((x0, y0), widths[i], _BOX_H, boxstyle="round,pad=0,rounding_size=0.05",
                                    facecolor=fill, edgecolor=_BACK_EDGE_COLOUR if deprecated else border,
                                    linewidth=0.9, linestyle=(0, (3, 2)) if deprecated else "-", zorder=2))
        room = widths[i] - 0.2
        ax.text(x0 + 0.1, ys[n] - 0.075, _fit(label(n), _LABEL_PT, room), ha="left",
                va="center", fontsize=_LABEL_PT, color="#111827", zorder=3, parse_math=False)
        ax.text(x0 + 0.1, ys[n] + 0.11, _fit(sublabel(n), _SUB_PT, room), ha="left", va="center",
                fontsize=_SUB_PT, color=_BACK_EDGE_COLOUR if deprecated else "#6b7280", zorder=3, parse_math=False)

    handles = [Patch(facecolor=_NODE_STYLE[k][0], edgecolor=_NODE_STYLE[k][1], label=dict(GRAPH_COLUMNS)[k]) for k in kinds]
    handles += [Line2D([], [], color="#4b5563", linewidth=0.9, label="calls / uses (arrow: provider)"),
                Line2D([], [], color="#4b5563", linewidth=0.9, linestyle=(0, (3, 2)), label="events (publish/subscribe)"),
                Line2D([], [], color=_BACK_EDGE_COLOUR, linewidth=0.9, label="call against the flow")]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=legend_columns,
              frameon=False, fontsize=6.8, handlelength=1.6, columnspacing=1.2)
    try:
        return _save_exact(fig, fmt)
    finally:
        plt.close(fig)


def _save_exact(fig, fmt: str) -> bytes:
    """Like _save, but keeps the figure's own extent (the layout is computed in inches)."""
    buffer = io.BytesIO()
    metadata = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}}[fmt]
    fig.savefig(buffer, format=fmt, metadata=metadata, dpi=150)
    return buffer.getvalue()


# -- area scores ------------------------------------------------------------------------------------

LEVEL_COLOUR = {0: "#b23a3a", 1: "#d9822b", 2: "#c9a227", 3: "#6a9f4b", 4: "#2e7d32"}


def area_scores(scores: Mapping[str, Any], fmt: str = "svg") -> bytes:
    """Horizontal bars 0–100 per MACH area, coloured and labelled by ladder level."""
    plt = _pyplot()
    areas = list((scores or {}).get("areas", {}).items())
    fig, ax = plt.subplots(figsize=(7.4, 0.42 * max(len(areas), 1) + 0.9))
    names = [a for a, _ in areas]
    for i, (area, entry) in enumerate(areas):
        points, level = entry.get("points"), entry.get("level")
        ax.barh(i, 100, color="#eef0f3", height=0.62, zorder=0)
        if points is None:
            ax.text(2, i, "not assessed", va="center", ha="left", fontsize=9, color="#6b7280",
                    fontstyle="italic", parse_math=False)
            continue
        colour = LEVEL_COLOUR.get(level, "#6b7280")
        provisional = bool(entry.get("provisional"))  # too little evidence: drawn faint, and said so
        ax.barh(i, points, color=colour, height=0.62, zorder=1, alpha=0.45 if provisional else 1.0,
                hatch="//" if provisional else None, edgecolor="white", linewidth=0)
        text = f"{points}  ·  level {level} {entry.get('level_name', '')}" + (" (provisional)" if provisional else "")
        inside = points >= 55 and not provisional
        ax.text(points - 1.5 if inside else points + 1.5, i, text, va="center", ha="right" if inside else "left",
                fontsize=9, color="white" if inside else "#111827", zorder=2, parse_math=False)
    ax.set_yticks(range(len(names)), [plain(n) for n in names], fontsize=9.5, parse_math=False)
    ax.set_xlim(0, 100)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.tick_params(axis="x", labelsize=8, colors="#6b7280", length=0)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#d1d5db", linewidth=0.5, zorder=-1)
    ax.set_axisbelow(True)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel("points: weighted share of the applicable checks that pass", fontsize=8, color="#6b7280")
    try:
        return _save(fig, fmt)
    finally:
        plt.close(fig)
