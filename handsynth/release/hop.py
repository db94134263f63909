"""HOP-style export: the fixed-length binary records of hand3d's ``create_binary_db.py``, which HOP's
training code (VO-handpose's ``BinaryDbReader``) reads as ``handobj_train.bin`` / ``handobj_test.bin``;
streams record by record. Never bpy, ray or torch.

One record per sample, little-endian: xyz (42 x 3 float32, metres), uv (42 x 2 float32, px), K (9 float32,
row-major), two bytes 255, the RGB image (H x W x 3 uint8, rows first), the RHD-scheme mask (H x W
uint8) and visibility (42 uint8, 1 visible); the 42 points are RHD's layout and joint order. The pixels
are decoded from the source PNGs (lossless), a new derived file as hand3d makes it. Every image of a
release has one size, so every record has 4 * (126 + 84 + 9) + 2 + 4 * H * W + 42 bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from handsynth.release.outputs import SampleFiles, tmp_path
from handsynth.release.rhd_labels import rhd_mask, rhd_points

NAME = "hop"
TITLE = "HOP-style binary records (hand3d / VO-handpose readers)"
FILES = {"train": "handobj_train.bin", "val": "handobj_val.bin", "test": "handobj_test.bin"}
NOTES = (
    "HOP-style: hand3d binary records (float32 joints, decoded RGB pixels and an RHD-scheme mask per "
    "record) named as HOP's readers expect; joints are float32 by the format (about 1e-5 px at 300 px)."
)


def record_dtype(height: int, width: int) -> np.dtype:
    """The numpy dtype of one record (``np.fromfile(path, record_dtype(h, w))`` reads a whole file)."""
    return np.dtype(
        [
            ("xyz", "<f4", (42, 3)),
            ("uv", "<f4", (42, 2)),
            ("K", "<f4", (9,)),
            ("pad", "u1", (2,)),
            ("image", "u1", (height, width, 3)),
            ("mask", "u1", (height, width)),
            ("vis", "u1", (42,)),
        ]
    )


def record_bytes(height: int, width: int) -> int:
    """Bytes per record: 4 * (126 + 84 + 9) + 2 + 4 * H * W + 42."""
    return record_dtype(height, width).itemsize


def annotation_path(out: Path, split: str) -> Path:
    """Where the records of one split go."""
    return out / NAME / FILES[split]


class HOPSplitWriter:
    """Appends one record per sample to ``.tmp-handobj_<split>.bin``; ``close`` renames it into place."""

    def __init__(self, out: Path, split: str):
        self.path = annotation_path(out, split)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.file = open(tmp_path(self.path), "wb")  # noqa: SIM115 (closed in close)
        self.dtype: np.dtype | None = None

    def add(self, index: int, sample: SampleFiles) -> None:
        """Append the record of one sample (records are in split order; ``index`` is its rank)."""
        a = sample.annotation
        height, width = int(a["height"]), int(a["width"])
        if self.dtype is None:
            self.dtype = record_dtype(height, width)
        record = np.zeros((), dtype=self.dtype)
        if record["image"].shape[:2] != (height, width):
            raise ValueError(f"sample {a['id']} is {width}x{height}; HOP records need one image size")
        xyz, uv, vis = rhd_points(a)
        record["xyz"], record["uv"], record["vis"] = xyz, uv, vis
        record["K"] = np.asarray(a["K"], dtype=np.float64).reshape(9)
        record["pad"] = 255
        record["image"] = sample.array("rgb")
        record["mask"] = rhd_mask(sample.array("seg"), a["hand"]["side"])
        self.file.write(record.tobytes())

    def close(self) -> None:
        self.file.close()
        tmp_path(self.path).replace(self.path)


def open_split(out: Path, split: str) -> HOPSplitWriter | None:
    """A writer for one split, or None when its file already exists (a resumed release)."""
    if annotation_path(out, split).exists():
        return None
    return HOPSplitWriter(out, split)
