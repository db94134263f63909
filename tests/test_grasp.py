"""Grasp synthesis: every accepted grasp re-measured independently (trimesh on the meshes), limits,
determinism, the taxonomy per category, left hands, thin objects."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from handsynth.geometry.mesh import winding_numbers
from handsynth.grasp import TAXONOMY, Thresholds, grasp_types, sample_grasp, synthesize
from handsynth.grasp.quality import FOREARM, PALM, core_penetration_m, core_radii, vertex_groups
from handsynth.hand.pose import LIMITS_RAD
from handsynth.hand.rig import HandRig
from handsynth.hand.subjects import SUBJECTS
from handsynth.objects.families import FAMILIES
from handsynth.objects.model import GraspGeometry, Material, ObjectModel
from handsynth.objects.shapes import RoundedBox

pytest.importorskip("rtree")  # trimesh.proximity needs it

# Families that hold each grasp type readily (the type is forced, so they just keep tests quick).
TYPE_FAMILIES = {
    ("cylindrical", "power_wrap"): "can",
    ("cylindrical", "precision_disk"): "mug",
    ("slender", "power_grip"): "screwdriver",
    ("slender", "precision_pinch"): "knife",
    ("slender", "tripod"): "knife",
    ("slender", "lateral_pinch"): "pencil",
    ("cubical", "power_box"): "phone",
    ("cubical", "power_edge"): "phone",
    ("cubical", "lateral_pinch"): "phone",
    ("cubical", "palmar_pinch"): "carton",
    ("cubical", "tripod"): "block",
    ("spherical", "spherical_power"): "orange",
    ("spherical", "tripod"): "ball",
}
FINGER_NAMES = ("thumb", "index", "middle", "ring", "little")


def _forced(category: str, type_name: str, side: str = "right"):
    family = FAMILIES[TYPE_FAMILIES[(category, type_name)]]
    for k in range(40):
        rng = np.random.default_rng([11, k])
        obj = family.build(rng)
        subject = list(SUBJECTS.values())[k % len(SUBJECTS)]
        grasp, _ = synthesize(obj, subject, rng, side=side, grasp_type=type_name, max_attempts=4)
        if grasp is not None:
            return grasp
    raise AssertionError(f"no {category}/{type_name} grasp in 40 objects")


@pytest.fixture(scope="module")
def typed_grasps():
    return {(c, t.name): _forced(c, t.name) for c, types in TAXONOMY.items() for t in types}


@pytest.fixture(scope="module")
def sampled_grasps():
    return [sample_grasp(3, k, tuple(FAMILIES))[0] for k in range(10)]


def _independent(grasp):
    """Penetration (mm), intersection (cm^3) and contact fingers from trimesh on the meshes alone."""
    hand = grasp.posed_hand()
    parts = [
        trimesh.Trimesh(m.vertices, m.faces, process=False) for m in (p.mesh() for p in grasp.object.parts)
    ]
    lo, hi = grasp.object.bounds()
    near = np.all((hand.vertices > lo - 0.005) & (hand.vertices < hi + 0.005), axis=1)
    depth = np.full(len(hand.vertices), -np.inf)  # trimesh: positive inside
    for part in parts:
        depth[near] = np.maximum(depth[near], trimesh.proximity.signed_distance(part, hand.vertices[near]))
    penetration_mm = max(0.0, float(depth.max())) * 1e3
    # Intersection: 0.5 mm voxels around the skin that is inside, inside both closed meshes.
    inside = depth > 0
    volume_cm3 = 0.0
    if inside.any():
        pitch = 0.0005
        a, b = hand.vertices[inside].min(axis=0) - 0.003, hand.vertices[inside].max(axis=0) + 0.003
        grid = np.stack(
            np.meshgrid(*[np.arange(a[i], b[i], pitch) for i in range(3)], indexing="ij"), -1
        ).reshape(-1, 3)
        in_object = np.zeros(len(grid), dtype=bool)
        for part in parts:
            in_object |= part.contains(grid)
        # Winding numbers, not trimesh's ray parity: its rays' boxes can span the forearm, and then every
        # ray tests most of the hand's faces at once (tens of GB for a few thousand points).
        in_both = np.zeros(len(grid), dtype=bool)
        in_both[in_object] = winding_numbers(hand.vertices, hand.faces, grid[in_object]) > 0.5
        volume_cm3 = in_both.sum() * pitch**3 * 1e6
    rig = HandRig(grasp.subject.shape, grasp.side)
    finger, segment = vertex_groups(rig.template.weights)
    palm_like = (finger == PALM) | (finger == FOREARM) | ((finger == 0) & (segment == 0))
    touching = set()
    close = np.abs(depth) <= 0.003
    for f, name in enumerate(FINGER_NAMES):
        if np.count_nonzero(close & (finger == f) & ~palm_like) >= 3:
            touching.add(name)
    palm = int(np.count_nonzero(close & ((finger == PALM) | ((finger == 0) & (segment == 0)))))  # with thenar
    return penetration_mm, volume_cm3, touching, palm


def _check(grasp):
    power = next(t for t in grasp_types(grasp.object.category) if t.name == grasp.grasp_type).power
    penetration, volume, touching, palm = _independent(grasp)
    q = grasp.quality
    # Tessellation (chords of the lathes, marching cubes of handles) is within 0.3 mm of the exact solid.
    assert penetration <= Thresholds().max_penetration_mm + 0.3
    assert penetration <= q.penetration_mm + 0.3
    assert volume <= Thresholds().max_intersection_cm3
    assert volume <= q.intersection_cm3 * 3 + 0.05
    assert set(q.contact_fingers) == touching, (q.contact_fingers, touching)
    if power:
        assert len(touching) >= 3 and palm >= 5
    else:
        assert "thumb" in touching and len(touching) >= 2
        assert q.thumb_opposition >= Thresholds().min_thumb_opposition
    angles = grasp.pose.angles_rad
    assert np.all(angles >= LIMITS_RAD[:, 0] - 1e-9) and np.all(angles <= LIMITS_RAD[:, 1] + 1e-9)
    assert q.self_penetration_mm <= Thresholds().max_self_penetration_mm


@pytest.mark.slow
@pytest.mark.parametrize("key", [(c, t.name) for c, types in TAXONOMY.items() for t in types])
def test_every_grasp_type_is_valid_when_remeasured(typed_grasps, key):
    grasp = typed_grasps[key]
    assert (grasp.object.category, grasp.grasp_type) == key
    _check(grasp)


@pytest.mark.slow
def test_sampled_grasps_are_valid_when_remeasured(sampled_grasps):
    for grasp in sampled_grasps:
        _check(grasp)


def test_each_category_has_power_and_precision_types():
    for category, types in TAXONOMY.items():
        assert any(t.power for t in types) and any(not t.power for t in types), category
        assert all("thumb" in t.closing for t in types)


def test_same_seed_same_grasps_and_different_indices_differ():
    a, stats_a = sample_grasp(5, 2, ("can", "ball", "phone"))
    b, stats_b = sample_grasp(5, 2, ("can", "ball", "phone"))
    c, _ = sample_grasp(5, 3, ("can", "ball", "phone"))
    assert a.to_record() == b.to_record()
    assert stats_a.candidates == stats_b.candidates and stats_a.rejected == stats_b.rejected
    assert a.to_record() != c.to_record()


def test_rejected_candidates_are_counted():
    _, stats = sample_grasp(1, 0, tuple(FAMILIES))
    assert stats.accepted == 1
    assert stats.candidates >= 1
    if stats.candidates > 1:
        assert sum(stats.rejected.values()) >= stats.candidates - stats.accepted


@pytest.mark.slow
def test_left_hand_grasp_is_the_mirror_and_valid():
    grasp = _forced("cylindrical", "power_wrap", side="left")
    assert grasp.side == "left"
    # A left rig's hand frame is mirrored; its placement is a proper rotation.
    assert np.isclose(np.linalg.det(grasp.T_object_hand[:3, :3]), 1.0)
    _check(grasp)


def test_quality_gate_reasons():
    grasp = sample_grasp(2, 0, ("orange",))[0]
    strict = Thresholds(max_penetration_mm=-1.0, max_intersection_cm3=-1.0)
    assert {"penetration", "intersection"} <= set(grasp.quality.failures(True, strict))
    assert grasp.quality.failures(grasp.grasp_type == "spherical_power") == ()


def test_core_penetration_catches_a_blade_between_skin_vertices():
    """A 1 mm blade through the middle of a finger touches no skin vertex near its face but is caught."""
    rig = HandRig(SUBJECTS["m01"].shape)
    bones = rig.bone_transforms(rig.sample_pose(np.random.default_rng(0), closure=0.0))
    b = 10  # a middle phalanx
    lengths = rig.skeleton.lengths
    radii = core_radii(rig.rest_vertices, rig.template.weights, rig.skeleton.rest_transforms, lengths)
    centre = bones[b, :3, 3] + bones[b, :3, 0] * lengths[b] / 2
    blade = RoundedBox((0.05, 0.05, 0.0005), 0.0004, center=tuple(centre), rotation=bones[b, :3, :3])
    obj = ObjectModel(
        "blade",
        "slender",
        {},
        (blade,),
        (Material("steel", (0.7, 0.7, 0.7)),),
        GraspGeometry("axial", tuple(centre)),
    )
    depth = core_penetration_m(obj.sdf, bones, lengths, radii)
    assert depth > 0.003
