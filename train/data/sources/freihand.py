"""FreiHAND v2 in its published layout: ``training_{K,xyz}.json`` with ``training/rgb/%08d.jpg`` (four
versions of each frame: id + N * v) and ``training/mask/%08d.jpg`` (the first N), and
``evaluation_{K,xyz}.json`` with ``evaluation/rgb/%08d.jpg``. Right hands only; xyz metres, OpenCV."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from handsynth_train.data.sample import VIS_VISIBLE, HandSample, vis_inside
from handsynth_train.data.sources import require
from handsynth_train.data.sources.images import read_raw, read_rgb

from handsynth.conventions import project_points

VERSIONS = ("gs", "hom", "sample", "auto")


class FreiHANDSource:
    """FreiHAND samples. split: "train" -> the training set (every version present on disk), "test" or
    "val" -> the official evaluation set (its xyz ground truth is public), "all" both. 2D joints are the
    projection of xyz with K (what the toolkit does)."""

    def __init__(self, path: str | Path, split: str = "train"):
        self.root = Path(path)
        self.name = f"freihand:{path}"
        sets = {"all": ["training", "evaluation"], "train": ["training"]}.get(split, ["evaluation"])
        self.items: list[tuple[str, int, int]] = []  # (set, image id, annotation id)
        self.annotations = {}
        for name in sets:
            K = json.loads(require(self.root / f"{name}_K.json", f"FreiHAND's {name} intrinsics").read_text())
            xyz = json.loads(require(self.root / f"{name}_xyz.json", f"FreiHAND's {name} joints").read_text())
            if len(K) != len(xyz):
                raise ValueError(f"{name}_K.json has {len(K)} entries but {name}_xyz.json has {len(xyz)}")
            self.annotations[name] = (np.asarray(K, dtype=np.float64), np.asarray(xyz, dtype=np.float64))
            n = len(K)
            versions = len(VERSIONS) if name == "training" else 1
            for image_id in range(n * versions):
                if (self.root / name / "rgb" / f"{image_id:08d}.jpg").exists():
                    self.items.append((name, image_id, image_id % n))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> HandSample:
        name, image_id, anno_id = self.items[index]
        K_all, xyz_all = self.annotations[name]
        K, xyz = K_all[anno_id], xyz_all[anno_id]
        image = read_rgb(self.root / name / "rgb" / f"{image_id:08d}.jpg")
        uv = project_points(xyz, K).astype(np.float32)
        mask_path = self.root / name / "mask" / f"{anno_id:08d}.jpg"
        mask = None
        if mask_path.exists():
            raw = read_raw(mask_path)
            mask = (raw[..., 0] if raw.ndim == 3 else raw) > 127
        return HandSample(
            image=image,
            joints_uv=uv,
            joints_vis=vis_inside(uv, np.full(21, VIS_VISIBLE), image.shape[1], image.shape[0]),
            joints_cam=xyz.astype(np.float32),
            joints_cam_valid=np.ones(21, dtype=bool),
            K=K,
            hand_mask=mask,
            side="right",
            source=f"{self.name}#{name}/{image_id}",
            extra={"version": VERSIONS[image_id // len(K_all)] if name == "training" else "gs"},
        )
