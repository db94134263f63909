"""PartMesh, marching-cubes mesher: numpy, skimage; never scene/render/dataset/bpy/pyrender/ray/torch."""

from __future__ import annotations

from dataclasses import dataclass

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
