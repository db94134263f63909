"""The torch side of the data: a Dataset of network-ready crops with heatmap targets, and its DataLoader
with worker processes; imports torch, never bpy, pyrender or ray."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from handsynth_train.data.sample import VIS_NONE, HandSample
from handsynth_train.data.targets import background_heatmap, gaussian_heatmaps
from handsynth_train.data.transforms import Augment, crop_sample, hand_box, mirror

# MMPose's data preprocessor (RGB, 0-255 scale).
IMAGE_MEAN = np.array([123.675, 116.28, 103.53], np.float32)
IMAGE_STD = np.array([58.395, 57.12, 57.375], np.float32)


@dataclass(frozen=True, kw_only=True)
class SampleConfig:
    """How a sample becomes a network input and its targets."""

    input_size: int = 224
    """Side of the square input crop, pixels."""
    heatmap_stride: int = 4
    """Input pixels per heatmap pixel (heatmaps are input_size / stride square)."""
    sigma: float = 2.0
    """Gaussian sigma of the heatmap targets, heatmap pixels."""
    crop_margin: float = 2.0
    """Crop side = margin x the hand box's longer side (seed 000 on RHD: twice the tightest square)."""
    background_channel: bool = False
    """Append seed 000's background heatmap (1 - max of the joint heatmaps)."""
    mirror_left: bool = True
    """Mirror left hands to right ones (the networks learn right hands, as seed 000 and FreiHAND do)."""


def normalise_image(image: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 -> (3, H, W) float32 tensor, MMPose mean/std normalised."""
    return torch.from_numpy(((image.astype(np.float32) - IMAGE_MEAN) / IMAGE_STD).transpose(2, 0, 1).copy())


def prepare(sample: HandSample, config: SampleConfig, augment: Augment | None, rng) -> dict:
    """One sample -> dict of tensors: ``image`` (3, S, S), ``heatmaps`` (K[+1], S/stride, S/stride),
    ``target_weight`` (K,), ``joints_uv`` (21, 2) crop pixels, ``joints_valid`` (21,) bool,
    ``joints_cam`` (21, 3) metres (zeros without 3D), ``has_3d`` (21,) bool, ``crop_affine`` (3, 3)
    original -> crop pixels, ``mirrored`` bool, ``index`` of the source sample; for evaluation in the
    source's pixels ``image_width``, ``orig_uv`` (21, 2), ``orig_valid`` (21,), ``orig_box`` (4,) xyxy
    hand box, and the strings ``object_category`` and ``grasp_type`` ("" when unknown)."""
    original = sample
    mirrored = config.mirror_left and sample.side == "left"
    if mirrored:
        sample = mirror(sample)
    if augment is not None and augment.flip_prob > 0 and rng.random() < augment.flip_prob:
        sample, mirrored = mirror(sample), not mirrored  # MMPose's RandomFlip
    crop = crop_sample(sample, config.input_size, config.crop_margin, augment, rng)
    valid = crop.joints_vis > VIS_NONE
    size = config.input_size // config.heatmap_stride
    heatmaps, weights = gaussian_heatmaps(crop.joints_uv, valid, size, config.heatmap_stride, config.sigma)
    if config.background_channel:
        heatmaps = np.concatenate([heatmaps, background_heatmap(heatmaps)[None]], axis=0)
    has_3d = (
        np.zeros(21, bool)
        if crop.joints_cam is None
        else (np.ones(21, bool) if crop.joints_cam_valid is None else crop.joints_cam_valid)
    )
    return {
        "image": normalise_image(crop.image),
        "heatmaps": torch.from_numpy(heatmaps),
        "target_weight": torch.from_numpy(weights),
        "joints_uv": torch.from_numpy(crop.joints_uv.astype(np.float32)),
        "joints_valid": torch.from_numpy(valid),
        "joints_cam": torch.from_numpy(
            np.zeros((21, 3), np.float32) if crop.joints_cam is None else crop.joints_cam.astype(np.float32)
        ),
        "has_3d": torch.from_numpy(has_3d),
        "crop_affine": torch.tensor(crop.extra["crop_affine"], dtype=torch.float64),
        "mirrored": torch.tensor(mirrored),
        "image_width": torch.tensor(sample.width),
        "orig_uv": torch.from_numpy(original.joints_uv.astype(np.float64)),
        "orig_valid": torch.from_numpy(original.joints_vis > VIS_NONE),
        "orig_box": torch.from_numpy(annotated_box(original)),
        "object_category": original.object_category or "",
        "grasp_type": original.grasp_type or "",
    }


def annotated_box(sample: HandSample) -> np.ndarray:
    """(4,) float64 xyxy GT box of the hand: the source's own ``bbox_xywh`` when it has one (COCO-style
    files, handsynth), else ``hand_box`` (mask and labelled joints). MMPose's PCK normalises by it."""
    x, y, w, h = (list(sample.extra.get("bbox_xywh") or []) + [0, 0, 0, 0])[:4]
    if w > 0 and h > 0:
        return np.array([x, y, x + w, y + h], np.float64)
    return hand_box(sample)


class HandPoseDataset(torch.utils.data.Dataset):
    """A source (one reader or a ``MergedSource``) as training tensors. Item ``i`` of epoch ``e`` is
    augmented with ``default_rng([seed, e, i])``: reproducible whatever worker prepares it."""

    def __init__(self, source, config: SampleConfig, augment: Augment | None = None, seed: int = 0):
        self.source, self.config, self.augment, self.seed = source, config, augment, int(seed)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """New augmentation draws for a new epoch (call before iterating the loader again)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, index: int) -> dict:
        rng = np.random.default_rng([self.seed, self.epoch, int(index)])
        item = prepare(self.source[index], self.config, self.augment, rng)
        item["index"] = torch.tensor(int(index))
        return item


def _worker_init(_worker_id: int) -> None:
    torch.set_num_threads(1)  # workers decode and warp; the main process owns the cores for the network


def make_loader(
    dataset: HandPoseDataset, batch_size: int, workers: int = 2, shuffle: bool = True, seed: int = 0
) -> torch.utils.data.DataLoader:
    """A DataLoader over ``dataset`` with ``workers`` processes (0: in the main process), batches of
    ``batch_size`` (the last partial batch dropped when shuffling), a seeded shuffle and prefetching."""
    generator = torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle,
        num_workers=workers,
        drop_last=shuffle,
        generator=generator,
        worker_init_fn=_worker_init if workers > 0 else None,
        prefetch_factor=4 if workers > 0 else None,
        persistent_workers=False,
        pin_memory=torch.cuda.is_available(),
    )
