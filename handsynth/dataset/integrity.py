"""Is a complete shard on disk intact (the resume check of `render`)? hashlib and json only, never bpy or ray.

A shard directory under its final name was renamed into place only when complete, but files can be lost or
damaged afterwards (a deleted PNG, a copy cut short, a flipped bit). ``verify_shard`` compares a shard with
its own ``shard.json`` and with the ids the run expects; a resume re-renders every shard it rejects.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path

from handsynth.dataset.layout import ANNOTATIONS_JSONL, SHA256_HEX, SHARD_JSON, sample_files, shard_name
from handsynth.files import sha256_file


class ShardDamaged(Exception):
    """A shard does not match its ``shard.json`` or the run; ``str(error)`` says why in a few words."""


def _read_shard_json(shard_dir: Path) -> dict:
    try:
        shard = json.loads((shard_dir / SHARD_JSON).read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ShardDamaged(f"{SHARD_JSON} is missing") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ShardDamaged(f"{SHARD_JSON} is not valid JSON ({error})") from None
    if not isinstance(shard, dict):
        raise ShardDamaged(f"{SHARD_JSON} is not a JSON object")
    return shard


def _categories(data: bytes, ids: range) -> dict[str, int]:
    """Parse annotations.jsonl: one JSON object per id, in id order; returns category -> count."""
    try:
        lines = [line for line in data.decode("utf-8").split("\n") if line.strip()]
    except UnicodeDecodeError:
        raise ShardDamaged(f"{ANNOTATIONS_JSONL} is not UTF-8") from None
    if len(lines) != len(ids):
        raise ShardDamaged(f"{ANNOTATIONS_JSONL} has {len(lines)} lines, expected {len(ids)}")
    counts: Counter = Counter()
    for number, (line, sample_id) in enumerate(zip(lines, ids, strict=True), start=1):
        try:
            annotation = json.loads(line)
        except json.JSONDecodeError:
            raise ShardDamaged(f"{ANNOTATIONS_JSONL} line {number} is not valid JSON") from None
        if not isinstance(annotation, dict) or annotation.get("id") != sample_id:
            raise ShardDamaged(
                f"{ANNOTATIONS_JSONL} line {number} is not the annotation of sample {sample_id}"
            )
        category = (
            annotation.get("object", {}).get("category")
            if isinstance(annotation.get("object"), dict)
            else None
        )
        counts[category] += 1
    return dict(sorted(counts.items(), key=str))


def verify_shard(shard_dir: str | Path, shard_index: int, ids: range, num_samples: int) -> dict:
    """Check a complete shard against its ``shard.json`` and the run; returns its summary.

    ``ids``: the sample ids the shard must hold; ``num_samples``: the size of the whole run (it sets the
    digits of file names). Checks that shard.json parses, names this shard, counts ``len(ids)`` samples with
    ids [first, last]; that it lists exactly the samples' PNGs and annotations.jsonl, and that the directory
    holds exactly those files plus shard.json; that every file's sha256 matches (this also catches any
    change of size); and that annotations.jsonl holds one object per id, in order.

    Returns shard.json plus ``categories`` (object category -> count): what ``ShardWriter.close`` returns.
    Raises ShardDamaged saying what is wrong.
    """
    shard_dir = Path(shard_dir)
    shard = _read_shard_json(shard_dir)
    name = shard_name(shard_index)
    if shard.get("name") != name:
        raise ShardDamaged(f"{SHARD_JSON} names {shard.get('name')!r}, not {name!r}")
    if shard.get("num_samples") != len(ids) or shard.get("ids") != [ids[0], ids[-1]]:
        raise ShardDamaged(
            f"{SHARD_JSON} holds {shard.get('num_samples')!r} samples with ids {shard.get('ids')!r}, "
            f"expected {len(ids)} with ids [{ids[0]}, {ids[-1]}]"
        )
    listed = shard.get("files")
    if not isinstance(listed, dict) or not all(
        isinstance(v, str) and SHA256_HEX.fullmatch(v) for v in listed.values()
    ):
        raise ShardDamaged(f"{SHARD_JSON} files is not a map of file name -> sha256")
    expected = {ANNOTATIONS_JSONL}
    for sample_id in ids:
        expected.update(sample_files(sample_id, num_samples).values())
    if set(listed) != expected:
        wrong = sorted(set(listed) ^ expected)
        raise ShardDamaged(f"{SHARD_JSON} lists the wrong files ({', '.join(wrong[:3])})")
    present = {entry.name for entry in os.scandir(shard_dir)} - {SHARD_JSON}
    if present != expected:
        missing, extra = sorted(expected - present), sorted(present - expected)
        if missing:
            raise ShardDamaged(
                f"{missing[0]} is missing" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else "")
            )
        raise ShardDamaged(f"unexpected file {extra[0]}")
    for file_name in sorted(expected - {ANNOTATIONS_JSONL}):
        if sha256_file(shard_dir / file_name) != listed[file_name]:
            raise ShardDamaged(f"{file_name} does not match its sha256")
    data = (shard_dir / ANNOTATIONS_JSONL).read_bytes()
    if hashlib.sha256(data).hexdigest() != listed[ANNOTATIONS_JSONL]:
        raise ShardDamaged(f"{ANNOTATIONS_JSONL} does not match its sha256")
    return {**shard, "categories": _categories(data, ids)}
