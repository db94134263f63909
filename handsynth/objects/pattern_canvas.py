"""The canvas object patterns are painted on: antialiased shapes and text-like rows in repeated UV panels;
numpy only (never scene, render, bpy, pyrender, ray or torch)."""

from __future__ import annotations

import numpy as np

from handsynth.texture.color import luma

BOX_TILES, BOX_MARGIN = (3, 2), 0.02  # RoundedBox.mesh's atlas: 3 x 2 tiles, 2 % margin inside each


def uv_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Texel-centre coordinates: u (1, W) and v (H, 1), v = 1 at row 0."""
    c = (np.arange(size) + 0.5) / size
    return c[None, :], (1.0 - c)[:, None]


def ink_for(field) -> np.ndarray:
    """Text colour that reads on ``field``: near-black on light colours, off-white on dark ones."""
    return np.array([0.012, 0.012, 0.014]) if luma(field) > 0.12 else np.array([0.85, 0.84, 0.80])


class Stamp:
    """Coverage in [0, 1] on a window of the texture (the rows x cols it touches); zero elsewhere."""

    __slots__ = ("rows", "cols", "a")

    def __init__(self, rows: np.ndarray, cols: np.ndarray, a: np.ndarray):
        self.rows, self.cols, self.a = rows, cols, a

    def __mul__(self, k: float) -> Stamp:
        return Stamp(self.rows, self.cols, self.a * k)

    __rmul__ = __mul__


class PanelCanvas:
    """An (H, W, 3) image painted in panel coordinates (s, t) in [0, 1]², repeated n_u x n_v times over
    UV space (t up); a ``margin`` fraction of each panel lies outside [0, 1]² (the box atlas's 2 %).

    Shapes are measured in texels, so their edges are antialiased over one texel whatever the panel's
    aspect, and evaluated only on the texels of their bounding box (in every panel at once)."""

    def __init__(self, size: int, n_u: int, n_v: int, base, margin: float = 0.0):
        u, v = uv_grid(size)
        self.sx = size / n_u * (1 - 2 * margin)  # texels per unit of s
        self.sy = size / n_v * (1 - 2 * margin)
        self.x = ((u[0] * n_u) % 1.0 - margin) / (1 - 2 * margin) * self.sx  # (W,) texels from s = 0
        self.y = ((v[:, 0] * n_v) % 1.0 - margin) / (1 - 2 * margin) * self.sy  # (H,) texels from t = 0
        self.img = np.empty((size, size, 3))
        self.img[:] = base

    @property
    def s(self) -> np.ndarray:
        """(1, W) panel coordinate s of every texel column."""
        return (self.x / self.sx)[None, :]

    @property
    def t(self) -> np.ndarray:
        """(H, 1) panel coordinate t of every texel row."""
        return (self.y / self.sy)[:, None]

    def paint(self, coverage, color) -> None:
        """Blend ``color`` ((3,) or (H, W, 3)) over the image by ``coverage``: (H, W) or a ``Stamp``."""
        color = np.asarray(color, dtype=np.float64)
        if isinstance(coverage, Stamp):
            if coverage.rows.size == 0 or coverage.cols.size == 0:
                return
            window = np.ix_(coverage.rows, coverage.cols)
            sub = self.img[window]
            color = color[window] if color.ndim == 3 else color
            self.img[window] = sub + (color - sub) * coverage.a[..., None]
        else:
            self.img += (color - self.img) * np.asarray(coverage)[..., None]

    def _window(self, s0: float, t0: float, s1: float, t1: float):
        """Texel columns and rows within a texel of the box [s0, s1] x [t0, t1], and their coordinates."""
        cols = np.flatnonzero((self.x >= s0 * self.sx - 1.0) & (self.x <= s1 * self.sx + 1.0))
        rows = np.flatnonzero((self.y >= t0 * self.sy - 1.0) & (self.y <= t1 * self.sy + 1.0))
        return rows, cols, self.x[cols][None, :], self.y[rows][:, None]

    def rect(self, s0: float, t0: float, s1: float, t1: float, radius: float = 0.0) -> Stamp:
        """A rectangle, corners rounded by ``radius`` in units of the panel's shorter side."""
        rows, cols, x, y = self._window(s0, t0, s1, t1)
        r = radius * min(self.sx, self.sy)
        cx, cy = (s0 + s1) / 2 * self.sx, (t0 + t1) / 2 * self.sy
        hx, hy = (s1 - s0) / 2 * self.sx - r, (t1 - t0) / 2 * self.sy - r
        qx, qy = np.abs(x - cx) - hx, np.abs(y - cy) - hy
        sdf = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0) - r
        return Stamp(rows, cols, np.clip(0.5 - sdf, 0.0, 1.0))

    def ellipse(self, cs: float, ct: float, rs: float, rt: float) -> Stamp:
        """An ellipse centred on (cs, ct) with radii (rs, rt), panel units."""
        rows, cols, x, y = self._window(cs - rs, ct - rt, cs + rs, ct + rt)
        ax, ay = rs * self.sx, rt * self.sy
        dx, dy = x - cs * self.sx, y - ct * self.sy
        k = np.sqrt((dx / ax) ** 2 + (dy / ay) ** 2)
        grad = np.sqrt((dx / ax**2) ** 2 + (dy / ay**2) ** 2) / np.maximum(k, 1e-9)
        return Stamp(rows, cols, np.clip(0.5 - (k - 1.0) / np.maximum(grad, 1e-9), 0.0, 1.0))

    def dashes(self, rng, s0, s1, rows_t, height, word=(0.05, 0.16), gap=0.03, ragged=True) -> Stamp:
        """Text-like rows: at each t in ``rows_t`` a line ``height`` tall of dashes (words) whose lengths
        are drawn from ``word`` (panel units) separated by about ``gap``, filling [s0, s1]; with
        ``ragged`` a row may stop short, like the end of a paragraph."""
        rows_t = np.atleast_1d(np.asarray(rows_t, dtype=np.float64))
        if rows_t.size == 0:
            return Stamp(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 0)))
        rows, cols, x, y = self._window(s0, rows_t.min() - height / 2, s1, rows_t.max() + height / 2)
        x = x[0]
        table = np.zeros((len(rows_t) + 1, len(x)))  # the last row: no text
        for r in range(len(rows_t)):
            end = s1 - (rng.uniform(0.0, 0.6) * (s1 - s0) if ragged and rng.random() < 0.3 else 0.0)
            bounds, s = [], s0
            while s < end - word[0] / 2:
                length = min(rng.uniform(*word), end - s)
                bounds += [s, s + length]
                s += length + gap * rng.uniform(0.7, 1.3)
            if not bounds:
                continue
            b = np.asarray(bounds) * self.sx
            idx = np.searchsorted(b, x)
            left = b[np.clip(idx - 1, 0, len(b) - 1)]
            right = b[np.clip(idx, 0, len(b) - 1)]
            dist = np.minimum(np.abs(x - left), np.abs(right - x))
            table[r] = np.clip(0.5 + np.where(idx % 2 == 1, dist, -dist), 0.0, 1.0)
        d = np.abs(y - rows_t[None, :] * self.sy)  # (h, R)
        nearest = d.argmin(axis=1)
        cov_y = np.clip(height * self.sy / 2 + 0.5 - d[np.arange(len(d)), nearest], 0.0, 1.0)
        nearest[cov_y <= 0] = len(rows_t)
        return Stamp(rows, cols, cov_y[:, None] * table[nearest])


def sample_texture(texture: np.ndarray, uv: np.ndarray) -> np.ndarray:
    """(H, W, C) texture, (N, 2) uv -> (N, C) float64, bilinear with repeat, as OpenGL samples it.

    uv (0, 0) is the bottom-left corner of the image (row H - 1), texel centres at ((j + .5) / W,
    1 - (i + .5) / H).
    """
    tex = np.asarray(texture, dtype=np.float64)
    uv = np.asarray(uv, dtype=np.float64).reshape(-1, 2)
    h, w = tex.shape[:2]
    x = uv[:, 0] * w - 0.5
    y = (1.0 - uv[:, 1]) * h - 0.5
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]
    j0, i0 = x0.astype(np.int64) % w, y0.astype(np.int64) % h
    j1, i1 = (j0 + 1) % w, (i0 + 1) % h
    top = tex[i0, j0] * (1 - fx) + tex[i0, j1] * fx
    bottom = tex[i1, j0] * (1 - fx) + tex[i1, j1] * fx
    return top * (1 - fy) + bottom * fy
