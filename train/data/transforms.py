"""Geometry of training samples: left->right mirroring, hand boxes, crops with augmentation (one affine
warp applied to the image, masks, depth and joints together) and colour jitter; numpy and Pillow only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from handsynth_train.data.sample import VIS_NONE, HandSample, vis_inside
from PIL import Image

from handsynth.conventions import bbox_of_mask


def mirror(sample: HandSample) -> HandSample:
    """Flip a sample left-right: image columns, u -> W - 1 - u, camera x -> -x, K to match, side swapped.

    K' = F @ K @ diag(-1, 1, 1) with F the pixel flip, so that ``K' @ xyz' / z`` is the mirrored uv.
    """
    w = sample.width
    flip = np.array([[-1.0, 0.0, w - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    uv = sample.joints_uv.copy()
    uv[:, 0] = (w - 1) - uv[:, 0]
    xyz = None if sample.joints_cam is None else sample.joints_cam * np.array([-1.0, 1.0, 1.0], np.float32)
    side = {"left": "right", "right": "left"}.get(sample.side, sample.side)
    return sample.replace(
        image=np.ascontiguousarray(sample.image[:, ::-1]),
        joints_uv=uv,
        joints_cam=xyz,
        K=None if sample.K is None else flip @ sample.K @ np.diag([-1.0, 1.0, 1.0]),
        hand_mask=None if sample.hand_mask is None else np.ascontiguousarray(sample.hand_mask[:, ::-1]),
        object_mask=None if sample.object_mask is None else np.ascontiguousarray(sample.object_mask[:, ::-1]),
        depth_m=None if sample.depth_m is None else np.ascontiguousarray(sample.depth_m[:, ::-1]),
        side=side,
    )


def hand_box(sample: HandSample) -> np.ndarray:
    """(4,) float64 ``[x0, y0, x1, y1]`` pixel-edge box around the hand: the union of the hand mask's box
    and the labelled joints (either may be missing); the whole image when neither exists."""
    boxes = []
    if sample.hand_mask is not None and sample.hand_mask.any():
        x, y, w, h = bbox_of_mask(sample.hand_mask)
        boxes.append([x - 0.5, y - 0.5, x + w - 0.5, y + h - 0.5])
    labelled = sample.joints_vis > VIS_NONE
    if labelled.any():
        uv = sample.joints_uv[labelled]
        boxes.append([*uv.min(axis=0), *uv.max(axis=0)])
    if not boxes:
        return np.array([-0.5, -0.5, sample.width - 0.5, sample.height - 0.5])
    boxes = np.asarray(boxes, dtype=np.float64)
    return np.array([*boxes[:, :2].min(axis=0), *boxes[:, 2:].max(axis=0)])


@dataclass(frozen=True, kw_only=True)
class Augment:
    """Random crop perturbations (seed 000: rotation +-30 deg, shift <= 30 px at 224, scale 0.8-1.5)."""

    rotation_deg: float = 30.0
    """Rotation drawn uniformly in [-rotation_deg, rotation_deg]."""
    shift_frac: float = 30.0 / 224.0
    """Shift of the crop centre, each axis uniform in [-shift_frac, shift_frac] of the output size."""
    scale_range: tuple[float, float] = (0.8, 1.5)
    """Zoom drawn uniformly in this range (> 1: the hand appears larger)."""
    colour: float = 0.3
    """Brightness, contrast and saturation each scaled by a factor in [1 - colour, 1 + colour]."""
    flip_prob: float = 0.0
    """MMPose's ``RandomFlip(prob)``: mirror the sample with this probability (identity flip indices: a
    right hand becomes a left one), what makes its test-time flip meaningful. 0: seed 000's right hands
    only (no random number is drawn, so the other draws stay as they were)."""


def crop_transform(
    box: np.ndarray,
    out_size: int,
    margin: float,
    rotation_deg: float = 0.0,
    scale: float = 1.0,
    shift_px: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """(3, 3) affine taking source pixel coordinates to output ones.

    The square of side ``margin * max(box side)`` around the box centre fills the ``out_size`` square
    (pixel edges to pixel edges), rotated by ``rotation_deg`` about the centre, zoomed by ``scale`` and
    shifted by ``shift_px`` output pixels.
    """
    centre = (np.asarray(box[:2]) + np.asarray(box[2:])) / 2
    side = max(margin * float(np.max(np.asarray(box[2:]) - np.asarray(box[:2]))), 1.0)
    s = out_size / side * scale
    a = np.deg2rad(rotation_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    A = np.eye(3)
    A[:2, :2] = s * rot
    A[:2, 2] = (out_size - 1) / 2 + np.asarray(shift_px) - s * rot @ centre
    return A


def _warp(array: np.ndarray, A: np.ndarray, out_size: int, resample) -> np.ndarray:
    # PIL maps output pixel-corner coordinates to input ones; ours are pixel-centre coordinates.
    inv = np.linalg.inv(A)
    shift = np.array([[1.0, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])
    M = shift @ inv @ np.linalg.inv(shift)
    coeffs = tuple(M[:2].ravel())
    return np.asarray(Image.fromarray(array).transform((out_size, out_size), Image.AFFINE, coeffs, resample))


def warp_sample(sample: HandSample, A: np.ndarray, out_size: int) -> HandSample:
    """The sample seen through the affine ``A`` (3, 3) as an ``out_size`` square: image bilinear, masks and
    depth nearest, joints mapped (visibility 0 outside the crop), K -> A @ K (camera points still project
    to the crop's pixels; 3D joints unchanged)."""
    uv = sample.joints_uv.astype(np.float64) @ A[:2, :2].T + A[:2, 2]

    def warp_mask(mask):
        if mask is None:
            return None
        return _warp(mask.astype(np.uint8) * 255, A, out_size, Image.NEAREST) > 127

    depth = None
    if sample.depth_m is not None:
        depth = _warp(sample.depth_m.astype(np.float32), A, out_size, Image.NEAREST)
    return sample.replace(
        image=_warp(sample.image, A, out_size, Image.BILINEAR),
        joints_uv=uv.astype(np.float32),
        joints_vis=vis_inside(uv, sample.joints_vis, out_size, out_size),
        K=None if sample.K is None else A @ sample.K,
        hand_mask=warp_mask(sample.hand_mask),
        object_mask=warp_mask(sample.object_mask),
        depth_m=depth,
        extra={**sample.extra, "crop_affine": A.tolist()},
    )


def colour_jitter(image: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    """(H, W, 3) uint8 -> (H, W, 3) uint8 with brightness, contrast and saturation each scaled by a factor
    drawn uniformly in [1 - strength, 1 + strength]."""
    b, c, s = rng.uniform(1 - strength, 1 + strength, size=3)
    x = image.astype(np.float32) * b
    x = (x - x.mean()) * c + x.mean()
    grey = x @ np.array([0.299, 0.587, 0.114], np.float32)
    x = (x - grey[..., None]) * s + grey[..., None]
    return np.clip(x + 0.5, 0, 255).astype(np.uint8)


def crop_sample(
    sample: HandSample,
    out_size: int,
    margin: float,
    augment: Augment | None = None,
    rng: np.random.Generator | None = None,
) -> HandSample:
    """Crop ``sample`` around its hand to an ``out_size`` square, with random augmentation when
    ``augment`` is given (then ``rng`` is required)."""
    box = hand_box(sample)
    if augment is None:
        return warp_sample(sample, crop_transform(box, out_size, margin), out_size)
    A = crop_transform(
        box,
        out_size,
        margin,
        rotation_deg=rng.uniform(-augment.rotation_deg, augment.rotation_deg),
        scale=rng.uniform(*augment.scale_range),
        shift_px=tuple(rng.uniform(-augment.shift_frac, augment.shift_frac, size=2) * out_size),
    )
    out = warp_sample(sample, A, out_size)
    if augment.colour > 0:
        out = out.replace(image=colour_jitter(out.image, augment.colour, rng))
    return out
