"""TorusArc (exact SDF, mesh): numpy, skimage; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handsynth.objects.shapes.part import PartMesh, marching_cubes_part


@dataclass(frozen=True)
class TorusArc:
    """A tube of radius ``tube_radius`` along a circular arc (a mug handle, a ring).

    The arc lies in the object's x-z plane, centred at ``center``, radius ``arc_radius``, spanning the
    angles ``[-half_angle, half_angle]`` about +x; its ends are rounded (hemispherical caps).
    """

    EXACT_SDF = True  # ``sdf`` is the Euclidean distance: never below the distance to ``bounds()``

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
