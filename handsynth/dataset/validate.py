"""``handsynth validate``: check a dataset against every invariant of handsynth/1; never bpy, ray or torch.

Each invariant is a named check that counts what it examined, what failed, and keeps the first few
failures as readable examples. Files are read once: the bytes that are hashed are the bytes decoded.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm

from handsynth.conventions import (
    DEPTH_UNIT_M,
    JOINT_NAMES,
    NUM_JOINTS,
    OBJECT_CATEGORIES,
    SEG_FOREARM,
    SEG_HAND,
    SEG_LABELS,
    SEG_OBJECT,
    VISIBLE_DEPTH_TOLERANCE_M,
    inside_image,
    pixel_of,
    project_points,
)
from handsynth.dataset.layout import (
    ANNOTATIONS_JSONL,
    DATASET_JSON,
    FILE_KINDS,
    FORMAT,
    PNG_HEADERS,
    SHARD_JSON,
    SHARD_PREFIX,
    SHARDS_DIR,
    TMP_PREFIX,
    bbox_of_mask,
    sample_files,
)
from handsynth.dataset.reader import decode_images
from handsynth.errors import UserError

PROJECTION_TOLERANCE_PX = 1e-3
RIGID_TOLERANCE = 1e-6
_SHARD_NAME = re.compile(rf"{SHARD_PREFIX}\d{{6,}}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IMAGE_MODES = {
    "rgb": ("RGB",),
    "seg": ("L",),
    "hand_amodal": ("L",),
    "object_amodal": ("L",),
    "depth": ("I;16", "I;16B", "I"),
}
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, zlib.error)

# (name, what it checks, is a warning only), in report order.
CHECKS = (
    ("dataset.json", "present, valid JSON, format, joint names, labels, depth unit", False),
    (
        "shards listed",
        "dataset.json shards == shard dirs present (names, counts); nothing else in shards/",
        False,
    ),
    ("temp dirs", f"no leftover {TMP_PREFIX}* dirs (an interrupted run)", True),
    ("shard.json", "present, valid JSON, name, num_samples, ids, files", False),
    ("shard files", "shard.json lists exactly the files present", False),
    ("sha256", "every listed file matches its sha256", False),
    ("annotation count", "annotations.jsonl lines == shard.json num_samples and ids [first, last]", False),
    ("annotation fields", "each line is a JSON object with the format's fields and types", False),
    ("ids", "ids 0..num_samples-1 each exactly once, ascending within a shard", False),
    ("file names", "files == layout names of the id", False),
    (
        "images",
        "PNGs readable, size == width x height, rgb 8-bit RGB, masks 8-bit grey, depth 16-bit grey",
        False,
    ),
    ("label values", "seg in {0, 1, 2, 3}; amodal masks in {0, 255}", False),
    ("joints", "joints_cam (21, 3) with z > 0, joints_uv (21, 2), joints_vis (21,) in {0, 1, 2}", False),
    ("camera matrices", "K 3x3 with last row [0, 0, 1]; T_cam_world, T_cam_object rigid 4x4", False),
    ("projection", "joints_uv == project(joints_cam, K) to 1e-3 px", False),
    ("visibility outside", "joints_vis == 0 exactly when the joint projects outside the image", False),
    ("visibility visible", "vis 2: pixel label hand (wrist: or forearm) and |depth - z| <= 25 mm", False),
    ("hand amodal", "seg == 1 inside hand_amodal", False),
    ("object amodal", "seg == 2 inside object_amodal", False),
    ("depth support", "depth != 0 exactly where seg != 0", False),
    ("hand bbox", "hand.bbox == bbox of seg == 1", False),
    ("object bbox", "object.bbox == bbox of seg == 2", False),
    ("amodal bboxes", "hand/object bbox_amodal (where given) == bbox of the amodal mask", False),
    ("category", f"object.category in {', '.join(OBJECT_CATEGORIES)}", False),
    ("dataset totals", "dataset.json num_samples and categories == the annotations", False),
)

_NUMBER = "number"
# Required annotation fields and their JSON types (dict: nested fields). Extra fields are allowed.
_FIELDS = {
    "id": int,
    "seed": int,
    "files": dict,
    "width": int,
    "height": int,
    "K": list,
    "T_cam_world": list,
    "hand": {
        "side": str,
        "subject": str,
        "joints_cam": list,
        "joints_uv": list,
        "joints_vis": list,
        "bbox": list,
        "shape": dict,
        "pose": dict,
    },
    "object": {"category": str, "family": str, "dims_m": dict, "T_cam_object": list, "bbox": list},
    "grasp": {"type": str, "penetration_mm": _NUMBER, "intersection_cm3": _NUMBER, "contact_fingers": list},
    "lights": list,
    "background": {"source": str, "id": int},
    "render": {"backend": str},
}


@dataclass
class Check:
    """One named check: how many items it examined, how many failed, and the first failure messages."""

    name: str
    description: str
    warning: bool = False
    checked: int = 0
    failed: int = 0
    examples: list[str] = field(default_factory=list)


class ValidationReport:
    """Result of ``validate_dataset``: ``checks`` by name, ``ok``, ``failed_checks()``, ``format()``."""

    def __init__(self, path: Path, max_examples: int):
        self.path = path
        self.max_examples = max_examples
        self.checks = {name: Check(name, description, warning) for name, description, warning in CHECKS}
        self.num_samples = 0
        self.num_shards = 0

    def __getitem__(self, name: str) -> Check:
        return self.checks[name]

    def passed(self, name: str, count: int = 1) -> None:
        """Record ``count`` items that passed check ``name``."""
        self.checks[name].checked += count

    def fail(self, name: str, message: str, count: int = 1) -> None:
        """Record ``count`` failed items of check ``name``, described by ``message``."""
        check = self.checks[name]
        check.checked += count
        check.failed += count
        if len(check.examples) < self.max_examples:
            check.examples.append(message)

    def expect(self, name: str, condition: bool, message: str) -> bool:
        """Record one item of check ``name`` that passed when ``condition``; returns ``condition``."""
        if condition:
            self.passed(name)
        else:
            self.fail(name, message)
        return condition

    @property
    def ok(self) -> bool:
        """True when no check (warnings aside) failed."""
        return not self.failed_checks()

    def failed_checks(self) -> list[str]:
        """Names of the failed checks, warnings excluded."""
        return [c.name for c in self.checks.values() if c.failed and not c.warning]

    def warnings(self) -> list[str]:
        """Names of the warning checks that failed."""
        return [c.name for c in self.checks.values() if c.failed and c.warning]

    def format(self) -> str:
        """The report as text: a table of checks (checked, failed), then example failures, then a verdict."""
        width = max(len(name) for name in self.checks) + len(" (warning)")
        lines = [f"{'check':<{width}} {'checked':>9} {'failed':>7}"]
        for c in self.checks.values():
            label = c.name + (" (warning)" if c.warning else "")
            lines.append(f"{label:<{width}} {c.checked:>9} {c.failed:>7}")
        for c in self.checks.values():
            if c.failed:
                lines += ["", f"{c.name}: {c.description}"] + [f"  {example}" for example in c.examples]
                if c.failed > len(c.examples):
                    lines.append(f"  ... and {c.failed - len(c.examples)} more")
        summary = f"{self.num_samples} samples in {self.num_shards} shards"
        failed, warned = self.failed_checks(), self.warnings()
        verdict = f"INVALID: {len(failed)} checks failed ({', '.join(failed)})" if failed else "OK"
        if warned:
            verdict += f"; warnings: {', '.join(warned)}"
        lines += ["", f"{verdict}: {self.path} ({summary})"]
        return "\n".join(lines)


def _type_ok(value, expected) -> bool:
    if expected is _NUMBER:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _field_problems(annotation, spec=_FIELDS, prefix="") -> list[str]:
    """Missing or mistyped required fields of an annotation, as ``"hand.bbox: ..."`` messages."""
    if not isinstance(annotation, dict):
        return [f"{prefix or 'line'} is a {type(annotation).__name__}, not an object"]
    problems = []
    for key, expected in spec.items():
        name = prefix + key
        if key not in annotation:
            problems.append(f"{name} missing")
        elif isinstance(expected, dict):
            problems += _field_problems(annotation[key], expected, name + ".")
        elif not _type_ok(annotation[key], expected):
            problems.append(
                f"{name} is {type(annotation[key]).__name__}, not {getattr(expected, '__name__', expected)}"
            )
    if prefix == "" and not problems:
        if annotation["width"] < 1 or annotation["height"] < 1:
            problems.append(f"width x height {annotation['width']} x {annotation['height']} is empty")
        if annotation["hand"]["side"] not in ("left", "right"):
            problems.append(f"hand.side {annotation['hand']['side']!r} is not left or right")
        for part in ("hand", "object"):
            box = annotation[part]["bbox"]
            if len(box) != 4 or not all(_type_ok(v, int) and v >= 0 for v in box):
                problems.append(f"{part}.bbox {box} is not 4 non-negative ints")
        for i, light in enumerate(annotation["lights"]):
            ok = isinstance(light, dict) and isinstance(light.get("type"), str)
            ok = ok and _type_ok(light.get("power_w"), _NUMBER)
            for key in ("position_world", "color"):
                value = light.get(key) if isinstance(light, dict) else None
                ok = (
                    ok
                    and isinstance(value, list)
                    and len(value) == 3
                    and all(_type_ok(v, _NUMBER) for v in value)
                )
            if not ok:
                problems.append(f"lights[{i}] needs type, position_world (3), power_w and color (3)")
    return problems


def _as_array(value, shape) -> np.ndarray | None:
    """``value`` as a finite float64 array of ``shape``, or None."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array if array.shape == shape and np.isfinite(array).all() else None


def _rigid_problem(T) -> str | None:
    T = _as_array(T, (4, 4))
    if T is None:
        return "is not a finite 4x4 matrix"
    if not np.array_equal(T[3], [0.0, 0.0, 0.0, 1.0]):
        return f"last row is {T[3].tolist()}, not [0, 0, 0, 1]"
    R = T[:3, :3]
    if np.abs(R.T @ R - np.eye(3)).max() > RIGID_TOLERANCE or abs(np.linalg.det(R) - 1.0) > RIGID_TOLERANCE:
        return "rotation part is not orthonormal with determinant +1"
    return None


def _pixel_list(mask: np.ndarray, limit: int = 3) -> str:
    rows, cols = np.nonzero(mask)
    shown = ", ".join(f"({c}, {r})" for r, c in zip(rows[:limit], cols[:limit], strict=True))
    return f"{rows.size} px, e.g. (col, row) {shown}"


class _ShardFiles:
    """Reads each file of a shard once, remembering its sha256."""

    def __init__(self, shard_dir: Path):
        self.dir = shard_dir
        self.hashes: dict[str, str] = {}

    def read(self, name: str) -> bytes:
        data = (self.dir / name).read_bytes()
        self.hashes[name] = hashlib.sha256(data).hexdigest()
        return data


def _read_json(path: Path):
    """Parsed JSON of ``path``, or a string saying why it could not be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "missing"
    except OSError as error:
        return f"unreadable ({error.strerror})"
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return f"not valid JSON ({error})"


def _check_dataset_json(root: Path, report: ValidationReport) -> dict:
    """Check dataset.json; returns it (or {} when unusable). UserError when it names another format."""
    info = _read_json(root / DATASET_JSON)
    if isinstance(info, str) or not isinstance(info, dict):
        report.fail("dataset.json", f"{DATASET_JSON} is {info if isinstance(info, str) else 'not an object'}")
        return {}
    found = info.get("format")
    if isinstance(found, str) and found != FORMAT:
        raise UserError(f"{root} is not a {FORMAT} dataset: {DATASET_JSON} has format {found!r}")
    report.expect("dataset.json", found == FORMAT, f"format is {found!r}, not {FORMAT!r}")
    expected = {
        "joint_names": list(JOINT_NAMES),
        "seg_labels": {str(k): v for k, v in SEG_LABELS.items()},
    }
    for key, value in expected.items():
        report.expect("dataset.json", info.get(key) == value, f"{key} is {info.get(key)!r}, not {value!r}")
    unit = info.get("depth_unit_m")
    report.expect("dataset.json", _type_ok(unit, _NUMBER) and unit > 0, f"depth_unit_m {unit!r} is not > 0")
    for key, kind in (
        ("num_samples", int),
        ("root_seed", int),
        ("created", str),
        ("generator", dict),
        ("categories", dict),
        ("shards", list),
    ):
        report.expect("dataset.json", _type_ok(info.get(key), kind), f"{key} missing or not {kind.__name__}")
    shards = info.get("shards")
    good_list = isinstance(shards, list) and all(
        isinstance(s, dict) and isinstance(s.get("name"), str) and _type_ok(s.get("num_samples"), int)
        for s in shards
    )
    report.expect(
        "dataset.json",
        good_list or not isinstance(shards, list),
        "shards entries need a name and num_samples",
    )
    return info


def _scan_shards_dir(root: Path, report: ValidationReport) -> list[Path]:
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
        if entry.is_dir() and _SHARD_NAME.fullmatch(entry.name):
            shard_dirs.append(entry)
        else:
            report.fail("shards listed", f"unexpected entry {SHARDS_DIR}/{entry.name}")
    return shard_dirs


def _check_shard_json(shard_dir: Path, report: ValidationReport) -> dict:
    """Check shard.json's structure; returns it (or {} when unusable)."""
    shard = _read_json(shard_dir / SHARD_JSON)
    where = f"{shard_dir.name}/{SHARD_JSON}"
    if isinstance(shard, str) or not isinstance(shard, dict):
        report.fail("shard.json", f"{where} is {shard if isinstance(shard, str) else 'not an object'}")
        return {}
    problems = []
    if shard.get("name") != shard_dir.name:
        problems.append(f"name {shard.get('name')!r} != directory name")
    if not _type_ok(shard.get("num_samples"), int):
        problems.append("num_samples missing or not an int")
    ids = shard.get("ids")
    if not (isinstance(ids, list) and len(ids) == 2 and all(_type_ok(i, int) for i in ids)):
        problems.append(f"ids {ids!r} is not [first, last]")
    files = shard.get("files")
    if not (
        isinstance(files, dict) and all(isinstance(v, str) and _SHA256.fullmatch(v) for v in files.values())
    ):
        problems.append("files is not a map of file name -> sha256 hex")
        shard = {**shard, "files": {}}
    report.expect("shard.json", not problems, f"{where}: {'; '.join(problems)}")
    return shard


def _read_lines(files: _ShardFiles, report: ValidationReport) -> list:
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


def _load_images(files: _ShardFiles, annotation: dict, num_samples: int, report: ValidationReport):
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


def _check_sample(annotation: dict, raw: dict | None, depth_unit_m: float, report: ValidationReport) -> None:
    """Every per-sample invariant of an annotation whose fields are well-typed (``raw``: its PNG arrays)."""
    sid, width, height = annotation["id"], annotation["width"], annotation["height"]
    hand, obj = annotation["hand"], annotation["object"]
    report.expect(
        "category",
        obj["category"] in OBJECT_CATEGORIES,
        f"id {sid}: category {obj['category']!r} not in {OBJECT_CATEGORIES}",
    )

    cam = _as_array(hand["joints_cam"], (NUM_JOINTS, 3))
    uv = _as_array(hand["joints_uv"], (NUM_JOINTS, 2))
    vis = np.asarray(hand["joints_vis"], dtype=object)
    vis_ok = vis.shape == (NUM_JOINTS,) and all(_type_ok(v, int) and v in (0, 1, 2) for v in vis)
    shapes = (
        ("joints_cam is not (21, 3)", cam is not None),
        ("joints_uv is not (21, 2)", uv is not None),
        ("joints_vis is not 21 values in {0, 1, 2}", vis_ok),
    )
    joint_problems = [message for message, ok in shapes if not ok]
    if cam is not None and not (cam[:, 2] > 0).all():
        joint_problems.append("a joint has z <= 0")
    joints_ok = report.expect("joints", not joint_problems, f"id {sid}: {'; '.join(joint_problems)}")

    K = _as_array(annotation["K"], (3, 3))
    K_ok = K is not None and np.array_equal(K[2], [0.0, 0.0, 1.0]) and K[0, 1] == 0 and K[1, 0] == 0
    K_ok = K_ok and K[0, 0] > 0 and K[1, 1] > 0
    matrix_problems = [] if K_ok else [f"K {annotation['K']} is not [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]"]
    for name, T in (("T_cam_world", annotation["T_cam_world"]), ("object.T_cam_object", obj["T_cam_object"])):
        if problem := _rigid_problem(T):
            matrix_problems.append(f"{name} {problem}")
    report.expect("camera matrices", not matrix_problems, f"id {sid}: {'; '.join(matrix_problems)}")

    if joints_ok and K_ok:
        error = np.abs(project_points(cam, K) - uv).max(axis=1)
        worst = int(np.argmax(error))
        report.expect(
            "projection",
            error[worst] <= PROJECTION_TOLERANCE_PX,
            f"id {sid}: joint {worst} ({JOINT_NAMES[worst]}) uv {uv[worst].round(4).tolist()} is "
            f"{error[worst]:.4g} px from the projection of joints_cam",
        )

    if raw is None:
        return
    images = decode_images(raw, depth_unit_m)
    seg, depth_raw = images["seg"], images["depth_raw"]
    hand_amodal, object_amodal = images["hand_amodal"], images["object_amodal"]
    values = set(np.unique(seg).tolist()) - set(SEG_LABELS)
    for kind in ("hand_amodal", "object_amodal"):
        values_mask = set(np.unique(raw[kind]).tolist()) - {0, 255}
        report.expect("label values", not values_mask, f"id {sid}: {kind} has values {sorted(values_mask)}")
    report.expect(
        "label values", not values, f"id {sid}: seg has labels {sorted(values)} not in {sorted(SEG_LABELS)}"
    )

    if joints_ok:
        vis = np.asarray(hand["joints_vis"], dtype=np.int64)
        inside = inside_image(uv, width, height)
        wrong = np.flatnonzero((vis == 0) != ~inside)
        report.expect(
            "visibility outside",
            wrong.size == 0,
            f"id {sid}: "
            + "; ".join(
                f"joint {j} ({JOINT_NAMES[j]}) vis {vis[j]} "
                f"but {'inside' if inside[j] else 'outside'} the image "
                f"at uv {uv[j].round(2).tolist()}"
                for j in wrong[:3]
            ),
        )
        problems = []
        tolerance = VISIBLE_DEPTH_TOLERANCE_M + depth_unit_m / 2 + 1e-9  # stored depth is rounded to a unit
        for j in np.flatnonzero((vis == 2) & inside):
            col, row = pixel_of(uv[j])
            label = int(seg[row, col])
            allowed = (SEG_HAND, SEG_FOREARM) if j == 0 else (SEG_HAND,)
            difference = abs(float(depth_raw[row, col]) * depth_unit_m - cam[j, 2])
            if label not in allowed or difference > tolerance:
                problems.append(
                    f"joint {j} ({JOINT_NAMES[j]}) vis 2 at pixel ({col}, {row}) with label {label}, "
                    f"depth {depth_raw[row, col] * depth_unit_m:.4f} m vs joint z {cam[j, 2]:.4f} m"
                )
        report.expect("visibility visible", not problems, f"id {sid}: {'; '.join(problems[:3])}")

    for name, label, amodal in (
        ("hand amodal", SEG_HAND, hand_amodal),
        ("object amodal", SEG_OBJECT, object_amodal),
    ):
        outside = (seg == label) & ~amodal
        report.expect(
            name, not outside.any(), f"id {sid}: seg == {label} outside the mask: {_pixel_list(outside)}"
        )
    mismatch = (depth_raw != 0) != (seg != 0)
    report.expect(
        "depth support",
        not mismatch.any(),
        f"id {sid}: depth != 0 differs from seg != 0 at {_pixel_list(mismatch)}",
    )
    for name, part, label in (("hand bbox", hand, SEG_HAND), ("object bbox", obj, SEG_OBJECT)):
        box = bbox_of_mask(seg == label)
        report.expect(name, part["bbox"] == box, f"id {sid}: bbox {part['bbox']} != {box} of seg == {label}")
    for part_name, part, amodal in (("hand", hand, hand_amodal), ("object", obj, object_amodal)):
        if "bbox_amodal" in part:
            box = bbox_of_mask(amodal)
            report.expect(
                "amodal bboxes",
                part["bbox_amodal"] == box,
                f"id {sid}: {part_name}.bbox_amodal {part['bbox_amodal']} != {box}",
            )


def _check_shard(
    shard_dir: Path,
    num_samples: int,
    depth_unit_m: float,
    report: ValidationReport,
    seen_ids: list[int],
    categories: Counter,
    progress,
) -> dict:
    """Check one shard; returns its shard.json dict ({} when unusable)."""
    shard = _check_shard_json(shard_dir, report)
    files = _ShardFiles(shard_dir)
    lines = _read_lines(files, report)
    ids_here = []
    for line in lines:
        progress.update(1)
        problems = [line] if isinstance(line, str) else _field_problems(line)
        has_id = isinstance(line, dict) and _type_ok(line.get("id"), int)
        where = f"id {line['id']}" if has_id else shard_dir.name
        # Ids and categories count even when other fields are bad, so one bad field fails one check.
        if has_id:
            ids_here.append(line["id"])
        obj = line.get("object") if isinstance(line, dict) else None
        if isinstance(obj, dict) and isinstance(obj.get("category"), str):
            categories[obj["category"]] += 1
        message = line if isinstance(line, str) else f"{where}: {'; '.join(problems[:3])}"
        if not report.expect("annotation fields", not problems, message):
            continue
        raw = _load_images(files, line, num_samples, report)
        _check_sample(line, raw, depth_unit_m, report)
    seen_ids += ids_here
    report.expect(
        "ids", ids_here == sorted(ids_here), f"{shard_dir.name}: ids not ascending in {ANNOTATIONS_JSONL}"
    )

    if shard:
        count_problems = []
        if shard.get("num_samples") != len(lines):
            count_problems.append(f"{len(lines)} annotations but num_samples {shard.get('num_samples')}")
        ids = [ids_here[0], ids_here[-1]] if ids_here else None
        if shard.get("ids") != ids:
            count_problems.append(f"ids {shard.get('ids')} but annotations span {ids}")
        report.expect(
            "annotation count", not count_problems, f"{shard_dir.name}: {'; '.join(count_problems)}"
        )

    present = {p.name for p in shard_dir.iterdir() if p.name != SHARD_JSON}
    listed = dict(shard.get("files", {}))
    for name in sorted(present | set(listed)):
        in_list, on_disk = name in listed, name in present
        problem = "listed in shard.json but missing" if in_list else "present but not listed in shard.json"
        report.expect("shard files", in_list and on_disk, f"{shard_dir.name}/{name} {problem}")
        if in_list and on_disk:
            if name not in files.hashes:
                try:
                    files.read(name)
                except OSError as error:
                    report.fail("sha256", f"{shard_dir.name}/{name}: unreadable ({error.strerror})")
                    continue
            report.expect(
                "sha256", files.hashes[name] == listed[name], f"{shard_dir.name}/{name}: sha256 differs"
            )
    return shard


def _id_ranges(ids: list[int], limit: int = 5) -> str:
    ranges, start = [], None
    for i, value in enumerate(ids):
        if start is None:
            start = value
        if i + 1 == len(ids) or ids[i + 1] != value + 1:
            ranges.append(str(start) if start == value else f"{start}..{value}")
            start = None
    return ", ".join(ranges[:limit]) + (" ..." if len(ranges) > limit else "")


def validate_dataset(path: str | Path, max_examples: int = 5) -> ValidationReport:
    """Check the dataset at ``path`` against every invariant of format ``handsynth/1``.

    Returns a ValidationReport (``.ok``, ``.format()``, ``.checks``). Raises UserError when ``path`` is not a
    handsynth dataset (not a directory, neither dataset.json nor shards/, or dataset.json of another format).
    A progress bar goes to stderr for 50 samples or more when it is a terminal.
    """
    root = Path(path)
    if not root.is_dir():
        raise UserError(f"{root} is not a directory")
    if not (root / DATASET_JSON).exists() and not (root / SHARDS_DIR).is_dir():
        raise UserError(f"{root} is not a handsynth dataset: it has no {DATASET_JSON} and no {SHARDS_DIR}/")
    report = ValidationReport(root, max_examples)
    info = _check_dataset_json(root, report)
    unit = info.get("depth_unit_m")
    depth_unit_m = float(unit) if _type_ok(unit, _NUMBER) and unit > 0 else DEPTH_UNIT_M
    shard_dirs = _scan_shards_dir(root, report)
    num_samples = info.get("num_samples") if _type_ok(info.get("num_samples"), int) else None
    if num_samples is None:  # fall back on the shard.json counts so file names can still be checked
        counts = [_read_json(d / SHARD_JSON) for d in shard_dirs]
        num_samples = sum(c.get("num_samples", 0) for c in counts if isinstance(c, dict))

    seen_ids: list[int] = []
    categories: Counter = Counter()
    shard_counts = {}
    disable = num_samples < 50 or not sys.stderr.isatty()
    with tqdm(
        total=num_samples, desc="validate", unit="samples", file=sys.stderr, disable=disable
    ) as progress:
        for shard_dir in shard_dirs:
            shard = _check_shard(shard_dir, num_samples, depth_unit_m, report, seen_ids, categories, progress)
            shard_counts[shard_dir.name] = shard.get("num_samples")

    listed = info.get("shards") if isinstance(info.get("shards"), list) else []
    listed = {s["name"]: s.get("num_samples") for s in listed if isinstance(s, dict) and "name" in s}
    for name in sorted(set(listed) | set(shard_counts)):
        if name not in shard_counts:
            report.fail("shards listed", f"{name} listed in {DATASET_JSON} but missing")
        elif name not in listed:
            report.fail("shards listed", f"{name} present but not listed in {DATASET_JSON}")
        else:
            report.expect(
                "shards listed",
                listed[name] == shard_counts[name],
                f"{name}: {DATASET_JSON} says {listed[name]} samples, shard.json {shard_counts[name]}",
            )

    counts = Counter(seen_ids)
    duplicated = sorted(i for i, c in counts.items() if c > 1)
    missing = sorted(set(range(num_samples)) - set(counts))
    stray = sorted(i for i in counts if not 0 <= i < num_samples)
    report.passed("ids", num_samples - len(missing))
    if missing:
        report.fail("ids", f"{len(missing)} ids missing: {_id_ranges(missing)}", count=len(missing))
    if duplicated:
        report.fail(
            "ids",
            f"{len(duplicated)} ids appear more than once: {_id_ranges(duplicated)}",
            count=len(duplicated),
        )
    if stray:
        report.fail(
            "ids", f"{len(stray)} ids outside [0, {num_samples}): {_id_ranges(stray)}", count=len(stray)
        )

    if info:
        report.expect(
            "dataset totals",
            info.get("num_samples") == len(seen_ids),
            f"{DATASET_JSON} num_samples {info.get('num_samples')} but {len(seen_ids)} annotations",
        )
        report.expect(
            "dataset totals",
            info.get("categories") == dict(categories),
            f"{DATASET_JSON} categories {info.get('categories')} but annotations count {dict(categories)}",
        )
    report.num_samples, report.num_shards = len(seen_ids), len(shard_dirs)
    return report
