"""Prism (exact SDF, mesh): numpy only; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from handsynth.objects.shapes.part import PartMesh
from handsynth.objects.shapes.profile import polygon_sdf_2d


@dataclass(frozen=True)
class Prism:
    """A convex polygon in the part's (x, y) plane extruded along part z over [-half_length,
    half_length] (a carton's gable roof), placed by ``center`` and ``rotation`` (3x3, part -> object).

    ``polygon`` is (K, 2), counter-clockwise. The distance is exact: the polygon's 2D distance
    combined with the distance to the end planes, as for any extrusion.
    """

    EXACT_SDF = True  # ``sdf`` is the Euclidean distance: never below the distance to ``bounds()``

    polygon: np.ndarray
    half_length: float
    slot: int = 0
    center: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation: np.ndarray = field(default_factory=lambda: np.eye(3))

    def __post_init__(self) -> None:
        polygon = np.asarray(self.polygon, dtype=np.float64)
        edges = np.roll(polygon, -1, axis=0) - polygon
        turns = (
            edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
        )
        if len(polygon) < 3 or np.any(turns <= 0.0):
            raise ValueError("a prism's polygon is convex, counter-clockwise, with at least 3 corners")
        object.__setattr__(self, "polygon", polygon)

    def _local(self, points: np.ndarray) -> np.ndarray:
        return (np.asarray(points, dtype=np.float64) - np.asarray(self.center)) @ np.asarray(self.rotation)

    def sdf(self, points: np.ndarray) -> np.ndarray:
        q = self._local(points)
        across = polygon_sdf_2d(q[:, :2], self.polygon, np.ones(len(self.polygon), dtype=bool))
        w = np.stack([across, np.abs(q[:, 2]) - self.half_length], axis=1)
        return np.linalg.norm(np.maximum(w, 0.0), axis=1) + np.minimum(w.max(axis=1), 0.0)

    def _corners(self) -> np.ndarray:
        """(2K, 3) corners in the part frame: the -z end's polygon, then the +z end's."""
        k = len(self.polygon)
        z = np.repeat([-self.half_length, self.half_length], k)
        return np.column_stack([np.tile(self.polygon, (2, 1)), z])

    def bounds(self) -> np.ndarray:
        world = self._corners() @ np.asarray(self.rotation).T + np.asarray(self.center)
        return np.stack([world.min(axis=0), world.max(axis=0)])

    def mesh(self) -> PartMesh:
        """Sides as one quad per polygon edge (u = perimeter fraction, v = along z), the ends as fans
        (uv = the polygon's bounding square)."""
        k = len(self.polygon)
        vertices = self._corners() @ np.asarray(self.rotation).T + np.asarray(self.center)
        a = np.arange(k)
        b = (a + 1) % k
        sides = np.concatenate([np.stack([a, b, b + k], 1), np.stack([a, b + k, a + k], 1)])
        fan = np.stack([np.zeros(k - 2, np.int64), np.arange(1, k - 1), np.arange(2, k)], 1)
        faces = np.concatenate([sides, fan + k, fan[:, ::-1]])
        perimeter = np.concatenate(
            [[0.0], np.cumsum(np.linalg.norm(np.diff(self.polygon[np.r_[a, 0]], axis=0), axis=1))]
        )
        s = perimeter / perimeter[-1]
        quad_uv = np.stack(
            [
                np.stack([s[a], np.zeros(k)], 1),
                np.stack([s[a + 1], np.zeros(k)], 1),
                np.stack([s[a + 1], np.ones(k)], 1),
                np.stack([s[a], np.ones(k)], 1),
            ],
            axis=1,
        )  # (K, 4, 2): corners a, b, b', a'
        side_uv = np.concatenate([quad_uv[:, [0, 1, 2]], quad_uv[:, [0, 2, 3]]])
        lo, hi = self.polygon.min(axis=0), self.polygon.max(axis=0)
        flat = (self.polygon - lo) / np.maximum(hi - lo, 1e-12).max()
        end_uv = np.concatenate([flat[fan], flat[fan[:, ::-1]]])
        face_uvs = np.concatenate([side_uv, end_uv])
        return PartMesh(vertices, faces.astype(np.int64), face_uvs, np.full(len(faces), self.slot, np.int64))
