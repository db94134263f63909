"""A reader for the uncompressed scanline OpenEXR files Blender writes (multilayer, FLOAT or HALF
channels); numpy only. bpy as a module gives no pixels of a render result in background mode and no
EXR reader ships in our dependencies, so the Cycles backend writes ``codec NONE`` files and reads them
here: a header, an offset table, and one block per scanline holding each channel's row in name order.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from handsynth.conventions import PART_OBJECT, linear_to_srgb8

NO_SURFACE_Z = 1e9  # Cycles writes 1e10 where a pixel's first sample meets nothing

_MAGIC = 20000630
_PIXEL_DTYPES = {0: np.dtype("<u4"), 1: np.dtype("<f2"), 2: np.dtype("<f4")}  # UINT, HALF, FLOAT


def _read_string(data: bytes, at: int) -> tuple[str, int]:
    end = data.index(b"\0", at)
    return data[at:end].decode(), end + 1


def _channels(value: bytes) -> list[tuple[str, np.dtype]]:
    out, at = [], 0
    while value[at] != 0:
        name, at = _read_string(value, at)
        pixel_type = struct.unpack_from("<i", value, at)[0]
        at += 16  # pixel type, pLinear + 3 reserved bytes, x and y sampling
        out.append((name, _PIXEL_DTYPES[pixel_type]))
    return out


def read_exr(path: str | Path) -> dict[str, np.ndarray]:
    """Every channel of an uncompressed scanline EXR file.

    Returns:
        channel name (e.g. ``"Labels.IndexOB.X"``) -> (H, W) float32, row 0 at the top.
    Raises:
        ValueError: not an EXR file, or compressed, tiled or deep.
    """
    data = Path(path).read_bytes()
    magic, version = struct.unpack_from("<ii", data, 0)
    if magic != _MAGIC or version & 0x1A00:  # tiled, deep or multipart flags
        raise ValueError(f"{path}: not a single-part scanline EXR file")
    at, header = 8, {}
    while data[at] != 0:
        name, at = _read_string(data, at)
        _, at = _read_string(data, at)  # attribute type
        size = struct.unpack_from("<i", data, at)[0]
        header[name] = data[at + 4 : at + 4 + size]
        at += 4 + size
    at += 1
    if header["compression"][0] != 0:
        raise ValueError(f"{path}: compressed EXR (write it with exr_codec='NONE')")
    x0, y0, x1, y1 = struct.unpack("<4i", header["dataWindow"])
    width, height = x1 - x0 + 1, y1 - y0 + 1
    channels = _channels(header["channels"])
    offsets = np.frombuffer(data, dtype="<u8", count=height, offset=at)
    row_bytes = sum(dtype.itemsize for _, dtype in channels) * width
    # Scanline blocks: y (int32), byte count (int32), then the row of each channel in turn.
    rows = np.stack([np.frombuffer(data, np.uint8, row_bytes, int(o) + 8) for o in offsets])  # (H, bytes)
    out, start = {}, 0
    for name, dtype in channels:
        size = dtype.itemsize * width
        block = np.ascontiguousarray(rows[:, start : start + size])
        out[name] = block.view(dtype).reshape(height, width).astype(np.float32)
        start += size
    return out


GLASS_ALPHA_WINDOW = 5  # px: the median window of ``smooth_glass_alpha``


def smooth_glass_alpha(alpha: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """Alpha (H, W) float with the sampling grain of see-through surfaces removed.

    With ``film_transparent_glass`` a glass pixel's alpha is the share of its samples that did not pass
    through to the (transparent) background: a Monte Carlo estimate whose grain OpenImageDenoise leaves
    alone (it denoises colour, not alpha), and which shows as speckle once the frame is composited over
    its background (seen on tumblers at ``standard``; it halves only with 4x the samples). Each
    translucent pixel (alpha < 0.999) inside the object (its 3x3 neighbourhood all object) takes the
    median alpha of the translucent interior pixels in its ``GLASS_ALPHA_WINDOW`` window; opaque pixels and
    silhouette edges (antialiasing, not noise) are left as they are.
    """
    obj = parts == PART_OBJECT
    interior = obj.copy()
    height, width = obj.shape
    padded = np.pad(obj, 1)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            interior &= padded[dy : dy + height, dx : dx + width]
    translucent = interior & (alpha < 0.999)
    if not translucent.any():
        return alpha
    r = GLASS_ALPHA_WINDOW // 2
    values = np.pad(np.where(translucent, alpha, np.nan), r, constant_values=np.nan)
    window = np.lib.stride_tricks.sliding_window_view(values, (2 * r + 1, 2 * r + 1))
    rows, cols = np.nonzero(translucent)
    smoothed = alpha.copy()
    smoothed[rows, cols] = np.nanmedian(window[rows, cols].reshape(len(rows), -1), axis=1)
    return smoothed


def read_passes(path: Path) -> dict[str, np.ndarray]:
    """The passes of one render from its multilayer EXR file.

    Returns:
        ``rgba`` (H, W, 4) uint8 straight-alpha sRGB; ``parts`` (H, W) uint8; ``depth_m`` (H, W)
        float32, 0 where ``parts`` is 0; ``hand``, ``object`` (H, W) bool amodal masks (no fingertips).
    """
    channels = read_exr(path)
    premultiplied = np.stack([channels[f"color.Combined.{c}"] for c in "RGBA"], axis=-1)  # (H, W, 4)
    parts = np.rint(channels["color.IndexMA.X"]).astype(np.uint8)
    alpha = smooth_glass_alpha(np.clip(premultiplied[..., 3], 0.0, 1.0), parts)[..., None]
    straight = np.where(alpha > 0, premultiplied[..., :3] / np.maximum(alpha, 1e-12), 0.0)
    rgba = np.concatenate([linear_to_srgb8(straight), np.round(alpha * 255.0).astype(np.uint8)], axis=-1)
    z = channels["color.Depth.Z"]
    depth = np.where((parts > 0) & (z < NO_SURFACE_Z), z, 0.0).astype(np.float32)
    return {
        "rgba": np.ascontiguousarray(rgba),
        "parts": parts,
        "depth_m": depth,
        "hand": channels["hand.IndexOB.X"] > 0.5,
        "object": channels["object.IndexOB.X"] > 0.5,
    }
