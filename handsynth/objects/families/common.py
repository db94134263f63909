"""Shared palettes, colours, seeds, lathe: numpy only; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

import numpy as np

from handsynth.conventions import srgb_to_linear
from handsynth.objects.model import Material
from handsynth.objects.shapes import Lathe, fillet_polyline


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


def _metal_print(rng: np.random.Generator) -> Material:
    """The printed band of a metal can (drinks can, aerosol): bright inks on metal, two panels a face."""
    return Material(
        "print",
        _pick(rng, _BRIGHT),
        0.3,
        metallic=0.6,
        pattern="print",
        pattern_color=_pick(rng, _BRIGHT),
        pattern_scale=2.0,
        pattern_seed=_seed(rng),
    )


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
