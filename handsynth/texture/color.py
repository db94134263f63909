"""Colour helpers of the texture toolkit: HSV colours, blending and smooth steps; numpy only (never
objects, scene, render or anything heavy)."""

import colorsys

import numpy as np

from handsynth.texture.grid import F32


def hsv(h: float, s: float, v: float) -> np.ndarray:
    """(3, 1, 1) float32 RGB of a hue/saturation/value colour (hue wraps around), ready to broadcast."""
    rgb = colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0.0), 1.0), min(max(v, 0.0), 1.0))
    return np.array(rgb, F32)[:, None, None]


def mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Colours (3, 1, 1) or (3, H, W) blended by weights (H, W) -> (3, H, W) float32."""
    return a + (b - a) * t


def smoothstep(e0: float, e1: float, t: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at ``e0`` to 1 at ``e1`` (either order), same shape and precision as ``t``:
    float32 maps (backgrounds) are computed in float32 with the edges rounded to float32, anything else
    (object patterns) in float64."""
    if getattr(t, "dtype", None) == np.float32:
        u = np.clip((t - F32(e0)) * F32(1 / (e1 - e0)), 0.0, 1.0)
        return u * u * (3 - 2 * u)
    u = np.clip((t - e0) / (e1 - e0), 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def luma(color) -> float:
    """Relative luminance (Rec. 709 weights) of a linear-RGB colour (3,)."""
    c = np.asarray(color, dtype=np.float64)
    return float(c @ (0.2126, 0.7152, 0.0722))


def adjust_hsv(
    color, hue_shift: float = 0.0, sat: float | None = None, value: float | None = None
) -> np.ndarray:
    """A linear-RGB colour with its hue turned by ``hue_shift`` turns and saturation/value replaced."""
    h, s, v = colorsys.rgb_to_hsv(*np.clip(np.asarray(color, dtype=np.float64), 0, 1))
    s, v = s if sat is None else sat, v if value is None else value
    return np.array(colorsys.hsv_to_rgb((h + hue_shift) % 1.0, s, v))
