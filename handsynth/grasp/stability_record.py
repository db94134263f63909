"""What a stability measurement stores and how a grasp is measured: the ``Stability`` record (the
``grasp.stability`` fields of docs/dataset-fields.md), the gate's bound, the world-down directions a
grasp is tested under, and ``measure_stability``, which runs both protocols of
``handsynth.grasp.stability.Simulator`` (see that module for the protocols themselves); numpy only here
(scipy for ``object_motion``; the simulator, and with it pybullet, is imported inside the function that
needs it), never scene, render, bpy, pyrender, ray or torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handsynth.grasp.stability_bodies import bone_hulls
from handsynth.grasp.taxonomy import SUPPORT_TILT_DEG
from handsynth.hand.shape import BONE_INDEX

# The gate. Measured over 100 grasps (25 per category, seed 0, ``benchmarks/stability.py --n 25``, on
# the synthesis of stop 18): the grip displacements split in two, 60 within 0.23 cm, then a gap to
# 2.75 cm; of the other 40, 35 dropped (> 10 cm; median turn of the 40, 54 degrees). The bound sits in
# that gap: just below it cylindrical/can power_wrap (seed 0, index 19, 0.23 cm), just above it
# cubical/remote_control lateral_pinch (seed 0, index 0, 2.75 cm); both drawn, as synthesized and
# after the simulation, in docs/images/stability_bound.png (``scripts/stability_sheet.py``). Verdicts
# under other pad figures (40 grasps of the synthesis before stop 18's wrap and pinch changes):
# stiffness 2000 / 4500 N/m agree with 3000 on 90 / 92.5 %, give 1.0 / 2.0 mm on 90 / 95 %, torsional
# friction 2 / 4 mm on 92.5 / 97.5 %.
GRIP_BOUND_CM = 2.0
# Which grip protocol made a record's grip figures (``grasp.stability.grip_model``): ``compliant_pads``
# is this one. Records without the key came from the first protocol (an articulated hand whose finger
# joints were driven 15 degrees more closed with 5 N at each fingertip); their figures are not comparable.
GRIP_MODEL = "compliant_pads"
NEAR_OBJECT_M = 0.03  # hand bones farther than this from the object's box are left out
ARM_TILT_DEG = 15.0  # scene sampling lets the forearm point up to 15 degrees below the horizon


@dataclass(frozen=True)
class Stability:
    """Both protocols' figures for one grasp.

    Attributes:
        sim_displacement_cm: literature protocol, under gravity along ``sim_direction`` (cm); NaN if
            not run.
        grip_displacement_cm: grip protocol, largest over the gravity directions (cm).
        grip_rotation_deg: the object's rotation at that worst direction (degrees).
        grip_worst_direction: name of the direction that moved the object most.
        grip_squeeze_n: total normal force of the hand on the object after settling (N).
        mass_kg: the object's mass in the grip protocol.
        sim_direction: the world-down direction of the literature protocol (a ``gravity_directions``
            name; ``literature_direction``), None if it did not run.
    """

    sim_displacement_cm: float
    grip_displacement_cm: float
    grip_rotation_deg: float
    grip_worst_direction: str
    grip_squeeze_n: float
    mass_kg: float
    sim_direction: str | None = None

    def holds(self, bound_cm: float = GRIP_BOUND_CM) -> bool:
        """The grip gate: the object stays within ``bound_cm`` of where the grip settled it."""
        return self.grip_displacement_cm <= bound_cm

    def to_dict(self) -> dict:
        return {
            "sim_displacement_cm": (
                None if np.isnan(self.sim_displacement_cm) else round(self.sim_displacement_cm, 4)
            ),
            "sim_direction": self.sim_direction,
            "grip_displacement_cm": round(self.grip_displacement_cm, 4),
            "grip_rotation_deg": round(self.grip_rotation_deg, 3),
            "grip_worst_direction": self.grip_worst_direction,
            "grip_squeeze_n": round(self.grip_squeeze_n, 3),
            "grip_bound_cm": GRIP_BOUND_CM,
            "grip_model": GRIP_MODEL,
            "grip_holds": self.holds(),
            "object_mass_kg": round(self.mass_kg, 5),
        }


def gravity_directions(bones: np.ndarray, joints: np.ndarray, support: bool = False) -> dict[str, np.ndarray]:
    """World-down directions (unit, object frame) that scene sampling may give a grasp.

    ``sample_world_pose`` lets the elbow-to-wrist direction ``f`` point anywhere at or above 15 degrees
    below the horizon, at any roll: world-down ``g`` satisfies ``g . f <= sin 15``. We take the arm held
    up (``g = -f``) and the four rolls (palm down, palm up, thumb side down, little side down) with the
    forearm at the steepest allowed tilt, where gravity pulls the object towards the fingertips.

    A support grasp (``GraspType.support``) is only ever shown palm up, within ``SUPPORT_TILT_DEG`` of
    straight up: gravity presses the object into the palm (``palm_up``), and the palm tilted that far
    towards each side (``fingers_down``, ``wrist_down``, ``thumb_down``, ``little_down``).

    Args:
        bones: (B, 4, 4) posed bone transforms in the object frame.
        joints: (21, 3) joints in the object frame.
        support: the directions of a support grasp.
    """
    f = bones[BONE_INDEX["lowerarm02"], :3, 0]
    f = f / np.linalg.norm(f)
    dorsal = bones[BONE_INDEX["wrist"], :3, 2]
    u = dorsal - (dorsal @ f) * f
    u /= np.linalg.norm(u)
    s = np.cross(f, u)
    if (joints[2] - joints[0]) @ s < 0:  # s points to the thumb side, whichever the hand
        s = -s
    if support:
        c, t = np.cos(np.radians(SUPPORT_TILT_DEG)), np.sin(np.radians(SUPPORT_TILT_DEG))
        sides = (("fingers_down", f), ("wrist_down", -f), ("thumb_down", s), ("little_down", -s))
        return {"palm_up": u} | {name: c * u + t * w for name, w in sides}
    c, t = np.cos(np.radians(ARM_TILT_DEG)), np.sin(np.radians(ARM_TILT_DEG))
    out = {"arm_up": -f}
    for name, w in (("palm_down", -u), ("palm_up", u), ("thumb_down", s), ("little_down", -s)):
        out[name] = c * w + t * f  # w is where gravity points: out of the palm for palm_down
    return out


def literature_direction(grasp, names) -> str:
    """The world-down direction (one of ``names``, in their order) of ``grasp``'s literature protocol.

    The reference protocol simulates each grasp under one gravity direction, that of the camera it drew
    for the grasp; a grasp here is tested under one of the directions scene sampling allows, drawn
    uniformly, so that a data set's mean estimates the mean over all of them. The draw is a hash of
    the grasp's placement and pose (their float64 bytes): a pure function of the grasp, without a
    random stream (the synthesis streams stay as they are), and the same in every process."""
    import hashlib

    names = list(names)
    data = np.ascontiguousarray(grasp.T_object_hand, dtype=np.float64).tobytes()
    data += np.ascontiguousarray(grasp.pose.angles_rad, dtype=np.float64).tobytes()
    draw = int.from_bytes(hashlib.sha256(data).digest()[:8], "little")
    return names[draw % len(names)]


def object_motion(start: tuple, end: tuple) -> np.ndarray:
    """(4, 4) rigid motion of the object (its frame) from PyBullet pose ``start`` to ``end``, each a
    (centre-of-mass position, xyzw quaternion) pair as in ``Simulator.grip_start`` / ``grip_poses``."""
    from scipy.spatial.transform import Rotation

    R = Rotation.from_quat(end[1]).as_matrix() @ Rotation.from_quat(start[1]).as_matrix().T
    T = np.eye(4)
    T[:3, :3] = R
    T[:3, 3] = np.asarray(end[0]) - R @ np.asarray(start[0])
    return T


def measure_stability(
    grasp, simulator=None, literature: bool = True, gate: bool = False, literature_down: str | None = None
) -> Stability:
    """Both protocols for one grasp (``handsynth.grasp.synthesis.Grasp``).

    Args:
        grasp: the grasp; only its object, subject, side, pose and ``T_object_hand`` are used.
        simulator: a ``Simulator`` to reuse (one is made and closed when None).
        literature: also run the literature protocol (``sim_displacement_cm`` is NaN otherwise).
        gate: the grip protocol first, and the literature protocol only if the grasp holds (a gate
            redraws a grasp that does not, so its figures would never be stored; this saves about
            half the simulation of every rejected grasp); the grip protocol also stops at the first
            direction that moves the object beyond ``GRIP_BOUND_CM``, so a rejected grasp's grip
            figures are that direction's, not the largest. A grasp that holds gets the same figures
            either way.
        literature_down: the world-down direction (a ``gravity_directions`` name) of the literature
            protocol, e.g. a record's ``sim_direction`` when re-simulating it from the record alone;
            None draws it (``literature_direction``).
    """
    from handsynth.grasp.stability import DROP_CM, Simulator

    own = simulator is None
    sim = Simulator() if own else simulator
    try:
        rig = sim.rig(grasp.subject.shape, grasp.side)
        posed = grasp.posed_hand(rig)
        directions = gravity_directions(posed.bone_transforms, posed.joints, grasp.support)
        lo, hi = grasp.object.bounds()
        lo, hi = lo - NEAR_OBJECT_M, hi + NEAR_OBJECT_M
        inside = np.all((posed.vertices > lo) & (posed.vertices < hi), axis=1)
        near = np.unique(rig.template.weights.argmax(axis=1)[inside])
        hulls = bone_hulls(posed, rig.template.weights, near)  # once, for both protocols
        hand = [hulls[b] for b in sorted(hulls)]
        fail_above_cm = GRIP_BOUND_CM if gate else DROP_CM
        moves, turns, squeeze, mass = sim.grip(grasp.object, hand, directions, fail_above_cm)
        worst = max(moves, key=moves.get)
        lit, down = np.nan, None
        if literature and not (gate and moves[worst] > GRIP_BOUND_CM):
            down = literature_direction(grasp, directions) if literature_down is None else literature_down
            lit = sim.literature(grasp.object, hand, directions[down])
    finally:
        if own:
            sim.close()
    return Stability(lit, moves[worst], turns[worst], worst, squeeze, mass, down)
