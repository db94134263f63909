"""The texture toolkit (handsynth.texture) that object patterns and backgrounds share."""

import numpy as np

from handsynth.texture.color import adjust_hsv, hsv, luma, mix, smoothstep
from handsynth.texture.grid import PixelGrid
from handsynth.texture.noise import noise, periodic_noise


def test_smoothstep_keeps_the_precision_of_its_input():
    for dtype in (np.float32, np.float64):
        t = np.linspace(-1.0, 2.0, 31, dtype=dtype)
        u = smoothstep(0.0, 1.0, t)
        assert u.dtype == dtype
        np.testing.assert_array_equal(u[t <= 0], 0.0)
        np.testing.assert_array_equal(u[t >= 1], 1.0)
        np.testing.assert_allclose(smoothstep(0.0, 1.0, dtype(0.5)), 0.5)
        assert np.all(np.diff(u) >= 0)
        np.testing.assert_allclose(smoothstep(1.0, 0.0, t), 1.0 - u, atol=1e-6)  # either order


def test_pixel_grid_puts_the_longer_side_on_the_unit_interval():
    g = PixelGrid(2, 4)
    np.testing.assert_allclose(g.x.ravel(), [0.125, 0.375, 0.625, 0.875])
    np.testing.assert_allclose(g.y.ravel(), [0.375, 0.625])  # centred on 0.5, same pixel pitch
    assert g.px == 0.25 and g.x.dtype == g.y.dtype == np.float32
    grid = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert g.sample(grid).shape == (2, 4) and g.sample(np.stack([grid, grid])).shape == (2, 2, 4)
    np.testing.assert_allclose(g.sample(np.full((5, 7), 3.0)), 3.0, rtol=1e-6)  # partition of unity


def test_value_noise_is_seeded_and_unit_scaled():
    g = PixelGrid(128, 128)
    a, b = noise(np.random.default_rng(1), g, 16), noise(np.random.default_rng(1), g, 16)
    np.testing.assert_array_equal(a, b)
    assert a.dtype == np.float32 and abs(float(a.mean())) < 0.3 and 0.6 < float(a.std()) < 1.6


def test_periodic_noise_tiles_and_is_the_same_field_at_every_size():
    field = periodic_noise(np.random.default_rng(2), 128, 0.05, 0.05)
    assert abs(field.mean()) < 1e-9 and abs(field.std() - 1.0) < 1e-9
    seam = np.abs(field[:, 0] - field[:, -1]).mean()
    assert seam < np.abs(np.diff(field, axis=1)).mean() * 1.5  # no jump across the wrap
    big = periodic_noise(np.random.default_rng(2), 256, 0.05, 0.05)
    small_from_big = big.reshape(128, 2, 128, 2).mean(axis=(1, 3))
    assert np.corrcoef(field.ravel(), small_from_big.ravel())[0, 1] > 0.99


def test_colour_helpers():
    np.testing.assert_allclose(hsv(0.0, 1.0, 1.0).ravel(), [1, 0, 0])
    np.testing.assert_allclose(hsv(1.0 / 3 + 1.0, 1.0, 0.5).ravel(), [0, 0.5, 0], atol=1e-6)  # hue wraps
    assert hsv(0.2, 0.5, 0.5).shape == (3, 1, 1) and hsv(0.2, 0.5, 0.5).dtype == np.float32
    np.testing.assert_allclose(mix(np.zeros((3, 1, 1)), np.ones((3, 1, 1)), np.full((2, 2), 0.25)), 0.25)
    assert luma((1.0, 1.0, 1.0)) == 1.0 and luma((0.0, 1.0, 0.0)) == 0.7152
    np.testing.assert_allclose(adjust_hsv((1.0, 0.0, 0.0), hue_shift=0.5), [0, 1, 1])
    np.testing.assert_allclose(adjust_hsv((1.0, 0.0, 0.0), sat=0.0, value=0.5), [0.5, 0.5, 0.5])
