"""Checks of a dataset's structure: dataset.json, the shards directory, shard.json, the lines of
annotations.jsonl and the files of a sample; numpy and Pillow only, never bpy, ray or torch."""

from __future__ import annotations

import hashlib
import io
import json
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from handsynth.conventions import JOINT_NAMES, SEG_LABELS
from handsynth.dataset.layout import (
    ANNOTATIONS_JSONL,
    DATASET_JSON,
    FILE_KINDS,
    PNG_HEADERS,
    READABLE_FORMATS,
    SHA256_HEX,
    SHARD_JSON,
    SHARD_NAME,
    SHARDS_DIR,
    TMP_PREFIX,
    sample_files,
)
from handsynth.dataset.validate.fields import NUMBER, type_ok
from handsynth.dataset.validate.report import ValidationReport
from handsynth.errors import UserError

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IMAGE_MODES = {
    "rgb": ("RGB",),
    "seg": ("L",),
    "hand_amodal": ("L",),
    "object_amodal": ("L",),
    "depth": ("I;16", "I;16B", "I"),
}
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, zlib.error)


class ShardFiles:
    """Reads each file of a shard once, remembering its sha256."""

    def __init__(self, shard_dir: Path):
        self.dir = shard_dir
        self.hashes: dict[str, str] = {}

    def read(self, name: str) -> bytes:
        """The bytes of file ``name`` of the shard (OSError when unreadable); its sha256 is kept."""
        data = (self.dir / name).read_bytes()
        self.hashes[name] = hashlib.sha256(data).hexdigest()
        return data


def read_json(path: Path):
    """Parsed JSON of ``path``, or a string saying why it could not be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable ({error.strerror})"
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return f"not valid JSON ({error})"


def check_dataset_json(root: Path, report: ValidationReport) -> dict:
    """Check dataset.json; returns it (or {} when unusable). UserError when it names another format."""
    info = read_json(root / DATASET_JSON)
    if isinstance(info, str) or not isinstance(info, dict):
        report.fail("dataset.json", f"{DATASET_JSON} is {info if isinstance(info, str) else 'not an object'}")
        return {}
    found = info.get("format")
    readable = ", ".join(READABLE_FORMATS)
    if isinstance(found, str) and found not in READABLE_FORMATS:
        raise UserError(
            f"{root} is not a handsynth dataset of a format this version reads ({readable}): "
            f"{DATASET_JSON} has format {found!r}"
        )
    report.expect("dataset.json", found in READABLE_FORMATS, f"format is {found!r}, not one of {readable}")
    expected = {
        "joint_names": list(JOINT_NAMES),
        "seg_labels": {str(k): v for k, v in SEG_LABELS.items()},
    }
    for key, value in expected.items():
        report.expect("dataset.json", info.get(key) == value, f"{key} is {info.get(key)!r}, not {value!r}")
    unit = info.get("depth_unit_m")
    report.expect("dataset.json", type_ok(unit, NUMBER) and unit > 0, f"depth_unit_m {unit!r} is not > 0")
    for key, kind in (
        ("num_samples", int),
        ("root_seed", int),
        ("created", str),
        ("generator", dict),
        ("categories", dict),
        ("shards", list),
    ):
        report.expect("dataset.json", type_ok(info.get(key), kind), f"{key} missing or not {kind.__name__}")
    shards = info.get("shards")
    good_list = isinstance(shards, list) and all(
        isinstance(s, dict) and isinstance(s.get("name"), str) and type_ok(s.get("num_samples"), int)
        for s in shards
    )
    report.expect(
        "dataset.json",
        good_list or not isinstance(shards, list),
        "shards entries need a name and num_samples",
    )
    return info


def scan_shards_dir(root: Path, report: ValidationReport) -> list[Path]:
    """Shard dirs present (sorted); reports temp dirs (warning) and unexpected entries."""
    shards_dir = root / SHARDS_DIR
    if not shards_dir.is_dir():
        report.fail("shards listed", f"{SHARDS_DIR}/ is missing")
        return []
    shard_dirs = []
    for entry in sorted(shards_dir.iterdir()):
        if entry.name.startswith(TMP_PREFIX):
            report.fail("temp dirs", f"{SHARDS_DIR}/{entry.name} left over (an interrupted or running shard)")
            continue
        report.passed("temp dirs")
        if entry.is_dir() and SHARD_NAME.fullmatch(entry.name):
            shard_dirs.append(entry)
        else:
            report.fail("shards listed", f"unexpected entry {SHARDS_DIR}/{entry.name}")
    return shard_dirs


def check_shard_json(shard_dir: Path, report: ValidationReport) -> dict:
    """Check shard.json's structure; returns it (or {} when unusable)."""
    shard = read_json(shard_dir / SHARD_JSON)
    where = f"{shard_dir.name}/{SHARD_JSON}"
    if isinstance(shard, str) or not isinstance(shard, dict):
        report.fail("shard.json", f"{where} is {shard if isinstance(shard, str) else 'not an object'}")
        return {}
    problems = []
    if shard.get("name") != shard_dir.name:
        problems.append(f"name {shard.get('name')!r} != directory name")
    if not type_ok(shard.get("num_samples"), int):
        problems.append("num_samples missing or not an int")
    ids = shard.get("ids")
    if not (isinstance(ids, list) and len(ids) == 2 and all(type_ok(i, int) for i in ids)):
        problems.append(f"ids {ids!r} is not [first, last]")
    files = shard.get("files")
    if not (
        isinstance(files, dict)
        and all(isinstance(v, str) and SHA256_HEX.fullmatch(v) for v in files.values())
    ):
        problems.append("files is not a map of file name -> sha256 hex")
        shard = {**shard, "files": {}}
    report.expect("shard.json", not problems, f"{where}: {'; '.join(problems)}")
    return shard


def read_lines(files: ShardFiles, report: ValidationReport) -> list:
    """Parsed lines of annotations.jsonl (a str for each line that is not JSON)."""
    try:
        text = files.read(ANNOTATIONS_JSONL).decode("utf-8")
    except FileNotFoundError:
        return []  # reported by "shard files"
    except (OSError, UnicodeDecodeError) as error:
        report.fail("annotation fields", f"{files.dir.name}/{ANNOTATIONS_JSONL} unreadable: {error}")
        return []
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError as error:
            lines.append(f"{files.dir.name}/{ANNOTATIONS_JSONL} line {number}: not JSON ({error.msg})")
    return lines


def load_images(files: ShardFiles, annotation: dict, num_samples: int, report: ValidationReport):
    """Read, hash and decode the five PNGs of a sample; returns raw arrays or None (reported)."""
    sample_id, width, height = annotation["id"], annotation["width"], annotation["height"]
    names = annotation["files"]
    expected_names = sample_files(sample_id, num_samples)
    report.expect("file names", names == expected_names, f"id {sample_id}: files {names} != {expected_names}")
    arrays, problems = {}, []
    for kind in FILE_KINDS:
        name = names.get(kind)
        if not isinstance(name, str) or "/" in name:
            problems.append(f"no {kind} file named")
            continue
        try:
            data = files.read(name)
        except OSError as error:
            problems.append(f"{name}: {error.strerror}")
            continue
        header = (data[24], data[25]) if len(data) > 25 and data.startswith(_PNG_SIGNATURE) else None
        if header != PNG_HEADERS[kind]:
            problems.append(f"{name}: PNG (bit depth, colour type) {header} != {PNG_HEADERS[kind]}")
            continue
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                mode, size = image.mode, image.size
                array = np.asarray(image)
        except _DECODE_ERRORS as error:
            problems.append(f"{name}: cannot decode ({error})")
            continue
        if mode not in _IMAGE_MODES[kind] or size != (width, height):
            problems.append(
                f"{name}: {mode} {size[0]}x{size[1]}, expected {_IMAGE_MODES[kind][0]} {width}x{height}"
            )
            continue
        arrays[kind] = array.astype(np.uint16) if kind == "depth" else array
    report.expect("images", not problems, f"id {sample_id}: {'; '.join(problems)}")
    return arrays if not problems else None
