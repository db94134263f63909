"""Signed-distance primitives for the implicit hand surface (numpy only, vectorised over points)."""

from __future__ import annotations

import numpy as np


def smooth_min(a: np.ndarray, b: np.ndarray, k: float) -> np.ndarray:
    """Polynomial smooth minimum of two distance fields; blends over a band of width ``k`` (m)."""
    h = np.maximum(k - np.abs(a - b), 0.0) / k
    return np.minimum(a, b) - h * h * k * 0.25


def round_cone(
    points_local: np.ndarray, length: float, r0: float, r1: float, z_scale: float = 1.0
) -> np.ndarray:
    """Signed distance to a round cone along +x from 0 to ``length`` with end radii ``r0`` and ``r1``.

    Args:
        points_local: (N, 3) points in the cone's frame (x along the axis).
        length: axis length (m), > 0.
        r0, r1: radii of the spheres at x = 0 and x = ``length`` (m).
        z_scale: < 1 flattens the cross-section along z (an elliptic cone); the distance is then
            approximate (a bound scaled by ``z_scale``), which is all a smooth implicit surface needs.

    Returns:
        (N,) float64 signed distance, negative inside.
    """
    p = points_local
    if z_scale != 1.0:
        p = p * np.array([1.0, 1.0, 1.0 / z_scale])
    # Closed form of the round cone (sphere-swept cone) distance.
    l2 = length * length
    rr = r0 - r1
    a2 = l2 - rr * rr
    y = p[:, 0] * length
    z = y - l2
    x2 = (p[:, 1] ** 2 + p[:, 2] ** 2) * l2 * l2
    y2 = y * y * l2
    z2 = z * z * l2
    k = np.sign(rr) * rr * rr * x2
    d_far = np.sqrt(x2 + z2) / l2 - r1
    d_near = np.sqrt(x2 + y2) / l2 - r0
    d_side = (np.sqrt(x2 * a2 / l2) + y * rr) / l2 - r0
    d = np.where(np.sign(z) * a2 * z2 > k, d_far, np.where(np.sign(y) * a2 * y2 < k, d_near, d_side))
    return d * min(1.0, z_scale)


def to_local(points: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """(N, 3) points in the parent frame -> the frame of the (4, 4) ``transform`` (T_parent_local)."""
    return (points - transform[:3, 3]) @ transform[:3, :3]


def segment_distance(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from (N, 3) points to the segment a-b, and the clamped parameter t in [0, 1] (both (N,))."""
    ab = b - a
    t = np.clip((points - a) @ ab / float(ab @ ab), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[:, None] * ab), axis=1), t
