"""Dataset layout, shard writer and reader, on small datasets of a fake but exactly consistent scene.

The fake scene: a "hand" of filled discs around the 21 projected joints (each disc at its joint's depth), a
"forearm" rectangle below the wrist, and an "object" rectangle in front of or behind the hand, z-buffered,
so labels, amodal masks, depth and visibility obey every invariant of the format by construction.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from handsynth.conventions import (
    DEPTH_UNIT_M,
    JOINT_NAMES,
    OBJECT_CATEGORIES,
    SEG_FOREARM,
    SEG_HAND,
    SEG_LABELS,
    SEG_OBJECT,
    inside_image,
    make_intrinsics,
    pixel_of,
    project_points,
)
from handsynth.dataset import (
    FILE_KINDS,
    FORMAT,
    Dataset,
    ShardWriter,
    bbox_of_mask,
    dataset_info,
    read_annotations,
    sample_digits,
    sample_files,
    shard_name,
    shard_ranges,
    shard_summary,
    write_json_atomic,
    write_text_atomic,
)
from handsynth.errors import UserError

WIDTH = HEIGHT = 48
FOCAL_PX = 60.0
CREATED = "2025-01-01T00:00:00Z"
FAMILIES = {"cylindrical": "bottle", "slender": "pencil", "cubical": "book", "spherical": "orange"}
GRASPS = {
    "cylindrical": "power_wrap",
    "slender": "precision_pinch",
    "cubical": "power_box",
    "spherical": "sphere",
}


def _rotation(rng) -> np.ndarray:
    q = rng.normal(size=4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def _rigid(rng) -> list:
    T = np.eye(4)
    T[:3, :3], T[:3, 3] = _rotation(rng), rng.normal(size=3)
    return T.tolist()


def _fake_joints(rng, sample_id: int) -> np.ndarray:
    """(21, 3) camera-frame joints: a wrist and five fingers pointing up the image; every 4th sample is
    shifted right so that some fingers leave the image."""
    z0 = 0.42 + 0.06 * rng.random()
    x0 = 0.16 if sample_id % 4 == 3 else rng.uniform(-0.03, 0.03)
    y0 = rng.uniform(0.0, 0.03)
    joints = [(x0, y0 + 0.05, z0)]
    for finger in range(5):
        x, y, z = x0 + (finger - 2) * 0.016, y0 + 0.012, z0 + rng.uniform(-0.02, 0.02)
        for _ in range(4):
            joints.append((x, y, z))
            x, y, z = x + rng.uniform(-0.003, 0.003), y - 0.015, z + rng.uniform(-0.015, 0.015)
    return np.array(joints)


def fake_sample(sample_id: int, num_samples: int, root_seed: int = 7) -> tuple[dict, dict]:
    """(annotation, images) of a consistent fake sample: WIDTH x HEIGHT, every field of the format."""
    rng = np.random.default_rng([root_seed, sample_id])
    K = make_intrinsics(FOCAL_PX, WIDTH, HEIGHT)
    joints = _fake_joints(rng, sample_id)
    uv = project_points(joints, K)
    rows, cols = np.mgrid[0:HEIGHT, 0:WIDTH]
    zbuf = np.full((HEIGHT, WIDTH), np.inf)
    seg = np.zeros((HEIGHT, WIDTH), np.uint8)

    def paint(mask, depth, label):
        closer = mask & (depth < zbuf)
        zbuf[closer], seg[closer] = depth, label

    hand_amodal = np.zeros((HEIGHT, WIDTH), bool)
    for (u, v), z in zip(uv, joints[:, 2], strict=True):
        disc = (cols - u) ** 2 + (rows - v) ** 2 <= 2.6**2
        hand_amodal |= disc
        paint(disc, z, SEG_HAND)
    wu, wv = pixel_of(uv[0])
    forearm = (rows >= wv - 1) & (np.abs(cols - wu) <= 4)
    paint(forearm, joints[0, 2] + (-0.004 if sample_id % 2 else 0.01), SEG_FOREARM)  # odd ids: over the wrist
    x, y = rng.integers(0, WIDTH - 12), rng.integers(0, HEIGHT - 12)
    object_amodal = np.zeros((HEIGHT, WIDTH), bool)
    object_amodal[y : y + rng.integers(8, 16), x : x + rng.integers(8, 20)] = True
    in_front = sample_id % 3 != 2
    paint(object_amodal, joints[:, 2].min() - 0.05 if in_front else joints[:, 2].max() + 0.06, SEG_OBJECT)

    depth = np.round(np.where(seg != 0, zbuf, 0) / DEPTH_UNIT_M).astype(np.uint16)
    inside = inside_image(uv, WIDTH, HEIGHT)
    vis = np.where(inside, 1, 0)
    for j in np.flatnonzero(inside):
        col, row = pixel_of(uv[j])
        label_ok = seg[row, col] == SEG_HAND or (j == 0 and seg[row, col] == SEG_FOREARM)
        if label_ok and abs(depth[row, col] * DEPTH_UNIT_M - joints[j, 2]) <= 0.025:
            vis[j] = 2
    palette = np.array([(30, 90, 40), (220, 160, 120), (70, 110, 220), (200, 180, 80)], np.float64)
    rgb = np.clip(palette[seg] + rng.normal(0, 8, (HEIGHT, WIDTH, 3)), 0, 255).astype(np.uint8)

    category = OBJECT_CATEGORIES[sample_id % len(OBJECT_CATEGORIES)]
    annotation = {
        "id": sample_id,
        "seed": int(rng.integers(2**31)),
        "files": sample_files(sample_id, num_samples),
        "width": WIDTH,
        "height": HEIGHT,
        "K": K.tolist(),
        "T_cam_world": _rigid(rng),
        "hand": {
            "side": "right" if sample_id % 2 == 0 else "left",
            "subject": f"f0{sample_id % 3 + 1}",
            "joints_cam": joints.tolist(),
            "joints_uv": uv.tolist(),
            "joints_vis": vis.tolist(),
            "bbox": bbox_of_mask(seg == SEG_HAND),
            "bbox_amodal": bbox_of_mask(hand_amodal),
            "shape": {"hand_scale": 1.0},
            "pose": {"name": "fake"},
        },
        "object": {
            "category": category,
            "family": FAMILIES[category],
            "dims_m": {"size": 0.05},
            "T_cam_object": _rigid(rng),
            "bbox": bbox_of_mask(seg == SEG_OBJECT),
            "bbox_amodal": bbox_of_mask(object_amodal),
            "materials": ["plastic"],
        },
        "grasp": {
            "type": GRASPS[category],
            "penetration_mm": float(rng.uniform(0, 2)),
            "intersection_cm3": 0.1,
            "contact_fingers": ["thumb", "index"],
            "index": sample_id,
        },
        "camera": {
            "preset": "third_person",
            "azimuth_deg": float(rng.uniform(-180, 180)),
            "elevation_deg": float(rng.uniform(-30, 60)),
            "distance_m": float(joints[:, 2].mean()),
            "focal_length_px": FOCAL_PX,
        },
        "lights": [
            {"type": "point", "position_world": [1.0, 0.0, 2.0], "power_w": 500.0, "color": [1, 1, 1]},
            {"type": "point", "position_world": [-1, 1, 2], "power_w": 300.0, "color": [1, 0.9, 0.8]},
        ],
        "background": {"source": "procedural", "id": int(rng.integers(1000))},
        "render": {"backend": "fake"},
    }
    images = {
        "rgb": rgb,
        "seg": seg,
        "hand_amodal": hand_amodal,
        "object_amodal": object_amodal,
        "depth": depth,
    }
    return annotation, images


def make_dataset(
    root: Path, num_samples: int = 12, shard_size: int = 5, root_seed: int = 7, **writer_args
) -> Path:
    """Write a complete fake dataset (config.yaml, shards, dataset.json) through ShardWriter."""
    root.mkdir(parents=True, exist_ok=True)
    write_text_atomic(root / "config.yaml", f"seed: {root_seed}\nnum_samples: {num_samples}\n")
    shards = []
    for index, start, stop in shard_ranges(num_samples, shard_size):
        with ShardWriter(root, index, num_samples, **writer_args) as writer:
            for sample_id in range(start, stop):
                writer.add(*fake_sample(sample_id, num_samples, root_seed))
        shards.append(writer.result)
    write_json_atomic(root / "dataset.json", dataset_info(root_seed, shards, created=CREATED))
    return root


@pytest.fixture(scope="session")
def good_dataset(tmp_path_factory) -> Path:
    """A valid 12-sample dataset in 3 shards (5, 5, 2), shared read-only by the tests."""
    return make_dataset(tmp_path_factory.mktemp("good") / "data")


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- layout ---------------------------------------------------------------------------------------------
def test_sample_names_and_digits():
    assert sample_digits(1) == sample_digits(10**6) == 6
    assert sample_digits(10**6 + 1) == 7
    assert sample_files(123, 1000) == {kind: f"000123.{kind}.png" for kind in FILE_KINDS}
    assert sample_files(5, 2 * 10**6)["depth"] == "0000005.depth.png"
    assert shard_name(3) == "shard-000003"


def test_shard_ranges_cover_every_id_once():
    assert shard_ranges(12, 5) == [(0, 0, 5), (1, 5, 10), (2, 10, 12)]
    assert shard_ranges(10, 5) == [(0, 0, 5), (1, 5, 10)]
    assert shard_ranges(0, 5) == []
    with pytest.raises(ValueError):
        shard_ranges(10, 0)


def test_bbox_of_mask():
    mask = np.zeros((10, 12), bool)
    assert bbox_of_mask(mask) == [0, 0, 0, 0]
    mask[2, 3] = True
    assert bbox_of_mask(mask) == [3, 2, 1, 1]
    mask[7, 10] = True
    assert bbox_of_mask(mask) == [3, 2, 8, 6]
    assert all(type(v) is int for v in bbox_of_mask(mask))


# --- fake scene sanity ----------------------------------------------------------------------------------
def test_fake_dataset_exercises_every_visibility_case(good_dataset):
    dataset = Dataset(good_dataset)
    vis = np.array([a["hand"]["joints_vis"] for a in dataset.iter_annotations()])
    assert {0, 1, 2} <= set(vis.ravel().tolist())
    wrists_on_forearm = 0
    for sample_id in dataset.ids():
        sample = dataset.load(sample_id)
        col, row = pixel_of(sample["annotation"]["hand"]["joints_uv"][0])
        wrists_on_forearm += (
            sample["annotation"]["hand"]["joints_vis"][0] == 2 and sample["seg"][row, col] == 3
        )
    assert wrists_on_forearm > 0


# --- writer and reader ----------------------------------------------------------------------------------
@pytest.mark.parametrize("encode_threads", [0, 2])
def test_writer_round_trip_is_exact(tmp_path, encode_threads):
    rng = np.random.default_rng(0)
    annotation, images = fake_sample(0, 1)
    images["rgb"] = rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    images["seg"] = rng.integers(0, 4, (HEIGHT, WIDTH), dtype=np.uint8)
    images["hand_amodal"] = rng.random((HEIGHT, WIDTH)) < 0.5
    images["object_amodal"] = rng.random((HEIGHT, WIDTH)) < 0.3
    depth = rng.integers(0, 65536, (HEIGHT, WIDTH), dtype=np.uint16)
    depth[0, :4] = [0, 40000, 65535, 32768]
    images["depth"] = depth
    with ShardWriter(tmp_path, 0, 1, encode_threads=encode_threads) as writer:
        writer.add(annotation, images)
    write_json_atomic(tmp_path / "dataset.json", dataset_info(0, [writer.result]))
    sample = Dataset(tmp_path).load(0)
    assert sample["annotation"] == json.loads(json.dumps(annotation))
    for kind in ("rgb", "seg", "hand_amodal", "object_amodal"):
        assert sample[kind].dtype == images[kind].dtype and np.array_equal(sample[kind], images[kind]), kind
    assert sample["depth_raw"].dtype == np.uint16 and np.array_equal(sample["depth_raw"], depth)
    assert sample["depth_raw"][0, :4].tolist() == [0, 40000, 65535, 32768]
    assert sample["depth_m"].dtype == np.float32
    assert np.array_equal(sample["depth_m"], (depth * DEPTH_UNIT_M).astype(np.float32))


def test_identical_input_gives_identical_bytes(tmp_path):
    a = make_dataset(tmp_path / "a", num_samples=6, shard_size=4, encode_threads=2)
    b = make_dataset(tmp_path / "b", num_samples=6, shard_size=4, encode_threads=0)
    tree_a, tree_b = _tree(a), _tree(b)
    assert len(tree_a) == 2 + 2 * 2 + 6 * 5  # dataset.json, config.yaml, 2 x (jsonl, shard.json), PNGs
    assert tree_a == tree_b


def test_shard_json_lists_every_file_with_its_sha256(good_dataset):
    shard_dir = good_dataset / "shards" / "shard-000001"
    shard = json.loads((shard_dir / "shard.json").read_text())
    assert shard["name"] == "shard-000001" and shard["num_samples"] == 5 and shard["ids"] == [5, 9]
    present = {p.name for p in shard_dir.iterdir()} - {"shard.json"}
    assert set(shard["files"]) == present and "annotations.jsonl" in present and len(present) == 5 * 5 + 1
    for name, digest in shard["files"].items():
        assert hashlib.sha256((shard_dir / name).read_bytes()).hexdigest() == digest
    assert [a["id"] for a in read_annotations(shard_dir)] == [5, 6, 7, 8, 9]


def test_exception_inside_writer_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError, match="renderer crashed"):
        with ShardWriter(tmp_path, 0, 10, encode_threads=0) as writer:  # files on disk once add returns
            writer.add(*fake_sample(0, 10))
            tmp_dirs = list((tmp_path / "shards").iterdir())
            assert [p.name.startswith(".tmp-shard-") for p in tmp_dirs] == [True]
            assert len(list(tmp_dirs[0].iterdir())) > 0
            raise RuntimeError("renderer crashed")
    assert list((tmp_path / "shards").iterdir()) == []


def test_stale_final_dir_is_replaced(tmp_path):
    stale = tmp_path / "shards" / "shard-000000"
    stale.mkdir(parents=True)
    (stale / "000000.rgb.png").write_bytes(b"half written")
    with ShardWriter(tmp_path, 0, 3) as writer:
        for i in range(3):
            writer.add(*fake_sample(i, 3))
    assert [p.name for p in (tmp_path / "shards").iterdir()] == ["shard-000000"]
    shard = json.loads((stale / "shard.json").read_text())
    digest = hashlib.sha256((stale / "000000.rgb.png").read_bytes()).hexdigest()
    assert digest == shard["files"]["000000.rgb.png"]


def test_writer_refuses_inconsistent_samples(tmp_path):
    with ShardWriter(tmp_path, 0, 10) as writer:
        annotation, images = fake_sample(0, 10)
        with pytest.raises(ValueError, match="files"):
            writer.add({**annotation, "files": sample_files(1, 10)}, images)
        with pytest.raises(ValueError, match="depth"):
            writer.add(annotation, {**images, "depth": images["depth"].astype(np.int32)})
        with pytest.raises(ValueError, match="hand_amodal"):
            writer.add(annotation, {**images, "hand_amodal": images["hand_amodal"][:-1]})
        writer.add(annotation, images)
        with pytest.raises(ValueError, match="consecutive"):
            writer.add(*fake_sample(2, 10))
        writer.add(*fake_sample(1, 10))
    assert writer.result["ids"] == [0, 1]


def test_dataset_info_follows_the_format(good_dataset):
    info = json.loads((good_dataset / "dataset.json").read_text())
    assert info["format"] == FORMAT == "handsynth/1"
    assert set(info["generator"]) == {"handsynth", "bpy", "git"} and info["generator"]["bpy"] is None
    assert info["created"] == CREATED and info["root_seed"] == 7 and info["num_samples"] == 12
    assert info["joint_names"] == list(JOINT_NAMES)
    assert info["seg_labels"] == {str(k): v for k, v in SEG_LABELS.items()}
    assert info["depth_unit_m"] == DEPTH_UNIT_M
    assert info["categories"] == {c: 3 for c in sorted(OBJECT_CATEGORIES)}
    assert info["shards"] == [{"name": f"shard-00000{k}", "num_samples": n} for k, n in enumerate((5, 5, 2))]
    assert (good_dataset / "dataset.json").read_text().endswith("}\n")
    summary = shard_summary(good_dataset / "shards" / "shard-000002")
    assert summary["categories"] == {"cubical": 1, "spherical": 1} and summary["ids"] == [10, 11]


def test_write_json_atomic_leaves_no_temp_files(tmp_path):
    write_json_atomic(tmp_path / "x.json", {"a": [1, 2], "b": np.float32(0.5), "c": np.arange(2)})
    expected = json.dumps({"a": [1, 2], "b": 0.5, "c": [0, 1]}, indent=2) + "\n"
    assert (tmp_path / "x.json").read_text() == expected
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_reader_indexes_annotations_in_id_order(good_dataset):
    dataset = Dataset(good_dataset)
    assert len(dataset) == 12 and dataset.ids() == list(range(12))
    assert dataset.shards == ["shard-000000", "shard-000001", "shard-000002"]
    assert [a["id"] for a in dataset.iter_annotations()] == list(range(12))
    assert dataset.annotation(7) == fake_sample(7, 12)[0] | {"files": sample_files(7, 12)}
    sample = dataset.load(11)
    assert sample["rgb"].shape == (HEIGHT, WIDTH, 3) and sample["seg"].dtype == np.uint8
    assert sample["hand_amodal"].dtype == np.bool_ and sample["depth_raw"].dtype == np.uint16
    with pytest.raises(KeyError):
        dataset.annotation(12)


def test_reader_refuses_what_is_not_a_dataset(tmp_path):
    with pytest.raises(UserError, match="no dataset.json"):
        Dataset(tmp_path)
    (tmp_path / "dataset.json").write_text('{"format": "other/2"}')
    with pytest.raises(UserError, match="other/2"):
        Dataset(tmp_path)
