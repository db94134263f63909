"""Support grasps (``GraspType.support``: a book held flat on the palm, Feix 30) are shown palm up only, and
their stability is checked under the palm-up gravity directions that scene sampling can give them: such a
grasp holds there, and would slide off under the arm-up directions of the other grasps."""

from __future__ import annotations

import numpy as np
import pytest

from handsynth.config import SceneConfig
from handsynth.grasp import synthesize
from handsynth.grasp.stability import (
    GRIP_BOUND_CM,
    NEAR_OBJECT_M,
    Simulator,
    gravity_directions,
    measure_stability,
)
from handsynth.grasp.stability_bodies import bone_hulls
from handsynth.grasp.taxonomy import SUPPORT_TILT_DEG, TAXONOMY
from handsynth.hand.shape import BONE_INDEX
from handsynth.hand.subjects import SUBJECTS
from handsynth.objects.families import FAMILIES
from handsynth.scene.camera import sample_world_pose
from handsynth.scene.spec import SceneSampler

COS_TILT = np.cos(np.radians(SUPPORT_TILT_DEG))


@pytest.fixture(scope="module")
def book_on_palm():
    """A book in a power_box grasp (seeded: it holds palm up, and slides off with the arm held up)."""
    rng = np.random.default_rng(3)
    subjects = list(SUBJECTS)
    while True:
        obj = FAMILIES["book"].build(rng)
        subject = SUBJECTS[subjects[int(rng.integers(len(subjects)))]]
        grasp, _ = synthesize(obj, subject, rng, grasp_type="power_box", max_attempts=6)
        if grasp is not None:
            return grasp


def _palm_and_forearm(bones: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(palm normal, forearm direction) of posed ``bones``: the palm normal out of the palm, square to the
    forearm."""
    f = bones[BONE_INDEX["lowerarm02"], :3, 0] / np.linalg.norm(bones[BONE_INDEX["lowerarm02"], :3, 0])
    dorsal = bones[BONE_INDEX["wrist"], :3, 2]
    u = dorsal - (dorsal @ f) * f
    return -u / np.linalg.norm(u), f


def test_only_the_palmar_grasp_is_a_support_grasp():
    support = [(c, t.name) for c, types in TAXONOMY.items() for t in types if t.support]
    assert support == [("cubical", "power_box")]
    assert all(t.feix == (30, 30) for c, types in TAXONOMY.items() for t in types if t.support)


def test_support_directions_press_the_object_into_the_palm(book_on_palm):
    posed = book_on_palm.posed_hand()
    palm, _ = _palm_and_forearm(posed.bone_transforms)
    dirs = gravity_directions(posed.bone_transforms, posed.joints, support=True)
    assert set(dirs) == {"palm_up", "fingers_down", "wrist_down", "thumb_down", "little_down"}
    assert dirs["palm_up"] @ -palm == pytest.approx(1.0)  # gravity straight into the palm
    for name, g in dirs.items():
        assert np.linalg.norm(g) == pytest.approx(1.0)
        assert g @ -palm == pytest.approx(1.0 if name == "palm_up" else COS_TILT), name
    # Tilted the four ways: opposite pairs lean opposite ways.
    lean = {k: g - (g @ -palm) * -palm for k, g in dirs.items()}
    assert lean["fingers_down"] @ lean["wrist_down"] < 0 and lean["thumb_down"] @ lean["little_down"] < 0
    assert book_on_palm.support and book_on_palm.feix[0] == 30


def test_scene_sampling_turns_a_support_grasp_palm_up(book_on_palm):
    posed = book_on_palm.posed_hand()
    palm, forearm = _palm_and_forearm(posed.bone_transforms)
    dorsal = posed.bone_transforms[BONE_INDEX["wrist"], :3, 2]
    rng = np.random.default_rng(0)
    ups, downs = [], []
    for _ in range(400):
        R = sample_world_pose(rng, forearm, dorsal, np.zeros(3), SUPPORT_TILT_DEG)[:3, :3]
        ups.append((R @ palm)[2])
        R = sample_world_pose(rng, forearm, dorsal, np.zeros(3))[:3, :3]
        downs.append((R @ palm)[2])
    ups, downs = np.array(ups), np.array(downs)
    assert ups.min() >= COS_TILT - 1e-9  # within the tilt of straight up, always
    assert np.quantile(ups, 0.1) < np.cos(np.radians(0.85 * SUPPORT_TILT_DEG))  # spread over the cap
    assert downs.min() < -0.5 and downs.max() > 0.5  # other grasps: any roll


def test_a_sampled_scene_of_a_power_box_grasp_shows_the_palm_up():
    sampler = SceneSampler(11, SceneConfig(renders_per_grasp=4, stability="none"), ("book",))
    seen = {}
    for i in range(0, 4 * 12, 4):
        scene = sampler.bank.get(sampler.grasp_index(i))
        palm, _ = _palm_and_forearm(scene.grasp.posed_hand().bone_transforms)
        R = sampler.sample(i).T_world_object[:3, :3]
        seen.setdefault(scene.grasp.grasp_type, []).append((R @ palm)[2])
    assert "power_box" in seen and len(seen) > 1, seen.keys()
    assert min(seen["power_box"]) >= COS_TILT - 1e-9
    others = np.concatenate([v for k, v in seen.items() if k != "power_box"])
    assert others.min() < COS_TILT  # the other grasps of a book are shown at any roll


def test_a_book_on_the_palm_holds_palm_up_and_slides_off_with_the_arm_up(book_on_palm):
    with Simulator() as sim:
        held = measure_stability(book_on_palm, sim)
        assert held.grip_worst_direction in {
            "palm_up",
            "fingers_down",
            "wrist_down",
            "thumb_down",
            "little_down",
        }
        assert held.holds(), held
        rig = sim.rig(book_on_palm.subject.shape, book_on_palm.side)
        posed = book_on_palm.posed_hand(rig)
        lo, hi = book_on_palm.object.bounds()
        inside = np.all((posed.vertices > lo - NEAR_OBJECT_M) & (posed.vertices < hi + NEAR_OBJECT_M), axis=1)
        hulls = bone_hulls(
            posed, rig.template.weights, np.unique(rig.template.weights.argmax(axis=1)[inside])
        )
        arm_up = gravity_directions(posed.bone_transforms, posed.joints)
        moves, _, _, _ = sim.grip(book_on_palm.object, [hulls[b] for b in sorted(hulls)], arm_up)
    assert max(moves.values()) > GRIP_BOUND_CM
