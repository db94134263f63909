"""Tests of the object layer: every procedural family's solids, sizes, materials and grasp geometry;
resolving object names; meshes from the asset manifest and their exact distance field."""

import colorsys
import functools
import hashlib
import pathlib

import numpy as np
import pytest
import trimesh
import yaml
from scipy.spatial import cKDTree

from handsynth.conventions import linear_to_srgb
from handsynth.errors import UserError
from handsynth.geometry.mesh import winding_numbers
from handsynth.objects import (
    CATEGORY_ALIASES,
    FAMILIES,
    GraspGeometry,
    MeshPart,
    ObjectModel,
    object_catalog,
    resolve_objects,
)
from handsynth.objects.model import PATTERNS

SEEDS = range(6)
CATEGORIES = ("cylindrical", "slender", "cubical", "spherical")

# Real-world ranges (mm) of each family's named dimensions; "2*radius" is a diameter.
EXPECTED_DIMS_MM = {
    "bottle": {"2*radius": (58, 76), "height": (185, 265), "2*neck_radius": (24, 32)},
    "can": {"2*radius": (57, 67), "height": (110, 160)},
    "mug": {"2*radius": (74, 92), "height": (80, 110), "wall": (3, 5.5), "handle_depth": (20, 30)},
    "glass": {"2*radius_bottom": (50, 80), "2*radius_top": (60, 90), "height": (85, 145)},
    "jar": {"2*radius": (68, 94), "height": (85, 145)},
    "pencil": {"2*radius": (6.5, 8.5), "length": (145, 195)},
    "marker": {"2*radius": (12, 18), "length": (115, 145)},
    "chopstick": {"2*radius_tip": (3, 5.5), "2*radius_end": (7, 11), "length": (220, 280)},
    "knife": {
        "handle_length": (95, 125),
        "handle_width": (18, 26),
        "blade_length": (85, 125),
        "blade_width": (17, 25),
    },
    "screwdriver": {"shaft_length": (70, 125), "2*handle_radius": (24, 34), "handle_length": (85, 115)},
    "book": {"length": (145, 245), "width": (105, 175), "thickness": (10, 42)},
    "phone": {"length": (140, 168), "width": (66, 80), "thickness": (7, 9.5)},
    "carton": {"length": (80, 140), "width": (45, 95), "height": (28, 68)},
    "block": {"size": (44, 72)},
    "cutting_board": {"length": (245, 355), "width": (145, 225), "thickness": (11, 21)},
    "ball": {"radius": (30, 50)},
    "orange": {"radius": (33, 47)},
    "apple": {"radius": (32, 46)},
    "tomato": {"radius": (26, 42)},
    "spray_can": {"2*radius": (44, 66), "body_height": (119, 211), "height": (140, 265)},
    "coffee_cup": {"2*radius_bottom": (54, 62), "2*radius_top": (78, 92), "height": (95, 150)},
    "milk_carton": {"width": (68, 72), "body_height": (94, 201), "height": (130, 252)},
    "fork": {
        "length": (164, 200),
        "handle_width": (9.5, 14.5),
        "head_width": (21, 27),
        "tine_length": (29, 37),
    },
    "spoon": {
        "length": (160, 190),
        "handle_width": (9.5, 13.5),
        "bowl_width": (37, 45),
        "bowl_depth": (5.5, 8.5),
    },
    "toothbrush": {
        "length": (174, 201),
        "handle_width": (11.5, 15.5),
        "handle_thickness": (8.5, 11.5),
        "bristle_height": (9.5, 11.5),
    },
    "remote_control": {"length": (145, 215), "width": (38, 57), "thickness": (16, 26)},
    "wallet": {"length": (105, 125), "width": (80, 100), "thickness": (11, 21)},
    "sponge": {"length": (90, 120), "width": (60, 80), "thickness": (35, 50), "pad": (5, 10)},
    "tennis_ball": {"2*radius": (65.4, 68.6)},
    "lemon": {"2*radius": (50, 66), "length": (68, 92)},
    "egg": {"length": (52, 64), "breadth": (39, 47)},
    "kiwi": {"2*radius": (44, 56), "length": (55, 75)},
}


@functools.cache
def _built(name: str, seed: int) -> tuple[ObjectModel, tuple]:
    """A family's object for a seed and its parts' meshes, built once per test session."""
    obj = FAMILIES[name].build(np.random.default_rng(seed))
    return obj, tuple(part.mesh() for part in obj.parts)


def _test_points(obj: ObjectModel, meshes, rng: np.random.Generator, n: int = 100) -> np.ndarray:
    """(2n, 3) points: n uniform in the padded bounds, then n within a few mm of the surface."""
    lo, hi = obj.bounds()
    vertices = np.concatenate([m.vertices for m in meshes])
    near = vertices[rng.integers(len(vertices), size=n)]
    offsets = rng.normal(size=(n, 3))
    offsets *= rng.uniform(0.0006, 0.004, size=(n, 1)) / np.linalg.norm(offsets, axis=1, keepdims=True)
    return np.concatenate([rng.uniform(lo - 0.003, hi + 0.003, size=(n, 3)), near + offsets])


# --- procedural families --------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_object_is_a_valid_solid(name, seed):
    obj, meshes = _built(name, seed)
    assert obj.family == name and obj.category == FAMILIES[name].category and obj.source == "procedural"
    for part, mesh in zip(obj.parts, meshes, strict=True):
        solid = trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)
        assert solid.is_watertight and solid.is_winding_consistent, f"{name} part {type(part).__name__}"
        assert solid.volume > 0.0
        assert np.abs(part.sdf(mesh.vertices)).max() < 2.5e-4
    # The object's mesh is its parts' meshes, and its distance's sign agrees with the mesh's inside.
    assert np.array_equal(obj.vertices, np.concatenate([m.vertices for m in meshes]))
    points = _test_points(obj, meshes, np.random.default_rng(100 + seed))
    distance = obj.sdf(points)
    inside = winding_numbers(obj.vertices, obj.faces, points) > 0.5
    clear = np.abs(distance) > 5e-4
    assert clear.sum() > 100
    assert np.array_equal((distance < 0)[clear], inside[clear])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_object_sizes_materials_and_grasp(name, seed):
    obj, meshes = _built(name, seed)
    lo, hi = obj.bounds()
    extent = hi - lo
    assert np.allclose([obj.vertices.min(axis=0), obj.vertices.max(axis=0)], [lo, hi], atol=1e-3)
    assert extent.max() <= 0.40 and extent.min() >= 0.005
    # Object frames of families/: standing along +z from 0; centred boxes x >= y >= z; centred rounds.
    if obj.category in ("cylindrical", "slender"):  # x may reach further: a mug's handle
        assert (
            abs(lo[2]) < 5e-4 and np.all(lo[:2] < 0.0) and np.all(hi[:2] > 0.0) and abs(lo[1] + hi[1]) < 0.005
        )
    elif obj.category == "cubical":
        assert np.allclose(lo, -hi) and extent[0] >= extent[1] >= extent[2]
    else:
        assert np.all(np.abs(lo + hi) < 0.1 * extent)
    faces_n = len(obj.faces)
    assert obj.face_uvs.shape == (faces_n, 3, 2) and obj.face_slots.shape == (faces_n,)
    assert obj.face_uvs.min() >= 0.0 and obj.face_uvs.max() <= 1.0
    assert obj.face_slots.min() >= 0 and obj.face_slots.max() < len(obj.materials)
    assert set(obj.face_slots.tolist()) == set(range(len(obj.materials)))  # every material is used
    for material in obj.materials:
        values = [
            *material.base_color,
            *material.pattern_color,
            material.roughness,
            material.metallic,
            material.transmission,
        ]
        assert all(0.0 <= v <= 1.0 for v in values) and material.pattern in PATTERNS
    _assert_grasp_inside(obj.grasp, lo, hi)


def _assert_grasp_inside(grasp: GraspGeometry, lo: np.ndarray, hi: np.ndarray) -> None:
    eps = 1e-9
    assert np.all(np.asarray(grasp.center) >= lo - eps) and np.all(np.asarray(grasp.center) <= hi + eps)
    if grasp.kind == "axial":
        z0, z1 = grasp.axis_range
        assert lo[2] - eps <= z0 < z1 <= grasp.top + eps and grasp.top <= hi[2] + 5e-4  # a rim fillet may dip
        assert 0.0 < grasp.radius <= np.abs(np.stack([lo[:2], hi[:2]])).max() + eps
    elif grasp.kind == "box":
        assert np.all(np.asarray(grasp.half_extents) > 0.0)
        assert np.all(np.asarray(grasp.half_extents) <= (hi - lo) / 2 + eps)
    else:
        assert grasp.kind == "round" and 0.0 < grasp.radius <= (hi - lo).max() / 2 + eps


@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_dimensions_are_realistic(name):
    expected = EXPECTED_DIMS_MM[name]
    for seed in SEEDS:
        dims = _built(name, seed)[0].dims
        for key, (low, high) in expected.items():
            factor, _, field = key.rpartition("*")
            value_mm = float(factor or 1) * dims[field] * 1000.0
            assert low <= value_mm <= high, (
                f"{name} seed {seed}: {key} = {value_mm:.1f} mm, not in {low}..{high}"
            )


@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_is_a_pure_function_of_the_seed(name):
    again = FAMILIES[name].build(np.random.default_rng(3))
    first, _ = _built(name, 3)
    assert np.array_equal(again.vertices, first.vertices) and np.array_equal(again.face_uvs, first.face_uvs)
    assert again.dims == first.dims and again.materials == first.materials and again.grasp == first.grasp
    others = [_built(name, seed)[0] for seed in SEEDS if seed != 3]
    assert all(other.dims != first.dims for other in others)


def test_every_category_has_six_families_or_more_and_thirty_in_all():
    """HOP's range: 30 objects in 4 categories; ours at least as many families, 6 or more in each."""
    counts = {c: sum(f.category == c for f in FAMILIES.values()) for c in CATEGORIES}
    assert min(counts.values()) >= 6, counts
    assert len(FAMILIES) >= 30
    assert set(counts) == {f.category for f in FAMILIES.values()}


# --- names on the command line ---------------------------------------------------------------------------
def _members(category: str) -> tuple[str, ...]:
    return tuple(name for name, f in FAMILIES.items() if f.category == category)


@pytest.mark.parametrize(
    ("alias", "category"),
    [
        ("cylinder", "cylindrical"),
        ("bar", "slender"),
        ("stick", "slender"),
        ("cube", "cubical"),
        ("box", "cubical"),
        ("sphere", "spherical"),
        ("spherical", "spherical"),
    ],
)
def test_resolve_aliases_select_their_category(alias, category):
    assert CATEGORY_ALIASES[alias] == category
    assert resolve_objects(alias) == _members(category)


def test_resolve_family_names_mixed_lists_dedup_and_catalogue_order():
    assert resolve_objects("mug") == ("mug",)
    assert resolve_objects("orange, MUG") == ("mug", "orange")
    assert resolve_objects("sphere,mug") == ("mug", *_members("spherical"))
    assert resolve_objects("mug,cylinder,mug,can") == _members("cylindrical")
    assert resolve_objects([" Pencil ", "book", "pencil"]) == ("pencil", "book")


@pytest.mark.parametrize("spec", [None, "", " , ", []])
def test_resolve_empty_selects_every_family(spec):
    assert resolve_objects(spec) == tuple(FAMILIES)


def test_resolve_unknown_name_is_a_user_error_naming_it():
    with pytest.raises(UserError, match="unknown object 'teapot'") as err:
        resolve_objects("mug,teapot")
    assert "cylinder" in str(err.value) and "mug" in str(err.value) and "\n" not in str(err.value)


# --- meshes from the manifest ------------------------------------------------------------------------------
def _rotate(mesh: trimesh.Trimesh, seed: int, shift_mm=(12.0, -7.0, 30.0)) -> trimesh.Trimesh:
    """A copy turned by a random rotation and shifted, so loading has to find the object frame."""
    from scipy.spatial.transform import Rotation

    transform = np.eye(4)
    transform[:3, :3] = Rotation.random(random_state=seed).as_matrix()
    transform[:3, 3] = shift_mm
    mesh = mesh.copy()
    mesh.apply_transform(transform)
    return mesh


def _entry(path: pathlib.Path, asset_id: str, category: str, **extra) -> dict:
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return {
        "id": asset_id,
        "kind": "object_mesh",
        "category": category,
        "url": path.as_uri(),
        "sha256": sha,
        "license": "CC0-1.0",
        "scale": 0.001,
        **extra,
    }


def _manifest(tmp_path: pathlib.Path, entries: list[dict]) -> pathlib.Path:
    path = tmp_path / "assets_manifest.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "assets": entries}, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def mesh_files(tmp_path):
    """A 60 x 100 mm cylinder as OBJ and a 35 mm icosphere as PLY, both in millimetres, turned."""
    tin = _rotate(trimesh.creation.cylinder(radius=30.0, height=100.0, sections=48), seed=1)
    tin.export(tmp_path / "tin.obj")
    ball = _rotate(trimesh.creation.icosphere(subdivisions=3, radius=35.0), seed=2)
    ball.export(tmp_path / "ball.ply")
    return tmp_path / "tin.obj", tmp_path / "ball.ply"


def test_manifest_meshes_join_the_catalogue_and_resolve_by_category(tmp_path, mesh_files):
    tin, ball = mesh_files
    manifest = _manifest(
        tmp_path,
        [_entry(tin, "tin_can", "cylindrical", family="tin"), _entry(ball, "rubber_ball", "spherical")],
    )
    catalog = object_catalog(manifest)
    assert list(catalog)[: len(FAMILIES)] == list(FAMILIES)
    assert set(catalog) - set(FAMILIES) == {"tin", "rubber_ball"}
    assert catalog["tin"].category == "cylindrical" and catalog["rubber_ball"].category == "spherical"
    assert "tin" in resolve_objects("cylinder", catalog) and "tin" not in resolve_objects("cylinder")
    assert resolve_objects("sphere", catalog)[-1] == "rubber_ball"
    assert resolve_objects("tin,mug", catalog) == ("mug", "tin")
    assert object_catalog() == dict(FAMILIES)


def test_manifest_cylinder_stands_on_its_base_with_exact_distance(tmp_path, mesh_files):
    pytest.importorskip("rtree")  # trimesh.proximity's candidate search
    tin, _ = mesh_files
    catalog = object_catalog(_manifest(tmp_path, [_entry(tin, "tin_can", "cylindrical", family="tin")]))
    obj = catalog["tin"].build(np.random.default_rng(0))
    assert isinstance(obj, ObjectModel) and isinstance(obj.parts[0], MeshPart)
    assert (obj.family, obj.category, obj.source) == ("tin", "cylindrical", "tin_can")
    assert np.allclose(obj.bounds(), [[-0.03, -0.03, 0.0], [0.03, 0.03, 0.1]], atol=2e-4)
    assert np.allclose([obj.dims["x"], obj.dims["y"], obj.dims["z"]], [0.06, 0.06, 0.1], atol=2e-4)
    grasp = obj.grasp
    assert grasp.kind == "axial" and grasp.radius == pytest.approx(0.03, rel=0.01)
    assert grasp.axis_range == pytest.approx((0.02, 0.08), abs=1e-4)
    assert grasp.top == pytest.approx(0.1, abs=1e-4)
    _assert_grasp_inside(grasp, *obj.bounds())
    points = np.random.default_rng(1).uniform([-0.05, -0.05, -0.02], [0.05, 0.05, 0.12], size=(400, 3))
    reference = -trimesh.proximity.signed_distance(trimesh.Trimesh(obj.vertices, obj.faces), points)
    assert np.abs(obj.sdf(points) - reference).max() < 1e-4
    material = obj.materials[0]
    assert material.name == "surface" and material.roughness == 0.5 and len(obj.materials) == 1
    assert obj.face_slots.max() == 0 and obj.face_uvs.min() >= 0.0 and obj.face_uvs.max() <= 1.0


def test_manifest_sphere_is_centred_with_exact_distance(tmp_path, mesh_files):
    pytest.importorskip("rtree")
    _, ball = mesh_files
    family = object_catalog(_manifest(tmp_path, [_entry(ball, "rubber_ball", "spherical")]))["rubber_ball"]
    obj = family.build(np.random.default_rng(0))
    lo, hi = obj.bounds()
    assert np.allclose(lo + hi, 0.0, atol=2e-4) and np.allclose(hi - lo, 0.07, atol=1e-3)
    assert obj.grasp.kind == "round" and obj.grasp.radius == pytest.approx(0.035, rel=0.02)
    points = np.random.default_rng(2).normal(scale=0.03, size=(400, 3))
    reference = -trimesh.proximity.signed_distance(trimesh.Trimesh(obj.vertices, obj.faces), points)
    assert np.abs(obj.sdf(points) - reference).max() < 1e-4


def test_manifest_family_draws_among_its_meshes_and_loads_each_once(tmp_path, mesh_files):
    tin, _ = mesh_files
    tall = tmp_path / "tall_tin.stl"
    _rotate(trimesh.creation.cylinder(radius=25.0, height=140.0, sections=40), seed=3).export(tall)
    manifest = _manifest(
        tmp_path,
        [
            _entry(tin, "tin_a", "cylindrical", family="tin"),
            _entry(tall, "tin_b", "cylindrical", family="tin"),
        ],
    )
    family = object_catalog(manifest)["tin"]
    objects = [family.build(np.random.default_rng(seed)) for seed in range(12)]
    assert {o.source for o in objects} == {"tin_a", "tin_b"}
    by_source = {}
    for o in objects:
        assert o.parts[0] is by_source.setdefault(o.source, o.parts[0])  # the loaded mesh is cached
    heights = {o.source: o.dims["z"] for o in objects}
    assert heights == pytest.approx({"tin_a": 0.1, "tin_b": 0.14}, abs=2e-4)
    again = family.build(np.random.default_rng(5))
    assert again.source == objects[5].source and again.materials == objects[5].materials
    # One colour per object drawn: a plausible surface colour (HSV saturation 0.15-0.8, value 0.3-0.9 in
    # sRGB), stored as linear RGB.
    colours = [o.materials[0].base_color for o in objects]
    assert len(set(colours)) == len(objects)
    for colour in colours:
        _, saturation, value = colorsys.rgb_to_hsv(*linear_to_srgb(colour))
        assert 0.15 - 1e-9 <= saturation <= 0.8 + 1e-9 and 0.3 - 1e-9 <= value <= 0.9 + 1e-9


def test_manifest_mesh_split_at_uv_seams_is_welded_and_keeps_its_uvs(tmp_path):
    book = trimesh.creation.box((150.0, 100.0, 30.0))
    book.unmerge_vertices()  # every face its own corners, as a file with UV seams everywhere
    corner_uvs = np.random.default_rng(0).random((len(book.faces), 3, 2))
    book.visual = trimesh.visual.TextureVisuals(uv=corner_uvs.reshape(-1, 2)[np.argsort(book.faces.ravel())])
    path = tmp_path / "book.obj"
    book.export(path)
    loaded = trimesh.load_mesh(path, process=False)
    assert not loaded.is_watertight and len(loaded.vertices) == 3 * len(loaded.faces)
    family = object_catalog(_manifest(tmp_path, [_entry(path, "book_scan", "cubical", family="scan")]))[
        "scan"
    ]
    obj = family.build(np.random.default_rng(0))
    assert len(obj.vertices) == 8 and trimesh.Trimesh(obj.vertices, obj.faces, process=False).is_watertight
    assert np.allclose(obj.face_uvs, loaded.visual.uv[loaded.faces])
    assert np.allclose(obj.bounds(), [[-0.075, -0.05, -0.015], [0.075, 0.05, 0.015]])
    assert obj.grasp.half_extents == pytest.approx((0.075, 0.05, 0.015))


def _broken_meshes(tmp_path: pathlib.Path) -> dict[str, tuple[pathlib.Path, float]]:
    cylinder = trimesh.creation.cylinder(radius=30.0, height=100.0, sections=24)
    open_tin = trimesh.Trimesh(cylinder.vertices, cylinder.faces[1:], process=False)
    inside_out = trimesh.Trimesh(cylinder.vertices, cylinder.faces[:, ::-1], process=False)
    paths = {}
    for name, mesh in (("open", open_tin), ("inside_out", inside_out), ("fine", cylinder)):
        paths[name] = tmp_path / f"{name}.ply"
        mesh.export(paths[name])
    return {
        "open": (paths["open"], 0.001),
        "inside_out": (paths["inside_out"], 0.001),
        "huge": (paths["fine"], 1.0),
        "tiny": (paths["fine"], 1e-5),
    }


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("open", "not watertight"),
        ("inside_out", "no positive volume"),
        ("huge", "largest extent 100 m"),
        ("tiny", "outside 1 cm .. 60 cm"),
    ],
)
def test_bad_manifest_mesh_is_a_one_line_user_error(tmp_path, case, message):
    path, scale = _broken_meshes(tmp_path)[case]
    manifest = _manifest(tmp_path, [_entry(path, f"bad_{case}", "cylindrical", scale=scale)])
    family = object_catalog(manifest)[f"bad_{case}"]
    with pytest.raises(UserError, match=message) as err:
        family.build(np.random.default_rng(0))
    assert f"'bad_{case}'" in str(err.value) and "\n" not in str(err.value)


def test_wrong_checksum_is_a_user_error(tmp_path, mesh_files):
    tin, _ = mesh_files
    entry = _entry(tin, "tin_can", "cylindrical") | {"sha256": "0" * 64}
    family = object_catalog(_manifest(tmp_path, [entry]))["tin_can"]
    with pytest.raises(UserError, match="sha256 mismatch"):
        family.build(np.random.default_rng(0))


@pytest.mark.parametrize(
    ("family", "message"),
    [("mug", "procedural family 'mug'"), ("cylinder", "category name 'cylinder'"), ("Big Tin", "lower-case")],
)
def test_clashing_or_invalid_family_names_are_user_errors(tmp_path, mesh_files, family, message):
    tin, _ = mesh_files
    with pytest.raises(UserError, match=message):
        object_catalog(_manifest(tmp_path, [_entry(tin, "tin_can", "cylindrical", family=family)]))


def test_one_family_in_two_categories_is_a_user_error(tmp_path, mesh_files):
    tin, ball = mesh_files
    entries = [
        _entry(tin, "a", "cylindrical", family="thing"),
        _entry(ball, "b", "spherical", family="thing"),
    ]
    with pytest.raises(UserError, match="mixes categories"):
        object_catalog(_manifest(tmp_path, entries))


@pytest.mark.parametrize("name", ["bottle", "glass", "jar"])
def test_manifest_copy_of_a_procedural_solid_gets_its_frame_and_distance_back(tmp_path, name):
    original, _ = _built(name, 4)
    path = tmp_path / f"{name}.obj"
    _rotate(trimesh.Trimesh(original.vertices * 1000.0, original.faces, process=False), seed=7).export(path)
    family = object_catalog(_manifest(tmp_path, [_entry(path, f"{name}_scan", "cylindrical")]))[
        f"{name}_scan"
    ]
    copy = family.build(np.random.default_rng(0))
    assert np.allclose(copy.bounds(), original.bounds(), atol=2e-4)
    assert copy.grasp.radius == pytest.approx(original.grasp.radius, rel=0.02)
    # A body of revolution: the frames agree up to a turn about z, which no distance can see.
    points = _test_points(original, (original.parts[0].mesh(),), np.random.default_rng(3))
    assert np.abs(copy.sdf(points) - original.sdf(points)).max() < 2e-4


# --- the exact distance to a triangle mesh ---------------------------------------------------------------
def _brute_distance(vertices: np.ndarray, faces: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(N,) unsigned distance to the mesh: the closest point on every triangle, the least."""
    from handsynth.geometry.mesh_distance import closest_points

    triangles = vertices[faces]
    out = np.empty(len(points))
    for i, point in enumerate(points):
        closest, _ = closest_points(point, triangles[:, 0], triangles[:, 1], triangles[:, 2])
        out[i] = np.linalg.norm(closest - point, axis=1).min()
    return out


def test_closest_point_on_triangle_matches_dense_sampling_also_when_degenerate():
    from handsynth.geometry.mesh_distance import closest_points

    rng = np.random.default_rng(7)
    triangles = rng.normal(size=(40, 3, 3))
    triangles[0, 2] = triangles[0, 1]  # two corners coincide
    triangles[1] = [[0, 0, 0], [1, 0, 0], [3, 0, 0]]  # collinear
    triangles[2] = 0.0  # a point
    triangles[3] = [[0, 0, 0], [1, 0, 0], [0.5, 1e-9, 0]]  # a sliver
    u, v = np.meshgrid(np.linspace(0, 1, 301), np.linspace(0, 1, 301))
    keep = (u + v) <= 1.0
    bary = np.column_stack([1 - u[keep] - v[keep], u[keep], v[keep]])
    for triangle in triangles:
        points = rng.normal(size=(25, 3)) * 2
        closest, feature = closest_points(points, *(np.broadcast_to(c, (25, 3)) for c in triangle))
        samples = cKDTree(bary @ triangle)
        dense = samples.query(points)[0]
        found = np.linalg.norm(points - closest, axis=1)
        assert np.all(found <= dense + 1e-12) and np.all(dense - found < 0.02)
        assert samples.query(closest)[0].max() < 0.02  # the closest point lies on the triangle
        assert np.all((feature >= 0) & (feature <= 6))


def test_mesh_part_distance_is_exact_on_faces_edges_and_corners():
    box = trimesh.creation.box((0.08, 0.05, 0.03))
    part = MeshPart(np.asarray(box.vertices), np.asarray(box.faces))
    rng = np.random.default_rng(0)
    points = rng.uniform(-0.08, 0.08, size=(500, 3))
    q = np.abs(points) - np.array([0.04, 0.025, 0.015])  # the box's analytic signed distance
    exact = np.linalg.norm(np.maximum(q, 0.0), axis=1) + np.minimum(q.max(axis=1), 0.0)
    assert np.abs(part.sdf(points) - exact).max() < 1e-12
    on_surface = np.asarray(box.vertices)[np.asarray(box.faces)].mean(axis=1)
    assert np.abs(part.sdf(np.concatenate([on_surface, box.vertices]))).max() < 1e-15
    assert np.allclose(part.bounds(), box.bounds) and part.mesh().faces.shape == (12, 3)
    assert part.sdf(np.zeros((0, 3))).shape == (0,)


def test_mesh_part_distance_and_sign_on_a_curved_non_convex_mesh():
    original, meshes = _built("mug", 0)
    body = meshes[0]
    solid = trimesh.Trimesh(body.vertices, body.faces)  # welded: the lathe's seam shares vertices already
    part = MeshPart(np.asarray(solid.vertices), np.asarray(solid.faces))
    rng = np.random.default_rng(4)
    points = _test_points(original, (body,), rng, n=150)[150:]  # near the surface, inside the cup too
    distance = part.sdf(points)
    assert np.abs(np.abs(distance) - _brute_distance(part.vertices, part.faces, points)).max() < 1e-9
    inside = winding_numbers(part.vertices, part.faces, points) > 0.5
    assert np.array_equal(distance < 0, inside)
    assert np.abs(part.sdf(part.vertices)).max() < 1e-15
