"""The synthesis speed-ups change no result: the lathe distance table filled block by block on demand is
the table computed over the whole grid at once (bit for bit), ``core_radii`` by sorted groups is the
per-bone mask form, and a grasp's quality measured with exact distances only near the object is the one
measured with exact distances everywhere."""

import numpy as np
import pytest
from scipy.spatial import cKDTree

from handsynth.geometry.transforms import make_transform
from handsynth.grasp.quality import core_penetration_m, core_radii, measure
from handsynth.grasp.synthesis import _quality, sample_grasp
from handsynth.grasp.synthesis_data import _Field, _Hand
from handsynth.grasp.taxonomy import grasp_type
from handsynth.hand import SUBJECTS, HandPose
from handsynth.hand.shape import BONE_NAMES
from handsynth.objects.catalog import resolve_objects
from handsynth.objects.families import FAMILIES as CATALOG
from handsynth.objects.shapes import Lathe
from handsynth.objects.shapes.lathe_table import MARGIN_M, SPACING_M, STEP_M


def _whole_table(profile: np.ndarray) -> np.ndarray:
    """The table as it was built before it was filled on demand: every node queried at once, signs by a
    sorted crossing search per row."""
    lo = np.array([0.0, profile[:, 1].min() - MARGIN_M])
    ri = np.arange(lo[0], profile[:, 0].max() + MARGIN_M + STEP_M, STEP_M)
    zj = np.arange(lo[1], profile[:, 1].max() + MARGIN_M + STEP_M, STEP_M)
    a, b = profile[:-1], profile[1:]
    counts = np.maximum(1, np.ceil(np.linalg.norm(b - a, axis=1) / SPACING_M).astype(np.int64))
    t = np.concatenate([np.arange(c) / c for c in counts])
    starts = np.repeat(np.arange(len(a)), counts)
    samples = np.concatenate([a[starts] + t[:, None] * (b - a)[starts], profile[-1:]])
    grid = np.stack(np.meshgrid(ri, zj, indexing="ij"), axis=-1).reshape(-1, 2)
    dist = cKDTree(samples).query(grid, distance_upper_bound=MARGIN_M)[0]
    dist = np.minimum(dist, MARGIN_M).reshape(len(ri), len(zj))
    pa, pb = profile, np.roll(profile, -1, axis=0)
    inside = np.zeros((len(ri), len(zj)), dtype=bool)
    for j, z in enumerate(zj):
        straddle = (pa[:, 1] > z) != (pb[:, 1] > z)
        if not straddle.any():
            continue
        xa, xb, ya, yb = pa[straddle, 0], pb[straddle, 0], pa[straddle, 1], pb[straddle, 1]
        crossings = np.sort(xa + (z - ya) * (xb - xa) / (yb - ya))
        right = len(crossings) - np.searchsorted(crossings, ri, side="right")
        inside[:, j] = (right % 2) == 1
    return np.where(inside, -dist, dist)


def _reference_sdf_fast(lathe: Lathe, values: np.ndarray, points: np.ndarray) -> np.ndarray:
    """``Lathe.sdf_fast`` as it was written over the whole-grid table ``values``."""
    p = lathe._local(points)
    lo = np.array([0.0, lathe.profile[:, 1].min() - MARGIN_M])
    r = np.hypot(p[:, 0], p[:, 1])
    gi = (r - lo[0]) / STEP_M
    gj = (p[:, 2] - lo[1]) / STEP_M
    n_i, n_j = values.shape
    inside = (gi < n_i - 1) & (gj >= 0) & (gj < n_j - 1)
    out = np.empty(len(p))
    if not inside.all():
        rz = np.stack([r[~inside], p[~inside, 2]], axis=1)
        box_lo = np.array([0.0, lathe.profile[:, 1].min()])
        box_hi = np.array([lathe.profile[:, 0].max(), lathe.profile[:, 1].max()])
        out[~inside] = np.linalg.norm(np.maximum(np.maximum(box_lo - rz, rz - box_hi), 0.0), axis=1)
    i0 = gi[inside].astype(np.int64)
    j0 = gj[inside].astype(np.int64)
    fi = gi[inside] - i0
    fj = gj[inside] - j0
    out[inside] = (values[i0, j0] * (1 - fi) + values[i0 + 1, j0] * fi) * (1 - fj) + (
        values[i0, j0 + 1] * (1 - fi) + values[i0 + 1, j0 + 1] * fi
    ) * fj
    return out


def _lathes(family: str, seed: int) -> list[Lathe]:
    obj = CATALOG[family].build(np.random.default_rng(seed))
    return [p for p in obj.parts if isinstance(p, Lathe)]


@pytest.mark.parametrize(("family", "seed"), [("mug", 0), ("bottle", 1), ("spoon", 2), ("spray_can", 3)])
def test_lathe_table_filled_on_demand_is_the_whole_grid_table(family, seed):
    lathes = _lathes(family, seed)
    assert lathes, f"{family} has a lathe part"
    rng = np.random.default_rng(seed)
    for lathe in lathes:
        reference = _whole_table(lathe.profile)
        lo, hi = lathe.bounds()
        # Points around the solid, queried in batches as a search would: each batch fills what it needs
        # (the last batch reaches beyond the table, where the distance to the profile's box is used).
        batches = [rng.uniform(lo - 0.02, hi + 0.02, size=(200, 3)) for _ in range(3)]
        batches.append(rng.uniform(lo - 0.04, hi + 0.04, size=(400, 3)))
        values = [lathe.sdf_fast(b) for b in batches]
        table = lathe._table()
        computed = ~np.isnan(table.values)
        assert 0 < computed.sum() < computed.size  # only what the queries reached
        np.testing.assert_array_equal(table.values[computed], reference[computed])
        # The same points again (nothing left to fill) and on a lathe whose table is filled up front.
        fresh = Lathe(lathe.profile, lathe.slots, lathe.segments, lathe.center, lathe.rotation)
        assert fresh._table().fill_all().tobytes() == reference.tobytes()
        for batch, first in zip(batches, values, strict=True):
            assert lathe.sdf_fast(batch).tobytes() == first.tobytes()
            assert fresh.sdf_fast(batch).tobytes() == first.tobytes()
            assert _reference_sdf_fast(lathe, reference, batch).tobytes() == first.tobytes()


def test_core_radii_by_sorted_groups_equal_the_per_bone_masks(make_rig):
    rig = make_rig(SUBJECTS["f01"].shape)
    weights, rest, bones = rig.template.weights, rig.rest_vertices, rig.skeleton.rest_transforms
    lengths = rig.skeleton.lengths
    dominant = weights.argmax(axis=1)
    expected = np.zeros(len(BONE_NAMES))
    for b, name in enumerate(BONE_NAMES):
        v = rest[dominant == b]
        if name in ("lowerarm02", "wrist") or len(v) == 0:
            continue
        head, axis = bones[b, :3, 3], bones[b, :3, 0]
        t = np.clip((v - head) @ axis, 0.0, lengths[b])
        expected[b] = 0.9 * np.percentile(np.linalg.norm(v - head - t[:, None] * axis, axis=1), 1.0)
    got = core_radii(rest, weights, bones, lengths)
    assert got.tobytes() == expected.tobytes()
    assert (got[[BONE_NAMES.index(n) for n in BONE_NAMES if n.startswith("finger")]] > 0.0005).all()


@pytest.mark.parametrize("index", [0, 1, 2, 5])
def test_quality_measured_near_the_object_is_the_all_exact_measure(make_rig, index):
    grasp, _ = sample_grasp(0, index, resolve_objects(None))
    rig = make_rig(grasp.subject.shape)
    hand = _Hand(rig)
    field = _Field(grasp.object, mirror=False)
    rotation, translation = grasp.T_object_hand[:3, :3], grasp.T_object_hand[:3, 3]
    power = grasp_type(grasp.object.category, grasp.grasp_type).power
    fast = _quality(hand, field, grasp.pose.angles_rad, rotation, translation, power)
    pose = HandPose(grasp.pose.angles_rad)
    bones = rig.bone_transforms(pose)
    vertices = rig.skin(bones) @ rotation.T + translation
    distances = grasp.object.sdf(vertices)  # exact everywhere
    assert (distances > 0.006).any() and (distances <= 0.003).sum() >= 5
    bones_obj = np.einsum("ij,bjk->bik", make_transform(rotation, translation), bones)
    core = core_penetration_m(field.exact, bones_obj, hand.core_lengths, hand.core_radii)
    exact = measure(
        vertices,
        rig.faces,
        hand.finger,
        hand.segment,
        distances,
        field.normals,
        core,
        rig.self_penetration_m(pose),
        power,
    )
    assert fast == exact


def _union_everywhere(obj, points: np.ndarray, fast: bool) -> np.ndarray:
    """The union's distance with every part queried at every point (no bounding-box pruning)."""
    out = None
    for part in obj.parts:
        d = part.sdf_fast(points) if fast and hasattr(part, "sdf_fast") else part.sdf(points)
        out = d if out is None else np.minimum(out, d)
    return out


@pytest.mark.parametrize("family", ["mug", "fork", "spoon", "coffee_cup", "milk_carton", "toothbrush"])
def test_union_pruned_by_part_boxes_is_every_part_queried(family):
    """Points inside, on and around a many-part object, inside one part and near another: the same bits."""
    rng = np.random.default_rng(7)
    obj = CATALOG[family].build(rng)
    lo, hi = obj.bounds()
    around = rng.uniform(lo - 0.03, hi + 0.03, size=(3000, 3))
    surface = obj.vertices + rng.normal(scale=0.002, size=obj.vertices.shape)
    points = np.concatenate([around, surface])
    for fast in (False, True):
        expected = _union_everywhere(obj, points, fast)
        assert (expected < 0).sum() > 50 and (expected > 0.01).sum() > 50
        got = obj.sdf_fast(points) if fast else obj.sdf(points)
        assert got.tobytes() == expected.tobytes()
