"""The one sample type every data source yields (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from handsynth.conventions import NUM_JOINTS, inside_image

# Visibility of a joint in ``HandSample.joints_vis`` (the handsynth / COCO convention).
VIS_NONE, VIS_OCCLUDED, VIS_VISIBLE = 0, 1, 2


@dataclass(frozen=True, kw_only=True)
class HandSample:
    """One hand in one image, joints in the standard 21-joint order (``handsynth.conventions``).

    Pixel centres are at integer coordinates; 3D points are metres in the OpenCV camera frame.
    """

    image: np.ndarray
    """(H, W, 3) uint8 RGB."""
    joints_uv: np.ndarray
    """(21, 2) float32 pixels; meaningless where ``joints_vis == 0``."""
    joints_vis: np.ndarray
    """(21,) uint8: 0 no usable 2D label (unannotated or outside the image), 1 labelled but occluded,
    2 labelled and visible (or labelled with unknown occlusion: FreiHAND, HO-3D, DexYCB)."""
    joints_cam: np.ndarray | None = None
    """(21, 3) float32 metres, OpenCV camera frame; None where the source has no 3D labels."""
    joints_cam_valid: np.ndarray | None = None
    """(21,) bool: which rows of ``joints_cam`` are labelled (HO-3D evaluation has the wrist only)."""
    K: np.ndarray | None = None
    """(3, 3) float64 intrinsics (``uv = K @ xyz / z``); after a crop it is the crop's projection matrix."""
    hand_mask: np.ndarray | None = None
    """(H, W) bool: visible pixels of this hand."""
    object_mask: np.ndarray | None = None
    """(H, W) bool: visible pixels of the grasped object."""
    depth_m: np.ndarray | None = None
    """(H, W) float32 metres, 0 where there is no measurement."""
    side: str | None = None
    """"left", "right" or None (unknown)."""
    subject: str | None = None
    object_category: str | None = None
    grasp_type: str | None = None
    source: str = ""
    """``KIND:PATH`` of the source and the sample's own id there, e.g. ``rhd:/data/RHD#17``."""
    extra: dict = field(default_factory=dict)
    """Source-specific fields that a protocol needs (e.g. ``bbox_xywh`` of COCO-style annotations)."""

    @property
    def height(self) -> int:
        return int(self.image.shape[0])

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    def replace(self, **changes) -> HandSample:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def summary(self) -> dict:
        """JSON-friendly description: shapes, side, subject, category and the joints (rounded)."""
        out = {
            "source": self.source,
            "image": list(self.image.shape),
            "side": self.side,
            "subject": self.subject,
            "object_category": self.object_category,
            "grasp_type": self.grasp_type,
            "K": None if self.K is None else np.round(self.K, 3).tolist(),
            "joints_uv": np.round(self.joints_uv, 2).tolist(),
            "joints_vis": self.joints_vis.tolist(),
            "joints_cam": None if self.joints_cam is None else np.round(self.joints_cam, 4).tolist(),
            "masks": [k for k in ("hand_mask", "object_mask", "depth_m") if getattr(self, k) is not None],
        }
        out.update({k: v for k, v in self.extra.items() if isinstance(v, (int, float, str, list))})
        return out


def check_joints(joints_uv, joints_vis, joints_cam=None) -> None:
    """Raise ValueError unless the arrays have the shapes of ``HandSample``'s fields."""
    if np.shape(joints_uv) != (NUM_JOINTS, 2) or np.shape(joints_vis) != (NUM_JOINTS,):
        shapes = np.shape(joints_uv), np.shape(joints_vis)
        raise ValueError(f"expected (21, 2) uv and (21,) vis, got {shapes[0]} and {shapes[1]}")
    if joints_cam is not None and np.shape(joints_cam) != (NUM_JOINTS, 3):
        raise ValueError(f"expected (21, 3) joints_cam, got {np.shape(joints_cam)}")


def vis_inside(joints_uv: np.ndarray, vis: np.ndarray, width: int, height: int) -> np.ndarray:
    """(21,) uint8 visibility with every joint outside the image set to ``VIS_NONE``."""
    vis = np.asarray(vis, dtype=np.uint8).copy()
    vis[~inside_image(joints_uv, width, height)] = VIS_NONE
    return vis
