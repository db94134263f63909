"""Object frames and grasp geometry fitted to a manifest mesh (axis of revolution, oriented box, grip radius);
numpy and trimesh only (never scene, render, bpy, pyrender, ray or torch)."""

from __future__ import annotations

import numpy as np

from handsynth.objects.model import GraspGeometry


def _positive_dominant(axis: np.ndarray) -> np.ndarray:
    """``axis`` or its opposite, whichever has its largest component positive (a deterministic sign)."""
    return axis if axis[np.abs(axis).argmax()] > 0 else -axis


def _fit_circle(xy: np.ndarray, weights: np.ndarray) -> np.ndarray | None:
    """Centre (2,) of a circle fitted to (M, 2) points (weighted Kasa fit), trimming outliers twice."""
    keep = np.ones(len(xy), dtype=bool)
    centre = None
    for _ in range(3):
        if keep.sum() < 3:
            return centre
        w = np.sqrt(weights[keep])
        a = np.column_stack([xy[keep], np.ones(keep.sum())]) * w[:, None]
        solution, *_ = np.linalg.lstsq(a, (xy[keep] ** 2).sum(axis=1) * w, rcond=None)
        centre = solution[:2] / 2.0
        radius_sq = solution[2] + centre @ centre
        if not radius_sq > 0:
            return None
        residual = np.abs(np.linalg.norm(xy - centre, axis=1) - np.sqrt(radius_sq))
        keep = residual <= 3.0 * np.median(residual[keep]) + 1e-9
    return centre


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2.0)])


def _section(tri: np.ndarray, normals: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Where the plane at height ``z`` cuts the triangles (F, 3, 3): (M, 2, 3) segments and the (M, 3)
    normals of their triangles."""
    above = tri[:, :, 2] >= z
    cut = above.any(axis=1) & ~above.all(axis=1)
    t, n = tri[cut], normals[cut]
    height = t[:, :, 2] - z
    ends, crossing = [], []
    for i in range(3):
        j = (i + 1) % 3
        crosses = (height[:, i] >= 0) != (height[:, j] >= 0)
        w = height[:, i] / np.where(crosses, height[:, i] - height[:, j], 1.0)
        ends.append(t[:, i] + w[:, None] * (t[:, j] - t[:, i]))
        crossing.append(crosses)
    first_two = np.argsort(~np.stack(crossing, axis=1), axis=1, kind="stable")[:, :2]  # two edges cross
    return np.take_along_axis(np.stack(ends, axis=1), first_two[..., None], axis=1), n


def _outer_contour(tri: np.ndarray, normals: np.ndarray, z: float, centre: np.ndarray):
    """The cross-section at height ``z`` facing away from ``centre`` (2,): a fitted circle centre (2,),
    the length-weighted median radius about it and the relative misfit; None if there is none."""
    segments, seg_normals = _section(tri, normals, z)
    if len(segments) < 3:
        return None
    middle = segments.mean(axis=1)[:, :2]
    outward = np.einsum("mi,mi->m", seg_normals[:, :2], middle - centre) > 0
    if outward.sum() < 3:
        return None
    points = segments[outward][:, :, :2].reshape(-1, 2)
    weights = np.repeat(np.linalg.norm(segments[outward, 1] - segments[outward, 0], axis=1), 2) + 1e-12
    fitted = _fit_circle(points, weights)
    if fitted is None or not np.all(np.isfinite(fitted)):
        return None
    radii = np.linalg.norm(points - fitted, axis=1)
    radius = _weighted_median(radii, weights)
    return fitted, radius, _weighted_median(np.abs(radii - radius), weights) / max(radius, 1e-12)


def _basis(z_axis: np.ndarray) -> np.ndarray:
    """A rotation (3, 3) whose third column is ``z_axis``."""
    helper = np.eye(3)[int(np.abs(z_axis).argmin())]
    x_axis = np.cross(helper, z_axis)
    x_axis /= np.linalg.norm(x_axis)
    return np.column_stack([x_axis, np.cross(z_axis, x_axis), z_axis])


def _revolution_axis(tri: np.ndarray, normals: np.ndarray, point: np.ndarray, axis: np.ndarray):
    """Refine an axis guess through the centres of two cross-sections (30 % and 70 % up): the axis of a
    body of revolution passes through the centre of every section, even a slanted one.

    Returns:
        axis (3,), a point on it (3,) and how far the sections are from circles (relative misfit; inf
        when a section has no outer contour).
    """
    misfit = np.inf
    for _ in range(3):
        rotation = _basis(axis)
        local = (tri - point) @ rotation
        lo, hi = local[:, :, 2].min(), local[:, :, 2].max()
        ends, misfits = [], []
        for fraction in (0.3, 0.7):
            z = lo + fraction * (hi - lo)
            contour = _outer_contour(local, normals @ rotation, z, np.zeros(2))
            if contour is None:
                return axis, point, np.inf
            ends.append(np.array([*contour[0], z]))
            misfits.append(contour[2])
        direction = ends[1] - ends[0]
        axis = rotation @ (direction / np.linalg.norm(direction))
        point = point + rotation @ ends[0]
        misfit = float(np.mean(misfits))
    return axis, point, misfit


def axial_frame(mesh, category: str) -> tuple[np.ndarray, np.ndarray]:
    """Rotation (3, 3; columns = object axes in file coordinates) and origin (3,) of a standing object.

    Slender: z along the least-inertia (long) axis through the centroid. Cylindrical: z along the
    axis of revolution, found from each principal axis of inertia in turn by ``_revolution_axis`` and
    kept where the sections are roundest (a mug's handle tilts its inertia axes; a squat tin turns
    about its largest-inertia axis). The object stands on its heavier end (or keeps the file's up
    direction when neither is); x runs along the wider remaining principal direction, towards the
    heavier side.
    """
    moments = np.asarray(mesh.principal_inertia_components)
    vectors = np.asarray(mesh.principal_inertia_vectors)[np.argsort(moments)]  # rows, least inertia first
    centroid = np.asarray(mesh.center_mass, dtype=np.float64)
    vertices = np.asarray(mesh.vertices)
    z_axis, point = vectors[0], centroid
    if category == "cylindrical":
        tri = vertices[mesh.faces]
        normals = np.asarray(mesh.face_normals)
        fits = [_revolution_axis(tri, normals, centroid, v) for v in vectors]
        z_axis, point, _ = min(fits, key=lambda fit: fit[2])
    z_axis = z_axis / np.linalg.norm(z_axis)
    height = vertices @ z_axis
    offset = (centroid @ z_axis - (height.min() + height.max()) / 2.0) / np.ptp(height)
    if offset > 0.002 or (abs(offset) <= 0.002 and z_axis[np.abs(z_axis).argmax()] < 0):
        z_axis = -z_axis
    rest = vectors - np.outer(vectors @ z_axis, z_axis)  # principal directions flattened onto the xy plane
    rest = rest[np.argsort(-np.linalg.norm(rest, axis=1))[:2]]
    rest /= np.linalg.norm(rest, axis=1, keepdims=True)
    x_axis = _positive_dominant(max(rest, key=lambda r: float(np.ptp(vertices @ r))))
    if (centroid - point) @ x_axis < -1e-9:
        x_axis = -x_axis  # the heavier side (a mug's handle) towards +x
    rotation = np.column_stack([x_axis, np.cross(z_axis, x_axis), z_axis])
    base = float(((vertices - point) @ z_axis).min())
    return rotation, point + base * z_axis


def box_frame(mesh) -> tuple[np.ndarray, np.ndarray]:
    """Rotation (columns = object axes, extents x >= y >= z) and origin (the oriented box's centre)."""
    import trimesh

    to_origin, extents = trimesh.bounds.oriented_bounds(mesh)
    rotation = np.asarray(to_origin)[:3, :3].T  # columns: box axes in file coordinates
    order = np.argsort(-np.asarray(extents), kind="stable")
    x_axis, y_axis = _positive_dominant(rotation[:, order[0]]), _positive_dominant(rotation[:, order[1]])
    rotation = np.column_stack([x_axis, y_axis, np.cross(x_axis, y_axis)])
    local = np.asarray(mesh.vertices) @ rotation
    centre = (local.min(axis=0) + local.max(axis=0)) / 2.0
    return rotation, rotation @ centre


def grasp_geometry(local: np.ndarray, faces: np.ndarray, category: str) -> GraspGeometry:
    """Grasp geometry of a mesh (V, 3) already in its object frame.

    Axial: the length-weighted median distance from the axis of the outward-facing cross-sections at
    40, 50 and 60 % of the height, held over its middle 20-80 %. Box: the half extents. Round: the
    area-weighted mean distance of the surface from the centroid (the origin).
    """
    tri = local[faces]
    normals = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    if category == "cubical":
        half = (local.max(axis=0) - local.min(axis=0)) / 2
        return GraspGeometry("box", (0.0, 0.0, 0.0), half_extents=tuple(float(h) for h in half))
    if category == "spherical":
        areas = np.linalg.norm(normals, axis=1)
        radius = float(np.average(np.linalg.norm(tri.mean(axis=1), axis=1), weights=areas))
        return GraspGeometry("round", (0.0, 0.0, 0.0), radius=radius)
    height = float(local[:, 2].max())
    radii, lengths = [], []
    for fraction in (0.4, 0.5, 0.6):
        segments, seg_normals = _section(tri, normals, fraction * height)
        outward = np.einsum("mi,mi->m", seg_normals[:, :2], segments.mean(axis=1)[:, :2]) > 0
        radii.append(np.linalg.norm(segments[outward][:, :, :2], axis=2).mean(axis=1))
        lengths.append(np.linalg.norm(segments[outward, 1] - segments[outward, 0], axis=1) + 1e-12)
    radial = np.concatenate(radii)
    radius = (
        _weighted_median(radial, np.concatenate(lengths))
        if len(radial)
        else float(np.abs(local[:, :2]).max())
    )
    return GraspGeometry(
        "axial", (0.0, 0.0, height / 2), radius=radius, axis_range=(0.2 * height, 0.8 * height), top=height
    )
