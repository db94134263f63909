"""Every export read back by an independent reader (pycocotools for COCO; plain pickle, json, numpy and
tarfile for the others) gives our joints in the target's joint order within 1e-6, and our own training
readers (handsynth_train.data.sources) read the COCO, RHD and FreiHAND exports."""

import hashlib
import json
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_release_source import source  # noqa: F401  (the session's rendered dataset)

from handsynth.dataset import Dataset
from handsynth.release.release import ReleaseOptions, release

# RHD's joint order written out here, independently of handsynth.conventions (training_anchors.md 1.6b):
# RHD slot j holds our standard joint RHD_FROM_STD[j]: the wrist, then each finger tip -> MCP.
RHD_FROM_STD = [0, 4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13, 20, 19, 18, 17]
OPTIONS = ReleaseOptions(
    test=6,
    val=4,
    split_by="random",
    seed=2,
    formats=("coco", "hop", "rhd", "freihand", "webdataset"),
    shard_size=4,
)


@pytest.fixture(scope="module")
def released(source, tmp_path_factory):  # noqa: F811
    before = _snapshot(source)
    out = tmp_path_factory.mktemp("release") / "rel"
    splits = release(source, out, OPTIONS)
    assert _snapshot(source) == before  # the source is never modified
    return Dataset(source), out, splits


def _snapshot(root: Path) -> dict:
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _ours(dataset, sample_id):
    hand = dataset.annotation(sample_id)["hand"]
    return (
        np.asarray(hand["joints_cam"], dtype=np.float64),
        np.asarray(hand["joints_uv"], dtype=np.float64),
        np.asarray(hand["joints_vis"]),
        hand["side"],
    )


def _is_link_of(path: Path, dataset, sample_id, kind="rgb") -> bool:
    annotation = dataset.annotation(sample_id)
    shard = dataset.shard_dir(dataset.shards[sample_id // 10])
    return os.path.samefile(path, shard / annotation["files"][kind])


def test_splits_cover_both_sides_in_every_split(released):
    dataset, _, splits = released
    assert [len(splits[n]) for n in ("train", "val", "test")] == [14, 4, 6]
    sides = [{dataset.annotation(i)["hand"]["side"] for i in ids} for ids in splits.values()]
    assert all(sides)


def test_coco_loads_in_pycocotools_with_our_keypoints(released):
    from pycocotools.coco import COCO

    dataset, out, splits = released
    for split, ids in splits.items():
        coco = COCO(str(out / "coco" / "annotations" / f"hand_{split}.json"))
        assert sorted(coco.getImgIds()) == ids and coco.getCatIds() == [1]
        category = coco.loadCats(1)[0]
        assert len(category["keypoints"]) == 21 and [1, 2] in category["skeleton"]
        for sample_id in ids:
            (ann,) = coco.loadAnns(coco.getAnnIds(imgIds=[sample_id]))
            xyz, uv, vis, side = _ours(dataset, sample_id)
            keypoints = np.asarray(ann["keypoints"], dtype=np.float64).reshape(21, 3)
            np.testing.assert_allclose(keypoints[:, :2], uv, rtol=0, atol=1e-6)
            assert keypoints[:, 2].tolist() == vis.tolist() and set(vis.tolist()) <= {0, 1, 2}
            np.testing.assert_allclose(np.asarray(ann["joint_cam"]) / 1000.0, xyz, rtol=0, atol=1e-9)
            assert ann["hand_type"] == side and ann["bbox"] == dataset.annotation(sample_id)["hand"]["bbox"]
            image = coco.loadImgs([sample_id])[0]
            assert _is_link_of(out / "coco" / image["file_name"], dataset, sample_id)
            assert np.allclose(image["K"], dataset.annotation(sample_id)["K"])
    assert "OneHand10KDataset" in (out / "coco" / "mmpose_dataset.py").read_text()


def test_rhd_pickle_round_trips_in_rhd_order_with_rhd_masks(released):
    dataset, out, splits = released
    for split, folder in (("train", "training"), ("val", "validation"), ("test", "evaluation")):
        with open(out / "rhd" / folder / f"anno_{folder}.pickle", "rb") as f:
            anno = pickle.load(f)
        assert sorted(anno) == list(range(len(splits[split])))
        for k, sample_id in enumerate(splits[split]):
            xyz, uv, vis, side = _ours(dataset, sample_id)
            entry = anno[k]
            assert entry["xyz"].shape == (42, 3) and entry["uv_vis"].shape == (42, 3)
            own = slice(0, 21) if side == "left" else slice(21, 42)
            other = slice(21, 42) if side == "left" else slice(0, 21)
            np.testing.assert_allclose(entry["xyz"][own], xyz[RHD_FROM_STD], rtol=0, atol=1e-6)
            np.testing.assert_allclose(entry["uv_vis"][own, :2], uv[RHD_FROM_STD], rtol=0, atol=1e-6)
            assert entry["uv_vis"][own, 2].tolist() == (vis[RHD_FROM_STD] == 2).astype(float).tolist()
            assert not entry["xyz"][other].any() and not entry["uv_vis"][other].any()
            np.testing.assert_allclose(entry["K"], dataset.annotation(sample_id)["K"], rtol=0, atol=1e-12)
            assert _is_link_of(out / "rhd" / folder / "color" / f"{k:05d}.png", dataset, sample_id)
            sample = dataset.load(sample_id)
            mask = np.asarray(Image.open(out / "rhd" / folder / "mask" / f"{k:05d}.png"))
            palm = 17 if side == "left" else 33
            assert set(np.unique(mask).tolist()) <= {0, 1, palm}
            assert np.array_equal(mask == palm, sample["seg"] == 1) and np.array_equal(
                mask == 1, sample["seg"] == 3
            )
            depth = np.asarray(Image.open(out / "rhd" / folder / "depth" / f"{k:05d}.png")).astype(np.float64)
            depth_m = (depth[..., 0] * 256 + depth[..., 1]) / 65535 * 5.0
            assert np.abs(depth_m - sample["depth_m"]).max() < 5.0 / 65535


def test_freihand_json_round_trips_right_hands(released):
    dataset, out, splits = released
    for split, name in (("train", "training"), ("val", "validation"), ("test", "evaluation")):
        xyz_all = json.loads((out / "freihand" / f"{name}_xyz.json").read_text())
        K_all = json.loads((out / "freihand" / f"{name}_K.json").read_text())
        scale_all = json.loads((out / "freihand" / f"{name}_scale.json").read_text())
        rights = [i for i in splits[split] if dataset.annotation(i)["hand"]["side"] == "right"]
        assert len(xyz_all) == len(K_all) == len(scale_all) == len(rights)
        for k, sample_id in enumerate(rights):
            xyz = _ours(dataset, sample_id)[0]
            np.testing.assert_allclose(xyz_all[k], xyz, rtol=0, atol=1e-6)
            np.testing.assert_allclose(K_all[k], dataset.annotation(sample_id)["K"], rtol=0, atol=1e-9)
            assert abs(scale_all[k] - np.linalg.norm(xyz[9] - xyz[10])) < 1e-9
            assert _is_link_of(out / "freihand" / name / "rgb" / f"{k:08d}.jpg", dataset, sample_id)
            mask = np.asarray(Image.open(out / "freihand" / name / "mask" / f"{k:08d}.jpg"))
            assert np.array_equal(mask > 127, dataset.load(sample_id)["seg"] == 1)


def test_hop_records_read_with_plain_numpy(released):
    dataset, out, splits = released
    h = w = 64
    record = np.dtype(
        [("xyz", "<f4", (42, 3)), ("uv", "<f4", (42, 2)), ("K", "<f4", 9), ("pad", "u1", 2)]
        + [("image", "u1", (h, w, 3)), ("mask", "u1", (h, w)), ("vis", "u1", 42)]
    )
    for split in ("train", "val", "test"):
        path = out / "hop" / f"handobj_{split}.bin"
        assert path.stat().st_size == len(splits[split]) * (4 * (126 + 84 + 9) + 2 + 4 * h * w + 42)
        records = np.fromfile(path, dtype=record)
        for rec, sample_id in zip(records, splits[split], strict=True):
            xyz, uv, vis, side = _ours(dataset, sample_id)
            own = slice(0, 21) if side == "left" else slice(21, 42)
            # float32 is the format's type: the stored values are ours rounded to float32, exactly
            assert np.array_equal(rec["xyz"][own], xyz[RHD_FROM_STD].astype(np.float32))
            assert np.array_equal(rec["uv"][own], uv[RHD_FROM_STD].astype(np.float32))
            np.testing.assert_allclose(rec["xyz"][own], xyz[RHD_FROM_STD], rtol=1e-6, atol=1e-7)
            assert rec["vis"][own].tolist() == (vis[RHD_FROM_STD] == 2).astype(int).tolist()
            assert rec["pad"].tolist() == [255, 255]
            sample = dataset.load(sample_id)
            assert np.array_equal(rec["image"], sample["rgb"])
            assert np.array_equal(rec["mask"] > 1, sample["seg"] == 1)


def test_webdataset_shards_hold_the_source_bytes(released):
    dataset, out, splits = released
    for split, ids in splits.items():
        shards = sorted((out / "webdataset").glob(f"{split}-*.tar"))
        assert len(shards) == -(-len(ids) // OPTIONS.shard_size)
        seen = []
        for shard in shards:
            with tarfile.open(shard) as tar:
                members = tar.getmembers()
                assert all(m.mtime == 0 and m.uid == 0 and m.mode == 0o644 for m in members)
                for m in members:
                    key, ext = m.name.split(".", 1)
                    data = tar.extractfile(m).read()
                    sample_id = int(key)
                    if ext == "json":
                        seen.append(sample_id)
                        assert json.loads(data) == dataset.annotation(sample_id)
                    else:
                        shard_dir = dataset.shard_dir(dataset.shards[sample_id // 10])
                        assert (
                            data
                            == (shard_dir / dataset.annotation(sample_id)["files"][ext[:-4]]).read_bytes()
                        )
        assert seen == ids


def test_our_training_readers_read_the_exports(released):
    from handsynth_train.data.sources.coco import CocoSource
    from handsynth_train.data.sources.freihand import FreiHANDSource
    from handsynth_train.data.sources.rhd import RHDSource

    dataset, out, splits = released
    coco = CocoSource(out / "coco" / "annotations" / "hand_test.json")
    rhd = RHDSource(out / "rhd", split="test")
    assert len(coco) == len(rhd) == len(splits["test"])
    for k, sample_id in enumerate(splits["test"]):
        xyz, uv, vis, side = _ours(dataset, sample_id)
        rgb = dataset.load(sample_id)["rgb"]
        for sample in (coco[k], rhd[k]):  # float32 arrays in these readers: 1e-4 px at 64 px
            np.testing.assert_allclose(sample.joints_uv, uv, rtol=0, atol=1e-4)
            assert sample.side == side and np.array_equal(sample.image, rgb)
        np.testing.assert_allclose(rhd[k].joints_cam, xyz, rtol=0, atol=1e-6)
    freihand = FreiHANDSource(out / "freihand", split="train")
    rights = [i for i in splits["train"] if dataset.annotation(i)["hand"]["side"] == "right"]
    assert len(freihand) == len(rights) > 0
    for k, sample_id in enumerate(rights):
        np.testing.assert_allclose(freihand[k].joints_cam, _ours(dataset, sample_id)[0], rtol=0, atol=1e-6)
        assert np.array_equal(freihand[k].image, dataset.load(sample_id)["rgb"])
