"""Slender families, +z up from z = 0: numpy only; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

import numpy as np

from handsynth.objects.families.common import _BRIGHT, _WOOD, _lathe, _lin, _pick, _seed
from handsynth.objects.model import GraspGeometry, Material, ObjectModel
from handsynth.objects.shapes import RoundedBox


def pencil(rng: np.random.Generator) -> ObjectModel:
    r = rng.uniform(0.0035, 0.004)
    length = rng.uniform(0.15, 0.19)
    cone = rng.uniform(0.016, 0.022)
    ferrule = 0.008
    eraser = rng.uniform(0.006, 0.009)
    pts = [
        (0, 0),
        (0.0008, 0.0012),
        (r, cone),
        (r, length - ferrule - eraser),
        (r + 0.0002, length - ferrule - eraser),
        (r + 0.0002, length - eraser),
        (r * 0.95, length - eraser),
        (r * 0.95, length),
        (0, length),
    ]
    fil = [0, 0, 0, 0, 0, 0, 0, 0.0015, 0]
    slots = [1, 0, 2, 3, 3, 3, 4, 4]
    wood = Material(
        "wood",
        _lin((0.85, 0.68, 0.48)),
        0.7,
        pattern="wood",
        pattern_color=_lin((0.7, 0.52, 0.35)),
        pattern_scale=8.0,
        pattern_seed=_seed(rng),
    )
    lead = Material("graphite", _lin((0.12, 0.12, 0.13)), 0.4, metallic=0.3)
    paint = Material(
        "paint", _pick(rng, [(240, 190, 30), (30, 30, 30), (30, 90, 180), (200, 40, 40), (40, 140, 70)]), 0.3
    )
    metal = Material("ferrule", _lin((0.75, 0.72, 0.6)), 0.3, metallic=1.0)
    rubber = Material("eraser", _lin((0.93, 0.55, 0.6)), 0.8)
    return ObjectModel(
        "pencil",
        "slender",
        {"radius": r, "length": length},
        (_lathe(pts, fil, slots, segments=24),),
        (wood, lead, paint, metal, rubber),
        GraspGeometry(
            "axial", (0.0, 0.0, length / 2), radius=r, axis_range=(0.2 * length, 0.75 * length), top=length
        ),
    )


def marker(rng: np.random.Generator) -> ObjectModel:
    r = rng.uniform(0.0065, 0.0085)
    length = rng.uniform(0.12, 0.14)
    cap_len = rng.uniform(0.045, 0.055)
    pts = [
        (0, 0),
        (r * 0.5, 0),
        (r, 0.004),
        (r, length - cap_len),
        (r + 0.0008, length - cap_len),
        (r + 0.0008, length),
        (0, length),
    ]
    fil = [0, 0.001, 0.002, 0, 0, 0.002, 0]
    slots = [0, 0, 0, 1, 1, 1]
    ink = _pick(rng, _BRIGHT)
    body = Material(
        "barrel", _lin((0.93, 0.93, 0.92)), 0.35, pattern="print", pattern_color=ink, pattern_seed=_seed(rng)
    )
    cap = Material("cap", ink, 0.35)
    return ObjectModel(
        "marker",
        "slender",
        {"radius": r, "length": length},
        (_lathe(pts, fil, slots, segments=32),),
        (body, cap),
        GraspGeometry(
            "axial", (0.0, 0.0, length / 2), radius=r, axis_range=(0.15 * length, 0.85 * length), top=length
        ),
    )


def chopstick(rng: np.random.Generator) -> ObjectModel:
    length = rng.uniform(0.23, 0.27)
    r0 = rng.uniform(0.0018, 0.0024)
    r1 = rng.uniform(0.0042, 0.005)
    pts = [(0, 0), (r0, 0), (r1, length), (0, length)]
    fil = [0, 0.0008, 0.0015, 0]
    wood = Material(
        "wood",
        _pick(rng, _WOOD),
        0.5,
        pattern="wood",
        pattern_color=_pick(rng, _WOOD),
        pattern_scale=6.0,
        pattern_seed=_seed(rng),
    )
    return ObjectModel(
        "chopstick",
        "slender",
        {"radius_tip": r0, "radius_end": r1, "length": length},
        (_lathe(pts, fil, [0, 0, 0], segments=24),),
        (wood,),
        GraspGeometry(
            "axial",
            (0.0, 0.0, 0.7 * length),
            radius=(r0 + 2 * r1) / 3,
            axis_range=(0.45 * length, 0.92 * length),
            top=length,
        ),
    )


def knife(rng: np.random.Generator) -> ObjectModel:
    handle_len = rng.uniform(0.10, 0.12)
    hw, ht = rng.uniform(0.010, 0.0125), rng.uniform(0.0065, 0.008)
    blade_len = rng.uniform(0.09, 0.12)
    bw = rng.uniform(0.009, 0.012)
    to_z = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 0.0]])  # part x -> object z
    handle = RoundedBox(
        (handle_len / 2, hw, ht),
        min(0.005, ht * 0.9),
        slot=0,
        center=(0.0, 0.0, handle_len / 2),
        rotation=to_z,
    )
    blade = RoundedBox(
        (blade_len / 2 + 0.005, bw, 0.001),
        0.0009,
        slot=1,
        center=(0.0, bw * 0.15, handle_len + blade_len / 2 - 0.005),
        rotation=to_z,
    )
    grip = Material("handle", _pick(rng, [(25, 25, 25), (120, 75, 45), (180, 40, 40), (40, 80, 60)]), 0.45)
    steel = Material("steel", _lin((0.78, 0.78, 0.8)), 0.2, metallic=1.0)
    return ObjectModel(
        "knife",
        "slender",
        {
            "handle_length": handle_len,
            "handle_width": 2 * hw,
            "blade_length": blade_len,
            "blade_width": 2 * bw,
        },
        (handle, blade),
        (grip, steel),
        GraspGeometry(
            "axial",
            (0.0, 0.0, handle_len / 2),
            radius=(hw + ht) / 2,
            axis_range=(0.2 * handle_len, 0.85 * handle_len),
            top=handle_len + blade_len,
        ),
    )


def screwdriver(rng: np.random.Generator) -> ObjectModel:
    shaft = rng.uniform(0.075, 0.12)
    rs = rng.uniform(0.0025, 0.0035)
    rh = rng.uniform(0.0125, 0.0165)
    lh = rng.uniform(0.09, 0.11)
    top = shaft + lh
    pts = [
        (0, 0),
        (rs * 0.9, 0.0015),
        (rs, 0.006),
        (rs, shaft),
        (rh * 0.65, shaft),
        (rh, shaft + 0.02),
        (rh, top - 0.012),
        (rh * 0.8, top),
        (0, top),
    ]
    fil = [0, 0, 0, 0.001, 0.004, 0.008, 0.01, 0.006, 0]
    slots = [0, 0, 0, 1, 1, 1, 1, 1]
    steel = Material("steel", _lin((0.75, 0.75, 0.78)), 0.25, metallic=1.0)
    grip = Material(
        "grip",
        _pick(rng, [(220, 40, 30), (240, 200, 30), (30, 30, 30), (30, 90, 190)]),
        0.35,
        pattern="stripes",
        pattern_color=_lin((0.05, 0.05, 0.05)),
        pattern_scale=6.0,
    )
    return ObjectModel(
        "screwdriver",
        "slender",
        {"shaft_length": shaft, "handle_radius": rh, "handle_length": lh},
        (_lathe(pts, fil, slots, segments=40),),
        (steel, grip),
        GraspGeometry(
            "axial",
            (0.0, 0.0, shaft + lh / 2),
            radius=rh,
            axis_range=(shaft + 0.2 * lh, shaft + 0.8 * lh),
            top=top,
        ),
    )
