"""Tiny data sets written in exactly the published layouts, for the train tests (no downloads)."""

import json
import pickle
from pathlib import Path

import numpy as np
import yaml
from PIL import Image

from handsynth.conventions import (
    JOINT_PARENTS,
    SEG_HAND,
    SEG_OBJECT,
    from_standard,
    make_intrinsics,
    project_points,
)
from handsynth.dataset.layout import sample_files
from handsynth.dataset.writer import ShardWriter, dataset_info, write_json_atomic

BRIGHT = 255


def hand_xyz(offset=(0.0, 0.0, 0.5), seed=0) -> np.ndarray:
    """(21, 3) standard-order joints of a plausible open hand, metres, every joint at a distinct place."""
    rng = np.random.default_rng(seed)
    xyz = np.zeros((21, 3))
    directions = {1: (-0.7, -0.5), 5: (-0.25, -1.0), 9: (0.0, -1.0), 13: (0.25, -1.0), 17: (0.5, -0.9)}
    for child, parent in enumerate(JOINT_PARENTS):
        if parent < 0:
            continue
        base = max(b for b in directions if b <= child)
        step = (0.035 if child == base else 0.022) * np.array([*directions[base], 0.0])
        xyz[child] = xyz[parent] + step + rng.uniform(-0.002, 0.002, 3)
    return xyz + np.asarray(offset)


def dot_image(uv: np.ndarray, width: int, height: int, radius: int = 0) -> np.ndarray:
    """(H, W, 3) uint8 dark image with a bright square of ``radius`` at the pixel of every joint."""
    image = np.full((height, width, 3), 20, np.uint8)
    for u, v in np.floor(np.asarray(uv) + 0.5).astype(int):
        if 0 <= u < width and 0 <= v < height:
            image[max(v - radius, 0) : v + radius + 1, max(u - radius, 0) : u + radius + 1] = BRIGHT
    return image


def save(path: Path, array: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, quality=98) if path.suffix == ".jpg" else Image.fromarray(array).save(
        path
    )
    return path


def write_rhd(root: Path, size: int = 64) -> dict:
    """RHD ``training/`` with one sample whose right hand dominates the mask; returns the truth."""
    K = make_intrinsics(60.0, size, size)
    right = hand_xyz((0.0, 0.04, 0.45))
    left = hand_xyz((0.05, -0.05, 0.6), seed=1)
    uv_right, uv_left = project_points(right, K), project_points(left, K)
    uv_vis = np.zeros((42, 3))
    uv_vis[:21, :2], uv_vis[21:, :2] = from_standard(uv_left, "rhd"), from_standard(uv_right, "rhd")
    uv_vis[:, 2] = 1
    uv_vis[21 + 1, 2] = 0  # RHD index 1 of the right hand (its thumb tip) marked not visible
    anno = {
        0: {
            "uv_vis": uv_vis,
            "xyz": np.concatenate([from_standard(left, "rhd"), from_standard(right, "rhd")]),
            "K": K,
        }
    }
    base = root / "training"
    base.mkdir(parents=True)
    with open(base / "anno_training.pickle", "wb") as f:
        pickle.dump(anno, f)
    save(base / "color" / "00000.png", dot_image(uv_right, size, size))
    mask = np.zeros((size, size), np.uint8)
    mask[20:50, 15:45] = 20  # right index finger label
    mask[2:6, 2:6] = 5  # a little of the left hand
    save(base / "mask" / "00000.png", mask)
    depth = np.zeros((size, size, 3), np.uint8)
    depth[..., 0], depth[..., 1] = 23, 7  # (23 * 256 + 7) / 65535 * 5 m
    save(base / "depth" / "00000.png", depth)
    return {"xyz": right, "uv": uv_right, "K": K, "mask": mask}


def write_handsynth(root: Path, subjects=("f01", "f02", "m01", "m02"), size: int = 48) -> list[dict]:
    """A handsynth dataset (one shard) written with handsynth's own writer; returns the annotations."""
    K = make_intrinsics(50.0, size, size)
    n = len(subjects)
    annotations = []
    with ShardWriter(root, 0, n, encode_threads=0) as writer:
        for i, subject in enumerate(subjects):
            xyz = hand_xyz((0.0, 0.03, 0.4), seed=i)
            uv = project_points(xyz, K)
            seg = np.zeros((size, size), np.uint8)
            seg[10:40, 12:36] = SEG_HAND
            seg[30:44, 5:20] = SEG_OBJECT
            annotation = {
                "id": i,
                "seed": i,
                "files": sample_files(i, n),
                "width": size,
                "height": size,
                "K": K.tolist(),
                "hand": {
                    "side": "left" if i % 2 else "right",
                    "subject": subject,
                    "joints_cam": xyz.tolist(),
                    "joints_uv": uv.tolist(),
                    "joints_vis": [2] * 21,
                    "bbox": [12, 10, 24, 30],
                },
                "object": {
                    "category": ["cylindrical", "spherical"][i % 2],
                    "family": ["bottle", "ball"][i % 2],
                },
                "grasp": {"type": "power_wrap"},
            }
            depth = np.where(seg > 0, 4000, 0).astype(np.uint16)
            images = {
                "rgb": dot_image(uv, size, size),
                "seg": seg,
                "hand_amodal": seg == SEG_HAND,
                "object_amodal": seg == SEG_OBJECT,
                "depth": depth,
            }
            writer.add(annotation, images)
            annotations.append(annotation)
    write_json_atomic(root / "dataset.json", dataset_info(0, [writer.result]))
    return annotations


def write_yaml(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def write_freihand(root: Path, size: int = 64) -> dict:
    """FreiHAND: 2 training frames in all 4 versions (8 images), their 2 masks, 1 evaluation frame."""
    Ks = [make_intrinsics(70.0 + 5 * i, size, size) for i in range(3)]
    xyzs = [hand_xyz((0.01 * i, 0.03, 0.45), seed=i) for i in range(3)]
    write_json(root / "training_K.json", [K.tolist() for K in Ks[:2]])
    write_json(root / "training_xyz.json", [x.tolist() for x in xyzs[:2]])
    write_json(root / "evaluation_K.json", [Ks[2].tolist()])
    write_json(root / "evaluation_xyz.json", [xyzs[2].tolist()])
    for image_id in range(8):
        uv = project_points(xyzs[image_id % 2], Ks[image_id % 2])
        save(root / "training" / "rgb" / f"{image_id:08d}.jpg", dot_image(uv, size, size, radius=1))
    for i in range(2):
        mask = np.zeros((size, size), np.uint8)
        mask[10 + i : 50, 10:50] = 255
        save(root / "training" / "mask" / f"{i:08d}.jpg", mask)
    save(
        root / "evaluation" / "rgb" / "00000000.jpg", dot_image(project_points(xyzs[2], Ks[2]), size, size, 1)
    )
    return {"K": Ks, "xyz": xyzs}


def test_fixture_hand_has_distinct_joints_in_front_of_the_camera():
    xyz = hand_xyz()
    distances = np.linalg.norm(xyz[:, None] - xyz[None], axis=-1) + np.eye(21)
    assert distances.min() > 0.005 and np.all(xyz[:, 2] > 0.4)
    uv = project_points(xyz, make_intrinsics(60.0, 64, 64))
    assert np.all((uv > 0) & (uv < 63))
