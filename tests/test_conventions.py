"""Tests of handsynth.conventions: joint tables, order maps, projection and camera frames."""

import itertools

import numpy as np
import pytest

from handsynth import conventions as cv


def random_rigid(rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    rotation = q * np.sign(np.diag(r))
    if np.linalg.det(rotation) < 0:
        rotation[:, 0] *= -1
    T = np.eye(4)
    T[:3, :3] = rotation
    T[:3, 3] = rng.normal(size=3)
    return T


def test_joint_tables_are_consistent():
    assert len(cv.JOINT_NAMES) == len(cv.JOINT_PARENTS) == cv.NUM_JOINTS == 21
    assert cv.JOINT_NAMES[0] == "wrist"
    assert tuple(cv.FINGER_JOINTS) == cv.FINGER_NAMES
    assert cv.FINGERTIP_INDICES == (4, 8, 12, 16, 20)
    covered = sorted(j for joints in cv.FINGER_JOINTS.values() for j in joints)
    assert covered == list(range(1, 21))
    for finger, joints in cv.FINGER_JOINTS.items():
        assert cv.JOINT_PARENTS[joints[0]] == 0  # every finger hangs off the wrist
        for parent, child in itertools.pairwise(joints):
            assert cv.JOINT_PARENTS[child] == parent
        assert all(cv.JOINT_NAMES[j].startswith(finger + "_") for j in joints)
        assert cv.JOINT_NAMES[joints[-1]] == f"{finger}_tip"
    assert cv.BONES == [(p, c) for c, p in enumerate(cv.JOINT_PARENTS) if p >= 0]
    assert len(cv.BONES) == 20


def test_seg_labels():
    assert cv.SEG_LABELS == {
        cv.SEG_BACKGROUND: "background",
        cv.SEG_HAND: "hand",
        cv.SEG_OBJECT: "object",
        cv.SEG_FOREARM: "forearm",
    }
    assert (cv.SEG_BACKGROUND, cv.SEG_HAND, cv.SEG_OBJECT, cv.SEG_FOREARM) == (0, 1, 2, 3)


@pytest.mark.parametrize("order", sorted(cv.JOINT_ORDERS))
def test_order_is_permutation_and_round_trips(order):
    std_from_x = cv.JOINT_ORDERS[order]
    assert sorted(std_from_x.tolist()) == list(range(21))
    joints = np.random.default_rng(0).normal(size=(2, 3, 21, 3))
    to_std = cv.to_standard(joints, order)
    assert to_std.shape == joints.shape
    np.testing.assert_array_equal(cv.from_standard(to_std, order), joints)
    np.testing.assert_array_equal(cv.to_standard(cv.from_standard(joints, order), order), joints)


def test_rhd_is_self_inverse_and_maps_parents():
    rhd = cv.JOINT_ORDERS["rhd"]
    np.testing.assert_array_equal(rhd[rhd], np.arange(21))
    # RHD's own parent table (reference notes 1.6b) must become the standard one after mapping.
    rhd_parents = [-1, 2, 3, 4, 0, 6, 7, 8, 0, 10, 11, 12, 0, 14, 15, 16, 0, 18, 19, 20, 0]
    std_of_rhd = np.argsort(rhd)
    mapped = [-1 if rhd_parents[rhd[i]] < 0 else int(std_of_rhd[rhd_parents[rhd[i]]]) for i in range(21)]
    assert tuple(mapped) == cv.JOINT_PARENTS


def test_stb_palm_and_thumb_tip():
    stb = np.arange(21)[:, None]  # joint k carries value k
    std = cv.to_standard(stb, "stb")[:, 0]
    assert std[0] == 0  # STB's palm centre lands in the wrist slot
    assert std[4] == 20  # thumb tip
    assert std[20] == 4  # little tip


def test_mano_index_tip_and_inverse_table():
    std = cv.to_standard(np.arange(21)[:, None], "mano")[:, 0]
    assert std[8] == 17
    mano_from_std = [0, 5, 6, 7, 9, 10, 11, 17, 18, 19, 13, 14, 15, 1, 2, 3, 4, 8, 12, 16, 20]
    assert cv.from_standard(np.arange(21)[:, None], "mano")[:, 0].tolist() == mano_from_std


def test_interhand_wrist_last():
    std = cv.to_standard(np.arange(21)[:, None], "interhand")[:, 0]
    assert std[0] == 20 and std[1] == 3 and std[4] == 0


def test_unknown_order_and_bad_shape_raise():
    with pytest.raises(ValueError, match="valid orders: rhd, stb, mano, interhand"):
        cv.to_standard(np.zeros((21, 3)), "nyu")
    with pytest.raises(ValueError, match="valid orders"):
        cv.from_standard(np.zeros((21, 3)), "RHD")
    with pytest.raises(ValueError, match="21"):
        cv.to_standard(np.zeros((14, 3)), "rhd")


def test_make_intrinsics_principal_point():
    K = cv.make_intrinsics(500.0, 640, 480)
    np.testing.assert_array_equal(K, [[500.0, 0.0, 319.5], [0.0, 500.0, 239.5], [0.0, 0.0, 1.0]])
    assert K.dtype == np.float64
    K = cv.make_intrinsics(500.0, 640, 480, cx=300.0, cy=200.0)
    assert (K[0, 2], K[1, 2]) == (300.0, 200.0)


def test_project_points_worked_example():
    K = cv.make_intrinsics(500.0, 640, 480)
    points = np.array([[[0.1, -0.05, 0.5], [0.0, 0.0, 2.0]]])  # (1, 2, 3)
    uv = cv.project_points(points, K)
    assert uv.shape == (1, 2, 2) and uv.dtype == np.float64
    # u = 500 * 0.1 / 0.5 + 319.5, v = 500 * -0.05 / 0.5 + 239.5
    np.testing.assert_allclose(uv, [[[419.5, 189.5], [319.5, 239.5]]])


def test_invert_and_transform_points():
    rng = np.random.default_rng(1)
    for _ in range(10):
        T = random_rigid(rng)
        np.testing.assert_allclose(cv.invert_transform(T) @ T, np.eye(4), atol=1e-12)
        points = rng.normal(size=(4, 5, 3))
        moved = cv.transform_points(T, points)
        expected = (np.concatenate([points, np.ones((4, 5, 1))], axis=-1) @ T.T)[..., :3]
        np.testing.assert_allclose(moved, expected, atol=1e-12)
        np.testing.assert_allclose(cv.transform_points(cv.invert_transform(T), moved), points, atol=1e-12)


def test_blender_opencv_camera():
    rng = np.random.default_rng(2)
    T_world_cam_blender = random_rigid(rng)
    T_world_cam_opencv = cv.cam_blender_to_opencv(T_world_cam_blender)
    np.testing.assert_allclose(cv.cam_opencv_to_blender(T_world_cam_opencv), T_world_cam_blender, atol=1e-12)
    np.testing.assert_allclose(T_world_cam_opencv[:3, 3], T_world_cam_blender[:3, 3])  # same centre
    # A point 1 m in front of the Blender camera sits at -z in its frame, +z in the OpenCV frame.
    p_world = cv.transform_points(T_world_cam_blender, np.array([0.0, 0.0, -1.0]))
    p_cam = cv.transform_points(cv.invert_transform(T_world_cam_opencv), p_world)
    np.testing.assert_allclose(p_cam, [0.0, 0.0, 1.0], atol=1e-12)
    # Blender's up (+y) is OpenCV's -y (image up).
    p_world = cv.transform_points(T_world_cam_blender, np.array([0.0, 1.0, -1.0]))
    p_cam = cv.transform_points(cv.invert_transform(T_world_cam_opencv), p_world)
    np.testing.assert_allclose(p_cam, [0.0, -1.0, 1.0], atol=1e-12)


def test_pixel_of_and_inside_image_follow_the_pixel_centre_convention():
    from handsynth.conventions import inside_image, pixel_of

    uv = np.array([[0.0, 0.0], [-0.5, -0.5], [-0.51, 0.0], [319.49, 319.49], [319.5, 0.0], [2.5, 7.49]])
    assert pixel_of(uv).tolist() == [[0, 0], [0, 0], [-1, 0], [319, 319], [320, 0], [3, 7]]
    assert inside_image(uv, 320, 320).tolist() == [True, True, False, True, False, True]


# --- colour ---------------------------------------------------------------------------------------


def test_srgb8_encoding():
    tex = np.array([[[0.0, 1.0, 0.5], [0.0031308, 0.2158605, 2.0]]])  # sRGB 128 / 255 is linear 0.21586
    out = cv.linear_to_srgb8(tex)
    assert out.dtype == np.uint8 and out.shape == (1, 2, 3)
    np.testing.assert_array_equal(out, [[[0, 255, 188], [10, 128, 255]]])


def test_srgb_curve_worked_values_and_round_trip():
    # Both pieces: the linear toe (0.04045 -> 0.04045 / 12.92) and the power law (sRGB 0.5 -> 0.2140).
    np.testing.assert_allclose(
        cv.srgb_to_linear([0.0, 0.04045, 0.5, 1.0]), [0, 0.04045 / 12.92, 0.21404, 1], atol=5e-6
    )
    c = np.linspace(0.0, 1.0, 1001)
    np.testing.assert_allclose(cv.linear_to_srgb(cv.srgb_to_linear(c)), c, atol=1e-12)
    np.testing.assert_allclose(cv.srgb_to_linear(cv.linear_to_srgb(c)), c, atol=1e-12)
    assert np.all(np.diff(cv.srgb_to_linear(c)) > 0)  # monotonic across the joint of the two pieces
    # Every 8-bit code survives decode -> encode.
    codes = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(cv.linear_to_srgb8(cv.srgb_to_linear(codes / 255.0)), codes)


def test_srgb_dtypes_shapes_and_clipping():
    assert cv.srgb_to_linear(np.zeros((2, 3), np.float32)).dtype == np.float64
    assert cv.linear_to_srgb(np.zeros((4, 1, 3), np.float32)).shape == (4, 1, 3)
    np.testing.assert_allclose(cv.linear_to_srgb([-0.5, 1.5]), [0.0, 1.0], atol=1e-15)  # encoding clips
    assert cv.srgb_to_linear(1.2) > 1.0  # decoding does not (callers clip where they must)


def test_srgb_is_defined_once():
    """The curve's constants appear in the package only in conventions.py (and the GLSL shader)."""
    from pathlib import Path

    root = Path(cv.__file__).parent
    holders = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "0.04045" in p.read_text() or "0.0031308" in p.read_text()
    )
    assert holders == ["conventions.py"]
