"""Drawing annotations over images (Pillow only): skeletons coloured per finger, masks tinted."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from handsynth.conventions import BONES, FINGER_JOINTS

FINGER_COLOURS = ((230, 60, 60), (240, 170, 30), (60, 200, 60), (40, 140, 240), (190, 80, 220))


def joint_colours() -> list[tuple[int, int, int]]:
    """(21,) RGB colours: the wrist white, each finger its own colour."""
    colours = [(255, 255, 255)] * 21
    for f, joints in enumerate(FINGER_JOINTS.values()):
        for j in joints:
            colours[j] = FINGER_COLOURS[f]
    return colours


def draw_hand(
    image: np.ndarray,
    joints_uv: np.ndarray,
    joints_vis: np.ndarray,
    mask: np.ndarray | None = None,
    scale: int = 1,
) -> Image.Image:
    """(H, W, 3) uint8 image -> a Pillow image ``scale`` times larger with the hand mask tinted, bones
    as lines and joints as dots (filled: visible, hollow: occluded, none: unlabelled)."""
    rgb = image.astype(np.float32)
    if mask is not None:
        rgb[mask] = 0.6 * rgb[mask] + 0.4 * np.array([255, 255, 0], np.float32)
    out = Image.fromarray(rgb.astype(np.uint8)).resize(
        (image.shape[1] * scale, image.shape[0] * scale), Image.NEAREST
    )
    draw = ImageDraw.Draw(out)
    uv = (np.asarray(joints_uv, dtype=np.float64) + 0.5) * scale - 0.5
    colours = joint_colours()
    for parent, child in BONES:
        if joints_vis[parent] > 0 and joints_vis[child] > 0:
            draw.line([tuple(uv[parent]), tuple(uv[child])], fill=colours[child], width=max(1, scale // 2))
    r = max(1.5, scale)
    for j in np.flatnonzero(np.asarray(joints_vis) > 0):
        box = [uv[j, 0] - r, uv[j, 1] - r, uv[j, 0] + r, uv[j, 1] + r]
        draw.ellipse(box, fill=colours[j] if joints_vis[j] == 2 else None, outline=colours[j])
    return out
