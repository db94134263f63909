"""The dataset card's plots, drawn from ``CardStats`` histograms with matplotlib (Agg, imported lazily).

Each plot is a PNG written atomically; the functions return its file name. matplotlib is imported inside
the functions so that ``import handsynth`` stays fast and the dataset layer never needs a display.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from handsynth.conventions import FINGER_NAMES
from handsynth.files import write_bytes_atomic
from handsynth.hand.pose import DOF_KEYS, DOFS
from handsynth.release.card_stats import (
    FLEXION_KEYS,
    FLEXION_LEVELS,
    JOINT_GROUPS,
    STABILITY_KEYS,
    CardStats,
    Histogram,
)

DPI = 100
BAR_RGB = "#4477aa"
SECOND_RGB = "#ee7733"
VIS_COLOURS = {"visible": "#228833", "occluded": "#ee7733", "outside": "#bb5566"}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 10, "axes.titlesize": 11, "figure.titlesize": 13})
    return plt


def _save(fig, path: Path) -> str:
    """Write ``fig`` to ``path`` as a PNG (atomically, no timestamp metadata) and close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    _pyplot().close(fig)
    write_bytes_atomic(path, buffer.getvalue())
    return path.name


def _bars(ax, histogram: Histogram, colour: str = BAR_RGB, label: str | None = None) -> None:
    """Histogram bars; a note in the corner counts values beyond the bins."""
    edges = histogram.edges
    ax.stairs(histogram.counts, edges, fill=True, color=colour, label=label)  # one artist, not B bars
    ax.set_xlim(edges[0], edges[-1])
    notes = []
    if histogram.underflow:
        notes.append(f"{histogram.underflow} below {edges[0]:g}")
    if histogram.overflow:
        notes.append(f"{histogram.overflow} above {edges[-1]:g}")
    if notes:
        ax.set_ylim(0, max(int(histogram.counts.max()), 1) * 1.3)  # room for the note above the bars
        ax.text(0.98, 0.95, "\n".join(notes), transform=ax.transAxes, ha="right", va="top", fontsize=9)


def _log_bars(ax, histogram: Histogram, unit: str) -> None:
    """Histogram over log-spaced bins of a quantity that is often exactly 0: the zeros (underflow) are
    stated in a box rather than drawn, since a log axis has no 0."""
    edges = histogram.edges
    ax.stairs(histogram.counts, edges, fill=True, color=BAR_RGB)
    ax.set_xscale("log")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, max(int(histogram.counts.max()), 1) * 1.3)  # room for the box above the bars
    total = max(histogram.total, 1)
    lines = [
        f"0 (or below {edges[0]:g} {unit}): {histogram.underflow} samples ({histogram.underflow / total:.0%})"
    ]
    if histogram.overflow:
        lines.append(f"above {edges[-1]:g} {unit}: {histogram.overflow} samples")
    ax.text(
        0.98,
        0.95,
        "\n".join(lines),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=9,
        bbox={"facecolor": "white", "edgecolor": "#999999"},
    )


def plot_viewpoints(stats: CardStats, out_dir: Path) -> str:
    """Azimuth x elevation of the camera in the hand frame (heat map) and the elevation marginal."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    fig, (ax, side) = plt.subplots(
        1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [3.2, 1]}, constrained_layout=True
    )
    counts = stats.azimuth_elevation.T  # (elevation, azimuth)
    image = ax.imshow(
        np.ma.masked_equal(counts, 0),
        origin="lower",
        extent=(-180, 180, -90, 90),
        aspect="auto",
        cmap="viridis",
        interpolation="nearest",
    )
    ax.set_facecolor("#f0f0f0")
    ax.set_xticks(range(-180, 181, 45))
    ax.set_yticks(range(-90, 91, 30))
    ax.set_xlabel(
        "camera azimuth in the hand frame (deg)\n0 = from the fingertips, +90 = thumb side, ±180 = forearm"
    )
    ax.set_ylabel("camera elevation (deg)\n+90 = back of the hand, −90 = palm")
    ax.set_title("Where the camera sees the hand from (grey: no samples)")
    colorbar = fig.colorbar(image, ax=ax, label="samples")
    colorbar.locator = MaxNLocator(integer=True)
    colorbar.update_ticks()
    elevation = counts.sum(axis=1)
    side.barh(np.arange(-90, 90, 10), elevation, height=10, align="edge", color=BAR_RGB)
    side.set_ylim(-90, 90)
    side.set_yticks(range(-90, 91, 30))
    side.set_xlabel("samples")
    side.set_title("Elevation")
    side.set_ylabel("camera elevation (deg)")
    return _save(fig, out_dir / "viewpoint.png")


def plot_hand_size(stats: CardStats, out_dir: Path) -> str:
    """Hand size in pixels: bounding-box diagonals of the whole (amodal) and of the visible hand."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4), constrained_layout=True)
    for histogram, colour, label in (
        (stats.hand_size_amodal, BAR_RGB, "whole hand (bbox_amodal)"),
        (stats.hand_size_visible, SECOND_RGB, "visible hand (bbox)"),
    ):
        edges = histogram.edges
        ax.stairs(histogram.counts, edges, color=colour, linewidth=2, label=label)
    ax.set_xlim(stats.hand_size_amodal.edges[0], stats.hand_size_amodal.edges[-1])
    sizes = ", ".join(f"{w}×{h}" for (w, h) in sorted(stats.resolutions))
    ax.set_xlabel(f"hand bounding-box diagonal (px) — images are {sizes} px")
    ax.set_ylabel("samples")
    ax.set_title("Hand size in the image")
    ax.legend()
    return _save(fig, out_dir / "hand_size.png")


def plot_joint_angles(stats: CardStats, out_dir: Path) -> str:
    """Flexion of every finger joint (hand.pose, degrees), one panel per finger and level, limits shaded."""
    plt = _pyplot()
    limits = {key: DOFS[k].limits_deg for k, key in enumerate(DOF_KEYS)}
    fig, axes = plt.subplots(
        len(FINGER_NAMES), len(FLEXION_LEVELS), figsize=(11, 11), sharex=True, constrained_layout=True
    )
    for row, finger in enumerate(FINGER_NAMES):
        for col, key in enumerate(FLEXION_KEYS[finger]):
            ax = axes[row, col]
            histogram = stats.flexion[key]
            _bars(ax, histogram)
            low, high = limits[key]
            ax.axvspan(histogram.edges[0], low, color="#dddddd", zorder=0)
            ax.axvspan(high, histogram.edges[-1], color="#dddddd", zorder=0)
            level = FLEXION_LEVELS[col].split(" (")[0] if finger != "thumb" else ("CMC", "MCP", "IP")[col]
            ax.set_title(f"{finger} {level}")
            if col == 0:
                ax.set_ylabel("samples")
    for ax in axes[-1]:
        ax.set_xlabel("flexion (deg, + towards the palm)")
    fig.suptitle("Finger flexion angles of the grasps (grey: beyond the rig's anatomical limits)")
    return _save(fig, out_dir / "joint_angles.png")


def plot_grasp_quality(stats: CardStats, out_dir: Path) -> str:
    """Hand-object penetration depth, intersection volume, number of fingers in contact and which."""
    plt = _pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), constrained_layout=True)
    _log_bars(axes[0, 0], stats.penetration_mm, "mm")
    axes[0, 0].set_xlabel("deepest hand-object penetration (mm, log scale)")
    axes[0, 0].set_title("Penetration depth")
    _log_bars(axes[0, 1], stats.intersection_cm3, "cm³")
    axes[0, 1].set_xlabel("hand ∩ object volume (cm³, log scale)")
    axes[0, 1].set_title("Intersection volume")
    axes[1, 0].bar(np.arange(6), stats.contact_count, color=BAR_RGB)
    axes[1, 0].set_xticks(range(6))
    axes[1, 0].set_xlabel("fingers touching the object")
    axes[1, 0].set_title("Contacts per grasp")
    total = max(int(stats.contact_count.sum()), 1)
    shares = [100.0 * stats.contact_per_finger[f] / total for f in FINGER_NAMES]
    axes[1, 1].bar(FINGER_NAMES, shares, color=BAR_RGB)
    axes[1, 1].set_ylim(0, 100)
    axes[1, 1].set_ylabel("grasps with this finger in contact (%)")
    axes[1, 1].set_title("Which fingers touch")
    for ax in axes[:, 0].tolist() + [axes[0, 1]]:
        ax.set_ylabel("samples")
    fig.suptitle("Physical plausibility of the grasps")
    return _save(fig, out_dir / "grasp_quality.png")


def plot_stability(stats: CardStats, out_dir: Path) -> str:
    """Object displacement in the stability simulation (grasp.stability), when the dataset recorded it."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(STABILITY_KEYS), figsize=(11, 4), constrained_layout=True)
    titles = {
        "sim_displacement_cm": "Object displacement, hand held fixed",
        "grip_displacement_cm": "Object displacement in the hand's grip",
    }
    for ax, key in zip(axes, STABILITY_KEYS, strict=True):
        _bars(ax, stats.stability[key])
        ax.set_xlabel("displacement after the simulation (cm)")
        ax.set_ylabel("samples")
        ax.set_title(f"{titles[key]} ({key})")
    fig.suptitle("Grasp stability (physics simulation)")
    return _save(fig, out_dir / "stability.png")


def plot_visibility(stats: CardStats, out_dir: Path) -> str:
    """Share of visible / occluded / outside joints per joint group, and the visible share of the hand."""
    plt = _pyplot()
    fig, (ax, right) = plt.subplots(1, 2, figsize=(11, 4), constrained_layout=True)
    rows = stats.visibility / np.maximum(stats.visibility.sum(axis=1, keepdims=True), 1) * 100.0
    names = list(JOINT_GROUPS)[::-1]
    left = np.zeros(len(names))
    for column, name in ((2, "visible"), (1, "occluded"), (0, "outside")):
        values = rows[::-1, column]
        ax.barh(names, values, left=left, color=VIS_COLOURS[name], label=name)
        left += values
    ax.set_xlim(0, 100)
    ax.set_xlabel("joints (%)")
    ax.set_title("Joint visibility by joint group")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False)
    _bars(right, stats.hand_visible)
    right.set_xlabel("visible share of the hand (seg hand px / hand_amodal px)")
    right.set_ylabel("samples")
    right.set_title("How much of the hand is visible")
    return _save(fig, out_dir / "visibility.png")


def write_plots(stats: CardStats, out_dir: Path) -> dict[str, str]:
    """Every plot of the card into ``out_dir``: name -> file name (stability only when recorded)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = {
        "viewpoint": plot_viewpoints(stats, out_dir),
        "hand_size": plot_hand_size(stats, out_dir),
        "joint_angles": plot_joint_angles(stats, out_dir),
        "grasp_quality": plot_grasp_quality(stats, out_dir),
        "visibility": plot_visibility(stats, out_dir),
    }
    if stats.has_stability:
        plots["stability"] = plot_stability(stats, out_dir)
    return plots
