"""2D lathe-profile geometry: numpy only; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

import numpy as np


def _segment_distances_2d(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, K) distance from each 2D point to each segment a[k]-b[k]."""
    ab = b - a  # (K, 2)
    ap = p[:, None, :] - a[None, :, :]  # (N, K, 2)
    denom = np.maximum(np.einsum("kd,kd->k", ab, ab), 1e-30)
    t = np.clip(np.einsum("nkd,kd->nk", ap, ab) / denom, 0.0, 1.0)
    d = ap - t[..., None] * ab
    return np.sqrt(np.einsum("nkd,nkd->nk", d, d))


def polygon_sdf_2d(p: np.ndarray, polygon: np.ndarray, surface_edges: np.ndarray) -> np.ndarray:
    """Signed distance from 2D points to a closed polygon, counting only ``surface_edges`` as surface.

    Args:
        p: (N, 2) points.
        polygon: (K, 2) vertices of a closed simple polygon (last joins first).
        surface_edges: (K,) bool, whether edge k (polygon[k] -> polygon[k+1]) is real surface; the
            inside test always uses every edge.

    Returns:
        (N,) distances, negative inside.
    """
    a = polygon
    b = np.roll(polygon, -1, axis=0)
    dist = _segment_distances_2d(p, a[surface_edges], b[surface_edges]).min(axis=1)
    # Even-odd crossing test along +x.
    y = p[:, 1:2]
    x = p[:, 0:1]
    straddles = (a[None, :, 1] > y) != (b[None, :, 1] > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = a[None, :, 0] + (y - a[None, :, 1]) * (b[None, :, 0] - a[None, :, 0]) / (
            b[None, :, 1] - a[None, :, 1]
        )
    inside = (np.count_nonzero(straddles & (x < x_cross), axis=1) % 2) == 1
    return np.where(inside, -dist, dist)


def fillet_polyline(points, radii, arc_segments: int = 6) -> np.ndarray:
    """Round the interior corners of a 2D polyline with circular arcs.

    Args:
        points: (K, 2) polyline vertices.
        radii: K fillet radii (m); the end points' radii are ignored, 0 leaves a corner sharp. A radius
            is shrunk to fit when the neighbouring edges are too short.
        arc_segments: straight pieces per arc.

    Returns:
        (M, 2) polyline with the arcs inserted.
    """
    points = np.asarray(points, dtype=np.float64)
    out = [points[0]]
    for k in range(1, len(points) - 1):
        r = float(radii[k])
        p0, p1, p2 = points[k - 1], points[k], points[k + 1]
        d0, d1 = p0 - p1, p2 - p1
        l0, l1 = np.linalg.norm(d0), np.linalg.norm(d1)
        d0, d1 = d0 / l0, d1 / l1
        cos_angle = float(np.clip(d0 @ d1, -1.0, 1.0))
        half = np.arccos(cos_angle) / 2.0
        if r <= 0.0 or half < 1e-6 or half > np.pi / 2 - 1e-6:
            out.append(p1)
            continue
        tangent_len = min(r / np.tan(half), 0.49 * l0, 0.49 * l1)
        r = tangent_len * np.tan(half)
        t0, t1 = p1 + d0 * tangent_len, p1 + d1 * tangent_len
        bisector = d0 + d1
        centre = p1 + bisector / np.linalg.norm(bisector) * (r / np.sin(half))
        a0 = np.arctan2(*(t0 - centre)[::-1])
        a1 = np.arctan2(*(t1 - centre)[::-1])
        sweep = (a1 - a0 + np.pi) % (2 * np.pi) - np.pi
        for s in np.linspace(0.0, 1.0, arc_segments + 1):
            a = a0 + sweep * s
            out.append(centre + r * np.array([np.cos(a), np.sin(a)]))
    out.append(points[-1])
    return np.array(out)
