"""Cubical families, boxes x >= y >= z: numpy only; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

import numpy as np

from handsynth.objects.families.common import _BRIGHT, _PAPER, _WOOD, _lin, _pick, _seed
from handsynth.objects.model import GraspGeometry, Material, ObjectModel
from handsynth.objects.shapes import RoundedBox

# Pictures upright along a box's length (part x): a portrait cover's print, a board's grain.
_UP_X_ON_Z = (None, None, None, None, 0, 0)
_UP_X_ON_YZ = (None, None, 0, 0, 0, 0)


def _box_model(family, rng, half, radius, face_slots, materials, dims, face_up=None) -> ObjectModel:
    box = RoundedBox(tuple(half), radius, face_slots=face_slots, step=0.008, face_up=face_up)
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
    # Faces -x, +x, -y, +y, -z, +z: the spine is -y (its title along the length); the covers are +-z,
    # portrait: the print upright along the length, the book's head at +x.
    return _box_model(
        "book",
        rng,
        (x / 2, y / 2, z / 2),
        0.0015,
        (1, 1, 0, 1, 0, 0),
        (cover, pages),
        {"length": x, "width": y, "thickness": z},
        face_up=_UP_X_ON_Z,
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
    # A box standing on its end: the print on its four long faces upright along its length.
    return _box_model(
        "carton",
        rng,
        dims / 2,
        0.001,
        None,
        (board,),
        {"length": dims[0], "width": dims[1], "height": dims[2]},
        face_up=_UP_X_ON_YZ,
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
    # The grain (the wood pattern's v) along the board's length on its faces and long sides.
    return _box_model(
        "cutting_board",
        rng,
        (x / 2, y / 2, z / 2),
        0.004,
        None,
        (wood,),
        {"length": x, "width": y, "thickness": z},
        face_up=_UP_X_ON_YZ,
    )


def remote_control(rng: np.random.Generator) -> ObjectModel:
    """TV remote control: 150-210 mm long, 40-55 mm wide, 17-25 mm thick (typical TV and set-top-box
    remotes), well-rounded plastic with a keypad on its +z face (power key at the +x end)."""
    x, y, z = rng.uniform(0.15, 0.21), rng.uniform(0.04, 0.055), rng.uniform(0.017, 0.025)
    shell = _pick(rng, [(25, 25, 28), (45, 45, 50), (200, 200, 205), (70, 70, 80)], 0.02)
    body = Material("shell", shell, rng.uniform(0.3, 0.5))
    keys = Material(
        "keypad",
        shell,
        0.4,
        pattern="keypad",
        pattern_color=_pick(rng, [(90, 90, 95), (220, 220, 225), (60, 110, 170)], 0.02),
        pattern_seed=_seed(rng),
    )
    return _box_model(
        "remote_control",
        rng,
        (x / 2, y / 2, z / 2),
        rng.uniform(0.005, 0.008),
        (0, 0, 0, 0, 0, 1),
        (body, keys),
        {"length": x, "width": y, "thickness": z},
        face_up=_UP_X_ON_Z,
    )


def wallet(rng: np.random.Generator) -> ObjectModel:
    """Folded leather wallet: a bifold 110-120 x 85-95 mm (about the size of a banknote folded once)
    and 12-20 mm thick, pebbled and stitched round its faces; its open side (+y) shows the layers of its
    card pockets, its fold (-y) plain leather."""
    x, y, z = rng.uniform(0.11, 0.12), rng.uniform(0.085, 0.095), rng.uniform(0.012, 0.02)
    colour = _pick(rng, [(25, 20, 18), (90, 50, 25), (140, 85, 45), (60, 35, 25), (30, 30, 40)], 0.02)
    edges = Material("leather", colour, 0.55)
    faces = Material(
        "leather_stitched",
        colour,
        0.55,
        pattern="leather",
        pattern_color=tuple(0.6 * c for c in colour),  # the pebble grain's darker tone
        pattern_seed=_seed(rng),
    )
    # The pocket layers: lines along the open side, lighter than the leather (its own seed reused: one
    # draw fewer keeps every later draw of a run as it was).
    layers = Material(
        "leather_layers",
        colour,
        0.6,
        pattern="pages",
        pattern_color=tuple(min(1.0, 0.12 + 2.5 * c) for c in colour),
        pattern_scale=24.0,
        pattern_seed=faces.pattern_seed,
    )
    return _box_model(
        "wallet",
        rng,
        (x / 2, y / 2, z / 2),
        min(0.005, z / 2 - 0.001),
        (0, 0, 0, 2, 1, 1),
        (edges, faces, layers),
        {"length": x, "width": y, "thickness": z},
    )


def sponge(rng: np.random.Generator) -> ObjectModel:
    """Kitchen scrub sponge: a foam block 95-115 x 65-75 x 30-40 mm with a 6-9 mm green scouring pad on
    top (the common Scotch-Brite-style size, about 110 x 70 x 45 mm in all)."""
    x, y = rng.uniform(0.095, 0.115), rng.uniform(0.065, 0.075)
    foam_h, pad = rng.uniform(0.03, 0.04), rng.uniform(0.006, 0.009)
    z = foam_h + pad
    foam = RoundedBox(
        (x / 2, y / 2, foam_h / 2 + 0.0005), 0.003, slot=0, center=(0.0, 0.0, -pad / 2 + 0.0005)
    )
    # The pad 0.6 mm inside the foam's sides, so no two surfaces coincide.
    scour = RoundedBox(
        (x / 2 - 0.0006, y / 2 - 0.0006, pad / 2), 0.0015, slot=1, center=(0.0, 0.0, foam_h / 2)
    )
    yellow = Material(
        "foam", _pick(rng, [(245, 205, 60), (250, 220, 90), (120, 180, 220), (240, 150, 160)], 0.03), 0.9
    )
    green = Material("scouring_pad", _pick(rng, [(30, 120, 60), (40, 140, 70), (25, 95, 55)], 0.02), 0.95)
    return ObjectModel(
        "sponge",
        "cubical",
        {"length": x, "width": y, "thickness": z, "pad": pad},
        (foam, scour),
        (yellow, green),
        GraspGeometry("box", (0.0, 0.0, 0.0), half_extents=(x / 2, y / 2, z / 2)),
    )
