"""Pixel grids of images in unit-square coordinates and smooth upsampling onto them; numpy only (never
objects, scene, render or anything heavy)."""

import numpy as np

F32 = np.float32


class PixelGrid:
    """The pixels of one image in canonical coordinates: ``y`` (H, 1) and ``x`` (1, W) float32 in [0, 1]."""

    def __init__(self, height: int, width: int):
        side = max(height, width)
        self.height, self.width, self.px = height, width, 1.0 / side
        self.y = ((np.arange(height, dtype=F32) + 0.5 - height / 2) / side + 0.5)[:, None]
        self.x = ((np.arange(width, dtype=F32) + 0.5 - width / 2) / side + 0.5)[None, :]
        self._taps: dict[tuple[str, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def taps(self, axis: str, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Interpolation from ``n`` nodes spanning [0, 1] to the pixels of axis "y" or "x": node ids (K, P),
        weights (K, P) float32, and both as one dense (P, n) float32 matrix. Cubic B-spline (K = 4), or
        linear (K = 2) for grids over 64 cells, where a cell spans a few pixels and smoothness is moot."""
        if (axis, n) not in self._taps:
            taps = _linear_taps if n > 65 else _bspline_taps
            idx, w = taps((self.y if axis == "y" else self.x).ravel(), n)
            self._taps[axis, n] = idx, w, _dense(idx, w, n)
        return self._taps[axis, n]

    def sample(self, grid: np.ndarray) -> np.ndarray:
        """Smooth upsampling of a grid over the unit square: (gh, gw) -> (H, W), (C, gh, gw) -> (C, H, W)."""
        grid = grid.astype(F32, copy=False)
        (iy, wy, dense_y), (ix, wx, dense_x) = self.taps("y", grid.shape[-2]), self.taps("x", grid.shape[-1])
        if grid.ndim == 3:  # coarse stacks (colour canvases): one batched product; fine ones: one by one
            if grid.shape[-1] <= 100:
                return dense_y @ (grid @ dense_x.T)
            return np.stack([self.sample(g) for g in grid])
        if grid.shape[1] <= 16 < grid.shape[0]:  # streaks across x: rows first, then a cheap product
            return (dense_y @ grid) @ dense_x.T
        # columns first on the small grid, then the full-resolution pass: a product for coarse grids, four
        # row gathers (cheaper than any product) for fine ones
        tmp = grid @ dense_x.T if grid.shape[1] <= 32 else sum(grid[:, ix[k]] * wx[k] for k in range(len(ix)))
        if grid.shape[0] <= 24:
            return dense_y @ tmp
        out = tmp[iy[0]] * wy[0][:, None]
        for k in range(1, len(iy)):
            out += tmp[iy[k]] * wy[k][:, None]
        return out


def _bspline_taps(coords: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(P,) coordinates in [0, 1] -> cubic B-spline node ids (4, P) (clamped at the ends), weights (4, P)."""
    t = np.clip(coords, 0.0, 1.0) * (n - 1)
    i = np.floor(t).astype(np.int64)
    f = (t - i).astype(F32)
    w = np.stack([(1 - f) ** 3, 3 * f**3 - 6 * f**2 + 4, -3 * f**3 + 3 * f**2 + 3 * f + 1, f**3]) / 6
    return np.clip(i + np.arange(-1, 3)[:, None], 0, n - 1), w.astype(F32)


def _linear_taps(coords: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(P,) coordinates in [0, 1] -> linear interpolation node ids (2, P) and weights (2, P)."""
    t = np.clip(coords, 0.0, 1.0) * (n - 1)
    i = np.minimum(np.floor(t).astype(np.int64), n - 2)
    f = (t - i).astype(F32)
    return np.stack([i, i + 1]), np.stack([1 - f, f])


def _dense(idx: np.ndarray, w: np.ndarray, n: int) -> np.ndarray:
    """Taps (K, P) -> (P, n) float32 interpolation matrix."""
    m = np.zeros((idx.shape[1], n), F32)
    rows = np.arange(idx.shape[1])
    for k in range(len(idx)):  # one tap per statement: an index never repeats within one
        m[rows, idx[k]] += w[k]
    return m


def bspline_weights(coords: np.ndarray, n: int) -> np.ndarray:
    """(P,) coordinates in [0, 1] -> (P, n) float32 cubic B-spline interpolation matrix."""
    return _dense(*_bspline_taps(coords, n), n)
