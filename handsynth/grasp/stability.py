"""Does a grasp hold? Two protocols in PyBullet (DIRECT mode); numpy, trimesh and pybullet only (pybullet
imported inside the functions that need it); never scene, render, bpy, pyrender, ray or torch.

The scene is the grasp's object frame, and gravity is turned instead of the scene (world-down written
in the object frame). The object is a free body: mass = volume x its family's density
(``handsynth.grasp.object_mass``), inertia of the solid, its collision shape convex pieces
(``handsynth.grasp.convex_pieces``: lathes and torus arcs cut from their own geometry, convex parts as
their hull, other concave meshes through PyBullet's V-HACD, cached by mesh content in memory and, with
``cache_dir``, on disk). The hand is one convex hull per bone of the skinned skin that bone dominates
(bones more than ``NEAR_OBJECT_M`` from the object's box are left out): static in the literature
protocol, compliant in the grip protocol. Hulls rather than the skin's triangle mesh: PyBullet
collides a 41k-triangle static mesh 5-20x slower, and the per-bone hulls stand at most ~2 mm proud of
the skin (the thumb's MCP crease), elsewhere < 0.5 mm.

1. ``literature`` - the GraspTTA / Grasping Field "simulation displacement": rigid static hand,
   object 1 kg, friction 3 on both bodies, restitution 0.5, 150 solver iterations, 35 steps of
   1/240 s, the displacement of the object's centre of mass in cm, under one gravity direction per
   grasp as in the reference (which draws one camera, and with it one world-down, per grasp): one of
   the world-down directions below, drawn per grasp (``stability_record.literature_direction``).
2. ``grip`` - ours, the acceptance gate. The fingers grip as real ones do, through the give of their
   pulp: the hand stands still (the bone hulls, static) and its skin is compliant, a contact pushing
   back with ``PAD_STIFFNESS_N_M`` per metre of overlap up to the ``PAD_GIVE_M`` by which the hulls
   stand proud of the skin (a few newtons per contact, the grip force people use on light objects);
   friction ``SKIN_FRICTION`` and, as a finger pad's contact patch has, torsional friction
   ``PAD_SPIN_M`` (a point contact would let a pinched stick turn freely about the pinch axis). The
   object first settles among those forces (no gravity, ``SETTLE_STEPS``); then gravity acts along
   each of ``gravity_directions`` in turn (from the settled state, ``HOLD_STEPS``), and along the one
   that moved the object most, shakes of ``PERTURB_G`` x g follow along the two axes across it. The
   score is the largest centre-of-mass displacement from the settled state over the directions (cm),
   shakes included; a grasp holds when it is within ``GRIP_BOUND_CM``. A grasp that holds because the
   hand cages the object holds here as in the literature protocol; one that holds by squeeze holds
   only if its contacts oppose within the friction cones. The grip tightens over ``RAMP_STEPS`` (the
   pads' stiffness rises from zero, critically damped for the object's mass): pads at full give from
   the first step would fling a light object before friction could act. (An earlier articulated hand,
   its finger joints driven closed by bounded torques, did fling them: 10 g phalanges closing on a 3 g
   fork, and it held no pinch at all.)

Cost (``benchmarks/stability.py``): a phase stops early once the object is at rest (both protocols; in
the grip protocol, at rest means it drifted less than ``REST_DRIFT_M`` over the last ``REST_WINDOW``
steps, since a held object jitters in the grip) or, in the grip protocol, once it is more than
``DROP_CM`` from where it settled (then the remaining
directions are skipped too: the grasp has failed, and its grip displacement reads "about 10 cm", not
how far a free fall would have taken it); a gate (``measure_stability(gate=True)``) also stops at the
first direction beyond ``GRIP_BOUND_CM``. Shapes are made from vertices in memory (the object's
compound once per object), the bone hulls once per grasp for both protocols; the literature protocol
runs in the grip protocol's world emptied of its bodies, reusing the object's compound shape (identical
figures; no second file load). The hand's static hulls
are plain rigid bodies (maximal coordinates) rather than PyBullet's default 0-link multibodies: the
same figures to the last digit on 200 seeded grasps, and measurably cheaper steps (the multibody
pipeline handles every multibody each step, fixed base or not). Where the time goes and what did
not pay (fewer hull vertices, one piece per convex lathe slab, a looser solver residual): see
``benchmarks/stability_compare.py``.
"""

from __future__ import annotations

import math
from collections import deque
from pathlib import Path

import numpy as np

from handsynth.geometry.transforms import perpendicular
from handsynth.grasp.cache import Lru
from handsynth.grasp.convex_pieces import mesh_key, quat_xyzw
from handsynth.grasp.object_mass import density_kg_m3, mass_properties
from handsynth.grasp.stability_bodies import HAND_GROUP, OBJECT_GROUP, static_hulls, write_compound
from handsynth.grasp.stability_pieces import ObjectPieces
from handsynth.grasp.stability_record import (  # noqa: F401 (re-exported: the public names stay here)
    ARM_TILT_DEG,
    GRIP_BOUND_CM,
    GRIP_MODEL,
    NEAR_OBJECT_M,
    Stability,
    gravity_directions,
    measure_stability,
    object_motion,
)

G = 9.81
DT_S = 1.0 / 240.0
# Skin on common objects: static friction 0.5-1.2 (dry to moist finger pad on glass, plastic, wood,
# paper, aluminium; Derler & Gerhardt 2012, Tribol. Lett. 45; Seo & Armstrong 2009). Our objects carry
# visual materials only, so one value in the middle of that range for all of them.
SKIN_FRICTION = 0.8
# The finger pulp gives 1-2 mm under a few N (Serina et al. 1997, J. Biomech. 30; Pawluk & Howe 1999,
# J. Biomech. Eng. 121): the hulls stand PAD_GIVE_M proud of the skin, and a contact pushes back as a
# spring of PAD_STIFFNESS_N_M, 4.5 N at the full give - people lift light objects with grip forces of a
# few N per finger, 1.3-2x what would just hold them (Johansson & Westling 1984, Exp. Brain Res. 56).
PAD_GIVE_M = 0.0015
PAD_STIFFNESS_N_M = 3000.0
# A pad touches over a patch of about 1 cm^2 (radius r ~ 5.5 mm) under a few N, so it resists turning
# about the contact normal with a torque up to (2/3) mu r N (uniform pressure on a disc): PyBullet's
# spinning friction, a length, (2/3) x 0.8 x 5.5 mm.
PAD_SPIN_M = 0.003
PERTURB_G = 0.3
RAMP_STEPS = 12  # 0.05 s for the grip to tighten
SETTLE_STEPS = 24  # then up to 0.1 s of squeeze before gravity
HOLD_STEPS = 72  # 0.3 s of gravity
SHAKE_STEPS = 15  # per shake (4 shakes: +a, -a, +b, -b across gravity)
LITERATURE_STEPS = 35
GRIP_SOLVER_ITERATIONS = 50
OBJECT_FRICTION = 1.0  # PyBullet multiplies the two bodies' coefficients: the skin's sets the product
DROP_CM = 10.0  # an object this far from where the grip settled it has left the hand: stop simulating
REST_SPEED_M_S = 0.002  # literature protocol at rest: slower than this (and REST_SPIN_RAD_S) for
REST_SPIN_RAD_S = 0.02  # REST_STEPS steps in a row
REST_STEPS = 5
REST_WINDOW = 10  # grip protocol at rest: over the last REST_WINDOW steps (42 ms) it moved less than
REST_DRIFT_M = 0.0001  # REST_DRIFT_M and turned less than REST_TURN_DEG
REST_TURN_DEG = 0.25


class Simulator:
    """One PyBullet DIRECT client, reset (never reconnected) for every protocol run, and small caches.

    Caches (bounded, owned by the simulator): hand rigs per (shape, side); per object (by identity, the
    last few; a dropped object's compound file is deleted) its convex pieces, mass properties and
    compound file; V-HACD decompositions by mesh content
    in memory and, with ``cache_dir``, on disk. None of them changes a result: the simulation is rebuilt
    from the same numbers either way (``tests/test_stability_cache.py``).

    Args:
        cache_dir: where decompositions are kept between processes (``<sha1>.npz``); None keeps them
            in memory only. Either way a mesh is decomposed once per simulator.
    """

    def __init__(self, cache_dir: str | Path | None = None) -> None:
        import tempfile

        from handsynth.grasp.convex_pieces import quiet_stdout

        with quiet_stdout(2):  # its import prints "pybullet build time: ..." to stderr
            import pybullet

        self.p = pybullet
        self.client = pybullet.connect(pybullet.DIRECT)
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self._folder = tempfile.TemporaryDirectory(prefix="handsynth-sim-")
        self._decomposer = ObjectPieces(pybullet, self.client, self.cache_dir)
        self._objects = Lru(4, on_drop=lambda data: data["path"].unlink(missing_ok=True))
        self._rigs = Lru(20)  # every named subject, either side
        self.steps = 0
        # The object's collision shape in the current world: (path of its compound file, shape id).
        # Shapes outlive their bodies until the world is reset, so the second protocol of a grasp
        # reuses the first one's instead of loading the file again.
        self._shape: tuple[Path, int] | None = None
        # The last grip protocol's object poses (PyBullet (position, xyzw quaternion) of its centre of
        # mass): where it started and where each direction left it; for pictures (``object_motion``).
        self.grip_start: tuple | None = None
        self.grip_poses: dict[str, tuple] = {}

    @property
    def vhacd_calls(self) -> int:
        """V-HACD runs so far (meshes neither cached nor convex nor a lathe or torus arc)."""
        return self._decomposer.vhacd_calls

    @property
    def vhacd_seconds(self) -> float:
        return self._decomposer.vhacd_seconds

    def close(self) -> None:
        """Disconnect the client and remove the compound files."""
        self.p.disconnect(physicsClientId=self.client)
        self._folder.cleanup()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def rig(self, shape, side: str):
        """The ``HandRig`` of ``shape`` and ``side`` (cached)."""
        from handsynth.hand.rig import HandRig

        return self._rigs.get((shape, side), lambda: HandRig(shape, side))

    def _object_data(self, obj) -> dict:
        def make():
            volume, com, moments, axes = mass_properties(obj)
            pieces = self._decomposer.pieces(obj)
            sizes = np.array([len(p) for p in pieces])
            key = mesh_key(np.concatenate([*pieces, com[None]]), sizes, "compound")  # com: the origin
            path = write_compound(Path(self._folder.name), key, pieces, com)
            # ``obj`` is kept so that its id is not reused while the entry lives.
            mass = (volume, com, moments, axes)
            return {"obj": obj, "pieces": pieces, "mass": mass, "path": path, "axes_xyzw": quat_xyzw(axes)}

        return self._objects.get(id(obj), make)

    def convex_pieces(self, obj) -> list[np.ndarray]:
        """Convex pieces (each (N, 3) points, object frame) whose union stands for ``obj`` (cached for
        the last few objects: both protocols of a grasp use them)."""
        return self._object_data(obj)["pieces"]

    # ------------------------------------------------------------------------------------ bodies

    def _reset(self, solver_iterations: int, keep_shapes: bool = False) -> None:
        """An empty world: a fresh one, or with ``keep_shapes`` the current one with its bodies removed
        (its collision shapes kept for reuse). Either gives the same simulation: the bodies are made
        in the same order, and contact pairs are sorted (``deterministicOverlappingPairs``)."""
        p, c = self.p, self.client
        if keep_shapes:
            for body in reversed(range(p.getNumBodies(physicsClientId=c))):
                p.removeBody(p.getBodyUniqueId(body, physicsClientId=c), physicsClientId=c)
        else:
            p.resetSimulation(physicsClientId=c)
            self._shape = None
        p.setPhysicsEngineParameter(
            fixedTimeStep=DT_S,
            numSolverIterations=solver_iterations,
            enableFileCaching=0,
            deterministicOverlappingPairs=1,
            physicsClientId=c,
        )
        p.setGravity(0.0, 0.0, 0.0, physicsClientId=c)

    def _object(self, data: dict, mass_kg: float, friction: float, restitution: float) -> int:
        """The object as a free body at rest in its own frame (``data``: ``_object_data``)."""
        p, c = self.p, self.client
        _, com, moments, _ = data["mass"]
        if self._shape is None or self._shape[0] != data["path"]:
            shape = p.createCollisionShape(p.GEOM_MESH, fileName=str(data["path"]), physicsClientId=c)
            self._shape = (data["path"], shape)
        shape = self._shape[1]
        body = p.createMultiBody(
            baseMass=mass_kg,
            baseCollisionShapeIndex=shape,
            basePosition=com.tolist(),
            baseInertialFrameOrientation=data["axes_xyzw"],
            physicsClientId=c,
        )
        p.changeDynamics(
            body,
            -1,
            lateralFriction=friction,
            restitution=restitution,
            localInertiaDiagonal=(moments * mass_kg).tolist(),
            linearDamping=0.0,
            angularDamping=0.0,
            physicsClientId=c,
        )
        p.setCollisionFilterGroupMask(body, -1, OBJECT_GROUP, HAND_GROUP, physicsClientId=c)
        return body

    def _settle(self, body: int, steps: int, start: np.ndarray, push=None) -> bool:
        """Step up to ``steps`` times (with a constant world force ``push`` on the object if given);
        stop early once the object is at rest (the hand balances gravity and the push) or has dropped
        (more than ``DROP_CM`` from ``start``). Returns whether it dropped.

        The object's pose is read once per step (the pose after a step is the next step's start), and
        the tests run on plain floats: at ~0.4 ms a step, numpy's per-call cost on 3-vectors was a
        tenth of the loop."""
        p, c = self.p, self.client
        pose = p.getBasePositionAndOrientation(body, physicsClientId=c)
        poses = deque()  # (position, orientation) after each step, the last REST_WINDOW + 1
        for _ in range(steps):
            if _distance(pose[0], start) * 100.0 > DROP_CM:
                return True
            if push is not None:
                p.applyExternalForce(body, -1, push, pose[0], p.WORLD_FRAME, physicsClientId=c)
            p.stepSimulation(physicsClientId=c)
            self.steps += 1
            pose = p.getBasePositionAndOrientation(body, physicsClientId=c)
            poses.append(pose)
            if len(poses) > REST_WINDOW:
                (pos0, orn0), (pos1, orn1) = poses.popleft(), pose
                # Balanced: over the window it moved less than REST_DRIFT_M and turned less than
                # REST_TURN_DEG (a held object jitters in the grip; its mean position is what counts).
                if _distance(pos1, pos0) < REST_DRIFT_M and _angle_deg(orn0, orn1) < REST_TURN_DEG:
                    return False
        return False

    # --------------------------------------------------------------------------------- protocols

    def literature(self, obj, hand: list, down: np.ndarray) -> float:
        """GraspTTA simulation displacement (cm) under gravity along ``down`` (unit, object frame; see
        the module docstring); ``hand``: the ``convex_hull`` of each bone near the object."""
        p, c = self.p, self.client
        data = self._object_data(obj)
        com = data["mass"][1]
        self._reset(150, keep_shapes=self._shape is not None and self._shape[0] == data["path"])
        static_hulls(p, c, hand, friction=3.0)
        body = self._object(data, 1.0, friction=3.0, restitution=0.5)
        p.setGravity(*(9.8 * np.asarray(down)), physicsClientId=c)
        still = 0
        for _ in range(LITERATURE_STEPS):
            p.stepSimulation(physicsClientId=c)
            self.steps += 1
            v, w = p.getBaseVelocity(body, physicsClientId=c)
            at_rest = _norm(v) < REST_SPEED_M_S and _norm(w) < REST_SPIN_RAD_S
            still = still + 1 if at_rest else 0
            if still >= REST_STEPS:  # held: the remaining steps would move it < 0.01 cm
                break
        pos = p.getBasePositionAndOrientation(body, physicsClientId=c)[0]
        return _distance(pos, com) * 100.0

    def grip(self, obj, hand: list, directions: dict[str, np.ndarray], fail_above_cm: float = DROP_CM):
        """Grip protocol: (displacement per direction (cm), rotation per direction (deg), squeeze (N),
        mass (kg)); ``hand``: the ``convex_hull`` of each bone near the object; see the module
        docstring. Directions after one that moves the object more than ``fail_above_cm`` are skipped
        (and the shakes with them): by default after a drop; a gate, which only needs the verdict,
        passes its bound, and the largest displacement is then only known to exceed it."""
        p, c = self.p, self.client
        data = self._object_data(obj)
        mass = data["mass"][0] * density_kg_m3(obj)
        self._reset(GRIP_SOLVER_ITERATIONS)
        hand_bodies = static_hulls(p, c, hand, SKIN_FRICTION, -PAD_GIVE_M)
        body = self._object(data, mass, friction=OBJECT_FRICTION, restitution=0.0)
        self.grip_start, self.grip_poses = p.getBasePositionAndOrientation(body, physicsClientId=c), {}
        # The grip tightens over RAMP_STEPS (a hand closes on an object; pads at full give from the
        # first step would fling a light one before friction could act), critically damped for this
        # object's mass so that it comes to rest in the grip instead of ringing.
        for step in range(RAMP_STEPS):
            stiffness = PAD_STIFFNESS_N_M * (step + 1) / RAMP_STEPS
            for b in hand_bodies:
                p.changeDynamics(
                    b,
                    -1,
                    contactStiffness=stiffness,
                    contactDamping=2.0 * np.sqrt(stiffness * mass),
                    spinningFriction=PAD_SPIN_M,
                    physicsClientId=c,
                )
            p.stepSimulation(physicsClientId=c)
            self.steps += 1
        self._settle(body, SETTLE_STEPS, data["mass"][1])
        pos0, orn0 = p.getBasePositionAndOrientation(body, physicsClientId=c)
        pos0 = np.array(pos0)
        squeeze = float(sum(pt[9] for pt in p.getContactPoints(bodyA=body, physicsClientId=c)))
        settled = p.saveState(physicsClientId=c)
        moves, turns = {}, {}

        def hold(name: str, shake: bool) -> None:
            """Gravity along ``directions[name]`` from the settled grip (then the shakes across it)."""
            g = directions[name]
            p.restoreState(settled, physicsClientId=c)
            p.setGravity(*(G * g), physicsClientId=c)
            dropped = self._settle(body, HOLD_STEPS, pos0)
            for push in _across(g) if shake and not dropped else ():
                if self._settle(body, SHAKE_STEPS, pos0, (mass * PERTURB_G * G * push).tolist()):
                    break
            pos, orn = p.getBasePositionAndOrientation(body, physicsClientId=c)
            self.grip_poses[name] = (pos, orn)
            moves[name] = float(np.linalg.norm(np.array(pos) - pos0) * 100.0)
            turns[name] = _angle_deg(orn0, orn)

        for name in directions:
            hold(name, shake=False)
            if moves[name] > fail_above_cm:  # the grasp fails whatever the other directions do
                return moves, turns, squeeze, mass
        # The shakes under the direction that moved the object most: gravity there again (the same
        # steps from the same state, so the same motion), then the four pushes across it.
        hold(max(moves, key=moves.get), shake=True)
        return moves, turns, squeeze, mass


def _across(g: np.ndarray) -> tuple[np.ndarray, ...]:
    """+a, -a, +b, -b: two unit axes across ``g``."""
    a = perpendicular(g)
    b = np.cross(g, a)
    return a, -a, b, -b


def _angle_deg(q0, q1) -> float:
    """Angle (degrees) between two orientations given as xyzw quaternions."""
    d = abs(q0[0] * q1[0] + q0[1] * q1[1] + q0[2] * q1[2] + q0[3] * q1[3])
    return math.degrees(2.0 * math.acos(min(1.0, d)))


def _norm(v) -> float:
    return math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])


def _distance(a, b) -> float:
    return _norm((a[0] - b[0], a[1] - b[1], a[2] - b[2]))
