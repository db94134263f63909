"""Range, type and name checks of a run configuration, and the depth bound that keeps surfaces inside a
16-bit depth PNG; standard library only."""

from __future__ import annotations

import math

from handsynth.config.schema import (
    CAMERA_PRESETS,
    LIGHT_COUNT_RANGE,
    MAX_HAND_EXTENT_M,
    MAX_MIN_CLEARANCE_M,
    MAX_SCENE_RADIUS_M,
    MAX_STORED_DEPTH_M,
    QUALITY_PRESETS,
    RENDER_DEVICES,
    SIDES,
    STABILITY_MODES,
    CameraConfig,
    RunConfig,
)
from handsynth.errors import UserError


def max_depth_m(camera: CameraConfig) -> float:
    """Upper bound (m) of the depth of any surface a camera drawn from ``camera`` sees.

    The camera stands ``d = extent / (2 fill tan(fov / 2))`` from the point it looks at (the hand of
    ``extent`` then spans ``fill`` of the image width); it is farthest at the smallest fill and field of
    view. If it backs away to keep ``min_clearance_m``, the nearest surface ends at that clearance. Every
    surface lies within ``MAX_SCENE_RADIUS_M`` of the point looked at, so the depth is at most
    ``max(d, min_clearance_m + R) + R`` with ``extent = MAX_HAND_EXTENT_M`` and ``R = MAX_SCENE_RADIUS_M``.
    """
    half_fov = math.radians(camera.fov_deg[0]) / 2.0
    distance = MAX_HAND_EXTENT_M / (2.0 * camera.hand_fill[0] * math.tan(half_fov))
    return max(distance, camera.min_clearance_m + MAX_SCENE_RADIUS_M) + MAX_SCENE_RADIUS_M


def min_hand_fill(fov_deg: float) -> float:
    """The smallest ``hand_fill`` whose depths fit the 16-bit depth PNGs at horizontal field of view
    ``fov_deg`` (the inverse of ``max_depth_m`` for the distance term)."""
    half_fov = math.radians(fov_deg) / 2.0
    return MAX_HAND_EXTENT_M / (2.0 * math.tan(half_fov) * (MAX_STORED_DEPTH_M - MAX_SCENE_RADIUS_M))


def check(config: RunConfig) -> None:
    """Raise a UserError naming the first value out of its valid range (names of finite constant sets
    included; names whose valid set lives in numpy modules are ``handsynth.preflight``'s)."""
    scene = config.scene
    if config.seed < 0:
        raise UserError(f"seed must be a non-negative integer, got {config.seed}")
    if config.n < 1:
        raise UserError(f"n must be at least 1, got {config.n}")
    if config.shard_size < 1:
        raise UserError(f"shard_size must be at least 1, got {config.shard_size}")
    if not 8 <= scene.width <= 8192 or not 8 <= scene.height <= 8192:
        raise UserError(f"resolution must be 8..8192 pixels, got {scene.width}x{scene.height}")
    if not scene.sides or any(s not in SIDES for s in scene.sides):
        bad = next((s for s in scene.sides if s not in SIDES), "nothing")
        raise UserError(f"unknown side '{bad}' in scene.sides; valid: {', '.join(SIDES)}")
    if scene.stability not in STABILITY_MODES:
        valid = ", ".join(STABILITY_MODES)
        raise UserError(f"unknown stability mode '{scene.stability}' in scene.stability; valid: {valid}")
    if scene.renders_per_grasp < 1:
        raise UserError(f"scene.renders_per_grasp must be at least 1, got {scene.renders_per_grasp}")
    cam = scene.camera
    if not cam.presets or any(p not in CAMERA_PRESETS for p in cam.presets):
        bad = next((p for p in cam.presets if p not in CAMERA_PRESETS), "nothing")
        raise UserError(
            f"unknown camera preset '{bad}' in scene.camera.presets; valid: {', '.join(CAMERA_PRESETS)}"
        )
    weights = cam.preset_weights
    if (
        len(weights) != len(cam.presets)
        or not all(math.isfinite(w) and w >= 0 for w in weights)
        or not 0 < sum(weights) < math.inf
    ):
        raise UserError(
            f"scene.camera.preset_weights needs one finite non-negative weight per preset "
            f"({', '.join(cam.presets)}), not all zero; got {list(weights)}"
        )
    ranges = {
        "scene.camera.fov_deg": (cam.fov_deg, 5.0, 150.0),
        "scene.camera.hand_fill": (cam.hand_fill, 0.02, 3.0),
        "scene.camera.elevation_deg": (cam.elevation_deg, -90.0, 90.0),
        "scene.lights.distance_m": (scene.lights.distance_m, 0.05, 100.0),
        "scene.lights.exposure": (scene.lights.exposure, 0.0, 100.0),
        "scene.lights.temperature_k": (scene.lights.temperature_k, 1000.0, 40000.0),
        "scene.lights.ambient": (scene.lights.ambient, 0.0, 10.0),
    }
    for key, ((lo, hi), low, high) in ranges.items():
        if not low <= lo <= hi <= high:
            raise UserError(
                f"{key} must be an increasing range within [{low:g}, {high:g}], got [{lo:g}, {hi:g}]"
            )
    for key, value, low, high in (
        ("scene.camera.max_roll_deg", cam.max_roll_deg, 0.0, 180.0),
        ("scene.camera.center_jitter", cam.center_jitter, 0.0, 0.5),
        ("scene.camera.min_clearance_m", cam.min_clearance_m, 0.01, MAX_MIN_CLEARANCE_M),
        ("scene.skin_jitter", scene.skin_jitter, 0.0, 0.5),
    ):
        if not low <= value <= high:  # also refuses NaN
            raise UserError(f"{key} must be within [{low:g}, {high:g}], got {value}")
    if (depth := max_depth_m(cam)) > MAX_STORED_DEPTH_M:
        raise UserError(
            f"scene.camera.hand_fill {cam.hand_fill[0]:g} at fov_deg {cam.fov_deg[0]:g} puts surfaces up "
            f"to {depth:.2f} m away, beyond the {MAX_STORED_DEPTH_M:.4f} m a 16-bit depth PNG holds; at that "
            f"field of view hand_fill must be at least {min_hand_fill(cam.fov_deg[0]):.4f}"
        )
    low, high = LIGHT_COUNT_RANGE
    if not low <= scene.lights.count <= high:
        raise UserError(f"scene.lights.count must be {low}..{high}, got {scene.lights.count}")
    render = config.render
    if render.quality not in QUALITY_PRESETS:
        raise UserError(
            f"unknown quality '{render.quality}' in render.quality; valid: {', '.join(QUALITY_PRESETS)}"
        )
    if render.device not in RENDER_DEVICES:
        raise UserError(
            f"unknown device '{render.device}' in render.device; valid: {', '.join(RENDER_DEVICES)}"
        )
    if render.samples is not None and not 1 <= render.samples <= 65536:
        raise UserError(f"render.samples must be 1..65536 (or null for the preset's), got {render.samples}")
    if not 0 <= render.threads <= 1024:
        raise UserError(f"render.threads must be 0..1024 (0: every core), got {render.threads}")
    sha = config.manifest.sha256
    if sha is not None and (len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha)):
        raise UserError(f"manifest.sha256 must be 64 lower-case hex characters, got {sha!r}")
    if sha is not None and config.manifest.path is None:
        raise UserError("manifest.sha256 is set but manifest.path is not; give the manifest's path")
