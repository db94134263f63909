"""Read a handsynth dataset (annotations and images); numpy, Pillow and json only, never bpy, ray or torch."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image

from handsynth.conventions import DEPTH_UNIT_M
from handsynth.dataset.layout import (
    ANNOTATIONS_JSONL,
    DATASET_JSON,
    READABLE_FORMATS,
    SHARD_JSON,
    SHARD_PREFIX,
    SHARDS_DIR,
)
from handsynth.errors import UserError


def read_annotations(shard_dir: str | Path) -> list[dict]:
    """Every annotation of a shard, in file order (which is id order in a valid shard)."""
    with open(Path(shard_dir) / ANNOTATIONS_JSONL, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_shard_json(shard_dir: str | Path) -> dict:
    """The ``shard.json`` dict of a shard."""
    return json.loads((Path(shard_dir) / SHARD_JSON).read_text(encoding="utf-8"))


def shard_summary(shard_dir: str | Path) -> dict:
    """``shard.json`` of a complete shard plus ``categories`` (object category -> count), the dict that
    ``ShardWriter.close`` returns: what ``dataset_info`` needs to rewrite dataset.json on resume."""
    shard = read_shard_json(shard_dir)
    counts = Counter(a.get("object", {}).get("category") for a in read_annotations(shard_dir))
    return {**shard, "categories": dict(sorted(counts.items(), key=str))}


def list_shard_dirs(dataset_dir: str | Path) -> list[Path]:
    """Shard directories under their final names (``shards/shard-*``), sorted; never ``.tmp-shard-*``."""
    shards = Path(dataset_dir) / SHARDS_DIR
    if not shards.is_dir():
        return []
    return sorted(p for p in shards.iterdir() if p.is_dir() and p.name.startswith(SHARD_PREFIX))


def read_png(path: str | Path) -> np.ndarray:
    """Pixels of a PNG: (H, W, 3) uint8 (RGB), (H, W) uint8 (8-bit grey) or (H, W) uint16 (16-bit grey)."""
    with Image.open(path) as image:
        if image.mode in ("I;16", "I;16B", "I"):
            return np.asarray(image).astype(np.uint16)
        return np.asarray(image)


def decode_images(arrays: dict[str, np.ndarray], depth_unit_m: float) -> dict[str, np.ndarray]:
    """Raw file arrays -> the arrays of ``Dataset.load`` (masks as bool, depth in metres and raw)."""
    depth_raw = arrays["depth"].astype(np.uint16)
    return {
        "rgb": arrays["rgb"],
        "seg": arrays["seg"],
        "hand_amodal": arrays["hand_amodal"] > 127,
        "object_amodal": arrays["object_amodal"] > 127,
        "depth_m": (depth_raw.astype(np.float64) * depth_unit_m).astype(np.float32),
        "depth_raw": depth_raw,
    }


class Dataset:
    """A handsynth dataset on disk (format ``handsynth/1.1`` or ``handsynth/1``; ``format`` says which).

    ``Dataset(path)`` reads ``dataset.json`` and indexes every shard's ``annotations.jsonl`` once (byte
    offsets of its lines, parsed on demand), so opening a dataset of many thousands of samples is cheap.
    Raises UserError if ``path`` is not a handsynth dataset.
    """

    def __init__(self, path: str | Path):
        self.root = Path(path)
        info_path = self.root / DATASET_JSON
        if not info_path.is_file():
            raise UserError(f"{self.root} is not a handsynth dataset: it has no {DATASET_JSON}")
        try:
            self.info = json.loads(info_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise UserError(f"{info_path} is not valid JSON: {error}") from None
        if not isinstance(self.info, dict) or self.info.get("format") not in READABLE_FORMATS:
            found = self.info.get("format") if isinstance(self.info, dict) else None
            raise UserError(
                f"{self.root} is not a handsynth dataset of a format this version reads "
                f"({', '.join(READABLE_FORMATS)}): {DATASET_JSON} has format {found!r}"
            )
        self.format = self.info["format"]
        self.depth_unit_m = float(self.info.get("depth_unit_m", DEPTH_UNIT_M))
        self.shards = [s["name"] for s in self.info.get("shards", [])]
        self._index: dict[int, tuple[int, int, int]] | None = None  # id -> (shard number, offset, length)

    def __repr__(self) -> str:
        return f"Dataset({str(self.root)!r}, num_samples={self.info.get('num_samples')})"

    def __len__(self) -> int:
        return len(self._get_index())

    def shard_dir(self, name: str) -> Path:
        """Directory of the shard called ``name``."""
        return self.root / SHARDS_DIR / name

    def _get_index(self) -> dict[int, tuple[int, int, int]]:
        if self._index is None:
            index = {}
            for k, name in enumerate(self.shards):
                path = self.shard_dir(name) / ANNOTATIONS_JSONL
                try:
                    data = path.read_bytes()
                except OSError as error:
                    raise UserError(f"cannot read {path}: {error.strerror}") from None
                offset = 0
                for line in data.splitlines(keepends=True):
                    if line.strip():
                        index[int(json.loads(line)["id"])] = (k, offset, len(line))
                    offset += len(line)
            self._index = dict(sorted(index.items()))
        return self._index

    def ids(self) -> list[int]:
        """Every sample id, ascending."""
        return list(self._get_index())

    def annotation(self, sample_id: int) -> dict:
        """The annotation of one sample; KeyError for an unknown id."""
        k, offset, length = self._get_index()[int(sample_id)]
        with open(self.shard_dir(self.shards[k]) / ANNOTATIONS_JSONL, "rb") as f:
            f.seek(offset)
            return json.loads(f.read(length))

    def iter_annotations(self) -> Iterator[dict]:
        """Every annotation in id order across shards (each shard's file read once)."""
        for name in self.shards:
            yield from sorted(read_annotations(self.shard_dir(name)), key=lambda a: a["id"])

    def load(self, sample_id: int) -> dict:
        """One sample: its ``annotation`` and arrays ``rgb`` (H, W, 3) uint8, ``seg`` (H, W) uint8,
        ``hand_amodal`` / ``object_amodal`` (H, W) bool, ``depth_m`` (H, W) float32 metres (0: no surface)
        and ``depth_raw`` (H, W) uint16 in ``depth_unit_m`` steps."""
        annotation = self.annotation(sample_id)
        shard = self.shard_dir(self.shards[self._get_index()[int(sample_id)][0]])
        raw = {kind: read_png(shard / name) for kind, name in annotation["files"].items()}
        return {"annotation": annotation, **decode_images(raw, self.depth_unit_m)}
