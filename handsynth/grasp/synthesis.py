"""Automatic grasp synthesis: draw, measure and accept candidates (hand placed by ``placement``, fingers
closed by ``closing``); numpy only (never scene, render, bpy, pyrender, ray or torch).

For one object and one hand:

1. Pick a grasp type the object fits (by the width across the grip) and place the hand: a power grasp
   lays the palm against the object's side (``closing.lay_palm``: the approach stops when the palm
   itself is within 0.3 mm of the surface, the thumb swung back if its base would cut the object, so
   that the palm bears on it; a signed distance step can never jump through the object); a precision
   grasp puts the object where the pads of the closing fingers meet in the type's reference pose.
2. Close the fingers like GraspIt's auto-grasp: each closing finger flexes all its joints together; when
   a phalanx touches, the joints proximal to it stop and the distal ones go on, until the fingertip
   touches or the joint limits are reached. Steps are conservative advancement (the distance to the
   surface divided by the lever arm), so no finger tunnels through a thin object. The thumb closes in
   opposition (its palmar abduction fixed by the type); idle fingers curl towards the reference pose and
   stop on contact as well.
3. Relieve residual penetration (from skinning near joints) by backing the offending finger off, then
   measure everything on the full skinned mesh (``handsynth.grasp.quality``) and accept or reject.

Everything runs in the right-hand frame; a left hand grasps the mirror image of the object, and the
result is mirrored back (a left rig renders the mirror of the same pose).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np

from handsynth.geometry.transforms import make_transform
from handsynth.grasp.closing import _close, _open_fingers, _relieve, lay_palm
from handsynth.grasp.placement import (
    LATERAL_GAP_M,
    _clear,
    _pinch_placement,
    _preshape,
    _wrap_placement,
    applicable_types,
    grip_width,
    lateral_side,
)
from handsynth.grasp.quality import (
    CONTACT_DISTANCE_M,
    DEFAULT_THRESHOLDS,
    GraspQuality,
    Thresholds,
    core_penetration_m,
    measure,
)
from handsynth.grasp.synthesis_data import HandCache, _Field, _Hand
from handsynth.grasp.taxonomy import FINGERS, GraspType, grasp_type, grasp_types
from handsynth.hand.pose import HandPose
from handsynth.hand.rig import HandRig
from handsynth.hand.subjects import Subject
from handsynth.objects.model import ObjectModel

_MIRROR4 = np.diag([1.0, -1.0, 1.0, 1.0])
_PLACEMENT_FAILURE = "placement"


@dataclass(frozen=True, eq=False)
class Grasp:
    """An accepted grasp: a hand of ``subject`` holding ``object``.

    Attributes:
        object: the object (its frame is the grasp's frame).
        grasp_type: taxonomy name.
        subject: the hand's subject.
        side: ``"right"`` or ``"left"``.
        pose: rig joint angles (within the limits).
        T_object_hand: (4, 4) hand frame -> object frame, for a rig of ``side``.
        quality: the measured figures.
        attempts: candidates tried on this object before this one was accepted (1 = first).
    """

    object: ObjectModel
    grasp_type: str
    subject: Subject
    side: str
    pose: HandPose
    T_object_hand: np.ndarray
    quality: GraspQuality
    attempts: int

    @property
    def feix(self) -> tuple[int, str]:
        """(number, name) of the grasp's Feix taxonomy class (``GraspType.feix_class``; by grip width)."""
        return grasp_type(self.object.category, self.grasp_type).feix_class(grip_width(self.object))

    @property
    def support(self) -> bool:
        """Whether the palm bears the object from below (``GraspType.support``): shown palm up only."""
        return grasp_type(self.object.category, self.grasp_type).support

    def posed_hand(self, rig: HandRig | None = None):
        """The skinned hand in the object frame (``handsynth.hand.rig.PosedHand``)."""
        rig = HandRig(self.subject.shape, self.side) if rig is None else rig
        return rig.pose(self.pose, self.T_object_hand)

    def to_record(self) -> dict:
        """JSON-ready description (object, type and its Feix class, subject, pose, placement, quality)."""
        return {
            "object": self.object.describe(),
            "grasp_type": self.grasp_type,
            "feix": self.feix[1],
            "feix_number": self.feix[0],
            "subject": self.subject.id,
            "side": self.side,
            "shape": self.subject.shape.to_dict(),
            "pose_deg": self.pose.to_degrees(),
            "T_object_hand": np.round(self.T_object_hand, 9).tolist(),
            "quality": self.quality.to_dict(),
            "attempts": self.attempts,
        }


@dataclass
class SynthesisStats:
    """Counts over candidates: accepted, and rejected by reason (a candidate may fail several gates)."""

    candidates: int = 0
    accepted: int = 0
    rejected: Counter = field(default_factory=Counter)

    def add(self, other: SynthesisStats) -> None:
        self.candidates += other.candidates
        self.accepted += other.accepted
        self.rejected.update(other.rejected)


def synthesize(
    obj: ObjectModel,
    subject: Subject,
    rng: np.random.Generator,
    side: str = "right",
    grasp_type: str | None = None,
    max_attempts: int = 12,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    rig: HandRig | None = None,
    _hand: _Hand | None = None,
    stability=None,
    grip_gate: bool = False,
) -> tuple[Grasp | None, SynthesisStats]:
    """Try up to ``max_attempts`` candidate grasps of ``obj`` by ``subject``'s hand; return the first
    accepted one (or None) and the candidate counts.

    Args:
        obj: the object (grasp frame = object frame).
        subject: whose hand.
        rng: all randomness.
        side: ``"right"`` or ``"left"``.
        grasp_type: a taxonomy name of the object's category, or None to draw among the types that fit.
        max_attempts: candidates to try.
        thresholds: the acceptance gate.
        rig: a right-hand rig of ``subject`` to reuse (built when None).
        stability: a ``handsynth.grasp.stability.Simulator``: simulate the grasp that passes the gate
            and store both protocols in its quality record (``quality.stability``); None skips it.
        grip_gate: with ``stability``, also reject (reason ``"grip"``) a grasp whose object moves more
            than ``GRIP_BOUND_CM`` in the grip protocol.
    """
    stats = SynthesisStats()
    types = applicable_types(obj)
    if grasp_type is not None:
        types = tuple(t for t in grasp_types(obj.category) if t.name == grasp_type)
    if not types:
        return None, stats
    rig = HandRig(subject.shape, "right") if rig is None else rig
    hand = _hand if _hand is not None and _hand.rig is rig else _Hand(rig)
    field_ = _Field(obj, mirror=side == "left")
    for attempt in range(1, max_attempts + 1):
        stats.candidates += 1
        gtype = types[int(rng.integers(len(types)))]
        result = _candidate(rng, gtype, obj, hand, field_)
        if result is None:
            stats.rejected[_PLACEMENT_FAILURE] += 1
            continue
        angles, rotation, translation = result
        quality = _quality(hand, field_, angles, rotation, translation, gtype.power)
        failures = quality.failures(gtype.power, thresholds)
        if failures:
            stats.rejected.update(failures)
            continue
        T = make_transform(rotation, translation)
        if side == "left":
            T = _MIRROR4 @ T @ _MIRROR4
        grasp = Grasp(obj, gtype.name, subject, side, HandPose(angles), T, quality, attempt)
        if stability is not None:
            from handsynth.grasp.stability import measure_stability

            measured = measure_stability(grasp, stability, gate=grip_gate)
            if grip_gate and not measured.holds():
                stats.rejected["grip"] += 1
                continue
            grasp = replace(grasp, quality=replace(quality, stability=measured.to_dict()))
        stats.accepted += 1
        return grasp, stats
    return None, stats


def _candidate(rng, gtype: GraspType, obj: ObjectModel, hand: _Hand, field_: _Field):
    angles, targets = _preshape(rng, gtype, hand)
    flip = field_.flip
    if gtype.placement == "wrap":
        placed = _wrap_placement(rng, gtype, obj, hand, flip)
        if placed is None:
            return None
        rotation, translation, direction = placed
    else:
        placed = _pinch_placement(rng, gtype, obj, hand, flip)
        if placed is None:
            return None
        rotation, translation, direction = placed
    open_points, _ = hand.skin_subset(angles)
    if gtype.placement == "wrap":
        angles, translation = lay_palm(field_, hand, angles, rotation, translation, direction)
    else:
        body = hand.sub_group >= 15
        body |= hand.sub_group == 0  # thenar
        translation = _clear(field_, open_points[body], rotation, translation, direction, 0.002, 0.025)
        anvil = None if "index" in gtype.closing else FINGERS.index("index")  # lateral: the index
        if translation is not None and anvil is not None:
            # The object lies against the index's middle phalanx; where the knuckle or the proximal
            # phalanx stands prouder, the hand backs off along the index's radial side until none of
            # the index cuts it (the thumb opens in ``_open_fingers``, the index does not).
            _, radial = lateral_side(hand, hand.rig.bone_transforms(HandPose(angles)))
            index = (hand.sub_group >= 3 * anvil) & (hand.sub_group < 3 * anvil + 3)
            translation = _clear(
                field_, open_points[index], rotation, translation, -rotation @ radial, LATERAL_GAP_M, 0.005
            )
        if translation is not None:
            angles = _open_fingers(field_, hand, angles, rotation, translation, anvil=anvil)
    if translation is None or angles is None:
        return None
    closed = _close(
        field_,
        hand,
        angles,
        targets,
        rotation,
        translation,
        thumb_abduction_speed=1.2 if gtype.placement == "wrap" else 0.8,
    )
    closed, translation = _relieve(field_, hand, closed, angles, rotation, translation)
    return closed, rotation, translation


def _quality(hand: _Hand, field_: _Field, angles, rotation, translation, power: bool) -> GraspQuality:
    rig = hand.rig
    pose = HandPose(angles)
    bones = rig.bone_transforms(pose)
    vertices = rig.skin(bones) @ rotation.T + translation
    # ``measure`` reads a distance only where it is at most CONTACT_DISTANCE_M (contacts, their patches,
    # penetration, intersection): beyond twice that, the bounding-box lower bound decides the same.
    distances = field_.sdf(vertices, far=2.0 * CONTACT_DISTANCE_M, exact=True)
    bones_obj = np.einsum("ij,bjk->bik", make_transform(rotation, translation), bones)
    core = core_penetration_m(field_.exact, bones_obj, hand.core_lengths, hand.core_radii)
    return measure(
        vertices,
        rig.faces,
        hand.finger,
        hand.segment,
        distances,
        field_.normals,
        core,
        float(-rig.collision_gaps(bones)[1].min()),  # rig.self_penetration_m(pose), its bones reused
        power,
    )


def sample_grasp(
    seed: int,
    index: int,
    families: tuple[str, ...],
    catalog: dict | None = None,
    subjects: tuple[str, ...] | None = None,
    side: str = "right",
    max_objects: int = 20,
    attempts_per_object: int = 6,
    stability=None,
    grip_gate: bool = False,
    hands: HandCache | None = None,
) -> tuple[Grasp, SynthesisStats]:
    """Grasp number ``index`` of a run with root ``seed``: a pure function of its arguments.

    Draws a family, an object of it, a subject and grasp candidates from ``default_rng([seed, index])``;
    an object no candidate of which is accepted is replaced by a fresh draw (up to ``max_objects``).

    Args:
        seed, index: the root seed and the grasp's number.
        families: family names to draw from (``handsynth.objects.resolve_objects``).
        catalog: name -> ``Family`` (default: the procedural families).
        subjects: named subject ids to draw from (default: all ten).
        side: ``"right"`` or ``"left"``.
        stability, grip_gate: simulate (and gate) each accepted grasp (``synthesize``).
        hands: rigs kept between calls (``HandCache``; the same grasps, built faster); None builds
            the subject's rig for this call.

    Raises:
        UngraspableError: no candidate accepted on ``max_objects`` objects (a ``SamplingError``).
    """
    from handsynth.hand.subjects import SUBJECTS
    from handsynth.objects.families import FAMILIES

    catalog = FAMILIES if catalog is None else catalog
    subjects = tuple(SUBJECTS) if subjects is None else subjects
    rng = np.random.default_rng([int(seed), int(index)])
    stats = SynthesisStats()
    subject = SUBJECTS[subjects[int(rng.integers(len(subjects)))]]
    # Per-rig vertex groups and cores, shared by every object tried.
    hand = _Hand(HandRig(subject.shape, "right")) if hands is None else hands.get(subject.shape)
    rig = hand.rig
    for _ in range(max_objects):
        family = catalog[families[int(rng.integers(len(families)))]]
        obj = family.build(rng)
        grasp, s = synthesize(
            obj,
            subject,
            rng,
            side=side,
            max_attempts=attempts_per_object,
            rig=rig,
            _hand=hand,
            stability=stability,
            grip_gate=grip_gate,
        )
        stats.add(s)
        if grasp is not None:
            return grasp, stats
    from handsynth.errors import UngraspableError

    raise UngraspableError(
        f"no accepted grasp on object families {', '.join(families)} for grasp {index} after "
        f"{max_objects} objects ({dict(stats.rejected)})",
        families,
        stats.rejected,
    )
