"""Patterns drawn for one kind of item (a remote's keypad, leather goods, a tennis ball's seam); numpy and
scipy only (never scene, render, bpy, pyrender, ray or torch). ``patterns`` registers them; its
docstring states the UV layouts they are drawn for."""

from __future__ import annotations

import numpy as np

from handsynth.objects.model import Material
from handsynth.objects.pattern_canvas import BOX_MARGIN, BOX_TILES, PanelCanvas, ink_for, uv_grid
from handsynth.texture.color import adjust_hsv
from handsynth.texture.noise import periodic_noise


def draw_keypad(m: Material, size: int, rng: np.random.Generator) -> np.ndarray:
    """A TV remote's key face in every box-atlas tile, drawn for a face turned upright along its length
    (``RoundedBox.face_up``): t runs along the remote (+t = the end with the power key), s across it.
    Keys are ``pattern_color`` with small labels, on a ``base_color`` shell; sized for about 180 x 48 mm.
    """
    shell, key = np.asarray(m.base_color), np.asarray(m.pattern_color)
    cv = PanelCanvas(size, BOX_TILES[0], BOX_TILES[1], shell, margin=BOX_MARGIN)
    cv.img *= (1.0 + 0.04 * periodic_noise(rng, size, 0.05, 0.05, 64))[..., None]
    mm_s, mm_t = 1 / 48.0, 1 / 180.0
    label = ink_for(key)
    red = np.array([0.6, 0.04, 0.03])

    def key_at(s_mm: float, t_mm: float, w_mm: float, h_mm: float, colour=key, glyph: bool = True) -> None:
        s, t, w, h = s_mm * mm_s, t_mm * mm_t, w_mm * mm_s / 2, h_mm * mm_t / 2
        cv.paint(cv.rect(s - w, t - h, s + w, t + h, radius=0.03), colour)
        if glyph:
            cv.paint(cv.rect(s - 0.35 * w, t - 0.7 * mm_t, s + 0.35 * w, t + 0.7 * mm_t), ink_for(colour))

    power = 11 if rng.random() < 0.6 else 37
    key_at(power, 168, 9, 9, red, glyph=False)
    key_at(48 - power, 168, 9, 6)
    n_top = int(rng.integers(2, 5))
    for s_mm in np.linspace(10, 38, n_top):
        key_at(s_mm, 152, 32 / n_top, 5)
    # The navigation ring round an OK key.
    ring, ring_t = rng.uniform(12.0, 16.0), rng.uniform(120.0, 128.0)
    cv.paint(cv.ellipse(0.5, ring_t * mm_t, ring * mm_s, ring * mm_t), key)
    cv.paint(cv.ellipse(0.5, ring_t * mm_t, 0.57 * ring * mm_s, 0.57 * ring * mm_t), shell)
    cv.paint(cv.ellipse(0.5, ring_t * mm_t, 0.43 * ring * mm_s, 0.43 * ring * mm_t), key)
    for angle in np.arange(4) * np.pi / 2:  # arrow marks on the ring
        s, t = 24 + 0.78 * ring * np.cos(angle), ring_t + 0.78 * ring * np.sin(angle)
        cv.paint(cv.ellipse(s * mm_s, t * mm_t, 1.0 * mm_s, 1.0 * mm_t), label)
    # Volume and channel rockers either side of a mute key, maybe four colour keys, the number grid.
    for s_mm in (8, 40):
        key_at(s_mm, 97, 8, rng.uniform(14.0, 20.0))
    key_at(24, 97, 9, 6)
    if rng.random() < 0.7:
        for k, colour in enumerate(
            ([0.5, 0.03, 0.02], [0.03, 0.35, 0.05], [0.6, 0.5, 0.02], [0.02, 0.1, 0.5])
        ):
            key_at(9 + 10 * k, 78, 8, 4, np.array(colour), glyph=False)
    round_keys = rng.random() < 0.4
    for row in range(4):
        for col in range(3):
            s_mm, t_mm = 12 + 12 * col, 62 - 13 * row
            if round_keys:
                cv.paint(cv.ellipse(s_mm * mm_s, t_mm * mm_t, 4.5 * mm_s, 4.5 * mm_t), key)
                cv.paint(
                    cv.rect(
                        (s_mm - 1.2) * mm_s, (t_mm - 0.7) * mm_t, (s_mm + 1.2) * mm_s, (t_mm + 0.7) * mm_t
                    ),
                    label,
                )
            else:
                key_at(s_mm, t_mm, 9, 7.5, glyph=row < 3 or col == 1)
    return cv.img


def draw_leather(m: Material, size: int, rng: np.random.Generator) -> np.ndarray:
    """Pebbled leather (``base_color`` mottled towards ``pattern_color``) with a stitched seam inset
    about 4 % round every box-atlas tile, in a thread colour lighter than the leather."""
    base, grain = np.asarray(m.base_color), np.asarray(m.pattern_color)
    pebble = 0.35 + 0.3 * periodic_noise(rng, size, 0.006, 0.006, 256)
    pebble += 0.08 * periodic_noise(rng, size, 0.04, 0.04, 64)
    img = base + (grain - base) * np.clip(pebble, 0.0, 1.0)[..., None]
    cv = PanelCanvas(size, BOX_TILES[0], BOX_TILES[1], base, margin=BOX_MARGIN)
    cv.img = img
    thread = adjust_hsv(base, sat=0.35, value=0.75)  # the leather's hue, pale
    inset, width, period = 0.045, 0.014, 0.035  # panel units
    x, y = cv.s * cv.sx, cv.t * cv.sy  # texels
    qx = np.abs(x - 0.5 * cv.sx) - (0.5 - inset) * cv.sx
    qy = np.abs(y - 0.5 * cv.sy) - (0.5 - inset) * cv.sy
    outline = np.abs(np.hypot(np.maximum(qx, 0), np.maximum(qy, 0)) + np.minimum(np.maximum(qx, qy), 0))
    w = width * min(cv.sx, cv.sy)
    w_eff = max(w, 1.0)  # thinner than a texel: a texel wide and fainter, keeping its ink
    across = np.clip(0.5 + (w_eff / 2 - outline), 0.0, 1.0) * (w / w_eff)
    s, t = np.broadcast_arrays(cv.s, cv.t)
    along = np.where(qy > qx, s, t)  # position along the nearest side
    dash = np.abs((along / period) % 1.0 - 0.5) * period * min(cv.sx, cv.sy)  # texels from a stitch's middle
    stitch = np.clip(0.5 + (0.3 * period * min(cv.sx, cv.sy) - dash), 0.0, 1.0)
    return img + (thread - img) * (across * stitch)[..., None]


def seam_curve(rng: np.random.Generator, n: int = 720) -> np.ndarray:
    """(n, 3) points on the unit sphere along a tennis ball's seam (the curve x = a cos t + b cos 3t,
    y = a sin t - b sin 3t, z = 2 sqrt(ab) sin 2t with a + b = 1), turned by a random rotation."""
    b = 0.3
    a = 1.0 - b
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    curve = np.stack(
        [
            a * np.cos(t) + b * np.cos(3 * t),
            a * np.sin(t) - b * np.sin(3 * t),
            2 * np.sqrt(a * b) * np.sin(2 * t),
        ],
        axis=1,
    )
    q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    return curve @ (q * np.sign(np.diag(r))).T


def draw_seam(m: Material, size: int, rng: np.random.Generator) -> np.ndarray:
    """A tennis ball: felt (``base_color``, lightly mottled) and the seam (``pattern_color``, about
    6 mm wide on a 67 mm ball), drawn for a sphere lathe (u = longitude, v = latitude from the bottom
    pole)."""
    from scipy.spatial import cKDTree

    base, line = np.asarray(m.base_color), np.asarray(m.pattern_color)
    u, v = uv_grid(size)
    theta, polar = 2 * np.pi * u, np.pi * v  # polar 0 at the bottom pole (v = 0)
    ring = np.sin(polar)
    points = np.stack(
        np.broadcast_arrays(ring * np.cos(theta), ring * np.sin(theta), -np.cos(polar)), axis=-1
    ).reshape(-1, 3)
    chord = cKDTree(seam_curve(rng)).query(points)[0].reshape(size, size)
    angle = 2.0 * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))
    coverage = np.clip(0.5 + (0.09 - angle) / (np.pi / size), 0.0, 1.0)
    felt = base * (1.0 + 0.035 * periodic_noise(rng, size, 0.006, 0.012, 128))[..., None]
    return felt + (line - felt) * coverage[..., None]
