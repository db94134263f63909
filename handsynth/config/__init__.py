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

from handsynth.config.checks import check, max_depth_m, min_hand_fill
from handsynth.config.schema import (
    ALL_OBJECTS,
    CAMERA_PRESETS,
    LIGHT_COUNT_RANGE,
    MAX_HAND_EXTENT_M,
    MAX_MIN_CLEARANCE_M,
    MAX_SCENE_RADIUS_M,
    MAX_STORED_DEPTH_M,
    QUALITY_PRESETS,
    RENDER_DEVICES,
    SIDES,
    BackgroundConfig,
    CameraConfig,
    LightConfig,
    ManifestConfig,
    RenderConfig,
    RunConfig,
    SceneConfig,
    quality_settings,
)
from handsynth.config.yaml_form import apply_overrides, config_diff, from_dict, load_yaml, to_dict, to_yaml

__all__ = [
    "QUALITY_PRESETS",
    "ALL_OBJECTS",
    "BackgroundConfig",
    "CAMERA_PRESETS",
    "CameraConfig",
    "LIGHT_COUNT_RANGE",
    "LightConfig",
    "MAX_HAND_EXTENT_M",
    "MAX_MIN_CLEARANCE_M",
    "MAX_SCENE_RADIUS_M",
    "MAX_STORED_DEPTH_M",
    "ManifestConfig",
    "RENDER_DEVICES",
    "RenderConfig",
    "RunConfig",
    "SIDES",
    "SceneConfig",
    "apply_overrides",
    "check",
    "config_diff",
    "from_dict",
    "load_yaml",
    "max_depth_m",
    "min_hand_fill",
    "quality_settings",
    "to_dict",
    "to_yaml",
]
