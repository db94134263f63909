"""RHD (Rendered Handpose Dataset v2) in its published layout: ``training/`` and ``evaluation/``, each with
``color/%05d.png``, ``mask/%05d.png``, ``depth/%05d.png`` and ``anno_{training,evaluation}.pickle``."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
from handsynth_train.data.sample import VIS_OCCLUDED, VIS_VISIBLE, HandSample, vis_inside
from handsynth_train.data.sources import require
from handsynth_train.data.sources.images import read_raw, read_rgb

from handsynth.conventions import to_standard

SPLIT_FOLDERS = {"train": "training", "test": "evaluation", "val": "evaluation"}


def rhd_depth_m(depth_png: np.ndarray) -> np.ndarray:
    """RHD depth PNG (H, W, 3) uint8 -> (H, W) float32 metres: ``(R * 256 + G) / 65535 * 5``."""
    top, low = depth_png[..., 0].astype(np.float64), depth_png[..., 1].astype(np.float64)
    return ((top * 256.0 + low) / 65535.0 * 5.0).astype(np.float32)


def rhd_hand_masks(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RHD label map (H, W) -> (left, right) bool masks: labels 2-17 left hand, 18-33 right hand."""
    return (mask >= 2) & (mask <= 17), (mask >= 18) & (mask <= 33)


class RHDSource:
    """RHD samples; each image gives its dominant hand (more segmented pixels), as hand3d does.

    split: "train" -> ``training/``, "test" or "val" -> ``evaluation/`` (the official split), "all" both.
    The pickle's 42 points (left 0-20, right 21-41, tip-first fingers) are reordered to the standard order.
    """

    def __init__(self, path: str | Path, split: str = "train"):
        self.root = Path(path)
        self.name = f"rhd:{path}"
        folders = ["training", "evaluation"] if split == "all" else [SPLIT_FOLDERS[split]]
        self.items: list[tuple[str, int, dict]] = []
        for folder in folders:
            pickle_path = require(self.root / folder / f"anno_{folder}.pickle", f"RHD's {folder} annotations")
            with open(pickle_path, "rb") as f:
                annotations = pickle.load(f)
            self.items += [(folder, int(k), annotations[k]) for k in sorted(annotations)]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> HandSample:
        folder, sample_id, anno = self.items[index]
        base = self.root / folder
        image = read_rgb(base / "color" / f"{sample_id:05d}.png")
        mask = read_raw(base / "mask" / f"{sample_id:05d}.png")
        mask = mask[..., 0] if mask.ndim == 3 else mask
        left, right = rhd_hand_masks(mask)
        side = "left" if left.sum() > right.sum() else "right"
        offset = 0 if side == "left" else 21
        uv_vis = np.asarray(anno["uv_vis"], dtype=np.float64)[offset : offset + 21]
        xyz = np.asarray(anno["xyz"], dtype=np.float64)[offset : offset + 21]
        uv = to_standard(uv_vis[:, :2], "rhd").astype(np.float32)
        vis_flag = to_standard(uv_vis[:, 2:3], "rhd")[:, 0]
        vis = np.where(vis_flag > 0.5, VIS_VISIBLE, VIS_OCCLUDED)
        depth_path = base / "depth" / f"{sample_id:05d}.png"
        return HandSample(
            image=image,
            joints_uv=uv,
            joints_vis=vis_inside(uv, vis, image.shape[1], image.shape[0]),
            joints_cam=to_standard(xyz, "rhd").astype(np.float32),
            joints_cam_valid=np.ones(21, dtype=bool),
            K=np.asarray(anno["K"], dtype=np.float64),
            hand_mask=left if side == "left" else right,
            depth_m=rhd_depth_m(read_raw(depth_path)) if depth_path.exists() else None,
            side=side,
            source=f"{self.name}#{folder}/{sample_id}",
        )
