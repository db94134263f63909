"""``SceneSpec``: everything a renderer needs to draw sample ``i`` of a run, as data; and the sampler that
draws it from ``(root seed, i, config)``. numpy only; never bpy, pyrender, ray or torch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handsynth.config import SceneConfig
from handsynth.conventions import transform_points
from handsynth.grasp.taxonomy import SUPPORT_TILT_DEG
from handsynth.scene.camera import Camera, sample_camera, sample_world_pose
from handsynth.scene.grasps import FOREARM_EXTENSION_M, GraspBank, GraspScene
from handsynth.scene.lights import PointLamp, sample_lights

WRIST_CLEARANCE_M = 0.15  # the forearm within this distance of the wrist stays in front of the camera
ARM_LENGTH_M = 0.14 + FOREARM_EXTENSION_M  # wrist to the far end of the forearm extension (upper bound)


def sample_seed(root_seed: int, index: int) -> int:
    """The per-sample seed of sample ``index`` (stored in its annotation; it seeds everything of the
    sample except the grasp, which belongs to ``index // renders_per_grasp``)."""
    return int(np.random.SeedSequence([int(root_seed), int(index)]).generate_state(1, dtype=np.uint32)[0])


@dataclass(frozen=True)
class BackgroundRef:
    """Which background is behind a sample: ``source`` ``procedural`` (``id`` in the generator) or
    ``folder`` (``id`` = image index in the folder, ``name`` its relative path, ``seed`` its crop)."""

    source: str
    id: int
    name: str | None = None
    seed: int = 0

    def describe(self) -> dict:
        out = {"source": self.source, "id": self.id}
        if self.name is not None:
            out["name"] = self.name
        return out


@dataclass(frozen=True, eq=False)
class SceneSpec:
    """One sample as data.

    Attributes:
        index, seed: global sample index and its per-sample seed.
        grasp: the grasp scene shared with the other samples of the same grasp (object frame).
        T_world_object: (4, 4) float64 placement of the object (and the hand holding it).
        camera: intrinsics, extrinsics and framing.
        lights: the point lamps; ambient: uniform ambient radiance (linear, white).
        background: what is composited behind.
        skin_tint: (3,) float64 linear RGB factor on the subject's skin albedo (hand and forearm
            extension) for this sample.
    """

    index: int
    seed: int
    grasp: GraspScene
    T_world_object: np.ndarray
    camera: Camera
    lights: tuple[PointLamp, ...]
    ambient: float
    background: BackgroundRef
    skin_tint: np.ndarray

    @property
    def skin_albedo(self) -> np.ndarray:
        """(V, 3) float64 linear skin albedo of the hand's vertices in this sample."""
        return np.clip(self.grasp.hand_albedo * self.skin_tint, 0.0, 1.0)

    @property
    def arm_albedo(self) -> np.ndarray:
        """(N, 3) float64 linear albedo of the forearm extension's vertices in this sample."""
        return np.clip(self.grasp.arm_albedo * self.skin_tint, 0.0, 1.0)

    @property
    def T_cam_object(self) -> np.ndarray:
        """(4, 4) float64 object frame -> OpenCV camera frame."""
        return self.camera.T_cam_world @ self.T_world_object

    @property
    def joints_cam(self) -> np.ndarray:
        """(21, 3) float64 hand joints in the camera frame (m)."""
        return transform_points(self.T_cam_object, self.grasp.joints)


class SceneSampler:
    """Draws ``SceneSpec`` number ``i`` of a run: a pure function of ``(seed, i, config)``.

    Args:
        seed: the run's root seed.
        config: the scene configuration.
        families: object families to draw from (resolved from ``config.objects``).
        catalog: family name -> Family (procedural plus manifest families).
        num_folder_backgrounds: images in ``config.background.folder`` (0 for procedural backgrounds).
        folder_names: their relative paths (stored in the annotations).
    """

    def __init__(
        self,
        seed: int,
        config: SceneConfig,
        families: tuple[str, ...],
        catalog: dict | None = None,
        folder_names: tuple[str, ...] = (),
    ) -> None:
        from handsynth.scene.backgrounds import NUM_PROCEDURAL_BACKGROUNDS

        self.seed, self.config = int(seed), config
        self.bank = GraspBank(
            seed, families, catalog, config.subjects or None, config.sides, stability=config.stability
        )
        self.folder_names = tuple(folder_names)
        self.prefetch = False  # synthesize the next grasp on a background thread (set by the pipeline)
        self.num_procedural = NUM_PROCEDURAL_BACKGROUNDS

    def grasp_index(self, index: int) -> int:
        """The grasp sample ``index`` shows."""
        return int(index) // self.config.renders_per_grasp

    def sample(self, index: int) -> SceneSpec:
        """The spec of sample ``index``."""
        config = self.config
        seed = sample_seed(self.seed, index)
        rng = np.random.default_rng(seed)
        grasp = self.bank.get(self.grasp_index(index))
        if self.prefetch:  # two ahead: one slow grasp (a redrawn object) then does not stall rendering
            self.bank.prefetch(self.grasp_index(index) + 1)
            self.bank.prefetch(self.grasp_index(index) + 2)
        hand_center = grasp.joints.mean(axis=0)
        palm_up = SUPPORT_TILT_DEG if grasp.grasp.support else None  # a book on the palm: palm up
        T_world_object = sample_world_pose(rng, grasp.forearm_dir, grasp.dorsal_dir, hand_center, palm_up)
        R, t = T_world_object[:3, :3], T_world_object[:3, 3]
        joints = grasp.joints @ R.T + t
        obj = grasp.grasp.object
        # The forearm reaches out of the picture: only its part near the wrist must be in front of the
        # camera; the camera keeps clear of the rest (it may pass beside the camera, out of view).
        near_wrist = np.linalg.norm(grasp.arm_vertices - grasp.joints[0], axis=1) < WRIST_CLEARANCE_M
        surface = np.concatenate([grasp.hand_vertices, grasp.arm_vertices[near_wrist], obj.vertices])
        surface = surface @ R.T + t
        forearm = R @ grasp.forearm_dir
        arm_axis = (
            joints[0] - WRIST_CLEARANCE_M * forearm,
            joints[0] - ARM_LENGTH_M * forearm,
            grasp.arm_radius,
        )
        camera = sample_camera(
            rng,
            config.camera,
            config.width,
            config.height,
            joints,
            np.asarray(obj.grasp.center) @ R.T + t,
            forearm,
            surface,
            arm_axis,
        )
        position = -camera.T_cam_world[:3, :3].T @ camera.T_cam_world[:3, 3]
        lights, ambient = sample_lights(rng, config.lights, joints.mean(axis=0), position)
        if self.folder_names:
            k = int(rng.integers(len(self.folder_names)))
            background = BackgroundRef("folder", k, self.folder_names[k], int(rng.integers(2**31)))
        else:
            background = BackgroundRef("procedural", int(rng.integers(self.num_procedural)))
        # Skin varies a little from day to day and with the light: brightness and redness.
        j = config.skin_jitter
        gain = 1.0 + rng.uniform(-j, j)
        tint = gain * np.array([1.0 + rng.uniform(-j, j) * 0.5, 1.0, 1.0])
        return SceneSpec(
            index=int(index),
            seed=seed,
            grasp=grasp,
            T_world_object=T_world_object,
            camera=camera,
            lights=lights,
            ambient=ambient,
            background=background,
            skin_tint=tint,
        )
