"""Tests of the shapes the newer families are built from (Prism, a placed Lathe, RoundedBox.face_up) and of
the pictures face_up turns: a cutting board's grain along its length, covers printed upright along
their long side."""

import numpy as np
import pytest
import trimesh
from test_objects import _brute_distance

from handsynth.objects import FAMILIES, pattern_texture
from handsynth.objects.patterns import sample_texture
from handsynth.objects.shapes import Lathe, Prism, RoundedBox

TURN = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # x -> y -> z -> x


def test_prism_distance_is_exact_and_its_mesh_closed():
    polygon = np.array([[-0.03, 0.0], [0.03, 0.0], [0.02, 0.025], [-0.01, 0.04]])
    prism = Prism(polygon, 0.02, center=(0.01, -0.02, 0.05), rotation=TURN)
    mesh = prism.mesh()
    solid = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
    assert solid.is_watertight and solid.is_winding_consistent
    # Volume: the polygon's area (shoelace) times the length.
    x, y = polygon.T
    area = 0.5 * abs(x @ np.roll(y, -1) - y @ np.roll(x, -1))
    assert solid.volume == pytest.approx(area * 0.04, rel=1e-9)
    assert np.allclose(prism.bounds(), [solid.vertices.min(axis=0), solid.vertices.max(axis=0)])
    points = np.random.default_rng(0).uniform(*(prism.bounds() + [[-0.01], [0.01]]), size=(300, 3))
    distance = prism.sdf(points)
    assert np.abs(np.abs(distance) - _brute_distance(mesh.vertices, mesh.faces, points)).max() < 1e-12
    assert np.array_equal(distance < 0, solid.contains(points))
    assert mesh.face_uvs.min() >= 0.0 and mesh.face_uvs.max() <= 1.0


@pytest.mark.parametrize("polygon", [[[0, 0], [1, 0], [0, 1], [1, 1]], [[0, 0], [0, 1], [1, 0]]])
def test_prism_refuses_a_non_convex_or_clockwise_polygon(polygon):
    with pytest.raises(ValueError, match="convex, counter-clockwise"):
        Prism(np.asarray(polygon, dtype=float) * 0.01, 0.01)


def test_placed_lathe_is_the_lathe_moved():
    profile = np.array([[0.0, 0.0], [0.02, 0.0], [0.025, 0.01], [0.01, 0.03], [0.0, 0.03]])
    at_origin = Lathe(profile, 0, segments=32)
    centre = np.array([0.01, 0.02, -0.03])
    placed = Lathe(profile, 0, segments=32, center=tuple(centre), rotation=TURN)
    local = np.random.default_rng(1).uniform(-0.04, 0.05, size=(500, 3))
    moved = local @ TURN.T + centre
    assert np.allclose(placed.sdf(moved), at_origin.sdf(local), atol=1e-15)
    assert np.allclose(placed.sdf_fast(moved), at_origin.sdf_fast(local), atol=1e-12)
    assert np.allclose(placed.mesh().vertices, at_origin.mesh().vertices @ TURN.T + centre)
    vertices = placed.mesh().vertices
    assert np.allclose(placed.bounds(), [vertices.min(axis=0), vertices.max(axis=0)], atol=1e-3)


def test_face_up_must_be_one_of_the_faces_own_axes():
    with pytest.raises(ValueError, match="face 4"):
        RoundedBox((0.05, 0.03, 0.01), 0.002, face_up=(None, None, None, None, 2, None))


# --- pictures along the long side --------------------------------------------------------------------


def _face_uv_map(model, axis: int, sign: int) -> np.ndarray:
    """(2, 3) affine map (a, b, 1) -> uv on the flat part of the box face (axis, sign), a and b its
    other two object coordinates in increasing order; asserts the map is exact there."""
    others = [k for k in range(3) if k != axis]
    tri = model.vertices[model.faces]
    flat = np.all(np.abs(tri[:, :, axis] - sign * np.abs(model.vertices[:, axis]).max()) < 1e-12, axis=1)
    inner = flat & np.all(
        np.abs(tri[:, :, others]) < 0.9 * np.abs(model.vertices[:, others]).max(axis=0), axis=(1, 2)
    )
    coords = np.concatenate([tri[inner][:, :, others].reshape(-1, 2), np.ones((3 * inner.sum(), 1))], axis=1)
    uv = model.face_uvs[inner].reshape(-1, 2)
    fit, *_ = np.linalg.lstsq(coords, uv, rcond=None)
    assert inner.sum() > 10 and np.abs(coords @ fit - uv).max() < 1e-9
    return fit.T


def _reads_upright_along(model, axis: int, sign: int, up: int) -> None:
    """The picture on face (axis, sign) has its v (up) along + object axis ``up`` and is unmirrored."""
    others = [k for k in range(3) if k != axis]
    jac = np.zeros((2, 3))
    jac[:, others] = _face_uv_map(model, axis, sign)[:, :2]  # d(u, v) / d(x, y, z)
    side = [k for k in others if k != up][0]
    assert jac[1, up] > 0 and abs(jac[1, side]) < 1e-9 and abs(jac[0, up]) < 1e-9, jac
    normal = np.eye(3)[axis] * sign
    assert np.cross(jac[0], jac[1]) @ normal > 0  # u x v along the outward normal: not mirrored


@pytest.mark.parametrize("seed", range(3))
def test_cutting_board_grain_runs_along_its_length(seed):
    """The grain (the wood pattern's v) follows the board's long axis x on its faces and long sides, and
    the texture seen along x changes much less than across it."""
    model = FAMILIES["cutting_board"].build(np.random.default_rng(seed))
    for axis, sign in ((2, 1), (2, -1), (1, 1), (1, -1)):
        _reads_upright_along(model, axis, sign, up=0)
    tex = pattern_texture(model.materials[0], 256)
    uv_map = _face_uv_map(model, 2, 1)
    hx, hy = 0.8 * np.abs(model.vertices[:, :2]).max(axis=0)
    a, b = np.meshgrid(np.linspace(-hx, hx, 200), np.linspace(-hy, hy, 200), indexing="ij")  # (x, y)
    colour = sample_texture(tex, np.stack([a, b, np.ones_like(a)], -1).reshape(-1, 3) @ uv_map.T)
    colour = colour.reshape(200, 200, 3)
    along_x = np.abs(np.diff(colour, axis=0)).mean() / (2 * hx / 199)
    across = np.abs(np.diff(colour, axis=1)).mean() / (2 * hy / 199)
    assert along_x < 0.3 * across


@pytest.mark.parametrize("seed", range(3))
def test_portrait_covers_print_upright_along_the_long_side(seed):
    """A book's covers and a carton's long faces show the print's up (v) along their length x, read from
    outside; the book's spine keeps its title along the length."""
    book = FAMILIES["book"].build(np.random.default_rng(seed))
    for sign in (1, -1):
        _reads_upright_along(book, 2, sign, up=0)
    spine = _face_uv_map(book, 1, -1)
    assert spine[0, 0] > 0 and abs(spine[1, 0]) < 1e-9  # u (the lines of text) along x
    carton = FAMILIES["carton"].build(np.random.default_rng(seed))
    for axis in (1, 2):
        for sign in (1, -1):
            _reads_upright_along(carton, axis, sign, up=0)
    milk = FAMILIES["milk_carton"].build(np.random.default_rng(seed))
    body = milk.parts[0]
    assert body.face_up[:4] == (2, 2, 2, 2)  # a standing carton: upright along z on all four sides


def test_remote_keypad_faces_up_along_its_length():
    model = FAMILIES["remote_control"].build(np.random.default_rng(0))
    _reads_upright_along(model, 2, 1, up=0)
    assert model.materials[1].pattern == "keypad"
