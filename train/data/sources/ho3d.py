"""HO-3D (v2/v3) in its published layout: ``{train,evaluation}.txt`` listing ``SEQ/ID``, and
``{train,evaluation}/SEQ/{rgb/ID.png|jpg, depth/ID.png, meta/ID.pkl}``. Joints are OpenGL (hand at -z),
metres, MANO order with appended tips; right hands only."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
from handsynth_train.data.sample import VIS_NONE, VIS_VISIBLE, HandSample, vis_inside
from handsynth_train.data.sources import require
from handsynth_train.data.sources.images import read_raw, read_rgb

from handsynth.conventions import project_points, to_standard

OPENGL_TO_OPENCV = np.diag([1.0, -1.0, -1.0])
DEPTH_SCALE_M = 0.00012498664727900177  # the toolkit's depth_scale: (R + 256 * G) * scale


def ho3d_depth_m(depth_png: np.ndarray) -> np.ndarray:
    """HO-3D depth PNG (H, W, 3) uint8 RGB -> (H, W) float32 metres."""
    return ((depth_png[..., 0].astype(np.float64) + 256.0 * depth_png[..., 1]) * DEPTH_SCALE_M).astype(
        np.float32
    )


class HO3DSource:
    """HO-3D samples. split: "train" -> ``train.txt``, "test" or "val" -> ``evaluation.txt`` (whose meta
    files carry the wrist only: the other joints get visibility 0 and ``joints_cam_valid`` False), "all"
    both. A frame without a hand annotation (``handJoints3D`` None) has every visibility 0. ``subject``
    is the sequence name without its trailing digits (ABF10 -> ABF); ``object_category`` is the YCB
    model name ``objName``."""

    def __init__(self, path: str | Path, split: str = "train"):
        self.root = Path(path)
        self.name = f"ho3d:{path}"
        sets = {"all": ["train", "evaluation"], "train": ["train"]}.get(split, ["evaluation"])
        self.items: list[tuple[str, str, str]] = []
        for name in sets:
            listing = require(self.root / f"{name}.txt", f"HO-3D's {name} list").read_text().split()
            self.items += [(name, *line.strip().split("/")) for line in listing if line.strip()]

    def __len__(self) -> int:
        return len(self.items)

    def _meta(self, index: int) -> dict:
        name, seq, frame = self.items[index]
        with open(self.root / name / seq / "meta" / f"{frame}.pkl", "rb") as f:
            return pickle.load(f, encoding="latin1")

    def __getitem__(self, index: int) -> HandSample:
        name, seq, frame = self.items[index]
        folder = self.root / name / seq
        rgb_path = folder / "rgb" / f"{frame}.png"
        image = read_rgb(rgb_path if rgb_path.exists() else rgb_path.with_suffix(".jpg"))
        meta = self._meta(index)
        K = np.asarray(meta["camMat"], dtype=np.float64)
        joints = np.asarray(meta["handJoints3D"] if meta.get("handJoints3D") is not None else [], dtype=float)
        if joints.size == 0:
            xyz, valid = np.zeros((21, 3)), np.zeros(21, dtype=bool)
        elif joints.shape == (3,):  # evaluation split: the wrist (root) only
            xyz = np.zeros((21, 3))
            xyz[0] = joints @ OPENGL_TO_OPENCV
            valid = np.arange(21) == 0
        else:
            xyz = to_standard(joints @ OPENGL_TO_OPENCV, "mano")
            valid = np.ones(21, dtype=bool)
        uv = np.where(valid[:, None], project_points(np.where(valid[:, None], xyz, 1.0), K), 0.0)
        vis = np.where(valid, VIS_VISIBLE, VIS_NONE)
        depth_path = folder / "depth" / f"{frame}.png"
        extra = {}
        if meta.get("handBoundingBox") is not None:
            extra["bbox_xyxy"] = np.asarray(meta["handBoundingBox"], dtype=float).tolist()
        return HandSample(
            image=image,
            joints_uv=uv.astype(np.float32),
            joints_vis=vis_inside(uv, vis, image.shape[1], image.shape[0]),
            joints_cam=xyz.astype(np.float32),
            joints_cam_valid=valid,
            K=K,
            depth_m=ho3d_depth_m(read_raw(depth_path)) if depth_path.exists() else None,
            side="right",
            subject=re.sub(r"\d+$", "", seq),
            object_category=meta.get("objName"),
            source=f"{self.name}#{name}/{seq}/{frame}",
            extra=extra,
        )
