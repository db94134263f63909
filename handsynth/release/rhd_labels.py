"""RHD's conventions shared by the RHD-style and HOP-style exports: the 42-point two-hand layout in RHD's
joint order, its mask label scheme and its depth encoding; numpy only, never bpy, ray or torch.

RHD masks label 0 background, 1 person, 2-17 the left hand's parts (2-16 three per finger, 17 the palm)
and 18-33 the right hand's. Our label map has hand / object / forearm but no per-phalanx parts, so every
hand pixel gets its side's palm label (17 or 33; hand3d's ``mask > 1``, ``1 < mask < 18`` and
``mask > 17`` tests hold), the forearm is "person" (1) and the object background (0).
"""

from __future__ import annotations

import numpy as np

from handsynth.conventions import SEG_FOREARM, SEG_HAND, from_standard

RHD_PERSON = 1
RHD_PALM = {"left": 17, "right": 33}
RHD_DEPTH_RANGE_M = 5.0  # RHD depth PNG: (R * 256 + G) / 65535 * 5 m
SIDE_OFFSET = {"left": 0, "right": 21}  # RHD's 42 points: left hand 0-20, right hand 21-41


def rhd_mask(seg: np.ndarray, side: str) -> np.ndarray:
    """Our label map (H, W) uint8 -> an RHD mask (H, W) uint8 for a hand of ``side``."""
    mask = np.zeros(seg.shape, dtype=np.uint8)
    mask[seg == SEG_FOREARM] = RHD_PERSON
    mask[seg == SEG_HAND] = RHD_PALM[side]
    return mask


def rhd_depth(depth_raw: np.ndarray, depth_unit_m: float) -> np.ndarray:
    """Our 16-bit depth (H, W) in ``depth_unit_m`` steps -> RHD's depth PNG pixels (H, W, 3) uint8: the
    value round(depth / 5 m * 65535) split into its top byte (red) and low byte (green); blue 0."""
    depth_m = depth_raw.astype(np.float64) * depth_unit_m
    value = np.clip(np.rint(depth_m / RHD_DEPTH_RANGE_M * 65535), 0, 65535).astype(np.uint16)
    out = np.zeros(depth_raw.shape + (3,), dtype=np.uint8)
    out[..., 0] = value >> 8
    out[..., 1] = value & 0xFF
    return out


def rhd_points(annotation: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xyz (42, 3) float64 metres, uv (42, 2) float64 px, visible (42,) uint8 0/1) in RHD's layout: the
    sample's hand in its side's 21 slots in RHD's joint order (tip-first fingers), the other hand's slots
    zero (not in the image). Visible is 1 only for our flag 2 (occluded and outside are 0)."""
    hand = annotation["hand"]
    offset = SIDE_OFFSET[hand["side"]]
    xyz = np.zeros((42, 3))
    uv = np.zeros((42, 2))
    vis = np.zeros(42, dtype=np.uint8)
    xyz[offset : offset + 21] = from_standard(np.asarray(hand["joints_cam"], dtype=np.float64), "rhd")
    uv[offset : offset + 21] = from_standard(np.asarray(hand["joints_uv"], dtype=np.float64), "rhd")
    flags = from_standard(np.asarray(hand["joints_vis"], dtype=np.int64)[:, None], "rhd")[:, 0]
    vis[offset : offset + 21] = flags == 2
    return xyz, uv, vis
