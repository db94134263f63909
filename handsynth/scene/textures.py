"""Procedural surface textures for backgrounds (wood, fabric, stone, walls, tiles, paper…); numpy only
(never render, dataset, bpy, pyrender, ray or torch). The out-of-focus scenes are in ``defocused.py``.

Every generator is ``generator(rng, grid) -> (3, H, W) float32``, channel first, values roughly in [0, 1]
(sRGB before the lighting, white balance and sensor noise that ``backgrounds.procedural_background`` adds).
Content lives in a canonical unit square and an image of any size is a centred window onto it (its longer
side spans [0, 1]; see ``texture.grid.PixelGrid``), so one seed gives the same picture at every resolution:
the number of random draws never depends on the resolution. Channel first keeps every full-resolution
operation a fast contiguous loop.
"""

import numpy as np

from handsynth.texture.color import hsv, mix, smoothstep
from handsynth.texture.grid import F32, PixelGrid
from handsynth.texture.noise import noise, noise_grid, relief


def rotated(
    f: PixelGrid, angle: float, yx: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) coordinates along and across direction ``angle`` (radians), centred on the unit square; of the
    pixels, or of points ``yx`` (e.g. from ``on_plane``)."""
    c, s = F32(np.cos(angle)), F32(np.sin(angle))
    y, x = (f.y, f.x) if yx is None else yx
    x, y = x - F32(0.5), y - F32(0.5)
    return x * c + y * s, y * c - x * s


def on_plane(rng: np.random.Generator, f: PixelGrid) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) unit-square coordinates (y, x) of a table or floor seen obliquely (half the time head-on):
    texture recedes towards the top of the image, so its features shrink there."""
    tilt, direction, oblique = rng.uniform(0.3, 0.9), rng.uniform(-0.4, 0.4), rng.random() < 0.5
    y, x = f.y - F32(0.5), f.x - F32(0.5)
    w = 1 + F32(tilt if oblique else 0.0) * (y * F32(np.cos(direction)) + x * F32(np.sin(direction)))
    return y / w + F32(0.5), x / w + F32(0.5)


def fade(period: float, f: PixelGrid) -> float:
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


def _disc(f: PixelGrid, cy: float, cx: float, r: float) -> np.ndarray:
    """(H, W) squared distance to (cy, cx) divided by r²."""
    return ((f.y - F32(cy)) ** 2 + (f.x - F32(cx)) ** 2) * F32(1 / (r * r))


# ----------------------------------------------------------------------------------------------- surfaces
def wood(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
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


def fabric(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
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


def marble(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
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


def stone(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
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


def wall(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
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


def tiles(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
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


def bricks(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
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


def carpet(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
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


def paper(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
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


def concrete(rng: np.random.Generator, f: PixelGrid) -> np.ndarray:
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
