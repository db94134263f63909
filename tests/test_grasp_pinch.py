"""Pinches: a precision pinch of a stick holds it between the thumb pad and the index pad on opposite sides,
a palmar pinch of a book has the thumb and index pads on its two broad faces, and a lateral pinch presses a
stick against the side of the curled index (and holds in the grip protocol)."""

from __future__ import annotations

import numpy as np
import pytest

from handsynth.grasp import synthesize
from handsynth.grasp.quality import CONTACT_DISTANCE_M
from handsynth.grasp.stability import Simulator, measure_stability
from handsynth.hand.pose import HandPose, named_pose
from handsynth.hand.rig import HandRig
from handsynth.hand.shape import BONE_INDEX, FINGER_BONES
from handsynth.hand.subjects import SUBJECTS
from handsynth.objects.families import FAMILIES

SUBJECT_IDS = tuple(SUBJECTS)


def _grasps(family: str, type_name: str, count: int, seed: int = 21, objects: int = 20):
    """The first ``count`` accepted grasps of ``type_name`` on seeded objects of ``family``."""
    found = []
    for k in range(objects):
        rng = np.random.default_rng([seed, k])
        obj = FAMILIES[family].build(rng)
        grasp, _ = synthesize(obj, SUBJECTS[SUBJECT_IDS[k % len(SUBJECT_IDS)]], rng, grasp_type=type_name)
        if grasp is not None:
            found.append(grasp)
            if len(found) == count:
                break
    return found


def _pad_contact(grasp, finger: str) -> tuple[np.ndarray, float]:
    """(object normal under the finger's pad contact, fraction of that contact on the pad side) for the
    distal phalanx of ``finger``; the contact patch is its skin within 1 mm of its closest point."""
    rig = HandRig(grasp.subject.shape, grasp.side)
    posed = rig.pose(grasp.pose, grasp.T_object_hand)
    d = grasp.object.sdf(posed.vertices)
    distal = BONE_INDEX[FINGER_BONES[finger][2]]
    own = rig.template.weights.argmax(axis=1) == distal
    assert d[own].min() <= CONTACT_DISTANCE_M, f"the {finger}'s distal phalanx does not touch"
    patch = own & (d <= d[own].min() + 0.001)
    normal = grasp.object.normals(posed.vertices[patch]).mean(axis=0)
    # Pad side: away from the nail (bone z is dorsal), in the hand frame.
    bones = rig.bone_transforms(grasp.pose)
    rest = rig.pose(grasp.pose).vertices[patch]
    pad_side = float(np.mean((rest - bones[distal, :3, 3]) @ bones[distal, :3, 2] < 0.0))
    return normal / np.linalg.norm(normal), pad_side


@pytest.mark.parametrize("family", ["pencil", "marker"])
def test_precision_pinch_holds_a_stick_between_thumb_pad_and_index_pad(family):
    grasps = _grasps(family, "precision_pinch", count=4)
    assert len(grasps) == 4, f"fewer than 4 precision pinches of a {family}"
    angles = []
    for grasp in grasps:
        assert {"thumb", "index"} <= set(grasp.quality.contact_fingers)
        thumb, thumb_pad = _pad_contact(grasp, "thumb")
        index, index_pad = _pad_contact(grasp, "index")
        # With the pads, not the side of the thumb tip or a nail.
        assert thumb_pad >= 0.8 and index_pad >= 0.8, f"{family}: pad fractions {thumb_pad}, {index_pad}"
        # Opposite sides of the stick: a thumb slipped past it touches on the index's side (normals
        # alike). The rig's pads meet at ~120 deg (no thumb axial rotation), so the surface normals under
        # them are >= 110 deg apart, and >= 125 deg on the median (old pinch: the thumb tip's side, 65 deg).
        angles.append(np.degrees(np.arccos(np.clip(thumb @ index, -1.0, 1.0))))
    assert min(angles) >= 110.0 and np.median(angles) >= 125.0, (
        f"{family}: contact normals {angles} deg apart"
    )


@pytest.mark.parametrize("family", ["book", "cutting_board"])
def test_palmar_pinch_of_a_board_puts_thumb_and_index_pads_on_opposite_faces(family):
    grasps = _grasps(family, "palmar_pinch", count=2)
    assert len(grasps) == 2, f"fewer than 2 palmar pinches of a {family}"
    for grasp in grasps:
        thin = int(np.argmin(grasp.object.grasp.half_extents))
        thumb, thumb_pad = _pad_contact(grasp, "thumb")
        index, index_pad = _pad_contact(grasp, "index")
        # Both on broad faces (normal along the thinnest axis), and on the two opposite ones.
        assert abs(thumb[thin]) >= 0.9 and abs(index[thin]) >= 0.9
        assert thumb @ index <= -0.9
        assert thumb_pad >= 0.5 and index_pad >= 0.5


def test_pad_pinch_reference_pose_carries_the_thumb_pad_at_the_index_pad():
    """In the pinch reference poses, closing the thumb moves its pad towards the index pad (the old
    ``pinch`` pose swung it away, past the object), and the pads face each other more than they face
    away (normals over 90 deg apart)."""
    from handsynth.grasp.closing import _SPEED
    from handsynth.grasp.placement import _pads
    from handsynth.grasp.synthesis_data import _CHAINS, _Hand

    for subject in ("f01", "m05"):
        rig = HandRig(SUBJECTS[subject].shape, "right")
        hand = _Hand(rig)
        for name in ("pad_pinch", "palmar_pinch"):
            angles = named_pose(name).angles_rad
            centres, normals = _pads(hand, rig.bone_transforms(named_pose(name)))
            towards = (centres[1] - centres[0]) / np.linalg.norm(centres[1] - centres[0])
            closed = angles.copy()
            closed[_CHAINS[0]] += np.radians(3.0) * _SPEED[0]
            moved = _pads(hand, rig.bone_transforms(HandPose(closed)))[0][0] - centres[0]
            assert moved @ towards > 0.5 * np.linalg.norm(moved), f"{subject} {name}"
            assert normals[0] @ normals[1] < 0.0, f"{subject} {name}"


@pytest.mark.parametrize("family", ["pencil", "marker"])
def test_lateral_pinch_presses_a_stick_flat_against_the_curled_index(family):
    """The index is the anvil: it keeps its curl (it is not opened to let the object in), the object lies
    against its radial side, and the thumb's contact opposes that side across the object."""
    from handsynth.grasp.placement import lateral_side
    from handsynth.grasp.synthesis_data import _CHAINS, _Hand

    grasps = _grasps(family, "lateral_pinch", count=3)
    assert len(grasps) == 3, f"fewer than 3 lateral pinches of a {family}"
    reference = named_pose("lateral").angles_rad
    opposition = []
    for grasp in grasps:
        # Pre-shaped at 0.95-1.1 x the reference curl and never opened (only closing moves it further).
        assert np.all(grasp.pose.angles_rad[_CHAINS[1]] >= 0.95 * reference[_CHAINS[1]] - 1e-9)
        rig = HandRig(grasp.subject.shape, grasp.side)
        _, radial = lateral_side(_Hand(rig), rig.bone_transforms(grasp.pose))
        posed = rig.pose(grasp.pose, grasp.T_object_hand)
        d = grasp.object.sdf(posed.vertices)
        index = np.isin(rig.template.weights.argmax(axis=1), [BONE_INDEX[b] for b in FINGER_BONES["index"]])
        assert d[index].min() <= CONTACT_DISTANCE_M, "the index does not touch"
        patch = index & (d <= d[index].min() + 0.001)
        normal = grasp.object.normals(posed.vertices[patch]).mean(axis=0)
        normal /= np.linalg.norm(normal)
        # The object's surface under the index's contact faces back at the index's radial side.
        assert normal @ (grasp.T_object_hand[:3, :3] @ radial) <= -0.85
        thumb, _ = _pad_contact(grasp, "thumb")
        opposition.append(thumb @ normal)
    # The thumb presses the opposite side: the surface normals under the two contacts >= 120 degrees
    # apart, >= 145 on the median (before the index was the anvil: the index tip against the thumb's base).
    assert max(opposition) <= -0.5 and np.median(opposition) <= -0.8, opposition
    with Simulator() as sim:
        held = [measure_stability(g, sim, literature=False).holds() for g in grasps]
    assert sum(held) >= 2, held  # before the index was the anvil, 14 % of lateral pinches held
