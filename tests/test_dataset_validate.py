"""``validate_dataset``: a valid fake dataset passes every check; each corruption fails exactly its checks."""

import hashlib
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_dataset import make_dataset

from handsynth.conventions import (
    DEPTH_UNIT_M,
    FINGERTIP_INDICES,
    JOINT_NAMES,
    SEG_FOREARM,
    SEG_HAND,
    SEG_OBJECT,
    pixel_of,
)
from handsynth.dataset import Dataset, encode_png, validate_dataset
from handsynth.dataset.reader import read_png
from handsynth.dataset.validate import CHECKS
from handsynth.errors import UserError


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("pristine") / "data")


@pytest.fixture
def copy(pristine, tmp_path) -> Path:
    """A private copy of the valid dataset, to corrupt."""
    return Path(shutil.copytree(pristine, tmp_path / "data"))


# --- corruption helpers: each edits one thing and, unless told, re-hashes shard.json ---------------------
def _shard_of(root: Path, sample_id: int) -> Path:
    for shard_dir in sorted((root / "shards").iterdir()):
        ids = json.loads((shard_dir / "shard.json").read_text())["ids"]
        if ids[0] <= sample_id <= ids[1]:
            return shard_dir
    raise KeyError(sample_id)


def rehash(shard_dir: Path) -> None:
    """Recompute the sha256 of every listed file that exists, so that only the intended check fails."""
    shard = json.loads((shard_dir / "shard.json").read_text())
    for name in shard["files"]:
        if (shard_dir / name).exists():
            shard["files"][name] = hashlib.sha256((shard_dir / name).read_bytes()).hexdigest()
    (shard_dir / "shard.json").write_text(json.dumps(shard, indent=2) + "\n")


def edit_lines(root: Path, sample_id: int, edit, rehash_after: bool = True) -> None:
    """``edit(lines: list[dict], position_of_sample)`` rewrites a shard's annotations.jsonl."""
    shard_dir = _shard_of(root, sample_id)
    path = shard_dir / "annotations.jsonl"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    edit(lines, [a["id"] for a in lines].index(sample_id))
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    if rehash_after:
        rehash(shard_dir)


def edit_annotation(root: Path, sample_id: int, edit, rehash_after: bool = True) -> None:
    """``edit(annotation)`` changes one annotation in place."""
    edit_lines(root, sample_id, lambda lines, i: edit(lines[i]), rehash_after)


def edit_image(root: Path, sample_id: int, kind: str, edit) -> None:
    """``edit(array)`` changes the raw pixels of one PNG in place (masks are 0/255 uint8)."""
    shard_dir = _shard_of(root, sample_id)
    path = shard_dir / Dataset(root).annotation(sample_id)["files"][kind]
    array = read_png(path).copy()
    edit(array)
    path.write_bytes(encode_png(array))
    rehash(shard_dir)


def edit_json(path: Path, edit) -> None:
    obj = json.loads(path.read_text())
    edit(obj)
    path.write_text(json.dumps(obj, indent=2) + "\n")


def _joint_with_vis(root: Path, vis: int) -> tuple[int, int]:
    """(sample id, joint) of the first inner joint but the wrist (no fingertip) with ``joints_vis == vis``."""
    dataset = Dataset(root)
    for sample_id in dataset.ids():
        hand = dataset.annotation(sample_id)["hand"]
        for j, v in enumerate(hand["joints_vis"]):
            if v == vis and j > 0 and j not in FINGERTIP_INDICES:
                return sample_id, j
    raise AssertionError(f"no joint with vis {vis}")


def _interior_pixel(mask: np.ndarray, avoid: set = frozenset()) -> tuple[int, int]:
    """(row, col) of a mask pixel whose 4 neighbours are in the mask too (so no bbox moves)."""
    padded = np.pad(mask, 1)
    interior = mask & padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    for row, col in zip(*np.nonzero(interior), strict=True):
        if (int(row), int(col)) not in avoid:
            return int(row), int(col)
    raise AssertionError("no interior pixel")


def _joint_pixels(annotation: dict) -> set:
    return {(int(r), int(c)) for c, r in pixel_of(annotation["hand"]["joints_uv"])}


def _sample_with(root: Path, predicate) -> tuple[int, dict]:
    dataset = Dataset(root)
    for sample_id in dataset.ids():
        sample = dataset.load(sample_id)
        if predicate(sample):
            return sample_id, sample
    raise AssertionError("no such sample")


# --- corruptions ----------------------------------------------------------------------------------------
def projection_off(root):
    def edit(annotation):
        annotation["hand"]["joints_uv"][4][0] += 0.002

    edit_annotation(root, 1, edit)


def vis_zero_inside(root):
    sample_id, j = _joint_with_vis(root, 2)
    edit_annotation(root, sample_id, lambda a: a["hand"]["joints_vis"].__setitem__(j, 0))


def vis_one_outside(root):
    sample_id, j = _joint_with_vis(root, 0)
    edit_annotation(root, sample_id, lambda a: a["hand"]["joints_vis"].__setitem__(j, 1))


def vis_two_occluded(root):
    sample_id, j = _joint_with_vis(root, 1)
    edit_annotation(root, sample_id, lambda a: a["hand"]["joints_vis"].__setitem__(j, 2))


def vis_two_on_forearm_not_wrist(root):
    # Move a visible finger joint's label to forearm: allowed only for the wrist.
    sample_id, j = _joint_with_vis(root, 2)
    col, row = pixel_of(Dataset(root).annotation(sample_id)["hand"]["joints_uv"][j])
    edit_image(root, sample_id, "seg", lambda seg: seg.__setitem__((row, col), SEG_FOREARM))


def hand_amodal_hole(root):
    sample_id, sample = _sample_with(root, lambda s: (s["seg"] == SEG_HAND).any())
    row, col = _interior_pixel((sample["seg"] == SEG_HAND) & sample["hand_amodal"])
    edit_image(root, sample_id, "hand_amodal", lambda m: m.__setitem__((row, col), 0))


def hand_amodal_hole_at_a_joint(root):
    """The audit's defect: hand_amodal empty where the forearm covers the wrist (seg says forearm there,
    so "seg == 1 inside hand_amodal" cannot see it)."""
    for sample_id in Dataset(root).ids():
        sample = Dataset(root).load(sample_id)
        col, row = pixel_of(sample["annotation"]["hand"]["joints_uv"][0])
        if sample["seg"][row, col] == SEG_FOREARM and sample["hand_amodal"][row, col]:
            edit_image(root, sample_id, "hand_amodal", lambda m, at=(row, col): m.__setitem__(at, 0))
            return
    raise AssertionError("no wrist under the forearm")


def _visible_tip_on_hand(root: Path) -> tuple[int, int, int, int, float]:
    """(sample id, tip, col, row, z) of a tip marked 2 whose own pixel is labelled hand."""
    dataset = Dataset(root)
    for sample_id in dataset.ids():
        sample = dataset.load(sample_id)
        hand = sample["annotation"]["hand"]
        for tip in FINGERTIP_INDICES:
            col, row = pixel_of(hand["joints_uv"][tip])
            inside = 0 <= col < sample["seg"].shape[1] and 0 <= row < sample["seg"].shape[0]
            if hand["joints_vis"][tip] == 2 and inside and sample["seg"][row, col] == SEG_HAND:
                return sample_id, tip, int(col), int(row), hand["joints_cam"][tip][2]
    raise AssertionError("no visible tip on the hand")


def tip_visible_behind_its_own_finger(root):
    """A tip marked 2 with 10 mm of (its own) finger in front of it: visible by format 1's 25 mm bound,
    occluded by 1.1's tip rule."""
    sample_id, _, col, row, z = _visible_tip_on_hand(root)
    edit_image(
        root, sample_id, "depth", lambda d: d.__setitem__((row, col), round((z - 0.010) / DEPTH_UNIT_M))
    )


def object_amodal_hole(root):
    sample_id, sample = _sample_with(root, lambda s: (s["seg"] == SEG_OBJECT).sum() > 30)
    row, col = _interior_pixel(sample["seg"] == SEG_OBJECT)
    edit_image(root, sample_id, "object_amodal", lambda m: m.__setitem__((row, col), 0))


def seg_bad_label(root):
    sample_id, sample = _sample_with(root, lambda s: (s["seg"] == SEG_OBJECT).sum() > 30)
    row, col = _interior_pixel(sample["seg"] == SEG_OBJECT)
    edit_image(root, sample_id, "seg", lambda seg: seg.__setitem__((row, col), 9))


def amodal_grey_value(root):
    edit_image(root, 2, "hand_amodal", lambda m: m.__setitem__(m == 255, 128))


def depth_on_background(root):
    sample_id, sample = _sample_with(root, lambda s: (s["seg"] == 0).any())
    row, col = np.argwhere(sample["seg"] == 0)[0]
    edit_image(root, sample_id, "depth", lambda d: d.__setitem__((row, col), 4000))


def depth_hole(root):
    sample_id, sample = _sample_with(root, lambda s: (s["seg"] == SEG_OBJECT).sum() > 30)
    row, col = _interior_pixel(sample["seg"] == SEG_OBJECT, avoid=_joint_pixels(sample["annotation"]))
    edit_image(root, sample_id, "depth", lambda d: d.__setitem__((row, col), 0))


def hand_bbox_wide(root):
    edit_annotation(root, 3, lambda a: a["hand"]["bbox"].__setitem__(2, a["hand"]["bbox"][2] + 1))


def object_bbox_moved(root):
    edit_annotation(root, 4, lambda a: a["object"]["bbox"].__setitem__(0, a["object"]["bbox"][0] + 1))


def amodal_bbox_moved(root):
    def edit(annotation):
        annotation["hand"]["bbox_amodal"][1] += 1

    edit_annotation(root, 5, edit)


def unknown_category(root):
    edit_annotation(root, 6, lambda a: a["object"].__setitem__("category", "banana"))


def missing_field(root):
    edit_annotation(root, 7, lambda a: a["grasp"].pop("type"))


def bad_json_line(root):
    edit_lines(root, 8, lambda lines, i: lines.__setitem__(i, '{"id": 8, '))


def not_rigid(root):
    edit_annotation(root, 2, lambda a: a["object"]["T_cam_object"][0].__setitem__(0, 1.01))


def bad_K(root):
    edit_annotation(root, 2, lambda a: a["K"].__setitem__(2, [0, 0, 2]))


def short_joints(root):
    edit_annotation(root, 9, lambda a: a["hand"]["joints_cam"].pop())


def vis_three(root):
    edit_annotation(root, 9, lambda a: a["hand"]["joints_vis"].__setitem__(5, 3))


def duplicate_id(root):
    # Sample 3 claims id 2; its files keep their names, which no longer match its id.
    edit_annotation(root, 3, lambda a: a.__setitem__("id", 2))


def ids_out_of_order(root):
    edit_lines(root, 6, lambda lines, i: lines.__setitem__(slice(i, i + 2), [lines[i + 1], lines[i]]))


def deleted_line(root):
    edit_lines(root, 11, lambda lines, i: lines.pop(i))


def wrong_file_names(root):
    edit_annotation(root, 1, lambda a: a["files"].__setitem__("rgb", "000002.rgb.png"))


def deleted_file(root):
    (root / "shards" / "shard-000000" / "000004.depth.png").unlink()


def extra_file(root):
    (root / "shards" / "shard-000001" / "notes.txt").write_text("hello\n")


def changed_bytes(root):
    edit_annotation(root, 0, lambda a: a.__setitem__("seed", a["seed"] + 1), rehash_after=False)


def rgba_image(root):
    shard_dir = _shard_of(root, 1)
    path = shard_dir / "000001.rgb.png"
    buffer = io.BytesIO()
    Image.open(path).convert("RGBA").save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    rehash(shard_dir)


def depth_8_bit(root):
    shard_dir = _shard_of(root, 1)
    path = shard_dir / "000001.depth.png"
    path.write_bytes(encode_png((read_png(path) // 256).astype(np.uint8)))
    rehash(shard_dir)


def wrong_size(root):
    edit_annotation(root, 1, lambda a: a.__setitem__("width", a["width"] + 1))


def more_samples_claimed(root):
    edit_json(root / "dataset.json", lambda info: info.__setitem__("num_samples", 13))


def wrong_categories(root):
    edit_json(root / "dataset.json", lambda info: info["categories"].__setitem__("cubical", 4))


def shard_not_listed(root):
    edit_json(root / "dataset.json", lambda info: info["shards"].pop())


def shard_count_wrong(root):
    edit_json(root / "shards" / "shard-000001" / "shard.json", lambda s: s.__setitem__("num_samples", 6))


def shard_json_missing(root):
    (root / "shards" / "shard-000002" / "shard.json").unlink()


def stray_entry(root):
    (root / "shards" / "notes.txt").write_text("hello\n")


def bad_joint_names(root):
    edit_json(root / "dataset.json", lambda info: info["joint_names"].reverse())


def dataset_json_garbled(root):
    (root / "dataset.json").write_text('{"format": "handsynth/1.1", ')


CORRUPTIONS = {
    projection_off: {"projection"},
    vis_zero_inside: {"visibility outside"},
    vis_one_outside: {"visibility outside"},
    vis_two_occluded: {"visibility visible"},
    vis_two_on_forearm_not_wrist: {"visibility visible"},
    hand_amodal_hole: {"hand amodal"},
    hand_amodal_hole_at_a_joint: {"hand amodal joints"},
    tip_visible_behind_its_own_finger: {"fingertip visibility"},
    object_amodal_hole: {"object amodal"},
    seg_bad_label: {"label values"},
    amodal_grey_value: {"label values"},
    depth_on_background: {"depth support"},
    depth_hole: {"depth support"},
    hand_bbox_wide: {"hand bbox"},
    object_bbox_moved: {"object bbox"},
    amodal_bbox_moved: {"amodal bboxes"},
    unknown_category: {"category", "dataset totals"},
    missing_field: {"annotation fields"},
    bad_json_line: {"annotation fields", "ids", "dataset totals"},
    not_rigid: {"camera matrices"},
    bad_K: {"camera matrices"},
    short_joints: {"joints"},
    vis_three: {"joints"},
    duplicate_id: {"ids", "file names"},
    ids_out_of_order: {"ids"},
    deleted_line: {"annotation count", "ids", "dataset totals"},
    wrong_file_names: {"file names"},
    deleted_file: {"shard files", "images"},
    extra_file: {"shard files"},
    changed_bytes: {"sha256"},
    rgba_image: {"images"},
    depth_8_bit: {"images"},
    wrong_size: {"images"},
    more_samples_claimed: {"ids", "dataset totals"},
    wrong_categories: {"dataset totals"},
    shard_not_listed: {"shards listed"},
    shard_count_wrong: {"annotation count", "shards listed"},
    shard_json_missing: {"shard.json", "shard files", "shards listed"},
    stray_entry: {"shards listed"},
    bad_joint_names: {"dataset.json"},
    dataset_json_garbled: {"dataset.json", "shards listed"},
}


def test_valid_dataset_passes_every_check(pristine):
    report = validate_dataset(pristine)
    assert report.ok, report.format()
    assert report.failed_checks() == [] and report.warnings() == []
    assert [name for name, _, _ in CHECKS] == list(report.checks)
    assert all(check.checked > 0 for check in report.checks.values()), report.format()
    assert report.num_samples == 12 and report.num_shards == 3
    assert report.format().splitlines()[-1].startswith("OK")


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS), ids=lambda f: f.__name__)
def test_each_corruption_fails_exactly_its_checks(copy, corrupt):
    corrupt(copy)
    report = validate_dataset(copy)
    assert not report.ok
    assert set(report.failed_checks()) == CORRUPTIONS[corrupt], report.format()
    for name in CORRUPTIONS[corrupt]:
        assert report[name].examples, name
    assert "INVALID" in report.format()


def test_format_1_is_read_and_checked_by_its_own_rules(tmp_path):
    """A handsynth/1 dataset: tips by the 25 mm bound (no tip check); a 1.1 dataset fails the same edit."""
    old = make_dataset(tmp_path / "v1", version="1")
    report = validate_dataset(old)
    assert report.ok, report.format()
    assert report["fingertip visibility"].checked == 0 and report["visibility visible"].checked > 0
    tip_visible_behind_its_own_finger(old)
    assert validate_dataset(old).ok
    edit_json(old / "dataset.json", lambda info: info.__setitem__("format", "handsynth/1.1"))
    assert validate_dataset(old).failed_checks() == ["fingertip visibility"]


def test_hand_amodal_joints_by_version(copy):
    """Format 1.1: every joint's own pixel, fingertips' included, is in hand_amodal. Format 1 datasets
    (whose masks lack the tips' pixels) are held to it at their inner joints only."""
    sample_id, tip, col, row, _ = _visible_tip_on_hand(copy)
    edit_image(copy, sample_id, "hand_amodal", lambda m: m.__setitem__((row, col), 0))
    report = validate_dataset(copy)
    assert set(report.failed_checks()) == {"hand amodal", "hand amodal joints"}
    assert (
        f"joint {tip} ({JOINT_NAMES[tip]}) at pixel ({col}, {row})"
        in report["hand amodal joints"].examples[0]
    )
    edit_json(copy / "dataset.json", lambda info: info.__setitem__("format", "handsynth/1"))
    report = validate_dataset(copy)
    assert report["hand amodal joints"].failed == 0 and "hand amodal" in report.failed_checks()


def test_leftover_temp_dir_is_a_warning_only(copy):
    (copy / "shards" / ".tmp-shard-abc123").mkdir()
    report = validate_dataset(copy)
    assert report.ok and report.warnings() == ["temp dirs"]
    assert ".tmp-shard-abc123" in report["temp dirs"].examples[0]
    assert "warnings: temp dirs" in report.format()


def test_max_examples_bounds_the_messages(copy):
    for sample_id in range(5):
        edit_annotation(copy, sample_id, lambda a: a["hand"]["bbox"].__setitem__(0, a["hand"]["bbox"][0] + 1))
    report = validate_dataset(copy, max_examples=2)
    assert report["hand bbox"].failed == 5 and len(report["hand bbox"].examples) == 2
    assert "... and 3 more" in report.format()


def test_what_is_not_a_dataset_is_a_user_error(tmp_path, copy):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="not a handsynth dataset"):
        validate_dataset(tmp_path / "empty")
    with pytest.raises(UserError, match="not a directory"):
        validate_dataset(tmp_path / "missing")
    edit_json(copy / "dataset.json", lambda info: info.__setitem__("format", "handsynth/2"))
    with pytest.raises(UserError, match="handsynth/2"):
        validate_dataset(copy)


def test_dataset_without_dataset_json_is_checked_as_incomplete(copy):
    (copy / "dataset.json").unlink()
    report = validate_dataset(copy)
    assert set(report.failed_checks()) == {"dataset.json", "shards listed"}
    assert report["images"].checked == 12
