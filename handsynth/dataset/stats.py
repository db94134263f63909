"""``handsynth stats``: counts, visibility, occlusion, hand sizes and viewpoints; never bpy, ray or torch."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
from tqdm import tqdm

from handsynth.conventions import FINGER_JOINTS, FINGER_NAMES, SEG_HAND, SEG_OBJECT
from handsynth.dataset.checked import load_entry, open_dataset, read_entries
from handsynth.dataset.layout import bbox_of_mask

AZIMUTH_BINS = 8
QUANTILES = {"p5": 5, "p50": 50, "p95": 95}
_VIS_NAMES = {0: "outside", 1: "occluded", 2: "visible"}


def _summary(values) -> dict | None:
    """mean, p5, p50, p95 and count of a sequence of numbers (None when empty)."""
    values = np.asarray([v for v in values if v is not None], dtype=np.float64)
    if values.size == 0:
        return None
    summary = {"count": int(values.size), "mean": float(values.mean())}
    summary.update({name: float(np.percentile(values, q)) for name, q in QUANTILES.items()})
    return summary


def _count(values) -> dict[str, int]:
    return dict(sorted(Counter(str(v) for v in values).items(), key=lambda kv: (-kv[1], kv[0])))


def _viewpoint(annotation: dict) -> tuple[float | None, float | None, float]:
    """(azimuth_deg, elevation_deg, distance_m) of the camera relative to the hand.

    From ``annotation["camera"]`` when the renderer recorded it; otherwise the distance is the mean joint
    depth and the angles are unknown (None).
    """
    camera = annotation.get("camera") or {}
    keys = ("azimuth_deg", "elevation_deg", "distance_m")
    if all(isinstance(camera.get(k), int | float) for k in keys):
        return float(camera["azimuth_deg"]), float(camera["elevation_deg"]), float(camera["distance_m"])
    joints = np.asarray(annotation["hand"]["joints_cam"], dtype=np.float64)
    return None, None, float(joints[:, 2].mean())


def _distance_source(with_camera: int, total: int) -> str:
    if with_camera == total:
        return "camera"
    return "mean joint depth" if with_camera == 0 else "camera where recorded, else mean joint depth"


def dataset_stats(path: str | Path) -> dict:
    """Summary statistics of the dataset at ``path`` (reads every annotation and every sample's masks).

    Returns a JSON-serializable dict: ``num_samples``; ``counts`` per category, family, grasp type,
    subject, side, background source and camera preset; ``visibility`` (rates of visible / occluded /
    outside joints overall and per finger, share of samples with an occluded joint); ``occlusion`` (share of
    hand_amodal pixels not labelled hand, and covered by the object); ``hand_size_px`` (amodal bbox
    diagonal and amodal area); ``viewpoint`` (azimuth histogram in 8 bins of 45 degrees, elevation and
    distance quantiles); ``penetration_mm`` quantiles; ``stability`` (per grasp, when simulated). Quantile
    entries are mean/p5/p50/p95/count or None.
    Raises UserError naming the file when the dataset is damaged (see ``dataset.checked``).
    """
    dataset = open_dataset(path)
    entries = read_entries(dataset)  # UserError naming the file on any damage
    annotations = [entry.annotation for entry in entries]
    counts = {
        "category": _count(a["object"]["category"] for a in annotations),
        "family": _count(a["object"].get("family") for a in annotations),
        "grasp_type": _count(a.get("grasp", {}).get("type") for a in annotations),
        "subject": _count(a["hand"].get("subject") for a in annotations),
        "side": _count(a["hand"].get("side") for a in annotations),
        "background": _count(a.get("background", {}).get("source") for a in annotations),
        "camera_preset": _count((a.get("camera") or {}).get("preset") for a in annotations),
    }

    vis = np.array([a["hand"]["joints_vis"] for a in annotations], dtype=np.int64).reshape(-1, 21)  # (N, 21)

    def rates(v: np.ndarray) -> dict[str, float]:
        return {name: float((v == value).mean()) if v.size else 0.0 for value, name in _VIS_NAMES.items()}

    visibility = {
        "overall": rates(vis),
        "wrist": rates(vis[:, 0]),
        **{finger: rates(vis[:, list(FINGER_JOINTS[finger])]) for finger in FINGER_NAMES},
        "samples_with_occluded_joint": float((vis == 1).any(axis=1).mean()) if len(vis) else 0.0,
    }

    hidden, by_object, diagonal, area = [], [], [], []
    disable = len(annotations) < 50 or not sys.stderr.isatty()
    for entry in tqdm(entries, desc="stats", unit="samples", file=sys.stderr, disable=disable):
        sample = load_entry(entry, dataset.depth_unit_m)
        amodal, seg = sample["hand_amodal"], sample["seg"]
        pixels = int(amodal.sum())
        area.append(pixels)
        if pixels:
            hidden.append(float((amodal & (seg != SEG_HAND)).sum() / pixels))
            by_object.append(float((amodal & (seg == SEG_OBJECT)).sum() / pixels))
        _, _, w, h = bbox_of_mask(amodal)
        diagonal.append(float(np.hypot(w, h)))

    views = [_viewpoint(a) for a in annotations]
    azimuths = [az for az, _, _ in views if az is not None]
    width = 360 / AZIMUTH_BINS
    histogram = np.bincount((np.mod(azimuths, 360) // width).astype(np.int64), minlength=AZIMUTH_BINS)
    return {
        "path": str(dataset.root),
        "num_samples": len(annotations),
        "num_shards": len(dataset.shards),
        "counts": counts,
        "visibility": visibility,
        "occlusion": {
            "hand_hidden_fraction": _summary(hidden),
            "hand_hidden_by_object_fraction": _summary(by_object),
        },
        "hand_size_px": {"amodal_bbox_diagonal": _summary(diagonal), "amodal_area": _summary(area)},
        "viewpoint": {
            "azimuth_histogram": {
                f"{i * width:.0f}-{(i + 1) * width:.0f}": int(n) for i, n in enumerate(histogram)
            },
            "elevation_deg": _summary(el for _, el, _ in views),
            "distance_m": _summary(d for _, _, d in views),
            "distance_source": _distance_source(len(azimuths), len(views)),
        },
        "penetration_mm": _summary(a.get("grasp", {}).get("penetration_mm") for a in annotations),
        "stability": _stability(annotations),
    }


def _stability(annotations: list[dict]) -> dict | None:
    """Simulated stability per grasp (samples sharing a grasp index count once; None when no annotation
    carries ``grasp.stability``): grip and literature displacement quantiles and the grip hold rate."""
    blocks = {}
    for a in annotations:
        grasp = a.get("grasp") or {}
        if grasp.get("stability") is not None:
            blocks.setdefault(grasp.get("index", ("sample", a["id"])), grasp["stability"])
    if not blocks:
        return None
    values = list(blocks.values())
    return {
        "grasps": len(values),
        "grip_displacement_cm": _summary(b["grip_displacement_cm"] for b in values),
        "sim_displacement_cm": _summary(b.get("sim_displacement_cm") for b in values),
        "grip_hold_rate": float(np.mean([bool(b["grip_holds"]) for b in values])),
        "grip_bound_cm": _count(b["grip_bound_cm"] for b in values),
        "grip_model": _count(b.get("grip_model", "articulated (first protocol)") for b in values),
    }


def _format_summary(summary: dict | None, digits: int = 2) -> str:
    if summary is None:
        return "n/a"
    return "  ".join(f"{k} {summary[k]:.{digits}f}" for k in ("mean", "p5", "p50", "p95"))


def _format_rates(rates: dict[str, float]) -> str:
    return "  ".join(f"{name} {rates[name]:6.1%}" for name in ("visible", "occluded", "outside"))


def format_stats(stats: dict) -> str:
    """The statistics of ``dataset_stats`` as text for a terminal."""
    n = max(stats["num_samples"], 1)
    lines = [f"{stats['path']}: {stats['num_samples']} samples in {stats['num_shards']} shards"]
    for name, counts in stats["counts"].items():
        lines += ["", f"{name.replace('_', ' ')}:"]
        lines += [f"  {key:<24} {count:>8}  {count / n:6.1%}" for key, count in counts.items()]
    lines += ["", "joint visibility:"]
    for key, value in stats["visibility"].items():
        if isinstance(value, dict):
            lines.append(f"  {key:<10} {_format_rates(value)}")
    lines.append(
        f"  samples with >= 1 occluded joint: {stats['visibility']['samples_with_occluded_joint']:.1%}"
    )
    occlusion = stats["occlusion"]
    lines += [
        "",
        "hand occlusion (share of hand_amodal pixels not labelled hand):",
        f"  any cause  {_format_summary(occlusion['hand_hidden_fraction'], 3)}",
        f"  by object  {_format_summary(occlusion['hand_hidden_by_object_fraction'], 3)}",
    ]
    size = stats["hand_size_px"]
    lines += [
        "",
        "hand size (amodal):",
        f"  bbox diagonal px  {_format_summary(size['amodal_bbox_diagonal'], 1)}",
        f"  area px           {_format_summary(size['amodal_area'], 0)}",
    ]
    view = stats["viewpoint"]
    histogram = view["azimuth_histogram"]
    lines += [
        "",
        "viewpoint:",
        "  azimuth deg  " + "  ".join(f"{k}: {v}" for k, v in histogram.items()),
        f"  elevation deg  {_format_summary(view['elevation_deg'], 1)}",
        f"  distance m     {_format_summary(view['distance_m'], 3)}",
        f"  (distance from: {view['distance_source']})",
    ]
    lines += ["", f"grasp penetration mm  {_format_summary(stats['penetration_mm'], 2)}"]
    stability = stats.get("stability")
    if stability is not None:
        lines += [
            "",
            f"grasp stability in simulation ({stability['grasps']} grasps):",
            f"  grip displacement cm        {_format_summary(stability['grip_displacement_cm'], 2)}",
            f"  literature displacement cm  {_format_summary(stability['sim_displacement_cm'], 2)}",
            f"  grip holds  {stability['grip_hold_rate']:.1%} (bound cm: "
            + ", ".join(stability["grip_bound_cm"])
            + "; protocol: "
            + ", ".join(stability["grip_model"])
            + ")",
        ]
    return "\n".join(lines)
