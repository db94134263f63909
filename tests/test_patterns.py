"""Pattern textures: shape, determinism, colours, the UV convention, and the layouts they are drawn for."""

import numpy as np
import pytest
from PIL import Image

from handsynth.conventions import linear_to_srgb8
from handsynth.objects import FAMILIES, pattern_texture
from handsynth.objects import patterns as patterns_module
from handsynth.objects.model import PATTERNS, Material
from handsynth.objects.patterns import sample_texture

SIZE = 128
RED, BLUE = (0.6, 0.08, 0.05), (0.05, 0.2, 0.6)
SCALE = {"wood": 6.0, "speckle": 20.0, "pages": 40.0, "stripes": 4.0}  # the rest draw at 1
NON_PLAIN = [p for p in PATTERNS if p != "plain"]


def _material(pattern: str, seed: int = 7, base=RED, color=BLUE, scale=None) -> Material:
    scale = SCALE.get(pattern, 1.0) if scale is None else scale
    return Material("t", base, pattern=pattern, pattern_color=color, pattern_scale=scale, pattern_seed=seed)


def _family_material(family: str, pattern: str, seed: int = 0):
    model = FAMILIES[family].build(np.random.default_rng(seed))
    slot = next(k for k, m in enumerate(model.materials) if m.pattern == pattern)
    return model, slot, model.materials[slot]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_texture_is_read_only_linear_rgb_in_range(pattern):
    tex = pattern_texture(_material(pattern), SIZE)
    assert tex.shape == (SIZE, SIZE, 3) and tex.dtype == np.float32
    assert tex.min() >= 0.0 and tex.max() <= 1.0
    assert not tex.flags.writeable
    with pytest.raises(ValueError):
        tex[0, 0, 0] = 0.5


@pytest.mark.parametrize("pattern", PATTERNS)
def test_texture_is_a_pure_function_of_the_material(pattern):
    first = pattern_texture(_material(pattern), SIZE)
    assert pattern_texture(_material(pattern), SIZE) is first  # an equal material hits the cache
    patterns_module._texture.cache_clear()
    again = pattern_texture(_material(pattern), SIZE)
    assert again is not first
    np.testing.assert_array_equal(again, first)


@pytest.mark.parametrize("pattern", NON_PLAIN)
def test_another_seed_draws_another_texture(pattern):
    a = pattern_texture(_material(pattern, seed=1), SIZE)
    b = pattern_texture(_material(pattern, seed=2), SIZE)
    assert not np.array_equal(a, b)
    if pattern != "stripes":  # the seed of stripes only sets their width
        assert np.abs(a - b).mean() > 0.01


def test_plain_is_base_color_exactly():
    tex = pattern_texture(_material("plain"), SIZE)
    np.testing.assert_array_equal(tex, np.broadcast_to(np.float32(RED), tex.shape))


@pytest.mark.parametrize("pattern", NON_PLAIN)
@pytest.mark.parametrize("base, color", [(RED, BLUE), (BLUE, RED), ((0.9, 0.88, 0.8), (0.02, 0.02, 0.02))])
def test_patterns_show_both_colours(pattern, base, color):
    tex = pattern_texture(_material(pattern, base=base, color=color), SIZE).reshape(-1, 3)
    to_base = np.linalg.norm(tex - np.asarray(base), axis=1)
    to_color = np.linalg.norm(tex - np.asarray(color), axis=1)
    gap = np.linalg.norm(np.subtract(base, color))
    assert np.mean(to_base < to_color) > 0.05
    assert np.mean(to_color < to_base) > 0.05
    assert np.mean(to_base < 0.25 * gap) > 0.05
    if pattern != "screen":  # the screen draws hues of pattern_color, not the colour itself
        assert np.mean(to_color < 0.25 * gap) > 0.005


@pytest.mark.parametrize("pattern", PATTERNS)
def test_design_does_not_depend_on_texture_size(pattern):
    """A smaller texture is the same picture at a lower resolution (noise is band-limited, shapes are
    placed in UV units), so renderers asking for different sizes still agree."""
    small = pattern_texture(_material(pattern), 128).astype(np.float64)
    large = pattern_texture(_material(pattern), 256).astype(np.float64)
    large = large.reshape(128, 2, 128, 2, 3).mean(axis=(1, 3))
    assert np.abs(small - large).mean() < 0.02
    assert abs(small.mean() - large.mean()) < 0.002


@pytest.mark.parametrize("size", [0, 8, 64.0, "256"])
def test_bad_size_is_refused(size):
    with pytest.raises(ValueError, match="texture size"):
        pattern_texture(_material("wood"), size)


# --- the UV convention --------------------------------------------------------------------------------


def test_sample_texture_puts_uv_origin_at_the_bottom_left():
    rows, cols = np.mgrid[0:4, 0:8].astype(np.float64)
    tex = np.stack([rows, cols], axis=-1)  # (4, 8, 2): each texel holds its (row, col)
    centres = np.array([[0.5 / 8, 0.5 / 4], [7.5 / 8, 3.5 / 4], [2.5 / 8, 1.5 / 4]])
    np.testing.assert_allclose(sample_texture(tex, centres), [[3, 0], [0, 7], [2, 2]])
    # Repeat wrap: u = 1 + x samples like u = x; halfway between columns 7 and 0 across the seam.
    np.testing.assert_allclose(sample_texture(tex, [[1 + 2.5 / 8, 1.5 / 4]]), [[2, 2]])
    np.testing.assert_allclose(sample_texture(tex, [[0.0, 0.5 / 4]]), [[3, 3.5]])


def test_convention_matches_trimesh_sampling():
    """trimesh (and pyrender, which flips rows on upload) read uv (0, 0) at the last row, first column."""
    from trimesh.visual.color import uv_to_color

    tex = pattern_texture(_material("screen"), SIZE)
    image = linear_to_srgb8(tex)
    uv = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.25]])
    got = uv_to_color(uv, Image.fromarray(image))[:, :3]
    rows = [SIZE - 1, SIZE - 1, 0, 0, round(0.75 * (SIZE - 1))]
    cols = [0, SIZE - 1, 0, SIZE - 1, round(0.5 * (SIZE - 1))]
    expected = image[rows, cols]
    np.testing.assert_array_equal(got, expected)


def test_stripes_sit_at_known_uvs():
    """Stripes run along v, centred in each of round(scale) periods of u; a sample at a known uv."""
    tex = pattern_texture(_material("stripes", scale=1.0), SIZE)
    for v in (0.1, 0.5, 0.9):
        np.testing.assert_allclose(sample_texture(tex, [[0.5, v]])[0], BLUE, atol=1e-6)
        np.testing.assert_allclose(sample_texture(tex, [[0.02, v]])[0], RED, atol=1e-6)
    assert np.all(tex == tex[:1])  # every row alike: bands of constant u


@pytest.mark.parametrize("pattern", ["label", "print", "wood", "speckle", "stripes", "pages"])
def test_texture_wraps_round_the_lathe_seam(pattern):
    tex = pattern_texture(_material(pattern), SIZE).astype(np.float64)
    seam = np.abs(tex[:, 0] - tex[:, -1]).mean()
    neighbours = np.abs(np.diff(tex, axis=1)).mean()
    assert seam <= 3 * neighbours + 1e-6


# --- drawn for the shapes' UV layouts ----------------------------------------------------------------


def test_wood_grain_runs_along_v_the_long_axis_of_a_lathe_stick():
    tex = pattern_texture(_material("wood", base=(0.5, 0.35, 0.2), color=(0.25, 0.15, 0.08)), 256)
    along_v = np.abs(np.diff(tex, axis=0)).mean()
    across_u = np.abs(np.diff(tex, axis=1)).mean()
    assert along_v < 0.5 * across_u
    model, slot, _ = _family_material("chopstick", "wood")
    faces = model.face_slots == slot
    z = model.vertices[model.faces[faces]][..., 2]  # (F, 3)
    v = model.face_uvs[faces][..., 1]
    assert np.corrcoef(z.ravel(), v.ravel())[0, 1] > 0.99


def test_page_lines_are_constant_v_which_is_the_book_thickness():
    tex = pattern_texture(_material("pages", base=(0.9, 0.88, 0.8), color=(0.6, 0.55, 0.5)), 256)
    within_rows = tex.std(axis=1).mean()
    across_rows = tex.std(axis=0).mean()
    assert within_rows < 0.5 * across_rows
    model, slot, _ = _family_material("book", "pages")
    faces = model.face_slots == slot
    tri, uv = model.vertices[model.faces[faces]], model.face_uvs[faces]
    edges = [(0, 1), (1, 2), (2, 0)]
    dz = np.concatenate([np.abs(tri[:, a, 2] - tri[:, b, 2]) for a, b in edges])
    dv = np.concatenate([np.abs(uv[:, a, 1] - uv[:, b, 1]) for a, b in edges])
    # On every page face an edge along u keeps its thickness z (but round the box's corners).
    assert np.mean(dz[dv < 1e-12] < 1e-9) > 0.9
    assert np.corrcoef(dz[dv > 1e-12], dv[dv > 1e-12])[0, 1] > 0.5


@pytest.mark.parametrize("family", ["bottle", "jar"])
def test_label_brand_sits_inside_every_label_band(family):
    for seed in range(12):
        model, slot, label = _family_material(family, "label", seed)
        v = model.face_uvs[model.face_slots == slot][..., 1]
        assert v.min() < 0.46 - 0.085 and v.max() > 0.46 + 0.05, (seed, v.min(), v.max())
    tex = pattern_texture(_material("label", base=(0.9, 0.88, 0.8), color=BLUE), 256)
    u = np.linspace(0, 1, 400, endpoint=False)

    def blue_fraction(v: float) -> float:
        row = sample_texture(tex, np.stack([u, np.full_like(u, v)], axis=1))
        return float(np.mean(np.linalg.norm(row - BLUE, axis=1) < 0.1))

    assert blue_fraction(0.46) > 0.1  # the brand block
    assert blue_fraction(0.9) == 0.0  # the blank label above it


def test_phone_shows_a_lit_screen_inside_a_dark_bezel():
    model, slot, screen = _family_material("phone", "screen")
    tex = pattern_texture(screen, 256)
    faces = np.flatnonzero(model.face_slots == slot)
    centroids = model.vertices[model.faces[faces]].mean(axis=1)
    uv = model.face_uvs[faces].mean(axis=1)
    top = model.vertices[:, 2].max()
    middle = faces[np.argmin(np.linalg.norm(centroids - [0.0, 0.0, top], axis=1))]
    lit = sample_texture(tex, model.face_uvs[middle].mean(axis=0, keepdims=True))[0]
    assert lit.max() > 5 * max(screen.base_color) + 0.05
    x_max = model.vertices[:, 0].max()
    edge = np.abs(centroids[:, 0]) > x_max - 0.002  # the last 2 mm of the face, round its rounded edge
    glass = np.broadcast_to(screen.base_color, (edge.sum(), 3))
    np.testing.assert_allclose(sample_texture(tex, uv[edge]), glass, atol=0.035)


def test_print_panels_are_the_box_faces_at_scale_one():
    """At pattern_scale 1 the print repeats once per box-atlas tile, so every face shows one panel."""
    tex = pattern_texture(_material("print", scale=1.0), 192)
    tiles = tex.reshape(2, 96, 3, 64, 3).transpose(0, 2, 1, 3, 4).reshape(6, 96, 64, 3)
    for tile in tiles[1:]:
        assert np.abs(tile - tiles[0]).mean() < 0.03  # the same design, up to the print's mottling


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_material_gets_a_texture(family):
    for seed in range(3):
        model = FAMILIES[family].build(np.random.default_rng(seed))
        assert model.face_slots.max() < len(model.materials)
        for material in model.materials:
            tex = pattern_texture(material, 64)
            assert tex.shape == (64, 64, 3) and np.isfinite(tex).all()
            assert 0.0 <= tex.min() and tex.max() <= 1.0
