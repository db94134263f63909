"""Heatmap targets and their decoding (MMPose's MSRA codec), numpy only."""

from __future__ import annotations

import numpy as np


def gaussian_heatmaps(
    joints_uv: np.ndarray, valid: np.ndarray, heatmap_size: int, stride: float, sigma: float = 2.0
) -> tuple[np.ndarray, np.ndarray]:
    """MMPose MSRA targets: for each joint a Gaussian of ``sigma`` heatmap pixels centred at the integer
    ``int(uv / stride + 0.5)``, peak 1, cut at 3 sigma.

    joints_uv: (K, 2) input pixels; valid: (K,) bool. Returns heatmaps (K, S, S) float32 and weights (K,)
    float32 (0 for an invalid joint or one whose window lies wholly outside the heatmap).
    """
    k = len(joints_uv)
    heatmaps = np.zeros((k, heatmap_size, heatmap_size), np.float32)
    weights = np.asarray(valid, dtype=np.float32).copy()
    radius = 3 * sigma
    grid = np.arange(heatmap_size, dtype=np.float32)
    for j in range(k):
        if weights[j] == 0:
            continue
        mu = (np.asarray(joints_uv[j], dtype=np.float64) / stride + 0.5).astype(int)
        lo, hi = mu - radius, mu + radius + 1
        if lo[0] >= heatmap_size or lo[1] >= heatmap_size or hi[0] < 0 or hi[1] < 0:
            weights[j] = 0
            continue
        gx = np.exp(-((grid - mu[0]) ** 2) / (2 * sigma**2))
        gy = np.exp(-((grid - mu[1]) ** 2) / (2 * sigma**2))
        window_x, window_y = np.abs(grid - mu[0]) <= radius, np.abs(grid - mu[1]) <= radius
        heatmaps[j] = np.outer(gy * window_y, gx * window_x)
    return heatmaps, weights


def background_heatmap(heatmaps: np.ndarray) -> np.ndarray:
    """Seed 000's background channel: (K, S, S) -> (S, S) ``1 - max_k H_k``."""
    return 1.0 - heatmaps.max(axis=0)


def decode_heatmaps(heatmaps: np.ndarray, stride: float) -> tuple[np.ndarray, np.ndarray]:
    """MMPose MSRA decode (unbiased=False): argmax, a quarter-pixel step towards the higher neighbour
    (where both neighbours exist), times ``stride``.

    heatmaps: (..., K, S, S). Returns uv (..., K, 2) float32 input pixels (-1 where the maximum is <= 0)
    and the maxima (..., K).
    """
    *lead, k, h, w = heatmaps.shape
    flat = heatmaps.reshape(-1, h * w)
    idx = flat.argmax(axis=1)
    maxval = flat[np.arange(len(flat)), idx]
    x, y = (idx % w).astype(np.float64), (idx // w).astype(np.float64)
    maps = heatmaps.reshape(-1, h, w)
    for n in range(len(flat)):
        px, py = int(x[n]), int(y[n])
        if 1 < px < w - 1 and 0 < py < h:  # MMPose's refine_keypoints bounds, x and y separately
            x[n] += 0.25 * np.sign(maps[n, py, px + 1] - maps[n, py, px - 1])
        if 1 < py < h - 1 and 0 < px < w:
            y[n] += 0.25 * np.sign(maps[n, py + 1, px] - maps[n, py - 1, px])
    uv = np.stack([x, y], axis=-1) * stride
    uv[maxval <= 0] = -1
    return uv.reshape(*lead, k, 2).astype(np.float32), maxval.reshape(*lead, k)
