"""Convex pieces of object parts for the stability simulation; numpy only (never scene, render, bpy,
pyrender, ray or torch).

Lathes and torus arcs are cut from their own geometry: V-HACD (resolution 1e5) puts hull vertices
2.7-3.5 mm outside mugs, glasses and bottles - more than the 1.5 mm the finger pulp is compressed by
in the grip protocol - and takes 0.2-3.3 s a part, while these cuts stay within 0.1 mm of the surface
outside (their chords cut only inwards, into a mug's cavity) and take milliseconds.

- A lathe's (r, z) profile polygon is split into trapezoids by horizontal lines through its vertices,
  stacked trapezoids are merged while their union stays convex within ``MERGE_TOLERANCE_M``, and each
  is revolved over ``SECTORS`` sectors (each sector's hull samples its arcs at ``ARC_SAMPLES`` angles).
- A torus arc is cut into ``ARC_PIECES`` tube segments plus its two round caps.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path

import numpy as np

SECTORS = 12
ARC_SAMPLES = 5
ARC_PIECES = 12
MERGE_TOLERANCE_M = 0.0002
_TUBE_SAMPLES = 16


def _trapezoids(profile: np.ndarray) -> list[np.ndarray]:
    """(r, z) trapezoids (4, 2) tiling the closed profile polygon, one per slab between vertex heights
    and pair of crossing edges."""
    a, b = profile, np.roll(profile, -1, axis=0)
    zs = np.unique(profile[:, 1])
    out = []
    for z0, z1 in zip(zs[:-1], zs[1:], strict=True):
        zm = 0.5 * (z0 + z1)
        cross = (a[:, 1] - zm) * (b[:, 1] - zm) < 0
        if not cross.any():
            continue
        ea, eb = a[cross], b[cross]
        slope = (eb[:, 0] - ea[:, 0]) / (eb[:, 1] - ea[:, 1])
        r0 = ea[:, 0] + slope * (z0 - ea[:, 1])
        r1 = ea[:, 0] + slope * (z1 - ea[:, 1])
        order = np.argsort(r0 + r1)
        r0, r1 = r0[order], r1[order]
        for k in range(0, len(order) - 1, 2):
            out.append(np.array([[r0[k], z0], [r0[k + 1], z0], [r1[k + 1], z1], [r1[k], z1]]))
    return out


def _area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _merge(traps: list[np.ndarray]) -> list[np.ndarray]:
    """Merge trapezoids stacked on a shared edge while the hull of the union adds at most
    ``MERGE_TOLERANCE_M`` of width over its height."""
    from scipy.spatial import ConvexHull

    pieces: list[np.ndarray] = []  # (N, 2) point sets, each convex within tolerance
    areas: list[float] = []
    for t in traps:
        for i, (piece, area) in enumerate(zip(pieces, areas, strict=True)):
            top = piece[piece[:, 1] == piece[:, 1].max()]
            bottom = t[t[:, 1] == t[:, 1].min()]
            if len(top) != 2 or len(bottom) != 2:
                continue
            if not np.allclose(np.sort(top[:, 0]), np.sort(bottom[:, 0])) or top[0, 1] != bottom[0, 1]:
                continue
            union = np.vstack([piece, t])
            hull_area = ConvexHull(union).volume
            height = union[:, 1].max() - union[:, 1].min()
            if hull_area - area - _area(t) <= MERGE_TOLERANCE_M * height:
                keep = np.vstack([piece[piece[:, 1] < piece[:, 1].max()], t])
                pieces[i], areas[i] = keep, area + _area(t)
                break
        else:
            pieces.append(t.copy())
            areas.append(_area(t))
    return pieces


def lathe_pieces(profile: np.ndarray, sectors: int = SECTORS) -> list[np.ndarray]:
    """Convex pieces (each (N, 3), object frame) of the solid of revolution of ``profile`` about z."""
    profile = np.asarray(profile, dtype=np.float64)
    angles = np.linspace(0.0, 2.0 * np.pi, sectors * (ARC_SAMPLES - 1) + 1)
    out = []
    for piece in _merge(_trapezoids(profile)):
        for s in range(sectors):
            phi = angles[s * (ARC_SAMPLES - 1) : (s + 1) * (ARC_SAMPLES - 1) + 1]
            r, z = piece[:, :1], piece[:, 1:]  # (N, 1)
            pts = np.stack([r * np.cos(phi), r * np.sin(phi), np.broadcast_to(z, (len(piece), len(phi)))], -1)
            pts = pts.reshape(-1, 3)
            out.append(np.unique(np.round(pts, 12), axis=0))
    return out


def torus_arc_pieces(center, arc_radius: float, tube_radius: float, half_angle: float) -> list[np.ndarray]:
    """Convex pieces of a ``TorusArc`` (see ``handsynth.objects.shapes.torus``)."""
    c = np.asarray(center, dtype=np.float64)
    ring = np.linspace(0.0, 2.0 * np.pi, _TUBE_SAMPLES, endpoint=False)

    def circle(phi: float) -> np.ndarray:
        radial = np.array([np.cos(phi), 0.0, np.sin(phi)])
        mid = c + arc_radius * radial
        return mid + tube_radius * (np.cos(ring)[:, None] * radial + np.sin(ring)[:, None] * [0.0, 1.0, 0.0])

    phis = np.linspace(-half_angle, half_angle, ARC_PIECES + 1)
    out = [np.vstack([circle(p0), circle(p1)]) for p0, p1 in zip(phis[:-1], phis[1:], strict=True)]
    # Round caps: a sphere sampled by a latitude-longitude grid at each end.
    lat = np.linspace(-np.pi / 2, np.pi / 2, 7)[:, None]
    lon = np.linspace(0.0, 2.0 * np.pi, 12, endpoint=False)[None, :]
    sphere = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat) + 0 * lon], -1)
    for phi in (-half_angle, half_angle):
        end = c + arc_radius * np.array([np.cos(phi), 0.0, np.sin(phi)])
        out.append(end + tube_radius * sphere.reshape(-1, 3))
    return out


def mesh_key(vertices: np.ndarray, faces: np.ndarray, tag: str) -> str:
    """Content hash of a mesh (and ``tag``: the decomposition's settings)."""
    h = hashlib.sha1(np.ascontiguousarray(vertices, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(faces, dtype=np.int64).tobytes())
    h.update(tag.encode())
    return h.hexdigest()


@contextlib.contextmanager
def quiet_stdout(fd: int = 1):
    """Send file descriptor ``fd`` (1: stdout, 2: stderr) to /dev/null for the duration (C code's
    printf included)."""
    (sys.stdout if fd == 1 else sys.stderr).flush()
    saved = os.dup(fd)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), fd)
    try:
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def read_obj_hulls(path: Path) -> list[np.ndarray]:
    hulls, current = [], []
    for line in path.read_text().splitlines():
        if line.startswith("o ") and current:
            hulls.append(np.array(current))
            current = []
        elif line.startswith("v "):
            current.append([float(x) for x in line.split()[1:4]])
    if current:
        hulls.append(np.array(current))
    return hulls


def quat_xyzw(R: np.ndarray) -> list[float]:
    """Quaternion (x, y, z, w) of a rotation matrix (3, 3)."""
    from scipy.spatial.transform import Rotation

    return Rotation.from_matrix(R).as_quat().tolist()
