"""matplotlib figures for reports, deterministic: fixed metadata, no timestamps, fixed hash salt.

Imported lazily: matplotlib is only loaded when a figure is asked for.
"""

from __future__ import annotations

import io
from typing import Any, Mapping

STATE_ORDER = ("self-service", "internal-only", "phone-only", "missing")
STATE_COLOUR = {
    "self-service": "#2e7d32",
    "internal-only": "#f9a825",
    "phone-only": "#c62828",
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
        stage_starts.append((len(rows), stage["name"]))
        for touchpoint in stage["touchpoints"]:
            rows.append([STATE_ORDER.index(touchpoint["cells"][c]["state"]) for c in channels])
            labels.append(touchpoint["name"] + (" *" if touchpoint["required"] else ""))
    height = max(3.0, 0.32 * len(rows) + 1.5)
    width = max(5.0, 1.3 * len(channels) + 3.0)
    fig, ax = plt.subplots(figsize=(width, height))
    cmap = ListedColormap([STATE_COLOUR[s] for s in STATE_ORDER])
    if rows and channels:
        ax.imshow(rows, cmap=cmap, vmin=0, vmax=len(STATE_ORDER) - 1, aspect="auto")
    ax.set_xticks(range(len(channels)), channels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.tick_params(length=0)
    for start, name in stage_starts[1:]:
        ax.axhline(start - 0.5, color="white", linewidth=3)
    for start, name in stage_starts:
        ax.text(-0.02, start - 0.45, name.upper(), transform=ax.get_yaxis_transform(), ha="right",
                va="bottom", fontsize=7, color="#555555", fontweight="bold")
    ax.set_xticks([x - 0.5 for x in range(1, len(channels))], minor=True)
    ax.grid(which="minor", axis="x", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.legend(handles=[Patch(color=STATE_COLOUR[s], label=s) for s in STATE_ORDER],
              loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4, frameon=False, fontsize=8)
    ax.set_title(f"Touchpoint map — {data['journey']}", fontsize=10)
    try:
        return _save(fig, fmt)
    finally:
        plt.close(fig)
