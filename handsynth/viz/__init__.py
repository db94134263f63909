"""Inspection pictures (hands, skeletons, contact sheets) drawn on the CPU with numpy and Pillow only."""

from handsynth.viz.hand_picture import hand_picture
from handsynth.viz.software_raster import (
    contact_sheet,
    draw_skeleton,
    intrinsics_from_fov,
    look_at,
    orbit_views,
    rasterize,
    render_views,
    shade_mesh,
)

__all__ = [
    "contact_sheet",
    "hand_picture",
    "draw_skeleton",
    "intrinsics_from_fov",
    "look_at",
    "orbit_views",
    "rasterize",
    "render_views",
    "shade_mesh",
]
