"""Data sources: each reader on small files written in its published layout returns standard-order,
pixel-exact joints (RHD's tip-first fingers, HO-3D's MANO order and OpenGL frame are the traps)."""

import pickle

import numpy as np
import pytest
from handsynth_train.data.sources import open_source, parse_spec
from handsynth_train.data.sources.dexycb import split_indices
from handsynth_train.data.sources.handsynth import holdout_subjects
from PIL import Image
from test_train_layouts import (
    BRIGHT,
    dot_image,
    hand_xyz,
    save,
    write_freihand,
    write_handsynth,
    write_json,
    write_rhd,
    write_yaml,
)

from handsynth.conventions import make_intrinsics, project_points
from handsynth.errors import UserError


def assert_bright_at_joints(sample, labelled_only=True):
    """Every labelled joint's pixel in the image is one of the bright dots the writer drew there."""
    px = np.floor(sample.joints_uv + 0.5).astype(int)
    for j in np.flatnonzero(sample.joints_vis > 0) if labelled_only else range(21):
        assert sample.image[px[j, 1], px[j, 0]].min() > 200, f"joint {j} at {px[j]} is not on its dot"


def test_spec_parsing_and_user_errors(tmp_path):
    assert parse_spec("rhd:/data/RHD") == ("rhd", parse_spec("rhd:/data/RHD")[1])
    with pytest.raises(UserError, match="handsynth, rhd, freihand, ho3d, dexycb, stb, coco"):
        open_source("nyu:/x")
    with pytest.raises(UserError, match="does not exist"):
        open_source(f"rhd:{tmp_path / 'missing'}")
    with pytest.raises(UserError, match="valid splits"):
        open_source(f"rhd:{tmp_path}", split="dev")


def test_rhd_tip_first_fingers_become_standard_order(tmp_path):
    truth = write_rhd(tmp_path)
    source = open_source(f"rhd:{tmp_path}", split="train")
    assert len(source) == 1
    s = source[0]
    assert s.side == "right"  # the right hand has more mask pixels
    np.testing.assert_allclose(s.joints_cam, truth["xyz"], atol=1e-6)
    np.testing.assert_allclose(s.joints_uv, truth["uv"], atol=1e-4)
    raw = pickle.loads((tmp_path / "training" / "anno_training.pickle").read_bytes())[0]
    # Written out by hand: RHD right hand = rows 21-41; within a finger the tip comes first.
    assert np.allclose(s.joints_uv[4], raw["uv_vis"][21 + 1, :2])  # thumb tip
    assert np.allclose(s.joints_uv[1], raw["uv_vis"][21 + 4, :2])  # thumb CMC/MCP
    assert np.allclose(s.joints_uv[5], raw["uv_vis"][21 + 8, :2])  # index MCP
    assert np.allclose(s.joints_uv[20], raw["uv_vis"][21 + 17, :2])  # little tip
    assert s.joints_vis[4] == 1 and s.joints_vis[3] == 2  # RHD's vis 0 -> labelled but occluded
    assert_bright_at_joints(s)
    np.testing.assert_allclose(project_points(s.joints_cam, s.K), s.joints_uv, atol=1e-4)
    assert s.hand_mask.sum() == 30 * 30 and not s.hand_mask[3, 3]
    np.testing.assert_allclose(s.depth_m, (23 * 256 + 7) / 65535 * 5, rtol=1e-6)
    with pytest.raises(UserError, match="evaluation annotations"):
        open_source(f"rhd:{tmp_path}", split="test")


def test_freihand_versions_masks_and_evaluation_set(tmp_path):
    truth = write_freihand(tmp_path)
    train = open_source(f"freihand:{tmp_path}", split="train")
    assert len(train) == 8
    s = train[3]  # image 3 = frame 1 (3 % 2) in the second version (3 // 2: "hom")
    assert s.extra["version"] == "hom" and s.side == "right"
    np.testing.assert_allclose(s.joints_cam, truth["xyz"][1], atol=1e-6)
    np.testing.assert_allclose(s.joints_uv, project_points(truth["xyz"][1], truth["K"][1]), atol=1e-4)
    assert_bright_at_joints(s)
    assert s.hand_mask[11, 20] and not s.hand_mask[10, 20]  # frame 1's mask starts at row 11
    test = open_source(f"freihand:{tmp_path}", split="test")
    assert len(test) == 1 and test[0].hand_mask is None
    np.testing.assert_allclose(test[0].joints_cam, truth["xyz"][2], atol=1e-6)


def write_ho3d(root, size=64):
    K = make_intrinsics(80.0, size, size)
    xyz = hand_xyz((0.0, 0.03, 0.5))
    mano = np.zeros((21, 3))
    # HO-3D order written out by hand: wrist, index/middle/little/ring/thumb x 3, then the 5 tips.
    for mano_index, std_index in enumerate(
        [0, 5, 6, 7, 9, 10, 11, 17, 18, 19, 13, 14, 15, 1, 2, 3, 4, 8, 12, 16, 20]
    ):
        mano[mano_index] = xyz[std_index]
    opengl = mano * np.array([1.0, -1.0, -1.0])
    meta = {"handJoints3D": opengl, "camMat": K, "objName": "006_mustard_bottle", "handPose": np.zeros(48)}
    (root / "train.txt").write_text("MC10/0003\n")
    (root / "evaluation.txt").write_text("SM1/0000\n")
    save(
        root / "train" / "MC10" / "rgb" / "0003.jpg", dot_image(project_points(xyz, K), size, size, radius=1)
    )
    for name, seq, frame, m in [("train", "MC10", "0003", meta), ("evaluation", "SM1", "0000", None)]:
        if m is None:
            m = {
                "handJoints3D": opengl[0],
                "camMat": K,
                "objName": "019_pitcher_base",
                "handBoundingBox": [1, 2, 30, 40],
            }
            save(root / name / seq / "rgb" / f"{frame}.png", np.zeros((size, size, 3), np.uint8))
        (root / name / seq / "meta").mkdir(parents=True, exist_ok=True)
        (root / name / seq / "meta" / f"{frame}.pkl").write_bytes(pickle.dumps(m, protocol=2))
    depth = np.zeros((size, size, 3), np.uint8)
    depth[..., 0], depth[..., 1] = 100, 30  # R + 256 G
    save(root / "train" / "MC10" / "depth" / "0003.png", depth)
    return xyz, K


def test_ho3d_mano_order_and_opengl_frame(tmp_path):
    xyz, K = write_ho3d(tmp_path)
    s = open_source(f"ho3d:{tmp_path}", split="train")[0]
    np.testing.assert_allclose(s.joints_cam, xyz, atol=1e-6)
    assert np.all(s.joints_cam[:, 2] > 0)
    np.testing.assert_allclose(s.joints_uv, project_points(xyz, K), atol=1e-4)
    assert_bright_at_joints(s)
    assert s.subject == "MC" and s.object_category == "006_mustard_bottle" and s.side == "right"
    np.testing.assert_allclose(s.depth_m, (100 + 256 * 30) * 0.00012498664727900177, rtol=1e-6)
    e = open_source(f"ho3d:{tmp_path}", split="test")[0]
    assert e.joints_cam_valid.tolist() == [True] + [False] * 20
    assert e.joints_vis.tolist() == [2] + [0] * 20 and e.extra["bbox_xyxy"] == [1, 2, 30, 40]
    np.testing.assert_allclose(e.joints_cam[0], xyz[0], atol=1e-6)


def write_dexycb(root, size=64):
    serial = "840412060917"
    write_yaml(root / "calibration" / "intrinsics" / f"{serial}_640x480.yml",
               {"color": {"fx": 70.0, "fy": 71.0, "ppx": 31.0, "ppy": 30.0}})  # fmt: skip
    K = np.array([[70.0, 0, 31.0], [0, 71.0, 30.0], [0, 0, 1]])
    seq = root / "20200820-subject-03" / "20200820_135508"
    write_yaml(
        seq / "meta.yml", {"mano_sides": ["left"], "ycb_ids": [1, 5], "ycb_grasp_ind": 1, "num_frames": 2}
    )
    xyz = hand_xyz((0.0, 0.03, 0.5))
    uv = project_points(xyz, K)
    for f in range(2):
        save(seq / serial / f"color_{f:06d}.jpg", dot_image(uv, size, size, radius=1))
        seg = np.zeros((size, size), np.uint8)
        seg[5:25, 5:25] = 255
        seg[40:50, 40:50] = 5
        hand = f == 0
        joint_3d = (xyz if hand else -np.ones((21, 3)))[None]
        joint_2d = (uv if hand else -np.ones((21, 2)))[None]
        np.savez(seq / serial / f"labels_{f:06d}.npz", seg=seg, joint_3d=joint_3d, joint_2d=joint_2d,
                 pose_y=np.zeros((2, 3, 4)), pose_m=np.zeros((1, 51)))  # fmt: skip
        save(seq / serial / f"aligned_depth_to_color_{f:06d}.png", np.full((size, size), 512, np.uint16))
    return xyz, uv


def test_dexycb_labels_splits_and_no_hand_frames(tmp_path):
    xyz, uv = write_dexycb(tmp_path)
    train = open_source(f"dexycb:{tmp_path}", split="train")  # s0 train: subject 3, sequence 0
    assert len(train) == 2
    s = train[0]
    np.testing.assert_allclose(s.joints_cam, xyz, atol=1e-6)
    np.testing.assert_allclose(s.joints_uv, uv, atol=1e-4)
    np.testing.assert_allclose(project_points(s.joints_cam, s.K), s.joints_uv, atol=1e-4)
    assert_bright_at_joints(s)
    assert s.side == "left" and s.object_category == "006_mustard_bottle"
    assert s.subject == "20200820-subject-03" and s.hand_mask.sum() == 400
    assert np.allclose(s.depth_m, 0.512)
    assert train[1].joints_vis.max() == 0 and not train[1].joints_cam_valid.any()
    assert len(open_source(f"dexycb:{tmp_path}", split="test", setup="s1")) == 0  # subject 3 is in s1 train
    assert split_indices("s1", "test")[0] == [7, 8]
    assert split_indices("s3", "val")[2] == [15, 16, 17, 18, 19, 95, 96, 97, 98, 99]


def test_coco_onehand10k_and_wholebody(tmp_path):
    uv = project_points(hand_xyz((0.0, 0.03, 0.45)), make_intrinsics(60.0, 64, 64))
    save(tmp_path / "Train" / "source" / "0.png", dot_image(uv, 64, 64))
    kpts = np.concatenate([uv, np.full((21, 1), 2.0)], axis=1)
    kpts[7] = 0  # unlabelled
    image = {"file_name": "Train/source/0.png", "height": 64, "width": 64, "id": 3}
    one = {
        "bbox": [10, 5, 30, 40],
        "keypoints": kpts.ravel().tolist(),
        "category_id": 1,
        "id": 9,
        "image_id": 3,
    }
    write_json(tmp_path / "annotations" / "onehand10k_train.json", {"images": [image], "annotations": [one]})
    s = open_source(f"coco:{tmp_path / 'annotations' / 'onehand10k_train.json'}")[0]
    np.testing.assert_allclose(s.joints_uv[:7], uv[:7], atol=1e-4)
    assert s.joints_vis[7] == 0 and s.joints_vis[8] == 2 and s.extra["bbox_xywh"] == [10, 5, 30, 40]
    assert_bright_at_joints(s)
    body = {
        "image_id": 3,
        "id": 1,
        "lefthand_valid": False,
        "lefthand_kpts": [0] * 63,
        "righthand_valid": True,
    }
    body.update(righthand_kpts=kpts.ravel().tolist(), righthand_box=[1, 2, 3, 4])
    write_json(tmp_path / "wb.json", {"images": [image], "annotations": [body]})
    wb = open_source(f"coco:{tmp_path / 'wb.json'}")
    assert len(wb) == 1 and wb[0].side == "right" and wb[0].extra["bbox_xywh"] == [1, 2, 3, 4]


def test_handsynth_reader_and_held_out_subjects(tmp_path):
    annotations = write_handsynth(tmp_path)
    every = open_source(f"handsynth:{tmp_path}", split="all")
    train = open_source(f"handsynth:{tmp_path}", split="train", test_subjects=["f02"])
    test = open_source(f"handsynth:{tmp_path}", split="test", test_subjects=["f02"])
    assert len(every) == 4 and sorted(train.ids + test.ids) == [0, 1, 2, 3]
    assert set(test.subjects) == {"f02"} and "f02" not in train.subjects
    s = every[1]
    np.testing.assert_allclose(s.joints_uv, annotations[1]["hand"]["joints_uv"], atol=1e-4)
    assert_bright_at_joints(s)
    assert s.side == "left" and s.subject == "f02" and s.object_category == "spherical"
    assert s.hand_mask.sum() == 30 * 24 - 10 * 8 and s.object_mask.any() and np.isclose(s.depth_m.max(), 0.4)
    default = open_source(f"handsynth:{tmp_path}", split="test")
    assert default.test_subjects == holdout_subjects(["f01", "f02", "m01", "m02"]) and len(default) == 1
    families = open_source(f"handsynth:{tmp_path}", split="test", test_subjects=[], test_families=["ball"])
    assert families.ids == [1, 3]


def test_holdout_subjects_is_deterministic_and_never_everything():
    names = [f"s{i}" for i in range(10)]
    assert holdout_subjects(names, 0.2, seed=3) == holdout_subjects(list(reversed(names)), 0.2, seed=3)
    assert len(holdout_subjects(names, 0.2)) == 2 and holdout_subjects(["a"], 0.5) == []
    assert len(holdout_subjects(["a", "b"], 1.0)) == 1
    assert Image is not None and BRIGHT == 255
