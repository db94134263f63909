"""Read a dataset for ``stats`` and ``preview``, every kind of damage one UserError naming the file; never
bpy, ray or torch.

``validate`` reports every defect of a dataset; ``stats`` and ``preview`` only need to read it, and stop
at the first thing they cannot read (a missing or truncated file, a line that is not JSON, a field of the
wrong type, an image of the wrong size) with one line that names the path and the problem.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from handsynth.conventions import NUM_JOINTS
from handsynth.dataset.layout import ANNOTATIONS_JSONL, DATASET_JSON, FILE_KINDS, SHARD_NAME, SHARDS_DIR
from handsynth.dataset.reader import Dataset, decode_images, read_png
from handsynth.errors import UserError

_FILE_NAME = re.compile(r"[^/\\]+\.png")
# What Pillow raises on a file that is not a PNG or is cut short.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, zlib.error, Image.DecompressionBombError)


@dataclass(frozen=True)
class Entry:
    """One sample of a dataset: its annotation and the folder of its shard."""

    annotation: dict
    shard_dir: Path


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def open_dataset(path: str | Path) -> Dataset:
    """The Dataset at ``path`` after checking dataset.json's structure (UserError naming what is wrong)."""
    root = Path(path)
    info_path = root / DATASET_JSON
    if not root.is_dir():
        raise UserError(f"{root} is not a directory")
    try:
        info = json.loads(info_path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise UserError(f"{root} is not a handsynth dataset: it has no {DATASET_JSON}") from None
    except OSError as error:
        raise UserError(f"cannot read {info_path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserError(f"{info_path} is not valid JSON: {error}") from None
    if not isinstance(info, dict):
        raise UserError(f"{info_path} is not a JSON object")
    shards = info.get("shards")
    if not isinstance(shards, list) or not all(
        isinstance(s, dict) and isinstance(s.get("name"), str) and SHARD_NAME.fullmatch(s["name"])
        for s in shards
    ):
        raise UserError(f"{info_path}: shards is not a list of {{name: shard-NNNNNN, num_samples}}")
    if not _is_int(info.get("num_samples")) or info["num_samples"] < 0:
        raise UserError(f"{info_path}: num_samples {info.get('num_samples')!r} is not a count")
    unit = info.get("depth_unit_m", 1.0)
    if not _is_number(unit) or unit <= 0:
        raise UserError(f"{info_path}: depth_unit_m {unit!r} is not a positive number")
    return Dataset(root)  # checks the format


def _points(value, dims: int) -> bool:
    """True when ``value`` is NUM_JOINTS lists of ``dims`` finite numbers."""
    return (
        isinstance(value, list)
        and len(value) == NUM_JOINTS
        and all(isinstance(p, list) and len(p) == dims and all(_is_number(x) for x in p) for p in value)
    )


def annotation_problem(annotation) -> str | None:
    """What ``stats`` and ``preview`` cannot use in one annotation (a few words), or None."""
    if not isinstance(annotation, dict):
        return "not a JSON object"
    if not _is_int(annotation.get("id")) or annotation["id"] < 0:
        return f"id {annotation.get('id')!r} is not a sample id"
    for key in ("width", "height"):
        if not _is_int(annotation.get(key)) or annotation[key] < 1:
            return f"{key} {annotation.get(key)!r} is not a size in pixels"
    files = annotation.get("files")
    if not isinstance(files, dict) or set(files) != set(FILE_KINDS):
        return f"files does not name exactly {', '.join(FILE_KINDS)}"
    if not all(isinstance(name, str) and _FILE_NAME.fullmatch(name) for name in files.values()):
        return "files are not PNG file names"
    hand = annotation.get("hand")
    if not isinstance(hand, dict):
        return "hand is missing or not an object"
    vis = hand.get("joints_vis")
    if not (isinstance(vis, list) and len(vis) == NUM_JOINTS and all(v in (0, 1, 2) for v in vis)):
        return f"hand.joints_vis is not {NUM_JOINTS} values of 0, 1, 2"
    if any(isinstance(v, bool) for v in vis):
        return f"hand.joints_vis is not {NUM_JOINTS} values of 0, 1, 2"
    if not _points(hand.get("joints_uv"), 2):
        return f"hand.joints_uv is not {NUM_JOINTS} finite [u, v]"
    if not _points(hand.get("joints_cam"), 3):
        return f"hand.joints_cam is not {NUM_JOINTS} finite [x, y, z]"
    if not isinstance(annotation.get("object"), dict):
        return "object is missing or not an object"
    for key in ("grasp", "camera", "background"):
        if annotation.get(key) is not None and not isinstance(annotation[key], dict):
            return f"{key} is not an object"
    penetration = (annotation.get("grasp") or {}).get("penetration_mm")
    if penetration is not None and not _is_number(penetration):
        return f"grasp.penetration_mm {penetration!r} is not a number"
    return _stability_problem((annotation.get("grasp") or {}).get("stability"))


# The optional ``grasp.stability`` block (docs/dataset-fields.md): non-negative figures; ``grip_model``
# (absent in data made by the first protocol) one of these; ``sim_direction`` (absent in data whose
# literature figure is the mean over all directions) one of the world-down directions a grasp is
# tested under (``handsynth.grasp.stability_record.gravity_directions``, support grasps' included).
GRIP_MODELS = ("compliant_pads",)
WORLD_DOWN = ("arm_up", "palm_down", "palm_up", "thumb_down", "little_down", "fingers_down", "wrist_down")
_STABILITY_NUMBERS = ("grip_displacement_cm", "grip_rotation_deg", "grip_squeeze_n", "grip_bound_cm")


def _stability_problem(block) -> str | None:
    """What is wrong with an annotation's ``grasp.stability`` block (None when absent or sound)."""
    if block is None:
        return None
    if not isinstance(block, dict):
        return "grasp.stability is not an object"
    for key in _STABILITY_NUMBERS:
        if not _is_number(block.get(key)) or block[key] < 0:
            return f"grasp.stability.{key} {block.get(key)!r} is not a non-negative number"
    sim = block.get("sim_displacement_cm")
    if sim is not None and (not _is_number(sim) or sim < 0):
        return f"grasp.stability.sim_displacement_cm {sim!r} is not a non-negative number"
    if "sim_direction" in block:
        down = block["sim_direction"]
        if (down is None) != (sim is None) or (down is not None and down not in WORLD_DOWN):
            return f"grasp.stability.sim_direction {down!r} is not " + (
                "null, as sim_displacement_cm is" if sim is None else f"one of {', '.join(WORLD_DOWN)}"
            )
    mass = block.get("object_mass_kg")
    if not _is_number(mass) or mass <= 0:
        return f"grasp.stability.object_mass_kg {mass!r} is not a positive number"
    model = block.get("grip_model")
    if model is not None and model not in GRIP_MODELS:
        return f"grasp.stability.grip_model {model!r} is not one of {', '.join(GRIP_MODELS)}"
    holds = block.get("grip_holds")
    if not isinstance(holds, bool):
        return f"grasp.stability.grip_holds {holds!r} is not true or false"
    if holds != (block["grip_displacement_cm"] <= block["grip_bound_cm"]):
        return (
            f"grasp.stability.grip_holds is {str(holds).lower()} but grip_displacement_cm "
            f"{block['grip_displacement_cm']} against grip_bound_cm {block['grip_bound_cm']} says otherwise"
        )
    return None


def read_entries(dataset: Dataset) -> list[Entry]:
    """Every sample of the dataset in id order, each annotation checked by ``annotation_problem``.

    Raises UserError naming the file (and line) of the first missing or unreadable annotations.jsonl, line
    that is not JSON or annotation that cannot be used, or a sample id that appears twice.
    """
    entries: dict[int, Entry] = {}
    for name in dataset.shards:
        shard_dir = dataset.root / SHARDS_DIR / name
        path = shard_dir / ANNOTATIONS_JSONL
        try:
            text = path.read_bytes().decode("utf-8")
        except OSError as error:
            raise UserError(f"cannot read {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise UserError(f"{path} is not UTF-8 text") from None
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                annotation = json.loads(line)
            except json.JSONDecodeError as error:
                raise UserError(f"{path} line {number} is not valid JSON: {error}") from None
            if problem := annotation_problem(annotation):
                raise UserError(f"{path} line {number}: {problem}")
            if annotation["id"] in entries:
                raise UserError(f"{path} line {number}: sample id {annotation['id']} appears twice")
            entries[annotation["id"]] = Entry(annotation, shard_dir)
    return [entries[i] for i in sorted(entries)]


def load_entry(entry: Entry, depth_unit_m: float) -> dict:
    """The arrays of one sample, as ``Dataset.load`` returns them, after checking every file decodes to
    the annotation's size and the kind's pixel format (UserError naming the file otherwise)."""
    annotation = entry.annotation
    height, width = annotation["height"], annotation["width"]
    raw = {}
    for kind in FILE_KINDS:
        path = entry.shard_dir / annotation["files"][kind]
        try:
            array = read_png(path)
        except FileNotFoundError:
            raise UserError(f"{path} is missing") from None
        except _DECODE_ERRORS as error:
            raise UserError(f"{path} is not a readable PNG: {error}") from None
        shape = (height, width, 3) if kind == "rgb" else (height, width)
        dtype = np.uint16 if kind == "depth" else np.uint8
        if array.shape != shape or array.dtype != dtype:
            raise UserError(
                f"{path} is a {array.shape} {array.dtype} image; "
                f"the annotation needs {shape} {np.dtype(dtype)}"
            )
        raw[kind] = array
    return {"annotation": annotation, **decode_images(raw, depth_unit_m)}
