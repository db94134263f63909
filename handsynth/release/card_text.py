"""Markdown of the dataset card's summary, provenance and statistics sections; standard library and numpy.

Every function turns already-gathered facts (``CardStats``, dataset.json, config.yaml text) into text, so
the same inputs always give the same bytes: no clock, no absolute path, fixed number formats.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from handsynth.release.card_stats import JOINT_GROUPS, CardStats

MAX_TABLE_ROWS = 40
COUNT_TABLES = (
    ("family", "Object family"),
    ("subject", "Subject"),
    ("grasp type", "Grasp type"),
    ("side", "Hand side"),
    ("camera preset", "Camera preset"),
    ("background", "Background source"),
)


def md_table(header: Sequence[str], rows: Sequence[Sequence[object]], align: str = "") -> str:
    """A GitHub markdown table; ``align`` gives 'l' or 'r' per column (default: first left, rest right)."""
    align = align or "l" + "r" * (len(header) - 1)
    marks = [":---" if a == "l" else "---:" for a in align]
    lines = ["| " + " | ".join(str(h) for h in header) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def percent(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f} %" if whole else "n/a"


def _code(text: str) -> str:
    return f"`{text}`"


def summary_section(stats: CardStats, info: Mapping, backend: str, grid: str, grid_source: str) -> str:
    """Title, one-paragraph summary, the sample grid and an at-a-glance table."""
    totals = stats.split_totals()
    sides = [row[0] for row in stats.table("side")]
    families = len(stats.table("family"))
    categories = [row[0] for row in stats.table("category")]
    subjects = len(stats.table("subject"))
    sizes = ", ".join(f"{w}×{h}" for (w, h) in sorted(stats.resolutions))
    generator = info.get("generator") or {}
    split_text = ", ".join(f"{s} {n}" for s, n in zip(stats.splits, totals, strict=False))
    lines = [
        "# handsynth synthetic hand–object dataset — dataset card",
        "",
        f"{totals[-1]} synthetic RGB images ({sizes} px) of {' and '.join(sides)} hands of {subjects} "
        f"subjects grasping {families} everyday object families in {len(categories)} categories "
        f"({', '.join(categories)}), rendered by handsynth {generator.get('handsynth', '?')} with the "
        f"{backend} backend. Every sample carries exact labels by construction: 21 joints in 3D (metres, "
        "camera frame) and 2D (pixels) with visible / occluded / outside flags, the camera intrinsics, "
        "hand, object and forearm label maps, amodal hand and object masks, depth, the hand's shape and "
        f"pose parameters, and the grasp's type and physical quality. Splits: {split_text}.",
        "",
        f"![A grid of samples]({grid})",
        "",
        f"*{grid_source} Joints: green visible, orange occluded, red cross outside the image; bones coloured "
        "per finger (thumb pink, index blue, middle cyan, ring white, little purple).*",
        "",
        "## At a glance",
        "",
        md_table(
            ("", ""),
            [
                ("samples", totals[-1]),
                *[(f"{split} split", n) for split, n in zip(stats.splits, totals, strict=False)],
                ("image size (px)", sizes),
                ("renderer backend", backend),
                ("subjects", subjects),
                ("object families / categories", f"{families} / {len(categories)}"),
                ("grasp types", len(stats.table("grasp type"))),
                ("joints per hand", "21 (wrist, then thumb, index, middle, ring, little; MCP→tip)"),
                ("source format", info.get("format", "?")),
            ],
            "ll",
        ),
    ]
    return "\n".join(lines)


def provenance_section(
    info: Mapping,
    config: Mapping,
    config_text: str,
    release_generator: Mapping[str, str | None],
    command: str,
    options: Mapping[str, object],
    formats: Sequence[str],
) -> str:
    """How it was made: versions, seeds, backend, the resolved configuration and both commands."""
    generator = info.get("generator") or {}
    render = config.get("render") or {}
    backend = render.get("backend", "?")
    bpy = generator.get("bpy") or ("not used (raster backend)" if backend == "raster" else "not recorded")
    manifest = config.get("manifest") or {}
    rows = [
        ("source format", info.get("format", "?")),
        ("handsynth (render)", generator.get("handsynth", "?")),
        ("git revision (render)", _code(generator.get("git") or "not recorded")),
        ("bpy (Blender)", bpy),
        ("backend", backend),
        ("quality preset", render.get("quality", "?") if backend == "cycles" else "n/a (raster)"),
        ("root seed", info.get("root_seed", config.get("seed", "?"))),
        ("samples rendered", info.get("num_samples", "?")),
        ("rendered at (UTC)", info.get("created", "?")),
        ("handsynth (release)", release_generator.get("handsynth") or "?"),
        ("git revision (release)", _code(release_generator.get("git") or "not recorded")),
        ("release formats", ", ".join(formats) or "none"),
    ]
    if manifest.get("path"):
        rows.append(("asset manifest", f"{_code(manifest['path'])} sha256 {_code(manifest.get('sha256'))}"))
    option_rows = [
        (name, _code(json.dumps(value, default=str, sort_keys=True)))
        for name, value in sorted(options.items())
    ]
    lines = [
        "## How it was made",
        "",
        md_table(("", ""), rows, "ll"),
        "",
        "Sample *i* of a run is a pure function of (root seed, *i*, configuration): rendering again gives "
        "byte-identical annotations (and, on the same backend and versions, the same images), on any "
        "number of workers, in any order. To regenerate the source dataset, save the configuration "
        "below as `config.yaml` and run:",
        "",
        "```sh",
        "handsynth render --config config.yaml --out source/",
        "```",
        "",
    ]
    if manifest.get("path"):
        lines += [
            "The configuration names an asset manifest: the same file (checked by its sha256) must be "
            "at that path, and its meshes are fetched and verified before rendering.",
            "",
        ]
    lines += [
        "This release was then made from it with:",
        "",
        "```sh",
        command,
        "```",
        "",
    ]
    if option_rows:
        lines += ["Release options:", "", md_table(("option", "value"), option_rows, "ll"), ""]
    lines += [
        "<details><summary>Resolved configuration of the render (config.yaml)</summary>",
        "",
        "```yaml",
        config_text.rstrip("\n"),
        "```",
        "",
        "</details>",
    ]
    return "\n".join(lines)


def counts_section(stats: CardStats) -> str:
    """Samples per split × object category, then per family, subject, grasp type, side, preset, background."""
    header = ("", *stats.splits, "total")
    totals = stats.split_totals()
    lines = ["## What is in it", "", "### Samples per split and object category", ""]
    rows = [(value, *counts) for value, counts in stats.table("category")]
    rows.append(("**all**", *[f"**{n}**" for n in totals]))
    lines += [md_table(header, rows), ""]
    for table, title in COUNT_TABLES:
        lines += [f"### {title}", ""]
        rows = [(value, *counts) for value, counts in stats.table(table)]
        if len(rows) > MAX_TABLE_ROWS:  # the most frequent, then the rest summed in one row
            rest = rows[MAX_TABLE_ROWS - 1 :]
            summed = [sum(row[k] for row in rest) for k in range(1, len(rest[0]))]
            rows = rows[: MAX_TABLE_ROWS - 1] + [(f"*{len(rest)} others*", *summed)]
        lines += [md_table((title.lower(), *stats.splits, "total"), rows), ""]
    return "\n".join(lines).rstrip("\n")


def visibility_section(stats: CardStats, plot: str) -> str:
    """Joint visibility per joint group and the visible share of the hand (from the masks)."""
    rows = []
    for (name, joints), counts in zip(JOINT_GROUPS.items(), stats.visibility, strict=True):
        total = int(counts.sum())
        rows.append((name, len(joints), *(percent(int(counts[k]), total) for k in (2, 1, 0))))
    all_counts = stats.visibility.sum(axis=0)
    total = int(all_counts.sum())
    rows.append(("**all 21**", 21, *(f"**{percent(int(all_counts[k]), total)}**" for k in (2, 1, 0))))
    n = stats.num_samples
    visible = stats.hand_visible_moments.mean
    hidden = stats.hidden_by_object_moments.mean
    lines = [
        "## Visibility and occlusion",
        "",
        "Joint flags as the format defines them: *visible* (the first surface at the joint is its own "
        "finger, within 25 mm; 3 mm for tips), *occluded* (inside the image but hidden, by the object, "
        "the other fingers or the forearm), *outside* (projects outside the image).",
        "",
        md_table(("joint group", "joints per hand", "visible", "occluded", "outside"), rows),
        "",
        f"- samples with at least one occluded joint: {stats.samples_with_occluded_joint} "
        f"({percent(stats.samples_with_occluded_joint, n)})",
        f"- samples with at least one joint outside the image: {stats.samples_with_outside_joint} "
        f"({percent(stats.samples_with_outside_joint, n)})",
        "- visible share of the hand, computed from the masks of every sample (pixels labelled hand in "
        "`seg.png` / pixels of `hand_amodal.png`): mean "
        + (f"{visible:.3f}" if visible is not None else "n/a")
        + "; share of the whole hand hidden by the object: mean "
        + (f"{hidden:.3f}" if hidden is not None else "n/a")
        + (f"; {stats.empty_amodal} samples have an empty hand mask" if stats.empty_amodal else ""),
        "",
        f"![Joint visibility per group and visible share of the hand]({plot})",
    ]
    return "\n".join(lines)


def _grasp_numbers(stats: CardStats) -> str:
    """One line of penetration and intersection means and maxima."""
    parts = []
    for name, moments, histogram, unit, digits in (
        ("penetration", stats.penetration_moments, stats.penetration_mm, "mm", 3),
        ("intersection volume", stats.intersection_moments, stats.intersection_cm3, "cm³", 5),
    ):
        if moments.count:
            parts.append(
                f"{name}: mean {moments.mean:.{digits}f} {unit}, max {moments.max:.{digits}f} {unit}, "
                f"{percent(histogram.underflow, moments.count)} of grasps below {histogram.edges[0]:g} {unit}"
            )
        else:
            parts.append(f"{name}: not recorded")
    return "; ".join(parts) + "."


def distributions_section(
    stats: CardStats, plots: Mapping[str, str], renders_per_grasp: int | None = None
) -> str:
    """The viewpoint, hand size, joint angle, grasp quality and (when recorded) stability plots."""
    repeats = (
        [
            f"Each synthesised grasp is rendered up to {renders_per_grasp} times (`scene.renders_per_grasp`: "
            "other cameras, lights and backgrounds), so the pose and grasp histograms below count each "
            "grasp that many times and look lumpy on a small dataset.",
            "",
        ]
        if renders_per_grasp and renders_per_grasp > 1
        else []
    )
    lines = [
        "## Distributions",
        "",
        *repeats,
        "### Viewpoint",
        "",
        "The camera's direction seen from the hand (hand frame: origin at the wrist, x towards the "
        "fingers, z out of the back of the hand, y towards the thumb; left hands mirrored so both sides "
        "read alike), computed from each sample's `T_cam_hand`."
        + (
            f" {stats.no_viewpoint} samples have no `T_cam_hand` and are not shown."
            if stats.no_viewpoint
            else ""
        ),
        "",
        f"![Camera azimuth and elevation in the hand frame]({plots['viewpoint']})",
        "",
        "### Hand size in pixels",
        "",
        f"![Hand bounding-box diagonal]({plots['hand_size']})",
        "",
        "### Finger joint angles",
        "",
        "Flexion of each finger joint from `hand.pose` (degrees; positive towards the palm).",
        "",
        f"![Flexion histograms]({plots['joint_angles']})",
        "",
        "### Penetration and contact",
        "",
        "Measured on the posed hand and object meshes when the grasp was synthesised "
        "(`grasp.penetration_mm`, `grasp.intersection_cm3`, `grasp.contact_fingers`).",
        "",
        _grasp_numbers(stats),
        "",
        f"![Penetration, intersection and contacts]({plots['grasp_quality']})",
        "",
        "### Grasp stability",
        "",
    ]
    if "stability" in plots:
        lines += [
            "Object displacement in a short physics simulation (`grasp.stability`).",
            "",
            f"![Stability]({plots['stability']})",
        ]
    else:
        lines.append("Not recorded: the annotations of this dataset carry no `grasp.stability`.")
    return "\n".join(lines)
