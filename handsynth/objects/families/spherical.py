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


def _speckled(rng, name: str, palette, jitter: float, roughness: float, dot_srgb, scale: float) -> Material:
    """A skin or peel: a palette colour speckled with pores or spots of ``dot_srgb``, ``scale`` rows."""
    return Material(
        name,
        _pick(rng, palette, jitter),
        roughness,
        pattern="speckle",
        pattern_color=_lin(dot_srgb),
        pattern_scale=scale,
        pattern_seed=_seed(rng),
    )


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
    peel = _speckled(
        rng, "peel", [(240, 140, 20), (250, 160, 30), (235, 120, 15)], 0.03, 0.55, (0.85, 0.45, 0.05), 30
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


def tennis_ball(rng: np.random.Generator) -> ObjectModel:
    """Tennis ball: 65.4-68.6 mm across (the ITF rules of tennis, appendix I), optic-yellow felt with
    the curved white seam."""
    r = rng.uniform(0.0327, 0.0343)
    felt = Material(
        "felt",
        _pick(rng, [(215, 240, 60), (220, 245, 75), (200, 230, 50), (225, 235, 70)], 0.02),
        0.95,
        pattern="seam",
        pattern_color=_lin((0.93, 0.93, 0.9)),
        pattern_seed=_seed(rng),
    )
    return _round_model("tennis_ball", rng, _round_profile(r, 1.0), (felt,), {"radius": r}, r)


def lemon(rng: np.random.Generator) -> ObjectModel:
    """Lemon: 52-64 mm across and 70-90 mm long with a nipple at each end (Eureka/Lisbon lemons of the
    usual trade sizes); a pitted yellow peel."""
    r = rng.uniform(0.026, 0.032)
    squash = rng.uniform(1.25, 1.32)
    peel = _speckled(
        rng, "peel", [(250, 228, 45), (245, 222, 35), (240, 232, 70)], 0.02, 0.45, (0.86, 0.77, 0.12), 36
    )
    profile = _round_profile(r, squash, -0.09, 0.2)  # a negative dimple: the nipples
    length = float(np.ptp(profile[:, 1]))
    return _round_model("lemon", rng, profile, (peel,), {"radius": r, "length": length}, r)


def egg(rng: np.random.Generator) -> ObjectModel:
    """Hen's egg: 54-62 mm long and 41-45 mm across (medium to extra-large grades, EU/USDA), blunt
    below and pointed above; white or brown shell."""
    length = rng.uniform(0.054, 0.062)
    breadth = rng.uniform(0.041, 0.045)
    taper = rng.uniform(0.1, 0.16)
    t = np.linspace(0.0, np.pi, 41)
    width = np.sin(t) * (1.0 + taper * np.cos(t))  # wider towards the blunt end (t = 0, the bottom)
    r = breadth / 2 * width / width.max()
    z = -length / 2 * np.cos(t)
    r[0] = r[-1] = 0.0
    brown = rng.random() < 0.5
    palette = [(200, 140, 95), (185, 125, 85)] if brown else [(245, 240, 228), (238, 232, 218)]
    shell = _speckled(rng, "shell", palette, 0.02, 0.5, (0.68, 0.45, 0.3) if brown else (0.9, 0.87, 0.8), 18)
    return _round_model(
        "egg", rng, np.stack([r, z], axis=1), (shell,), {"length": length, "breadth": breadth}, breadth / 2
    )


def kiwi(rng: np.random.Generator) -> ObjectModel:
    """Kiwifruit (Hayward): 46-54 mm across and 56-72 mm long; fuzzy brown skin."""
    r = rng.uniform(0.023, 0.027)
    squash = rng.uniform(1.25, 1.35)
    # The fuzz: fine, low-contrast hairs.
    skin = _speckled(
        rng, "skin", [(140, 105, 60), (125, 95, 55), (150, 115, 70)], 0.02, 0.85, (0.4, 0.29, 0.15), 70
    )
    profile = _round_profile(r, squash, 0.03, 0.2)
    return _round_model(
        "kiwi", rng, profile, (skin,), {"radius": r, "length": float(np.ptp(profile[:, 1]))}, r
    )
