"""RoundedBox (exact SDF, grid mesh): numpy only; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from handsynth.objects.shapes.part import PartMesh


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


def _tile_uv(along: dict, default: tuple[int, int], axis: int, sign: int, up: int | None) -> np.ndarray:
    """(P, 2) tile coordinates in [0, 1]² of a face's grid points from their coordinates ``along`` each
    of the face's two axes (scaled to [0, 1]): the atlas layout, or turned so v runs along ``up``."""
    if up is None:
        return np.stack([along[default[0]], along[default[1]]], axis=-1).reshape(-1, 2)
    side = default[0] if up == default[1] else default[1]
    # u x v = the outward normal makes the tile read unmirrored from outside: u = v x n.
    u_sign = np.cross(np.eye(3)[up], sign * np.eye(3)[axis])[side]
    u = along[side] if u_sign > 0 else 1.0 - along[side]
    return np.stack([u, along[up]], axis=-1).reshape(-1, 2)


@dataclass(frozen=True)
class RoundedBox:
    """A box with rounded edges and corners (radius ``radius``), centred at ``center``, axis-aligned in
    the object frame after ``rotation`` (3x3, part -> object).

    ``face_slots`` gives each face (-x, +x, -y, +y, -z, +z) its material slot. ``face_up`` turns the
    picture on a face: None keeps the atlas layout (u along the lower-numbered other axis, v along the
    higher one); an axis index (0, 1, 2 = part x, y, z; not the face's own) makes the tile's v (its
    "up") run along + that axis and u across it so that the face shows the tile unmirrored from
    outside, e.g. a book cover's print upright along its long side or a board's grain along its length.
    """

    EXACT_SDF = True  # ``sdf`` is the Euclidean distance: never below the distance to ``bounds()``

    half_extents: tuple[float, float, float]
    radius: float
    slot: int = 0
    center: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation: np.ndarray = field(default_factory=lambda: np.eye(3))
    step: float = 0.006
    face_slots: tuple[int, int, int, int, int, int] | None = None  # -x, +x, -y, +y, -z, +z
    face_up: tuple[int | None, int | None, int | None, int | None, int | None, int | None] | None = None

    def __post_init__(self) -> None:
        for k, up in enumerate(self.face_up or ()):
            if up is not None and up not in {0, 1, 2} - {k // 2}:
                raise ValueError(f"face {k}: up axis {up!r} must be one of the face's own two axes")

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
            uv = _tile_uv(
                {u_axis: (gu - cu[0]) / (cu[-1] - cu[0]), v_axis: (gv - cv[0]) / (cv[-1] - cv[0])},
                (u_axis, v_axis),
                axis,
                sign,
                None if self.face_up is None else self.face_up[face_index],
            )
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
