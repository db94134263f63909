"""A four-view picture of a posed hand with its skeleton; numpy and Pillow only."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from handsynth.conventions import BONES
from handsynth.viz.software_raster import look_at, render_views

# Viewing directions in the hand frame of a right hand (x distal, y radial, z dorsal).
_VIEWS = {
    "back": (0.0, 0.0, 1.0),
    "palm": (0.0, 0.0, -1.0),
    "thumb side": (0.0, 1.0, 0.05),
    "3/4 palm": (-0.25, 0.55, -0.8),
}


def hand_picture(
    vertices: np.ndarray,
    faces: np.ndarray,
    joints: np.ndarray,
    colours_srgb: np.ndarray,
    side: str = "right",
    title: str = "",
    size_px: int = 360,
) -> Image.Image:
    """Back, palm, thumb-side and three-quarter views of a hand in its hand frame, skeleton on top.

    Args:
        vertices: (V, 3) float64 posed skin in the hand frame (m).
        faces: (F, 3) int64.
        joints: (21, 3) float64 standard-order joints in the same frame.
        colours_srgb: (V, 3) float in [0, 1].
        side: "right" or "left" (left views are mirrored so the same side of the hand faces the camera).
        title: a line written above the views.
        size_px: side of one view.
    """
    mirror = np.array([1.0, -1.0 if side == "left" else 1.0, 1.0])
    hand_part = vertices[vertices[:, 0] > -0.03]
    centre = 0.5 * (hand_part.min(axis=0) + hand_part.max(axis=0))
    radius = float(np.linalg.norm(hand_part - centre, axis=1).max())
    distance = radius / np.tan(np.radians(17.0))
    views = [
        look_at(centre + distance * mirror * np.asarray(d) / np.linalg.norm(d), centre, (1.0, 0.0, 0.0))
        for d in _VIEWS.values()
    ]
    grid = render_views(
        [(vertices, faces, colours_srgb)],
        views,
        joints_world=joints,
        bones=BONES,
        size=(size_px, size_px),
        labels=list(_VIEWS),
        columns=4,
        fov_deg=38.0,
    )
    if not title:
        return grid
    out = Image.new("RGB", (grid.width, grid.height + 16), "white")
    out.paste(grid, (0, 16))
    ImageDraw.Draw(out).text((4, 2), title, fill=(0, 0, 0))
    return out
