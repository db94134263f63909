"""Cylindrical packaging, +z up from z = 0 (spray can, takeaway cup with lid, gable-top milk carton): numpy
only; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

import numpy as np

from handsynth.objects.families.common import _BRIGHT, _PAPER, _lathe, _lin, _metal_print, _pick, _seed
from handsynth.objects.model import GraspGeometry, Material, ObjectModel
from handsynth.objects.shapes import Prism, RoundedBox

_METAL = (0.80, 0.80, 0.82)


def spray_can(rng: np.random.Generator) -> ObjectModel:
    """Aerosol can: printed tinplate/aluminium body, domed shoulder, 1-inch valve cup and an actuator,
    or a cap over them. Sizes: the common aerosol diameters 45, 53, 57 and 65 mm (FEA standard
    diameters, e.g. deodorant 45-53 mm, spray paint 65 mm), body 120-210 mm; the valve cup is the
    standard 1-inch (25.4 mm) one."""
    r = float(rng.choice([0.0225, 0.0265, 0.0285, 0.0325])) + rng.uniform(-0.0003, 0.0003)
    hb = rng.uniform(0.13, 0.21) if r > 0.025 else rng.uniform(0.12, 0.16)
    dome = rng.uniform(0.35, 0.5) * r  # the shoulder rises this much to the valve cup
    cup_r, cup_h = 0.0127, 0.005
    pts = [
        (0, 0.006),
        (r - 0.005, 0),
        (r, 0.004),
        (r, 0.012),
        (r, hb - 0.006),
        (r, hb),
        (cup_r + 0.002, hb + dome),
        (cup_r, hb + dome),
        (cup_r, hb + dome + cup_h),
        (0, hb + dome + cup_h),
    ]
    fil = [0, 0.002, 0.002, 0, 0, 0.003, 0.006, 0.001, 0.002, 0]
    slots = [0, 0, 0, 1, 0, 0, 0, 0, 0]
    metal = Material("tinplate", _lin(_METAL), roughness=0.25, metallic=1.0)
    print_ = _metal_print(rng)
    parts = [_lathe(pts, fil, slots, segments=64)]
    plastic = Material("cap", _pick(rng, _BRIGHT + [(245, 245, 245)]), 0.35)
    if rng.random() < 0.5:  # a cap the can's own width over the shoulder
        cap_h = rng.uniform(0.035, 0.05)
        cap = [(0, hb - 0.003), (r + 0.0006, hb - 0.003), (r + 0.0006, hb + cap_h), (0, hb + cap_h)]
        parts.append(_lathe(cap, [0, 0.001, 0.004, 0], [2, 2, 2], segments=64))
        top = hb + cap_h
    else:  # the actuator button on the valve stem
        z0 = hb + dome + cup_h - 0.001
        act_r, act_h = rng.uniform(0.008, 0.0095), rng.uniform(0.01, 0.014)
        button = [(0, z0), (act_r, z0), (act_r, z0 + act_h), (0, z0 + act_h)]
        parts.append(_lathe(button, [0, 0.001, 0.003, 0], [2, 2, 2], segments=48))
        top = z0 + act_h
    return ObjectModel(
        "spray_can",
        "cylindrical",
        {"radius": r, "body_height": hb, "height": top},
        tuple(parts),
        (metal, print_, plastic),
        GraspGeometry("axial", (0.0, 0.0, hb / 2), radius=r, axis_range=(0.15 * hb, 0.85 * hb), top=top),
    )


def coffee_cup(rng: np.random.Generator) -> ObjectModel:
    """Takeaway paper cup with a plastic lid: the standard 8, 12 and 16 oz hot cups (rim 80, 90, 90 mm;
    base 56-60 mm; 92, 110, 135 mm tall), the lid's dome 8-12 mm over the rim with a sip well."""
    size = int(rng.integers(3))
    r1 = (0.040, 0.045, 0.045)[size] + rng.uniform(-0.0008, 0.0008)
    r0 = (0.028, 0.030, 0.030)[size] + rng.uniform(-0.0008, 0.0008)
    h = (0.092, 0.110, 0.135)[size] + rng.uniform(-0.003, 0.003)
    dome = rng.uniform(0.008, 0.012)
    rim = r1 + 0.002
    body = [(0, 0.004), (r0 - 0.001, 0.004), (r0 - 0.0005, 0), (r0, 0), (r1, h - 0.004), (0, h - 0.004)]
    # The lid: a skirt snapped over the rim, a dome ring and a recessed middle with a sip well.
    lid = [
        (0, h - 0.006),
        (r1 - 0.004, h - 0.006),
        (rim, h - 0.008),
        (rim + 0.0006, h + 0.003),
        (r1 - 0.002, h + dome),
        (r1 - 0.012, h + dome),
        (r1 - 0.016, h + dome - 0.005),
        (0, h + dome - 0.005),
    ]
    cup = _lathe(body, [0, 0, 0.0005, 0.001, 0.002, 0], [0, 0, 0, 0, 0], segments=72)
    cover = _lathe(lid, [0, 0, 0.001, 0.002, 0.003, 0.002, 0.003, 0], [1] * 7, segments=72)
    paper = Material(
        "paper",
        _pick(rng, _PAPER + [(200, 160, 110), (30, 30, 32)], 0.02),
        0.6,
        pattern="label",
        pattern_color=_pick(rng, _BRIGHT),
        pattern_seed=_seed(rng),
    )
    plastic = Material("lid", _pick(rng, [(245, 245, 242), (25, 25, 27)], 0.02), 0.3)
    return ObjectModel(
        "coffee_cup",
        "cylindrical",
        {"radius_bottom": r0, "radius_top": r1, "height": h + dome},
        (cup, cover),
        (paper, plastic),
        GraspGeometry(
            "axial",
            (0.0, 0.0, h / 2),
            radius=(r0 + r1) / 2,
            axis_range=(0.25 * h, 0.8 * h),
            top=h + dome,
        ),
    )


def milk_carton(rng: np.random.Generator) -> ObjectModel:
    """Gable-top milk or juice carton (Pure-Pak / Tetra Rex style): a 70 x 70 mm square body (1 L
    about 195 mm to the gable, 0.5 L about 100 mm), the gable roof about 35 mm high and a 10 mm sealed
    fin on top; the square body's half width is the grip radius."""
    w = rng.uniform(0.069, 0.071)
    hb = rng.uniform(0.19, 0.2) if rng.random() < 0.6 else rng.uniform(0.095, 0.105)
    gable = rng.uniform(0.03, 0.038)
    fin = rng.uniform(0.009, 0.011)
    half = w / 2
    body = RoundedBox(
        (half, half, hb / 2), 0.0015, slot=0, center=(0.0, 0.0, hb / 2), face_up=(2, 2, 2, 2, None, None)
    )
    # The roof: a triangle across y extruded along x (part x, y, z -> object y, z, x), 0.3 mm inside
    # the body's sides so no two surfaces coincide; its base sinks 2 mm into the body.
    to_roof = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    roof = Prism(
        np.array([[-half + 0.0003, hb - 0.002], [half - 0.0003, hb - 0.002], [0.0, hb + gable]]),
        half - 0.0003,
        slot=1,
        rotation=to_roof,
    )
    seal = RoundedBox(
        (half - 0.0008, 0.0016, fin / 2 + 0.002),
        0.0006,
        slot=1,
        center=(0.0, 0.0, hb + gable + fin / 2 - 0.002),
    )
    board = _pick(rng, _PAPER, 0.02)
    print_ = Material(
        "carton",
        board,
        0.55,
        pattern="print",
        pattern_color=_pick(rng, _BRIGHT),
        pattern_scale=1.0,
        pattern_seed=_seed(rng),
    )
    top_board = Material("carton_top", board, 0.55)
    top = hb + gable + fin
    return ObjectModel(
        "milk_carton",
        "cylindrical",
        {"width": w, "body_height": hb, "height": top},
        (body, roof, seal),
        (print_, top_board),
        GraspGeometry("axial", (0.0, 0.0, hb / 2), radius=half, axis_range=(0.15 * hb, 0.85 * hb), top=top),
    )
