"""Procedural background generators (wood, fabric, stone, walls, blurred rooms…); numpy and scipy only, never
bpy, pyrender, ray or torch.

Every generator is ``generator(rng, frame) -> (H, W, 3) float32`` with values roughly in [0, 1] (sRGB, before
the shared lighting, white balance and sensor noise of ``backgrounds.procedural_background``). Content lives in
a canonical unit square; an image of any size is a centred window onto it (the longer side spans [0, 1]), so
the same generator draws give the same picture at every resolution. The number of random draws never depends
on the resolution.
"""

import colorsys

import numpy as np
from scipy import ndimage


class Frame:
    """The pixel grid of one image in canonical coordinates: ``y`` (H, 1) and ``x`` (1, W) float32 in [0, 1]."""

    def __init__(self, height: int, width: int):
        side = max(height, width)
        self.height, self.width, self.px = height, width, 1.0 / side
        self.y = ((np.arange(height, dtype=np.float32) + 0.5 - height / 2) / side + 0.5)[:, None]
        self.x = ((np.arange(width, dtype=np.float32) + 0.5 - width / 2) / side + 0.5)[None, :]
        self._weights: dict[tuple[str, int], np.ndarray] = {}

    def weights(self, axis: str, n: int) -> np.ndarray:
        """(P, n) float32 cubic B-spline weights from ``n`` grid nodes spanning [0, 1] to this axis's pixels."""
        key = (axis, n)
        if key not in self._weights:
            self._weights[key] = _bspline_weights((self.y if axis == "y" else self.x).ravel(), n)
        return self._weights[key]

    def sample(self, grid: np.ndarray) -> np.ndarray:
        """(gh, gw) or (gh, gw, C) grid over the unit square -> (H, W) or (H, W, C) float32, smooth."""
        wy, wx = self.weights("y", grid.shape[0]), self.weights("x", grid.shape[1]).T
        grid = grid.astype(np.float32, copy=False)
        if grid.ndim == 2:
            return wy @ grid @ wx
        return np.stack([wy @ grid[..., c] @ wx for c in range(grid.shape[2])], axis=-1)


def _bspline_weights(coords: np.ndarray, n: int) -> np.ndarray:
    """(P,) coordinates in [0, 1] -> (P, n) float32 interpolation matrix (cubic B-spline, clamped ends)."""
    t = np.clip(coords, 0.0, 1.0) * (n - 1)
    i = np.floor(t).astype(np.int64)
    f = (t - i).astype(np.float32)
    taps = ((1 - f) ** 3 / 6, (3 * f**3 - 6 * f**2 + 4) / 6, (-3 * f**3 + 3 * f**2 + 3 * f + 1) / 6, f**3 / 6)
    m = np.zeros((len(coords), n), np.float32)
    rows = np.arange(len(coords))
    for k, w in zip(range(-1, 3), taps, strict=True):  # one tap per statement: no index repeats within one
        m[rows, np.clip(i + k, 0, n - 1)] += w
    return m


def noise_grid(rng: np.random.Generator, cells_y: int, cells_x: int | None = None, octaves: int = 1,
               gain: float = 0.5) -> np.ndarray:
    """(gy, gx) float32 fractal value-noise grid over the unit square, std about 1 once sampled.

    ``cells_*`` is the number of cells across the unit square for the coarsest octave. Octaves are combined
    on the finest grid, so any number of octaves costs one full-resolution sampling.
    """
    cells_x = cells_y if cells_x is None else cells_x
    scale = 2 ** (octaves - 1)
    ny, nx = cells_y * scale + 1, cells_x * scale + 1
    total, norm = np.zeros((ny, nx), np.float32), 0.0
    for o in range(octaves):
        g = rng.standard_normal((cells_y * 2**o + 1, cells_x * 2**o + 1)).astype(np.float32)
        if o < octaves - 1:
            g = _bspline_weights(np.linspace(0, 1, ny), g.shape[0]) @ g @ _bspline_weights(
                np.linspace(0, 1, nx), g.shape[1]).T
        total += gain**o * g
        norm += gain ** (2 * o)
    return total * np.float32(1.45 / np.sqrt(norm))


def noise(rng: np.random.Generator, f: Frame, cells_y: int, cells_x: int | None = None, octaves: int = 1,
          gain: float = 0.5) -> np.ndarray:
    """(H, W) float32 smooth value noise, mean 0 and std about 1 (see ``noise_grid``)."""
    return f.sample(noise_grid(rng, cells_y, cells_x, octaves, gain))


def relief(f: Frame, height: np.ndarray, angle: float) -> np.ndarray:
    """(H, W) float32 slope of a height grid (gy, gx) towards a light at ``angle``: shading of folds, creases."""
    gy, gx = np.gradient(height)
    return f.sample(gx * np.float32(np.cos(angle) * (height.shape[1] - 1))
                    + gy * np.float32(np.sin(angle) * (height.shape[0] - 1)))


def hsv(h: float, s: float, v: float) -> np.ndarray:
    """(3,) float32 RGB of a hue/saturation/value colour (hue wraps around)."""
    return np.array(colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0.0), 1.0), min(max(v, 0.0), 1.0)), np.float32)


def mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Colours (3,) or (H, W, 3) blended by weights (H, W) -> (H, W, 3) float32."""
    return a + (b - a) * t[..., None]


def smoothstep(e0: float, e1: float, t: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at ``e0`` to 1 at ``e1``, same shape as ``t``."""
    u = np.clip((t - e0) / (e1 - e0), 0.0, 1.0)
    return u * u * (3 - 2 * u)


def rotated(f: Frame, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) coordinates along and across direction ``angle`` (radians), centred on the unit square."""
    c, s = np.float32(np.cos(angle)), np.float32(np.sin(angle))
    x, y = f.x - 0.5, f.y - 0.5
    return x * c + y * s, y * c - x * s


def _fade(period: float, f: Frame) -> float:
    """Contrast kept for a pattern of ``period`` (unit square) at this resolution: 0 below 2 px, 1 above 4 px."""
    return float(np.clip(period / f.px / 2 - 1, 0.0, 1.0))


def _grid_cells(u: np.ndarray, v: np.ndarray, offset_rows: float = 0.0):
    """Running-bond cells of unit size: (row, col) int and (fu, fv) fractions in [0, 1) for coords (H, W)."""
    row = np.floor(v)
    u = u + offset_rows * (row % 2)
    col = np.floor(u)
    return row.astype(np.int64), col.astype(np.int64), u - col, v - row


def _cell_random(table: np.ndarray, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """Per-cell values from a (K,) table, hashed from integer cell ids (H, W)."""
    return table[(row * 92821 + col * 68917) % len(table)]


# ----------------------------------------------------------------------------------------------- surfaces
def wood(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Planks or a single board: growth rings warped by noise, knots, pores, per-plank tone, seams, joints."""
    h, s, v = rng.uniform(0.045, 0.1), rng.uniform(0.35, 0.7), rng.uniform(0.3, 0.82)
    if rng.random() < 0.2:  # grey-washed, whitewashed or weathered
        s, v = s * rng.uniform(0.1, 0.4), rng.uniform(0.45, 0.85)
    light = hsv(h, s, v)
    dark = hsv(h + rng.uniform(-0.01, 0.01), s * 1.1, v * rng.uniform(0.5, 0.75))
    vertical = rng.random() < 0.5
    along, across = (f.y, f.x) if vertical else (f.x, f.y)
    across = across + np.float32(np.tan(rng.uniform(-0.06, 0.06))) * along
    width = rng.uniform(0.09, 0.33) if rng.random() < 0.75 else 100.0
    length = rng.uniform(0.5, 1.6)
    plank = np.floor(across / width + rng.random()).astype(np.int64)
    table = rng.random((4, 97)).astype(np.float32)
    u_board = along / length + table[0][plank % 97]
    board = plank * 3 + np.floor(u_board).astype(np.int64)
    cy, cx = (3, int(rng.integers(14, 30))) if vertical else (int(rng.integers(14, 30)), 3)
    warp = noise(rng, f, cy, cx, octaves=3)
    freq = rng.uniform(12, 40)
    t = across * np.float32(freq) + np.float32(rng.uniform(0.5, 1.8)) * warp + _cell_random(table[1] * 9, board, 0)
    knots = rng.random((3, 5))
    for ka, kb, kr, amp, on in knots:
        if on < 0.25:
            d2 = ((along - ka) / np.float32(0.06 + 0.1 * kr)) ** 2 + ((across - kb) / np.float32(0.01 + 0.02 * kr)) ** 2
            t = t + np.float32(1 + 3 * amp) * np.exp(-d2)
    r = t - np.floor(t)
    ring = smoothstep(0.4, 0.88, r) * smoothstep(1.0, 0.93, r)
    fine = np.sin(np.float32(3 * np.pi) * t) ** 2
    fy, fx = (6, 180) if vertical else (180, 6)
    pores = noise(rng, f, fy, fx)
    mottle = noise(rng, f, 5, 5, octaves=3)
    tone = _fade(1 / freq, f) * (ring * rng.uniform(0.35, 0.8) + 0.12 * fine * _fade(1 / freq / 3, f))
    tone += 0.06 * pores * _fade(1 / 180, f) + 0.1 * mottle + (_cell_random(table[2], board, 0) - 0.5) * rng.uniform(
        0.1, 0.5)
    img = mix(light, dark, np.clip(tone, -0.3, 1.3))
    gap = rng.uniform(0.6, 1.4) * f.px
    seam = np.minimum(np.abs(across / width + table[3][0] - np.round(across / width + table[3][0])) * width,
                      np.abs(u_board - np.round(u_board)) * length)
    return img * (1 - 0.4 * smoothstep(gap * 1.5, 0.0, seam))[..., None]


def fabric(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A woven cloth (plain, twill or basket weave), heathered yarn, maybe a check, and soft folds."""
    a, b = rotated(f, rng.uniform(0, np.pi))
    threads = rng.uniform(70, 170)
    ia, ib = np.floor(a * threads), np.floor(b * threads)
    fa, fb = a * threads - ia, b * threads - ib
    weave = int(rng.choice(3, p=[0.5, 0.35, 0.15]))
    if weave == 0:
        warp_up = (ia + ib) % 2 == 0
    elif weave == 1:
        warp_up = (ia + ib) % 3 != 0
    else:
        warp_up = (np.floor(ia / 2) + np.floor(ib / 2)) % 2 == 0
    profile = np.where(warp_up, np.sin(np.pi * fa), np.sin(np.pi * fb)) ** 0.6
    h = rng.random()
    warp_col = hsv(h, rng.uniform(0.05, 0.45), rng.uniform(0.2, 0.8))
    if rng.random() < 0.6:
        weft_col = warp_col * rng.uniform(0.85, 1.05)
    else:  # denim- or chambray-like: a pale or dark weft
        weft_col = hsv(h + rng.normal(0, 0.03), rng.uniform(0.0, 0.15), rng.choice([0.15, 0.85]) + rng.uniform(0, 0.1))
    per_thread = rng.standard_normal((2, 512)).astype(np.float32) * rng.uniform(0.02, 0.1)
    yarn = np.where(warp_up, per_thread[0][ia.astype(np.int64) % 512], per_thread[1][ib.astype(np.int64) % 512])
    img = mix(weft_col, warp_col, warp_up.astype(np.float32) * rng.uniform(0.4, 0.8))
    if rng.random() < 0.3:  # a woven check in white, a darker shade or a neighbouring hue
        period = rng.uniform(0.04, 0.2)
        band = (np.floor(a / period) % 2 + np.floor(b / period) % 2) / 2
        second = (hsv(h, 0.05, 0.9), warp_col * 0.5, hsv(h + 0.1, 0.3, 0.6))[int(rng.integers(3))]
        img = mix(img, second, band.astype(np.float32) * rng.uniform(0.5, 0.9))
    detail = _fade(1 / threads, f)
    shade = 1 + detail * (rng.uniform(0.15, 0.35) * (profile - 0.7) + yarn) + 0.05 * noise(rng, f, 90)
    folds = noise_grid(rng, int(rng.integers(2, 4)), int(rng.integers(3, 7)), octaves=2)
    light = rng.uniform(0, 2 * np.pi)
    shade = shade * (1 + rng.uniform(0.02, 0.06) * relief(f, folds, light) + 0.05 * f.sample(folds))
    return img * shade[..., None]


def marble(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Polished marble: cloudy base, a few turbulent main veins and patches of fine ones; five stone colours."""
    style = int(rng.choice(5, p=[0.4, 0.2, 0.15, 0.1, 0.15]))
    h = rng.random()
    base, vein = {
        0: (hsv(h, rng.uniform(0, 0.05), rng.uniform(0.82, 0.95)), hsv(h, 0.05, rng.uniform(0.3, 0.6))),
        1: (hsv(h, rng.uniform(0, 0.06), rng.uniform(0.5, 0.7)), hsv(h, 0.03, rng.uniform(0.85, 0.95))),
        2: (hsv(h, rng.uniform(0, 0.1), rng.uniform(0.08, 0.2)), hsv(h, 0.03, rng.uniform(0.7, 0.9))),
        3: (hsv(rng.uniform(0.35, 0.5), rng.uniform(0.2, 0.45), rng.uniform(0.15, 0.35)),
            hsv(0.4, 0.1, rng.uniform(0.6, 0.85))),
        4: (hsv(rng.uniform(0.07, 0.12), rng.uniform(0.12, 0.3), rng.uniform(0.7, 0.85)),
            hsv(rng.uniform(0.07, 0.1), rng.uniform(0.25, 0.4), rng.uniform(0.45, 0.6))),
    }[style]
    a, _ = rotated(f, rng.uniform(0, np.pi))
    veins = np.zeros(np.broadcast_shapes(f.y.shape, f.x.shape), np.float32)
    for scale, amp, width, strength in ((rng.uniform(1, 2.5), rng.uniform(0.06, 0.2), rng.uniform(20, 60), 1.0),
                                         (rng.uniform(3, 7), rng.uniform(0.04, 0.1), rng.uniform(30, 80), 0.6)):
        turb = noise(rng, f, int(rng.integers(3, 6)), octaves=4, gain=0.6)
        s = np.abs(np.sin(np.float32(np.pi * scale) * (a + np.float32(amp) * turb)))
        presence = smoothstep(-1.2, 0.5, noise(rng, f, 3, octaves=2))
        line = (1 - s) ** np.float32(width) + 0.25 * (1 - s) ** 4
        veins = np.maximum(veins, strength * presence * line)
    cloud = noise(rng, f, 3, octaves=4)
    img = mix(base, vein, np.clip(veins * rng.uniform(0.6, 1.0) + 0.1 + 0.12 * cloud * rng.uniform(0.5, 1.5), 0, 1))
    return img * (1 + 0.015 * noise(rng, f, 120))[..., None]


def stone(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Granite or terrazzo: grains or chips of three or four mineral colours in a matrix, or layered slate."""
    kind = int(rng.choice(3, p=[0.45, 0.3, 0.25]))
    h = rng.uniform(0, 1) if rng.random() < 0.3 else rng.uniform(0.03, 0.12)
    base = hsv(h, rng.uniform(0.02, 0.2), rng.uniform(0.25, 0.8))
    cells = (int(rng.integers(60, 110)), int(rng.integers(18, 40)), 3)[kind]
    grains = [noise(rng, f, cells) for _ in range(2)]
    if kind == 2:  # slate: dark, layered, low contrast
        base = hsv(rng.uniform(0.5, 0.65), rng.uniform(0.05, 0.15), rng.uniform(0.18, 0.35))
        layers = noise(rng, f, 40, 3, octaves=3)
        return mix(base, base * 1.35, np.clip(0.5 + 0.3 * layers + 0.1 * grains[0], 0, 1))
    img = np.broadcast_to(base, grains[0].shape + (3,)).copy()
    for g in grains:
        col = hsv(h + rng.normal(0, 0.05), rng.uniform(0.0, 0.3), rng.uniform(0.05, 0.95))
        edge = 0.15 if kind == 0 else 0.08
        thr = rng.uniform(0.7, 1.3)
        img = mix(img, col, smoothstep(thr - edge, thr + edge, g))
    cloud = noise(rng, f, 4, octaves=3)
    return img * (1 + 0.06 * cloud)[..., None]


def wall(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A painted wall: soft light pools and shadows, fine roller texture, maybe a corner, skirting or switch."""
    if rng.random() < 0.55:
        col = hsv(rng.uniform(0.06, 0.14), rng.uniform(0.02, 0.15), rng.uniform(0.7, 0.92))
    else:
        col = hsv(rng.random(), rng.uniform(0.06, 0.25), rng.uniform(0.4, 0.85))
    shade = 1 + rng.uniform(0.01, 0.04) * noise(rng, f, int(rng.integers(60, 140)))
    shade += rng.uniform(0.03, 0.1) * noise(rng, f, 2, octaves=2)
    cy, cx, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.2, 0.6)
    pool = np.exp(-((f.y - cy) ** 2 + (f.x - cx) ** 2) / np.float32(r * r))
    shade += rng.uniform(-0.25, 0.45) * pool
    img = np.broadcast_to(col * shade[..., None], shade.shape + (3,)).copy()
    if rng.random() < 0.35:  # a corner: the other wall gets less light
        xc = rng.uniform(0.15, 0.85)
        side = smoothstep(xc - f.px, xc + f.px, f.x + np.float32(rng.uniform(-0.05, 0.05)) * (f.y - 0.5))
        img *= (1 - rng.uniform(0.15, 0.4) * side)[..., None]
    if rng.random() < 0.25:  # skirting board and a floor below it
        y0 = rng.uniform(0.65, 0.9)
        board = smoothstep(y0 - f.px, y0 + f.px, f.y)
        floor = smoothstep(y0 + 0.05 - f.px, y0 + 0.05 + f.px, f.y)
        img = mix(img, col * 1.08 * np.ones((1, 1, 3), np.float32), np.broadcast_to(board, shade.shape))
        wood_col = hsv(rng.uniform(0.05, 0.1), rng.uniform(0.2, 0.6), rng.uniform(0.25, 0.6))
        img = mix(img, wood_col * (1 + 0.05 * noise(rng, f, 40, 4))[..., None], np.broadcast_to(floor, shade.shape))
    if rng.random() < 0.2:  # light switch or socket plate with a soft shadow
        y0, x0, size = rng.uniform(0.1, 0.7), rng.uniform(0.1, 0.8), rng.uniform(0.06, 0.12)
        d = np.maximum(np.abs(f.y - y0 - size / 2), np.abs(f.x - x0 - size / 2)) - size / 2
        img *= (1 - 0.25 * smoothstep(0.02, 0.0, d - 0.008) * (d > 0))[..., None]
        img = mix(img, hsv(0.1, 0.03, 0.93) * (1 - 0.6 * (f.y - y0))[..., None] * 0.95,
                  smoothstep(f.px, -f.px, d))
    return img


def tiles(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Ceramic tiles (square, subway or checker) with grout, bevelled edges, glaze variation and a highlight."""
    size = rng.uniform(0.07, 0.28)
    style = int(rng.choice(3, p=[0.55, 0.3, 0.15]))
    tw, th = (size, size) if style != 1 else (size, size / 2)
    a, b = rotated(f, rng.uniform(-0.06, 0.06) + (np.pi / 4 if rng.random() < 0.1 else 0))
    row, col, fu, fv = _grid_cells(a / tw + rng.random(), b / th + rng.random(), 0.5 if style == 1 else 0.0)
    edge = np.minimum(np.minimum(fu, 1 - fu) * tw, np.minimum(fv, 1 - fv) * th)
    grout_w = max(rng.uniform(0.012, 0.05) * size, 0.6 * f.px)
    tile_mask = smoothstep(grout_w - f.px, grout_w + f.px, edge)
    if rng.random() < 0.6:
        tcol = hsv(rng.uniform(0.05, 0.15), rng.uniform(0.0, 0.12), rng.uniform(0.75, 0.95))
    else:
        tcol = hsv(rng.random(), rng.uniform(0.1, 0.45), rng.uniform(0.3, 0.8))
    table = rng.standard_normal((3, 101)).astype(np.float32)
    jitter = _cell_random(table[0], row, col) * rng.uniform(0.01, 0.06)
    img = np.broadcast_to(tcol, edge.shape + (3,)) * (1 + jitter)[..., None]
    if style == 2:
        other = hsv(rng.random(), rng.uniform(0.0, 0.3), rng.uniform(0.1, 0.5))
        img = mix(img, other, ((row + col) % 2).astype(np.float32))
    bevel = 1 - 0.12 * np.exp(-(edge - grout_w) / np.float32(0.06 * size)) + 0.04 * np.tanh((fv - 0.5) * 8)
    img *= (bevel * (1 + 0.02 * noise(rng, f, 60)))[..., None]
    grout = hsv(rng.uniform(0.05, 0.12), rng.uniform(0.0, 0.15), rng.uniform(0.3, 0.8))
    img = mix(grout * (1 + 0.08 * noise(rng, f, 150))[..., None], img, tile_mask)
    gy, gx, gr = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.1, 0.35)
    gloss = np.exp(-((f.y - gy) ** 2 + (f.x - gx) ** 2) / np.float32(gr * gr)) * tile_mask
    gloss *= rng.uniform(0.0, 0.35) * (1 + 0.5 * _cell_random(table[1], row, col))
    return img + gloss[..., None]


def bricks(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A brick wall in running bond: rough bricks of varied tone, recessed mortar, maybe painted over."""
    bw = rng.uniform(0.12, 0.3)
    bh = bw / rng.uniform(2.6, 3.6)
    a, b = rotated(f, rng.uniform(-0.03, 0.03))
    rough = noise(rng, f, 30, octaves=3)
    row, col, fu, fv = _grid_cells(a / bw + rng.random() + 0.01 * rough, b / bh + rng.random(), 0.5)
    edge = np.minimum(np.minimum(fu, 1 - fu) * bw, np.minimum(fv, 1 - fv) * bh) + 0.004 * bh / 0.05 * rough
    mortar_w = max(rng.uniform(0.06, 0.14) * bh, 0.7 * f.px)
    brick_mask = smoothstep(mortar_w - f.px, mortar_w + f.px, edge)
    painted = rng.random() < 0.2
    if painted:
        bcol = hsv(rng.uniform(0.05, 0.6), rng.uniform(0.0, 0.1), rng.uniform(0.7, 0.92))
        spread, mcol = 0.03, bcol * 0.95
    else:
        bcol = hsv(rng.uniform(0.0, 0.08), rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65))
        spread = rng.uniform(0.08, 0.2)
        mcol = hsv(rng.uniform(0.06, 0.12), rng.uniform(0.03, 0.15), rng.uniform(0.5, 0.78))
    table = rng.standard_normal((2, 89)).astype(np.float32)
    tone = 1 + spread * _cell_random(table[0], row, col) + 0.12 * rough + 0.05 * noise(rng, f, 140)
    tint = np.array([1, -0.5, -1], np.float32) * (0.0 if painted else 0.05)
    img = bcol * tone[..., None] * (1 + _cell_random(table[1], row, col)[..., None] * tint)
    mortar_shade = 0.7 + 0.3 * smoothstep(0.0, 0.3, fv) + 0.06 * noise(rng, f, 120)
    return mix(mcol * mortar_shade[..., None], img, brick_mask)


def carpet(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Cut or loop pile carpet: dense fibre noise, flecks of a second yarn, soft wear marks."""
    col = hsv(rng.random(), rng.uniform(0.05, 0.35), rng.uniform(0.2, 0.7))
    fibres = noise(rng, f, int(rng.integers(120, 180)))
    tufts = noise(rng, f, int(rng.integers(50, 90)))
    lum = 1 + 0.2 * fibres * _fade(1 / 150, f) + 0.12 * tufts
    if rng.random() < 0.4:  # loop pile in rows
        a, b = rotated(f, rng.uniform(-0.05, 0.05) + rng.choice([0, np.pi / 2]))
        period = rng.uniform(0.01, 0.025)
        lum += 0.15 * _fade(period, f) * (np.abs(np.sin(np.pi * b / np.float32(period))) - 0.6)
    lum += rng.uniform(0.02, 0.08) * noise(rng, f, 3, octaves=3)
    img = col * lum[..., None]
    flecks = noise(rng, f, int(rng.integers(80, 140)))
    fleck_col = hsv(rng.random(), rng.uniform(0.0, 0.3), rng.uniform(0.1, 0.9))
    return mix(img, fleck_col, smoothstep(1.6, 2.2, flecks) * rng.uniform(0.0, 1.0))


def paper(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """White or cream paper (maybe crumpled or ruled) or kraft cardboard with fibres, specks and tape."""
    kraft = rng.random() < 0.45
    if kraft:
        col = hsv(rng.uniform(0.07, 0.1), rng.uniform(0.3, 0.55), rng.uniform(0.5, 0.75))
    else:
        col = hsv(rng.uniform(0.08, 0.16), rng.uniform(0.0, 0.12), rng.uniform(0.82, 0.97))
    angle = rng.uniform(0, np.pi)
    a, b = rotated(f, angle)
    fibre_y, fibre_x = (int(rng.integers(100, 160)), 40) if rng.random() < 0.5 else (40, int(rng.integers(100, 160)))
    lum = 1 + 0.03 * noise(rng, f, fibre_y, fibre_x) + 0.04 * noise(rng, f, 4, octaves=3)
    specks = noise(rng, f, 130)
    lum -= (0.25 if kraft else 0.1) * smoothstep(2.0, 2.6, specks)
    if kraft and rng.random() < 0.6:  # corrugation showing through
        period = rng.uniform(0.015, 0.03)
        lum += 0.025 * _fade(period, f) * np.sin(np.float32(2 * np.pi / period) * a)
    crumple = rng.uniform(0.005, 0.02) if rng.random() < 0.45 else 0.0
    creases = np.abs(noise_grid(rng, int(rng.integers(3, 7)), octaves=3))  # ridges where the sheet folded
    lum += crumple * relief(f, creases, rng.uniform(0, 2 * np.pi))
    img = col * lum[..., None]
    if not kraft and rng.random() < 0.25:  # ruled notebook lines
        spacing = rng.uniform(0.03, 0.06)
        line = smoothstep(1.2 * f.px, 0.3 * f.px, np.abs(b - spacing * np.round(b / spacing)))
        img = mix(img, hsv(0.58, 0.35, 0.75), line * 0.7)
    if rng.random() < 0.3:  # a strip of packing or masking tape
        c, w = rng.uniform(-0.3, 0.3), rng.uniform(0.06, 0.12)
        strip = smoothstep(w / 2 + f.px, w / 2 - f.px, np.abs(a - c))
        img = mix(img, hsv(rng.uniform(0.08, 0.12), rng.uniform(0.1, 0.4), 0.9), strip * 0.45)
    return img


def concrete(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Concrete or plaster: multi-scale mottling, pits, stains, maybe a crack and formwork tie holes."""
    col = hsv(rng.uniform(0.05, 0.6), rng.uniform(0.0, 0.08), rng.uniform(0.4, 0.75))
    lum = 1 + rng.uniform(0.05, 0.12) * noise(rng, f, 4, octaves=5, gain=0.6)
    lum += 0.04 * noise(rng, f, 130)
    pits = noise(rng, f, int(rng.integers(70, 120)))
    lum -= rng.uniform(0.1, 0.35) * smoothstep(1.8, 2.4, pits)
    lum -= rng.uniform(0.0, 0.15) * smoothstep(0.5, 1.5, noise(rng, f, 3, octaves=2))
    if rng.random() < 0.3:  # a crack
        a, b = rotated(f, rng.uniform(0, np.pi))
        wander = noise(rng, f, 8, octaves=3)
        lum -= 0.35 * smoothstep(2 * f.px, 0.0, np.abs(b - rng.uniform(-0.3, 0.3) + 0.03 * wander))
    if rng.random() < 0.3:  # formwork tie holes on a grid
        step = rng.uniform(0.25, 0.5)
        oy, ox = rng.random(2)
        dy = (f.y / step + oy) % 1 - 0.5
        dx = (f.x / step + ox) % 1 - 0.5
        d = np.sqrt(dy * dy + dx * dx) * step
        lum *= 1 - 0.35 * smoothstep(0.015 + f.px, 0.015 - f.px, d)
    return col * lum[..., None]


# ------------------------------------------------------------------------------------- out-of-focus scenes
class _Canvas:
    """A low-resolution RGB picture of the unit square, painted in layers that are blurred by depth."""

    def __init__(self, n: int, colour: np.ndarray):
        self.n = n
        self.y = np.linspace(0, 1, n, dtype=np.float32)[:, None]
        self.x = np.linspace(0, 1, n, dtype=np.float32)[None, :]
        self.rgb = np.broadcast_to(colour, (n, n, 3)).astype(np.float32)
        self._layer: list[tuple[np.ndarray, np.ndarray]] = []

    def noise(self, rng: np.random.Generator, cells: int, octaves: int = 1) -> np.ndarray:
        """(n, n) float32 value noise on the canvas, std about 1."""
        w = _bspline_weights(np.linspace(0, 1, self.n), cells * 2 ** (octaves - 1) + 1)
        return w @ noise_grid(rng, cells, cells, octaves) @ w.T

    def add(self, mask: np.ndarray, colour: np.ndarray):
        """Queue a shape: coverage (n, n) in [0, 1] and colour (3,) or (n, n, 3), into the current layer."""
        self._layer.append((np.broadcast_to(mask, (self.n, self.n)).astype(np.float32), colour))

    def rect(self, y0, y1, x0, x1, colour, shade=0.0):
        """Queue a rectangle (unit coords) with a vertical shading ramp into the current layer."""
        m = (self.y >= y0) & (self.y < y1) & (self.x >= x0) & (self.x < x1)
        self.add(m, colour * (1 + shade * (self.y - (y0 + y1) / 2) / max(y1 - y0, 1e-3))[..., None])

    def ellipse(self, yc, xc, ry, rx, colour, shade=0.0):
        """Queue an ellipse (unit coords) lit from above into the current layer."""
        m = ((self.y - yc) / ry) ** 2 + ((self.x - xc) / rx) ** 2 < 1
        self.add(m, colour * (1 - shade * (self.y - yc) / ry)[..., None])

    def flush(self, sigma_px: float):
        """Composite the queued shapes (later over earlier), blur them by ``sigma_px`` canvas pixels as one
        layer, and composite that layer over the picture."""
        alpha, rgb = np.zeros((self.n, self.n), np.float32), np.zeros((self.n, self.n, 3), np.float32)
        for m, col in self._layer:
            alpha = alpha * (1 - m) + m
            rgb = rgb * (1 - m[..., None]) + m[..., None] * col
        alpha = ndimage.gaussian_filter(alpha, sigma_px, truncate=2.5)
        rgb = ndimage.gaussian_filter(rgb, (sigma_px, sigma_px, 0), truncate=2.5)
        self.rgb = self.rgb * (1 - alpha[..., None]) + rgb
        self._layer = []


def _bokeh(rng: np.random.Generator, f: Frame, img: np.ndarray, count: int, warm: float) -> np.ndarray:
    """Add ``count`` out-of-focus point lights (discs with a soft rim) to ``img`` (H, W, 3), in place."""
    side = 1.0 / f.px
    params = rng.random((count, 6))
    for py, pxx, pr, pi, ph, ps in params:
        r = (0.01 + 0.05 * pr**2) * side
        cy = (py - 0.5) * side + f.height / 2 - 0.5
        cx = (pxx - 0.5) * side + f.width / 2 - 0.5
        y0, y1 = max(int(cy - r - 2), 0), min(int(cy + r + 3), f.height)
        x0, x1 = max(int(cx - r - 2), 0), min(int(cx + r + 3), f.width)
        if y0 >= y1 or x0 >= x1:
            continue
        yy, xx = np.ogrid[y0:y1, x0:x1]
        d = np.sqrt((yy - cy) ** 2 + (xx - cx) ** 2, dtype=np.float32)
        disc = np.clip((r - d) / max(1.2, 0.12 * r) + 0.5, 0, 1) * (0.8 + 0.2 * (d / r) ** 4)
        colour = hsv(0.08 + 0.5 * (ph > warm) + 0.05 * ph, 0.15 + 0.45 * ps, 1.0)
        img[y0:y1, x0:x1] += disc[..., None] * colour * np.float32(0.15 + 0.5 * pi)
    return img


def indoor(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """An out-of-focus room: wall, window light, furniture, doors, frames, plants and lamps at varied depths."""
    wall_col = hsv(rng.uniform(0.05, 0.15), rng.uniform(0.05, 0.3), rng.uniform(0.35, 0.85))
    cv = _Canvas(64, wall_col)
    cv.rgb *= (1 - 0.3 * cv.x * rng.uniform(-1, 1))[..., None]
    horizon = rng.uniform(0.55, 0.95)
    cv.rect(horizon, 2, -1, 2, hsv(rng.uniform(0.05, 0.12), rng.uniform(0.1, 0.5), rng.uniform(0.2, 0.6)), 0.3)
    if rng.random() < 0.6:  # window with bright daylight and mullions
        wy, wx, ww, wh = rng.uniform(-0.1, 0.4), rng.uniform(-0.1, 0.8), rng.uniform(0.2, 0.5), rng.uniform(0.3, 0.6)
        cv.rect(wy, wy + wh, wx, wx + ww, hsv(rng.uniform(0.5, 0.6), rng.uniform(0.0, 0.2), 1.0) * 1.1)
        cv.rect(wy, wy + wh, wx + ww / 2 - 0.01, wx + ww / 2 + 0.01, wall_col * 0.9)
    cv.flush(rng.uniform(1.5, 3))
    for depth in range(int(rng.integers(2, 4))):
        for _ in range(int(rng.integers(2, 5))):
            col = hsv(rng.random(), rng.uniform(0.05, 0.5), rng.uniform(0.1, 0.8))
            y0, x0 = rng.uniform(0.0, 0.9), rng.uniform(-0.2, 1.0)
            if rng.random() < 0.65:
                cv.rect(y0, y0 + rng.uniform(0.1, 0.8), x0, x0 + rng.uniform(0.05, 0.5), col, rng.uniform(-0.3, 0.3))
            else:
                cv.ellipse(y0, x0, rng.uniform(0.05, 0.2), rng.uniform(0.05, 0.2), col, rng.uniform(0.0, 0.4))
        cv.flush(rng.uniform(1.0, 2.5) + 1.5 * depth)
    img = f.sample(cv.rgb)
    return _bokeh(rng, f, img, int(rng.integers(0, 12)), warm=0.8)


def shelves(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Out-of-focus shelves: boards holding rows of books, boxes, jars and plants in front of a wall."""
    cv = _Canvas(96, hsv(rng.uniform(0.05, 0.15), rng.uniform(0.03, 0.25), rng.uniform(0.4, 0.9)))
    board_col = hsv(rng.uniform(0.06, 0.1), rng.uniform(0.0, 0.6), rng.uniform(0.3, 0.9))
    pitch = rng.uniform(0.22, 0.4)
    top = rng.uniform(-0.1, 0.15)
    for i in range(5):
        base = top + (i + 1) * pitch
        x = rng.uniform(-0.2, 0.05)
        while x < 1.1:
            kind, width = rng.random(), rng.uniform(0.015, 0.05)
            height = rng.uniform(0.5, 0.9) * pitch
            col = hsv(rng.random(), rng.uniform(0.1, 0.45), rng.uniform(0.15, 0.8))
            if kind < 0.7:  # a run of books
                cv.rect(base - height, base, x, x + width, col, rng.uniform(-0.3, 0.3))
            elif kind < 0.85:  # a box or a basket
                width = rng.uniform(0.08, 0.2)
                cv.rect(base - height * 0.6, base, x, x + width, col, 0.3)
            else:  # a jar or a plant
                width = rng.uniform(0.05, 0.15)
                plant = rng.random() < 0.5
                col = hsv(rng.uniform(0.22, 0.35), 0.45, rng.uniform(0.2, 0.5)) if plant else col
                cv.ellipse(base - height * 0.4, x + width / 2, height * 0.4, width / 2, col, 0.4)
            x += width + (rng.uniform(0.0, 0.2) if rng.random() < 0.15 else 0.002)
        cv.rect(base, base + rng.uniform(0.02, 0.04), -1, 2, board_col, -0.5)
    cv.flush(rng.uniform(1.3, 3.0))
    img = f.sample(cv.rgb)
    return _bokeh(rng, f, img, int(rng.integers(0, 6)), warm=0.9)


def foliage(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """An out-of-focus outdoor scene: sky, leafy canopy in layers of depth, trunks, sunlit specks, lawn or path."""
    sky = hsv(rng.uniform(0.55, 0.62), rng.uniform(0.05, 0.3), rng.uniform(0.75, 1.0))
    cv = _Canvas(64, sky)
    cv.rgb = cv.rgb * (1 - 0.2 * cv.y)[..., None]
    ground = rng.uniform(0.6, 1.1)
    cv.rect(ground, 2, -1, 2, hsv(rng.uniform(0.08, 0.3), rng.uniform(0.2, 0.5), rng.uniform(0.2, 0.55)), 0.3)
    cv.flush(2.0)
    hue, cover = rng.uniform(0.17, 0.32), rng.uniform(-0.8, 0.6)
    for depth in range(3):
        if rng.random() < 0.5:
            x = rng.uniform(0, 1)
            cv.rect(rng.uniform(0, 0.5), ground + 0.1, x, x + rng.uniform(0.02, 0.06),
                    hsv(0.07, 0.4, rng.uniform(0.1, 0.3)), 0.0)
        leaves = cv.noise(rng, int(rng.integers(4, 9)), octaves=2) + cover - 1.2 * (cv.y - 0.3) * (depth == 0)
        tint = cv.noise(rng, 4)[..., None]
        green = hsv(hue + rng.normal(0, 0.03), rng.uniform(0.3, 0.65), rng.uniform(0.15, 0.45) * (0.8 + 0.25 * depth))
        cv.add(smoothstep(-0.2, 0.2, leaves), green * (1 + 0.25 * tint + 0.3 * np.clip(leaves[..., None] - 0.5, -1, 1)))
        cv.flush(rng.uniform(2.5, 3.5) - 0.8 * depth)
    img = f.sample(cv.rgb)
    return _bokeh(rng, f, img, int(rng.integers(0, 20)), warm=1.1)
