"""Mesh queries on plain arrays (winding numbers, edge checks); numpy only, never bpy/pyrender/ray/torch."""

from __future__ import annotations

import numpy as np


def winding_numbers(
    vertices: np.ndarray, faces: np.ndarray, points: np.ndarray, chunk: int = 64
) -> np.ndarray:
    """Generalised winding number of a triangle mesh at query points (van Oosterom & Strackee solid angles).

    About 1 inside a closed, outward-wound mesh, 0 outside, 0.5 on the surface; robust to small
    self-intersections, unlike ray parity.

    Args:
        vertices: (V, 3) float64.
        faces: (F, 3) int, outward (counter-clockwise) winding.
        points: (N, 3) float64 query points.
        chunk: points processed at once (memory is chunk * F * 9 floats).

    Returns:
        (N,) float64 winding numbers.
    """
    tri = np.asarray(vertices, dtype=np.float64)[np.asarray(faces)]  # (F, 3, 3)
    out = np.empty(len(points))
    for start in range(0, len(points), chunk):
        p = np.asarray(points[start : start + chunk], dtype=np.float64)
        r = tri[None, :, :, :] - p[:, None, None, :]  # (n, F, 3, 3)
        n = np.linalg.norm(r, axis=-1)
        a, b, c = r[:, :, 0], r[:, :, 1], r[:, :, 2]
        det = np.einsum("nfi,nfi->nf", a, np.cross(b, c))
        dots = (
            n[..., 0] * n[..., 1] * n[..., 2]
            + np.einsum("nfi,nfi->nf", a, b) * n[..., 2]
            + np.einsum("nfi,nfi->nf", b, c) * n[..., 0]
            + np.einsum("nfi,nfi->nf", c, a) * n[..., 1]
        )
        out[start : start + chunk] = np.arctan2(det, dots).sum(axis=1) / (2.0 * np.pi)
    return out


def segment_distances(a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray) -> np.ndarray:
    """Shortest distance between paired 3D segments a0-a1 and b0-b1.

    Args:
        a0, a1, b0, b1: (N, 3) float64 end points.

    Returns:
        (N,) float64 distances.
    """
    d1, d2, r = a1 - a0, b1 - b0, a0 - b0
    a = np.einsum("ni,ni->n", d1, d1)
    e = np.einsum("ni,ni->n", d2, d2)
    f = np.einsum("ni,ni->n", d2, r)
    c = np.einsum("ni,ni->n", d1, r)
    b = np.einsum("ni,ni->n", d1, d2)
    denom = a * e - b * b
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(denom > 1e-18, np.clip((b * f - c * e) / denom, 0.0, 1.0), 0.0)
        t = (b * s + f) / e
        t_clipped = np.clip(t, 0.0, 1.0)
        s = np.where(t != t_clipped, np.clip((b * t_clipped - c) / a, 0.0, 1.0), s)
    closest_a = a0 + s[:, None] * d1
    closest_b = b0 + t_clipped[:, None] * d2
    return np.linalg.norm(closest_a - closest_b, axis=1)
