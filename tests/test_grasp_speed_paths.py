"""The fast paths of grasp synthesis give the reference results: BLAS skinning (``rig._blend``) equals
the einsum form (``rig._blend_reference``) to rounding, the synthesis loop's pre-sliced vertex subset
skins exactly like ``HandRig.skin(bones, indices)``, the closing loop's finger-only distances
(``_Hand.finger_gaps``) equal the whole-subset ones, and whole grasps synthesised either way are the
same grasps."""

import numpy as np
import pytest

from handsynth.grasp.synthesis import sample_grasp
from handsynth.grasp.synthesis_data import _Field, _Hand
from handsynth.hand import SUBJECTS, HandPose, named_pose
from handsynth.hand import rig as rig_module
from handsynth.objects.catalog import resolve_objects
from handsynth.objects.families import FAMILIES as CATALOG

FAMILIES = resolve_objects(None)


def _random_rigid(rng, n):
    q = np.linalg.qr(rng.normal(size=(n, 3, 3)))[0]
    t = np.tile(np.eye(4), (n, 1, 1))
    t[:, :3, :3], t[:, :3, 3] = q, rng.normal(scale=0.1, size=(n, 3))
    return t


def test_blend_equals_the_einsum_reference_on_random_input():
    rng = np.random.default_rng(0)
    weights = rng.random((500, 21)) * (rng.random((500, 21)) < 0.2)
    weights[:, 0] += 1e-3
    weights /= weights.sum(axis=1, keepdims=True)
    transforms, points = _random_rigid(rng, 21), rng.normal(scale=0.1, size=(500, 3))
    fast = rig_module._blend(weights, transforms, points)
    np.testing.assert_allclose(
        fast, rig_module._blend_reference(weights, transforms, points), rtol=0, atol=1e-15
    )
    # Each vertex rigidly bound to one bone moves exactly with it.
    one = np.eye(21)[rng.integers(21, size=500)]
    moved = np.einsum("vij,vj->vi", (one @ transforms.reshape(21, 16)).reshape(-1, 4, 4)[:, :3, :3], points)
    moved += (one @ transforms.reshape(21, 16)).reshape(-1, 4, 4)[:, :3, 3]
    np.testing.assert_allclose(rig_module._blend(one, transforms, points), moved, rtol=0, atol=1e-15)


@pytest.mark.parametrize("pose_name", ["flat", "fist"])
def test_posed_skin_equals_the_reference(make_rig, pose_name):
    rig = make_rig(SUBJECTS["m02"].shape)
    bones = rig.bone_transforms(named_pose(pose_name))
    reference = rig_module._blend_reference(
        rig.template.weights, rig.skinning_transforms(bones), rig.rest_vertices
    )
    np.testing.assert_allclose(rig.skin(bones), reference, rtol=0, atol=1e-15)


def test_hand_subset_skin_equals_rig_skin_of_the_indices(make_rig):
    rig = make_rig(SUBJECTS["f03"].shape)
    hand = _Hand(rig)
    angles = named_pose("fist").angles_rad * 0.6
    points, bones = hand.skin_subset(angles)
    np.testing.assert_array_equal(bones, rig.bone_transforms(HandPose(angles)))
    np.testing.assert_array_equal(points, rig.skin(bones, hand.sub))


@pytest.mark.parametrize("fingers", [[0, 1, 2, 3, 4], [1, 2], [3], [0, 4], [2, 4]])
def test_finger_gaps_equal_the_whole_subset_query(make_rig, fingers):
    rng = np.random.default_rng(len(fingers))
    hand = _Hand(make_rig(SUBJECTS["m04"].shape))
    obj = CATALOG["mug"].build(rng)
    field = _Field(obj, mirror=False)
    angles = named_pose("fist").angles_rad * 0.5
    bones = hand.rig.bone_transforms(HandPose(angles))
    # The hand's centroid onto the object's grasp centre, so some groups touch and some are far.
    points, _ = hand.skin_subset(angles)
    translation = np.asarray(obj.grasp.center) - points.mean(axis=0)
    fast = hand.finger_gaps(field, bones, np.eye(3), translation, np.array(fingers))
    reference = hand.finger_gaps_reference(field, bones, np.eye(3), translation, np.array(fingers))
    np.testing.assert_array_equal(fast, reference)
    assert np.isfinite(fast).sum() == 3 * len(fingers) and np.isfinite(fast[15:]).sum() == 0
    full = hand.group_min(field.sdf(points + translation))
    for f in fingers:
        np.testing.assert_array_equal(fast[3 * f : 3 * f + 3], full[3 * f : 3 * f + 3])


@pytest.mark.parametrize("index", [0, 3])
def test_sample_grasp_is_the_same_grasp_with_the_reference_paths(monkeypatch, index):
    fast, fast_stats = sample_grasp(0, index, FAMILIES)
    monkeypatch.setattr(rig_module, "_blend", rig_module._blend_reference)
    monkeypatch.setattr(_Hand, "finger_gaps", _Hand.finger_gaps_reference)
    ref, ref_stats = sample_grasp(0, index, FAMILIES)
    assert (fast.grasp_type, fast.subject.id, fast.object.family, fast.attempts) == (
        ref.grasp_type,
        ref.subject.id,
        ref.object.family,
        ref.attempts,
    )
    assert fast_stats.candidates == ref_stats.candidates and fast_stats.rejected == ref_stats.rejected
    np.testing.assert_allclose(fast.pose.angles_rad, ref.pose.angles_rad, rtol=0, atol=1e-9)
    np.testing.assert_allclose(fast.T_object_hand, ref.T_object_hand, rtol=0, atol=1e-9)
    assert fast.quality.contact_fingers == ref.quality.contact_fingers
    assert fast.quality.penetration_mm == pytest.approx(ref.quality.penetration_mm, abs=1e-6)


def _forward_kinematics_one_bone_at_a_time(rig, pose):
    """FK written out bone by bone and DOF by DOF (the form the batched ``bone_transforms`` replaced)."""
    from handsynth.hand.pose import DOFS
    from handsynth.hand.shape import BONE_INDEX, BONE_PARENTS

    rotations = np.tile(np.eye(4), (len(BONE_PARENTS), 1, 1))
    for d, (dof, angle) in enumerate(zip(DOFS, pose.angles_rad, strict=True)):
        if angle != 0.0:
            k = rig_module._DOF_CROSS[d]
            rot = np.eye(3) + np.sin(angle) * k + (1.0 - np.cos(angle)) * (k @ k)
            b = BONE_INDEX[dof.bone]
            rotations[b, :3, :3] = rotations[b, :3, :3] @ rot
    local = rig._local_rest @ rotations
    posed = np.empty_like(local)
    for i, parent in enumerate(BONE_PARENTS):
        posed[i] = local[i] if parent < 0 else posed[parent] @ local[i]
    w = BONE_INDEX["wrist"]
    return (rig.skeleton.rest_transforms[w] @ np.linalg.inv(posed[w])) @ posed


def test_batched_forward_kinematics_equals_bone_by_bone(make_rig):
    rng = np.random.default_rng(7)
    rig = make_rig(SUBJECTS["m05"].shape)
    for pose in [HandPose.zeros(), named_pose("fist")] + [rig.sample_pose(rng) for _ in range(40)]:
        np.testing.assert_allclose(
            rig.bone_transforms(pose), _forward_kinematics_one_bone_at_a_time(rig, pose), rtol=0, atol=1e-14
        )


def test_rigs_kept_between_grasps_give_the_same_grasps():
    """``sample_grasp(..., hands=HandCache())``, as the render pipeline and ``handsynth grasp`` call it,
    makes the very grasps that building each rig afresh makes, in any order and with a cache that has
    to drop shapes."""
    from handsynth.grasp import HandCache
    from handsynth.grasp.export import grasp_record

    hands = HandCache(size=2)  # smaller than the subjects drawn: entries are dropped and rebuilt
    for k in (3, 0, 5, 3, 1):
        kept, kept_stats = sample_grasp(0, k, FAMILIES, hands=hands)
        fresh, fresh_stats = sample_grasp(0, k, FAMILIES)
        assert grasp_record(k, kept, kept_stats, 0) == grasp_record(k, fresh, fresh_stats, 0)
    assert len(hands._items) == 2
