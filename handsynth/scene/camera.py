"""Camera and world placement of a sample: viewpoint presets, focal length and framing; numpy only.

The world frame has z up. The grasp is placed so the forearm comes from below (the elbow lower than the
wrist, as when a person holds something in front of them), with the hand's centre at the origin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from handsynth.config import CameraConfig
from handsynth.conventions import invert_transform, make_intrinsics
from handsynth.errors import SamplingError
from handsynth.geometry.transforms import (
    frame_from_x_and_z_hint,
    make_transform,
    perpendicular,
    rotation_about_axis,
)

_UP = np.array([0.0, 0.0, 1.0])
# Rejection loops draw at most this many candidates. The world pose accepts ~63 % of its draws; the
# camera's direction ~85 % at the default clearance: 1000 failures in a row mean the arguments admit
# (almost) no camera, not bad luck.
MAX_DRAWS = 1000


@dataclass(frozen=True)
class Camera:
    """A pinhole camera.

    Attributes:
        K: (3, 3) float64 intrinsics (OpenCV, pixel centres at integers).
        T_cam_world: (4, 4) float64, OpenCV camera axes (x right, y down, z forward).
        width, height: image size in pixels.
        preset: the viewpoint preset it was drawn from.
        azimuth_deg, elevation_deg: direction from the hand's centre to the camera in the world frame.
        distance_m: distance from the point looked at.
        fov_deg: horizontal field of view.
    """

    K: np.ndarray
    T_cam_world: np.ndarray
    width: int
    height: int
    preset: str
    azimuth_deg: float
    elevation_deg: float
    distance_m: float
    fov_deg: float

    def describe(self) -> dict:
        """JSON-ready summary stored with each sample."""
        return {
            "preset": self.preset,
            "azimuth_deg": round(self.azimuth_deg, 4),
            "elevation_deg": round(self.elevation_deg, 4),
            "distance_m": round(self.distance_m, 6),
            "fov_deg": round(self.fov_deg, 4),
            "focal_length_px": round(float(self.K[0, 0]), 6),
        }


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _random_unit(rng: np.random.Generator) -> np.ndarray:
    return _unit(rng.normal(size=3))


def sample_world_pose(
    rng: np.random.Generator,
    forearm_dir: np.ndarray,
    dorsal_dir: np.ndarray,
    center: np.ndarray,
    palm_up_within_deg: float | None = None,
) -> np.ndarray:
    """(4, 4) ``T_world_object``: the elbow-to-wrist direction points up to 15 degrees below the horizon
    or higher, the hand's roll about the forearm is uniform, and ``center`` (object frame) goes to the
    origin.

    With ``palm_up_within_deg`` (a support grasp, ``GraspType.support``) the palm faces up instead: its
    normal (``-dorsal_dir`` made square to the forearm) uniform over the cap of that half-angle about
    world up, the forearm square to it at a uniform heading (so up to that angle below the horizon).
    """
    if palm_up_within_deg is None:
        for _ in range(MAX_DRAWS):
            target = _random_unit(rng)
            if target[2] >= -0.26:
                break
        else:  # pragma: no cover - a uniform direction is accepted with probability 0.63
            raise SamplingError(f"no forearm direction above -15 degrees in {MAX_DRAWS} draws")
        dorsal = _random_unit(rng)  # the roll about the forearm
    else:
        cos_tilt = rng.uniform(np.cos(np.radians(palm_up_within_deg)), 1.0)
        azimuth, heading = rng.uniform(0.0, 2.0 * np.pi, size=2)
        sin_tilt = np.sqrt(1.0 - cos_tilt**2)
        palm = np.array([sin_tilt * np.cos(azimuth), sin_tilt * np.sin(azimuth), cos_tilt])
        level = np.cross(palm, perpendicular(palm))
        target = np.cos(heading) * level + np.sin(heading) * np.cross(palm, level)  # square to the palm
        dorsal = -palm
    R_obj = frame_from_x_and_z_hint(forearm_dir, dorsal_dir)  # columns: forearm, ., dorsal (object frame)
    R_world = frame_from_x_and_z_hint(target, dorsal)
    R = R_world @ R_obj.T
    return make_transform(R, -R @ np.asarray(center, dtype=np.float64))


def _look_at(position: np.ndarray, target: np.ndarray, up: np.ndarray, roll_rad: float) -> np.ndarray:
    """(3, 3) ``R_world_cam`` with OpenCV axes: z towards ``target``, y down (against ``up``)."""
    z = _unit(target - position)
    x = np.cross(z, up)  # right = forward x up, so y = forward x right points down
    if np.linalg.norm(x) < 1e-6:  # looking straight along up: any horizontal x will do
        x = np.cross(z, np.array([1.0, 0.0, 0.0]))
    x = _unit(x)
    y = np.cross(z, x)
    R = np.stack([x, y, z], axis=1)
    return R @ rotation_about_axis(np.array([0.0, 0.0, 1.0]), roll_rad)


def sample_camera(
    rng: np.random.Generator,
    config: CameraConfig,
    width: int,
    height: int,
    hand_joints: np.ndarray,
    object_center: np.ndarray,
    forearm_dir: np.ndarray,
    surface_points: np.ndarray,
    arm_axis: tuple[np.ndarray, np.ndarray, float] | None = None,
) -> Camera:
    """A camera framing the hand, all arrays in the world frame.

    Args:
        hand_joints: (21, 3) joints; their extent sets the distance for the drawn ``hand_fill``.
        object_center: (3,) centre of the object's graspable part; the camera looks a little towards it.
        forearm_dir: (3,) unit elbow-to-wrist direction (third-person views along the arm are skipped,
            egocentric views look over the wrist).
        surface_points: (N, 3) hand, wrist and object vertices, all kept ``min_clearance_m`` in front.
        arm_axis: (start (3,), end (3,), radius) of the forearm reaching out of the picture; the camera
            keeps ``min_clearance_m`` off its surface (it may pass beside the camera, out of view).

    Raises:
        SamplingError: no direction in ``MAX_DRAWS`` draws keeps the camera off the arm and out of the
            arm's line (e.g. a ``min_clearance_m`` larger than the camera's distance to the hand).
    """
    weights = np.asarray(config.preset_weights, dtype=np.float64)
    preset = config.presets[int(rng.choice(len(config.presets), p=weights / weights.sum()))]
    hand_center = hand_joints.mean(axis=0)
    target = hand_center + 0.25 * (np.asarray(object_center) - hand_center)
    extent = float(np.max(np.linalg.norm(hand_joints[:, None] - hand_joints[None], axis=-1))) + 0.02
    fov_deg = float(rng.uniform(*config.fov_deg))
    focal_px = (width / 2.0) / np.tan(np.radians(fov_deg) / 2.0)
    fill = float(rng.uniform(*config.hand_fill))
    distance = extent * focal_px / (fill * width)
    for _ in range(MAX_DRAWS):
        if preset == "egocentric":
            # Over the wrist from behind, as from the eyes: horizontally back along the arm (or anywhere
            # when the arm points straight up), 30-70 degrees above the horizon.
            back = -forearm_dir * np.array([1.0, 1.0, 0.0])
            if np.linalg.norm(back) < 0.2:
                back = _random_unit(rng) * np.array([1.0, 1.0, 0.0])
            azimuth = np.arctan2(back[1], back[0]) + np.radians(rng.uniform(-25.0, 25.0))
            elevation = np.radians(rng.uniform(30.0, 70.0))
            direction = np.array(
                [np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)]
            )
        else:
            elevation = np.radians(rng.uniform(*config.elevation_deg))
            azimuth = rng.uniform(0.0, 2.0 * np.pi)
            direction = np.array(
                [np.cos(elevation) * np.cos(azimuth), np.cos(elevation) * np.sin(azimuth), np.sin(elevation)]
            )
            if np.dot(direction, -forearm_dir) > np.cos(np.radians(40.0)):
                continue  # looking down the arm from the elbow: the arm hides the hand
        if arm_axis is not None:
            start, end, radius = arm_axis
            p = target + distance * direction - start
            axis = end - start
            t = np.clip(np.dot(p, axis) / np.dot(axis, axis), 0.0, 1.0)
            if np.linalg.norm(p - t * axis) < radius + config.min_clearance_m:
                continue  # the camera would sit in or against the arm
        break
    else:
        raise SamplingError(
            f"no {preset} camera direction in {MAX_DRAWS} draws keeps min_clearance_m "
            f"{config.min_clearance_m:g} off the forearm at distance {distance:.3f} m from the hand "
            f"(hand_fill {fill:.3f}, fov_deg {fov_deg:.1f})"
        )
    roll = np.radians(rng.uniform(-config.max_roll_deg, config.max_roll_deg))
    position = target + distance * direction
    R = _look_at(position, target, _UP, roll)
    # Drift the framing: aim a little beside the target so it lands off the image centre.
    shift_px = rng.uniform(-config.center_jitter, config.center_jitter, size=2) * width
    aim = target - (R[:, 0] * shift_px[0] + R[:, 1] * shift_px[1]) * distance / focal_px
    R = _look_at(position, aim, _UP, roll)
    # Back away until every surface point is in front of the near plane margin.
    depth = (surface_points - position) @ R[:, 2]
    if depth.min() < config.min_clearance_m:
        position = position - R[:, 2] * (config.min_clearance_m - depth.min())
    T_world_cam = make_transform(R, position)
    offset = position - hand_center
    elevation_deg = float(np.degrees(np.arcsin(np.clip(_unit(offset)[2], -1.0, 1.0))))
    azimuth_deg = float(np.degrees(np.arctan2(offset[1], offset[0])))
    K = make_intrinsics(focal_px, width, height)
    return Camera(
        K=K,
        T_cam_world=invert_transform(T_world_cam),
        width=width,
        height=height,
        preset=preset,
        azimuth_deg=azimuth_deg,
        elevation_deg=elevation_deg,
        distance_m=float(np.linalg.norm(position - target)),
        fov_deg=fov_deg,
    )
