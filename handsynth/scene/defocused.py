"""Out-of-focus background scenes (a room, shelves, foliage) painted coarse, blurred by depth, with bokeh;
numpy and scipy only (never render, dataset, bpy, pyrender, ray or torch)."""

import numpy as np
from scipy import ndimage

from handsynth.texture.color import hsv, smoothstep
from handsynth.texture.grid import F32, PixelGrid, bspline_weights
from handsynth.texture.noise import noise_grid


class _Canvas:
    """A low-resolution (3, n, n) picture of the unit square, painted in layers blurred by their depth."""

    def __init__(self, n: int, colour: np.ndarray):
        self.n = n
        self.y = np.linspace(0, 1, n, dtype=F32)[:, None]
        self.x = np.linspace(0, 1, n, dtype=F32)[None, :]
        self.rgb = np.broadcast_to(colour, (3, n, n)).astype(F32)
        self._alpha, self._layer = np.zeros((n, n), F32), np.zeros((3, n, n), F32)

    def noise(self, rng: np.random.Generator, cells: int, octaves: int = 1) -> np.ndarray:
        """(n, n) float32 value noise on the canvas, std about 1."""
        w = bspline_weights(np.linspace(0, 1, self.n), cells * 2 ** (octaves - 1) + 1)
        return w @ noise_grid(rng, cells, cells, octaves) @ w.T

    def _span(self, lo: float, hi: float) -> slice:
        """Canvas pixels covering [lo, hi) in unit coordinates, clipped to the canvas."""
        return slice(*(min(max(round(t * (self.n - 1)), 0), self.n) for t in (lo, hi)))

    def add(self, mask: np.ndarray, colour: np.ndarray, where: tuple[slice, slice] = (slice(None),) * 2):
        """Paint coverage ``mask`` (h, w) in [0, 1] of ``colour`` (3, 1, 1) or (3, h, w) into the current
        layer at canvas pixels ``where``."""
        a, rgb = self._alpha[where], self._layer[(slice(None), *where)]
        a *= 1 - mask
        a += mask
        rgb *= 1 - mask
        rgb += mask * colour

    def rect(self, y0: float, y1: float, x0: float, x1: float, colour: np.ndarray, shade: float = 0.0):
        """Paint a rectangle (unit coordinates) with a vertical shading ramp into the current layer."""
        sy, sx = self._span(y0, y1), self._span(x0, x1)
        ramp = 1 + F32(shade) * (self.y[sy] - F32((y0 + y1) / 2)) * F32(1 / max(y1 - y0, 1e-3))
        self.add(np.ones((1, 1), F32), colour * ramp, (sy, sx))

    def ellipse(self, yc: float, xc: float, ry: float, rx: float, colour: np.ndarray, shade: float = 0.0):
        """Paint an ellipse (unit coordinates) lit from above into the current layer."""
        sy, sx = self._span(yc - ry, yc + ry + 0.02), self._span(xc - rx, xc + rx + 0.02)
        m = ((self.y[sy] - F32(yc)) * F32(1 / ry)) ** 2 + ((self.x[:, sx] - F32(xc)) * F32(1 / rx)) ** 2 < 1
        self.add(m.astype(F32), colour * (1 - F32(shade / ry) * (self.y[sy] - F32(yc))), (sy, sx))

    def flush(self, sigma_px: float):
        """Blur the current layer by ``sigma_px`` canvas pixels and composite it over the picture."""
        alpha = ndimage.gaussian_filter(self._alpha, sigma_px, truncate=2.5)
        layer = ndimage.gaussian_filter(self._layer, (0, sigma_px, sigma_px), truncate=2.5)
        self.rgb = self.rgb * (1 - alpha) + layer
        self._alpha, self._layer = np.zeros_like(self._alpha), np.zeros_like(self._layer)


def _bokeh(rng: np.random.Generator, f: PixelGrid, img: np.ndarray, count: int, warm: float) -> np.ndarray:
    """Add ``count`` out-of-focus point lights (discs with a bright rim) to ``img`` (3, H, W), in place."""
    side = 1.0 / f.px
    for py, pxx, pr, pi, ph, ps in rng.random((count, 6)):
        r = (0.01 + 0.05 * pr**2) * side
        cy, cx = (py - 0.5) * side + f.height / 2 - 0.5, (pxx - 0.5) * side + f.width / 2 - 0.5
        y0, y1 = max(int(cy - r - 2), 0), min(int(cy + r + 3), f.height)
        x0, x1 = max(int(cx - r - 2), 0), min(int(cx + r + 3), f.width)
        if y0 >= y1 or x0 >= x1:
            continue
        yy, xx = np.ogrid[y0:y1, x0:x1]
        d = np.sqrt(((yy - cy) ** 2 + (xx - cx) ** 2).astype(F32))
        disc = np.clip((F32(r) - d) * F32(1 / max(1.2, 0.12 * r)) + F32(0.5), 0, 1)
        disc *= 0.8 + 0.2 * (d * F32(1 / r)) ** 4  # brighter rim
        colour = hsv(0.08 + 0.5 * (ph > warm) + 0.05 * ph, 0.15 + 0.45 * ps, 1.0) * F32(0.15 + 0.5 * pi)
        img[:, y0:y1, x0:x1] += colour * disc
    return img


def indoor(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
    """An out-of-focus room: wall, window light, furniture, doors, frames, plants, lamps at varied depths."""
    wall_col = hsv(rng.uniform(0.05, 0.15), rng.uniform(0.05, 0.3), rng.uniform(0.35, 0.85))
    cv = _Canvas(64, wall_col)
    cv.rgb *= 1 - F32(0.3 * rng.uniform(-1, 1)) * cv.x
    horizon = rng.uniform(0.55, 0.95)
    floor = hsv(rng.uniform(0.05, 0.12), rng.uniform(0.1, 0.5), rng.uniform(0.2, 0.6))
    cv.rect(horizon, 2, -1, 2, floor, 0.3)
    if rng.random() < 0.6:  # window with bright daylight and a mullion
        wy, wx = rng.uniform(-0.1, 0.4), rng.uniform(-0.1, 0.8)
        ww, wh = rng.uniform(0.2, 0.5), rng.uniform(0.3, 0.6)
        cv.rect(wy, wy + wh, wx, wx + ww, hsv(rng.uniform(0.5, 0.6), rng.uniform(0.0, 0.2), 1.0) * F32(1.1))
        cv.rect(wy, wy + wh, wx + ww / 2 - 0.01, wx + ww / 2 + 0.01, wall_col * F32(0.9))
    cv.flush(rng.uniform(1.5, 3))
    for depth in range(int(rng.integers(2, 4))):
        for _ in range(int(rng.integers(2, 5))):
            col = hsv(rng.random(), rng.uniform(0.05, 0.5), rng.uniform(0.1, 0.8))
            y0, x0 = rng.uniform(0.0, 0.9), rng.uniform(-0.2, 1.0)
            if rng.random() < 0.65:
                y1, x1 = y0 + rng.uniform(0.1, 0.8), x0 + rng.uniform(0.05, 0.5)
                cv.rect(y0, y1, x0, x1, col, rng.uniform(-0.3, 0.3))
            else:
                cv.ellipse(y0, x0, rng.uniform(0.05, 0.2), rng.uniform(0.05, 0.2), col, rng.uniform(0.0, 0.4))
        cv.flush(rng.uniform(1.0, 2.5) + 1.5 * depth)
    return _bokeh(rng, f, f.sample(cv.rgb), int(rng.integers(0, 12)), warm=0.8)


def shelves(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
    """Out-of-focus shelves: boards holding rows of books, boxes, jars and plants in front of a wall."""
    cv = _Canvas(96, hsv(rng.uniform(0.05, 0.15), rng.uniform(0.03, 0.25), rng.uniform(0.4, 0.9)))
    board_col = hsv(rng.uniform(0.06, 0.1), rng.uniform(0.0, 0.6), rng.uniform(0.3, 0.9))
    pitch, top = rng.uniform(0.22, 0.4), rng.uniform(-0.1, 0.15)
    for i in range(5):
        base, x = top + (i + 1) * pitch, rng.uniform(-0.2, 0.05)
        while x < 1.1:
            kind, width, height = rng.random(), rng.uniform(0.015, 0.05), rng.uniform(0.5, 0.9) * pitch
            col = hsv(rng.random(), rng.uniform(0.1, 0.45), rng.uniform(0.15, 0.8))
            if kind < 0.7:  # a book
                cv.rect(base - height, base, x, x + width, col, rng.uniform(-0.3, 0.3))
            elif kind < 0.85:  # a box or a basket
                width = rng.uniform(0.08, 0.2)
                cv.rect(base - height * 0.6, base, x, x + width, col, 0.3)
            else:  # a jar or a plant
                width = rng.uniform(0.05, 0.15)
                if rng.random() < 0.5:
                    col = hsv(rng.uniform(0.22, 0.35), 0.45, rng.uniform(0.2, 0.5))
                cv.ellipse(base - height * 0.4, x + width / 2, height * 0.4, width / 2, col, 0.4)
            x += width + (rng.uniform(0.0, 0.2) if rng.random() < 0.15 else 0.002)
        cv.rect(base, base + rng.uniform(0.02, 0.04), -1, 2, board_col, -0.5)
    cv.flush(rng.uniform(1.3, 3.0))
    return _bokeh(rng, f, f.sample(cv.rgb), int(rng.integers(0, 6)), warm=0.9)


def foliage(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
    """An out-of-focus outdoor scene: sky, leafy canopy in depth layers, trunks, sunlit specks, a lawn."""
    cv = _Canvas(64, hsv(rng.uniform(0.55, 0.62), rng.uniform(0.05, 0.3), rng.uniform(0.75, 1.0)))
    cv.rgb *= 1 - F32(0.2) * cv.y
    ground = rng.uniform(0.6, 1.1)
    cv.rect(ground, 2, -1, 2, hsv(rng.uniform(0.08, 0.3), rng.uniform(0.2, 0.5), rng.uniform(0.2, 0.55)), 0.3)
    cv.flush(2.0)
    hue, cover = rng.uniform(0.17, 0.32), rng.uniform(-0.8, 0.6)
    for depth in range(3):
        if rng.random() < 0.5:  # a trunk
            x = rng.uniform(0, 1)
            bark = hsv(0.07, 0.4, rng.uniform(0.1, 0.3))
            cv.rect(rng.uniform(0, 0.5), ground + 0.1, x, x + rng.uniform(0.02, 0.06), bark)
        leaves = cv.noise(rng, int(rng.integers(4, 9)), octaves=2) + F32(cover)
        if depth == 0:  # the far canopy thins out towards the ground
            leaves -= F32(1.2) * (cv.y - F32(0.3))
        value = rng.uniform(0.15, 0.45) * (0.8 + 0.25 * depth)
        green = hsv(hue + rng.normal(0, 0.03), rng.uniform(0.3, 0.65), value)
        tint = 1 + F32(0.25) * cv.noise(rng, 4) + F32(0.3) * np.clip(leaves - 0.5, -1, 1)
        cv.add(smoothstep(-0.2, 0.2, leaves), green * tint)
        cv.flush(rng.uniform(2.5, 3.5) - 0.8 * depth)
    return _bokeh(rng, f, f.sample(cv.rgb), int(rng.integers(0, 20)), warm=1.1)
