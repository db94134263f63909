"""The resolved configuration of a run: frozen dataclasses, their YAML form and ``--set`` overrides.

Standard library only (PyYAML inside functions); never numpy, bpy, pyrender, ray or torch. YAML is only
the serialized form: a file or an override naming a key that does not exist is a ``UserError`` listing the
valid keys.

Checking happens in two steps, both before anything is written:

- ``check`` (here, on every ``from_dict``/``apply_overrides``): types, ranges and every name whose valid
  set is a constant (sides, camera presets), plus the depth bound, which needs only arithmetic.
- ``handsynth.preflight.resolve_run`` (called by the pipeline and the CLI): names whose valid set lives in
  numpy modules (subjects, objects of the catalogue, backends of ``handsynth.render``), the manifest's
  content hash, the backgrounds folder and the first scene specs.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

from handsynth.errors import UserError

CAMERA_PRESETS = ("third_person", "egocentric")
SIDES = ("right", "left")  # == handsynth.hand.rig.SIDES (a test holds them equal)
ALL_OBJECTS = "cylindrical,slender,cubical,spherical"
LIGHT_COUNT_RANGE = (2, 8)  # a HOP scene has two or more lamps; the raster backend draws at most 8

# Depth PNGs hold 16-bit steps of 0.1 mm (== conventions.DEPTH_UNIT_M * 65535, a test holds them equal).
MAX_STORED_DEPTH_M = 65535 * 1e-4
# Largest extent the camera frames (longest joint-to-joint distance plus a finger's width, 2 cm) of any
# hand handsynth draws: the largest adult hand is 21 cm long (hand.shape.HAND_LENGTH_RANGE_M); a test
# holds every named and many random subjects, flat and spread, below it.
MAX_HAND_EXTENT_M = 0.25
# Every surface the camera must see lies within this distance of the point it looks at: the hand, the
# forearm up to 15 cm from the wrist and objects up to 60 cm long (objects.external.MAX_EXTENT_M).
MAX_SCENE_RADIUS_M = 0.8
# A camera that backs away to this clearance still sees every surface within the stored depth range.
MAX_MIN_CLEARANCE_M = round(MAX_STORED_DEPTH_M - 2 * MAX_SCENE_RADIUS_M, 4)


@dataclass(frozen=True, kw_only=True)
class CameraConfig:
    """Where the camera stands and how much of the picture the hand fills."""

    presets: tuple[str, ...] = CAMERA_PRESETS
    """Viewpoint presets to draw from: ``third_person`` (anywhere around the hand, mostly from above)
    and ``egocentric`` (from behind and above the wrist, as a head-mounted camera sees one's own hand)."""
    preset_weights: tuple[float, ...] = (0.7, 0.3)
    """Relative frequency of each preset, in the order of ``presets``."""
    fov_deg: tuple[float, float] = (35.0, 65.0)
    """Range of the horizontal field of view (degrees); sets the focal length in pixels."""
    hand_fill: tuple[float, float] = (0.3, 0.7)
    """Range of the hand's projected size (its longest joint-to-joint extent plus a finger's width)
    as a fraction of the image width."""
    max_roll_deg: float = 30.0
    """Largest roll of the camera about its viewing axis (degrees)."""
    elevation_deg: tuple[float, float] = (-25.0, 75.0)
    """Range of the third-person camera's elevation above the horizontal plane (degrees)."""
    center_jitter: float = 0.12
    """How far the hand's centre may drift from the image centre, as a fraction of the image width."""
    min_clearance_m: float = 0.06
    """Every hand and object vertex is at least this far in front of the camera."""


@dataclass(frozen=True, kw_only=True)
class LightConfig:
    """Point lamps (two by default, as in HOP) and an optional ambient term."""

    count: int = 2
    """Number of point lamps, 2..8 (a HOP scene has two or more; the raster backend draws at most 8)."""
    distance_m: tuple[float, float] = (0.5, 2.0)
    """Range of each lamp's distance from the hand-object centre."""
    exposure: tuple[float, float] = (0.5, 1.3)
    """Range of each lamp's brightness at the centre: the radiance a white diffuse surface facing it
    would reflect, before tone mapping (the lamp's power in watts follows from its distance)."""
    temperature_k: tuple[float, float] = (2700.0, 6500.0)
    """Range of the lamps' colour temperatures (kelvin)."""
    ambient: tuple[float, float] = (0.04, 0.2)
    """Range of a uniform ambient (environment) term; (0, 0) turns it off."""


@dataclass(frozen=True, kw_only=True)
class BackgroundConfig:
    """What is composited behind the hand and object."""

    folder: str | None = None
    """A folder of images to draw backgrounds from; ``None`` uses the procedural generator."""


# Cycles quality presets (``render.quality``), chosen by measurement at 320x320 on 2 CPU cores
# (benchmarks/render_cycles.py): samples = most samples per pixel; adaptive_threshold = Cycles' noise
# threshold (0 = adaptive sampling off); denoise/denoise_prefilter = OpenImageDenoise and its guide
# prefilter; bounces = most light bounces by kind; clamp_direct/clamp_indirect = the largest sample
# value of direct/indirect light (0 = no clamping), which removes fireflies.
QUALITY_PRESETS: dict[str, dict] = {
    "draft": {
        "samples": 4,
        "adaptive_threshold": 0.0,
        "denoise": True,
        "denoise_prefilter": "FAST",
        "bounces": {"total": 4, "diffuse": 1, "glossy": 1, "transmission": 4, "transparent": 4},
        "clamp_direct": 0.0,
        "clamp_indirect": 1.0,
    },
    "standard": {
        "samples": 32,
        "adaptive_threshold": 0.05,
        "denoise": True,
        "denoise_prefilter": "FAST",
        "bounces": {"total": 8, "diffuse": 2, "glossy": 2, "transmission": 8, "transparent": 8},
        "clamp_direct": 0.0,
        "clamp_indirect": 5.0,
    },
    "final": {
        "samples": 128,
        "adaptive_threshold": 0.01,
        "denoise": True,
        "denoise_prefilter": "ACCURATE",
        "bounces": {"total": 12, "diffuse": 4, "glossy": 4, "transmission": 12, "transparent": 8},
        "clamp_direct": 0.0,
        "clamp_indirect": 10.0,
    },
}
RENDER_DEVICES = ("auto", "cpu", "gpu")


@dataclass(frozen=True, kw_only=True)
class RenderConfig:
    """The renderer backend and its quality settings."""

    backend: str = "raster"
    """Renderer backend: ``raster`` (pyrender over EGL, fast) or ``cycles`` (Blender Cycles, path traced)."""
    quality: str = "standard"
    """Cycles quality preset: ``draft`` (4 samples, about 0.5 s per 320x320 image on 2 cores),
    ``standard`` (photographic, about 2-3 s) or ``final`` (128 samples, slow); each fixes samples,
    adaptive sampling, denoising, light bounces and clamping (``config.QUALITY_PRESETS``)."""
    samples: int | None = None
    """Path-tracing samples per pixel (cycles); ``None`` takes the quality preset's, a number overrides
    it (the preset's adaptive threshold, bounces and clamping still apply)."""
    denoise: bool | None = None
    """Denoise the path-traced image with OpenImageDenoise (cycles); ``None`` takes the quality
    preset's, true or false overrides it."""
    device: str = "auto"
    """Cycles device: ``cpu``, ``gpu`` (OptiX, else CUDA, else HIP; refused before anything is written
    when there is none) or ``auto`` (a GPU when there is one, else the CPU). Each annotation's ``render``
    entry records the device actually used (``cpu``, ``optix``, ``cuda`` or ``hip``) and the CPU threads,
    so annotations are byte-identical for the same seed and configuration on the same machine, and differ
    in that entry only between machines with other devices or core counts."""
    threads: int = 0
    """CPU threads of each renderer; 0 means every core the process may use."""


def quality_settings(render: RenderConfig) -> dict:
    """The effective Cycles settings of ``render``: its quality preset with ``samples`` and ``denoise``
    overridden where they are set (a fresh dict, ``QUALITY_PRESETS``' keys)."""
    settings = {**QUALITY_PRESETS[render.quality]}
    settings["bounces"] = dict(settings["bounces"])
    if render.samples is not None:
        settings["samples"] = render.samples
    if render.denoise is not None:
        settings["denoise"] = render.denoise
    return settings


@dataclass(frozen=True, kw_only=True)
class SceneConfig:
    """Everything that decides what a sample looks like."""

    objects: str = ALL_OBJECTS
    """Object categories, their aliases (cylinder, bar, box, sphere...) or family names, comma-separated."""
    sides: tuple[str, ...] = ("right",)
    """Hand sides to draw from (right, left)."""
    subjects: tuple[str, ...] = ()
    """Named subjects to draw from (f01..f05, m01..m05); empty means all ten."""
    width: int = 320
    """Image width in pixels."""
    height: int = 320
    """Image height in pixels."""
    renders_per_grasp: int = 8
    """Consecutive samples that share one synthesized grasp, each with its own camera, lights and
    background (grasp synthesis costs about 0.3 s; rendering about 0.03 s)."""
    skin_jitter: float = 0.06
    """Largest relative change of the subject's skin albedo per sample (brightness and redness)."""
    camera: CameraConfig = field(default_factory=CameraConfig)
    lights: LightConfig = field(default_factory=LightConfig)
    background: BackgroundConfig = field(default_factory=BackgroundConfig)


@dataclass(frozen=True, kw_only=True)
class ManifestConfig:
    """The asset manifest whose object meshes join the families (``--manifest``), pinned by content.

    Its download folder (``--cache-dir``) is not part of the configuration: every mesh is verified
    against the manifest's sha256 wherever it is cached, so the folder never changes what is rendered,
    and a run can be resumed or reproduced on another machine with another cache.
    """

    path: str | None = None
    """Absolute path of the manifest file; ``None`` means the procedural families only."""
    sha256: str | None = None
    """sha256 of the manifest's bytes when the run started; filled in from ``path`` when left empty, and
    a run whose manifest no longer has this hash is refused."""


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """One ``handsynth render`` run: how many samples, from which root seed, how they are stored."""

    seed: int = 0
    """Root seed: sample ``i`` is a pure function of ``(seed, i, scene)``."""
    n: int = 100
    """Number of samples."""
    shard_size: int = 100
    """Samples per shard directory."""
    scene: SceneConfig = field(default_factory=SceneConfig)
    """What the samples look like."""
    render: RenderConfig = field(default_factory=RenderConfig)
    """How they are rendered."""
    manifest: ManifestConfig = field(default_factory=ManifestConfig)
    """External object meshes (``--manifest``)."""


def to_dict(config) -> dict:
    """The plain-data (YAML/JSON-ready) form of a config dataclass; tuples become lists."""
    out = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            value = to_dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def to_yaml(config) -> str:
    """The YAML text of a config (keys in declaration order)."""
    import yaml

    return yaml.safe_dump(to_dict(config), sort_keys=False, default_flow_style=None)


def _coerce(value, hint, key: str):
    """``value`` converted to the type ``hint`` of field ``key``, or a UserError."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        hint = next(o for o in options if o is not type(None))
        origin = typing.get_origin(hint)
    if origin is tuple:
        args = typing.get_args(hint)
        if isinstance(value, str):  # "right,left" or "40, 50" from the command line
            import yaml

            value = [yaml.safe_load(v) for v in value.split(",") if v.strip()]
        if not isinstance(value, (list, tuple)):
            raise UserError(f"{key} must be a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], key) for v in value)
        if len(value) != len(args):
            raise UserError(f"{key} must have {len(args)} values, got {value!r}")
        return tuple(_coerce(v, a, key) for v, a in zip(value, args, strict=True))
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise UserError(f"{key} must be true or false, got {value!r}")
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UserError(f"{key} must be an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(f"{key} must be a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise UserError(f"{key} must be a string, got {value!r}")
        return value
    raise TypeError(f"unsupported config type {hint} for {key}")


def _replace(config, data: dict, prefix: str = ""):
    """A copy of ``config`` with the (nested) values of ``data``; unknown keys are UserErrors."""
    if not isinstance(data, dict):
        raise UserError(f"{prefix.rstrip('.') or 'the config'} must be a mapping, got {data!r}")
    hints = typing.get_type_hints(type(config))
    names = [f.name for f in dataclasses.fields(config)]
    changes = {}
    for key, value in data.items():
        if key not in names:
            raise UserError(
                f"unknown config key '{prefix}{key}'; valid: {', '.join(prefix + n for n in names)}"
            )
        current = getattr(config, key)
        if dataclasses.is_dataclass(current):
            changes[key] = _replace(current, value, f"{prefix}{key}.")
        else:
            changes[key] = _coerce(value, hints[key], prefix + key)
    return dataclasses.replace(config, **changes)


def from_dict(data: dict, base: RunConfig | None = None) -> RunConfig:
    """A RunConfig from plain data (as read from YAML), on top of ``base`` (default: the defaults)."""
    config = _replace(RunConfig() if base is None else base, data)
    check(config)
    return config


def load_yaml(path: str | Path, base: RunConfig | None = None) -> RunConfig:
    """Read a YAML config file (a full or partial RunConfig)."""
    import yaml

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UserError(f"cannot read config file {path}: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise UserError(
            f"config file {path} is not UTF-8 text (byte {error.start}); give a YAML file"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise UserError(f"config file {path} is not valid YAML: {str(error).splitlines()[0]}") from None
    return from_dict(data or {}, base)


def apply_overrides(config: RunConfig, overrides: list[str]) -> RunConfig:
    """Apply ``key=value`` overrides (``scene.camera.fov_deg=[40, 50]``; values are YAML)."""
    import yaml

    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set expects key=value, got '{item}'")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise UserError(f"--set {key}: cannot parse value '{text}'") from None
        nested: dict = {}
        cursor = nested
        parts = key.strip().split(".")
        for part in parts[:-1]:
            cursor = cursor.setdefault(part, {})
        cursor[parts[-1]] = value
        config = _replace(config, nested)
    check(config)
    return config


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


def config_diff(old: dict, new: dict, prefix: str = "") -> list[str]:
    """``key: old -> new`` for every leaf that differs between two plain-data configs (``to_dict``
    forms, or YAML read back), in declaration order; keys only one side has show ``<absent>``."""
    changes = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key, "<absent>"), new.get(key, "<absent>")
        if isinstance(a, dict) and isinstance(b, dict):
            changes += config_diff(a, b, f"{prefix}{key}.")
        elif a != b:
            changes.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return changes
