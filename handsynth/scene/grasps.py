"""The grasps a run draws from, and the meshes every renderer needs for one: hand parts, a forearm that
reaches out of the picture, the object. numpy only; never bpy, pyrender, ray or torch.

A grasp is expensive (about 0.3 s) and is shared by ``renders_per_grasp`` consecutive samples, each
with its own camera, lights and background, as ObMan and HUP-3D render several views of one grasp.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from handsynth.conventions import PART_FOREARM, PART_PALM, PART_THUMB, invert_transform
from handsynth.grasp.quality import FOREARM, PALM, bone_groups
from handsynth.grasp.synthesis import Grasp, sample_grasp
from handsynth.hand.rig import HandRig
from handsynth.hand.shape import BONE_INDEX
from handsynth.hand.skin import blend_skin_albedo, vertex_albedo_linear
from handsynth.hand.template import LABEL_FOREARM

FOREARM_EXTENSION_M = 0.6  # leaves the picture at every framing the camera sampler allows
_ARM_SEGMENTS, _ARM_RINGS = 24, 6


def face_parts(rig: HandRig) -> np.ndarray:
    """(F,) part id of every hand face: its vertices' dominant bone's finger, palm or forearm."""
    finger, _ = bone_groups()
    code = finger[rig.template.weights.argmax(axis=1)]
    code = np.where(rig.template.labels == LABEL_FOREARM, FOREARM, np.where(code == FOREARM, PALM, code))
    part = np.where(code == FOREARM, PART_FOREARM, np.where(code == PALM, PART_PALM, PART_THUMB + code))
    faces = rig.faces
    p0, p1, p2 = part[faces[:, 0]], part[faces[:, 1]], part[faces[:, 2]]
    return np.where(p1 == p2, p1, p0).astype(np.int64)


def _stub_section(rig: HandRig) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The rig's forearm stub in the ``lowerarm02`` bone frame (x along the forearm, towards the hand).

    Returns:
        ``local`` (S, 3) the stub's rest vertices in that frame, ``stub`` (V,) bool which template
        vertices they are, ``section`` (4,) the full cross-section 3 cm before the stub's rounded end:
        centre y, centre z, half-width (y) and half-height (z); and ``x_end`` the end's x.
    """
    b = BONE_INDEX["lowerarm02"]
    template = rig.template
    stub = (template.labels == LABEL_FOREARM) & (template.weights[:, b] > 0.99)
    inverse = invert_transform(rig.skeleton.rest_transforms[b])
    local = rig.rest_vertices[stub] @ inverse[:3, :3].T + inverse[:3, 3]
    x_end = float(local[:, 0].min())
    near = local[np.abs(local[:, 0] - (x_end + 0.03)) < 0.005]
    low, high = near[:, 1:].min(axis=0), near[:, 1:].max(axis=0)
    return local, stub, np.concatenate([(low + high) / 2.0, (high - low) / 2.0]), x_end


def forearm_extension(rig: HandRig, bones: np.ndarray, length_m: float = FOREARM_EXTENSION_M):
    """A closed, slightly widening elliptic tube continuing the rig's forearm stub towards the elbow.

    The stub ends in a rounded cap; the tube takes over where the cap begins (3 cm before its end) with
    the stub's own cross-section there, 1.5 % smaller (about 0.4 mm), so the silhouette runs on without
    a step. It starts 7 cm inside the stub, 10 % smaller than the stub, so its near cap stays hidden in the
    skin, and widens by 20 % towards the elbow; both ends are capped (a closed surface, like every other
    mesh of the scene).

    Args:
        rig: the hand rig (its skeleton gives the stub's radii).
        bones: (B, 4, 4) posed bone transforms in the output frame (``PosedHand.bone_transforms``).
    Returns:
        vertices (N, 3) float64 and faces (M, 3) int64, outward winding in the output frame.
    """
    b = BONE_INDEX["lowerarm02"]
    _, _, (cy, cz, half_width, half_height), x_end = _stub_section(rig)
    ring = np.linspace(0.0, 2.0 * np.pi, _ARM_SEGMENTS, endpoint=False)
    xs = np.concatenate([[x_end + 0.07, x_end + 0.03], np.linspace(x_end - 0.02, -length_m, _ARM_RINGS - 2)])
    widening = 1.0 + 0.2 * np.clip((x_end - xs) / (length_m + x_end), 0.0, 1.0)
    scale = np.concatenate([[0.9, 0.985], widening[2:]])
    local = np.stack(
        [
            np.repeat(xs, _ARM_SEGMENTS),
            (cy + scale[:, None] * half_width * np.cos(ring)[None]).ravel(),
            (cz + scale[:, None] * half_height * np.sin(ring)[None]).ravel(),
        ],
        axis=1,
    )
    n = len(local)
    local = np.vstack([local, [[xs[0], 0.0, 0.0]], [[xs[-1], 0.0, 0.0]]])  # cap centres: near n, far n + 1
    k = np.arange(_ARM_SEGMENTS)
    faces = []
    for r in range(_ARM_RINGS - 1):
        a, c = r * _ARM_SEGMENTS + k, r * _ARM_SEGMENTS + (k + 1) % _ARM_SEGMENTS
        faces += [
            np.stack([a, a + _ARM_SEGMENTS, c], 1),
            np.stack([c, a + _ARM_SEGMENTS, c + _ARM_SEGMENTS], 1),
        ]
    last = (_ARM_RINGS - 1) * _ARM_SEGMENTS
    faces.append(np.stack([k, (k + 1) % _ARM_SEGMENTS, np.full(_ARM_SEGMENTS, n)], 1))
    faces.append(np.stack([last + k, np.full(_ARM_SEGMENTS, n + 1), last + (k + 1) % _ARM_SEGMENTS], 1))
    faces = np.concatenate(faces).astype(np.int64)
    T = bones[b]
    vertices = local @ T[:3, :3].T + T[:3, 3]
    if np.linalg.det(T[:3, :3]) < 0:  # a left hand's bones are reflections: keep the winding outward
        faces = faces[:, ::-1].copy()
    return vertices, faces


def forearm_extension_albedo(subject, rig: HandRig) -> np.ndarray:
    """(N, 3) float64 linear albedo of the vertices of ``forearm_extension(rig, ...)``, continuing the
    stub's skin: each ring vertex takes the palmar/dorsal blend (``hand.skin.blend_skin_albedo``) of the
    stub's vertices at the same angle around the forearm in the last 3 cm of the stub, so the skin shows no
    seam where the stub ends (one constant colour left a step of up to 50 % on the inner forearm)."""
    local, stub, (cy, cz, half_width, half_height), x_end = _stub_section(rig)
    end = local[:, 0] < x_end + 0.05
    # The extension's elliptic ring parameter of each stub vertex.
    angle = np.arctan2((local[end, 2] - cz) / half_height, (local[end, 1] - cy) / half_width)
    palmar = rig.template.palmar[stub][end]
    ring = np.linspace(0.0, 2.0 * np.pi, _ARM_SEGMENTS, endpoint=False)
    gap = np.abs(np.angle(np.exp(1j * (ring[:, None] - angle[None, :]))))  # (segments, stub vertices)
    nearest = np.argsort(gap, axis=1)[:, :8]
    around = palmar[nearest].mean(axis=1)
    per_vertex = np.concatenate([np.tile(around, _ARM_RINGS), [around.mean(), around.mean()]])  # + caps
    return blend_skin_albedo(subject, np.ones(len(per_vertex)), per_vertex)


def _radius_about_axis(points: np.ndarray, axis: np.ndarray) -> float:
    """Largest distance of (N, 3) points from the line along ``axis`` through their centroid."""
    axis = axis / np.linalg.norm(axis)
    d = points - points.mean(axis=0)
    return float(np.max(np.linalg.norm(d - np.outer(d @ axis, axis), axis=1)))


@dataclass(frozen=True, eq=False)
class GraspScene:
    """One grasp and its geometry in the object frame, shared by the samples rendered from it.

    Attributes:
        index: the grasp's number in the run (``sample index // renders_per_grasp``).
        grasp: the synthesized grasp (object, subject, side, pose, quality).
        hand_vertices: (V, 3) float64 skinned hand (with the forearm stub) in the object frame.
        hand_normals: (V, 3) float64 unit vertex normals.
        hand_faces: (F, 3) int64.
        hand_face_parts: (F,) int64 part id of each face (``PART_NAMES``).
        hand_albedo: (V, 3) float64 linear skin albedo of the subject.
        arm_vertices, arm_faces, arm_normals: the forearm extension (part ``PART_FOREARM``).
        arm_albedo: (N, 3) linear albedo of the forearm extension's vertices (``forearm_extension_albedo``).
        object_normals: (N, 3) float64 unit vertex normals of ``grasp.object.vertices``.
        joints: (21, 3) float64 joints in the object frame, standard order.
        forearm_dir: (3,) unit direction from the elbow towards the wrist, object frame.
        arm_radius: the largest radius of the forearm extension (m).
        dorsal_dir: (3,) unit direction out of the back of the hand, object frame.
    """

    index: int
    grasp: Grasp
    hand_vertices: np.ndarray
    hand_normals: np.ndarray
    hand_faces: np.ndarray
    hand_face_parts: np.ndarray
    hand_albedo: np.ndarray
    arm_vertices: np.ndarray
    arm_faces: np.ndarray
    arm_normals: np.ndarray
    arm_albedo: np.ndarray
    object_normals: np.ndarray
    joints: np.ndarray
    forearm_dir: np.ndarray
    dorsal_dir: np.ndarray
    arm_radius: float

    @classmethod
    def build(cls, index: int, grasp: Grasp) -> GraspScene:
        """Skin the grasp's hand and prepare every mesh a renderer needs."""
        import trimesh

        rig = HandRig(grasp.subject.shape, grasp.side)
        posed = grasp.posed_hand(rig)
        mesh = trimesh.Trimesh(posed.vertices, posed.faces, process=False)
        arm_v, arm_f = forearm_extension(rig, posed.bone_transforms)
        obj = grasp.object
        obj_mesh = trimesh.Trimesh(obj.vertices, obj.faces, process=False)
        albedo = vertex_albedo_linear(grasp.subject, rig.template)
        T_arm = posed.bone_transforms[BONE_INDEX["lowerarm02"]]
        T_wrist = posed.bone_transforms[BONE_INDEX["wrist"]]
        return cls(
            index=index,
            grasp=grasp,
            hand_vertices=posed.vertices,
            hand_normals=np.asarray(mesh.vertex_normals, dtype=np.float64),
            hand_faces=posed.faces,
            hand_face_parts=face_parts(rig),
            hand_albedo=albedo,
            arm_vertices=arm_v,
            arm_faces=arm_f,
            arm_normals=np.asarray(
                trimesh.Trimesh(arm_v, arm_f, process=False).vertex_normals, dtype=np.float64
            ),
            arm_albedo=forearm_extension_albedo(grasp.subject, rig),
            object_normals=np.asarray(obj_mesh.vertex_normals, dtype=np.float64),
            joints=posed.joints,
            forearm_dir=T_arm[:3, 0] / np.linalg.norm(T_arm[:3, 0]),
            dorsal_dir=T_wrist[:3, 2] / np.linalg.norm(T_wrist[:3, 2]),
            arm_radius=_radius_about_axis(arm_v, T_arm[:3, 0]),
        )


class GraspBank:
    """Grasp ``k`` of a run, synthesized on first use and kept while its samples are rendered.

    ``get(k)`` is a pure function of ``(seed, k, families, subjects, sides, stability)``, whichever
    process asks and in whatever order (``handsynth.grasp.sample_grasp``); the side of grasp ``k`` is
    drawn from its own stream. With ``stability`` ``measure`` or ``gate`` every grasp is simulated
    (``handsynth.grasp.stability``) by a simulator per thread (a PyBullet client serves one thread).
    """

    def __init__(
        self,
        seed: int,
        families: tuple[str, ...],
        catalog: dict | None = None,
        subjects: tuple[str, ...] | None = None,
        sides: tuple[str, ...] = ("right",),
        capacity: int = 4,
        stability: str = "none",
    ) -> None:
        import threading

        self.seed, self.families, self.catalog = int(seed), tuple(families), catalog
        self.subjects = tuple(subjects) if subjects else None
        self.sides = tuple(sides)
        self.capacity = capacity
        self.stability = stability
        self._local = threading.local()
        self._made: list = []  # every thread's simulator, closed by ``close``
        self._cache: OrderedDict[int, GraspScene] = OrderedDict()
        self._pending: dict = {}  # grasp index -> Future of a prefetch
        self._executor = None
        self.synthesis_seconds = 0.0  # time spent synthesizing, for progress reports and benchmarks

    def side_of(self, grasp_index: int) -> str:
        """The hand side of grasp ``grasp_index``."""
        rng = np.random.default_rng([self.seed, int(grasp_index), 0x51DE])
        return self.sides[int(rng.integers(len(self.sides)))]

    def _simulator(self):
        """This thread's ``Simulator`` (made on first use), or None with ``stability`` none."""
        if self.stability == "none":
            return None
        sim = getattr(self._local, "sim", None)
        if sim is None:
            from handsynth.grasp.stability import Simulator

            sim = self._local.sim = Simulator()
            self._made.append(sim)
        return sim

    def _hands(self):
        """This thread's ``HandCache`` (rigs kept between grasps)."""
        hands = getattr(self._local, "hands", None)
        if hands is None:
            from handsynth.grasp import HandCache

            hands = self._local.hands = HandCache()
        return hands

    def _build(self, grasp_index: int) -> GraspScene:
        grasp, _ = sample_grasp(
            self.seed,
            grasp_index,
            self.families,
            self.catalog,
            self.subjects,
            self.side_of(grasp_index),
            stability=self._simulator(),
            grip_gate=self.stability == "gate",
            hands=self._hands(),
        )
        return GraspScene.build(grasp_index, grasp)

    def prefetch(self, grasp_index: int) -> None:
        """Start synthesizing ``grasp_index`` on a background thread, if it is not cached or under way.

        numpy releases the GIL in its large array operations and the renderer waits on OpenGL without
        it, so the next grasp is mostly made on the other core while this one is rendered. The result
        is the same as ``get``'s: synthesis is a pure function of the grasp's index.
        """
        from concurrent.futures import ThreadPoolExecutor

        if grasp_index in self._cache or grasp_index in self._pending:
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="grasp")
        self._pending[grasp_index] = self._executor.submit(self._build, grasp_index)

    def get(self, grasp_index: int) -> GraspScene:
        """The grasp scene of ``grasp_index`` (cached; least recently used ones are dropped).

        ``synthesis_seconds`` grows by the time spent waiting for it here (all of it, unless it was
        prefetched early enough).
        """
        import time

        if grasp_index in self._cache:
            self._cache.move_to_end(grasp_index)
            return self._cache[grasp_index]
        start = time.perf_counter()
        future = self._pending.pop(grasp_index, None)
        scene = future.result() if future is not None else self._build(grasp_index)
        self.synthesis_seconds += time.perf_counter() - start
        self._cache[grasp_index] = scene
        while len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        return scene

    def close(self) -> None:
        """Stop the prefetch thread (waits for a synthesis under way) and close the simulators."""
        import threading

        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._pending.clear()
        for sim in self._made:
            sim.close()
        self._made.clear()
        self._local = threading.local()
