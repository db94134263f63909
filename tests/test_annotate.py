"""Annotations: joint visibility on hand-made part/depth maps, the annotation line of a real spec over a
synthetic frame (fields, projection, boxes, poses, JSON), and alpha compositing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from handsynth.annotate import annotate, fingertip_visible, joint_visibility
from handsynth.config import SceneConfig
from handsynth.conventions import (
    FINGER_JOINTS,
    FINGER_NAMES,
    FINGERTIP_DEPTH_TOLERANCE_M,
    FINGERTIP_INDICES,
    FINGERTIP_NEIGHBOURHOOD_PX,
    HAND_PARTS,
    OBJECT_CATEGORIES,
    PART_FOREARM,
    PART_OBJECT,
    PART_PALM,
    PART_THUMB,
    PART_TO_SEG,
    SEG_BACKGROUND,
    SEG_FOREARM,
    SEG_HAND,
    SEG_OBJECT,
    VISIBLE_DEPTH_TOLERANCE_M,
    pixel_of,
    project_points,
)
from handsynth.hand import HandPose, HandRig, HandShape
from handsynth.render.base import Frame, composite
from handsynth.scene.spec import SceneSampler, sample_seed

SEED = 5
FAMILIES = ("orange", "can")
W, H = 8, 6
MCP_LIKE = (1, 2, 5, 9, 13, 17)  # thumb CMC and MCP, the four finger MCPs: the palm may cover them
FINGER_OF = {j: PART_THUMB + f for f, joints in enumerate(FINGER_JOINTS.values()) for j in joints}


# --- joint_visibility on hand-made arrays ----------------------------------------------------------
def _maps(part: int, depth: float, shape=(H, W)):
    return np.full(shape, part, dtype=np.uint8), np.full(shape, depth, dtype=np.float32)


def _visibility_of(joint: int, part: int, joint_z: float, surface_z: float, uv=(3.2, 2.7)) -> int:
    """Visibility of ``joint`` alone (the others behind the camera) over a uniform part/depth map."""
    joints_uv = np.zeros((21, 2))
    joints_uv[joint] = uv
    joints_z = np.full(21, -1.0)
    joints_z[joint] = joint_z
    parts, depth = _maps(part, surface_z)
    vis = joint_visibility(joints_uv, joints_z, parts, depth)
    assert vis.shape == (21,) and vis.dtype == np.int64
    assert np.all(np.delete(vis, joint) == 0)
    return int(vis[joint])


def _expected_allowed(joint: int, part: int) -> bool:
    """The rule written out: the own finger; the palm at the knuckles and thumb base; at the wrist, the palm
    or the forearm."""
    if joint == 0:
        return part in (PART_PALM, PART_FOREARM)
    return part == FINGER_OF[joint] or (part == PART_PALM and joint in MCP_LIKE)


@pytest.mark.parametrize("joint", range(21))
def test_visibility_by_part(joint):
    for part in range(10):
        expected = 2 if _expected_allowed(joint, part) else 1
        assert _visibility_of(joint, part, 0.4, 0.4) == expected, (joint, part)


@pytest.mark.parametrize(
    "joint, part, expected",
    [
        (0, PART_PALM, 2),  # wrist on the palm
        (0, PART_FOREARM, 2),  # wrist on the forearm
        (0, PART_THUMB, 1),
        (5, PART_PALM, 2),  # index MCP under the palm's knuckle skin
        (6, PART_PALM, 1),  # index PIP behind the palm: occluded
        (2, PART_PALM, 2),  # thumb MCP
        (3, PART_PALM, 1),  # thumb IP
        (8, PART_OBJECT, 1),  # index tip behind the object
        (8, PART_THUMB + 2, 1),  # index tip behind the middle finger
        (8, PART_THUMB + 1, 2),  # index tip on the index finger
        (20, 0, 1),  # nothing drawn at its pixel
    ],
)
def test_visibility_named_cases(joint, part, expected):
    assert _visibility_of(joint, part, 0.5, 0.5) == expected


@pytest.mark.parametrize(
    "offset_m, expected", [(0.0, 2), (0.024, 2), (-0.024, 2), (0.026, 1), (-0.026, 1), (0.03, 1), (-0.03, 1)]
)
def test_visibility_depth_tolerance(offset_m, expected):
    """An inner joint: its own finger but 30 mm off (the far side of a finger bent over it) is occluded."""
    assert VISIBLE_DEPTH_TOLERANCE_M == 0.025
    assert _visibility_of(7, PART_THUMB + 1, 0.5, 0.5 + offset_m) == expected
    assert _visibility_of(0, PART_FOREARM, 0.5, 0.5 + offset_m) == expected


@pytest.mark.parametrize(
    "offset_m, expected",
    [
        (0.0, 2),
        (-0.0029, 2),  # 2.9 mm of its own finger in front: still on the skin it lies on
        (-0.0031, 1),  # 3.1 mm: seen through its own finger
        (-0.024, 1),  # visible under format 1's 25 mm bound, occluded under 1.1's
        (0.004, 2),  # its finger behind the tip: the pixel centre's ray passed beside it
        (0.03, 2),
    ],
)
@pytest.mark.parametrize("tip", FINGERTIP_INDICES)
def test_fingertip_depth_tolerance(tip, offset_m, expected):
    assert FINGERTIP_DEPTH_TOLERANCE_M == 0.003
    assert _visibility_of(tip, FINGER_OF[tip], 0.5, 0.5 + offset_m) == expected
    other = FINGER_OF[tip] % 5 + 1  # another finger at the same depth is never the tip's skin
    assert _visibility_of(tip, other, 0.5, 0.5 + offset_m) == 1


# (part at the tip's pixel, its depth offset, part of the neighbour, its offset, neighbour's distance)
NEIGHBOUR_CASES = [
    (0, 0.0, "own", 0.0, 1, 2),  # tip on the silhouette's edge: background at its pixel, its finger beside
    (0, 0.0, "own", 0.0, 2, 1),  # its finger 2 px away: too far
    (0, 0.0, "own", -0.005, 1, 1),  # the neighbour's skin is 5 mm in front: not the tip's surface
    (0, 0.0, "own", 0.01, 1, 2),  # ... 10 mm behind: its finger, seen beside the tip
    (PART_OBJECT, 0.02, "own", 0.0, 1, 2),  # the object behind the tip at its pixel
    (PART_OBJECT, -0.001, "own", 0.0, 1, 1),  # the object 1 mm in front at its pixel: never overridden
    (PART_OBJECT, -0.05, "own", 0.0, 1, 1),  # behind the object
    ("other", 0.0, "own", 0.0, 1, 2),  # another finger at the tip's depth but not in front of it
    ("own", -0.01, "own", 0.0, 1, 1),  # its own finger 10 mm in front at its pixel: seen through it
    (0, 0.0, "other", 0.0, 1, 1),  # only another finger beside
    (0, 0.0, PART_PALM, 0.0, 1, 1),  # only the palm beside
]


@pytest.mark.parametrize("tip", [4, 16])
@pytest.mark.parametrize("centre_part, centre_dz, side_part, side_dz, distance, expected", NEIGHBOUR_CASES)
def test_fingertip_neighbourhood(tip, centre_part, centre_dz, side_part, side_dz, distance, expected):
    """The 1-px neighbourhood applies only when the tip's own pixel shows background or a surface
    behind the tip, and finds its own finger at most 3 mm in front."""
    assert FINGERTIP_NEIGHBOURHOOD_PX == 1
    own, other = FINGER_OF[tip], FINGER_OF[tip] % 5 + 1
    named = {"own": own, "other": other}
    z, (u, v) = 0.4, (3, 2)
    for du, dv in [(distance, 0), (0, -distance), (-distance, distance)]:  # beside, above, diagonal
        parts, depth = _maps(0, 0.0)
        part = named.get(centre_part, centre_part)
        parts[v, u], depth[v, u] = part, (z + centre_dz) if part else 0.0
        part = named.get(side_part, side_part)
        parts[v + dv, u + du], depth[v + dv, u + du] = part, z + side_dz
        joints_uv = np.full((21, 2), -10.0)
        joints_uv[tip] = (u + 0.3, v - 0.4)
        joints_z = np.full(21, -1.0)
        joints_z[tip] = z
        vis = joint_visibility(joints_uv, joints_z, parts, depth)
        assert vis[tip] == expected, (du, dv)
        column, row = pixel_of(joints_uv[tip])
        assert fingertip_visible(int(column), int(row), z, own, parts, depth) == (expected == 2)


def test_fingertip_neighbourhood_is_clipped_at_the_image_border():
    parts, depth = _maps(0, 0.0)
    parts[1, 0], depth[1, 0] = PART_THUMB + 1, 0.5  # the index finger below the corner pixel
    assert fingertip_visible(0, 0, 0.5, PART_THUMB + 1, parts, depth)
    parts[1, 0] = 0
    parts[-1, :], depth[-1, :] = PART_THUMB + 1, 0.5  # a finger along the bottom row only (wraps if rolled)
    assert not fingertip_visible(0, 0, 0.5, PART_THUMB + 1, parts, depth)


@pytest.mark.parametrize(
    "uv, inside",
    [
        ((-0.5, 2.0), True),  # the left edge of pixel 0 belongs to it
        ((-0.6, 2.0), False),
        ((-0.5000001, 2.0), False),
        ((W - 0.5 - 1e-9, 2.0), True),
        ((W - 0.5, 2.0), False),  # the right edge of the last pixel is the next (missing) pixel's
        ((3.0, -0.5), True),
        ((3.0, -0.6), False),
        ((3.0, H - 0.5 - 1e-9), True),
        ((3.0, H - 0.5), False),
        ((1e6, 2.0), False),
    ],
)
def test_visibility_outside_is_exactly_pixel_of(uv, inside):
    px = pixel_of(np.array(uv))
    assert bool(0 <= px[0] < W and 0 <= px[1] < H) == inside
    assert _visibility_of(8, PART_THUMB + 1, 0.5, 0.5, uv=uv) == (2 if inside else 0)
    assert _visibility_of(8, PART_OBJECT, 0.5, 0.4, uv=uv) == (1 if inside else 0)


@pytest.mark.parametrize("z", [0.0, -0.5])
def test_visibility_behind_the_camera_is_outside(z):
    """A joint at or behind the camera's plane is not in the picture, even where its (u, v), computed by
    the projection with a non-positive z, lands inside: 0, whatever the maps hold at that pixel."""
    assert _visibility_of(8, PART_THUMB + 1, z, z) == 0
    assert _visibility_of(0, PART_FOREARM, z, abs(z)) == 0


def test_visibility_reads_the_joints_own_pixel():
    parts, depth = _maps(0, 0.0)
    parts[2, 5], depth[2, 5] = PART_THUMB + 1, 0.5  # only pixel (u=5, v=2) is the index finger
    joints_uv = np.full((21, 2), 100.0)
    joints_uv[8] = (5.4, 1.6)  # pixel (5, 2)
    joints_uv[7] = (4.4, 1.6)  # pixel (4, 2): background there
    joints_uv[6] = (5.4, 2.6)  # pixel (5, 3)
    joints_z = np.full(21, 0.5)
    vis = joint_visibility(joints_uv, joints_z, parts, depth)
    expected = np.zeros(21, dtype=np.int64)
    expected[[8, 7, 6]] = (2, 1, 1)
    np.testing.assert_array_equal(vis, expected)


def test_part_to_seg():
    expected = np.full(256, SEG_BACKGROUND)
    expected[list(HAND_PARTS)] = SEG_HAND
    expected[PART_FOREARM], expected[PART_OBJECT] = SEG_FOREARM, SEG_OBJECT
    np.testing.assert_array_equal(PART_TO_SEG, expected)
    assert PART_TO_SEG.dtype == np.uint8 and tuple(HAND_PARTS) == (1, 2, 3, 4, 5, 6)


# --- annotate() with a real spec and a hand-made frame ---------------------------------------------
@pytest.fixture(scope="module", params=["right", "left"])
def spec(request):
    """A sample whose 21 joints fall in distinct pixels inside the image."""
    sampler = SceneSampler(SEED, SceneConfig(renders_per_grasp=1000, sides=(request.param,)), FAMILIES)
    for i in range(100):
        spec = sampler.sample(i)
        uv = project_points(spec.joints_cam, spec.camera.K)
        px = pixel_of(uv)
        inside = (
            (px >= 0).all() and (px[:, 0] < spec.camera.width).all() and (px[:, 1] < spec.camera.height).all()
        )
        if inside and len({tuple(p) for p in px}) == 21:
            return spec
    raise AssertionError("no sample with every joint in its own pixel")


# Joint -> (part painted at its pixel, depth offset from the joint's z, expected visibility).
EDITS = {
    0: (PART_FOREARM, 0.0, 2),  # the wrist on the forearm: visible, yet not in the hand's box
    1: (PART_PALM, 0.0, 2),  # thumb CMC on the palm
    3: (PART_PALM, 0.0, 1),  # thumb IP behind the palm
    5: (PART_PALM, 0.0, 2),  # index MCP on the palm
    6: (PART_PALM, 0.0, 1),  # index PIP behind the palm
    7: (None, 0.02, 2),  # its own finger, 20 mm behind
    8: (PART_OBJECT, -0.05, 1),  # behind the object
    9: (None, -0.03, 1),  # its own finger but 30 mm in front: another layer of skin
    12: (PART_THUMB + 3, 0.0, 1),  # behind the ring finger
    16: (0, 0.0, 1),  # nothing drawn there
}


def _frame(spec) -> tuple[Frame, np.ndarray]:
    """A frame with an object block, a forearm strip and each joint's own pixel painted; the expected vis."""
    height, width = spec.camera.height, spec.camera.width
    joints_cam = spec.joints_cam
    px = pixel_of(project_points(joints_cam, spec.camera.K))
    parts = np.zeros((height, width), dtype=np.uint8)
    depth = np.zeros((height, width), dtype=np.float32)
    parts[1:9, 2:15], depth[1:9, 2:15] = PART_OBJECT, 0.4
    parts[-5:-1, -40:-3], depth[-5:-1, -40:-3] = PART_FOREARM, 0.6
    expected = np.full(21, 2, dtype=np.int64)
    for j, (u, v) in enumerate(px):
        part, offset, vis = EDITS.get(j, (None, 0.0, 2))
        part = (PART_PALM if j == 0 else FINGER_OF[j]) if part is None else part
        parts[v, u], depth[v, u] = part, (joints_cam[j, 2] + offset) if part else 0.0
        expected[j] = vis
    hand_amodal = np.zeros((height, width), dtype=bool)
    lo, hi = px.min(axis=0), px.max(axis=0)
    hand_amodal[lo[1] - 2 : hi[1] + 3, lo[0] - 1 : hi[0] + 2] = True
    object_amodal = np.zeros((height, width), dtype=bool)
    object_amodal[0:12, 1:20] = True
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    return Frame(
        rgba=rgba, parts=parts, depth_m=depth, hand_amodal=hand_amodal, object_amodal=object_amodal
    ), expected


def _box(mask: np.ndarray) -> list[int]:
    rows, cols = np.nonzero(mask)
    return [
        int(cols.min()),
        int(rows.min()),
        int(cols.max() - cols.min() + 1),
        int(rows.max() - rows.min() + 1),
    ]


FILES = {k: f"000007.{k}.png" for k in ("rgb", "seg", "hand_amodal", "object_amodal", "depth")}
RENDER_INFO = {"backend": "raster", "samples": 32, "denoise": True}


@pytest.fixture(scope="module")
def annotated(spec):
    frame, expected_vis = _frame(spec)
    return annotate(spec, frame, FILES, RENDER_INFO), frame, expected_vis


def _is_matrix(value, rows: int, cols: int) -> bool:
    return (
        type(value) is list
        and len(value) == rows
        and all(
            type(row) is list and len(row) == cols and all(type(x) is float for x in row) for row in value
        )
    )


def test_annotation_has_every_format_field(annotated, spec):
    ann, _, _ = annotated
    g = spec.grasp.grasp
    assert ann["id"] == spec.index and type(ann["id"]) is int
    assert ann["seed"] == spec.seed == sample_seed(SEED, spec.index) and type(ann["seed"]) is int
    assert ann["files"] == FILES and ann["files"] is not FILES
    assert (ann["width"], ann["height"]) == (spec.camera.width, spec.camera.height)
    assert _is_matrix(ann["K"], 3, 3) and _is_matrix(ann["T_cam_world"], 4, 4)
    np.testing.assert_array_equal(ann["K"], spec.camera.K)
    np.testing.assert_array_equal(ann["T_cam_world"], spec.camera.T_cam_world)

    hand = ann["hand"]
    assert hand["side"] == g.side and hand["side"] in ("right", "left")
    assert hand["subject"] == g.subject.id and type(hand["subject"]) is str
    assert _is_matrix(hand["joints_cam"], 21, 3) and _is_matrix(hand["joints_uv"], 21, 2)
    assert type(hand["joints_vis"]) is list and len(hand["joints_vis"]) == 21
    assert all(type(v) is int and v in (0, 1, 2) for v in hand["joints_vis"])
    for key in ("bbox", "bbox_amodal"):
        assert type(hand[key]) is list and len(hand[key]) == 4 and all(type(x) is int for x in hand[key])
    assert _is_matrix(hand["T_cam_hand"], 4, 4)
    assert hand["shape"] == g.subject.shape.to_dict() and hand["pose"] == g.pose.to_degrees()

    obj = ann["object"]
    assert obj["category"] in OBJECT_CATEGORIES and obj["family"] in FAMILIES
    assert obj["family"] == g.object.family and obj["category"] == g.object.category
    assert (
        type(obj["dims_m"]) is dict
        and obj["dims_m"]
        and all(type(v) is float for v in obj["dims_m"].values())
    )
    assert _is_matrix(obj["T_cam_object"], 4, 4) and len(obj["bbox"]) == 4

    grasp = ann["grasp"]
    assert grasp["type"] == g.grasp_type and grasp["index"] == spec.grasp.index == 0
    assert type(grasp["penetration_mm"]) is float and grasp["penetration_mm"] >= 0
    assert type(grasp["intersection_cm3"]) is float and grasp["intersection_cm3"] >= 0
    assert grasp["contact_fingers"] and set(grasp["contact_fingers"]) <= set(FINGER_NAMES)

    assert len(ann["lights"]) == len(spec.lights)
    for entry, lamp in zip(ann["lights"], spec.lights, strict=True):
        assert entry["type"] == "point" and len(entry["position_world"]) == 3 and len(entry["color"]) == 3
        assert entry["power_w"] == pytest.approx(lamp.power_w, abs=1e-4)
        np.testing.assert_allclose(entry["position_world"], lamp.position_world, atol=1e-6)
    assert ann["background"] == {"source": "procedural", "id": spec.background.id}
    assert ann["render"] == RENDER_INFO and ann["render"] is not RENDER_INFO
    assert ann["camera"]["preset"] == spec.camera.preset


def test_annotation_projection(annotated, spec):
    ann, _, _ = annotated
    joints_cam = np.array(ann["hand"]["joints_cam"])
    np.testing.assert_array_equal(joints_cam, spec.joints_cam)
    uv = np.array(ann["hand"]["joints_uv"])
    np.testing.assert_allclose(uv, project_points(joints_cam, np.array(ann["K"])), rtol=0, atol=1e-9)
    K = spec.camera.K
    by_hand = np.stack(
        [
            K[0, 0] * joints_cam[:, 0] / joints_cam[:, 2] + K[0, 2],
            K[1, 1] * joints_cam[:, 1] / joints_cam[:, 2] + K[1, 2],
        ],
        axis=1,
    )
    np.testing.assert_allclose(uv, by_hand, rtol=0, atol=1e-9)


def test_annotation_visibility(annotated):
    ann, _, expected_vis = annotated
    assert ann["hand"]["joints_vis"] == expected_vis.tolist()
    assert ann["hand"]["joints_vis"].count(1) == sum(1 for *_, vis in EDITS.values() if vis == 1)


def test_annotation_boxes(annotated):
    ann, frame, _ = annotated
    hand_box = _box(np.isin(frame.parts, HAND_PARTS))
    assert ann["hand"]["bbox"] == hand_box == _box(PART_TO_SEG[frame.parts] == SEG_HAND)
    assert ann["object"]["bbox"] == _box(frame.parts == PART_OBJECT)
    assert ann["hand"]["bbox_amodal"] == _box(frame.hand_amodal)
    assert ann["object"]["bbox_amodal"] == _box(frame.object_amodal)
    # Counting the forearm (the strip, the wrist's pixel) or the object as hand would change the box.
    assert _box(np.isin(frame.parts, (*HAND_PARTS, PART_FOREARM))) != hand_box
    assert _box(np.isin(frame.parts, (*HAND_PARTS, PART_OBJECT))) != hand_box


def test_annotation_is_strict_json(annotated):
    ann, _, _ = annotated
    text = json.dumps(ann, allow_nan=False)
    assert json.loads(text) == ann  # no tuples, numpy scalars or NaN hiding in it


def test_annotation_transforms(annotated, spec):
    ann, _, _ = annotated
    T_cam_object = np.array(ann["object"]["T_cam_object"])
    np.testing.assert_array_equal(T_cam_object, spec.camera.T_cam_world @ spec.T_world_object)
    T_cam_hand = np.array(ann["hand"]["T_cam_hand"])
    np.testing.assert_allclose(T_cam_hand, T_cam_object @ spec.grasp.grasp.T_object_hand, rtol=0, atol=1e-15)
    R = T_cam_hand[:3, :3]
    np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-12)
    assert np.linalg.det(R) == pytest.approx(1.0, abs=1e-12)
    g = spec.grasp.grasp
    joints_hand = HandRig(g.subject.shape, g.side).pose(g.pose).joints  # the rig's own (hand) frame
    joints_cam = joints_hand @ R.T + T_cam_hand[:3, 3]
    np.testing.assert_allclose(joints_cam[0], ann["hand"]["joints_cam"][0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(joints_cam, ann["hand"]["joints_cam"], rtol=0, atol=1e-12)


def test_annotation_reproduces_the_hand(annotated):
    """The stored shape, pose and T_cam_hand rebuild the joints (the pose is stored to 1e-6 degrees)."""
    ann, _, _ = annotated
    hand = ann["hand"]
    rig = HandRig(HandShape.from_dict(hand["shape"]), hand["side"])
    posed = rig.pose(HandPose.from_degrees(hand["pose"]), np.array(hand["T_cam_hand"]))
    np.testing.assert_allclose(posed.joints, hand["joints_cam"], rtol=0, atol=1e-7)


# --- compositing -----------------------------------------------------------------------------------
def test_composite_is_exact_at_the_ends_and_rounds_in_between():
    grid = np.arange(256, dtype=np.uint8)
    colour, background = np.meshgrid(grid, grid, indexing="ij")  # every (colour, background) pair
    bg = np.repeat(background[..., None], 3, axis=-1)
    for alpha in range(256):
        rgba = np.empty((256, 256, 4), dtype=np.uint8)
        rgba[..., :3] = colour[..., None]
        rgba[..., 1] = 255 - colour  # a second channel with other values
        rgba[..., 3] = alpha
        out = composite(rgba, bg)
        assert out.shape == (256, 256, 3) and out.dtype == np.uint8
        if alpha == 0:
            np.testing.assert_array_equal(out, bg)
        elif alpha == 255:
            np.testing.assert_array_equal(out, rgba[..., :3])
        else:
            exact = (rgba[..., :3].astype(np.float64) * alpha + bg.astype(np.float64) * (255 - alpha)) / 255
            assert np.abs(out - exact).max() <= 0.5  # the nearest level, so within 1 of the float formula
