"""Tests of hand poses (limits, clamping, names, the sampler, DOF signs) and shapes/subjects (anthropometry,
the named population, validation, seeds)."""

import math
import re

import numpy as np
import pytest

from handsynth.errors import UserError
from handsynth.hand import (
    BONE_NAMES,
    DOF_KEYS,
    DOFS,
    NAMED_POSES,
    SUBJECTS,
    HandPose,
    HandRig,
    HandShape,
    get_subject,
    hand_dimensions,
    named_pose,
    sample_pose,
    subject_from_seed,
)
from handsynth.hand.pose import LIMITS_RAD, clamp_angles
from handsynth.hand.shape import HAND_BREADTH_RANGE_M, HAND_LENGTH_RANGE_M, build_skeleton
from handsynth.hand.subjects import SkinTone

RANDOM_ROOT_SEED = 7
N_RANDOM_SUBJECTS = 200
N_SAMPLED_POSES = 300
SHAPE_RANGES = {
    "gender": (0.0, 1.0),
    "age_years": (18.0, 90.0),
    "weight": (0.0, 1.0),
    "muscle": (0.0, 1.0),
    "proportions": (0.0, 1.0),
    "hand_scale": (-1.0, 1.0),
    "finger_length": (-1.0, 1.0),
    "finger_diameter": (-1.0, 1.0),
    "finger_distance": (-1.0, 1.0),
}
LONG_FINGERS = {"index": 2, "middle": 3, "ring": 4, "little": 5}
TIP_JOINT = {"thumb": 4, "index": 8, "middle": 12, "ring": 16, "little": 20}


def within_limits(pose: HandPose) -> bool:
    return bool(np.all((pose.angles_rad >= LIMITS_RAD[:, 0]) & (pose.angles_rad <= LIMITS_RAD[:, 1])))


def random_shapes():
    return [subject_from_seed(RANDOM_ROOT_SEED, n).shape for n in range(N_RANDOM_SUBJECTS)]


# --- 6. joint limits ---------------------------------------------------------------------------------------
def test_dof_table_is_consistent():
    assert len(DOF_KEYS) == len(set(DOF_KEYS)) == len(DOFS) == LIMITS_RAD.shape[0]
    assert LIMITS_RAD.shape == (len(DOFS), 2)
    assert np.all(LIMITS_RAD[:, 0] < LIMITS_RAD[:, 1])
    assert np.all((LIMITS_RAD[:, 0] <= 0.0) & (LIMITS_RAD[:, 1] >= 0.0)), "the flat rest pose is valid"
    assert all(d.bone in BONE_NAMES for d in DOFS)
    np.testing.assert_allclose(np.degrees(LIMITS_RAD), [d.limits_deg for d in DOFS], rtol=0, atol=1e-12)
    assert not LIMITS_RAD.flags.writeable


@pytest.mark.parametrize("name", list(NAMED_POSES))
def test_named_pose_is_within_limits(name):
    pose = named_pose(name)
    assert within_limits(pose)
    assert pose == HandPose.from_degrees(NAMED_POSES[name])
    for key, value in NAMED_POSES[name].items():
        assert pose.to_degrees()[key] == pytest.approx(value, abs=1e-6)


def test_flat_pose_is_the_rest_pose():
    assert named_pose("flat") == HandPose.zeros()
    assert np.all(HandPose.zeros().angles_rad == 0.0)


def test_sampled_poses_are_within_limits_and_vary():
    poses = [sample_pose(np.random.default_rng(seed)) for seed in range(N_SAMPLED_POSES)]
    poses += [sample_pose(np.random.default_rng(seed), closure=c) for seed in range(50) for c in (0.0, 1.0)]
    angles = np.array([p.angles_rad for p in poses])
    assert np.all(np.isfinite(angles))
    assert all(within_limits(p) for p in poses)
    assert np.all(angles.std(axis=0) > np.radians(0.5)), "every DOF varies over sampled poses"


def test_closure_closes_the_fingers():
    for seed in range(50):
        open_, closed = (sample_pose(np.random.default_rng(seed), closure=c) for c in (0.0, 1.0))
        flex = [k for k in DOF_KEYS if k.startswith("finger") and k[6] != "1" and k.endswith(".flex")]
        assert sum(closed.angle(k) for k in flex) > sum(open_.angle(k) for k in flex) + math.radians(300)


@pytest.mark.parametrize("key", DOF_KEYS)
def test_out_of_limit_angle_is_refused_naming_the_dof(key):
    lo, hi = DOFS[DOF_KEYS.index(key)].limits_deg
    for value in (lo - 1.0, hi + 1.0, lo - 400.0, hi + 400.0, math.inf, -math.inf):
        with pytest.raises(ValueError, match=re.escape(key)):
            HandPose.from_degrees({key: value})
    # The limits themselves are valid.
    assert HandPose.from_degrees({key: lo}).angle(key) == pytest.approx(math.radians(lo), abs=1e-15)
    assert HandPose.from_degrees({key: hi}).angle(key) == pytest.approx(math.radians(hi), abs=1e-15)


@pytest.mark.parametrize("key", DOF_KEYS)
def test_clamp_puts_angles_exactly_on_the_limits(key):
    i = DOF_KEYS.index(key)
    lo, hi = DOFS[i].limits_deg
    for value, limit in ((lo - 37.0, LIMITS_RAD[i, 0]), (hi + 37.0, LIMITS_RAD[i, 1])):
        pose = HandPose.from_degrees({key: value}, clamp=True)
        assert pose.angles_rad[i] == limit
        assert np.count_nonzero(pose.angles_rad) == (limit != 0.0)
    inside = (lo + hi) / 2
    assert HandPose.from_degrees({key: inside}, clamp=True) == HandPose.from_degrees({key: inside})


def test_clamp_angles_on_batches():
    angles = np.random.default_rng(0).uniform(-4.0, 4.0, size=(64, len(DOFS)))  # (N, D) radians
    lo, hi = LIMITS_RAD[:, 0], LIMITS_RAD[:, 1]
    expected = np.where(angles < lo, lo, np.where(angles > hi, hi, angles))
    np.testing.assert_array_equal(clamp_angles(angles), expected)


@pytest.mark.parametrize("clamp", [False, True])
def test_unknown_dof_is_refused_listing_valid_keys(clamp):
    with pytest.raises(ValueError) as error:
        HandPose.from_degrees({"finger2-1.flex": 10.0, "finger6-1.flex": 10.0}, clamp=clamp)
    message = str(error.value)
    assert "finger6-1.flex" in message and "\n" not in message
    assert all(key in message for key in DOF_KEYS)


def test_pose_round_trips_through_degrees():
    for seed in range(50):
        pose = sample_pose(np.random.default_rng(seed))
        degrees = pose.to_degrees()
        assert list(degrees) == list(DOF_KEYS)
        again = HandPose.from_degrees(degrees)
        np.testing.assert_allclose(again.angles_rad, pose.angles_rad, rtol=0, atol=1e-8)


def test_pose_is_immutable_and_checks_its_shape():
    pose = named_pose("fist")
    with pytest.raises(ValueError):
        pose.angles_rad[0] = 0.0
    with pytest.raises(ValueError):
        HandPose(np.zeros(len(DOFS) + 1))


def test_unknown_named_pose_is_refused_listing_the_names():
    with pytest.raises(KeyError) as error:
        named_pose("thumbs-up")
    assert "thumbs-up" in str(error.value)
    assert all(name in str(error.value) for name in NAMED_POSES)


@pytest.mark.parametrize("clamp", [False, True])
def test_nan_angle_is_refused(clamp):
    with pytest.raises(ValueError, match=r"wrist\.flex"):
        HandPose.from_degrees({"wrist.flex": float("nan")}, clamp=clamp)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_pose_is_a_value_error_not_a_user_error(value):
    """A NaN from a synthesis bug must surface as a bug (a traceback), never as a user's mistake."""
    angles = np.zeros(len(DOFS))
    angles[DOF_KEYS.index("finger3-2.flex")] = value
    with pytest.raises(ValueError, match=r"finger3-2\.flex") as error:
        HandPose(angles)
    assert not isinstance(error.value, UserError)


# --- 7. seeds ----------------------------------------------------------------------------------------------
def test_same_seed_gives_same_subject_and_pose():
    for seed, n in ((0, 0), (0, 1), (123, 4), (2**40, 17)):
        a, b = subject_from_seed(seed, n), subject_from_seed(seed, n)
        assert a == b and a.id == f"random-{n}"
    for seed in (0, 1, 99):
        assert sample_pose(np.random.default_rng(seed)) == sample_pose(np.random.default_rng(seed))
        a, b = (sample_pose(np.random.default_rng(seed), closure=0.4) for _ in range(2))
        assert a == b


def test_different_seeds_give_different_subjects_and_poses():
    pairs = [(seed, 3) for seed in range(1, 21)] + [(0, n) for n in range(20)]  # 40 distinct (seed, n)
    shapes = [subject_from_seed(seed, n).shape for seed, n in pairs]
    assert len(set(shapes)) == len(shapes)
    skins = [subject_from_seed(seed, n).skin for seed, n in pairs]
    assert len(set(skins)) == len(skins)
    poses = np.array([sample_pose(np.random.default_rng(seed)).angles_rad for seed in range(20)])
    assert len(np.unique(poses, axis=0)) == len(poses)


# --- 3. anatomy --------------------------------------------------------------------------------------------
def named_and_random_shapes():
    named = [(s.id, s.shape) for s in SUBJECTS.values()]
    return named + [(f"random-{n}", shape) for n, shape in enumerate(random_shapes())]


def test_bone_lengths_are_anatomically_plausible():
    ranges_mm = {"lowerarm02": (100, 200), "wrist": (10, 40)}
    for name in BONE_NAMES:
        if name.startswith("metacarpal") or name == "finger1-1":  # the thumb's first bone is its metacarpal
            ranges_mm[name] = (40, 80)
        elif name.startswith("finger"):
            ranges_mm[name] = (10, 60)
    assert set(ranges_mm) == set(BONE_NAMES)
    for subject_id, shape in named_and_random_shapes():
        sk = build_skeleton(shape)
        assert sk.rest_transforms.shape == (len(BONE_NAMES), 4, 4) and np.all(sk.radii > 0)
        for name, length in zip(BONE_NAMES, sk.lengths * 1000, strict=True):
            lo, hi = ranges_mm[name]
            assert lo <= length <= hi, f"{subject_id} {name} {length:.1f} mm"
        finger_mm = {
            f: sum(sk.lengths[BONE_NAMES.index(f"finger{k}-{j}")] for j in (1, 2, 3))
            for f, k in LONG_FINGERS.items()
        }
        assert max(finger_mm, key=finger_mm.get) == "middle", subject_id
        assert min(finger_mm, key=finger_mm.get) == "little", subject_id
        for k in range(2, 6):  # phalanges shorten distally along each long finger's proximal pair
            assert sk.lengths[BONE_NAMES.index(f"finger{k}-1")] > sk.lengths[BONE_NAMES.index(f"finger{k}-2")]


def test_hand_dimensions_are_adult():
    lengths, breadths = [], []
    for subject_id, shape in named_and_random_shapes():
        length, breadth = hand_dimensions(shape)
        assert HAND_LENGTH_RANGE_M[0] <= length <= HAND_LENGTH_RANGE_M[1], subject_id
        assert HAND_BREADTH_RANGE_M[0] <= breadth <= HAND_BREADTH_RANGE_M[1], subject_id
        lengths.append(length)
        breadths.append(breadth)
    # The random population spreads over the ranges rather than sitting on one size.
    assert np.ptp(lengths) > 0.3 * np.diff(HAND_LENGTH_RANGE_M)[0]
    assert np.ptp(breadths) > 0.3 * np.diff(HAND_BREADTH_RANGE_M)[0]


@pytest.mark.parametrize("subject_id", list(SUBJECTS))
def test_hand_length_is_wrist_to_middle_fingertip_of_the_flat_rig(make_rig, subject_id):
    shape = get_subject(subject_id).shape
    joints = make_rig(shape).pose(HandPose.zeros()).joints
    length, _ = hand_dimensions(shape)
    assert np.linalg.norm(joints[12] - joints[0]) == pytest.approx(length, abs=1e-12)


def test_named_population_spans_sex_and_skin_tone():
    assert sorted(SUBJECTS) == [f"f0{i}" for i in range(1, 6)] + [f"m0{i}" for i in range(1, 6)]
    for subject_id, subject in SUBJECTS.items():
        assert subject.id == subject_id and get_subject(subject_id) is subject
        assert (subject.shape.gender < 0.5) == subject_id.startswith("f")
    monk = [s.skin.monk for s in SUBJECTS.values()]
    assert min(monk) <= 2.5 and max(monk) >= 8.0
    mean_length = {
        sex: np.mean([hand_dimensions(s.shape)[0] for s in SUBJECTS.values() if s.id.startswith(sex)])
        for sex in "fm"
    }
    assert mean_length["m"] > mean_length["f"]


def test_random_population_is_mixed_adults():
    subjects = [subject_from_seed(RANDOM_ROOT_SEED, n) for n in range(N_RANDOM_SUBJECTS)]
    genders = np.array([s.shape.gender for s in subjects])
    assert 0.25 < np.mean(genders > 0.5) < 0.75
    assert all(18.0 <= s.shape.age_years <= 90.0 for s in subjects)
    assert all(1.0 <= s.skin.monk <= 10.0 for s in subjects)
    assert np.ptp([s.skin.monk for s in subjects]) > 6.0


# --- shape and subject validation --------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(SHAPE_RANGES))
def test_shape_parameter_outside_its_range_is_refused(name):
    lo, hi = SHAPE_RANGES[name]
    HandShape(**{name: lo})
    HandShape(**{name: hi})
    for bad in (lo - 0.01 * (hi - lo), hi + 0.01 * (hi - lo), math.nan):
        with pytest.raises(ValueError, match=name):
            HandShape(**{name: bad})


def test_shape_dict_round_trip_and_unknown_key():
    shape = subject_from_seed(3, 9).shape
    assert HandShape.from_dict(shape.to_dict()) == shape
    assert set(shape.to_dict()) == set(SHAPE_RANGES)
    with pytest.raises(ValueError) as error:
        HandShape.from_dict({**shape.to_dict(), "thumb_length": 0.2})
    assert "thumb_length" in str(error.value)
    assert all(name in str(error.value) for name in SHAPE_RANGES)


def test_unknown_subject_and_side_are_refused_listing_choices():
    with pytest.raises(KeyError) as error:
        get_subject("f06")
    assert "f06" in str(error.value) and all(s in str(error.value) for s in SUBJECTS)
    with pytest.raises(ValueError) as error:
        HandRig(HandShape(), side="both")
    assert "both" in str(error.value) and "right" in str(error.value) and "left" in str(error.value)


def test_skin_tone_out_of_range_is_refused():
    SkinTone(monk=1.0)
    SkinTone(monk=10.0)
    for bad in ({"monk": 0.5}, {"monk": 10.5}, {"redness": 1.5}, {"roughness": -0.1}, {"monk": math.nan}):
        with pytest.raises(ValueError):
            SkinTone(**bad)


# --- DOF conventions on the rig ----------------------------------------------------------------------------
def expected_moving_bones(dof_bone: str) -> set[str]:
    """Bones whose posed transform changes when a DOF of ``dof_bone`` moves (the palm is the fixed frame)."""
    if dof_bone == "wrist":
        return {"lowerarm02"}
    if dof_bone.startswith("metacarpal"):
        k = int(dof_bone[-1]) + 1
        return {dof_bone} | {f"finger{k}-{j}" for j in (1, 2, 3)}
    k, j = int(dof_bone[6]), int(dof_bone[-1])
    return {f"finger{k}-{i}" for i in range(j, 4)}


@pytest.mark.parametrize("i", range(len(DOFS)), ids=DOF_KEYS)
def test_each_dof_turns_its_bone_about_its_head_and_moves_only_what_hangs_on_it(make_rig, i):
    rig = make_rig(get_subject("m03").shape)
    rest = rig.bone_transforms(HandPose.zeros())
    lo, hi = LIMITS_RAD[i]
    angles = np.zeros(len(DOFS))
    angles[i] = hi / 2 if hi > -lo else lo / 2
    posed = rig.bone_transforms(HandPose(angles))
    moved = {BONE_NAMES[b] for b in range(len(BONE_NAMES)) if not np.allclose(posed[b], rest[b], atol=1e-12)}
    assert moved == expected_moving_bones(DOFS[i].bone)
    if DOFS[i].bone != "wrist":
        b = BONE_NAMES.index(DOFS[i].bone)
        np.testing.assert_allclose(posed[b, :3, 3], rest[b, :3, 3], rtol=0, atol=1e-12)
        # Turned by exactly the DOF angle.
        relative = rest[b, :3, :3].T @ posed[b, :3, :3]
        turned = math.acos(np.clip((np.trace(relative) - 1) / 2, -1, 1))
        assert turned == pytest.approx(abs(angles[i]), abs=1e-9)


def tip_shift(rig: HandRig, degrees: dict[str, float], joint: int) -> np.ndarray:
    return rig.pose(HandPose.from_degrees(degrees)).joints[joint] - rig.pose(HandPose.zeros()).joints[joint]


@pytest.mark.parametrize("side", ["right", "left"])
def test_dof_signs_follow_the_documented_conventions(make_rig, side):
    """Flexion is palmar (-z), long-finger abduction radial (+y on a right hand, -y on a left one), thumb
    CMC abduction lifts the thumb palmar and thumb CMC flexion swings it ulnar; wrist flexion and radial
    deviation put the forearm on the palmar and radial side of the fixed palm."""
    rig = make_rig(get_subject("f02").shape, side)
    radial = 1.0 if side == "right" else -1.0
    for finger, k in {"thumb": 1, **LONG_FINGERS}.items():
        for j in (2, 3) if finger == "thumb" else (1, 2, 3):
            assert tip_shift(rig, {f"finger{k}-{j}.flex": 30.0}, TIP_JOINT[finger])[2] < -0.005, (finger, j)
    for finger, k in LONG_FINGERS.items():
        assert radial * tip_shift(rig, {f"finger{k}-1.abduct": 10.0}, TIP_JOINT[finger])[1] > 0.005, finger
    assert tip_shift(rig, {"finger1-1.abduct": 30.0}, 4)[2] < -0.01
    assert radial * tip_shift(rig, {"finger1-1.flex": 30.0}, 4)[1] < -0.01
    for dof, axis, sign in (("metacarpal3.flex", 2, -1), ("metacarpal4.flex", 2, -1)):
        joint = TIP_JOINT["ring" if dof.startswith("metacarpal3") else "little"]
        assert sign * tip_shift(rig, {dof: 10.0}, joint)[axis] > 0.005, dof
    forearm = BONE_NAMES.index("lowerarm02")
    rest = rig.pose(HandPose.zeros()).bone_transforms[forearm, :3, 3]
    flexed = rig.pose(HandPose.from_degrees({"wrist.flex": 30.0})).bone_transforms[forearm, :3, 3]
    deviated = rig.pose(HandPose.from_degrees({"wrist.abduct": 15.0})).bone_transforms[forearm, :3, 3]
    assert flexed[2] - rest[2] < -0.02
    assert radial * (deviated[1] - rest[1]) > 0.02
    for dof in ("wrist.flex", "wrist.abduct"):  # the palm and fingers stay put
        np.testing.assert_allclose(tip_shift(rig, {dof: 15.0}, 12), 0.0, atol=1e-12)
