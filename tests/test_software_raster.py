"""Exact invariants of the numpy/Pillow software rasterizer."""

import itertools

import numpy as np
import pytest
import trimesh
from PIL import Image

from handsynth.viz import (
    contact_sheet,
    draw_skeleton,
    intrinsics_from_fov,
    look_at,
    orbit_views,
    rasterize,
    render_views,
    shade_mesh,
)

K_64 = np.array([[60.0, 0.0, 31.5], [0.0, 60.0, 31.5], [0.0, 0.0, 1.0]])


def _lift(uv, z):
    """(N, 2) pixel points at camera depths (N,) -> (N, 3) camera points that project onto them."""
    uv, z = np.asarray(uv, float), np.broadcast_to(np.asarray(z, float), len(uv))
    x = (uv[:, 0] - K_64[0, 2]) / K_64[0, 0] * z
    y = (uv[:, 1] - K_64[1, 2]) / K_64[1, 1] * z
    return np.stack([x, y, z], 1)


@pytest.mark.parametrize("winding", [(0, 1, 2), (0, 2, 1)])
def test_triangle_covers_exactly_the_pixel_centres_inside_it(winding):
    uv = np.array([[5.3, 7.7], [55.1, 20.4], [18.6, 60.2]])
    verts = _lift(uv, [2.0, 3.0, 4.0])
    depth, face_index, _ = rasterize(verts, [winding], K_64, 64, 48)
    py, px = np.mgrid[0:48, 0:64]
    p = np.stack([px, py], -1).astype(float)
    a, b, c = uv

    def edge(p0, p1):
        return (p1[0] - p0[0]) * (p[..., 1] - p0[1]) - (p1[1] - p0[1]) * (p[..., 0] - p0[0])

    e = np.stack([edge(a, b), edge(b, c), edge(c, a)])
    inside = (e >= 0).all(0) | (e <= 0).all(0)
    assert inside.sum() > 500
    np.testing.assert_array_equal(face_index >= 0, inside)
    assert np.isfinite(depth[inside]).all() and np.isinf(depth[~inside]).all()


def test_triangle_behind_near_plane_is_skipped():
    verts = _lift([[10, 10], [50, 10], [30, 50]], 1.0)
    verts[0, 2] = -0.5
    depth, face_index, _ = rasterize(verts, [[0, 1, 2]], K_64, 64, 64)
    assert (face_index == -1).all() and np.isinf(depth).all()


def test_unit_cube_depth_at_centre_is_distance_minus_half():
    box = trimesh.creation.box(extents=(1.0, 1.0, 1.0))
    distance = 3.0
    T = look_at((0.0, 0.0, distance), (0.0, 0.0, 0.0), (0.0, 1.0, 0.0))
    K = intrinsics_from_fov(30.0, 101, 101)
    v_cam = box.vertices @ T[:3, :3].T + T[:3, 3]
    depth, face_index, _ = rasterize(v_cam, box.faces, K, 101, 101)
    assert depth[50, 50] == pytest.approx(distance - 0.5, abs=1e-5)
    front = face_index[50, 50]
    assert np.allclose(box.face_normals[front], (0.0, 0.0, 1.0))


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_nearest_triangle_wins_regardless_of_face_order(order):
    uv = np.array([[4.0, 4.0], [60.0, 6.0], [10.0, 58.0]])
    verts = np.concatenate([_lift(uv, 5.0), _lift(uv + 0.3, 2.0), _lift(uv - 0.2, 8.0)])
    faces = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]])[list(order)]
    depth, face_index, _ = rasterize(verts, faces, K_64, 64, 64)
    nearest = order.index(1)
    assert (face_index[20, 20] == nearest) and depth[20, 20] == pytest.approx(2.0)
    covered = face_index >= 0
    assert (depth[covered] >= 2.0 - 1e-6).all()


def test_barycentrics_sum_to_one_and_interpolate_points_on_the_pixel_ray():
    verts = np.array([[-0.4, -0.3, 1.5], [0.5, -0.2, 3.0], [0.0, 0.45, 2.2]])
    depth, face_index, bary = rasterize(verts, [[0, 1, 2]], K_64, 64, 64)
    mask = face_index >= 0
    b = bary[mask].astype(np.float64)
    np.testing.assert_allclose(b.sum(1), 1.0, atol=1e-6)
    assert (b >= -1e-6).all()
    points = b @ verts  # (M, 3)
    py, px = np.nonzero(mask)
    ray = np.linalg.solve(K_64, np.stack([px, py, np.ones_like(px)]).astype(float)).T
    np.testing.assert_allclose(points[:, :2] / points[:, 2:], ray[:, :2], atol=1e-5)
    np.testing.assert_allclose(points[:, 2], depth[mask], rtol=1e-5)


def test_look_at_projects_target_to_principal_point_and_is_rigid():
    eye, target = np.array([0.3, -1.2, 0.8]), np.array([0.05, 0.1, -0.02])
    T = look_at(eye, target, up=(0.0, 0.0, 1.0))
    R = T[:3, :3]
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(R) == pytest.approx(1.0)
    np.testing.assert_allclose(T @ np.r_[eye, 1.0], [0, 0, 0, 1], atol=1e-12)
    p_cam = T @ np.r_[target, 1.0]
    K = intrinsics_from_fov(50.0, 320, 240)
    uv = (K @ p_cam[:3])[:2] / p_cam[2]
    np.testing.assert_allclose(uv, K[:2, 2], atol=1e-9)
    assert p_cam[2] == pytest.approx(np.linalg.norm(target - eye))
    above = T @ np.r_[target + (0.0, 0.0, 0.1), 1.0]
    assert above[1] < 0  # world up is image up (camera -y)


def test_orbit_views_look_at_centre_from_distance():
    center = np.array([0.1, 0.2, 0.3])
    views = orbit_views(center, 0.5, [0, 30, 90, -45], [0, 90, 180, 270])
    assert len(views) == 4
    for T in views:
        np.testing.assert_allclose(T @ np.r_[center, 1.0], [0, 0, 0.5, 1.0], atol=1e-12)


def test_shade_sphere_silhouette_matches_analytic_disc():
    radius, distance, size = 1.0, 4.0, 256
    sphere = trimesh.creation.icosphere(subdivisions=5, radius=radius)
    T = look_at((0.0, -distance, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 1.0))
    K = intrinsics_from_fov(40.0, size, size)
    background = (0, 0, 255)
    image = shade_mesh(
        sphere.vertices, sphere.faces, T, K, size, size, vertex_colors=(0.8, 0.8, 0.8), background=background
    )
    assert image.shape == (size, size, 3) and image.dtype == np.uint8
    silhouette = (image != background).any(-1)
    disc_radius_px = K[0, 0] * radius / np.sqrt(distance**2 - radius**2)
    assert silhouette.sum() == pytest.approx(np.pi * disc_radius_px**2, rel=0.02)
    py, px = np.mgrid[0:size, 0:size]
    r = np.hypot(px - K[0, 2], py - K[1, 2])
    assert (image[r > disc_radius_px + 2] == background).all()
    grey = image[silhouette].mean(-1)
    assert grey.std() > 10  # shaded, not flat
    top, bottom = image[: size // 2][silhouette[: size // 2]], image[size // 2 :][silhouette[size // 2 :]]
    assert top.mean() > bottom.mean()  # the key light comes from above


def test_shade_several_meshes_occlude_each_other():
    near = trimesh.creation.icosphere(subdivisions=3, radius=0.3)
    far = trimesh.creation.box(extents=(2.0, 2.0, 0.1))
    far.apply_translation((0.0, 0.0, -1.0))
    T = look_at((0.0, 0.0, 3.0), (0.0, 0.0, 0.0), (0.0, 1.0, 0.0))
    K = intrinsics_from_fov(40.0, 65, 65)
    meshes = [(far.vertices, far.faces, (0.0, 0.0, 1.0)), (near.vertices, near.faces, (1.0, 0.0, 0.0))]
    image = shade_mesh(meshes, None, T, K, 65, 65, background=(0, 0, 0))
    # The red sphere in front, the blue board around it; lit at least by the ambient term (linear 0.12,
    # sRGB code 97) and never tinted by the other mesh.
    assert image[32, 32, 0] >= 97 and tuple(image[32, 32, 1:]) == (0, 0)
    assert image[32, 16, 2] >= 97 and tuple(image[32, 16, :2]) == (0, 0)


def test_draw_skeleton_draws_at_joint_pixels_and_hollow_when_occluded():
    background = np.full((40, 60, 3), 255, np.uint8)
    joints_uv = np.array([[10.0, 10.0], [30.0, 20.0], [50.0, 30.0]])
    colors = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255]], np.uint8)
    image = np.asarray(draw_skeleton(background, joints_uv, [[0, 1]], colors=colors, radius_px=4))
    for (u, v), c in zip(joints_uv.astype(int), colors, strict=True):
        np.testing.assert_array_equal(image[v, u], c)
    np.testing.assert_array_equal(image[15, 20], colors[1])  # bone midpoint, child's colour
    depth = np.full((40, 60), 1.0, np.float32)
    hollow = np.asarray(
        draw_skeleton(
            background,
            joints_uv,
            np.zeros((0, 2), int),
            colors=colors,
            radius_px=4,
            depth=depth,
            joints_z=np.array([0.9, 1.004, 1.2]),
        )
    )
    np.testing.assert_array_equal(hollow[10, 10], colors[0])
    np.testing.assert_array_equal(hollow[20, 30], colors[1])  # within 5 mm: visible
    np.testing.assert_array_equal(hollow[30, 50], (255, 255, 255))  # behind: centre left empty
    assert (hollow[26:35, 46:55] == colors[2]).all(-1).any()  # but its ring is drawn


def test_render_views_and_contact_sheet_tile_every_view():
    box = trimesh.creation.box(extents=(0.1, 0.1, 0.1))
    views = orbit_views((0.0, 0.0, 0.0), 0.5, 20.0, [0.0, 90.0, 180.0])
    sheet = render_views(
        [(box.vertices, box.faces, None)],
        views,
        joints_world=np.zeros((1, 3)),
        size=(64, 48),
        labels=["palm", "side", "back"],
        columns=2,
    )
    assert isinstance(sheet, Image.Image) and sheet.size == (2 * 68 + 4, 2 * (48 + 12 + 4) + 4)
    tiles = [np.full((10, 20, 3), i * 60, np.uint8) for i in range(3)]
    grid = np.asarray(contact_sheet(tiles, columns=3, pad=2))
    assert grid.shape == (14, 68, 3)
    np.testing.assert_array_equal(grid[2:12, 24:44], tiles[1])


def test_grid_with_pixel_centres_on_shared_edges_has_no_holes_and_clips_offscreen():
    # A 9 x 9 vertex grid spanning pixels -8..72: centres lie exactly on many shared edges and diagonals.
    g = np.linspace(-8.0, 72.0, 9)
    gu, gv = np.meshgrid(g, g)
    verts = _lift(np.stack([gu.ravel(), gv.ravel()], 1), 2.0)
    i = np.arange(8)[:, None] * 9 + np.arange(8)[None, :]
    quads = np.stack([i, i + 1, i + 10, i + 9], -1).reshape(-1, 4)
    faces = np.concatenate([quads[:, [0, 1, 2]], quads[:, [0, 2, 3]]])
    depth, face_index, _ = rasterize(verts, faces, K_64, 64, 64)
    assert (face_index >= 0).all()
    np.testing.assert_allclose(depth, 2.0, rtol=1e-6)
