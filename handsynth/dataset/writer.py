"""Write shards atomically (PNGs, annotations.jsonl, shard.json) and dataset.json; never bpy, ray or torch.

A shard is written into ``shards/.tmp-shard-XXXXXX`` and renamed to ``shards/shard-NNNNNN`` only after every
file, ``annotations.jsonl`` and ``shard.json`` are on disk and fsynced, so a shard directory under its final
name is always complete. PNGs are encoded on a small thread pool (Pillow's zlib compression releases the
GIL) while the caller renders the next sample; every file is encoded independently, so the bytes do not
depend on the threads, and the annotations keep the order of ``add`` calls.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from handsynth import __version__
from handsynth.conventions import DEPTH_UNIT_M, JOINT_NAMES, SEG_LABELS
from handsynth.dataset.layout import (
    ANNOTATIONS_JSONL,
    FILE_KINDS,
    FORMAT,
    SHARD_JSON,
    SHARDS_DIR,
    TMP_PREFIX,
    sample_files,
    shard_name,
)
from handsynth.files import fsync_dir, write_bytes_atomic, write_bytes_durable

# dtype of each image kind handed to ShardWriter.add.
IMAGE_DTYPES = {
    "rgb": np.uint8,
    "seg": np.uint8,
    "hand_amodal": np.bool_,
    "object_amodal": np.bool_,
    "depth": np.uint16,
}


def json_default(value):
    """``json.dumps`` hook: numpy arrays become lists, numpy scalars Python numbers; others are bugs."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def annotation_line(annotation: dict) -> str:
    """One line of ``annotations.jsonl`` (no newline): compact JSON, key order kept, NaN refused."""
    return json.dumps(annotation, default=json_default, allow_nan=False, separators=(",", ":"))


def encode_png(array: np.ndarray, compress_level: int = 1) -> bytes:
    """PNG bytes of (H, W, 3) uint8 (RGB), (H, W) uint8 (8-bit grey) or (H, W) uint16 (16-bit grey).

    Deterministic: no time stamp or other metadata is written.
    """
    array = np.ascontiguousarray(array)
    if not (array.dtype == np.uint8 and array.ndim in (2, 3)) and not (
        array.dtype == np.uint16 and array.ndim == 2
    ):
        raise ValueError(f"cannot encode {array.dtype} {array.shape} as PNG")
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", compress_level=compress_level)
    return buffer.getvalue()


def _write_file(path: Path, data: bytes) -> str:
    """Write and fsync ``data``; returns its sha256 hex digest. OSErrors name ``path``."""
    write_bytes_durable(path, data)
    return hashlib.sha256(data).hexdigest()


def _encode_and_write(path: Path, array: np.ndarray, compress_level: int) -> str:
    return _write_file(path, encode_png(array, compress_level))


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically (see ``write_bytes_atomic``)."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | Path, obj) -> None:
    """Write ``json.dumps(obj, indent=2)`` and a newline to ``path`` atomically."""
    write_text_atomic(path, json.dumps(obj, indent=2, default=json_default, allow_nan=False) + "\n")


def git_revision() -> str | None:
    """``git rev-parse HEAD`` of the repository holding the handsynth package, or None (no git, no repo)."""
    package_dir = Path(__file__).resolve().parents[1]
    try:
        result = subprocess.run(
            ["git", "-C", str(package_dir), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    revision = result.stdout.strip()
    return revision if result.returncode == 0 and revision else None


def dataset_info(
    root_seed: int,
    shards: list[dict],
    categories: dict[str, int] | None = None,
    *,
    bpy_version: str | None = None,
    created: str | None = None,
    depth_unit_m: float = DEPTH_UNIT_M,
) -> dict:
    """The ``dataset.json`` dict of a complete run.

    shards: one dict per shard in id order, with at least ``name`` and ``num_samples`` (what
    ``ShardWriter.close`` returns); only those two keys are kept. categories: object category -> sample
    count; by default the sum of the shards' ``categories``. ``created`` defaults to now (ISO 8601, UTC).
    """
    if categories is None:
        total = Counter()
        for shard in shards:
            total.update(shard.get("categories", {}))
        categories = dict(total)
    if created is None:
        created = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "format": FORMAT,
        "generator": {"handsynth": __version__, "bpy": bpy_version, "git": git_revision()},
        "created": created,
        "root_seed": int(root_seed),
        "num_samples": int(sum(int(s["num_samples"]) for s in shards)),
        "joint_names": list(JOINT_NAMES),
        "seg_labels": {str(label): name for label, name in sorted(SEG_LABELS.items())},
        "depth_unit_m": float(depth_unit_m),
        "categories": {name: int(count) for name, count in sorted(categories.items())},
        "shards": [{"name": s["name"], "num_samples": int(s["num_samples"])} for s in shards],
    }


def _check_images(images: dict, width, height) -> dict[str, np.ndarray]:
    """Validate the arrays of one sample; returns copies ready to encode (masks as 0/255 uint8)."""
    if set(images) != set(FILE_KINDS):
        raise ValueError(f"images must have exactly the kinds {FILE_KINDS}, got {sorted(images)}")
    ready = {}
    for kind in FILE_KINDS:
        array = np.asarray(images[kind])
        shape = (height, width, 3) if kind == "rgb" else (height, width)
        if array.dtype != IMAGE_DTYPES[kind] or array.shape != shape:
            raise ValueError(
                f"images[{kind!r}] must be {shape} {np.dtype(IMAGE_DTYPES[kind])}, "
                f"got {array.shape} {array.dtype}"
            )
        # Copies, so that the caller may reuse its buffers while the encoder threads run.
        ready[kind] = array.astype(np.uint8) * np.uint8(255) if array.dtype == np.bool_ else array.copy()
    return ready


class ShardWriter:
    """Writes one shard: ``add`` each sample in id order, then ``close`` (or use it as a context manager).

    ``ShardWriter(dataset_dir, shard_index, num_samples)`` creates ``dataset_dir/shards/.tmp-shard-XXXXXX``;
    ``num_samples`` is the size of the whole dataset (it sets the digits of file names).
    ``compress_level`` is zlib's level for every PNG (1: on 320x320 renders 3-4x faster than 6 for RGB
    files about 10% larger); ``encode_threads`` PNG encoder threads (0: encode synchronously in ``add``).
    In a ``with`` block the shard is closed on normal exit and aborted (temp dir removed) on an exception.
    A directory already under the shard's final name (an earlier attempt) is replaced on ``close``.
    """

    def __init__(
        self,
        dataset_dir: str | Path,
        shard_index: int,
        num_samples: int,
        compress_level: int = 1,
        encode_threads: int = 2,
    ):
        if not 0 <= compress_level <= 9:
            raise ValueError(f"compress_level must be in 0..9, got {compress_level}")
        self.dataset_dir = Path(dataset_dir)
        self.shard_index = int(shard_index)
        self.num_samples = int(num_samples)
        self.compress_level = compress_level
        self.name = shard_name(shard_index)
        shards_dir = self.dataset_dir / SHARDS_DIR
        shards_dir.mkdir(parents=True, exist_ok=True)
        self.final_dir = shards_dir / self.name
        self.tmp_dir = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=shards_dir))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self.tmp_dir, 0o777 & ~umask)  # mkdtemp creates 0700; give the shard the usual permissions
        self._executor = ThreadPoolExecutor(encode_threads, "png") if encode_threads > 0 else None
        self._max_pending = max(1, encode_threads) * len(FILE_KINDS) * 2  # bounds memory held by the queue
        self._hashes: dict[str, str] = {}  # file name -> sha256 of every file written
        self._pending: deque[tuple[str, Future]] = deque()  # encodes in flight, oldest first
        self._lines: list[str] = []
        self._ids: list[int] = []
        self._categories: Counter = Counter()
        self.result: dict | None = None
        self._done = False

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()
        elif not self._done:
            self.close()

    def add(self, annotation: dict, images: dict[str, np.ndarray]) -> None:
        """Add one sample.

        annotation: the sample's annotation (format ``handsynth/1.1``) with ``id``, ``width``, ``height`` and
        ``files`` equal to ``sample_files(id, num_samples)``. images: rgb (H, W, 3) uint8, seg (H, W) uint8,
        hand_amodal (H, W) bool, object_amodal (H, W) bool, depth (H, W) uint16 in ``depth_unit_m`` steps.
        Ids must be consecutive within a shard.
        """
        if self._done:
            raise RuntimeError(f"shard {self.name} is already closed or aborted")
        sample_id = annotation["id"]
        if self._ids and sample_id != self._ids[-1] + 1:
            raise ValueError(f"sample ids of a shard must be consecutive: {sample_id} after {self._ids[-1]}")
        expected = sample_files(sample_id, self.num_samples)
        if annotation.get("files") != expected:
            raise ValueError(
                f"annotation files of sample {sample_id} must be {expected}, got {annotation.get('files')}"
            )
        ready = _check_images(images, annotation["width"], annotation["height"])
        line = annotation_line(annotation)
        for kind in FILE_KINDS:
            path = self.tmp_dir / expected[kind]
            if self._executor is None:
                self._hashes[path.name] = _encode_and_write(path, ready[kind], self.compress_level)
            else:
                future = self._executor.submit(_encode_and_write, path, ready[kind], self.compress_level)
                self._pending.append((path.name, future))
        self._lines.append(line)
        self._ids.append(sample_id)
        self._categories[annotation.get("object", {}).get("category")] += 1
        self._wait_pending(self._max_pending)

    def _wait_pending(self, limit: int) -> None:
        """Collect finished encodes, blocking on the oldest ones until at most ``limit`` are in flight."""
        while self._pending and (self._pending[0][1].done() or len(self._pending) > limit):
            name, future = self._pending.popleft()
            self._hashes[name] = future.result()  # re-raises an encoder's exception

    def close(self) -> dict:
        """Finish the shard: annotations.jsonl, shard.json, fsync, rename into place.

        Returns the shard.json dict (``name``, ``num_samples``, ``ids`` [first, last], ``files`` name ->
        sha256) plus ``categories`` (object category -> count in this shard), for ``dataset_info``.
        """
        if self._done:
            raise RuntimeError(f"shard {self.name} is already closed or aborted")
        if not self._lines:
            self.abort()
            raise ValueError(f"shard {self.name} has no samples")
        try:
            self._wait_pending(0)
            if self._executor is not None:
                self._executor.shutdown()
            data = "".join(line + "\n" for line in self._lines).encode("utf-8")
            self._hashes[ANNOTATIONS_JSONL] = _write_file(self.tmp_dir / ANNOTATIONS_JSONL, data)
            shard = {
                "name": self.name,
                "num_samples": len(self._lines),
                "ids": [self._ids[0], self._ids[-1]],
                "files": dict(sorted(self._hashes.items())),
            }
            _write_file(self.tmp_dir / SHARD_JSON, (json.dumps(shard, indent=2) + "\n").encode("utf-8"))
            fsync_dir(self.tmp_dir)
            self._move_into_place()
        except BaseException:
            self.abort()
            raise
        self._done = True
        self.result = {**shard, "categories": dict(sorted(self._categories.items(), key=str))}
        return self.result

    def _move_into_place(self) -> None:
        # A directory of the final name is a leftover of an earlier attempt (complete or not). Move it
        # aside under a temp name first, so that the final name never holds an incomplete shard.
        for _ in range(3):
            stale = None
            if self.final_dir.exists():
                stale = self.final_dir.with_name(f"{TMP_PREFIX}stale-{uuid.uuid4().hex[:8]}")
                os.rename(self.final_dir, stale)
            try:
                os.rename(self.tmp_dir, self.final_dir)
            except OSError:
                if not self.final_dir.exists():  # not a race with another writer of this shard
                    raise
                continue
            finally:
                if stale is not None:
                    shutil.rmtree(stale, ignore_errors=True)
            fsync_dir(self.final_dir.parent)
            return
        raise OSError(f"could not move {self.tmp_dir} to {self.final_dir}: another writer keeps replacing it")

    def abort(self) -> None:
        """Drop the shard: stop the encoders and remove the temp dir. Safe to call more than once."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(self.tmp_dir, ignore_errors=True)
        self._done = True
