"""What every renderer backend returns, and the compositing they share; numpy only (no pyrender, bpy,
ray or torch here).

A backend turns a ``SceneSpec`` into pixels and nothing else: annotations come from the spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from handsynth.conventions import PART_TO_SEG


@dataclass(frozen=True)
class Frame:
    """The pixels of one sample, before the background is composited.

    Attributes:
        rgba: (H, W, 4) uint8 sRGB colour of the hand, arm and object with straight (not premultiplied)
            alpha coverage; 0 alpha where nothing was drawn.
        parts: (H, W) uint8 part id of the first surface at each pixel centre
            (``handsynth.conventions.PART_NAMES``; 0 background).
        depth_m: (H, W) float32 camera-z depth of that surface (m); 0 where ``parts`` is 0.
        hand_amodal: (H, W) bool, the whole hand's silhouette (its parts without the forearm, every
            triangle drawn whichever way it faces) as if nothing else were there.
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
