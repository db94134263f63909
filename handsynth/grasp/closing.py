"""Closing the fingers on the object (auto-grasp), opening them clear of it, relieving residual penetration
(steps 2 and 3 of ``synthesis``); numpy only (never scene, render, bpy, pyrender, ray or torch)."""

from __future__ import annotations

import numpy as np

from handsynth.grasp.placement import APPROACH_GAP_M, _approach
from handsynth.grasp.quality import FOREARM, PALM
from handsynth.grasp.synthesis_data import _ABDUCT, _CHAINS, _Field, _Hand
from handsynth.hand.pose import LIMITS_RAD, HandPose

_FINGER_DOFS = [np.append(_CHAINS[f], _ABDUCT[f]) for f in range(5)]
_ALL_FINGERS = np.arange(5)
SELF_CONTACT_M = 0.001  # fingers may press 1 mm into each other (soft tissue) before they stop
# Joint speeds while closing: long fingers curl PIP a little faster than MCP, DIP slower (tendons).
_SPEED = np.array([[0.45, 1.0, 1.0]] + [[1.0, 1.1, 0.8]] * 4)
CONTACT_GAP_M = 0.0005  # a phalanx within this of the surface is touching
TARGET_GAP_M = -0.0003  # conservative steps aim here (a 0.3 mm press of the soft pad, at worst)
_THUMB_STEP = np.radians(3.0)


def _open_fingers(
    field: _Field,
    hand: _Hand,
    angles: np.ndarray,
    rotation,
    translation,
    margin: float = 0.002,
    max_iter: int = 25,
    anvil: int | None = None,
) -> np.ndarray | None:
    """Open every finger that touches or cuts the object (all its flexions together, towards straight;
    the thumb also swings back into the palm's plane) until it is ``margin`` clear; None when a fully
    open finger still cuts it. Finger ``anvil`` (a lateral pinch's index, which the thumb presses the
    object against) stays as it is, touching: None if it cuts the object."""
    angles = angles.copy()
    dofs = [np.append(_CHAINS[0], _ABDUCT[0])] + [_CHAINS[f] for f in range(1, 5)]
    floor = np.minimum(angles, 0.0)
    floor[dofs[0]] = np.minimum(angles[dofs[0]], np.radians([-10.0, -5.0, -5.0, 0.0]))
    max_iter += 8
    step = np.maximum(angles - floor, 0.0) / 8.0
    for _ in range(max_iter):
        bones = hand.rig.bone_transforms(HandPose(angles))
        gmin = hand.finger_gaps(field, bones, rotation, translation, _ALL_FINGERS)
        if anvil is not None and gmin[3 * anvil : 3 * anvil + 3].min() < 0.0:
            return None
        blocked = [
            f
            for f in range(5)
            if f != anvil and gmin[3 * f + (1 if f == 0 else 0) : 3 * f + 3].min() < margin
        ]
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
    bones = hand.rig.bone_transforms(HandPose(angles))
    for _ in range(max_iter):
        if done.all():
            break
        # Only the fingers still closing are skinned and measured (the others are not read).
        gmin = hand.finger_gaps(field, bones, rotation, translation, np.flatnonzero(~done))
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
        proposed_bones = hand.rig.bone_transforms(HandPose(proposal))
        pairs, gaps = hand.rig.collision_gaps(proposed_bones)
        clash = pairs[gaps < -SELF_CONTACT_M]
        if clash.size:
            stuck = set(hand.bone_finger[clash.ravel()].tolist())
            for f in moved:
                if f in stuck:
                    proposal[_FINGER_DOFS[f]] = angles[_FINGER_DOFS[f]]
                    done[f] = True
                    proposed_bones = None
        angles = proposal
        # The next round's pose is the proposal: reuse its bones unless a finger was held back.
        bones = hand.rig.bone_transforms(HandPose(angles)) if proposed_bones is None else proposed_bones
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
        skin = rig.skin(bones) @ rotation.T + translation
        d = field.sdf(skin)
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
            normal = field.normals(skin[body][np.argmin(d[body])][None])[0]
            translation = translation + normal * (pen + 0.0002)
    return angles, translation


def lay_palm(field: _Field, hand: _Hand, angles: np.ndarray, rotation, translation, direction) -> tuple:
    """Power grasp: slide the hand along ``direction`` until its palm is ``APPROACH_GAP_M`` from the
    object, with every finger opened clear of it; ``(angles, translation)``, translation None on failure.

    The palm itself must bear on the object (in the grip simulation a contact pushes back only where the
    skin is within 1.5 mm): a palmar-abducted thumb whose thenar would cut the object swings back
    (abduction and CMC flexion, 3 degrees a step) until it clears. Only when it cannot does the hand stop
    where the palm or the thenar first comes within the gap. The fingers closing afterwards
    (``_close``) wrap an object the palm already presses.
    """
    open_points, _ = hand.skin_subset(angles)
    palm = hand.sub_group >= 15  # palm and forearm
    t = _approach(field, open_points[palm], rotation, translation, direction, APPROACH_GAP_M)
    if t is not None:
        angles = angles.copy()
        thenar = hand.sub_group == 0
        for _ in range(30):
            points, _ = hand.skin_subset(angles)
            if field.sdf(points[thenar] @ rotation.T + t).min() >= 0.0:
                break
            angles[_ABDUCT[0]] = max(angles[_ABDUCT[0]] - _THUMB_STEP, LIMITS_RAD[_ABDUCT[0], 0])
            angles[_CHAINS[0, 0]] = max(angles[_CHAINS[0, 0]] - _THUMB_STEP, LIMITS_RAD[_CHAINS[0, 0], 0])
        else:
            t = None
    if t is None:
        open_points, _ = hand.skin_subset(angles)
        body = palm | (hand.sub_group == 0)
        t = _approach(field, open_points[body], rotation, translation, direction, APPROACH_GAP_M)
    if t is None:
        return angles, None
    return _open_fingers(field, hand, angles, rotation, t), t
