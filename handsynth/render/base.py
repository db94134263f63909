"""What every renderer backend returns, and the compositing they share; numpy only (no pyrender, bpy,
ray or torch here).

A backend turns a ``SceneSpec`` into pixels and nothing else: annotations come from the spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from handsynth.conventions import (
    HAND_PARTS,
    PART_FOREARM,
    PART_TO_SEG,
    inside_image,
    pixel_of,
    project_points,
)

# The amodal hand reaches this far past the wrist joint towards the elbow (see ``amodal_hand_faces``).
AMODAL_WRIST_MARGIN_M = 0.01


@dataclass(frozen=True)
class Frame:
    """The pixels of one sample, before the background is composited.

    Attributes:
        rgba: (H, W, 4) uint8 sRGB colour of the hand, arm and object with straight (not premultiplied)
            alpha coverage; 0 alpha where nothing was drawn.
        parts: (H, W) uint8 part id of the first surface at each pixel centre
            (``handsynth.conventions.PART_NAMES``; 0 background).
        depth_m: (H, W) float32 camera-z depth of that surface (m); 0 where ``parts`` is 0.
        hand_amodal: (H, W) bool, the whole hand's silhouette as if nothing else were there: the pixels
            whose centre lies in a projected triangle of ``amodal_hand_faces``, whichever way it faces,
            and the pixel of each hand joint (``with_joint_pixels``).
        object_amodal: (H, W) bool, the object as if the hand were not there.
    """

    rgba: np.ndarray
    parts: np.ndarray
    depth_m: np.ndarray
    hand_amodal: np.ndarray
    object_amodal: np.ndarray

    @property
    def seg(self) -> np.ndarray:
        """(H, W) uint8 label map (``handsynth.conventions.SEG_LABELS``)."""
        return PART_TO_SEG[self.parts]


def amodal_hand_faces(grasp) -> np.ndarray:
    """(F,) bool over ``grasp.hand_faces``: the skin every backend draws into ``hand_amodal``.

    The hand's parts (fingers and palm) plus the forearm stub's faces with a vertex less than
    ``AMODAL_WRIST_MARGIN_M`` (1 cm) on the elbow side of the wrist joint's plane (the plane through the
    wrist joint across ``grasp.forearm_dir``). The wrist joint lies inside the stub, where faces belong to
    the forearm by their dominant bone, so the hand's parts alone leave it outside their silhouette in
    some views. With the band, every line of sight through the wrist meets kept skin on at least one
    side of it (the skinned mesh is closed, and a line crosses the plane once), so the silhouette of these
    faces drawn from both sides holds every hand joint.

    Args:
        grasp: a ``handsynth.scene.grasps.GraspScene`` (hand_vertices, hand_faces, hand_face_parts,
            joints, forearm_dir in its object frame).
    """
    wrist_plane = grasp.joints[0] - AMODAL_WRIST_MARGIN_M * grasp.forearm_dir
    distal = (grasp.hand_vertices - wrist_plane) @ grasp.forearm_dir > 0  # (V,)
    band = (grasp.hand_face_parts == PART_FOREARM) & distal[grasp.hand_faces].any(axis=1)
    return np.isin(grasp.hand_face_parts, HAND_PARTS) | band


def with_joint_pixels(silhouette: np.ndarray, joints_cam: np.ndarray, K: np.ndarray) -> np.ndarray:
    """The amodal hand: ``silhouette`` plus the pixel of each hand joint in front of the camera.

    A fingertip is a vertex of the skin at the very end of its finger (the mesh ends in a short point
    there: the ring of vertices around it lies about 2 mm behind it), so it is on the silhouette's edge
    whenever the finger is seen from the side, and at a few millimetres per pixel the pixel centres
    around it can all miss the finger (1.7 px away in one of 48 samples at 160 x 120). The tip belongs to the
    hand, so its pixel does too. Inner joints lie inside the skin, hence inside the continuous silhouette,
    but at low resolution a finger is narrower than a pixel and its pixel centres can miss it too (a
    little-finger PIP at 32 x 32), so every joint's pixel is added: each is a pixel the hand covers at
    least in part, and every hand joint inside the image then lies in ``hand_amodal`` at its own pixel.

    Args:
        silhouette: (H, W) bool, pixels whose centre lies in a projected skin triangle.
        joints_cam: (21, 3) camera-frame joints; K: (3, 3) intrinsics.
    Returns:
        (H, W) bool, a new array.
    """
    height, width = silhouette.shape
    joints = np.asarray(joints_cam, dtype=np.float64)
    uv = project_points(joints, K)
    px = pixel_of(uv[inside_image(uv, width, height) & (joints[:, 2] > 0)])
    mask = silhouette.copy()
    mask[px[:, 1], px[:, 0]] = True
    return mask


class Renderer(Protocol):
    """A renderer backend: ``render(spec) -> Frame``; ``close()`` frees its context."""

    name: str

    def render(self, spec) -> Frame: ...

    def close(self) -> None: ...


def composite(rgba: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Alpha-composite an sRGB layer over a background.

    Args:
        rgba: (H, W, 4) uint8, straight alpha.
        background: (H, W, 3) uint8.
    Returns:
        (H, W, 3) uint8; exact where alpha is 0 or 255.
    """
    alpha = rgba[..., 3:4].astype(np.uint16)
    mixed = rgba[..., :3].astype(np.uint16) * alpha + background.astype(np.uint16) * (255 - alpha)
    return ((mixed + 127) // 255).astype(np.uint8)
