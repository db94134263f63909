"""WebDataset export: POSIX tar shards of whole samples for streaming at scale; each shard is written to
a temporary name and renamed, and a resumed release skips shards already there. Never bpy, ray or torch.

Layout: ``webdataset/<split>-%06d.tar`` with ``shard_size`` samples each. A sample's members share the
key ``<id>`` (zero-padded): ``<id>.rgb.png``, ``.seg.png``, ``.hand_amodal.png``, ``.object_amodal.png``,
``.depth.png`` (the source bytes, not re-encoded) and ``<id>.json`` (its annotation). Members carry
mtime 0, uid/gid 0 and mode 0644, so the same release gives byte-identical tars.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

from handsynth.dataset.layout import FILE_KINDS
from handsynth.release.outputs import SampleFiles, tmp_path

NAME = "webdataset"
TITLE = "WebDataset tar shards"
DEFAULT_SHARD_SIZE = 1000
NOTES = "WebDataset: tar shards of the source files (not re-encoded) and each sample's annotation as JSON."


def shard_path(out: Path, split: str, shard: int) -> Path:
    """Path of tar shard number ``shard`` of a split."""
    return out / NAME / f"{split}-{shard:06d}.tar"


def _member(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), 0, 0o644
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


class WebDatasetSplitWriter:
    """One split: samples appended to the current shard; a shard already on disk is skipped whole."""

    def __init__(self, out: Path, split: str, digits: int, shard_size: int = DEFAULT_SHARD_SIZE):
        self.out, self.split, self.digits, self.shard_size = out, split, digits, shard_size
        (out / NAME).mkdir(parents=True, exist_ok=True)
        self.shard = -1
        self.tar: tarfile.TarFile | None = None

    def _finish(self) -> None:
        if self.tar is not None:
            self.tar.close()
            path = shard_path(self.out, self.split, self.shard)
            tmp_path(path).replace(path)
            self.tar = None

    def add(self, index: int, sample: SampleFiles) -> None:
        """Add the sample of rank ``index`` in the split (its shard is ``index // shard_size``)."""
        shard = index // self.shard_size
        if shard != self.shard:
            self._finish()
            self.shard = shard
            path = shard_path(self.out, self.split, shard)
            if not path.exists():
                self.tar = tarfile.open(tmp_path(path), "w", format=tarfile.USTAR_FORMAT)
        if self.tar is None:
            return
        key = f"{int(sample.annotation['id']):0{self.digits}d}"
        for kind in FILE_KINDS:
            _member(self.tar, f"{key}.{kind}.png", sample.path(kind).read_bytes())
        text = json.dumps(sample.annotation, separators=(",", ":"), allow_nan=False)
        _member(self.tar, f"{key}.json", text.encode())

    def close(self) -> None:
        self._finish()


def open_split(out: Path, split: str, digits: int, shard_size: int = DEFAULT_SHARD_SIZE):
    """A writer for one split (shards present on disk are kept and skipped)."""
    return WebDatasetSplitWriter(out, split, digits, shard_size)
