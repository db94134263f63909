"""Automatic grasp synthesis: place the hand by the taxonomy, close the fingers until they touch.

For one object and one hand:

1. Pick a grasp type the object fits (by the width across the grip) and place the hand: a power grasp
   lays the palm against the object's side (the approach stops when the skin is within 0.3 mm of the
   surface; a signed distance step can never jump through the object); a precision grasp puts the
   object where the pads of the closing fingers meet in the type's reference pose.
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
from dataclasses import dataclass, field

import numpy as np

from handsynth.conventions import invert_transform
from handsynth.geometry.transforms import frame_from_x_and_z_hint, make_transform, rotation_about_axis
from handsynth.grasp.quality import (
    DEFAULT_THRESHOLDS,
    FOREARM,
    PALM,
    GraspQuality,
    Thresholds,
    bone_groups,
    core_penetration_m,
    core_radii,
    measure,
    vertex_groups,
)
from handsynth.grasp.taxonomy import FINGERS, GraspType, grasp_types
from handsynth.hand.pose import DOF_KEYS, LIMITS_RAD, HandPose, named_pose
from handsynth.hand.rig import HandRig
from handsynth.hand.shape import BONE_INDEX, FINGER_BONES
from handsynth.hand.subjects import Subject
from handsynth.hand.template import LABEL_PALM
from handsynth.objects.model import ObjectModel

_DOF = {k: i for i, k in enumerate(DOF_KEYS)}
_CHAINS = np.array([[_DOF[f"{b}.flex"] for b in FINGER_BONES[f]] for f in FINGERS])  # (5, 3) flex DOFs
_ABDUCT = np.array([_DOF[f"{FINGER_BONES[f][0]}.abduct"] for f in FINGERS])
# Joint speeds while closing: long fingers curl PIP a little faster than MCP, DIP slower (tendons).
_FINGER_DOFS = [np.append(_CHAINS[f], _ABDUCT[f]) for f in range(5)]
SELF_CONTACT_M = 0.001  # fingers may press 1 mm into each other (soft tissue) before they stop
_SPEED = np.array([[0.45, 1.0, 1.0]] + [[1.0, 1.1, 0.8]] * 4)
_TIP_BONES = np.array([BONE_INDEX[FINGER_BONES[f][2]] for f in FINGERS])
_MIRROR4 = np.diag([1.0, -1.0, 1.0, 1.0])
CONTACT_GAP_M = 0.0005  # a phalanx within this of the surface is touching
TARGET_GAP_M = -0.0003  # conservative steps aim here (a 0.3 mm press of the soft pad, at worst)
APPROACH_GAP_M = 0.0003
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

    def posed_hand(self, rig: HandRig | None = None):
        """The skinned hand in the object frame (``handsynth.hand.rig.PosedHand``)."""
        rig = HandRig(self.subject.shape, self.side) if rig is None else rig
        return rig.pose(self.pose, self.T_object_hand)

    def to_record(self) -> dict:
        """JSON-ready description (object, type, subject, pose, placement, quality)."""
        return {
            "object": self.object.describe(),
            "grasp_type": self.grasp_type,
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


class _Hand:
    """Per-rig data the synthesis loop needs (a right-hand rig)."""

    def __init__(self, rig: HandRig, stride: int = 3) -> None:
        self.rig = rig
        template = rig.template
        self.finger, self.segment = vertex_groups(template.weights)
        group = np.where(
            self.finger < 5, self.finger * 3 + self.segment, np.where(self.finger == PALM, 15, 16)
        )
        sub = np.union1d(np.arange(0, len(template.vertices), stride), template.tip_vertices)
        order = np.argsort(group[sub], kind="stable")
        self.sub = sub[order]
        self.sub_group = group[self.sub]
        self.group_starts = np.searchsorted(self.sub_group, np.arange(17))
        self.present = np.diff(np.append(self.group_starts, len(self.sub))) > 0
        sk = rig.skeleton
        lengths = np.array([[sk.lengths[BONE_INDEX[b]] for b in FINGER_BONES[f]] for f in FINGERS])
        self.lever = np.cumsum(lengths[:, ::-1], axis=1)[:, ::-1]  # joint k of finger f -> tip
        rest = rig.rest_vertices
        palmar = (self.finger == PALM) & (template.labels == LABEL_PALM)
        self.palm_points = rest[palmar]
        self.bone_finger, self.bone_segment = bone_groups()
        # Distal bones run to the skin of the tip: their core stops a tip radius short of it.
        self.core_lengths = sk.lengths.copy()
        distal = [BONE_INDEX[FINGER_BONES[f][2]] for f in FINGERS]
        self.core_lengths[distal] -= sk.radii[distal, 1]
        self.core_radii = core_radii(rest, template.weights, sk.rest_transforms, self.core_lengths)
        # Palm centre: middle of the palmar skin of the palm.
        self.palm_centre = np.median(self.palm_points, axis=0)
        mcp = sk.heads[[BONE_INDEX[f"finger{k}-1"] for k in range(2, 6)]]
        self.mcp_x = float(mcp[:, 0].mean())

    def skin_subset(self, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        bones = self.rig.bone_transforms(HandPose(angles))
        return self.rig.skin(bones, self.sub), bones

    def group_min(self, distances: np.ndarray) -> np.ndarray:
        out = np.full(17, np.inf)
        out[self.present] = np.minimum.reduceat(distances, self.group_starts[self.present])
        return out


class _Field:
    """The object's signed distance in the synthesis frame, with a cheap far-field bound."""

    def __init__(self, obj: ObjectModel, mirror: bool) -> None:
        self.obj = obj
        self.flip = np.array([1.0, -1.0, 1.0]) if mirror else np.ones(3)
        b = obj.bounds() * self.flip
        self.lo, self.hi = b.min(axis=0), b.max(axis=0)

    def sdf(self, points: np.ndarray, far: float = 0.02, exact: bool = False) -> np.ndarray:
        """Signed distance where it is below ``far``, a lower bound of it elsewhere (enough for
        conservative steps and contact tests); tabulated unless ``exact``."""
        points = np.asarray(points, dtype=np.float64)
        # The distance to the bounding box is a lower bound of the distance to the solid.
        bound = np.linalg.norm(np.maximum(np.maximum(self.lo - points, points - self.hi), 0.0), axis=1)
        near = bound < far
        out = bound
        if near.any():
            out = bound.copy()
            query = self.obj.sdf if exact else self.obj.sdf_fast
            out[near] = query(points[near] * self.flip)
        return out

    def exact(self, points: np.ndarray) -> np.ndarray:
        return self.obj.sdf(np.asarray(points, dtype=np.float64) * self.flip)

    def normals(self, points: np.ndarray) -> np.ndarray:
        return self.obj.normals(np.asarray(points) * self.flip) * self.flip


def _unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=3)
    return v / np.linalg.norm(v)


def _perpendicular(rng: np.random.Generator, to: np.ndarray) -> np.ndarray:
    v = _unit(rng)
    v = v - (v @ to) * to
    return v / np.linalg.norm(v)


def grip_width(obj: ObjectModel) -> float:
    """Width (m) of the object across the grip of a grasp: diameter (axial, round) or the thinnest box
    dimension."""
    g = obj.grasp
    if g.kind == "box":
        return 2.0 * min(g.half_extents)
    return 2.0 * g.radius


def applicable_types(obj: ObjectModel) -> tuple[GraspType, ...]:
    """The category's grasp types whose width range admits the object."""
    width = grip_width(obj)
    return tuple(t for t in grasp_types(obj.category) if t.min_width_m <= width <= t.max_width_m)


def _preshape(rng: np.random.Generator, gtype: GraspType, hand: _Hand) -> tuple[np.ndarray, np.ndarray]:
    """Open angles and closing targets (radians, (D,)) for a grasp type."""
    angles = np.zeros(len(DOF_KEYS))
    targets = LIMITS_RAD[:, 1].copy()
    ref = named_pose(gtype.reference).angles_rad
    if gtype.placement == "wrap":
        spread = np.radians([0.0, 8.0, 0.0, -6.0, -12.0]) * (2.5 if gtype.approach == "any" else 0.6)
        angles[_ABDUCT[1:]] = spread[1:] + np.radians(rng.normal(0.0, 3.0, 4))
        angles[_CHAINS[1:, 0]] = np.radians(rng.uniform(-5.0, 10.0, 4))
        angles[_CHAINS[1:, 1]] = np.radians(rng.uniform(0.0, 15.0, 4))
        angles[_CHAINS[1:, 2]] = np.radians(rng.uniform(0.0, 10.0, 4))
        # The thumb starts swung out radially in the palm's plane, so the palm reaches the object first.
        angles[_ABDUCT[0]] = np.radians(rng.uniform(-10.0, -5.0))
        angles[_CHAINS[0]] = np.radians(
            [rng.uniform(-15.0, -10.0), rng.uniform(-10.0, 0.0), rng.uniform(-15.0, 0.0)]
        )
        targets[_ABDUCT[0]] = np.radians(rng.uniform(40.0, 60.0))
        # A finger that closes on nothing ends curled as in a fist, not driven into the palm.
        targets[_CHAINS[1:]] = np.maximum(ref[_CHAINS[1:]] + np.radians(5.0), angles[_CHAINS[1:]])
    else:
        # Start from the reference pose (pads together); _open_fingers then opens each finger just
        # enough to clear the object, and closing brings the pads back onto its surface.
        angles[_ABDUCT] = ref[_ABDUCT] + np.radians(rng.normal(0.0, 3.0, 5))
        targets[_ABDUCT[0]] = angles[_ABDUCT[0]]  # the thumb swings back to its opposition, no further
        for f, name in enumerate(FINGERS):
            chain = _CHAINS[f]
            angles[chain] = ref[chain] * rng.uniform(0.95, 1.1)
            if name not in gtype.closing:
                targets[chain] = ref[chain] * rng.uniform(0.9, 1.05)
    angles[_DOF["wrist.flex"]] = np.radians(rng.normal(0.0, 15.0))
    angles[_DOF["wrist.abduct"]] = np.radians(rng.normal(-5.0, 6.0))
    angles[_DOF["metacarpal3.flex"]] = np.radians(rng.uniform(0.0, 5.0))
    angles[_DOF["metacarpal4.flex"]] = np.radians(rng.uniform(0.0, 10.0))
    angles = np.clip(angles, LIMITS_RAD[:, 0], LIMITS_RAD[:, 1])
    targets = np.clip(np.maximum(targets, angles), LIMITS_RAD[:, 0], LIMITS_RAD[:, 1])
    return angles, targets


def _wrap_placement(rng, gtype: GraspType, obj: ObjectModel, hand: _Hand, flip: np.ndarray) -> tuple:
    """(R, t, u): hand rotation and translation in the object frame, and the approach direction."""
    g = obj.grasp
    palm = hand.palm_points
    x0, x1 = palm[:, 0].min(), hand.mcp_x
    p_palm = np.array(
        [
            x0 + rng.uniform(0.55, 0.85) * (x1 - x0),
            np.median(palm[:, 1]) + rng.uniform(-0.012, 0.008),
            float(np.median(palm[:, 2])),
        ]
    )
    if g.kind == "axial":
        phi = rng.uniform(0.0, 2.0 * np.pi)
        radial = np.array([np.cos(phi), np.sin(phi), 0.0])
        # The object axis crosses the palm obliquely, from the hypothenar to the index knuckle:
        # axis = cos(psi) y_hand + sin(psi) x_hand; the thumb end points up the object most of the time.
        axis = np.array([0.0, 0.0, 1.0 if rng.random() < 0.75 else -1.0])
        tangent = np.cross(axis, radial)
        psi = np.radians(rng.uniform(10.0, 40.0) if gtype.min_width_m < 0.02 else rng.uniform(5.0, 30.0))
        y_axis = np.cos(psi) * axis - np.sin(psi) * tangent
        x_axis = np.sin(psi) * axis + np.cos(psi) * tangent
        centre = np.array([0.0, 0.0, rng.uniform(*g.axis_range)]) * flip
        rotation = np.stack([x_axis, y_axis, radial], axis=1)
        start = centre + radial * (g.radius + 0.02)
    elif g.kind == "box":
        # The box lies on the palm (its thinnest axis along the palm normal), the fingers run across
        # it and curl round its far edge.
        h = np.asarray(g.half_extents)
        k = int(np.argmin(h))
        others = [a for a in range(3) if a != k]
        fits = [a for a in others if 2 * h[a] <= 0.1]
        if not fits:
            return None
        m = int(rng.choice(fits))
        n = others[0] if others[1] == m else others[1]
        radial = np.eye(3)[k] * rng.choice([-1.0, 1.0])
        x_axis = np.eye(3)[m] * rng.choice([-1.0, 1.0])
        rotation = np.stack([x_axis, np.cross(radial, x_axis), radial], axis=1)
        start = (
            np.asarray(g.center)
            + radial * (h[k] + 0.02)
            + x_axis * (h[m] - rng.uniform(0.015, 0.035))
            + np.eye(3)[n] * rng.uniform(-1.0, 1.0) * max(0.0, h[n] - 0.045)
        )
        # In the mirrored (left-hand) frame: reflect the placement, keep the hand frame right-handed.
        rotation, start, radial = rotation * flip[:, None], start * flip, radial * flip
        if np.linalg.det(rotation) < 0:
            rotation[:, 1] *= -1.0
    else:  # round
        radial = _unit(rng)
        rotation = frame_from_x_and_z_hint(_perpendicular(rng, radial), radial)
        start = np.asarray(g.center) * flip + radial * (g.radius + 0.02)
    return rotation, start - rotation @ p_palm, -radial


def _grip_frame(rng, gtype: GraspType, obj: ObjectModel, flip: np.ndarray) -> np.ndarray | None:
    """Object-side grip frame (4x4): origin where the pads meet, x across the grip, z away from the palm."""
    g = obj.grasp
    if g.kind == "axial":
        phi = rng.uniform(0.0, 2.0 * np.pi)
        across = np.array([np.cos(phi), np.sin(phi), 0.0])
        axis = np.array([0.0, 0.0, 1.0])
        if gtype.approach == "top":
            origin = np.array([0.0, 0.0, g.top - rng.uniform(0.008, 0.02)])
            out = -axis
        else:
            origin = np.array([0.0, 0.0, rng.uniform(*g.axis_range)])
            beta = np.radians(rng.uniform(50.0, 90.0)) * rng.choice([-1.0, 1.0])
            out = np.cos(beta) * axis + np.sin(beta) * np.cross(across, axis)
    elif g.kind == "box":
        h = np.asarray(g.half_extents)
        candidates = [k for k in range(3) if gtype.min_width_m <= 2 * h[k] <= gtype.max_width_m]
        if not candidates:
            return None
        k = int(rng.choice(candidates))
        across = np.eye(3)[k] * rng.choice([-1.0, 1.0])
        others = [m for m in range(3) if m != k]
        m = int(rng.choice(others))
        n = others[0] if others[1] == m else others[1]
        out = np.eye(3)[m] * rng.choice([-1.0, 1.0])
        # Held near the edge that faces the palm, away from the corners, so the pads land on the faces.
        depth = rng.uniform(min(0.015, h[m]), max(min(0.035, h[m]), min(0.015, h[m])))
        origin = np.asarray(g.center) - out * (h[m] - depth)
        origin = origin + np.eye(3)[n] * rng.uniform(-0.6, 0.6) * max(0.0, h[n] - 0.03)
    else:  # round
        out = _unit(rng)
        across = _perpendicular(rng, out)
        origin = np.asarray(g.center) - out * g.radius * rng.uniform(0.1, 0.55)
    frame = make_transform(frame_from_x_and_z_hint(across * flip, out * flip), origin * flip)
    return frame


def _pads(hand: _Hand, bones: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(5, 3) pad centres and (5, 3) outward pad normals of the fingers (thumb first) for posed bones."""
    sk = hand.rig.skeleton
    distal = np.array([BONE_INDEX[FINGER_BONES[f][2]] for f in FINGERS])
    frames = bones[distal]
    normals = -frames[:, :3, 2]  # the pad faces away from the nail (bone z is dorsal)
    centres = (
        frames[:, :3, 3]
        + frames[:, :3, 0] * (0.55 * sk.lengths[distal, None])
        + normals * (0.8 * sk.radii[distal, 1, None])
    )
    return centres, normals


def _pinch_placement(rng, gtype: GraspType, obj: ObjectModel, hand: _Hand, flip: np.ndarray) -> tuple | None:
    """Put the object where the closing pads meet in the reference pose, squeezed across the grip."""
    bones = hand.rig.bone_transforms(named_pose(gtype.reference))
    centres, normals = _pads(hand, bones)
    closing = [FINGERS.index(f) for f in gtype.closing if f != "thumb"]
    # Where the fingertips meet (the reference poses bring the tips together), squeezed along the
    # pads' normals.
    tips = bones[_TIP_BONES, :3, 3] + bones[_TIP_BONES, :3, 0] * hand.rig.skeleton.lengths[_TIP_BONES, None]
    pinch = (tips[closing].mean(axis=0) + tips[0]) / 2
    across = -normals[0] - normals[closing].mean(axis=0)  # from the thumb pad towards the finger pads
    out = pinch - hand.palm_centre
    hand_grip = make_transform(frame_from_x_and_z_hint(across, out), pinch)
    roll = make_transform(
        rotation_about_axis(np.array([1.0, 0.0, 0.0]), np.radians(rng.normal(0.0, 12.0))), np.zeros(3)
    )
    object_grip = _grip_frame(rng, gtype, obj, flip)
    if object_grip is None:
        return None
    T = object_grip @ roll @ invert_transform(hand_grip)
    return T[:3, :3], T[:3, 3], -T[:3, :3] @ np.array([0.0, 0.0, 1.0])  # backing off = towards the dorsum


def _approach(
    field: _Field,
    points_hand: np.ndarray,
    rotation,
    translation,
    direction,
    gap: float,
    max_iter: int = 60,
    stop_on_contact: bool = True,
) -> np.ndarray | None:
    """Slide the rigid hand along ``direction`` until its closest skin point is ``gap`` from the surface.

    Starting inside the object moves it back out along the same line. Returns the translation or None
    when neither converges.
    """
    t = translation.copy()
    base = points_hand @ rotation.T
    for _ in range(max_iter):
        d = field.sdf(base + t).min()
        if abs(d - gap) < 1e-4:
            return t
        if d > 0.15:
            return None
        t = t + direction * (d - gap)
    return t if field.sdf(base + t).min() > gap - 1e-3 else None


def _clear(field: _Field, points_hand, rotation, translation, direction, clearance: float, max_shift: float):
    """Back the rigid hand off along ``direction`` until nothing is closer than ``clearance``."""
    t = translation.copy()
    base = points_hand @ rotation.T
    for _ in range(40):
        d = field.sdf(base + t).min()
        if d >= clearance:
            return t
        t = t + direction * (clearance - d + 1e-4)
        if np.linalg.norm(t - translation) > max_shift:
            return None
    return None


def _open_fingers(
    field: _Field,
    hand: _Hand,
    angles: np.ndarray,
    rotation,
    translation,
    margin: float = 0.002,
    max_iter: int = 25,
) -> np.ndarray | None:
    """Open every finger that touches or cuts the object (all its flexions together, towards straight;
    the thumb also swings back into the palm's plane) until it is ``margin`` clear; None when a fully
    open finger still cuts it."""
    angles = angles.copy()
    dofs = [np.append(_CHAINS[0], _ABDUCT[0])] + [_CHAINS[f] for f in range(1, 5)]
    floor = np.minimum(angles, 0.0)
    floor[dofs[0]] = np.minimum(angles[dofs[0]], np.radians([-10.0, -5.0, -5.0, 0.0]))
    max_iter += 8
    step = np.maximum(angles - floor, 0.0) / 8.0
    for _ in range(max_iter):
        pts, _ = hand.skin_subset(angles)
        gmin = hand.group_min(field.sdf(pts @ rotation.T + translation))
        blocked = [f for f in range(5) if gmin[3 * f + (1 if f == 0 else 0) : 3 * f + 3].min() < margin]
        if not blocked:
            return angles
        for f in blocked:
            chain = _CHAINS[f]
            if np.all(angles[chain] <= floor[chain] + 1e-9):
                # A straight thumb that still cuts the object swings back out of opposition.
                if f == 0 and angles[_ABDUCT[0]] > floor[_ABDUCT[0]] + 1e-9:
                    angles[_ABDUCT[0]] = max(angles[_ABDUCT[0]] - step[_ABDUCT[0]], floor[_ABDUCT[0]])
                    continue
                return None
            angles[chain] = np.maximum(angles[chain] - step[chain], floor[chain])
    return None


def _close(
    field: _Field,
    hand: _Hand,
    angles: np.ndarray,
    targets: np.ndarray,
    rotation,
    translation,
    thumb_abduction_speed: float = 0.0,
    max_iter: int = 60,
) -> np.ndarray:
    """Auto-grasp: close the fingers until their phalanges touch (see the module docstring).

    Joint k of a finger drives its flexion DOF (and, for the thumb's first joint, the CMC palmar
    abduction at ``thumb_abduction_speed`` when the thumb must swing round the object).
    """
    angles = angles.copy()
    first_active = np.zeros(5, dtype=np.int64)
    done = np.zeros(5, dtype=bool)
    thumb_abduct = _ABDUCT[0]
    for _ in range(max_iter):
        if done.all():
            break
        pts, _ = hand.skin_subset(angles)
        gmin = hand.group_min(field.sdf(pts @ rotation.T + translation))
        proposal = angles.copy()
        moved = []
        for f in np.flatnonzero(~done):
            a = first_active[f]
            touching = np.flatnonzero(gmin[3 * f + a : 3 * f + 3] <= CONTACT_GAP_M)
            if touching.size:
                a = first_active[f] = a + touching.max() + 1
            if a >= 3:
                done[f] = True
                continue
            dofs = list(_CHAINS[f, a:])
            speed = list(_SPEED[f, a:])
            if f == 0 and a == 0 and thumb_abduction_speed > 0.0:
                dofs.append(thumb_abduct)
                speed.append(thumb_abduction_speed)
            dofs, speed = np.array(dofs), np.array(speed)
            speed = speed * (targets[dofs] - angles[dofs] > 1e-6)
            if not speed.any():
                done[f] = True
                continue
            gap = gmin[3 * f + a : 3 * f + 3].min()
            step = float(np.clip((gap - TARGET_GAP_M) / (hand.lever[f, a] * speed.sum()), 0.002, 0.3))
            proposal[dofs] = np.minimum(angles[dofs] + speed * step, targets[dofs])
            moved.append(f)
        # Fingers that would run into each other (or a fingertip into the palm) stop where they are.
        pairs, gaps = hand.rig.collision_gaps(hand.rig.bone_transforms(HandPose(proposal)))
        clash = pairs[gaps < -SELF_CONTACT_M]
        if clash.size:
            stuck = set(hand.bone_finger[clash.ravel()].tolist())
            for f in moved:
                if f in stuck:
                    proposal[_FINGER_DOFS[f]] = angles[_FINGER_DOFS[f]]
                    done[f] = True
        angles = proposal
    return angles


def _relieve(
    field: _Field,
    hand: _Hand,
    angles: np.ndarray,
    floor: np.ndarray,
    rotation,
    translation,
    limit: float = 0.0008,
    rounds: int = 4,
) -> tuple[np.ndarray, np.ndarray]:
    """Back off fingers (and the hand) whose full-mesh penetration exceeds ``limit``."""
    rig = hand.rig
    angles = angles.copy()
    translation = translation.copy()
    for _ in range(rounds):
        bones = rig.bone_transforms(HandPose(angles))
        d = field.sdf(rig.skin(bones) @ rotation.T + translation)
        worst = d.min()
        if -worst <= limit:
            break
        for f in range(5):
            sel = (hand.finger == f) & (hand.segment > (0 if f == 0 else -1))
            pen = -d[sel].min()
            if pen > limit:
                chain = _CHAINS[f]
                back = (pen - TARGET_GAP_M + 0.0002) / (hand.lever[f, 0] * _SPEED[f].sum())
                angles[chain] = np.maximum(angles[chain] - _SPEED[f] * back, floor[chain])
        body = (hand.finger == PALM) | (hand.finger == FOREARM) | ((hand.finger == 0) & (hand.segment == 0))
        pen = -d[body].min()
        if pen > limit:
            normal = field.normals(
                (rig.skin(bones) @ rotation.T + translation)[body][np.argmin(d[body])][None]
            )[0]
            translation = translation + normal * (pen + 0.0002)
    return angles, translation


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
        stats.accepted += 1
        T = make_transform(rotation, translation)
        if side == "left":
            T = _MIRROR4 @ T @ _MIRROR4
        return Grasp(obj, gtype.name, subject, side, HandPose(angles), T, quality, attempt), stats
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
        translation = _approach(field_, open_points, rotation, translation, direction, APPROACH_GAP_M)
    else:
        body = hand.sub_group >= 15
        body |= hand.sub_group == 0  # thenar
        translation = _clear(field_, open_points[body], rotation, translation, direction, 0.002, 0.025)
        if translation is not None:
            angles = _open_fingers(field_, hand, angles, rotation, translation)
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
    distances = field_.sdf(vertices, exact=True)
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
        rig.self_penetration_m(pose),
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
    rig = HandRig(subject.shape, "right")
    hand = _Hand(rig)  # per-rig vertex groups and cores, shared by every object tried
    for _ in range(max_objects):
        family = catalog[families[int(rng.integers(len(families)))]]
        obj = family.build(rng)
        grasp, s = synthesize(
            obj, subject, rng, side=side, max_attempts=attempts_per_object, rig=rig, _hand=hand
        )
        stats.add(s)
        if grasp is not None:
            return grasp, stats
    from handsynth.errors import UngraspableError

    raise UngraspableError(
        f"no accepted grasp on object families {', '.join(families)} for grasp {index} after "
        f"{max_objects} objects ({dict(stats.rejected)})",
        families,
    )
