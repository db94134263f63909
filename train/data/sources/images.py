"""Image file decoding shared by the readers (Pillow only)."""

from pathlib import Path

import numpy as np
from PIL import Image


def read_rgb(path: str | Path) -> np.ndarray:
    """(H, W, 3) uint8 RGB of any image file Pillow reads (grey and RGBA converted)."""
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def read_raw(path: str | Path) -> np.ndarray:
    """The file's pixels as stored: (H, W) or (H, W, C), uint8 or uint16."""
    with Image.open(path) as image:
        if image.mode in ("I;16", "I;16B", "I"):
            return np.asarray(image).astype(np.uint16)
        return np.asarray(image)
