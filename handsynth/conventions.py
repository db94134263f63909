"""Single home of handsynth's conventions (units, frames, pixels, joint order); imports only numpy.

Units
    Metres in every stored 3D quantity, pixels for 2D, millimetres only in reported 3D errors.
    16-bit depth PNGs store depth in steps of ``DEPTH_UNIT_M`` (0.1 mm): ``depth_m = png * DEPTH_UNIT_M``.
    Segmentation masks use ``SEG_LABELS`` (0 background, 1 hand, 2 object, 3 forearm).

Frames
    Camera frame is OpenCV: x right, y down, z forward (points in front of the camera have z > 0).
    Blender's camera looks down -z with y up; convert only with ``cam_blender_to_opencv`` /
    ``cam_opencv_to_blender``. Transforms are 4x4 float64 named ``T_<to>_<from>``, so
    ``p_cam = T_cam_world @ p_world`` and ``T_a_c = T_a_b @ T_b_c``.

Pixels
    The centre of the top-left pixel is (0, 0); ``u = fx * x / z + cx``, ``v = fy * y / z + cy``.
    A centred camera of W x H pixels has its principal point at ``((W - 1) / 2, (H - 1) / 2)``.

Joint order (21, FreiHAND / OpenPose / MMPose)
    0 wrist; thumb 1 CMC, 2 MCP, 3 IP, 4 tip; index 5 MCP, 6 PIP, 7 DIP, 8 tip; middle 9-12;
    ring 13-16; little 17-20. Other orders (RHD, STB, MANO, InterHand) are index maps in
    ``JOINT_ORDERS``: ``joints_std = joints_X[..., JOINT_ORDERS[X], :]``.

Colour
    Albedos and lighting are linear RGB; images, PNG textures and palettes are sRGB-encoded. Convert only
    with ``srgb_to_linear``, ``linear_to_srgb`` and ``linear_to_srgb8`` (IEC 61966-2-1 piecewise curve).
"""

import numpy as np

# --- units and labels --------------------------------------------------------------------------
DEPTH_UNIT_M = 1e-4
SEG_BACKGROUND, SEG_HAND, SEG_OBJECT, SEG_FOREARM = 0, 1, 2, 3
SEG_LABELS = {SEG_BACKGROUND: "background", SEG_HAND: "hand", SEG_OBJECT: "object", SEG_FOREARM: "forearm"}
OBJECT_CATEGORIES = ("cylindrical", "slender", "cubical", "spherical")

# --- standard 21-joint order -------------------------------------------------------------------
FINGER_NAMES = ("thumb", "index", "middle", "ring", "little")
JOINT_NAMES = (
    "wrist",
    "thumb_cmc",
    "thumb_mcp",
    "thumb_ip",
    "thumb_tip",
    "index_mcp",
    "index_pip",
    "index_dip",
    "index_tip",
    "middle_mcp",
    "middle_pip",
    "middle_dip",
    "middle_tip",
    "ring_mcp",
    "ring_pip",
    "ring_dip",
    "ring_tip",
    "little_mcp",
    "little_pip",
    "little_dip",
    "little_tip",
)
NUM_JOINTS = 21
FINGER_JOINTS = {finger: tuple(range(1 + 4 * i, 5 + 4 * i)) for i, finger in enumerate(FINGER_NAMES)}
FINGERTIP_INDICES = tuple(joints[-1] for joints in FINGER_JOINTS.values())  # (4, 8, 12, 16, 20)
JOINT_PARENTS = (-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19)
BONES = [(parent, child) for child, parent in enumerate(JOINT_PARENTS) if parent >= 0]


# --- render parts and joint visibility -----------------------------------------------------------
# Part ids drawn into a renderer's part map (0 is background): one per finger, palm, forearm, object.
PART_BACKGROUND, PART_THUMB, PART_PALM, PART_FOREARM, PART_OBJECT = 0, 1, 6, 7, 8
PART_NAMES = ("background", "thumb", "index", "middle", "ring", "little", "palm", "forearm", "object")
HAND_PARTS = (1, 2, 3, 4, 5, 6)  # label "hand" in seg.png; PART_FOREARM is "forearm", PART_OBJECT "object"
# part id -> seg label (SEG_LABELS), as a lookup table over uint8 part maps.
PART_TO_SEG = np.full(256, SEG_BACKGROUND, dtype=np.uint8)
PART_TO_SEG[list(HAND_PARTS)] = SEG_HAND
PART_TO_SEG[PART_FOREARM] = SEG_FOREARM
PART_TO_SEG[PART_OBJECT] = SEG_OBJECT
PART_TO_SEG.flags.writeable = False

# An inner joint (not a fingertip) is visible when the first surface at its pixel lies at most this far
# from the joint's own depth (the dataset format's bound).
VISIBLE_DEPTH_TOLERANCE_M = 0.025
# A fingertip lies on the skin (it is a vertex of the hand mesh), so format 1.1 gives it a tight bound: it
# is visible when its own finger is the first surface and lies at most this far in front of the tip's z.
FINGERTIP_DEPTH_TOLERANCE_M = 0.003
# A tip on the silhouette's edge may fall in a pixel whose centre just misses its finger: the finger may
# then be found at a pixel at most this many pixels away (rows and columns; a 3 x 3 block for 1).
FINGERTIP_NEIGHBOURHOOD_PX = 1


def joint_parts() -> tuple[frozenset[int], ...]:
    """For each of the 21 joints, the parts whose skin may be the first surface in front of it when
    the joint counts as visible: its own finger, plus the palm at the knuckles and thumb base, and the
    palm or forearm at the wrist."""
    allowed = [frozenset({PART_PALM, PART_FOREARM})]
    for f, joints in enumerate(FINGER_JOINTS.values()):
        finger = PART_THUMB + f
        for k, _ in enumerate(joints):
            base = k == 0 or (f == 0 and k == 1)  # MCP knuckles; the thumb's CMC and MCP
            allowed.append(frozenset({finger, PART_PALM}) if base else frozenset({finger}))
    return tuple(allowed)


def _index_map(indices):
    array = np.array(indices, dtype=np.int64)
    array.flags.writeable = False
    return array


# std_from_X: joints_std = joints_X[..., std_from_X, :]. Values from training_anchors.md section 1.6.
JOINT_ORDERS = {
    # RHD / hand3d / MMPose rhd2d: wrist, then each finger tip -> MCP. Self-inverse.
    "rhd": _index_map([0, 4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13, 20, 19, 18, 17]),
    # STB handPara: joint 0 is the PALM CENTRE, not the wrist, so std slot 0 holds the palm centre
    # after mapping; then little, ring, middle, index, thumb, each MCP -> tip.
    "stb": _index_map([0, 17, 18, 19, 20, 13, 14, 15, 16, 9, 10, 11, 12, 5, 6, 7, 8, 1, 2, 3, 4]),
    # MANO J_transformed + appended tips (HO-3D): index, middle, little, ring, thumb (3 each), tips 16-20.
    "mano": _index_map([0, 13, 14, 15, 16, 1, 2, 3, 17, 4, 5, 6, 18, 10, 11, 12, 19, 7, 8, 9, 20]),
    # InterHand2.6M / MMPose interhand2d: each finger tip -> MCP, wrist last.
    "interhand": _index_map([20, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 19, 18, 17, 16]),
}


def _std_from(order: str, joints: np.ndarray) -> np.ndarray:
    if order not in JOINT_ORDERS:
        raise ValueError(f"unknown joint order {order!r}; valid orders: {', '.join(JOINT_ORDERS)}")
    if joints.ndim < 2 or joints.shape[-2] != NUM_JOINTS:
        raise ValueError(f"expected joints of shape (..., {NUM_JOINTS}, D), got {joints.shape}")
    return JOINT_ORDERS[order]


def to_standard(joints: np.ndarray, order: str) -> np.ndarray:
    """Reorder joints from ``order`` into the standard order.

    joints: (..., 21, D) in ``order`` (one of ``JOINT_ORDERS``); returns (..., 21, D), same dtype.
    For "stb" the result's slot 0 is STB's palm centre, not a wrist: convert it separately and
    record which palm-to-wrist rule was used. Raises ValueError for an unknown order.
    """
    joints = np.asarray(joints)
    return joints[..., _std_from(order, joints), :]


def from_standard(joints: np.ndarray, order: str) -> np.ndarray:
    """Reorder joints from the standard order into ``order``; the inverse of ``to_standard``.

    joints: (..., 21, D) in standard order; returns (..., 21, D), same dtype.
    For "stb" the value in standard slot 0 lands in STB's palm-centre slot unchanged.
    """
    joints = np.asarray(joints)
    x_from_std = np.argsort(_std_from(order, joints))  # inverse permutation
    return joints[..., x_from_std, :]


# --- camera --------------------------------------------------------------------------------------
def make_intrinsics(
    focal_length_px: float, width: int, height: int, cx: float | None = None, cy: float | None = None
) -> np.ndarray:
    """Pinhole intrinsics ``K`` (3, 3) float64 with fx = fy = ``focal_length_px``.

    The principal point defaults to the image centre ``((width - 1) / 2, (height - 1) / 2)``,
    since the centre of the top-left pixel is (0, 0).
    """
    cx = (width - 1) / 2 if cx is None else cx
    cy = (height - 1) / 2 if cy is None else cy
    return np.array(
        [[focal_length_px, 0.0, cx], [0.0, focal_length_px, cy], [0.0, 0.0, 1.0]], dtype=np.float64
    )


def project_points(points_cam: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Project OpenCV camera-frame points to pixels.

    points_cam: (..., 3) metres with z > 0; K: (3, 3). Returns uv: (..., 2) float64.
    """
    homogeneous = np.asarray(points_cam, dtype=np.float64) @ np.asarray(K, dtype=np.float64).T  # (..., 3)
    return homogeneous[..., :2] / homogeneous[..., 2:3]


def pixel_of(uv: np.ndarray) -> np.ndarray:
    """The pixel (column, row) a point falls in: (..., 2) float uv -> (..., 2) int64.

    Pixel ``(i, j)`` covers ``[i - 0.5, i + 0.5) x [j - 0.5, j + 0.5)``, since its centre is ``(i, j)``.
    """
    return np.floor(np.asarray(uv, dtype=np.float64) + 0.5).astype(np.int64)


def inside_image(uv: np.ndarray, width: int, height: int) -> np.ndarray:
    """(..., 2) uv -> (...,) bool: the point falls in one of the image's pixels (``pixel_of`` in range)."""
    px = pixel_of(uv)
    return (px[..., 0] >= 0) & (px[..., 0] < width) & (px[..., 1] >= 0) & (px[..., 1] < height)


def bbox_of_mask(mask: np.ndarray) -> list[int]:
    """(H, W) bool mask -> ``[x, y, w, h]`` ints of its tight pixel box; ``[0, 0, 0, 0]`` when empty.

    ``x, y`` are the first column and row with a set pixel; ``w, h`` count columns and rows inclusively.
    This is the convention of ``hand.bbox`` (of ``seg == 1``) and ``object.bbox`` (of ``seg == 2``).
    """
    mask = np.asarray(mask, dtype=bool)
    cols = np.flatnonzero(mask.any(axis=0))
    if cols.size == 0:
        return [0, 0, 0, 0]
    rows = np.flatnonzero(mask.any(axis=1))
    return [int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)]


def invert_transform(T: np.ndarray) -> np.ndarray:
    """Inverse of rigid transforms via R^T: (..., 4, 4) ``T_a_b`` -> (..., 4, 4) float64 ``T_b_a``."""
    T = np.asarray(T, dtype=np.float64)
    rotation_t = np.swapaxes(T[..., :3, :3], -1, -2)
    inverse = np.zeros_like(T)
    inverse[..., :3, :3] = rotation_t
    inverse[..., :3, 3] = -np.einsum("...ij,...j->...i", rotation_t, T[..., :3, 3])
    inverse[..., 3, 3] = 1.0
    return inverse


def transform_points(T: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a 4x4 transform ``T_a_b`` (4, 4) to points (..., 3) in frame b; returns (..., 3) float64 in a."""
    T = np.asarray(T, dtype=np.float64)
    return np.asarray(points, dtype=np.float64) @ T[:3, :3].T + T[:3, 3]


# p_cam_opencv = T_OPENCV_FROM_BLENDER_CAM @ p_cam_blender (flip y and z). It is its own inverse.
T_OPENCV_FROM_BLENDER_CAM = np.diag([1.0, -1.0, -1.0, 1.0])
T_OPENCV_FROM_BLENDER_CAM.flags.writeable = False


def cam_blender_to_opencv(T_world_cam_blender: np.ndarray) -> np.ndarray:
    """Camera pose (4, 4) with a Blender camera frame -> (4, 4) float64 ``T_world_cam_opencv``."""
    T_blender_from_opencv = invert_transform(T_OPENCV_FROM_BLENDER_CAM)
    return np.asarray(T_world_cam_blender, dtype=np.float64) @ T_blender_from_opencv


def cam_opencv_to_blender(T_world_cam_opencv: np.ndarray) -> np.ndarray:
    """Camera pose (4, 4) with an OpenCV camera frame -> (4, 4) float64 ``T_world_cam_blender``."""
    return np.asarray(T_world_cam_opencv, dtype=np.float64) @ T_OPENCV_FROM_BLENDER_CAM


# --- colour: sRGB <-> linear RGB (IEC 61966-2-1) -------------------------------------------------
def srgb_to_linear(c) -> np.ndarray:
    """sRGB-encoded values (...,) in [0, 1] -> linear RGB (...,) float64, same shape; not clipped."""
    c = np.asarray(c, dtype=np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(c) -> np.ndarray:
    """Linear RGB (...,) -> sRGB-encoded (...,) float64 in [0, 1], same shape; clipped to [0, 1] first."""
    c = np.clip(np.asarray(c, dtype=np.float64), 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1.0 / 2.4) - 0.055)


def linear_to_srgb8(c) -> np.ndarray:
    """Linear RGB (...,) -> (...,) uint8 sRGB (what a PNG or glTF texture holds), rounded to nearest."""
    return np.round(linear_to_srgb(c) * 255.0).astype(np.uint8)
