"""Parametric families of everyday objects at real sizes, four per category or more.

Each family draws its dimensions and materials from a ``numpy.random.Generator`` and returns an
``ObjectModel``. Sizes follow real products (a 330 ml can is 66 mm across and 115-122 mm tall; a pencil
is 7-8 mm across and 15-19 cm long; a tennis ball 65-69 mm; …). Object frames: cylindrical and slender
objects stand along +z from z = 0; cubical objects are centred boxes with x >= y >= z; spherical objects
are centred on their middle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from handsynth.conventions import srgb_to_linear
from handsynth.objects.model import GraspGeometry, Material, ObjectModel
from handsynth.objects.shapes import Lathe, RoundedBox, TorusArc, fillet_polyline


def _lin(srgb) -> tuple[float, float, float]:
    c = np.clip(np.asarray(srgb, dtype=np.float64), 0.0, 1.0)
    return tuple(float(x) for x in srgb_to_linear(c))


def _pick(rng: np.random.Generator, palette, jitter: float = 0.04) -> tuple[float, float, float]:
    """A palette colour (sRGB 0-255 triples) with a little variation, as linear RGB."""
    base = np.asarray(palette[int(rng.integers(len(palette)))], dtype=np.float64) / 255.0
    return _lin(base + rng.normal(0.0, jitter, 3))


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


_BRIGHT = [
    (200, 30, 40),
    (230, 120, 20),
    (240, 200, 40),
    (40, 150, 70),
    (30, 90, 180),
    (120, 50, 150),
    (20, 20, 25),
    (235, 235, 230),
    (200, 60, 120),
    (30, 160, 170),
]
_CERAMIC = [
    (240, 238, 230),
    (30, 60, 110),
    (180, 40, 40),
    (60, 120, 90),
    (230, 200, 150),
    (40, 40, 42),
    (210, 120, 70),
    (150, 180, 200),
]
_WOOD = [(190, 140, 90), (160, 110, 65), (120, 80, 50), (215, 180, 130)]
_PAPER = [(245, 240, 225), (250, 250, 245), (235, 225, 200)]


def _lathe(points, fillets, slots, segments: int = 64, arc_segments: int = 6) -> Lathe:
    """A lathe from corner points with fillet radii; ``slots`` is one slot per corner segment, spread
    over the arcs the fillets insert."""
    points = np.asarray(points, dtype=np.float64)
    profile = fillet_polyline(points, fillets, arc_segments)
    # Map each profile segment back to the corner segment it belongs to (by its midpoint's nearest one).
    mids = (profile[:-1] + profile[1:]) / 2
    a, b = points[:-1], points[1:]
    ab = b - a
    t = np.clip(np.einsum("nkd,kd->nk", mids[:, None, :] - a[None], ab) / np.einsum("kd,kd->k", ab, ab), 0, 1)
    d = np.linalg.norm(mids[:, None, :] - (a[None] + t[..., None] * ab[None]), axis=2)
    seg_slots = np.asarray(slots)[d.argmin(axis=1)]
    return Lathe(profile, seg_slots, segments)


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
    print_ = Material(
        "print",
        _pick(rng, _BRIGHT),
        0.3,
        metallic=0.6,
        pattern="print",
        pattern_color=_pick(rng, _BRIGHT),
        pattern_scale=2.0,
        pattern_seed=_seed(rng),
    )
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


def _box_model(family, rng, half, radius, face_slots, materials, dims) -> ObjectModel:
    box = RoundedBox(tuple(half), radius, face_slots=face_slots, step=0.008)
    return ObjectModel(
        family,
        "cubical",
        dims,
        (box,),
        materials,
        GraspGeometry("box", (0.0, 0.0, 0.0), half_extents=tuple(half)),
    )


def book(rng: np.random.Generator) -> ObjectModel:
    x, y, z = rng.uniform(0.15, 0.24), rng.uniform(0.11, 0.17), rng.uniform(0.012, 0.04)
    cover = Material(
        "cover",
        _pick(rng, _BRIGHT),
        0.5,
        pattern="print",
        pattern_color=_pick(rng, _PAPER),
        pattern_seed=_seed(rng),
    )
    pages = Material(
        "pages",
        _pick(rng, _PAPER, 0.02),
        0.8,
        pattern="pages",
        pattern_color=_lin((0.75, 0.72, 0.66)),
        pattern_scale=40.0,
    )
    # Faces -x, +x, -y, +y, -z, +z: the spine is -y; the covers are +-z.
    return _box_model(
        "book",
        rng,
        (x / 2, y / 2, z / 2),
        0.0015,
        (1, 1, 0, 1, 0, 0),
        (cover, pages),
        {"length": x, "width": y, "thickness": z},
    )


def phone(rng: np.random.Generator) -> ObjectModel:
    x, y, z = rng.uniform(0.143, 0.165), rng.uniform(0.068, 0.078), rng.uniform(0.0075, 0.009)
    body = Material(
        "body",
        _pick(rng, [(30, 30, 32), (220, 220, 225), (60, 70, 90), (200, 180, 160), (150, 30, 40)]),
        0.3,
        metallic=float(rng.uniform(0.0, 0.6)),
    )
    screen = Material(
        "screen",
        _lin((0.02, 0.02, 0.025)),
        0.05,
        pattern="screen",
        pattern_color=_pick(rng, _BRIGHT),
        pattern_seed=_seed(rng),
    )
    return _box_model(
        "phone",
        rng,
        (x / 2, y / 2, z / 2),
        min(0.0035, z / 2 - 0.0003),
        (0, 0, 0, 0, 0, 1),
        (body, screen),
        {"length": x, "width": y, "thickness": z},
    )


def carton(rng: np.random.Generator) -> ObjectModel:
    dims = np.sort([rng.uniform(0.08, 0.14), rng.uniform(0.05, 0.09), rng.uniform(0.03, 0.065)])[::-1]
    board = Material(
        "cardboard",
        _pick(rng, _BRIGHT),
        0.6,
        pattern="print",
        pattern_color=_pick(rng, _PAPER),
        pattern_scale=1.5,
        pattern_seed=_seed(rng),
    )
    return _box_model(
        "carton",
        rng,
        dims / 2,
        0.001,
        None,
        (board,),
        {"length": dims[0], "width": dims[1], "height": dims[2]},
    )


def block(rng: np.random.Generator) -> ObjectModel:
    s = rng.uniform(0.045, 0.07)
    plastic = Material(
        "plastic",
        _pick(rng, _BRIGHT),
        0.35,
        pattern="stripes" if rng.random() < 0.5 else "plain",
        pattern_color=_pick(rng, _BRIGHT),
        pattern_scale=3.0,
    )
    return _box_model(
        "block", rng, (s / 2, s / 2, s / 2), rng.uniform(0.002, 0.005), None, (plastic,), {"size": s}
    )


def cutting_board(rng: np.random.Generator) -> ObjectModel:
    x, y, z = rng.uniform(0.25, 0.35), rng.uniform(0.15, 0.22), rng.uniform(0.012, 0.02)
    wood = Material(
        "wood",
        _pick(rng, _WOOD),
        0.6,
        pattern="wood",
        pattern_color=_pick(rng, _WOOD),
        pattern_scale=5.0,
        pattern_seed=_seed(rng),
    )
    return _box_model(
        "cutting_board",
        rng,
        (x / 2, y / 2, z / 2),
        0.004,
        None,
        (wood,),
        {"length": x, "width": y, "thickness": z},
    )


def _round_profile(radius: float, squash: float, dimple: float = 0.0, dimple_width: float = 0.3, n: int = 40):
    """(r, z) profile of a (possibly oblate, dimpled) round fruit or ball from the bottom pole to the top."""
    phi = np.linspace(np.pi, 0.0, n + 1)
    r = radius * np.sin(phi)
    z = radius * squash * np.cos(phi)
    if dimple:
        w = dimple_width * radius
        bump = dimple * radius * np.exp(-((r / w) ** 2))
        z = z - np.sign(np.cos(phi)) * bump
    r[0] = r[-1] = 0.0
    return np.stack([r, z], axis=1)


def _round_model(family, rng, profile, materials, dims, radius, slots=0) -> ObjectModel:
    lathe = Lathe(profile, slots, segments=64)
    return ObjectModel(
        family, "spherical", dims, (lathe,), materials, GraspGeometry("round", (0.0, 0.0, 0.0), radius=radius)
    )


def ball(rng: np.random.Generator) -> ObjectModel:
    r = rng.uniform(0.032, 0.05)
    mat = Material(
        "rubber",
        _pick(rng, _BRIGHT + [(210, 230, 60)]),
        rng.uniform(0.3, 0.8),
        pattern="stripes" if rng.random() < 0.4 else "plain",
        pattern_color=_pick(rng, _BRIGHT),
        pattern_scale=2.0,
    )
    return _round_model("ball", rng, _round_profile(r, 1.0), (mat,), {"radius": r}, r)


def orange(rng: np.random.Generator) -> ObjectModel:
    r = rng.uniform(0.035, 0.045)
    squash = rng.uniform(0.92, 0.97)
    peel = Material(
        "peel",
        _pick(rng, [(240, 140, 20), (250, 160, 30), (235, 120, 15)], 0.03),
        0.55,
        pattern="speckle",
        pattern_color=_lin((0.85, 0.45, 0.05)),
        pattern_scale=30.0,
        pattern_seed=_seed(rng),
    )
    return _round_model(
        "orange", rng, _round_profile(r, squash, 0.03, 0.25), (peel,), {"radius": r, "squash": squash}, r
    )


def apple(rng: np.random.Generator) -> ObjectModel:
    r = rng.uniform(0.034, 0.044)
    squash = rng.uniform(0.85, 0.95)
    skin = Material(
        "skin",
        _pick(rng, [(180, 25, 30), (120, 170, 50), (220, 190, 60), (160, 40, 35)], 0.05),
        0.35,
        pattern="speckle",
        pattern_color=_pick(rng, [(230, 200, 90), (150, 20, 25)]),
        pattern_scale=12.0,
        pattern_seed=_seed(rng),
    )
    return _round_model(
        "apple", rng, _round_profile(r, squash, 0.12, 0.35), (skin,), {"radius": r, "squash": squash}, r
    )


def tomato(rng: np.random.Generator) -> ObjectModel:
    r = rng.uniform(0.028, 0.04)
    squash = rng.uniform(0.78, 0.9)
    skin = Material("skin", _pick(rng, [(200, 30, 20), (220, 50, 25), (190, 20, 20)], 0.03), 0.15)
    return _round_model(
        "tomato", rng, _round_profile(r, squash, 0.06, 0.3), (skin,), {"radius": r, "squash": squash}, r
    )


@dataclass(frozen=True)
class Family:
    """A parametric object family."""

    name: str
    category: str
    build: Callable[[np.random.Generator], ObjectModel]
    description: str


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("bottle", "cylindrical", bottle, "plastic water/soda bottle, 19-26 cm, with label and cap"),
        Family("can", "cylindrical", can, "aluminium drinks can, 330 ml standard or slim"),
        Family("mug", "cylindrical", mug, "ceramic mug with a handle"),
        Family("glass", "cylindrical", glass, "drinking glass (tumbler), tapered"),
        Family("jar", "cylindrical", jar, "glass jar with label and lid"),
        Family("pencil", "slender", pencil, "wooden pencil with ferrule and eraser"),
        Family("marker", "slender", marker, "felt-tip marker with cap"),
        Family("chopstick", "slender", chopstick, "tapered wooden chopstick"),
        Family("knife", "slender", knife, "table knife: handle and steel blade"),
        Family("screwdriver", "slender", screwdriver, "screwdriver: steel shaft and plastic grip"),
        Family("book", "cubical", book, "paperback or hardback book"),
        Family("phone", "cubical", phone, "smartphone"),
        Family("carton", "cubical", carton, "small printed cardboard box (tea, medicine)"),
        Family("block", "cubical", block, "toy block or puzzle cube"),
        Family("cutting_board", "cubical", cutting_board, "wooden cutting board"),
        Family("ball", "spherical", ball, "ball from tennis to softball size"),
        Family("orange", "spherical", orange, "orange"),
        Family("apple", "spherical", apple, "apple"),
        Family("tomato", "spherical", tomato, "tomato"),
    )
}
