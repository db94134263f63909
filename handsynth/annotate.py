"""Annotations of a sample: everything comes from its SceneSpec (our own kinematics and projection),
except joint visibility, decided with the rendered part map and depth. numpy only; never bpy, pyrender,
ray or torch.
"""

from __future__ import annotations

import numpy as np

from handsynth.conventions import (
    FINGERTIP_DEPTH_TOLERANCE_M,
    FINGERTIP_INDICES,
    FINGERTIP_NEIGHBOURHOOD_PX,
    PART_THUMB,
    VISIBLE_DEPTH_TOLERANCE_M,
    bbox_of_mask,
    inside_image,
    joint_parts,
    pixel_of,
    project_points,
)

_JOINT_PARTS = joint_parts()
# (21, 256) table: may part p be the first surface in front of joint j when j is visible?
_ALLOWED = np.zeros((len(_JOINT_PARTS), 256), dtype=bool)
for _j, _parts in enumerate(_JOINT_PARTS):
    _ALLOWED[_j, list(_parts)] = True


_TIP_FINGER_PART = {tip: PART_THUMB + f for f, tip in enumerate(FINGERTIP_INDICES)}


def joint_visibility(
    joints_uv: np.ndarray, joints_z: np.ndarray, parts: np.ndarray, depth_m: np.ndarray
) -> np.ndarray:
    """Per-joint visibility (dataset format 1.1): 0 outside the image, 1 occluded, 2 visible.

    An inner joint (wrist, CMC, MCP, PIP, DIP, IP) is visible when the first surface at its pixel belongs
    to its own finger (or, at the knuckles, thumb base and wrist, to the palm or forearm;
    ``handsynth.conventions.joint_parts``) and lies within 25 mm in front of or behind the joint. Anything
    else in front of it (the object, another finger, the far side of its own finger bent over it) makes
    it occluded.

    A fingertip lies on the skin, so it follows ``fingertip_visible`` (3 mm in front, its own finger only,
    a 1-px neighbourhood on the silhouette's edge).

    Args:
        joints_uv: (21, 2) float64 pixel coordinates.
        joints_z: (21,) float64 camera-frame depth (m).
        parts: (H, W) uint8 part map of the render.
        depth_m: (H, W) float32 depth of the render (m; 0 where nothing was drawn).
    Returns:
        (21,) int64 in {0, 1, 2}.
    """
    height, width = parts.shape
    vis = np.zeros(len(joints_uv), dtype=np.int64)
    inside = inside_image(joints_uv, width, height) & (joints_z > 0)
    px = pixel_of(joints_uv[inside])
    part = parts[px[:, 1], px[:, 0]]
    surface = depth_m[px[:, 1], px[:, 0]].astype(np.float64)
    own = _ALLOWED[np.flatnonzero(inside), part]
    near = np.abs(surface - joints_z[inside]) <= VISIBLE_DEPTH_TOLERANCE_M
    vis[inside] = np.where(own & near, 2, 1)
    for tip in FINGERTIP_INDICES:
        if inside[tip]:
            column, row = pixel_of(joints_uv[tip])
            seen = fingertip_visible(
                int(column), int(row), joints_z[tip], _TIP_FINGER_PART[tip], parts, depth_m
            )
            vis[tip] = 2 if seen else 1
    return vis


def fingertip_visible(
    column: int, row: int, tip_z: float, finger_part: int, parts: np.ndarray, depth_m: np.ndarray
) -> bool:
    """Whether a fingertip in pixel (``column``, ``row``) at depth ``tip_z`` is visible (format 1.1).

    Let a surface be *near* when its depth is at least ``tip_z - FINGERTIP_DEPTH_TOLERANCE_M`` (3 mm in
    front of the tip, or anywhere behind it). The tip is visible when

    1. its own pixel shows its own finger (``finger_part``) near the tip; or
    2. its own pixel shows background or a surface behind the tip (depth >= ``tip_z``: the pixel centre's
       ray passed beside the tip, which is on the silhouette's edge), and a pixel at most
       ``FINGERTIP_NEIGHBOURHOOD_PX`` away in rows and columns (the 3 x 3 block, clipped to the image)
       shows its own finger near the tip.

    Otherwise it is occluded: anything more than 3 mm in front at its pixel (its own finger too: the tip
    is then seen through the finger), or another part between 3 mm in front and the tip itself. The
    neighbourhood never overrides a surface in front of the tip at the tip's own pixel.

    Args:
        column, row: the tip's pixel (``handsynth.conventions.pixel_of``), inside the image.
        tip_z: camera-frame depth of the tip (m).
        finger_part: the part id of the tip's finger.
        parts: (H, W) uint8 part map; depth_m: (H, W) float depth of its surfaces (m).
    """
    floor = tip_z - FINGERTIP_DEPTH_TOLERANCE_M
    part, depth = int(parts[row, column]), float(depth_m[row, column])
    if part == finger_part and depth >= floor:
        return True
    if part != 0 and depth < tip_z:
        return False
    r = FINGERTIP_NEIGHBOURHOOD_PX
    block = np.s_[max(row - r, 0) : row + r + 1, max(column - r, 0) : column + r + 1]
    near_own = (parts[block] == finger_part) & (depth_m[block].astype(np.float64) >= floor)
    return bool(near_own.any())


def _matrix(T: np.ndarray) -> list:
    return [[float(x) for x in row] for row in T]


def annotate(spec, frame, files: dict[str, str], render_info: dict) -> dict:
    """The annotation line of a sample (``docs/dataset-format.md``).

    Args:
        spec: the ``SceneSpec`` the frame was rendered from.
        frame: the renderer's ``Frame`` (visibility and the visible boxes only).
        files: kind -> file name of the sample's images.
        render_info: the ``render`` entry (backend and its settings).
    """
    grasp = spec.grasp
    g = grasp.grasp
    camera = spec.camera
    joints_cam = spec.joints_cam
    joints_uv = project_points(joints_cam, camera.K)
    vis = joint_visibility(joints_uv, joints_cam[:, 2], frame.parts, frame.depth_m)
    seg = frame.seg
    T_cam_object = spec.T_cam_object
    obj = g.object.describe()
    quality = g.quality.to_dict()
    return {
        "id": spec.index,
        "seed": spec.seed,
        "files": dict(files),
        "width": camera.width,
        "height": camera.height,
        "K": _matrix(camera.K),
        "T_cam_world": _matrix(camera.T_cam_world),
        "hand": {
            "side": g.side,
            "subject": g.subject.id,
            "joints_cam": [[float(x) for x in p] for p in joints_cam],
            "joints_uv": [[float(x) for x in p] for p in joints_uv],
            "joints_vis": [int(v) for v in vis],
            "bbox": bbox_of_mask(seg == 1),
            "bbox_amodal": bbox_of_mask(frame.hand_amodal),
            "T_cam_hand": _matrix(T_cam_object @ g.T_object_hand),
            "shape": g.subject.shape.to_dict(),
            "pose": g.pose.to_degrees(),
            "skin_tint": [round(float(x), 6) for x in spec.skin_tint],
        },
        "object": {
            "category": obj["category"],
            "family": obj["family"],
            "source": obj["source"],
            "dims_m": obj["dims_m"],
            "T_cam_object": _matrix(T_cam_object),
            "bbox": bbox_of_mask(seg == 2),
            "bbox_amodal": bbox_of_mask(frame.object_amodal),
            "materials": obj["materials"],
        },
        "grasp": {
            "type": g.grasp_type,
            "feix": g.feix[1],
            "index": grasp.index,
            "penetration_mm": quality["penetration_mm"],
            "intersection_cm3": quality["intersection_cm3"],
            "contact_fingers": quality["contact_fingers"],
            "thumb_opposition": quality["thumb_opposition"],
            "self_penetration_mm": quality["self_penetration_mm"],
            # Simulated stability (docs/dataset-fields.md), present when the run's scene.stability is on.
            **({"stability": dict(quality["stability"])} if "stability" in quality else {}),
        },
        "camera": camera.describe(),
        "lights": [lamp.describe() for lamp in spec.lights],
        "ambient": round(spec.ambient, 6),
        "background": spec.background.describe(),
        "render": dict(render_info),
    }
