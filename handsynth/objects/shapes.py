"""Closed primitive solids with exact signed distances and watertight meshes; numpy (+ scikit-image).

Every object is a union of parts. A part answers two questions the rest of handsynth asks:
``sdf(points)`` (signed distance in metres, negative inside; exact, so grasp penetration is measured,
not estimated) and ``mesh()`` (a closed, outward-wound triangle mesh with per-corner UVs and a material
slot per face). Parts of one object may overlap (a mug's handle is sunk into its wall); the object's
distance is the minimum over its parts and each part's mesh stays closed on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class PartMesh:
    """A closed triangle mesh of one part.

    Attributes:
        vertices: (V, 3) float64 in the object frame (m).
        faces: (F, 3) int64, counter-clockwise seen from outside.
        face_uvs: (F, 3, 2) float64 texture coordinates per face corner (seams do not split vertices).
        face_slots: (F,) int64 index into the object's material slots.
    """

    vertices: np.ndarray
    faces: np.ndarray
    face_uvs: np.ndarray
    face_slots: np.ndarray


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


@dataclass(frozen=True)
class Lathe:
    """A solid of revolution about the object z axis.

    ``profile`` is an (r, z) polyline from a point on the axis (r = 0) up the outside and, for hollow
    things such as mugs, down the inside, to another point on the axis; it winds counter-clockwise in
    the (r, z) half-plane. ``slots`` gives the material slot of each profile segment.
    """

    profile: np.ndarray
    slots: np.ndarray
    segments: int = 64

    def __post_init__(self) -> None:
        profile = np.asarray(self.profile, dtype=np.float64)
        if profile[0, 0] != 0.0 or profile[-1, 0] != 0.0 or np.any(profile[1:-1, 0] <= 0.0):
            raise ValueError("a lathe profile starts and ends on the axis and stays off it in between")
        object.__setattr__(self, "profile", profile)
        object.__setattr__(
            self, "slots", np.broadcast_to(np.asarray(self.slots, dtype=np.int64), (len(profile) - 1,)).copy()
        )

    def sdf(self, points: np.ndarray) -> np.ndarray:
        p = np.asarray(points, dtype=np.float64)
        rz = np.stack([np.hypot(p[:, 0], p[:, 1]), p[:, 2]], axis=1)
        surface = np.ones(len(self.profile), dtype=bool)
        surface[-1] = False  # the closing edge runs along the axis
        return polygon_sdf_2d(rz, self.profile, surface)

    def sdf_fast(self, points: np.ndarray) -> np.ndarray:
        """``sdf`` from a 0.5 mm (r, z) table with bilinear interpolation (built on first use; within
        ~0.1 mm of the exact distance near the surface); beyond the table, a lower bound (>= 1 cm)."""
        p = np.asarray(points, dtype=np.float64)
        table = self._table()
        lo, step, values = table
        r = np.hypot(p[:, 0], p[:, 1])
        gi = (r - lo[0]) / step
        gj = (p[:, 2] - lo[1]) / step
        n_i, n_j = values.shape
        inside = (gi < n_i - 1) & (gj >= 0) & (gj < n_j - 1)
        out = np.empty(len(p))
        if not inside.all():
            # Beyond the table (over a centimetre from the solid) the distance to the profile's
            # bounding rectangle is returned: a lower bound, which is all a search needs out there.
            rz = np.stack([r[~inside], p[~inside, 2]], axis=1)
            box_lo = np.array([0.0, self.profile[:, 1].min()])
            box_hi = np.array([self.profile[:, 0].max(), self.profile[:, 1].max()])
            out[~inside] = np.linalg.norm(np.maximum(np.maximum(box_lo - rz, rz - box_hi), 0.0), axis=1)
        i0 = gi[inside].astype(np.int64)
        j0 = gj[inside].astype(np.int64)
        fi = gi[inside] - i0
        fj = gj[inside] - j0
        out[inside] = (values[i0, j0] * (1 - fi) + values[i0 + 1, j0] * fi) * (1 - fj) + (
            values[i0, j0 + 1] * (1 - fi) + values[i0 + 1, j0 + 1] * fi
        ) * fj
        return out

    def _table(self):
        """(origin, step, values): the signed distance on a 0.5 mm (r, z) grid around the profile.

        Distances come from a k-d tree over the profile sampled every 0.1 mm (within 0.05 mm of the
        exact segment distance; capped at the 12 mm margin, a lower bound beyond it), signs from an
        exact even-odd count along each grid row.
        """
        from scipy.spatial import cKDTree

        cache = self.__dict__.setdefault("_cache", {})
        if "table" not in cache:
            step, margin, spacing = 0.0005, 0.012, 0.0001
            prof = self.profile
            lo = np.array([0.0, prof[:, 1].min() - margin])
            ri = np.arange(lo[0], prof[:, 0].max() + margin + step, step)
            zj = np.arange(lo[1], prof[:, 1].max() + margin + step, step)
            a, b = prof[:-1], prof[1:]  # the surface: every edge but the closing one on the axis
            counts = np.maximum(1, np.ceil(np.linalg.norm(b - a, axis=1) / spacing).astype(np.int64))
            t = np.concatenate([np.arange(c) / c for c in counts])
            starts = np.repeat(np.arange(len(a)), counts)
            samples = np.concatenate([a[starts] + t[:, None] * (b - a)[starts], prof[-1:]])
            grid = np.stack(np.meshgrid(ri, zj, indexing="ij"), axis=-1).reshape(-1, 2)
            # Cells over ``margin`` from the surface keep ``margin``: a lower bound, enough out there.
            dist = cKDTree(samples).query(grid, distance_upper_bound=margin)[0]
            dist = np.minimum(dist, margin).reshape(len(ri), len(zj))
            # Even-odd inside test per row z: count the polygon's crossings to the right of each r.
            pa, pb = prof, np.roll(prof, -1, axis=0)
            inside = np.zeros((len(ri), len(zj)), dtype=bool)
            for j, z in enumerate(zj):
                straddle = (pa[:, 1] > z) != (pb[:, 1] > z)
                if not straddle.any():
                    continue
                xa, xb, ya, yb = pa[straddle, 0], pb[straddle, 0], pa[straddle, 1], pb[straddle, 1]
                crossings = np.sort(xa + (z - ya) * (xb - xa) / (yb - ya))
                right = len(crossings) - np.searchsorted(crossings, ri, side="right")
                inside[:, j] = (right % 2) == 1
            cache["table"] = (lo, step, np.where(inside, -dist, dist))
        return cache["table"]

    def bounds(self) -> np.ndarray:
        r = self.profile[:, 0].max()
        return np.array([[-r, -r, self.profile[:, 1].min()], [r, r, self.profile[:, 1].max()]])

    def mesh(self) -> PartMesh:
        prof = self.profile
        s = self.segments
        rings = prof[1:-1]  # (R, 2)
        n_rings = len(rings)
        theta = 2.0 * np.pi * np.arange(s) / s
        ring_xyz = np.stack(
            [
                rings[:, None, 0] * np.cos(theta)[None, :],
                rings[:, None, 0] * np.sin(theta)[None, :],
                np.broadcast_to(rings[:, None, 1], (n_rings, s)),
            ],
            axis=-1,
        ).reshape(-1, 3)
        bottom, top = n_rings * s, n_rings * s + 1
        vertices = np.concatenate([ring_xyz, [[0.0, 0.0, prof[0, 1]], [0.0, 0.0, prof[-1, 1]]]])
        arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(prof, axis=0), axis=1))])
        v_of = arc / arc[-1]
        j = np.arange(s)
        jn = (j + 1) % s
        u0, u1 = j / s, (j + 1) / s
        faces, uvs, slots = [], [], []
        # Bottom fan (pole -> ring 0), outward normal along -z near the pole.
        faces.append(np.stack([np.full(s, bottom), jn, j], axis=1))
        uvs.append(
            np.stack(
                [
                    np.stack([(u0 + u1) / 2, np.full(s, v_of[0])], 1),
                    np.stack([u1, np.full(s, v_of[1])], 1),
                    np.stack([u0, np.full(s, v_of[1])], 1),
                ],
                axis=1,
            )
        )
        slots.append(np.full(s, self.slots[0]))
        for k in range(n_rings - 1):
            a, b = k * s + j, k * s + jn
            c, d = (k + 1) * s + jn, (k + 1) * s + j
            faces += [np.stack([a, b, c], 1), np.stack([a, c, d], 1)]
            va, vc = np.full(s, v_of[k + 1]), np.full(s, v_of[k + 2])
            uvs += [
                np.stack([np.stack([u0, va], 1), np.stack([u1, va], 1), np.stack([u1, vc], 1)], 1),
                np.stack([np.stack([u0, va], 1), np.stack([u1, vc], 1), np.stack([u0, vc], 1)], 1),
            ]
            slots += [np.full(s, self.slots[k + 1])] * 2
        last = (n_rings - 1) * s
        faces.append(np.stack([np.full(s, top), last + j, last + jn], axis=1))
        uvs.append(
            np.stack(
                [
                    np.stack([(u0 + u1) / 2, np.full(s, v_of[-1])], 1),
                    np.stack([u0, np.full(s, v_of[-2])], 1),
                    np.stack([u1, np.full(s, v_of[-2])], 1),
                ],
                axis=1,
            )
        )
        slots.append(np.full(s, self.slots[-1]))
        return PartMesh(
            vertices,
            np.concatenate(faces).astype(np.int64),
            np.concatenate(uvs),
            np.concatenate(slots).astype(np.int64),
        )


def _box_axis_coords(h: float, r: float, step: float, arc_steps: int) -> np.ndarray:
    """Grid coordinates along one box axis: a flat middle and, in the rounded bands, arc-spaced steps."""
    flat = h - r
    n = max(1, int(np.ceil(2 * flat / step)))
    middle = np.linspace(-flat, flat, n + 1)
    if r <= 0.0:
        return middle
    band = flat + r * np.sin(np.linspace(0.0, np.pi / 2, arc_steps + 1)[1:])
    band[-1] = h  # exactly the face coordinate, so the faces' edge points weld
    return np.concatenate([-band[::-1], middle, band])


@dataclass(frozen=True)
class RoundedBox:
    """A box with rounded edges and corners (radius ``radius``), centred at ``center``, axis-aligned in
    the object frame after ``rotation`` (3x3, part -> object)."""

    half_extents: tuple[float, float, float]
    radius: float
    slot: int = 0
    center: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation: np.ndarray = field(default_factory=lambda: np.eye(3))
    step: float = 0.006
    face_slots: tuple[int, int, int, int, int, int] | None = None  # -x, +x, -y, +y, -z, +z

    def _local(self, points: np.ndarray) -> np.ndarray:
        return (np.asarray(points, dtype=np.float64) - np.asarray(self.center)) @ np.asarray(self.rotation)

    def sdf(self, points: np.ndarray) -> np.ndarray:
        q = np.abs(self._local(points)) - (np.asarray(self.half_extents) - self.radius)
        outside = np.linalg.norm(np.maximum(q, 0.0), axis=1)
        return outside + np.minimum(q.max(axis=1), 0.0) - self.radius

    def bounds(self) -> np.ndarray:
        corners = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]) * np.asarray(
            self.half_extents
        )
        world = corners @ np.asarray(self.rotation).T + np.asarray(self.center)
        return np.stack([world.min(axis=0), world.max(axis=0)])

    def mesh(self) -> PartMesh:
        h = np.asarray(self.half_extents, dtype=np.float64)
        r = float(self.radius)
        arc_steps = max(2, int(np.ceil(r * np.pi / 2 / 0.0015)))
        coords = [_box_axis_coords(h[a], r, self.step, arc_steps) for a in range(3)]
        points, faces, uvs, slots = [], [], [], []
        offset = 0
        for face_index, (axis, sign) in enumerate((a, s) for a in range(3) for s in (-1, 1)):
            u_axis, v_axis = [a for a in range(3) if a != axis]
            cu, cv = coords[u_axis], coords[v_axis]
            gu, gv = np.meshgrid(cu, cv, indexing="ij")
            p = np.zeros(gu.shape + (3,))
            p[..., axis] = sign * h[axis]
            p[..., u_axis], p[..., v_axis] = gu, gv
            nu, nv = gu.shape
            idx = offset + np.arange(nu * nv).reshape(nu, nv)
            a, b, c, d = idx[:-1, :-1], idx[1:, :-1], idx[1:, 1:], idx[:-1, 1:]
            # (u, v, axis) is right-handed for the +axis face when (u_axis, v_axis, axis) is cyclic.
            right_handed = (u_axis, v_axis, axis) in ((0, 1, 2), (1, 2, 0), (2, 0, 1))
            quads = np.stack([a, b, c, d], axis=-1).reshape(-1, 4)
            if (sign > 0) != right_handed:
                quads = quads[:, ::-1]
            faces.append(np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]]))
            tile = np.array([face_index % 3, face_index // 3], dtype=np.float64)
            uv = np.stack(
                [(gu - cu[0]) / (cu[-1] - cu[0]), (gv - cv[0]) / (cv[-1] - cv[0])], axis=-1
            ).reshape(-1, 2)
            uv = (uv * 0.96 + 0.02 + tile) / np.array([3.0, 2.0])
            uvs.append(uv)
            slot = self.slot if self.face_slots is None else self.face_slots[face_index]
            slots.append(np.full(2 * len(quads), slot))
            points.append(p.reshape(-1, 3))
            offset += nu * nv
        cube = np.concatenate(points)
        faces_all = np.concatenate(faces)
        corner_uvs = np.concatenate(uvs)[faces_all]
        # Weld the duplicated grid points along the cube's edges (identical coordinates by construction).
        unique, inverse = np.unique(cube, axis=0, return_inverse=True)
        faces_all = inverse.reshape(-1)[faces_all]
        flat = h - r
        c = np.clip(unique, -flat, flat)
        delta = unique - c
        norm = np.linalg.norm(delta, axis=1, keepdims=True)
        rounded = c + np.where(norm > 0, delta / np.maximum(norm, 1e-30) * r, delta)
        vertices = rounded @ np.asarray(self.rotation).T + np.asarray(self.center)
        return PartMesh(
            vertices, faces_all.astype(np.int64), corner_uvs, np.concatenate(slots).astype(np.int64)
        )


@dataclass(frozen=True)
class TorusArc:
    """A tube of radius ``tube_radius`` along a circular arc (a mug handle, a ring).

    The arc lies in the object's x-z plane, centred at ``center``, radius ``arc_radius``, spanning the
    angles ``[-half_angle, half_angle]`` about +x; its ends are rounded (hemispherical caps).
    """

    center: tuple[float, float, float]
    arc_radius: float
    tube_radius: float
    half_angle: float
    slot: int = 0
    pitch: float = 0.0008

    def sdf(self, points: np.ndarray) -> np.ndarray:
        q = np.asarray(points, dtype=np.float64) - np.asarray(self.center)
        angle = np.clip(np.arctan2(q[:, 2], q[:, 0]), -self.half_angle, self.half_angle)
        nearest = self.arc_radius * np.stack([np.cos(angle), np.zeros_like(angle), np.sin(angle)], axis=1)
        return np.linalg.norm(q - nearest, axis=1) - self.tube_radius

    def bounds(self) -> np.ndarray:
        angles = np.append(
            np.linspace(-self.half_angle, self.half_angle, 65),
            [a for a in (-np.pi / 2, 0.0, np.pi / 2) if abs(a) <= self.half_angle],
        )
        arc = np.stack([np.cos(angles), np.zeros_like(angles), np.sin(angles)], axis=1) * self.arc_radius
        c = np.asarray(self.center)
        return np.stack([c + arc.min(axis=0) - self.tube_radius, c + arc.max(axis=0) + self.tube_radius])

    def mesh(self) -> PartMesh:
        return marching_cubes_part(self.sdf, self.bounds(), self.pitch, self.slot)


def marching_cubes_part(sdf, bounds: np.ndarray, pitch: float, slot: int) -> PartMesh:
    """Mesh the zero level set of ``sdf`` inside ``bounds`` (2, 3) at ``pitch`` (m); UVs by a cylindrical
    projection about the part's centre."""
    from skimage.measure import marching_cubes

    lo = bounds[0] - 2 * pitch
    hi = bounds[1] + 2 * pitch
    axes = [np.arange(lo[a], hi[a] + pitch, pitch) for a in range(3)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    values = sdf(grid.reshape(-1, 3)).reshape(grid.shape[:3])
    verts, faces, _, _ = marching_cubes(values, level=0.0, spacing=(pitch, pitch, pitch))
    verts = verts + lo
    faces = faces.astype(np.int64)  # skimage's winding faces increasing values: outward for a distance
    centre = verts.mean(axis=0)
    d = verts - centre
    uv = np.stack(
        [
            (np.arctan2(d[:, 1], d[:, 0]) / (2 * np.pi)) % 1.0,
            (verts[:, 2] - lo[2]) / max(hi[2] - lo[2], 1e-9),
        ],
        axis=1,
    )
    return PartMesh(verts, faces, uv[faces], np.full(len(faces), slot, dtype=np.int64))
