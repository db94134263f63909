"""Losses and prediction read-out for every network (torch only)."""

from __future__ import annotations

import numpy as np
import torch


def heatmap_mse(pred: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """MMPose ``KeypointMSELoss(use_target_weight=True)``: mean over B*C*H*W of ``(pred - target)^2 * w``.

    pred, target: (B, C, H, W); weight: (B, K) for the first K channels (any further channels, e.g. seed
    000's background, get weight 1).
    """
    b, c = pred.shape[:2]
    w = torch.ones(b, c, dtype=pred.dtype, device=pred.device)
    w[:, : weight.shape[1]] = weight
    return ((pred - target) ** 2 * w[:, :, None, None]).mean()


def coordinate_l1(
    uv: torch.Tensor, target: torch.Tensor, valid: torch.Tensor, input_size: int
) -> torch.Tensor:
    """L1 distance of labelled joints in units of the input size: (B, K, 2) uv and target, (B, K) valid."""
    err = (uv - target).abs().sum(dim=-1) / input_size  # (B, K)
    return (err * valid).sum() / valid.sum().clamp(min=1)


def training_loss(
    output: dict, batch: dict, input_size: int, intermediate_weight: float = 0.0
) -> torch.Tensor:
    """The loss of a network's output on a batch: soft-argmax coordinates (ResUnet) or heatmap MSE.

    With intermediate read-outs (``uv_intermediate``) and ``intermediate_weight`` w > 0, the coordinate
    loss is ``L1(final) + w * mean_i L1(intermediate_i)``.
    """
    if "uv" in output:
        valid = batch["joints_valid"].float()
        loss = coordinate_l1(output["uv"], batch["joints_uv"], valid, input_size)
        sides = output.get("uv_intermediate") or []
        if intermediate_weight > 0 and sides:
            side = sum(coordinate_l1(uv, batch["joints_uv"], valid, input_size) for uv in sides)
            loss = loss + intermediate_weight * side / len(sides)
        return loss
    return heatmap_mse(output["heatmaps"], batch["heatmaps"], batch["target_weight"])


def to_original(
    uv_crop: np.ndarray, crop_affine: np.ndarray, mirrored: np.ndarray, widths: np.ndarray
) -> np.ndarray:
    """Crop pixels back to the source image: (B, K, 2) uv, (B, 3, 3) original->crop affines, (B,) mirrored
    flags and (B,) original widths -> (B, K, 2) float64 original pixels (un-mirrored)."""
    out = np.empty(uv_crop.shape, np.float64)
    for i in range(len(uv_crop)):
        inv = np.linalg.inv(np.asarray(crop_affine[i], np.float64))
        out[i] = uv_crop[i] @ inv[:2, :2].T + inv[:2, 2]
        if mirrored[i]:
            out[i, :, 0] = widths[i] - 1 - out[i, :, 0]
    return out
