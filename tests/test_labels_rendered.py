"""Labels of rendered samples against independent geometry: the amodal hand against a numpy z-buffer of the
hand's triangles, and fingertip visibility against a ray cast through the skinned meshes (trimesh).

48 samples of 160 x 120 px over every procedural family, both sides and both camera presets.
"""

from __future__ import annotations

import numpy as np
import pytest

from handsynth.annotate import joint_visibility
from handsynth.config import SceneConfig
from handsynth.conventions import (
    FINGERTIP_DEPTH_TOLERANCE_M,
    FINGERTIP_INDICES,
    HAND_PARTS,
    PART_FOREARM,
    PART_OBJECT,
    PART_THUMB,
    VISIBLE_DEPTH_TOLERANCE_M,
    inside_image,
    joint_parts,
    pixel_of,
    project_points,
    transform_points,
)
from handsynth.objects import FAMILIES
from handsynth.render.base import amodal_hand_faces
from handsynth.scene.spec import SceneSampler
from handsynth.viz.software_raster import rasterize

WIDTH, HEIGHT = 160, 120
NUM_SAMPLES = 48


@pytest.fixture(scope="module")
def rendered():
    """[(spec, frame)] of 48 samples (24 grasps, 2 views each)."""
    from handsynth.render.raster import RasterRenderer

    config = SceneConfig(width=WIDTH, height=HEIGHT, renders_per_grasp=2, sides=("right", "left"))
    # Seed 5: the 48 scenes are drawn over every family, so adding families redraws them all; a wrist
    # outside the finger and palm silhouette is rare (2 of 48 at seed 3 with 19 families, none with 32),
    # and seed 5 shows one with the 32 families, as test_amodal_hand_holds_every_joint_in_the_image needs.
    sampler = SceneSampler(5, config, tuple(sorted(FAMILIES)))
    with RasterRenderer(WIDTH, HEIGHT) as renderer:
        samples = [(spec, renderer.render(spec)) for spec in map(sampler.sample, range(NUM_SAMPLES))]
    sampler.bank.close()
    return samples


def test_the_samples_cover_families_sides_and_presets(rendered):
    specs = [spec for spec, _ in rendered]
    assert {spec.grasp.grasp.side for spec in specs} == {"right", "left"}
    assert {spec.camera.preset for spec in specs} == {"third_person", "egocentric"}
    assert len({spec.grasp.grasp.object.family for spec in specs}) >= 12


def _hand_skin(grasp, margin_m: float = 0.01) -> np.ndarray:
    """(F,) bool: the hand's skin, written out: finger and palm faces, and forearm-stub faces with a vertex
    less than ``margin_m`` on the elbow side of the plane through the wrist joint across the forearm."""
    distal = (grasp.hand_vertices - grasp.joints[0]) @ grasp.forearm_dir > -margin_m
    band = (grasp.hand_face_parts == PART_FOREARM) & distal[grasp.hand_faces].any(axis=1)
    return np.isin(grasp.hand_face_parts, HAND_PARTS) | band


def _hand_silhouette(spec, faces=None) -> np.ndarray:
    """(H, W) bool: pixels whose centre lies in a projected triangle of the hand's skin (either winding)."""
    grasp = spec.grasp
    faces = grasp.hand_faces[_hand_skin(grasp)] if faces is None else faces
    vertices = transform_points(spec.T_cam_object, grasp.hand_vertices)
    _, face_index, _ = rasterize(vertices, faces, spec.camera.K, WIDTH, HEIGHT)
    return face_index >= 0


def test_amodal_hand_faces_are_the_hand_and_a_band_past_the_wrist(rendered):
    for spec, _ in rendered[::8]:
        grasp = spec.grasp
        skin = amodal_hand_faces(grasp)
        np.testing.assert_array_equal(skin, _hand_skin(grasp))
        forearm = grasp.hand_face_parts == PART_FOREARM
        assert 0 < (skin & forearm).sum() < forearm.sum()


def _edge(mask: np.ndarray) -> np.ndarray:
    """Pixels of ``mask`` or outside it with a 4-neighbour on the other side."""
    padded = np.pad(mask, 1, mode="edge")
    neighbours = [padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]]
    return np.logical_or.reduce([n != mask for n in neighbours])


def _tip_pixels(spec) -> set[tuple[int, int]]:
    """(row, col) of each fingertip inside the image."""
    uv = project_points(spec.joints_cam[list(FINGERTIP_INDICES)], spec.camera.K)
    return {(int(r), int(c)) for c, r in pixel_of(uv[inside_image(uv, WIDTH, HEIGHT)])}


def test_amodal_hand_is_the_whole_hands_silhouette(rendered):
    """Equal to an independent z-buffer of the hand's skin triangles plus the fingertips' pixels, up to
    pixels whose centre lies on a triangle edge within rounding: at most 1 % of the silhouette's edge
    pixels, and only there. (Before, the culled back faces at the open wrist left holes of up to 40 % of
    the hand.)"""
    differing, edge_pixels = 0, 0
    for spec, frame in rendered:
        reference = _hand_silhouette(spec)
        for row, col in _tip_pixels(spec):
            reference[row, col] = True
        assert reference.sum() > 300
        wrong = frame.hand_amodal != reference
        edge = _edge(reference)
        assert not (wrong & ~edge).any(), spec.index
        differing += int(wrong.sum())
        edge_pixels += int(edge.sum())
    assert differing <= 0.01 * edge_pixels, (differing, edge_pixels)


def test_amodal_hand_holds_every_joint_in_the_image(rendered):
    """Every joint's pixel is in hand_amodal. The fingertips' pixels are needed (a tip is a vertex on the
    silhouette's edge, where the pixel centres around it may all miss its finger), and so is the band past
    the wrist (the fingers and palm alone leave the wrist outside in some views)."""
    tips_off_the_triangles = wrists_outside_the_parts = 0
    for spec, frame in rendered:
        grasp = spec.grasp
        uv = project_points(spec.joints_cam, spec.camera.K)
        inside = inside_image(uv, WIDTH, HEIGHT)
        px = pixel_of(uv[inside])
        assert frame.hand_amodal[px[:, 1], px[:, 0]].all(), (spec.index, np.flatnonzero(inside))
        triangles = _hand_silhouette(spec)
        tips_off_the_triangles += sum(not triangles[row, col] for row, col in _tip_pixels(spec))
        col, row = pixel_of(uv[0])
        if inside[0]:
            parts_only = grasp.hand_faces[np.isin(grasp.hand_face_parts, HAND_PARTS)]
            wrists_outside_the_parts += not _hand_silhouette(spec, parts_only)[row, col]
    assert tips_off_the_triangles > 0 and wrists_outside_the_parts > 0, (
        tips_off_the_triangles,
        wrists_outside_the_parts,
    )


# --- fingertip visibility against a ray cast ------------------------------------------------------------
def _scene_mesh(spec):
    """The hand (with its forearm stub), the forearm extension and the object in the camera frame, as one
    trimesh, and the part id of each face."""
    import trimesh

    grasp, T = spec.grasp, spec.T_cam_object
    obj = grasp.grasp.object
    meshes = [
        (grasp.hand_vertices, grasp.hand_faces, grasp.hand_face_parts),
        (grasp.arm_vertices, grasp.arm_faces, np.full(len(grasp.arm_faces), PART_FOREARM)),
        (obj.vertices, obj.faces, np.full(len(obj.faces), PART_OBJECT)),
    ]
    offset, vertices, faces, parts = 0, [], [], []
    for v, f, p in meshes:
        vertices.append(transform_points(T, v))
        faces.append(f + offset)
        parts.append(p)
        offset += len(v)
    mesh = trimesh.Trimesh(np.concatenate(vertices), np.concatenate(faces), process=False)
    return mesh, np.concatenate(parts)


def _first_hits(mesh, parts, directions):
    """(R, 3) ray directions from the camera centre -> (R,) depth of the first hit (inf: none), (R,) part."""
    locations, rays, triangles = mesh.ray.intersects_location(
        np.zeros_like(directions), directions, multiple_hits=True
    )
    depth = np.full(len(directions), np.inf)
    part = np.zeros(len(directions), dtype=np.int64)
    for k in np.argsort(-locations[:, 2]):  # nearest last, so it wins
        depth[rays[k]], part[rays[k]] = locations[k, 2], parts[triangles[k]]
    return depth, part


def _ray_cast_tips(rendered):
    """For every fingertip inside the image: (vis, old-rule vis, truth, exact-ray hit, pixel-centre hit).

    The truth is format 1.1's rule along the tip's exact ray: visible when the first surface is its own
    finger at most 3 mm in front of the tip, or when nothing lies in front of the tip (a ray grazing the
    tip on the silhouette's edge). The exact ray meets the skin at the tip itself (a vertex), so a hit
    within 0.1 mm behind it is that hit.
    """
    allowed = joint_parts()
    rows = []
    for spec, frame in rendered:
        K, joints = spec.camera.K, spec.joints_cam
        uv = project_points(joints, K)
        vis = joint_visibility(uv, joints[:, 2], frame.parts, frame.depth_m)
        tips = [t for t in FINGERTIP_INDICES if vis[t] > 0]
        if not tips:
            continue
        mesh, parts = _scene_mesh(spec)
        centres = np.concatenate([pixel_of(uv[tips]), np.ones((len(tips), 1))], axis=1) @ np.linalg.inv(K).T
        directions = np.concatenate([joints[tips], centres])
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        depth, part = _first_hits(mesh, parts, directions)
        for k, tip in enumerate(tips):
            z, own = joints[tip, 2], PART_THUMB + FINGERTIP_INDICES.index(tip)
            exact = (depth[k], part[k])
            in_front = exact[0] <= z + 1e-4
            truth = (
                2 if not in_front or (exact[1] == own and exact[0] >= z - FINGERTIP_DEPTH_TOLERANCE_M) else 1
            )
            col, row = pixel_of(uv[tip])
            old_ok = allowed[tip] >= {int(frame.parts[row, col])} and (
                abs(frame.depth_m[row, col] - z) <= VISIBLE_DEPTH_TOLERANCE_M
            )
            rows.append(
                (
                    int(vis[tip]),
                    2 if old_ok else 1,
                    truth,
                    exact,
                    (depth[len(tips) + k], part[len(tips) + k]),
                    z,
                    own,
                )
            )
    return rows


def test_fingertip_visibility_against_a_ray_cast(rendered):
    """Measured on these 48 samples: 239 tips in the image; format 1.1's labels agree with the ray cast on
    89 %, format 1's 25 mm rule on 67 %. The remaining disagreements are tips on the silhouette's edge
    (the exact ray grazes the tip while the pixel centres beside it meet the rounded fingertip more than
    3 mm in front) and occluder edges finer than a pixel. Where the margin is large there is none."""
    rows = _ray_cast_tips(rendered)
    assert len(rows) > 200
    agree = np.mean([vis == truth for vis, _, truth, *_ in rows])
    agree_old = np.mean([old == truth for _, old, truth, *_ in rows])
    assert agree >= 0.85 and agree > agree_old + 0.1, (agree, agree_old)
    occluded = visible = 0
    for vis, _, _, exact, centre, z, own in rows:
        # An occluder more than 5 mm in front along the tip's ray and through its pixel's centre.
        if exact[0] < z - 0.005 and centre[0] < z - 0.005:
            occluded += 1
            assert vis == 1, (exact, centre, z)
        # Its own finger is the first surface through the pixel's centre, within 2 mm of the tip, and
        # nothing lies more than 1 mm in front of the tip along its exact ray.
        if centre[1] == own and abs(centre[0] - z) <= 0.002 and exact[0] >= z - 0.001:
            visible += 1
            assert vis == 2, (exact, centre, z)
    assert occluded > 50 and visible > 10, (occluded, visible)
