"""Procedural background generators (wood, walls, blurred rooms…); never imports bpy, pyrender, ray or torch.

Only numpy and scipy.

Every generator is ``generator(rng, frame) -> (3, H, W) float32``, channel first, values roughly in [0, 1]
(sRGB before the lighting, white balance and sensor noise that ``backgrounds.procedural_background`` adds).
Content lives in a canonical unit square and an image of any size is a centred window onto it (its longer
side spans [0, 1]), so one seed gives the same picture at every resolution: the number of random draws never
depends on the resolution. Channel first keeps every full-resolution operation a fast contiguous loop.
"""

import colorsys

import numpy as np
from scipy import ndimage

F32 = np.float32


class Frame:
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


def _bspline_weights(coords: np.ndarray, n: int) -> np.ndarray:
    """(P,) coordinates in [0, 1] -> (P, n) float32 cubic B-spline interpolation matrix."""
    return _dense(*_bspline_taps(coords, n), n)


def noise_grid(
    rng: np.random.Generator, cells_y: int, cells_x: int | None = None, octaves: int = 1, gain: float = 0.5
) -> np.ndarray:
    """(gy, gx) float32 fractal value-noise grid over the unit square; std about 1 once sampled.

    ``cells_*`` counts cells across the unit square in the coarsest octave. Octaves are summed on the finest
    grid, so any number of octaves costs one full-resolution sampling.
    """
    cells_x = cells_y if cells_x is None else cells_x
    ny, nx = cells_y * 2 ** (octaves - 1) + 1, cells_x * 2 ** (octaves - 1) + 1
    total, norm = np.zeros((ny, nx), F32), 0.0
    for o in range(octaves):
        g = rng.standard_normal((cells_y * 2**o + 1, cells_x * 2**o + 1)).astype(F32)
        if o < octaves - 1:
            g = (
                _bspline_weights(np.linspace(0, 1, ny), g.shape[0])
                @ g
                @ _bspline_weights(np.linspace(0, 1, nx), g.shape[1]).T
            )
        total += F32(gain**o) * g
        norm += gain ** (2 * o)
    return total * F32(1.45 / np.sqrt(norm))


def noise(
    rng: np.random.Generator,
    f: Frame,
    cells_y: int,
    cells_x: int | None = None,
    octaves: int = 1,
    gain: float = 0.5,
) -> np.ndarray:
    """(H, W) float32 smooth value noise, mean 0 and std about 1 (see ``noise_grid``)."""
    return f.sample(noise_grid(rng, cells_y, cells_x, octaves, gain))


def relief(f: Frame, height: np.ndarray, angle: float) -> np.ndarray:
    """(H, W) float32 slope of a height grid (gy, gx) towards a light at ``angle``: shades folds, creases."""
    gy, gx = np.gradient(height)
    ny, nx = height.shape
    return f.sample(gx * F32(np.cos(angle) * (nx - 1)) + gy * F32(np.sin(angle) * (ny - 1)))


def hsv(h: float, s: float, v: float) -> np.ndarray:
    """(3, 1, 1) float32 RGB of a hue/saturation/value colour (hue wraps around), ready to broadcast."""
    rgb = colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0.0), 1.0), min(max(v, 0.0), 1.0))
    return np.array(rgb, F32)[:, None, None]


def mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Colours (3, 1, 1) or (3, H, W) blended by weights (H, W) -> (3, H, W) float32."""
    return a + (b - a) * t


def smoothstep(e0: float, e1: float, t: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at ``e0`` to 1 at ``e1`` (either order), same shape as ``t``."""
    u = np.clip((t - F32(e0)) * F32(1 / (e1 - e0)), 0.0, 1.0)
    return u * u * (3 - 2 * u)


def rotated(
    f: Frame, angle: float, yx: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) coordinates along and across direction ``angle`` (radians), centred on the unit square; of the
    pixels, or of points ``yx`` (e.g. from ``on_plane``)."""
    c, s = F32(np.cos(angle)), F32(np.sin(angle))
    y, x = (f.y, f.x) if yx is None else yx
    x, y = x - F32(0.5), y - F32(0.5)
    return x * c + y * s, y * c - x * s


def on_plane(rng: np.random.Generator, f: Frame) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) unit-square coordinates (y, x) of a table or floor seen obliquely (half the time head-on):
    texture recedes towards the top of the image, so its features shrink there."""
    tilt, direction, oblique = rng.uniform(0.3, 0.9), rng.uniform(-0.4, 0.4), rng.random() < 0.5
    y, x = f.y - F32(0.5), f.x - F32(0.5)
    w = 1 + F32(tilt if oblique else 0.0) * (y * F32(np.cos(direction)) + x * F32(np.sin(direction)))
    return y / w + F32(0.5), x / w + F32(0.5)


def fade(period: float, f: Frame) -> float:
    """Contrast to keep for a pattern of ``period`` (unit square) here: 0 below 2 px, 1 above 4 px."""
    return float(np.clip(period / f.px / 2 - 1, 0.0, 1.0))


def _cells(u: np.ndarray, v: np.ndarray, offset_rows: float = 0.0):
    """Unit cells, odd rows shifted by ``offset_rows``: ids (row, col) int32, fractions (fu, fv) of (H, W)."""
    row = np.floor(v)
    irow = row.astype(np.int32)
    u = u + F32(offset_rows) * (irow & 1).astype(F32)
    col = np.floor(u)
    return irow, col.astype(np.int32), u - col, v - row


def _per_cell(table: np.ndarray, row: np.ndarray, col: np.ndarray | int) -> np.ndarray:
    """Per-cell values (H, W) from a (K,) table, K a power of two, hashed from integer cell ids (H, W)."""
    return table[(row * np.int32(9281) + col * np.int32(6899)) & np.int32(len(table) - 1)]


def _disc(f: Frame, cy: float, cx: float, r: float) -> np.ndarray:
    """(H, W) squared distance to (cy, cx) divided by r²."""
    return ((f.y - F32(cy)) ** 2 + (f.x - F32(cx)) ** 2) * F32(1 / (r * r))


# ----------------------------------------------------------------------------------------------- surfaces
def wood(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Planks or a single board: growth rings warped by noise, knots, pores, per-board tone, seams, joints."""
    h, s, v = rng.uniform(0.045, 0.1), rng.uniform(0.3, 0.6), rng.uniform(0.3, 0.82)
    if rng.random() < 0.2:  # grey-washed, whitewashed or weathered
        s, v = s * rng.uniform(0.1, 0.4), rng.uniform(0.45, 0.85)
    light, dark = hsv(h, s, v), hsv(h + rng.uniform(-0.01, 0.01), s * 1.1, v * rng.uniform(0.5, 0.75))
    vertical = rng.random() < 0.5
    py, px = on_plane(rng, f)
    along, across = (py, px) if vertical else (px, py)
    across = across + F32(np.tan(rng.uniform(-0.06, 0.06))) * along
    width = rng.uniform(0.09, 0.33) if rng.random() < 0.75 else 100.0
    length = rng.uniform(0.5, 1.6)
    plank_f = across * F32(1 / width) + F32(rng.random())
    plank = np.floor(plank_f).astype(np.int32)
    table = rng.random((4, 128)).astype(F32)
    u_board = along * F32(1 / length) + table[0][plank & 127]
    board = plank * 3 + np.floor(u_board).astype(np.int32)
    cy, cx = (3, int(rng.integers(14, 30))) if vertical else (int(rng.integers(14, 30)), 3)
    freq = rng.uniform(12, 40)
    t = across * F32(freq) + F32(rng.uniform(0.5, 1.8)) * noise(rng, f, cy, cx, octaves=3)
    t += _per_cell(table[1] * 9, board, 0)
    for ka, kb, kr, amp, on in rng.random((3, 5)):
        if on < 0.25:  # a knot: rings bulge around it
            d2 = ((along - F32(ka)) * F32(1 / (0.06 + 0.1 * kr))) ** 2 + (
                (across - F32(kb)) * F32(1 / (0.01 + 0.02 * kr))
            ) ** 2
            t += F32(1 + 3 * amp) * np.exp(-d2)
    r = t - np.floor(t)
    ring = smoothstep(0.4, 0.88, r) * smoothstep(1.0, 0.93, r)
    fine = np.sin(F32(3 * np.pi) * t) ** 2
    fy, fx = (6, 180) if vertical else (180, 6)
    tone = F32(fade(1 / freq, f) * rng.uniform(0.35, 0.8)) * ring + F32(0.12 * fade(1 / freq / 3, f)) * fine
    tone += F32(0.06 * fade(1 / 180, f)) * noise(rng, f, fy, fx) + F32(0.1) * noise(rng, f, 5, 5, octaves=3)
    tone += (_per_cell(table[2], board, 0) - F32(0.5)) * F32(rng.uniform(0.1, 0.5))
    img = mix(light, dark, np.clip(tone, -0.3, 1.3))
    gap = rng.uniform(0.6, 1.4) * f.px
    seam = np.minimum(
        np.abs(plank_f - np.round(plank_f)) * F32(width), np.abs(u_board - np.round(u_board)) * F32(length)
    )
    img *= 1 - F32(0.4) * smoothstep(gap * 1.5, 0.0, seam)
    return img


def fabric(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A woven cloth (plain, twill or basket weave), heathered yarn, maybe a check, and soft folds."""
    a, b = rotated(f, rng.uniform(0, np.pi))
    threads = F32(rng.uniform(70, 170))
    ia, ib = np.floor(a * threads), np.floor(b * threads)
    fa, fb = a * threads - ia, b * threads - ib
    ia, ib = ia.astype(np.int32), ib.astype(np.int32)
    weave = int(rng.choice(3, p=[0.5, 0.35, 0.15]))
    if weave == 0:  # plain
        warp_up = ((ia + ib) & 1) == 0
    elif weave == 1:  # 2/1 twill
        s = (ia + ib).astype(F32)
        warp_up = s - 3 * np.floor(s * F32(1 / 3)) > 0.5
    else:  # basket
        warp_up = (((ia >> 1) + (ib >> 1)) & 1) == 0
    profile = np.sqrt(np.sin(F32(np.pi) * np.where(warp_up, fa, fb)))
    h = rng.random()
    warp_col = hsv(h, rng.uniform(0.05, 0.45), rng.uniform(0.2, 0.8))
    if rng.random() < 0.6:
        weft_col = warp_col * F32(rng.uniform(0.85, 1.05))
    else:  # denim- or chambray-like: a pale or dark weft
        weft_col = hsv(
            h + rng.normal(0, 0.03), rng.uniform(0.0, 0.15), rng.choice([0.15, 0.85]) + rng.uniform(0, 0.1)
        )
    per_thread = rng.standard_normal((2, 512)).astype(F32) * F32(rng.uniform(0.02, 0.1))
    yarn = np.where(warp_up, per_thread[0][ia & 511], per_thread[1][ib & 511])
    img = mix(weft_col, warp_col, warp_up * F32(rng.uniform(0.4, 0.8)))
    if rng.random() < 0.3:  # a woven check in white, a darker shade or a neighbouring hue
        period = F32(1 / rng.uniform(0.04, 0.2))
        band = (np.floor(a * period).astype(np.int32) & 1) + (np.floor(b * period).astype(np.int32) & 1)
        band = band.astype(F32)
        band *= F32(rng.uniform(0.25, 0.45))
        second = (hsv(h, 0.05, 0.9), warp_col * F32(0.5), hsv(h + 0.1, 0.3, 0.6))[int(rng.integers(3))]
        img = mix(img, second, band)
    shade = 1 + F32(fade(1 / threads, f)) * (F32(rng.uniform(0.15, 0.35)) * (profile - F32(0.7)) + yarn)
    folds = noise_grid(rng, int(rng.integers(2, 4)), int(rng.integers(3, 7)), octaves=2)
    fold_light = F32(rng.uniform(0.02, 0.06)) * relief(f, folds, rng.uniform(0, 2 * np.pi))
    shade *= 1 + fold_light + F32(0.05) * f.sample(folds)
    img *= shade
    return img


def marble(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Polished marble: cloudy base, a few jagged main veins and patches of fine ones; five stone colours."""
    style = int(rng.choice(5, p=[0.4, 0.2, 0.15, 0.1, 0.15]))
    h = rng.random()
    base, vein = (
        (hsv(h, rng.uniform(0, 0.05), rng.uniform(0.82, 0.95)), hsv(h, 0.05, rng.uniform(0.3, 0.6))),
        (hsv(h, rng.uniform(0, 0.06), rng.uniform(0.5, 0.7)), hsv(h, 0.03, rng.uniform(0.85, 0.95))),
        (hsv(h, rng.uniform(0, 0.1), rng.uniform(0.08, 0.2)), hsv(h, 0.03, rng.uniform(0.7, 0.9))),
        (hsv(rng.uniform(0.35, 0.5), rng.uniform(0.2, 0.45), rng.uniform(0.15, 0.35)), hsv(0.4, 0.1, 0.75)),
        (
            hsv(rng.uniform(0.07, 0.12), rng.uniform(0.12, 0.3), rng.uniform(0.7, 0.85)),
            hsv(rng.uniform(0.07, 0.1), rng.uniform(0.25, 0.4), rng.uniform(0.45, 0.6)),
        ),
    )[style]
    a, _ = rotated(f, rng.uniform(0, np.pi))
    veins = None
    main = (rng.uniform(1, 2.5), rng.uniform(0.06, 0.2), rng.uniform(20, 60), 1.0)
    fine = (rng.uniform(3, 7), rng.uniform(0.04, 0.1), rng.uniform(30, 80), 0.6)
    for scale, amp, width, strength in (main, fine):
        warped = noise(rng, f, int(rng.integers(3, 6)), octaves=4, gain=0.6)
        presence = noise(rng, f, 3, octaves=2)
        s = np.abs(np.sin(F32(np.pi * scale) * (a + F32(amp) * warped)))
        line = (np.exp(-F32(width) * s) + F32(0.25) * np.exp(F32(-4) * s)) * (
            F32(strength) * smoothstep(-1.2, 0.5, presence)
        )
        veins = line if veins is None else np.maximum(veins, line)
    cloud = noise(rng, f, 3, octaves=4)
    tone = veins * F32(rng.uniform(0.6, 1.0)) + F32(0.1) + F32(0.12 * rng.uniform(0.5, 1.5)) * cloud
    return mix(base, vein, np.clip(tone, 0, 1))


def stone(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Granite or terrazzo (grains or chips of mineral colours in a matrix) or layered slate."""
    kind = int(rng.choice(3, p=[0.45, 0.3, 0.25]))
    h = rng.uniform(0, 1) if rng.random() < 0.3 else rng.uniform(0.03, 0.12)
    if kind == 2:  # slate: dark, layered, low contrast
        base = hsv(rng.uniform(0.5, 0.65), rng.uniform(0.05, 0.15), rng.uniform(0.18, 0.35))
        layers = noise(rng, f, 40, 3, octaves=3) + F32(0.3) * noise(rng, f, 60)
        return mix(base, base * F32(1.35), np.clip(0.5 + 0.3 * layers, 0, 1))
    base = hsv(h, rng.uniform(0.02, 0.2), rng.uniform(0.25, 0.8))
    cells = int(rng.integers(60, 110)) if kind == 0 else int(rng.integers(18, 40))
    grains = f.sample(np.stack([noise_grid(rng, cells), noise_grid(rng, cells)]))
    img = base * (1 + F32(0.06) * noise(rng, f, 4, octaves=3))
    edge = 0.15 if kind == 0 else 0.08
    for g in grains:
        col = hsv(h + rng.normal(0, 0.05), rng.uniform(0.0, 0.3), rng.uniform(0.05, 0.95))
        thr = rng.uniform(0.7, 1.3)
        img = mix(img, col, smoothstep(thr - edge, thr + edge, g))
    return img


def wall(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A painted wall: soft light pool or shadow, roller texture, maybe a corner, skirting or a switch."""
    if rng.random() < 0.55:
        col = hsv(rng.uniform(0.06, 0.14), rng.uniform(0.02, 0.15), rng.uniform(0.7, 0.92))
    else:
        col = hsv(rng.random(), rng.uniform(0.06, 0.25), rng.uniform(0.4, 0.85))
    shade = 1 + F32(rng.uniform(0.01, 0.04)) * noise(rng, f, int(rng.integers(60, 140)))
    shade += F32(rng.uniform(0.03, 0.1)) * noise(rng, f, 2, octaves=2)
    pool = np.exp(-_disc(f, rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.2, 0.6)))
    shade += F32(rng.uniform(-0.25, 0.45)) * pool
    if rng.random() < 0.35:  # a corner: the other wall gets less light
        xc, lean = rng.uniform(0.15, 0.85), F32(rng.uniform(-0.05, 0.05))
        shade *= 1 - F32(rng.uniform(0.15, 0.4)) * smoothstep(xc - f.px, xc + f.px, f.x + lean * (f.y - 0.5))
    img = col * shade
    if rng.random() < 0.25:  # skirting board and a floor below it
        y0 = rng.uniform(0.65, 0.9)
        img = mix(img, col * F32(1.08), smoothstep(y0 - f.px, y0 + f.px, f.y))
        floor = hsv(rng.uniform(0.05, 0.1), rng.uniform(0.2, 0.6), rng.uniform(0.25, 0.6)) * (
            1 + F32(0.05) * noise(rng, f, 40, 4)
        )
        img = mix(img, floor, smoothstep(y0 + 0.05 - f.px, y0 + 0.05 + f.px, f.y))
    if rng.random() < 0.2:  # light switch or socket plate with a soft shadow
        y0, x0, size = rng.uniform(0.1, 0.7), rng.uniform(0.1, 0.8), rng.uniform(0.06, 0.12)
        d = np.maximum(np.abs(f.y - F32(y0 + size / 2)), np.abs(f.x - F32(x0 + size / 2))) - F32(size / 2)
        img *= 1 - F32(0.25) * smoothstep(0.028, 0.008, d) * (d > 0)
        img = mix(img, hsv(0.1, 0.03, 0.9) * (1 - F32(0.6) * (f.y - F32(y0))), smoothstep(f.px, -f.px, d))
    return img


def tiles(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Ceramic tiles (square, subway or checker) with grout, bevelled edges, glaze variation, a highlight."""
    size = rng.uniform(0.07, 0.28)
    style = int(rng.choice(3, p=[0.55, 0.3, 0.15]))
    tw, th = (size, size) if style != 1 else (size, size / 2)
    a, b = rotated(f, rng.uniform(-0.06, 0.06) + (np.pi / 4 if rng.random() < 0.1 else 0), on_plane(rng, f))
    row, col, fu, fv = _cells(
        a * F32(1 / tw) + F32(rng.random()), b * F32(1 / th) + F32(rng.random()), 0.5 if style == 1 else 0.0
    )
    edge = np.minimum(np.minimum(fu, 1 - fu) * F32(tw), np.minimum(fv, 1 - fv) * F32(th))
    grout_w = max(rng.uniform(0.012, 0.05) * size, 0.6 * f.px)
    tile_mask = smoothstep(grout_w - f.px, grout_w + f.px, edge)
    if rng.random() < 0.6:
        tcol = hsv(rng.uniform(0.05, 0.15), rng.uniform(0.0, 0.12), rng.uniform(0.75, 0.95))
    else:
        tcol = hsv(rng.random(), rng.uniform(0.08, 0.35), rng.uniform(0.3, 0.8))
    table = rng.standard_normal((2, 128)).astype(F32)
    glaze = noise(rng, f, 150)  # glaze ripple on tiles, sand in the grout: they never overlap
    shade = 1 + _per_cell(table[0], row, col) * F32(rng.uniform(0.01, 0.06)) + F32(0.02) * glaze
    shade -= F32(0.12) * np.exp((F32(grout_w) - edge) * F32(1 / (0.06 * size)))  # bevel
    shade += F32(0.04) * np.tanh((fv - 0.5) * 8)
    img = tcol * shade
    if style == 2:
        other = hsv(rng.random(), rng.uniform(0.0, 0.3), rng.uniform(0.1, 0.5))
        img = mix(img, other, ((row + col) & 1).astype(F32))
    grout = hsv(rng.uniform(0.05, 0.12), rng.uniform(0.0, 0.15), rng.uniform(0.3, 0.8))
    grout = grout * (1 + F32(0.08) * glaze)
    img = mix(grout, img, tile_mask)
    gloss = np.exp(-_disc(f, rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.1, 0.35))) * tile_mask
    img += gloss * (F32(rng.uniform(0.0, 0.35)) * (1 + F32(0.5) * _per_cell(table[1], row, col)))
    return img


def bricks(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """A brick wall in running bond: rough bricks of varied tone, recessed mortar, maybe painted over."""
    bw = rng.uniform(0.12, 0.3)
    bh = bw / rng.uniform(2.6, 3.6)
    a, b = rotated(f, rng.uniform(-0.03, 0.03))
    rough, grit = f.sample(np.stack([noise_grid(rng, 30, octaves=3), noise_grid(rng, 120)]))
    row, col, fu, fv = _cells(
        a * F32(1 / bw) + F32(rng.random()) + F32(0.01) * rough, b * F32(1 / bh) + F32(rng.random()), 0.5
    )
    edge = np.minimum(np.minimum(fu, 1 - fu) * F32(bw), np.minimum(fv, 1 - fv) * F32(bh))
    edge += F32(0.08 * bh) * rough  # chipped edges
    mortar_w = max(rng.uniform(0.06, 0.14) * bh, 0.7 * f.px)
    brick_mask = smoothstep(mortar_w - f.px, mortar_w + f.px, edge)
    painted = rng.random() < 0.2
    if painted:
        bcol = hsv(rng.uniform(0.05, 0.6), rng.uniform(0.0, 0.1), rng.uniform(0.7, 0.92))
        spread, mcol = 0.03, bcol * F32(0.95)
    else:
        bcol = hsv(rng.uniform(0.0, 0.08), rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65))
        spread = rng.uniform(0.08, 0.2)
        mcol = hsv(rng.uniform(0.06, 0.12), rng.uniform(0.03, 0.15), rng.uniform(0.5, 0.78))
    table = rng.standard_normal((2, 128)).astype(F32)
    tone = 1 + F32(spread) * _per_cell(table[0], row, col) + F32(0.12) * rough + F32(0.05) * grit
    tint = np.array([1, -0.5, -1], F32)[:, None, None] * F32(0.0 if painted else 0.05)
    img = bcol * tone * (1 + _per_cell(table[1], row, col) * tint)
    mortar = mcol * (F32(0.7) + F32(0.3) * smoothstep(0.0, 0.3, fv) + F32(0.06) * grit)
    return mix(mortar, img, brick_mask)


def carpet(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Cut or loop pile carpet: dense fibre noise, flecks of a second yarn, soft wear marks."""
    col = hsv(rng.random(), rng.uniform(0.05, 0.35), rng.uniform(0.2, 0.7))
    fibres, flecks = f.sample(np.stack([noise_grid(rng, 150), noise_grid(rng, 150)]))
    lum = 1 + F32(0.2 * fade(1 / 150, f)) * fibres + F32(0.12) * noise(rng, f, int(rng.integers(50, 90)))
    if rng.random() < 0.4:  # loop pile in rows
        _, b = rotated(f, rng.uniform(-0.05, 0.05) + rng.choice([0, np.pi / 2]))
        period = rng.uniform(0.01, 0.025)
        lum += F32(0.15 * fade(period, f)) * (np.abs(np.sin(b * F32(np.pi / period))) - F32(0.6))
    lum += F32(rng.uniform(0.02, 0.08)) * noise(rng, f, 3, octaves=3)
    fleck_col = hsv(rng.random(), rng.uniform(0.0, 0.3), rng.uniform(0.1, 0.9))
    return mix(col * lum, fleck_col, smoothstep(1.6, 2.2, flecks) * F32(rng.uniform(0.0, 1.0)))


def paper(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """White or cream paper (maybe crumpled or ruled) or kraft cardboard with fibres, specks and tape."""
    kraft = rng.random() < 0.45
    if kraft:
        col = hsv(rng.uniform(0.07, 0.1), rng.uniform(0.3, 0.55), rng.uniform(0.5, 0.75))
    else:
        col = hsv(rng.uniform(0.08, 0.16), rng.uniform(0.0, 0.12), rng.uniform(0.82, 0.97))
    a, b = rotated(f, rng.uniform(0, np.pi))
    fibres = (int(rng.integers(100, 160)), 40)
    lum = 1 + F32(0.03) * noise(rng, f, *(fibres if rng.random() < 0.5 else fibres[::-1]))
    lum += F32(0.04) * noise(rng, f, 4, octaves=3)
    lum -= F32(0.25 if kraft else 0.1) * smoothstep(2.0, 2.6, noise(rng, f, 130))  # specks
    if kraft and rng.random() < 0.6:  # corrugation showing through
        period = rng.uniform(0.015, 0.03)
        lum += F32(0.025 * fade(period, f)) * np.sin(F32(2 * np.pi / period) * a)
    crumple = rng.uniform(0.005, 0.02) if rng.random() < 0.45 else 0.0
    creases = np.abs(noise_grid(rng, int(rng.integers(3, 7)), octaves=3))  # ridges where the sheet folded
    lum += F32(crumple) * relief(f, creases, rng.uniform(0, 2 * np.pi))
    img = col * lum
    if not kraft and rng.random() < 0.25:  # ruled notebook lines
        spacing = rng.uniform(0.03, 0.06)
        line = smoothstep(1.2 * f.px, 0.3 * f.px, np.abs(b - F32(spacing) * np.round(b * F32(1 / spacing))))
        img = mix(img, hsv(0.58, 0.35, 0.75), line * F32(0.7))
    if rng.random() < 0.3:  # a strip of packing or masking tape
        c, w = rng.uniform(-0.3, 0.3), rng.uniform(0.06, 0.12)
        strip = smoothstep(w / 2 + f.px, w / 2 - f.px, np.abs(a - F32(c)))
        img = mix(img, hsv(rng.uniform(0.08, 0.12), rng.uniform(0.1, 0.4), 0.9), strip * F32(0.45))
    return img


def concrete(rng: np.random.Generator, f: Frame) -> np.ndarray:
    """Concrete or plaster: multi-scale mottling, pits, stains, maybe a crack and formwork tie holes."""
    col = hsv(rng.uniform(0.05, 0.6), rng.uniform(0.0, 0.08), rng.uniform(0.4, 0.75))
    cells = int(rng.integers(70, 130))
    pits, grit = f.sample(np.stack([noise_grid(rng, cells), noise_grid(rng, cells)]))
    lum = 1 + F32(rng.uniform(0.05, 0.12)) * noise(rng, f, 4, octaves=5, gain=0.6) + F32(0.04) * grit
    lum -= F32(rng.uniform(0.1, 0.35)) * smoothstep(1.8, 2.4, pits)
    lum -= F32(rng.uniform(0.0, 0.15)) * smoothstep(0.5, 1.5, noise(rng, f, 3, octaves=2))
    if rng.random() < 0.3:  # a crack
        _, b = rotated(f, rng.uniform(0, np.pi))
        wander = noise(rng, f, 8, octaves=3)
        crack = np.abs(b - F32(rng.uniform(-0.3, 0.3)) + F32(0.03) * wander)
        lum -= F32(0.35) * smoothstep(2 * f.px, 0.0, crack)
    if rng.random() < 0.3:  # formwork tie holes on a grid
        step, (oy, ox) = rng.uniform(0.25, 0.5), rng.random(2)
        dy = (f.y * F32(1 / step) + F32(oy)) % 1 - F32(0.5)
        dx = (f.x * F32(1 / step) + F32(ox)) % 1 - F32(0.5)
        lum *= 1 - F32(0.35) * smoothstep(0.015 + f.px, 0.015 - f.px, np.sqrt(dy * dy + dx * dx) * F32(step))
    return col * lum


# ------------------------------------------------------------------------------------- out-of-focus scenes
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
        w = _bspline_weights(np.linspace(0, 1, self.n), cells * 2 ** (octaves - 1) + 1)
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


def _bokeh(rng: np.random.Generator, f: Frame, img: np.ndarray, count: int, warm: float) -> np.ndarray:
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


def indoor(rng: np.random.Generator, f: Frame) -> np.ndarray:
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


def shelves(rng: np.random.Generator, f: Frame) -> np.ndarray:
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


def foliage(rng: np.random.Generator, f: Frame) -> np.ndarray:
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
