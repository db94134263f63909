"""Test-time read-out of the networks: MMPose's flip test and seed 000's low-confidence peak rule.

Flip test (MMPose ``flip_test=True, flip_mode='heatmap', shift_heatmap=True``): the crop is also run
mirrored, the mirrored heatmaps are flipped back, shifted right by one pixel (``hm[..., 1:] = hm[...,
:-1]``) and averaged 0.5/0.5 with the plain ones. Hand data sets have ``swap=''`` for every keypoint, so
the flip indices are the identity (a mirrored right hand counts as a left hand). A soft-argmax network
(ResUnet) averages its coordinates instead, the mirrored ones mapped back exactly by ``u -> S - 1 - u``
(in pixels, what MMPose's integral-regression head does with ``flip_coordinates(shift_coords=True)``:
``x -> 1 - x - 1/W`` on coordinates normalised by the input width W).

Low-confidence rule (seed 000, section 3.3): each keypoint heatmap is turned into a probability map by a
spatial softmax; a keypoint whose maximum probability is below a threshold takes, among its highest
peaks, the one nearest to the keypoints found with high confidence. The paper gives no threshold value
("a predetermined threshold") and no peak count, so both are explicit options here.
"""

from __future__ import annotations

import numpy as np
import torch
from handsynth_train.data.targets import decode_heatmaps

DEFAULT_PEAKS = 3
"""Candidate peaks per low-confidence keypoint (our choice: the paper does not say how many)."""


def flip_back_heatmaps(flipped: torch.Tensor, shift: bool = True) -> torch.Tensor:
    """MMPose ``flip_heatmaps`` with identity flip indices: (B, C, H, W) heatmaps of the mirrored crop ->
    the plain crop's frame, shifted right by one pixel (column 0 keeps its value) when ``shift``."""
    heatmaps = flipped.flip(-1)
    if shift:
        heatmaps[..., 1:] = heatmaps[..., :-1].clone()
    return heatmaps


@torch.no_grad()
def flip_test_output(model, images: torch.Tensor) -> dict[str, torch.Tensor]:
    """The network's output averaged over the crop and its mirror (MMPose's flip test).

    Heatmap networks: ``heatmaps`` = 0.5 * (plain + shifted flip-back of the mirrored). Soft-argmax
    networks (output ``uv``): ``uv`` = 0.5 * (plain + mirrored with ``u -> S - 1 - u``); their latent
    ``heatmaps`` are averaged the same way as the others for inspection.
    """
    plain = model(images)
    mirrored = model(images.flip(-1))
    out = {"heatmaps": 0.5 * (plain["heatmaps"] + flip_back_heatmaps(mirrored["heatmaps"]))}
    if "uv" in plain:
        back = mirrored["uv"].clone()
        back[..., 0] = images.shape[-1] - 1 - back[..., 0]
        out["uv"] = 0.5 * (plain["uv"] + back)
    return out


def spatial_softmax(heatmaps: np.ndarray) -> np.ndarray:
    """(..., H, W) -> probability maps summing to 1 over each H x W (seed 000's normalisation)."""
    *lead, h, w = heatmaps.shape
    flat = heatmaps.reshape(-1, h * w).astype(np.float64)
    flat = np.exp(flat - flat.max(axis=1, keepdims=True))
    return (flat / flat.sum(axis=1, keepdims=True)).reshape(*lead, h, w)


def local_peaks(prob: np.ndarray, count: int) -> list[tuple[int, int]]:
    """The ``count`` highest local maxima (x, y) of one (H, W) map (each >= its 8 neighbours and above
    the map's minimum, so a flat floor is no peak), highest first; ties keep row-major order."""
    padded = np.pad(prob, 1, constant_values=-np.inf)
    h, w = prob.shape
    neighbours = [padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    is_peak = (prob >= np.max(neighbours, axis=0)) & (prob > prob.min())
    ys, xs = np.nonzero(is_peak)
    order = np.argsort(-prob[ys, xs], kind="stable")[:count]
    return [(int(xs[i]), int(ys[i])) for i in order]


def _refined(heatmap: np.ndarray, px: int, py: int, stride: float) -> np.ndarray:
    """MSRA's quarter-pixel step at peak (px, py) of one (H, W) map, in input pixels (as decode_heatmaps)."""
    h, w = heatmap.shape
    x, y = float(px), float(py)
    if 1 < px < w - 1 and 0 < py < h:
        x += 0.25 * np.sign(heatmap[py, px + 1] - heatmap[py, px - 1])
    if 1 < py < h - 1 and 0 < px < w:
        y += 0.25 * np.sign(heatmap[py + 1, px] - heatmap[py - 1, px])
    return np.array([x, y]) * stride


def decode_low_confidence(
    heatmaps: np.ndarray, stride: float, threshold: float, peaks: int = DEFAULT_PEAKS
) -> tuple[np.ndarray, np.ndarray]:
    """MSRA decoding with seed 000's rule for weak keypoints.

    heatmaps: (B, K, H, W) keypoint maps (no background channel). A keypoint whose softmax probability
    maximum is ``>= threshold`` is confident and decoded as usual; any other takes, among its ``peaks``
    highest local maxima, the one whose distance to the nearest confident keypoint of the same sample is
    smallest (its plain argmax when the sample has no confident keypoint). Returns uv (B, K, 2) float32
    input pixels and the confident flags (B, K).
    """
    uv, _ = decode_heatmaps(heatmaps, stride)
    prob = spatial_softmax(heatmaps)
    confident = prob.reshape(*prob.shape[:2], -1).max(axis=-1) >= threshold
    for b in range(len(heatmaps)):
        anchors = uv[b][confident[b]] / stride  # heatmap pixels
        if len(anchors) == 0:
            continue
        for k in np.nonzero(~confident[b])[0]:
            candidates = local_peaks(prob[b, k], peaks)
            if not candidates:
                continue
            dist = [np.min(np.linalg.norm(anchors - np.array(c), axis=1)) for c in candidates]
            px, py = candidates[int(np.argmin(dist))]
            uv[b, k] = _refined(heatmaps[b, k], px, py, stride)
    return uv.astype(np.float32), confident


@torch.no_grad()
def infer_uv(
    model,
    images: torch.Tensor,
    flip_test: bool = False,
    low_confidence: float | None = None,
    num_joints: int = 21,
) -> np.ndarray:
    """(B, K, 2) float32 joints in crop pixels: the network's read-out (soft-argmax or MSRA decoding of
    the first ``num_joints`` heatmaps), with the flip test and the low-confidence rule when asked.
    ValueError for the low-confidence rule on a soft-argmax network (it has no argmax to replace)."""
    output = flip_test_output(model, images) if flip_test else model(images)
    if "uv" in output:
        if low_confidence is not None:
            raise ValueError("the low-confidence rule needs a heatmap-argmax network, not a soft-argmax one")
        return output["uv"].float().cpu().numpy()
    heatmaps = output["heatmaps"][:, :num_joints].float().cpu().numpy()
    if low_confidence is None:
        return decode_heatmaps(heatmaps, model.stride)[0]
    return decode_low_confidence(heatmaps, model.stride, low_confidence)[0]
