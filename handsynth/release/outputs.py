"""What every exporter writes with: hard links (or copies) of source images, atomic writes of new files,
and one sample's source files with its images decoded at most once; numpy and Pillow only.

Every output is complete under its final name or absent: files are written to ``.tmp-<name>`` and renamed,
so an interrupted release leaves only temporaries, which a rerun overwrites and the checksums skip.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import numpy as np

TMP_PREFIX = ".tmp-"


def tmp_path(path: Path) -> Path:
    """The temporary name a file is written under before its rename into ``path``."""
    return path.with_name(TMP_PREFIX + path.name)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through ``.tmp-<name>`` and a rename (readers never see a part)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(path)
    tmp.write_bytes(data)
    os.replace(tmp, path)


def link_or_copy(source: Path, target: Path) -> None:
    """``target`` becomes the same bytes as ``source``: a hard link (no space, no re-encoding), or a copy
    where links are impossible (another filesystem, a filesystem without links). An existing target that
    already is ``source`` (same inode) or a complete copy of it (same size) is kept: that is resume."""
    if target.exists():
        if os.path.samefile(source, target) or target.stat().st_size == source.stat().st_size:
            return
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(target)
    tmp.unlink(missing_ok=True)
    try:
        os.link(source, tmp)
    except OSError as error:
        if error.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        shutil.copyfile(source, tmp)
    os.replace(tmp, target)


class SampleFiles:
    """One source sample: its annotation, the paths of its files, and their pixels decoded on first use
    (several exporters may need the label map of the same sample; it is decoded once)."""

    def __init__(self, shard_dir: Path, annotation: dict):
        self.shard_dir = shard_dir
        self.annotation = annotation
        self._arrays: dict[str, np.ndarray] = {}

    def path(self, kind: str) -> Path:
        """Source path of one file kind ("rgb", "seg", "hand_amodal", "object_amodal", "depth")."""
        return self.shard_dir / self.annotation["files"][kind]

    def array(self, kind: str) -> np.ndarray:
        """The pixels of one file kind as stored: (H, W, 3) uint8, (H, W) uint8 or (H, W) uint16."""
        if kind not in self._arrays:
            from handsynth.dataset.reader import read_png

            self._arrays[kind] = read_png(self.path(kind))
        return self._arrays[kind]


def encode_png_lossless(array: np.ndarray) -> bytes:
    """PNG bytes (lossless) of a derived image: (H, W) uint8/uint16 or (H, W, 3) uint8."""
    from handsynth.dataset.writer import encode_png

    return encode_png(array)
