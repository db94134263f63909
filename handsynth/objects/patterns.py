"""Albedo textures of the material patterns, drawn once as data so every renderer shows the same image;
numpy only (never bpy, pyrender, ray or torch).

UV convention (glTF through trimesh/pyrender, and Blender): a texture is an (H, W, 3) array whose row 0
is the top of the image; uv (0, 0) is the image's bottom-left corner and uv (1, 1) its top-right. The
texel at row i, column j is centred on uv = ((j + 0.5) / W, 1 - (i + 0.5) / H) and texels repeat outside
[0, 1]² (``sample_texture`` is the reference sampler). pyrender flips the rows on upload and trimesh
samples at ``row = (1 - v) (H - 1)``, so the array goes to both unchanged; Blender reads a PNG the same
way (a renderer that fills ``Image.pixels`` directly must flip the rows: Blender stores them bottom-up).

How the shapes lay out UVs (``handsynth.objects.shapes``), which the patterns are drawn for:

- ``Lathe`` (bottle, can, jar, pencil, marker, chopstick, screwdriver, fruit, ball): u = angle about +z
  / 2π (u = 0 on +x, increasing counter-clockwise seen from +z, seam at u = 0 ≡ 1); v = arc length along
  the profile / its total, from the bottom pole (v = 0) to the top one (v = 1). So a stick's long axis
  is v, a label or print band is a window of v (bottle label ≈ [0.3, 0.6], jar [0.2, 0.7], can print
  [0.2, 0.8], marker barrel [0, 0.6]) and on a round body one unit of u is about twice one of v in metres
  at the equator.
- ``RoundedBox`` (book, phone, carton, block, cutting board): a 3 × 2 atlas, one tile per face: face k of
  (-x, +x, -y, +y, -z, +z) fills column k % 3, row k // 3 (row 0 = v in [0, 1/2]) inside a 2 % margin;
  within a tile u runs along the lower-numbered other axis and v along the higher one (±x faces: u = y,
  v = z; ±y: u = x, v = z; ±z: u = x, v = y), both increasing with their coordinate (so some faces show
  their tile mirrored), unless the box's ``face_up`` turns a face: then v runs along the axis it names
  and the tile reads unmirrored from outside (book covers, carton faces, a remote's keys, a board's grain
  along its length x).

What each pattern draws (``pattern_scale`` = repeats per UV unit, as below):

- ``label``: a bottle/jar label, ``round(scale)`` times around: a brand block in ``pattern_color`` with
  a name and a tagline, a wave band, ingredients-like text lines and a barcode, laid out in v for the
  band windows above (the brand is centred on v = 0.46).
- ``print``: packaging in identical panels of 1 / 3k × 1 / 2k, k = max(1, floor(scale)), so each box face
  holds k × k whole panels (one at scale 1); a bold graphic (disc, a diagonal band seamless from panel to
  panel, or a header bar) in ``pattern_color``, a title and text lines.
- ``wood``: grain along v (a stick's long axis), ``3 round(scale)`` growth lines per UV unit across u,
  bent by noise, with fine fibre streaks; the grain is ``pattern_color``. On a box the grain follows each
  tile's v: the cutting board turns its faces and long sides so that v runs along its length.
- ``speckle``: fruit-skin pores/lenticels of ``pattern_color`` over a mottled ``base_color``, about
  ``scale`` dots per UV unit along v and drawn for a round lathe body: fewer, wider dots towards the
  poles so they stay round and evenly spread on the sphere.
- ``pages``: a page block's edge: ``scale`` lines of constant v per UV unit (v is the thickness on every
  side face of a book) and fainter ones between.
- ``screen``: a phone screen in every box-atlas tile (so whichever face carries the material shows one):
  dark glass (``base_color``) round a lit home screen (wallpaper in ``pattern_color`` hues, status bar at
  the tile's +u end, i.e. the phone's +x end, app icons, a dock) or a full-screen photo, for a face of
  about 150 × 72 mm; ``pattern_scale`` is unused.
- ``stripes``: bands of constant u, ``round(scale)`` per UV unit, each centred in its period (ribs of a
  grip, gores of a beach ball, one band per block face).
- ``keypad``, ``leather``, ``seam`` (``patterns_items``): a remote's keys in ``pattern_color`` on a face
  turned upright along its length; pebbled leather with a stitched seam round every box tile; a tennis
  ball's seam in ``pattern_color`` on felt, for a sphere lathe.
"""

from __future__ import annotations

import colorsys
import functools

import numpy as np

from handsynth.objects.model import PATTERNS, Material
from handsynth.objects.pattern_canvas import (
    BOX_MARGIN,
    BOX_TILES,
    PanelCanvas,
    Stamp,
    ink_for,
    sample_texture,
    uv_grid,
)
from handsynth.objects.patterns_items import draw_keypad, draw_leather, draw_seam
from handsynth.texture.color import adjust_hsv, luma, smoothstep
from handsynth.texture.noise import periodic_noise

__all__ = ["pattern_texture", "sample_texture"]

# Second seed word per pattern, so two patterns with one seed draw unrelated noise. Fixed numbers, not
# positions in PATTERNS, so adding a pattern never changes the others' textures.
_STREAM = {
    "plain": 0,
    "label": 11,
    "print": 12,
    "wood": 13,
    "speckle": 14,
    "pages": 15,
    "screen": 16,
    "stripes": 17,
    "keypad": 18,
    "leather": 19,
    "seam": 20,
}


def pattern_texture(material: Material, size: int = 256) -> np.ndarray:
    """(size, size, 3) float32 linear-RGB albedo in [0, 1] of ``material`` over UV space [0, 1]².

    Row 0 is the top (v = 1); uv (0, 0) is the bottom-left texel (see the module docstring). A pure
    function of (material, size), cached (256 entries); the array is read-only. ``plain`` is
    ``base_color`` everywhere.
    """
    if not isinstance(size, (int, np.integer)) or size < 16:
        raise ValueError(f"texture size must be an integer >= 16, got {size!r}")
    return _texture(material, int(size))


@functools.lru_cache(maxsize=256)
def _texture(material: Material, size: int) -> np.ndarray:
    base = np.asarray(material.base_color, dtype=np.float64)
    if material.pattern == "plain":
        image = np.broadcast_to(base, (size, size, 3))
    else:
        draw = _DRAW[material.pattern]
        rng = np.random.default_rng([material.pattern_seed, _STREAM[material.pattern]])
        image = draw(material, size, rng)
    out = np.clip(image, 0.0, 1.0).astype(np.float32)
    out.setflags(write=False)
    return out


# --- patterns ------------------------------------------------------------------------------------------


def _label(m: Material, size: int, rng: np.random.Generator) -> np.ndarray:
    base, accent = np.asarray(m.base_color), np.asarray(m.pattern_color)
    cv = PanelCanvas(size, max(1, round(m.pattern_scale)), 1, base)
    ink = ink_for(base)
    # Paper and print: a faint vertical gradient and mottling.
    cv.img *= (1.0 + 0.04 * periodic_noise(rng, size, 0.02, 0.02, 64) + 0.06 * (cv.t - 0.45))[..., None]
    deep = adjust_hsv(accent, value=0.35 * max(colorsys.rgb_to_hsv(*accent)[2], 0.2))
    # The brand on the front half (s ~ 0.25), at t ~ 0.46 where every bottle and jar label shows it.
    front, mid = rng.uniform(0.2, 0.3), 0.46
    shape = rng.integers(3)
    w, h = rng.uniform(0.14, 0.19), rng.uniform(0.065, 0.085)
    if shape == 0:  # an oval with a dark rim
        cv.paint(cv.ellipse(front, mid, w, h), deep)
        cv.paint(cv.ellipse(front, mid, w - 0.012, h - 0.01), accent)
    elif shape == 1:  # a rounded plate
        cv.paint(cv.rect(front - w, mid - h, front + w, mid + h, radius=0.02), accent)
    else:  # a badge: a disc on a bar
        cv.paint(cv.rect(front - w, mid - 0.035, front + w, mid + 0.035, 0.01), accent)
        cv.paint(cv.ellipse(front, mid, h * 1.15, h * 1.15), deep)
        cv.paint(cv.ellipse(front, mid, h * 1.0, h * 1.0), accent)
    name_ink = base if abs(luma(base) - luma(accent)) > 0.08 else ink
    name = cv.dashes(rng, front - w * 0.65, front + w * 0.65, [mid], 0.034, (0.04, 0.1), 0.02, False)
    cv.paint(name, name_ink)
    cv.paint(
        cv.dashes(
            rng,
            front - w * 0.8,
            front + w * 0.8,
            [mid - h - 0.02, mid - h - 0.036],
            0.008,
            (0.02, 0.05),
            0.012,
        ),
        ink,
    )
    # A wave band all round, above or below the brand, in the pattern colour with a thin dark rim.
    wave_t = 0.575 if rng.random() < 0.4 else 0.34
    phase = rng.uniform(0, 2 * np.pi)
    rows = np.flatnonzero(np.abs(cv.y - wave_t * cv.sy) < 0.05 * cv.sy)
    centre = (wave_t + 0.012 * np.sin(2 * np.pi * cv.s + phase)) * cv.sy  # (1, W)
    dist = np.abs(cv.y[rows, None] - centre)
    cols = np.arange(size)
    cv.paint(Stamp(rows, cols, np.clip(0.012 * cv.sy + 0.5 - dist, 0, 1)), accent)
    cv.paint(Stamp(rows, cols, np.clip(0.003 * cv.sy + 0.5 - np.abs(dist - 0.017 * cv.sy), 0, 1)), deep)
    # The back: ingredient lines, and a barcode on a white plate.
    text_rows = np.arange(0.64, 0.12, -0.017)
    bx, by = rng.uniform(0.72, 0.8), 0.4 if wave_t > 0.5 else 0.5
    keep = (np.abs(text_rows - wave_t) > 0.035) & (np.abs(text_rows - by) > 0.04)
    cv.paint(cv.dashes(rng, 0.56, 0.93, text_rows[keep], 0.007, (0.015, 0.06), 0.01), ink)
    cv.paint(
        cv.dashes(
            rng,
            0.56,
            bx - 0.03,
            text_rows[~keep & (np.abs(text_rows - by) <= 0.04)],
            0.007,
            (0.015, 0.06),
            0.01,
        ),
        ink,
    )
    cv.paint(cv.rect(bx - 0.01, by - 0.032, bx + 0.11, by + 0.032, 0.005), np.array([0.9, 0.9, 0.88]))
    bars = cv.dashes(rng, bx, bx + 0.1, [by + 0.004], 0.045, (0.0015, 0.005), 0.0025, False)
    cv.paint(bars, np.array([0.01, 0.01, 0.01]))
    return cv.img


def _print(m: Material, size: int, rng: np.random.Generator) -> np.ndarray:
    base, accent = np.asarray(m.base_color), np.asarray(m.pattern_color)
    k = max(1, int(m.pattern_scale))
    cv = PanelCanvas(size, 3 * k, 2 * k, base)
    cv.img *= (1.0 + 0.08 * (cv.t - 0.5) + 0.03 * periodic_noise(rng, size, 0.03, 0.03, 64))[..., None]
    ink = ink_for(base)
    shift = rng.choice([-0.1, 0.1, 0.5])
    second = adjust_hsv(accent, hue_shift=shift, sat=0.8, value=float(np.clip(max(accent), 0.3, 0.8)))
    title_ink = base if abs(luma(base) - luma(accent)) > 0.08 else ink
    layout = rng.integers(3)
    if layout == 0:  # a big disc with a ring, the title under it
        cs, r = rng.uniform(0.42, 0.58), rng.uniform(0.24, 0.3)
        cv.paint(cv.ellipse(cs, 0.6, r, r), accent)
        cv.paint(cv.ellipse(cs, 0.6, r * 0.66, r * 0.66), second)
        cv.paint(cv.ellipse(cs, 0.6, r * 0.5, r * 0.5), accent)
        cv.paint(cv.dashes(rng, cs - 0.15, cs + 0.15, [0.6], 0.07, (0.06, 0.14), 0.035, False), title_ink)
        text = (0.15, 0.85, [0.21, 0.14])
    elif layout == 1:  # a diagonal band at 45 degrees in panel units: seamless from panel to panel
        c = rng.uniform(0.0, 1.0)
        f = cv.t - cv.s - c
        fw, g = np.abs((f + 0.5) % 1.0 - 0.5), np.hypot(1 / cv.sx, 1 / cv.sy)  # |f| and its texel gradient
        cv.paint(np.clip(0.5 - (fw - 0.14) / g, 0, 1), accent)
        cv.paint(np.clip(0.5 - (np.abs(fw - 0.2) - 0.022) / g, 0, 1), second)
        cv.paint(cv.ellipse(0.5, 0.5, 0.16, 0.16), second)
        cv.paint(cv.ellipse(0.5, 0.5, 0.12, 0.12), base)
        cv.paint(cv.dashes(rng, 0.42, 0.58, [0.5], 0.06, (0.05, 0.08), 0.03, False), ink)
        text = (0.1, 0.9, [])
    else:  # a header bar round the panel with the title inside, a block lower right
        cv.paint(cv.rect(-0.01, 0.64, 1.01, 0.86), accent)
        cv.paint(cv.rect(-0.01, 0.6, 1.01, 0.625), second)
        cv.paint(cv.dashes(rng, 0.15, 0.85, [0.75], 0.09, (0.12, 0.26), 0.05, False), title_ink)
        cv.paint(cv.rect(0.58, 0.14, 0.88, 0.48, radius=0.05), second)
        cv.paint(cv.ellipse(0.73, 0.31, 0.1, 0.1), accent)
        text = (0.12, 0.5, [0.44, 0.36, 0.28, 0.2])
    cv.paint(cv.dashes(rng, text[0], text[1], text[2], 0.035, (0.05, 0.14), 0.035), ink)
    return cv.img


def _wood(m: Material, size: int, rng: np.random.Generator) -> np.ndarray:
    base, grain = np.asarray(m.base_color), np.asarray(m.pattern_color)
    n = 3 * max(1, round(m.pattern_scale))  # growth lines per UV unit across u
    u = uv_grid(size)[0]
    # Growth lines: the phase grows n per unit of u; a warp slow along v (the grain) bends and
    # spaces them unevenly. n is an integer so the texture wraps round a lathe's seam.
    # Warp slopes across u stay well under n, so lines never close into loops (no contour-map look).
    warp = 1.2 * periodic_noise(rng, size, 0.2, 0.25, 64) + 0.45 * periodic_noise(rng, size, 1.5 / n, 0.08)
    phase = n * u + warp
    g = phase % 1.0
    # Latewood: darkening gradually through the ring to the full grain colour, then a sharp edge.
    ring = np.where(g < 0.88, (g / 0.88) ** 6, (1.0 - g) / 0.12)
    fibre = periodic_noise(rng, size, 0.0025, 0.06, 256)
    tone = periodic_noise(rng, size, 0.3, 0.3, 32)
    t = np.clip(0.85 * ring + 0.12 * fibre + 0.08 * tone + 0.08, 0.0, 1.0)
    image = base + (grain - base) * t[..., None]
    # Two near-equal wood colours would hide the grain: darken the latewood as well then.
    weak = float(np.clip(1.0 - abs(luma(grain) - luma(base)) / (0.3 * max(luma(base), 1e-3)), 0.0, 1.0))
    return image * (1.0 - 0.35 * weak * ring - 0.06 * weak * fibre)[..., None]


def _speckle(m: Material, size: int, rng: np.random.Generator) -> np.ndarray:
    base, dot = np.asarray(m.base_color), np.asarray(m.pattern_color)
    u, v = uv_grid(size)
    mottle = periodic_noise(rng, size, 0.025, 0.05, 64)
    img = base + (dot - base) * np.clip(0.18 + 0.12 * mottle, 0.0, 0.5)[..., None]
    img *= (1.0 + 0.035 * periodic_noise(rng, size, 0.004, 0.008, 256))[..., None]
    # Dots in rows of v; a row has columns in proportion to the sphere's circumference there.
    n_rows = max(1, round(m.pattern_scale))
    row_v = (np.arange(n_rows) + 0.5) / n_rows
    n_cols = np.maximum(1, np.round(2 * n_rows * np.sin(np.pi * row_v))).astype(np.int64)
    c_max = int(n_cols.max())
    frac = np.exp(rng.uniform(np.log(0.07), np.log(0.25), (n_rows, c_max)))  # radius / cell size
    ju = rng.uniform(frac, 1 - frac)
    jv = rng.uniform(frac, 1 - frac)
    strength = rng.uniform(0.45, 1.0, (n_rows, c_max)) * (rng.random((n_rows, c_max)) < 0.85)
    ri = np.clip((v[:, 0] * n_rows).astype(np.int64), 0, n_rows - 1)  # (H,)
    cu = u * n_cols[ri][:, None]  # (H, W) column coordinate
    ci = np.minimum(cu.astype(np.int64), n_cols[ri][:, None] - 1)
    fu = cu - ci  # position in the cell, 0..1
    fv = v * n_rows - ri[:, None]  # (H, 1)
    rows = ri[:, None]
    k = np.hypot((fu - ju[rows, ci]) / frac[rows, ci], (fv - jv[rows, ci]) / frac[rows, ci])
    radius_texels = frac[rows, ci] * np.minimum(size / n_cols[ri][:, None], size / n_rows)
    coverage = np.clip(0.5 + (1.0 - k) * np.maximum(radius_texels, 0.75), 0.0, 1.0) * strength[rows, ci]
    return img + (dot - img) * coverage[..., None]


def _pages(m: Material, size: int, rng: np.random.Generator) -> np.ndarray:
    base, line = np.asarray(m.base_color), np.asarray(m.pattern_color)
    n = max(1, round(m.pattern_scale))
    v = uv_grid(size)[1]
    main = (np.arange(n) + 0.5 + rng.uniform(-0.2, 0.2, n)) / n
    faint = rng.random(3 * n)
    centres = np.concatenate([main, faint])
    weight = np.concatenate([rng.uniform(0.55, 1.0, n), rng.uniform(0.15, 0.4, 3 * n)])
    sigma = np.concatenate([np.full(n, 0.1 / n), np.full(3 * n, 0.05 / n)])
    # A line thinner than a texel is drawn a texel wide and fainter, keeping its ink: the same tone at
    # every texture size.
    blurred = np.maximum(sigma, 0.45 / size)
    weight, sigma = weight * sigma / blurred, blurred
    d = (v - centres[None, :] + 0.5) % 1.0 - 0.5  # (H, L), periodic in v
    profile = np.clip((weight * np.exp(-0.5 * (d / sigma) ** 2)).sum(axis=1), 0.0, 1.0)  # (H, 1)
    along = 1.0 + 0.3 * periodic_noise(rng, size, 0.08, 0.3 / n, 128)
    t = np.clip(profile[:, None] * along + 0.04 * periodic_noise(rng, size, 0.05, 0.5 / n), 0.0, 1.0)
    return base + (line - base) * t[..., None]


def _screen(m: Material, size: int, rng: np.random.Generator) -> np.ndarray:
    glass, hue = np.asarray(m.base_color), np.asarray(m.pattern_color)
    cv = PanelCanvas(size, BOX_TILES[0], BOX_TILES[1], glass, margin=BOX_MARGIN)
    mm_s, mm_t = 1 / 150.0, 1 / 72.0  # a typical phone face: 150 mm along u (s), 72 mm along v (t)
    c1 = adjust_hsv(hue, sat=0.75, value=0.55)
    c2 = adjust_hsv(hue, hue_shift=rng.uniform(0.12, 0.35) * rng.choice([-1, 1]), sat=0.8, value=0.35)
    c3 = adjust_hsv(hue, hue_shift=0.5, sat=0.5, value=0.08)
    s, t = cv.s, cv.t
    blob = periodic_noise(rng, size, 0.03, 0.04, 64)
    home = rng.random() < 0.7
    if home:  # wallpaper: a soft diagonal gradient with blurred blobs
        g = np.clip(0.55 * s + 0.45 * t + 0.15 * blob, 0, 1)[..., None]
        wall = c3 + (c1 - c3) * g + (c2 - c1) * np.clip(0.5 + 0.4 * blob, 0, 1)[..., None] * g
    else:  # a photo: sky towards +s, hills on the horizon, a sun, darker ground below
        hills = periodic_noise(rng, size, 0.5, 0.025, 64)  # constant along s: a profile across the screen
        horizon = rng.uniform(0.35, 0.5) + 0.02 * hills
        ridge = horizon + 0.06 + 0.045 * periodic_noise(rng, size, 0.5, 0.04, 64)
        sky_top = adjust_hsv(hue, sat=0.65, value=0.4)
        sky_low = adjust_hsv(hue, hue_shift=0.08, sat=0.3, value=0.8)
        up = np.clip((s - horizon) / 0.5, 0, 1)[..., None]
        wall = sky_low + (sky_top - sky_low) * up
        sun_s, sun_t = rng.uniform(0.65, 0.85), rng.uniform(0.25, 0.75)
        cv.img = wall  # paint the sun and the land over the sky
        cv.paint(0.8 * cv.ellipse(sun_s, sun_t, 5 * mm_s, 5 * mm_t), np.array([1.0, 0.95, 0.8]))
        hill_colour = adjust_hsv(hue, hue_shift=0.45, sat=0.5, value=0.14)
        cv.paint(smoothstep(0.004, -0.004, s - ridge), hill_colour)
        shade = (0.6 + 0.4 * np.clip(s / 0.45, 0, 1)) * (
            1 + 0.15 * periodic_noise(rng, size, 0.01, 0.03, 128)
        )
        ground = adjust_hsv(hue, hue_shift=0.3, sat=0.55, value=0.28) * shade[..., None]
        below = smoothstep(0.003, -0.003, s - horizon)[..., None]
        wall = cv.img * (1 - below) + ground * below
        cv.img = np.empty_like(wall)
        cv.img[:] = glass
    display = cv.rect(6 * mm_s, 4.5 * mm_t, 1 - 6 * mm_s, 1 - 4.5 * mm_t, radius=0.09)
    cv.paint(display, np.broadcast_to(wall, cv.img.shape))  # the lit display inside the bezel
    white = np.array([0.85, 0.85, 0.85])

    def box(x0: float, y0: float, x1: float, y1: float, radius: float = 0.0) -> Stamp:
        """A rectangle in millimetres along s (x) and t (y)."""
        return cv.rect(x0 * mm_s, y0 * mm_t, x1 * mm_s, y1 * mm_t, radius)

    # Status bar at the +s end: a clock on one side, signal bars and a battery on the other.
    cv.paint(box(137.4, 55, 140.6, 64, 0.01), white)
    cv.paint(box(137.4, 8, 140.6, 15, 0.01), white)
    for k in range(4):
        cv.paint(box(137.4, 18 + 2.2 * k, 138 + 0.8 * k, 19.4 + 2.2 * k), white)
    if home:  # rows of app icons from the top, a dock at the bottom, page dots between
        n_rows = int(rng.integers(3, 6))
        cv.paint(0.3 * box(10, 5, 28, 67, 0.08), white)
        for r in range(n_rows + 1):
            dock = r == n_rows
            x = 19.0 if dock else 126.0 - 19.0 * r
            for c in range(4):
                y = 11.0 + 16.7 * c
                if not dock and rng.random() < 0.15:
                    continue
                hsv = rng.random(), rng.uniform(0.5, 0.9), rng.uniform(0.35, 0.8)
                colour = np.array(colorsys.hsv_to_rgb(*hsv))
                cv.paint(box(x - 5.5, y - 5.5, x + 5.5, y + 5.5, 0.035), colour)
                glyph = rng.integers(3)
                if glyph == 0:
                    cv.paint(cv.ellipse(x * mm_s, y * mm_t, 2.6 * mm_s, 2.6 * mm_t), white)
                elif glyph == 1:
                    cv.paint(box(x - 2.5, y - 3, x + 2.5, y + 3, 0.01), white)
                if not dock:
                    cv.paint(0.7 * box(x - 8.2, y - 3.5, x - 7.4, y + 3.5), white)  # its name
        cv.paint(cv.ellipse(30 * mm_s, 33 * mm_t, 0.8 * mm_s, 0.8 * mm_t), white)
        cv.paint(0.5 * cv.ellipse(30 * mm_s, 39 * mm_t, 0.8 * mm_s, 0.8 * mm_t), white)
    cv.paint(box(8, 26, 9, 46, 0.01), white)  # the home indicator
    # A faint reflection across the glass.
    gloss = 0.03 * smoothstep(0.3, 0.0, np.abs(s - 0.7 * t - 0.2))
    return cv.img + gloss[..., None]


def _stripes(m: Material, size: int, rng: np.random.Generator) -> np.ndarray:
    base, band = np.asarray(m.base_color), np.asarray(m.pattern_color)
    n = max(1, round(m.pattern_scale))
    duty = rng.uniform(0.3, 0.5)
    u = uv_grid(size)[0]
    d = np.abs((u * n) % 1.0 - 0.5) / n  # UV distance from the middle of the period
    coverage = np.clip((duty / (2 * n) - d) * size + 0.5, 0.0, 1.0)
    return base + (band - base) * np.broadcast_to(coverage, (size, size))[..., None]


_DRAW = {
    "label": _label,
    "print": _print,
    "wood": _wood,
    "speckle": _speckle,
    "pages": _pages,
    "screen": _screen,
    "stripes": _stripes,
    "keypad": draw_keypad,
    "leather": draw_leather,
    "seam": draw_seam,
}
assert set(_DRAW) | {"plain"} == set(PATTERNS), "every pattern needs a drawing function"
