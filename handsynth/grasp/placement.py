"""Placing the hand for a grasp type: preshape, wrap or pinch placement, rigid approach (step 1 of
``synthesis``); numpy only (never scene, render, bpy, pyrender, ray or torch)."""

from __future__ import annotations

import numpy as np

from handsynth.conventions import invert_transform
from handsynth.geometry.transforms import frame_from_x_and_z_hint, make_transform, rotation_about_axis
from handsynth.grasp.synthesis_data import _ABDUCT, _CHAINS, _DOF, _Field, _Hand
from handsynth.grasp.taxonomy import FINGERS, GraspType, grasp_types
from handsynth.hand.pose import DOF_KEYS, LIMITS_RAD, named_pose
from handsynth.hand.shape import BONE_INDEX, FINGER_BONES
from handsynth.objects.model import ObjectModel

APPROACH_GAP_M = 0.0003
LATERAL_GAP_M = 0.0003  # a lateral pinch's object starts this far off the index's side
FLAT_MAX_DEPTH_M = 0.22  # a box held flat on the palm at most this deep along the fingers


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


def _opposed_thumb(gtype: GraspType) -> bool:
    """A power grasp whose thumb opposes the fingers across the object from a palmar abduction: the
    wrap of a wide axial object (Feix "large diameter") and a flat box gripped by its edge (thumb on
    one broad face, fingers on the other)."""
    if gtype.placement != "wrap":
        return False
    return (gtype.approach == "side" and gtype.min_width_m >= 0.02) or gtype.approach == "rim"


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
        if _opposed_thumb(gtype):
            angles[_ABDUCT[0]] = np.radians(rng.uniform(40.0, 60.0))
            angles[_CHAINS[0]] = np.radians(
                [rng.uniform(-15.0, -5.0), rng.uniform(-10.0, 0.0), rng.uniform(-15.0, 0.0)]
            )
            targets[_ABDUCT[0]] = np.radians(rng.uniform(50.0, 60.0))
        else:
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
        # A wide object lies at 35-50 degrees, so the palmar-abducted thumb closes round its far side
        # from the fingers instead of lying along it.
        axis = np.array([0.0, 0.0, 1.0 if rng.random() < 0.75 else -1.0])
        tangent = np.cross(axis, radial)
        psi = np.radians(rng.uniform(35.0, 50.0) if _opposed_thumb(gtype) else rng.uniform(10.0, 40.0))
        y_axis = np.cos(psi) * axis - np.sin(psi) * tangent
        x_axis = np.sin(psi) * axis + np.cos(psi) * tangent
        centre = np.array([0.0, 0.0, rng.uniform(*g.axis_range)]) * flip
        rotation = np.stack([x_axis, y_axis, radial], axis=1)
        start = centre + radial * (g.radius + 0.02)
    elif g.kind == "box" and gtype.approach == "rim":
        # A flat box gripped like a handle by one of its edges: the palm on the edge face (normal along
        # m), the edge (along n) across the palm at 45-60 degrees to the knuckles' line so that the
        # palmar-abducted thumb lands on the near broad face and the fingers curl over the far one.
        h = np.asarray(g.half_extents)
        k = int(np.argmin(h))
        others = [a for a in range(3) if a != k]
        m = int(rng.choice(others))
        n = others[0] if others[1] == m else others[1]
        radial = np.eye(3)[m] * rng.choice([-1.0, 1.0])
        axis = np.eye(3)[n] * rng.choice([-1.0, 1.0])
        tangent = np.cross(axis, radial)
        psi = np.radians(rng.uniform(45.0, 60.0))
        y_axis = np.cos(psi) * axis - np.sin(psi) * tangent
        x_axis = np.sin(psi) * axis + np.cos(psi) * tangent
        rotation = np.stack([x_axis, y_axis, radial], axis=1)
        centre = np.asarray(g.center) + axis * rng.uniform(-1.0, 1.0) * max(0.0, h[n] - 0.05)
        start = centre + radial * (h[m] + 0.02)
        rotation, start, radial = rotation * flip[:, None], start * flip, radial * flip
        if np.linalg.det(rotation) < 0:
            rotation[:, 1] *= -1.0
    elif g.kind == "box":
        # The box lies on the palm (its thinnest axis along the palm normal), the fingers run across
        # it and curl round its far edge (a box too deep for that reaches back over the wrist).
        h = np.asarray(g.half_extents)
        k = int(np.argmin(h))
        others = [a for a in range(3) if a != k]
        fits = [a for a in others if 2 * h[a] <= FLAT_MAX_DEPTH_M]
        if not fits:
            return None
        m = int(rng.choice(fits))
        n = others[0] if others[1] == m else others[1]
        radial = np.eye(3)[k] * rng.choice([-1.0, 1.0])
        x_axis = np.eye(3)[m] * rng.choice([-1.0, 1.0])
        # Turned 30-45 degrees in the palm's plane: fingers curled square over the far end face push
        # the box out towards the wrist with nothing opposing them; turned, they close on a corner.
        beta = np.radians(rng.uniform(30.0, 45.0))
        x_axis = np.cos(beta) * x_axis + np.sin(beta) * np.cross(radial, x_axis)
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


def lateral_side(hand: _Hand, bones: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Skin point on the radial side of the index's middle phalanx (halfway along it) and the outward
    radial direction there, for posed ``bones`` (right-hand frame)."""
    sk = hand.rig.skeleton
    b = BONE_INDEX[FINGER_BONES["index"][1]]
    frame = bones[b]
    middle = bones[BONE_INDEX[FINGER_BONES["middle"][1]], :3, 3]
    lateral = frame[:3, 1] * -np.sign((middle - frame[:3, 3]) @ frame[:3, 1])  # away from the middle finger
    point = frame[:3, 3] + frame[:3, 0] * (0.55 * sk.lengths[b]) + lateral * float(np.mean(sk.radii[b]))
    return point, lateral


def _depth_along(obj: ObjectModel, origin: np.ndarray, direction: np.ndarray) -> float | None:
    """Distance (m) from ``origin`` (inside ``obj``) to its surface along unit ``direction`` (0.1 mm
    steps; None past 5 cm)."""
    t = np.arange(0.0, 0.05, 0.0001)
    outside = np.flatnonzero(obj.sdf(origin + t[:, None] * direction) >= 0.0)
    return float(t[outside[0]]) if outside.size else None


def _pinch_placement(rng, gtype: GraspType, obj: ObjectModel, hand: _Hand, flip: np.ndarray) -> tuple | None:
    """Put the object where the closing pads meet in the reference pose, squeezed across the grip."""
    bones = hand.rig.bone_transforms(named_pose(gtype.reference))
    centres, normals = _pads(hand, bones)
    closing = [FINGERS.index(f) for f in gtype.closing if f != "thumb"]
    if closing:
        # Halfway between the thumb pad and the closing fingers' pads of the reference pose, squeezed
        # along the line between them: the pinch poses are fitted so the thumb's flexion carries its pad
        # along that line (``pad_pinch``, ``palmar_pinch``). The rig's thumb has no axial rotation, so its
        # pad meets the index pad at ~120 deg, not square: the pads' normals are a poor squeeze direction.
        fingers = centres[closing].mean(axis=0)
        pinch = (fingers + centres[0]) / 2
        across = fingers - centres[0]
    roll = make_transform(
        rotation_about_axis(np.array([1.0, 0.0, 0.0]), np.radians(rng.normal(0.0, 12.0))), np.zeros(3)
    )
    object_grip = _grip_frame(rng, gtype, obj, flip)
    if object_grip is None:
        return None
    if not closing:
        # Lateral (key) pinch: the object lies flat against the radial side of the index's middle
        # phalanx, just touching it (the index is the anvil and does not move, ``_open_fingers``), and
        # the thumb closes on its other face, pressing it there: the two contacts oppose along the face
        # normal. (Halfway between thumb pad and index side, across their bisector, the index had to open
        # to let it in and closed on it with its tip, the thumb pad meeting the face 35 degrees off the
        # tip's line: no such grasp held in the grip protocol.)
        side, radial = lateral_side(hand, bones)
        depth = _depth_along(obj, object_grip[:3, 3] * flip, -object_grip[:3, 0] * flip)
        if depth is None:
            return None
        pinch = side + radial * (depth + LATERAL_GAP_M)
        across = radial
    out = pinch - hand.palm_centre
    hand_grip = make_transform(frame_from_x_and_z_hint(across, out), pinch)
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
