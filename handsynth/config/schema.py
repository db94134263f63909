"""The run configuration's frozen dataclasses, their constants and the render quality presets;
standard library only."""

from __future__ import annotations

from dataclasses import dataclass, field

CAMERA_PRESETS = ("third_person", "egocentric")
# scene.stability (handsynth.grasp.stability); "none", not "off": YAML reads a bare off as false.
STABILITY_MODES = ("none", "measure", "gate")
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

    backend: str = "cycles"
    """Renderer backend: ``cycles`` (Blender Cycles, path traced: photographic, the default) or ``raster``
    (pyrender over EGL: the same labels and depth, plastic-looking pictures, ~100x faster)."""
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
    background (a grasp costs about 0.7 s of CPU with the stability gate; a raster render about 0.03 s,
    a Cycles one 1-3 s)."""
    skin_jitter: float = 0.06
    """Largest relative change of the subject's skin albedo per sample (brightness and redness)."""
    stability: str = "gate"
    """Grasp stability in simulation (PyBullet, ``handsynth.grasp.stability``): ``gate`` (the default:
    both protocols run for every grasp and are stored in its annotations' ``grasp.stability``, and a
    grasp whose object moves more than the grip bound is redrawn, so every grasp in the data holds);
    ``measure`` (the same figures stored, no grasp redrawn: a user filters on ``grip_holds``); ``none``.
    Over 200 seeded grasps (``benchmarks/grasps.py --n 200``) 62 % hold without the gate, and the gate
    costs 1.65x ``measure`` per stored grasp (0.68 s of CPU against 0.41 s), shared by
    ``renders_per_grasp`` samples: a few percent of a Cycles sample's cost."""
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
