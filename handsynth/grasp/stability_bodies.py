"""Collision shapes for the stability simulation, made from vertices in memory; numpy, scipy and the
pybullet module passed in (never scene, render, bpy, pyrender, ray or torch).

Every convex piece goes to PyBullet as the vertices of its hull, pulled in along the hull's normals by
PyBullet's 1 mm collision margin (a convex shape is rounded by it, so the rounded hull is the piece
again) and by any skin inset asked for. A single hull is a shape of its own
(``createCollisionShape(GEOM_MESH, vertices=...)``, no file); the object, one free body of many
pieces, is PyBullet's compound loaded from an OBJ file, written once per object into the simulator's
own folder (PyBullet makes a compound of several hulls only from a file).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

COLLISION_MARGIN_M = 0.001  # PyBullet's margin of a convex mesh shape (from a file or from vertices)
HAND_GROUP, OBJECT_GROUP = 1, 2  # collision filter groups: hand parts touch the object, never each other


def convex_hull(points: np.ndarray, faces: bool = False):
    """The hull vertices of ``points`` and their unit normals (the average of their facets'), so that
    ``inset`` can pull the hull in by any distance without computing it again; with ``faces`` also the
    hull's triangles (indices into the returned vertices)."""
    from scipy.spatial import ConvexHull

    hull = ConvexHull(points)
    normals = np.zeros_like(points)
    for k in range(3):
        np.add.at(normals, hull.simplices[:, k], hull.equations[:, :3])
    keep = hull.vertices
    normals = normals[keep] / np.maximum(np.linalg.norm(normals[keep], axis=1, keepdims=True), 1e-12)
    if not faces:
        return points[keep], normals
    remap = np.full(len(points), -1)
    remap[keep] = np.arange(len(keep))
    return points[keep], normals, remap[hull.simplices]


def inset(hull: tuple[np.ndarray, np.ndarray], inset_m: float = 0.0) -> np.ndarray:
    """A ``convex_hull``'s vertices pulled in by the collision margin plus ``inset_m``."""
    vertices, normals = hull
    return vertices - (COLLISION_MARGIN_M + inset_m) * normals


def hull_shape(p, client: int, hull, origin: np.ndarray, inset_m: float = 0.0) -> int:
    """One convex collision shape of a ``convex_hull`` (frame of ``origin``) from its vertices."""
    vertices = inset(hull, inset_m) - origin
    return p.createCollisionShape(p.GEOM_MESH, vertices=vertices.tolist(), physicsClientId=client)


def static_hulls(p, client: int, hulls: list, friction: float, inset_m: float = 0.0) -> list:
    """A static body per ``convex_hull``, pulled in by ``inset_m`` (negative: standing proud of the skin).

    Rigid bodies (``useMaximalCoordinates``): a static 0-link multibody gives the same contacts but
    costs the multibody solver work every step."""
    bodies = []
    for hull in hulls:
        shape = hull_shape(p, client, hull, np.zeros(3), inset_m)
        body = p.createMultiBody(
            baseMass=0.0, baseCollisionShapeIndex=shape, useMaximalCoordinates=True, physicsClientId=client
        )
        p.changeDynamics(body, -1, lateralFriction=friction, restitution=0.0, physicsClientId=client)
        p.setCollisionFilterGroupMask(body, -1, HAND_GROUP, OBJECT_GROUP, physicsClientId=client)
        bodies.append(body)
    return bodies


def bone_hulls(posed, weights: np.ndarray, bones=None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """``convex_hull`` of the skinned skin vertices each bone dominates (bones with at least 4; of
    ``bones`` only, when given), once per grasp for both protocols."""
    dominant = weights.argmax(axis=1)
    out = {}
    for b in range(weights.shape[1]) if bones is None else sorted(int(b) for b in bones):
        v = posed.vertices[dominant == b]
        if len(v) >= 4:
            out[b] = convex_hull(v)
    return out


def compound_obj_text(pieces: list[np.ndarray], origin: np.ndarray) -> str:
    """OBJ text of one object per convex piece (hull vertices pulled in by the margin), in ``origin``'s
    frame: PyBullet loads it as a compound of hulls."""
    out, base = [], 1
    for i, piece in enumerate(pieces):
        vertices, normals, faces = convex_hull(piece, faces=True)
        vertices = inset((vertices, normals)) - origin
        out.append(f"o piece{i}\n")
        # One format string per block: a line at a time costs more than the convex hulls themselves.
        out.append(("v %.9f %.9f %.9f\n" * len(vertices)) % tuple(vertices.ravel().tolist()))
        out.append(("f %d %d %d\n" * len(faces)) % tuple((faces + base).ravel().tolist()))
        base += len(vertices)
    return "".join(out)


def write_compound(folder: Path, key: str, pieces: list[np.ndarray], origin: np.ndarray) -> Path:
    """The compound's OBJ file in ``folder`` (named by ``key``), written if it is not there yet."""
    path = folder / f"{key}.obj"
    if not path.is_file():
        tmp = path.with_suffix(".tmp")
        tmp.write_text(compound_obj_text(pieces, origin))
        tmp.replace(path)
    return path
