"""Cylindrical families, +z up from z = 0: numpy only; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

import numpy as np

from handsynth.objects.families.common import (
    _BRIGHT,
    _CERAMIC,
    _PAPER,
    _lathe,
    _lin,
    _metal_print,
    _pick,
    _seed,
)
from handsynth.objects.model import GraspGeometry, Material, ObjectModel
from handsynth.objects.shapes import TorusArc


def bottle(rng: np.random.Generator) -> ObjectModel:
    r = rng.uniform(0.030, 0.037)
    h = rng.uniform(0.19, 0.26)
    shoulder = h * rng.uniform(0.62, 0.72)
    neck_r = rng.uniform(0.0125, 0.0155)
    cap_h = rng.uniform(0.017, 0.022)
    neck_z = h - cap_h - rng.uniform(0.012, 0.02)
    label_lo, label_hi = h * rng.uniform(0.18, 0.28), shoulder - rng.uniform(0.01, 0.03)
    cap_r = neck_r + 0.0012
    pts = [
        (0, 0),
        (r, 0),
        (r, label_lo),
        (r, label_hi),
        (r, shoulder),
        (neck_r, neck_z),
        (neck_r, h - cap_h),
        (cap_r, h - cap_h),
        (cap_r, h),
        (0, h),
    ]
    fil = [0, 0.006, 0, 0, 0.03, 0.012, 0.0005, 0.0005, 0.002, 0]
    slots = [0, 0, 1, 0, 0, 0, 2, 2, 2]
    clear = rng.random() < 0.6
    plastic = Material(
        "plastic",
        _lin((0.85, 0.92, 0.95)) if clear else _pick(rng, _BRIGHT),
        roughness=0.08,
        transmission=0.95 if clear else 0.0,
    )
    label = Material(
        "label",
        _pick(rng, _BRIGHT),
        0.45,
        pattern="label",
        pattern_color=_pick(rng, _PAPER),
        pattern_scale=1.0,
        pattern_seed=_seed(rng),
    )
    cap = Material("cap", _pick(rng, _BRIGHT), 0.4)
    return ObjectModel(
        "bottle",
        "cylindrical",
        {"radius": r, "height": h, "neck_radius": neck_r},
        (_lathe(pts, fil, slots),),
        (plastic, label, cap),
        GraspGeometry(
            "axial",
            (0.0, 0.0, (0.15 * h + shoulder) / 2),
            radius=r,
            axis_range=(0.12 * h, shoulder - 0.01),
            top=h,
        ),
    )


def can(rng: np.random.Generator) -> ObjectModel:
    if rng.random() < 0.6:
        r, h = rng.uniform(0.0325, 0.0335), rng.uniform(0.115, 0.122)  # 330 ml standard
    else:
        r, h = rng.uniform(0.0285, 0.0295), rng.uniform(0.135, 0.157)  # slim 250-330 ml
    pts = [
        (0, 0.004),
        (r - 0.007, 0),
        (r - 0.002, 0.002),
        (r, 0.01),
        (r, h - 0.013),
        (r - 0.005, h - 0.003),
        (r - 0.0045, h),
        (0, h - 0.001),
    ]
    fil = [0, 0.002, 0.003, 0.006, 0.006, 0.001, 0.0005, 0]
    slots = [0, 0, 0, 1, 0, 0, 0]
    metal = Material("aluminium", _lin((0.80, 0.80, 0.82)), roughness=0.25, metallic=1.0)
    print_ = _metal_print(rng)
    return ObjectModel(
        "can",
        "cylindrical",
        {"radius": r, "height": h},
        (_lathe(pts, fil, slots),),
        (metal, print_),
        GraspGeometry("axial", (0.0, 0.0, h / 2), radius=r, axis_range=(0.2 * h, 0.8 * h), top=h),
    )


def mug(rng: np.random.Generator) -> ObjectModel:
    r = rng.uniform(0.038, 0.045)
    h = rng.uniform(0.085, 0.105)
    t = rng.uniform(0.0035, 0.005)
    floor = t + 0.004
    pts = [(0, 0), (r - 0.002, 0), (r, 0.005), (r, h), (r - t, h), (r - t, floor), (0, floor)]
    fil = [0, 0.002, 0.004, 0.0015, 0.0015, 0.005, 0]
    body = _lathe(pts, fil, [0, 0, 0, 0, 1, 1], segments=72)
    a = rng.uniform(0.027, 0.033)  # handle arc radius
    protrude = rng.uniform(0.022, 0.028)
    tube = rng.uniform(0.0045, 0.006)
    cx = r + protrude - a - tube
    half = float(np.arccos(np.clip((r - t / 2 - cx) / a, -1.0, 1.0)))
    handle = TorusArc((cx, 0.0, h * 0.52), a, tube, half, slot=0)
    glaze_color = _pick(rng, _CERAMIC)
    glaze = Material("glaze", glaze_color, roughness=rng.uniform(0.1, 0.3))
    inside = Material("glaze_inside", glaze_color if rng.random() < 0.5 else _lin((0.94, 0.93, 0.9)), 0.15)
    return ObjectModel(
        "mug",
        "cylindrical",
        {"radius": r, "height": h, "wall": t, "handle_depth": protrude},
        (body, handle),
        (glaze, inside),
        GraspGeometry("axial", (0.0, 0.0, h / 2), radius=r, axis_range=(0.3 * h, 0.7 * h), top=h),
    )


def glass(rng: np.random.Generator) -> ObjectModel:
    r0 = rng.uniform(0.027, 0.032)
    r1 = r0 + rng.uniform(0.004, 0.01)
    h = rng.uniform(0.10, 0.14)
    t = rng.uniform(0.002, 0.003)
    floor = rng.uniform(0.006, 0.012)
    pts = [(0, 0), (r0, 0), (r1, h), (r1 - t, h), (r0 - t, floor), (0, floor)]
    fil = [0, 0.003, 0.001, 0.001, 0.004, 0]
    glass_mat = Material("glass", _lin((0.92, 0.95, 0.95)), roughness=0.03, transmission=1.0)
    mid = (r0 + r1) / 2
    return ObjectModel(
        "glass",
        "cylindrical",
        {"radius_bottom": r0, "radius_top": r1, "height": h},
        (_lathe(pts, fil, [0, 0, 0, 0, 0], segments=72),),
        (glass_mat,),
        GraspGeometry("axial", (0.0, 0.0, h / 2), radius=mid, axis_range=(0.25 * h, 0.75 * h), top=h),
    )


def jar(rng: np.random.Generator) -> ObjectModel:
    r = rng.uniform(0.035, 0.046)
    h = rng.uniform(0.09, 0.14)
    lid_h = rng.uniform(0.012, 0.018)
    neck = r - rng.uniform(0.003, 0.006)
    body_top = h - lid_h - 0.008
    pts = [
        (0, 0),
        (r, 0),
        (r, body_top),
        (neck, body_top + 0.006),
        (neck, h - lid_h),
        (neck + 0.0015, h - lid_h),
        (neck + 0.0015, h),
        (0, h),
    ]
    fil = [0, 0.006, 0.006, 0.002, 0, 0.0005, 0.002, 0]
    slots = [0, 1, 0, 0, 2, 2, 2]
    glass_mat = Material("glass", _lin((0.9, 0.93, 0.9)), roughness=0.05, transmission=0.9)
    label = Material(
        "label",
        _pick(rng, _PAPER),
        0.6,
        pattern="label",
        pattern_color=_pick(rng, _BRIGHT),
        pattern_seed=_seed(rng),
    )
    lid = Material("lid", _pick(rng, _BRIGHT), 0.3, metallic=float(rng.random() < 0.5))
    return ObjectModel(
        "jar",
        "cylindrical",
        {"radius": r, "height": h},
        (_lathe(pts, fil, slots),),
        (glass_mat, label, lid),
        GraspGeometry(
            "axial", (0.0, 0.0, body_top / 2), radius=r, axis_range=(0.2 * h, body_top - 0.005), top=h
        ),
    )
