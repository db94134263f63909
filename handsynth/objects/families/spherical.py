"""Spherical families, centred rounds: numpy only; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

import numpy as np

from handsynth.objects.families.common import _BRIGHT, _lin, _pick, _seed
from handsynth.objects.model import GraspGeometry, Material, ObjectModel
from handsynth.objects.shapes import Lathe


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
