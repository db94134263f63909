"""Cubical families, boxes x >= y >= z: numpy only; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

import numpy as np

from handsynth.objects.families.common import _BRIGHT, _PAPER, _WOOD, _lin, _pick, _seed
from handsynth.objects.model import GraspGeometry, Material, ObjectModel
from handsynth.objects.shapes import RoundedBox


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
