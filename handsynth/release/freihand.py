"""FreiHAND-style export (the FreiHAND v2 layout that its toolkit and FreiHAND-style loaders read);
streams: each JSON list is written element by element. Never bpy, ray or torch.

Layout: ``freihand/{training,validation,evaluation}_{xyz,K,scale}.json`` (train, val, test) and
``freihand/<set>/rgb/%08d.jpg`` and ``freihand/<set>/mask/%08d.jpg``. xyz is (21, 3) metres in the
camera frame, standard order (FreiHAND's); scale is FreiHAND's ``|xyz[9] - xyz[10]|`` (the middle finger's
proximal bone, metres). FreiHAND is right hands only: left-hand samples are left out of this export.

The ``.jpg`` names are FreiHAND's, which its code hard-codes; the files hold the source PNG bytes (RGB:
hard links, never re-encoded; mask: a new lossless PNG of the visible hand, 0/255). Pillow, imageio and
OpenCV, which FreiHAND code uses, decode by content, not by name.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from handsynth.conventions import SEG_HAND
from handsynth.release.outputs import SampleFiles, encode_png_lossless, link_or_copy, tmp_path, write_atomic

NAME = "freihand"
TITLE = "FreiHAND-style JSON and images (FreiHAND v2 layout)"
SETS = {"train": "training", "val": "validation", "test": "evaluation"}
SCALE_BONE = (9, 10)  # middle MCP -> PIP
NOTES = (
    "FreiHAND-style: right hands only (left-hand samples are not in this export); the `.jpg` files hold "
    "PNG bytes (hard links of the source RGB; masks are new lossless PNGs), decoded by content."
)


def annotation_paths(out: Path, split: str) -> dict[str, Path]:
    """The three JSON files of one split: xyz, K and scale."""
    return {key: out / NAME / f"{SETS[split]}_{key}.json" for key in ("xyz", "K", "scale")}


class _JsonList:
    """A JSON list written element by element to a temporary file."""

    def __init__(self, path: Path):
        self.path = path
        self.file = open(tmp_path(path), "w", encoding="utf-8")  # noqa: SIM115 (closed in close)
        self.file.write("[")
        self.count = 0

    def add(self, value) -> None:
        self.file.write(("," if self.count else "") + json.dumps(value, allow_nan=False))
        self.count += 1

    def close(self) -> None:
        self.file.write("]\n")
        self.file.close()


class FreiHANDSplitWriter:
    """One split: right-hand samples numbered 0..n-1 in split order; the JSONs are renamed into place
    last."""

    def __init__(self, out: Path, split: str):
        self.base = out / NAME / SETS[split]
        (self.base / "rgb").mkdir(parents=True, exist_ok=True)
        (self.base / "mask").mkdir(parents=True, exist_ok=True)
        self.lists = {key: _JsonList(path) for key, path in annotation_paths(out, split).items()}
        self.count = 0

    def add(self, index: int, sample: SampleFiles) -> None:
        """Add one sample if it is a right hand."""
        a = sample.annotation
        if a["hand"]["side"] != "right":
            return
        name = f"{self.count:08d}.jpg"
        link_or_copy(sample.path("rgb"), self.base / "rgb" / name)
        if not (self.base / "mask" / name).exists():
            mask = np.where(sample.array("seg") == SEG_HAND, 255, 0).astype(np.uint8)
            write_atomic(self.base / "mask" / name, encode_png_lossless(mask))
        xyz = np.asarray(a["hand"]["joints_cam"], dtype=np.float64)
        self.lists["xyz"].add(xyz.tolist())
        self.lists["K"].add(a["K"])
        self.lists["scale"].add(float(np.linalg.norm(xyz[SCALE_BONE[0]] - xyz[SCALE_BONE[1]])))
        self.count += 1

    def close(self) -> None:
        for key in ("xyz", "K", "scale"):
            self.lists[key].close()
            tmp_path(self.lists[key].path).replace(self.lists[key].path)


def open_split(out: Path, split: str) -> FreiHANDSplitWriter:
    """A writer for one split. A resumed release writes the JSONs again (cheap, and the same bytes) and
    keeps the images and masks already there."""
    return FreiHANDSplitWriter(out, split)
