"""RHD-style export (the Rendered Handpose Dataset v2 layout, which hand3d- and RHD-style code reads as is);
streams: the annotation pickle is written entry by entry. Never bpy, ray or torch.

Layout: ``rhd/{training,validation,evaluation}/`` (train, val, test), each with ``color/%05d.png`` (hard
links of the source RGB), ``mask/%05d.png`` (RHD's label scheme, a new derived file: every hand pixel has
its side's palm label, 17 left or 33 right, as the source has no per-phalanx parts; forearm 1, the rest
0), ``depth/%05d.png`` (RHD's depth encoding, derived) and ``anno_<folder>.pickle``: a dict sample number ->
``{"uv_vis": (42, 3), "xyz": (42, 3) metres, "K": (3, 3)}`` float64 numpy arrays in RHD's order and
42-point layout. Sample numbers run 0..n-1 in the order of ``splits/<split>.txt``.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from handsynth.release.outputs import SampleFiles, encode_png_lossless, link_or_copy, tmp_path, write_atomic
from handsynth.release.rhd_labels import rhd_depth, rhd_mask, rhd_points

NAME = "rhd"
TITLE = "RHD-style folders (Rendered Handpose Dataset v2 layout)"
FOLDERS = {"train": "training", "val": "validation", "test": "evaluation"}
NOTES = (
    "RHD-style: masks and depth are new PNGs derived from the label map and depth (RHD's label scheme "
    "and depth encoding); every hand pixel carries the palm label of its side (17 left, 33 right) since "
    "the source has no per-phalanx parts; the other hand's 21 points are zeros; images are hard links."
)
_PICKLE_PROTOCOL = 2  # no framing: entries pickled one by one concatenate into one valid stream
_BATCH = 1000  # dict entries per SETITEMS


def annotation_path(out: Path, split: str) -> Path:
    """Where the pickle of one split goes."""
    folder = FOLDERS[split]
    return out / NAME / folder / f"anno_{folder}.pickle"


def _body(obj) -> bytes:
    """The opcodes of ``obj`` alone: its protocol-2 pickle without the PROTO header and the STOP."""
    data = pickle.dumps(obj, protocol=_PICKLE_PROTOCOL)
    return data[2:-1]


class StreamingDictPickle:
    """Writes a pickle of a dict {int: value} one entry at a time (memory flat in the number of entries):
    PROTO 2, EMPTY_DICT, then batches of MARK key value ... SETITEMS, then STOP. Each entry is pickled on
    its own; its memo slots are overwritten by the next entry, which never refers back to them."""

    def __init__(self, path: Path):
        self.file = open(path, "wb")  # noqa: SIM115 (closed in close)
        self.file.write(b"\x80\x02}")
        self.pending = 0

    def add(self, key: int, value) -> None:
        if self.pending == 0:
            self.file.write(pickle.MARK)
        self.file.write(_body(key) + _body(value))
        self.pending += 1
        if self.pending == _BATCH:
            self.file.write(pickle.SETITEMS)
            self.pending = 0

    def close(self) -> None:
        if self.pending:
            self.file.write(pickle.SETITEMS)
        self.file.write(pickle.STOP)
        self.file.close()


class RHDSplitWriter:
    """One split: images, masks and depth per sample (each kept when already there), the pickle streamed
    beside them and renamed into place last."""

    def __init__(self, out: Path, split: str, depth_unit_m: float):
        self.base = out / NAME / FOLDERS[split]
        self.pickle_path = annotation_path(out, split)
        self.depth_unit_m = depth_unit_m
        for sub in ("color", "mask", "depth"):
            (self.base / sub).mkdir(parents=True, exist_ok=True)
        self.pickle = StreamingDictPickle(tmp_path(self.pickle_path))

    def add(self, index: int, sample: SampleFiles) -> None:
        """Write sample number ``index`` of the split."""
        a = sample.annotation
        name = f"{index:05d}.png"
        link_or_copy(sample.path("rgb"), self.base / "color" / name)
        side = a["hand"]["side"]
        if not (self.base / "mask" / name).exists():
            write_atomic(self.base / "mask" / name, encode_png_lossless(rhd_mask(sample.array("seg"), side)))
        if not (self.base / "depth" / name).exists():
            depth = rhd_depth(sample.array("depth"), self.depth_unit_m)
            write_atomic(self.base / "depth" / name, encode_png_lossless(depth))
        xyz, uv, vis = rhd_points(a)
        uv_vis = np.concatenate([uv, vis[:, None].astype(np.float64)], axis=1)
        self.pickle.add(index, {"xyz": xyz, "uv_vis": uv_vis, "K": np.asarray(a["K"], dtype=np.float64)})

    def close(self) -> None:
        self.pickle.close()
        tmp_path(self.pickle_path).replace(self.pickle_path)


def open_split(out: Path, split: str, depth_unit_m: float) -> RHDSplitWriter:
    """A writer for one split. A resumed release writes the pickle again (cheap, and the same bytes) and
    keeps the images, masks and depth maps already there."""
    return RHDSplitWriter(out, split, depth_unit_m)
