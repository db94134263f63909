"""Lathe (exact + tabled SDF, mesh): numpy, scipy; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handsynth.objects.shapes.lathe_table import _Table
from handsynth.objects.shapes.part import PartMesh
from handsynth.objects.shapes.profile import polygon_sdf_2d


@dataclass(frozen=True)
class Lathe:
    """A solid of revolution about the object z axis.

    ``profile`` is an (r, z) polyline from a point on the axis (r = 0) up the outside and, for hollow
    things such as mugs, down the inside, to another point on the axis; it winds counter-clockwise in
    the (r, z) half-plane. ``slots`` gives the material slot of each profile segment. ``center`` and
    ``rotation`` (3x3, part -> object; None = identity) place the axis elsewhere, e.g. a spoon's bowl
    across its handle.
    """

    EXACT_SDF = True  # ``sdf`` is the Euclidean distance: never below the distance to ``bounds()``

    profile: np.ndarray
    slots: np.ndarray
    segments: int = 64
    center: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation: np.ndarray | None = None

    def _local(self, points: np.ndarray) -> np.ndarray:
        p = np.asarray(points, dtype=np.float64)
        if self.rotation is None and not any(self.center):
            return p
        rotation = np.eye(3) if self.rotation is None else np.asarray(self.rotation)
        return (p - np.asarray(self.center)) @ rotation

    def _to_object(self, local: np.ndarray) -> np.ndarray:
        rotation = np.eye(3) if self.rotation is None else np.asarray(self.rotation)
        return local @ rotation.T + np.asarray(self.center)

    def __post_init__(self) -> None:
        profile = np.asarray(self.profile, dtype=np.float64)
        if profile[0, 0] != 0.0 or profile[-1, 0] != 0.0 or np.any(profile[1:-1, 0] <= 0.0):
            raise ValueError("a lathe profile starts and ends on the axis and stays off it in between")
        object.__setattr__(self, "profile", profile)
        object.__setattr__(
            self, "slots", np.broadcast_to(np.asarray(self.slots, dtype=np.int64), (len(profile) - 1,)).copy()
        )

    def sdf(self, points: np.ndarray) -> np.ndarray:
        p = self._local(points)
        rz = np.stack([np.hypot(p[:, 0], p[:, 1]), p[:, 2]], axis=1)
        surface = np.ones(len(self.profile), dtype=bool)
        surface[-1] = False  # the closing edge runs along the axis
        return polygon_sdf_2d(rz, self.profile, surface)

    def sdf_fast(self, points: np.ndarray) -> np.ndarray:
        """``sdf`` from a 0.5 mm (r, z) table with bilinear interpolation (``_Table``, filled as queries
        reach it; within ~0.1 mm of the exact distance near the surface); beyond the table, a lower
        bound (>= 1 cm)."""
        p = self._local(points)
        table = self._table()
        lo, step = table.origin, table.step
        r = np.hypot(p[:, 0], p[:, 1])
        gi = (r - lo[0]) / step
        gj = (p[:, 2] - lo[1]) / step
        n_i, n_j = table.values.shape
        inside = (gi < n_i - 1) & (gj >= 0) & (gj < n_j - 1)
        everywhere = inside.all()
        out = np.empty(len(p))
        if not everywhere:
            # Beyond the table (over a centimetre from the solid) the distance to the profile's
            # bounding rectangle is returned: a lower bound, which is all a search needs out there.
            # (The norm of the (r, z) gap to the rectangle, written out per coordinate.)
            far_r, far_z = r[~inside], p[~inside, 2]
            z0, z1 = table.z_range
            dr = np.maximum(np.maximum(0.0 - far_r, far_r - table.r_max), 0.0)
            dz = np.maximum(np.maximum(z0 - far_z, far_z - z1), 0.0)
            out[~inside] = np.sqrt(dr * dr + dz * dz)
            gi, gj = gi[inside], gj[inside]
        near = table.interpolate(gi, gj)
        if everywhere:
            return near
        out[inside] = near
        return out

    def _table(self) -> _Table:
        """This lathe's ``_Table``, made on first use and kept on the instance."""
        cache = self.__dict__.setdefault("_cache", {})
        if "table" not in cache:
            cache["table"] = _Table(self.profile)
        return cache["table"]

    def bounds(self) -> np.ndarray:
        r = self.profile[:, 0].max()
        z0, z1 = self.profile[:, 1].min(), self.profile[:, 1].max()
        if self.rotation is None and not any(self.center):
            return np.array([[-r, -r, z0], [r, r, z1]])
        # The turned axis: the end discs' extents along each object axis, exactly.
        axis = self._to_object(np.array([[0.0, 0.0, 1.0]]))[0] - np.asarray(self.center)
        ends = self._to_object(np.array([[0.0, 0.0, z0], [0.0, 0.0, z1]]))
        reach = r * np.sqrt(np.clip(1.0 - axis**2, 0.0, 1.0))
        return np.stack([ends.min(axis=0) - reach, ends.max(axis=0) + reach])

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
        if self.rotation is not None or any(self.center):
            vertices = self._to_object(vertices)
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
