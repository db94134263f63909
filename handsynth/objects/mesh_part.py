"""A closed triangle mesh as an object part (``MeshPart``) with exact signed distance and atlas UVs; numpy
only (never scene, render, bpy, pyrender, ray or torch)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from handsynth.geometry.mesh_distance import MeshDistance
from handsynth.objects.shapes import PartMesh


def _box_projection_uvs(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(F, 3, 2) UVs by projecting each face along its dominant normal axis into a 3 x 2 atlas of tiles
    (-x, +x, -y, +y, -z, +z, as ``RoundedBox`` lays them out)."""
    tri = vertices[faces]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    axis = np.abs(normal).argmax(axis=1)
    tile = 2 * axis + (normal[np.arange(len(faces)), axis] > 0)
    lo, hi = vertices.min(axis=0), vertices.max(axis=0)
    unit = (tri - lo) / np.maximum(hi - lo, 1e-12)  # (F, 3, 3) in [0, 1]
    u_axis = np.array([1, 2, 0])[axis]
    v_axis = np.array([2, 0, 1])[axis]
    rows = np.arange(len(faces))
    uv = np.stack([unit[rows, :, u_axis], unit[rows, :, v_axis]], axis=-1)  # (F, 3, 2)
    offset = np.stack([tile % 3, tile // 3], axis=1)[:, None, :]
    return (uv * 0.96 + 0.02 + offset) / np.array([3.0, 2.0])


@dataclass(frozen=True, eq=False)
class MeshPart:
    """A closed, outward-wound triangle mesh as an object part, with the primitives' interface.

    Attributes:
        vertices: (V, 3) float64 in the object frame (m).
        faces: (F, 3) int64, counter-clockwise seen from outside; the mesh must be watertight.
        face_uvs: (F, 3, 2) float64 per-corner texture coordinates (None: a box projection).
        face_slots: (F,) int64 material slot of each face (None: all 0).

    Building one builds its exact distance (``handsynth.geometry.mesh_distance.MeshDistance``): ``sdf``
    bounds each point's distance by the triangle whose centroid is nearest (scipy k-d tree), prunes every
    box farther than that, measures the triangles left exactly (Ericson) and signs the distance with the
    pseudo-normal of the nearest feature (Baerentzen & Aanaes), which is exact for a closed, consistently
    wound mesh. About 0.1 s for 20,000 points within a few mm of a 10,000-triangle mesh on one core;
    points deep inside a sphere-like mesh, almost equally far from many triangles, cost more.
    """

    vertices: np.ndarray
    faces: np.ndarray
    face_uvs: np.ndarray | None = None
    face_slots: np.ndarray | None = None
    _distance: MeshDistance = field(init=False, repr=False)

    def __post_init__(self) -> None:
        vertices = np.array(self.vertices, dtype=np.float64)
        faces = np.array(self.faces, dtype=np.int64)
        if (
            vertices.ndim != 2
            or vertices.shape[1] != 3
            or faces.ndim != 2
            or faces.shape[1] != 3
            or not len(faces)
        ):
            raise ValueError(
                f"expected (V, 3) vertices and (F, 3) faces, got {vertices.shape} and {faces.shape}"
            )
        uvs = (
            _box_projection_uvs(vertices, faces)
            if self.face_uvs is None
            else np.array(self.face_uvs, np.float64)
        )
        slots = (
            np.zeros(len(faces), np.int64) if self.face_slots is None else np.array(self.face_slots, np.int64)
        )
        if uvs.shape != (len(faces), 3, 2) or slots.shape != (len(faces),):
            raise ValueError(
                f"face_uvs {uvs.shape} / face_slots {slots.shape} do not match {len(faces)} faces"
            )
        for name, array in (
            ("vertices", vertices),
            ("faces", faces),
            ("face_uvs", uvs),
            ("face_slots", slots),
        ):
            array.flags.writeable = False
            object.__setattr__(self, name, array)
        object.__setattr__(self, "_distance", MeshDistance(vertices, faces))

    def sdf(self, points: np.ndarray) -> np.ndarray:
        """(N,) signed distance (m) from ``points`` (N, 3, object frame) to the surface; negative inside."""
        return self._distance.sdf(points)

    def bounds(self) -> np.ndarray:
        """(2, 3) axis-aligned bounds of the part."""
        return np.stack([self.vertices.min(axis=0), self.vertices.max(axis=0)])

    def mesh(self) -> PartMesh:
        """The part's closed mesh (the stored arrays, read-only)."""
        return PartMesh(self.vertices, self.faces, self.face_uvs, self.face_slots)
