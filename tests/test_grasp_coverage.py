"""Grasp coverage: every taxonomy type of every category is produced by a small seeded search and passes the
gate, each type names its Feix class (in the records too), the lateral pinch presses the object with the
thumb against the radial side of the index, and flat objects are grasped by each of their types."""

from __future__ import annotations

import numpy as np
import pytest

from handsynth.grasp import TAXONOMY, synthesize
from handsynth.grasp.placement import applicable_types, lateral_side
from handsynth.grasp.quality import CONTACT_DISTANCE_M
from handsynth.grasp.synthesis_data import _Hand
from handsynth.grasp.taxonomy import FEIX_CLASSES, grasp_type
from handsynth.hand.rig import HandRig
from handsynth.hand.shape import BONE_INDEX, FINGER_BONES
from handsynth.hand.subjects import SUBJECTS
from handsynth.objects.families import FAMILIES

# A family per (category, type) that holds the type readily, so the seeded search stays short.
TYPE_FAMILIES = {
    ("cylindrical", "power_wrap"): "can",
    ("cylindrical", "precision_disk"): "glass",
    ("slender", "power_grip"): "marker",
    ("slender", "precision_pinch"): "toothbrush",
    ("slender", "tripod"): "knife",
    ("slender", "lateral_pinch"): "spoon",
    ("cubical", "power_box"): "block",
    ("cubical", "power_edge"): "carton",
    ("cubical", "palmar_pinch"): "carton",
    ("cubical", "tripod"): "phone",
    ("cubical", "lateral_pinch"): "phone",
    ("spherical", "spherical_power"): "orange",
    ("spherical", "tripod"): "egg",
}
# What flat objects are held by (every type they fit).
FLAT_GRASPS = [
    ("book", "power_box"),
    ("book", "power_edge"),
    ("book", "palmar_pinch"),
    ("phone", "power_box"),
    ("phone", "power_edge"),
    ("phone", "palmar_pinch"),
    ("phone", "lateral_pinch"),
    ("cutting_board", "power_box"),
    ("cutting_board", "power_edge"),
    ("cutting_board", "palmar_pinch"),
    ("cutting_board", "lateral_pinch"),
    ("remote_control", "power_box"),
    ("remote_control", "power_edge"),
    ("remote_control", "palmar_pinch"),
    ("wallet", "power_box"),
    ("wallet", "power_edge"),
    ("wallet", "palmar_pinch"),
]
SUBJECT_IDS = tuple(SUBJECTS)


def _search(family: str, type_name: str, objects: int = 12, attempts: int = 4, seed: int = 21):
    """The first accepted grasp of ``type_name`` on objects of ``family`` drawn from a fixed seed."""
    for k in range(objects):
        rng = np.random.default_rng([seed, k])
        obj = FAMILIES[family].build(rng)
        subject = SUBJECTS[SUBJECT_IDS[k % len(SUBJECT_IDS)]]
        grasp, _ = synthesize(obj, subject, rng, grasp_type=type_name, max_attempts=attempts)
        if grasp is not None:
            return grasp
    return None


def test_every_category_type_has_a_family_here():
    assert set(TYPE_FAMILIES) == {(c, t.name) for c, types in TAXONOMY.items() for t in types}


def test_every_type_is_reachable_by_drawing():
    """Each type fits (by width) some family of its category, so ``sample_grasp`` can draw it."""
    rng = np.random.default_rng(0)
    reachable = set()
    for family in FAMILIES.values():
        obj = family.build(rng)
        reachable |= {(obj.category, t.name) for t in applicable_types(obj)}
    assert reachable == set(TYPE_FAMILIES)


@pytest.mark.parametrize("key", sorted(TYPE_FAMILIES))
def test_every_category_type_is_produced(key):
    category, name = key
    grasp = _search(TYPE_FAMILIES[key], name)
    assert grasp is not None, f"no {category}/{name} grasp on {TYPE_FAMILIES[key]}"
    assert (grasp.object.category, grasp.grasp_type) == key
    assert grasp.quality.failures(grasp_type(category, name).power) == ()
    record = grasp.to_record()
    assert (record["feix_number"], record["feix"]) == grasp.feix
    assert FEIX_CLASSES[record["feix_number"]] == record["feix"]


def test_feix_classes_are_from_the_33_and_named_as_feix():
    assert len(FEIX_CLASSES) == 33 and sorted(FEIX_CLASSES) == list(range(1, 34))
    for types in TAXONOMY.values():
        for t in types:
            for width in (0.005, 0.03, 0.09):
                n, name = t.feix_class(width)
                assert FEIX_CLASSES[n] == name
    assert grasp_type("slender", "lateral_pinch").feix_class() == (16, "lateral")
    assert grasp_type("cubical", "lateral_pinch").feix_class() == (16, "lateral")
    assert grasp_type("cubical", "palmar_pinch").feix_class() == (9, "palmar pinch")
    assert grasp_type("slender", "precision_pinch").feix_class() == (8, "prismatic 2 finger")
    assert grasp_type("spherical", "spherical_power").feix_class() == (11, "power sphere")
    assert grasp_type("cylindrical", "precision_disk").feix_class() == (12, "precision disk")
    assert grasp_type("cubical", "power_box").feix_class() == (30, "palmar")
    # A power wrap is a medium wrap round a narrow cylinder and a large-diameter grasp round a wide one.
    wrap = grasp_type("cylindrical", "power_wrap")
    assert wrap.feix_class(0.05) == (3, "medium wrap") and wrap.feix_class(0.08) == (1, "large diameter")


def test_a_bad_feix_number_is_refused():
    from handsynth.grasp.taxonomy import GraspType

    with pytest.raises(ValueError, match="Feix"):
        GraspType("x", True, "wrap", "side", ("thumb",), "fist", 0.1, 0.0, (34, 34))


@pytest.mark.parametrize("family", ["pencil", "phone"])
def test_lateral_pinch_thumb_pad_presses_against_the_index_radial_side(family):
    grasp = _search(family, "lateral_pinch")
    assert grasp is not None
    q = grasp.quality
    assert {"thumb", "index"} <= set(q.contact_fingers) and q.thumb_opposition >= 0.2
    rig = HandRig(grasp.subject.shape, "right")
    bones = rig.bone_transforms(grasp.pose)
    posed = rig.pose(grasp.pose, grasp.T_object_hand)
    near = grasp.object.sdf(posed.vertices) <= CONTACT_DISTANCE_M
    dominant = rig.template.weights.argmax(axis=1)
    # The thumb touches with its distal phalanx, on the pad side (away from the nail: bone z is dorsal).
    distal = BONE_INDEX[FINGER_BONES["thumb"][2]]
    thumb = near & (dominant == distal)
    assert np.count_nonzero(thumb) >= 3
    rest = rig.pose(grasp.pose).vertices  # the same vertices in the hand frame
    offsets = rest[thumb] - bones[distal, :3, 3]
    assert np.median(offsets @ bones[distal, :3, 2]) < 0.0
    # The index touches with its radial side (towards the thumb), not with its ulnar side, its back or its
    # pad: the object lies flat against that side, as a key against the curled index.
    index = near & np.isin(dominant, [BONE_INDEX[b] for b in FINGER_BONES["index"]])
    assert np.count_nonzero(index) >= 3
    _, radial = lateral_side(_Hand(rig), bones)
    # (Flexion turns about the lateral axis, so ``radial`` is the radial side of every index phalanx.)
    own = bones[dominant[index]]
    offsets = rest[index] - own[:, :3, 3]
    offsets -= np.einsum("ij,ij->i", offsets, own[:, :3, 0])[:, None] * own[:, :3, 0]
    offsets /= np.linalg.norm(offsets, axis=1, keepdims=True)
    assert np.median(offsets @ radial) > 0.85  # squarely on the side: within ~30 degrees of radial
    assert abs(np.median(np.einsum("ij,ij->i", offsets, own[:, :3, 2]))) < 0.5  # z is dorsal


@pytest.mark.slow
@pytest.mark.parametrize(("family", "name"), FLAT_GRASPS)
def test_flat_objects_are_grasped_by_each_of_their_types(family, name):
    """Books, phones, boards, remotes and wallets: held flat on the palm, gripped by an edge in a power
    grasp, pinched at an edge, in a lateral pinch (the pairs of ``FLAT_GRASPS``)."""
    obj = FAMILIES[family].build(np.random.default_rng(0))
    assert name in {t.name for t in applicable_types(obj)}
    grasp = _search(family, name, objects=10, attempts=3)
    assert grasp is not None, f"no {name} grasp of a {family}"
    assert grasp.quality.failures(grasp_type("cubical", name).power) == ()
