"""The Cycles backend's pass post-processing (numpy, no Blender): the glass alpha smoothing."""

import numpy as np

from handsynth.conventions import PART_OBJECT, PART_PALM
from handsynth.render.cycles.exr import smooth_glass_alpha


def _scene(rng):
    """A 40x40 frame: background, an opaque palm block and a glass disc with grainy alpha over it."""
    parts = np.zeros((40, 40), np.uint8)
    alpha = np.zeros((40, 40))
    parts[5:35, 25:38], alpha[5:35, 25:38] = PART_PALM, 1.0
    y, x = np.mgrid[:40, :40]
    disc = (y - 20) ** 2 + (x - 18) ** 2 < 12**2
    parts[disc] = PART_OBJECT
    # Glass: true alpha 0.35, each pixel an estimate from 16 samples (binomial grain), AA edge pixels.
    alpha[disc] = rng.binomial(16, 0.35, disc.sum()) / 16
    return parts, alpha, disc


def test_grain_of_see_through_pixels_is_smoothed_and_nothing_else_changes():
    parts, alpha, disc = _scene(np.random.default_rng(0))
    smoothed = smooth_glass_alpha(alpha, parts)
    interior = disc.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            interior &= np.roll(np.roll(disc, dy, 0), dx, 1)
    edge = disc & ~interior
    assert np.std(smoothed[interior]) < 0.5 * np.std(alpha[interior])  # the grain, at least halved
    assert abs(np.mean(smoothed[interior]) - 0.35) < 0.03  # and no bias
    np.testing.assert_array_equal(smoothed[~disc], alpha[~disc])  # background and the opaque palm
    np.testing.assert_array_equal(smoothed[edge], alpha[edge])  # the silhouette's antialiasing


def test_opaque_objects_are_left_alone():
    parts, alpha, disc = _scene(np.random.default_rng(1))
    alpha[disc] = 1.0
    assert smooth_glass_alpha(alpha, parts) is alpha
