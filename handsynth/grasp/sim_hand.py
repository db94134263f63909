"""The hand as an articulated PyBullet body for the grip protocol; numpy only here (the pybullet module is
passed in); never scene, render, bpy, pyrender, ray or torch.

The palm (wrist, metacarpals, forearm stub) is the fixed base; each finger is a chain of three links,
one per phalanx bone, hinged at the bone heads about the rig's flexion axes (abduction and the thumb's
CMC abduction stay as posed), within the rig's joint limits. Each link's collision shape is the convex
hull of the skinned skin vertices its bone dominates, pulled in by ``SKIN_INSET_M`` (measured on
synthesized grasps, the raw hulls stand up to ~2 mm proud of the skin at the thumb's proximal phalanx,
elsewhere < 0.5 mm; the closing fingers take the inset up). The joints are driven towards a pose
``CLOSE_DEG`` more flexed with torques bounded to ``FINGER_FORCE_N`` times each joint's distance to its
fingertip: an everyday grip, the way a real hand holds by squeezing, not by interlocking.
"""

from __future__ import annotations

import numpy as np

from handsynth.grasp.stability_bodies import HAND_GROUP, OBJECT_GROUP, hull_shape, static_hulls
from handsynth.grasp.taxonomy import FINGERS
from handsynth.hand.pose import DOF_KEYS, LIMITS_RAD, HandPose
from handsynth.hand.shape import BONE_INDEX, FINGER_BONES

CLOSE_DEG = 15.0
# People lift light objects with grip forces of a few N, 1.3-2x the force at which they would slip
# (Johansson & Westling 1984, Exp. Brain Res. 56; Westling & Johansson 1984); a person can press 40-60 N.
# 5 N per fingertip covers a ~0.1-0.5 kg object held with friction 0.8 by two to five fingers.
FINGER_FORCE_N = 5.0
LINK_MASS_KG = 0.01
# The finger pulp gives 1-2 mm under a few N (Serina et al. 1997, J. Biomech. 30; Pawluk & Howe 1999):
# hulls from the skin pulled in by 1 mm, which the closing fingers take up.
SKIN_INSET_M = 0.001
_FINGER_BONES = [BONE_INDEX[b] for f in FINGERS for b in FINGER_BONES[f]]  # 15, finger-major
_FLEX_DOFS = [DOF_KEYS.index(f"{b}.flex") for f in FINGERS for b in FINGER_BONES[f]]


def _rotation_axis(R: np.ndarray) -> np.ndarray:
    v = np.array([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]])
    return v / max(np.linalg.norm(v), 1e-12)


def finger_joints(rig, pose: HandPose, T_object_hand: np.ndarray, delta_rad: float = 1e-3):
    """Hinges of the 15 phalanges in the object frame.

    Returns:
        heads (15, 3): joint centres; axes (15, 3): unit axes, a positive turn flexes (closes);
        levers (15,): distance from each joint to its finger's tip (m).
    """
    T = np.asarray(T_object_hand, dtype=np.float64)
    bones0 = T @ rig.bone_transforms(pose)
    heads = bones0[_FINGER_BONES, :3, 3]
    axes = np.empty((15, 3))
    for k, (b, d) in enumerate(zip(_FINGER_BONES, _FLEX_DOFS, strict=True)):
        angles = pose.angles_rad.copy()
        step = -delta_rad if angles[d] - delta_rad >= LIMITS_RAD[d, 0] else delta_rad  # stay within limits
        angles[d] += step
        bones1 = T @ rig.bone_transforms(HandPose(angles))
        # Both are reflections for a left hand: their product is the rotation the DOF made.
        # Orthogonal matrices: the transpose is the inverse.
        axes[k] = np.sign(step) * _rotation_axis(bones1[b, :3, :3] @ bones0[b, :3, :3].T)
    tips = np.repeat(
        heads[2::3] + (bones0[_FINGER_BONES[2::3], :3, 0] * rig.skeleton.lengths[_FINGER_BONES[2::3], None]),
        3,
        axis=0,
    )
    levers = np.linalg.norm(tips - heads, axis=1)
    return heads, axes, levers


def build_hand(
    p, client: int, rig, pose: HandPose, T_object_hand, hulls: dict, friction: float, near: set
) -> tuple[int, list[int], np.ndarray]:
    """Create the articulated hand; returns (body id, joint indices, max torques (15,) N m).

    The palm's bones are static bodies of one hull each; the fingers hang from a shapeless fixed base.

    Args:
        p: the pybullet module; client: its client id.
        rig, pose, T_object_hand: the grasp's rig (of its side), pose and placement.
        hulls: bone -> ``stability_bodies.convex_hull`` of the skin it dominates (``bone_hulls``).
        friction: skin friction coefficient.
        near: the bones with a vertex near the object; the palm's other bones are left out.
    """
    heads, axes, levers = finger_joints(rig, pose, T_object_hand)
    finger_set = set(_FINGER_BONES)
    palm = [hull for b, hull in sorted(hulls.items()) if b not in finger_set and b in near]
    static_hulls(p, client, palm, friction, SKIN_INSET_M)
    links, positions, parents = [], [], []
    for k, b in enumerate(_FINGER_BONES):
        links.append(hull_shape(p, client, hulls[b], heads[k], SKIN_INSET_M))
        segment = k % 3
        parents.append(0 if segment == 0 else k)  # 0: the base; k: link k - 1 (1-based)
        positions.append(heads[k] if segment == 0 else heads[k] - heads[k - 1])
    body = p.createMultiBody(
        baseMass=0.0,
        baseCollisionShapeIndex=-1,
        linkMasses=[LINK_MASS_KG] * 15,
        linkCollisionShapeIndices=links,
        linkVisualShapeIndices=[-1] * 15,
        linkPositions=[x.tolist() for x in positions],
        linkOrientations=[[0.0, 0.0, 0.0, 1.0]] * 15,
        linkInertialFramePositions=[[0.0, 0.0, 0.0]] * 15,
        linkInertialFrameOrientations=[[0.0, 0.0, 0.0, 1.0]] * 15,
        linkParentIndices=parents,
        linkJointTypes=[p.JOINT_REVOLUTE] * 15,
        linkJointAxis=[a.tolist() for a in axes],
        physicsClientId=client,
    )
    # Joint coordinates are 0 at the grasp's pose: the rig's limits move with it (a fingertip pushed
    # back by the object stops at the DIP's few degrees of hyperextension, as a real one does).
    angles = pose.angles_rad[_FLEX_DOFS]
    lower, upper = LIMITS_RAD[_FLEX_DOFS, 0] - angles, LIMITS_RAD[_FLEX_DOFS, 1] - angles
    p.changeDynamics(body, -1, lateralFriction=friction, restitution=0.0, physicsClientId=client)
    for link in range(15):
        p.changeDynamics(
            body,
            link,
            lateralFriction=friction,
            restitution=0.0,
            jointLowerLimit=float(lower[link]),
            jointUpperLimit=float(upper[link]),
            physicsClientId=client,
        )
        p.setCollisionFilterGroupMask(body, link, HAND_GROUP, OBJECT_GROUP, physicsClientId=client)
    return body, list(range(15)), FINGER_FORCE_N * levers


def drive(p, client: int, body: int, joints: list[int], torques: np.ndarray) -> None:
    """Drive every finger joint towards ``CLOSE_DEG`` more flexion with at most ``torques``."""
    p.setJointMotorControlArray(
        body,
        joints,
        p.POSITION_CONTROL,
        targetPositions=[np.radians(CLOSE_DEG)] * len(joints),
        forces=torques.tolist(),
        physicsClientId=client,
    )
