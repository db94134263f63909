"""The run configuration (handsynth/config/): defaults, its YAML and --set forms, type and range
checks with one-line user errors, the depth and hand-extent bounds, and config diffs."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import yaml
from scene_helpers import _max_pairwise

from handsynth.config import (
    BackgroundConfig,
    CameraConfig,
    LightConfig,
    ManifestConfig,
    RenderConfig,
    RunConfig,
    SceneConfig,
    apply_overrides,
    check,
    from_dict,
    load_yaml,
    to_dict,
    to_yaml,
)
from handsynth.errors import UserError
from handsynth.hand import HandRig

# Bugs found while writing these tests (see the xfail tests that use them).
UNCHECKED_BUG = (
    "config.check leaves seed, max_roll_deg, min_clearance_m and skin_jitter unchecked: seed=-1 "
    "crashes later in np.random.SeedSequence (a ValueError traceback), a NaN roll gives a NaN "
    "camera, a negative clearance or a jitter over 1 silently give broken samples"
)


# --- config ----------------------------------------------------------------------------------------
def test_defaults_pass_check_and_equal_empty_dict():
    config = RunConfig()
    check(config)
    assert from_dict({}) == config
    assert config.scene.camera == CameraConfig() and config.render == RenderConfig()


def _custom_config() -> RunConfig:
    return RunConfig(
        seed=42,
        n=7,
        shard_size=3,
        scene=SceneConfig(
            objects="can,orange",
            sides=("left", "right"),
            subjects=("f01", "m02"),
            width=96,
            height=64,
            renders_per_grasp=2,
            skin_jitter=0.0,
            camera=CameraConfig(presets=("egocentric",), preset_weights=(1.0,), fov_deg=(40.0, 41.5)),
            lights=LightConfig(count=3, ambient=(0.0, 0.0)),
            background=BackgroundConfig(folder="/data/backgrounds"),
        ),
        render=RenderConfig(samples=4, denoise=False),
        manifest=ManifestConfig(path="/data/manifest.yaml", sha256="ab" * 32),
    )


@pytest.mark.parametrize("config", [RunConfig(), _custom_config()], ids=["defaults", "custom"])
def test_yaml_round_trip(config):
    text = to_yaml(config)
    data = yaml.safe_load(text)
    assert data == to_dict(config)
    assert list(data) == ["seed", "n", "shard_size", "scene", "render", "manifest"]  # declaration order
    assert list(data["scene"])[-3:] == ["camera", "lights", "background"]
    assert from_dict(data) == config


def test_to_dict_is_plain_data():
    data = to_dict(_custom_config())
    assert data["scene"]["sides"] == ["left", "right"] and data["scene"]["camera"]["fov_deg"] == [40.0, 41.5]
    assert data["scene"]["background"]["folder"] == "/data/backgrounds"

    def walk(value):
        assert type(value) in (dict, list, str, int, float, bool, type(None)), value
        for child in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
            walk(child)

    walk(data)


def test_load_yaml_partial_file(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("n: 12\nscene:\n  width: 256\n  camera:\n    fov_deg: [40, 50]\n  sides: [left]\n")
    config = load_yaml(path)
    camera = CameraConfig(fov_deg=(40.0, 50.0))
    expected = RunConfig(n=12, scene=SceneConfig(width=256, sides=("left",), camera=camera))
    assert config == expected
    assert all(type(x) is float for x in config.scene.camera.fov_deg)
    # A file on top of a base keeps the base's other values.
    base = RunConfig(seed=9, shard_size=5)
    assert load_yaml(path, base) == dataclasses.replace(expected, seed=9, shard_size=5)


def test_load_yaml_empty_file_is_defaults(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing\n")
    assert load_yaml(path) == RunConfig()


def test_overrides_of_nested_keys():
    config = apply_overrides(
        RunConfig(),
        [
            "scene.camera.fov_deg=[40, 50]",
            "n=5",
            "render.backend=raster",
            "scene.sides=right,left",
            "scene.lights.ambient=[0, 0]",
            "scene.camera.max_roll_deg=10",
            "render.denoise=false",
            "scene.background.folder=/tmp/bg",
            "scene.subjects=[f01]",
            "scene.objects=can, bottle",
        ],
    )
    assert config.n == 5
    fov = config.scene.camera.fov_deg
    assert fov == (40.0, 50.0) and all(type(x) is float for x in fov)
    assert config.scene.sides == ("right", "left")
    assert config.scene.lights.ambient == (0.0, 0.0)
    assert config.scene.camera.max_roll_deg == 10.0 and type(config.scene.camera.max_roll_deg) is float
    assert config.render.denoise is False and config.render.backend == "raster"
    assert config.scene.background.folder == "/tmp/bg"
    assert config.scene.subjects == ("f01",)
    assert config.scene.objects == "can, bottle"  # a plain string field keeps its commas
    # Everything not named keeps its default, and later overrides win.
    assert config.scene.camera.hand_fill == CameraConfig().hand_fill and config.seed == 0
    assert apply_overrides(config, ["n=6", "n=8", "scene.background.folder=null"]).n == 8
    assert apply_overrides(config, ["scene.background.folder=null"]).scene.background.folder is None


def test_overrides_validate_only_the_final_config():
    # presets alone would mismatch the two default weights; together they are fine.
    overrides = ["scene.camera.presets=egocentric", "scene.camera.preset_weights=[1]"]
    config = apply_overrides(RunConfig(), overrides)
    assert config.scene.camera.presets == ("egocentric",) and config.scene.camera.preset_weights == (1.0,)


SECTIONS = {
    "": RunConfig,
    "scene.": SceneConfig,
    "scene.camera.": CameraConfig,
    "scene.lights.": LightConfig,
    "scene.background.": BackgroundConfig,
    "render.": RenderConfig,
    "manifest.": ManifestConfig,
}


@pytest.mark.parametrize("prefix", list(SECTIONS))
def test_unknown_key_names_it_and_lists_valid_keys(prefix, tmp_path):
    valid = [prefix + f.name for f in dataclasses.fields(SECTIONS[prefix])]
    with pytest.raises(UserError) as info:
        apply_overrides(RunConfig(), [f"{prefix}bogus_key=1"])
    message = str(info.value)
    assert "\n" not in message
    assert f"'{prefix}bogus_key'" in message
    listed = message.split("valid:")[1].split(",")
    assert [k.strip() for k in listed] == valid
    # The same from a YAML file.
    nested: dict = {"bogus_key": 1}
    for part in reversed(prefix.rstrip(".").split(".") if prefix else []):
        nested = {part: nested}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(nested))
    with pytest.raises(UserError, match=f"'{prefix}bogus_key'.*valid: {valid[0]}"):
        load_yaml(path)


@pytest.mark.parametrize(
    "override, words",
    [
        ("n=abc", ["n", "integer", "abc"]),
        ("n=true", ["n", "integer", "True"]),
        ("n=1.5", ["n", "integer", "1.5"]),
        ("shard_size=[1, 2]", ["shard_size", "integer"]),
        ("scene.width=320px", ["scene.width", "integer", "320px"]),
        ("scene.lights.count=false", ["scene.lights.count", "integer"]),
        ("scene.camera.fov_deg=[30, 40, 50]", ["scene.camera.fov_deg", "2 values"]),
        ("scene.camera.fov_deg=[30]", ["scene.camera.fov_deg", "2 values"]),
        ("scene.camera.fov_deg=40", ["scene.camera.fov_deg", "list", "40"]),
        ("scene.camera.fov_deg=[a, 50]", ["scene.camera.fov_deg", "number", "a"]),
        ("scene.camera.max_roll_deg=yes", ["scene.camera.max_roll_deg", "number", "True"]),
        ("render.denoise=1", ["render.denoise", "true or false", "1"]),
        ("scene.objects=5", ["scene.objects", "string", "5"]),
        ("scene.background.folder=[a, b]", ["scene.background.folder", "string"]),
        ("scene.camera=5", ["scene.camera", "mapping", "5"]),
        ("scene=[1, 2]", ["scene", "mapping"]),
        ("n", ["key=value", "'n'"]),
        ("=5", ["key=value"]),
        ("n=[1, 2", ["n", "cannot parse", "[1, 2"]),
    ],
)
def test_wrong_types_are_user_errors(override, words):
    with pytest.raises(UserError) as info:
        apply_overrides(RunConfig(), [override])
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    "override, words",
    [
        ("n=0", ["n must be at least 1", "0"]),
        ("n=-3", ["n must be at least 1", "-3"]),
        ("shard_size=0", ["shard_size", "0"]),
        ("scene.width=4", ["resolution", "4x320"]),
        ("scene.height=9000", ["resolution", "320x9000"]),
        ("scene.sides=[right, up]", ["unknown side 'up'", "scene.sides", "valid: right, left"]),
        ("scene.sides=[]", ["sides", "nothing"]),
        ("scene.renders_per_grasp=0", ["scene.renders_per_grasp", "0"]),
        ("scene.camera.presets=[third_person, drone]", ["scene.camera.presets", "egocentric", "'drone'"]),
        ("scene.camera.preset_weights=[1]", ["scene.camera.preset_weights"]),
        ("scene.camera.preset_weights=[1, -1]", ["scene.camera.preset_weights"]),
        ("scene.camera.preset_weights=[0, 0]", ["scene.camera.preset_weights"]),
        ("scene.camera.preset_weights=[.nan, 1]", ["scene.camera.preset_weights", "finite", "nan"]),
        ("scene.camera.preset_weights=[.inf, 1]", ["scene.camera.preset_weights", "finite", "inf"]),
        ("scene.camera.preset_weights=[1.0e+308, 1.0e+308]", ["scene.camera.preset_weights", "finite"]),
        ("scene.camera.hand_fill=[0.02, 0.02]", ["scene.camera.hand_fill", "6.5535 m", "at least 0.0689"]),
        ("scene.camera.min_clearance_m=10", ["scene.camera.min_clearance_m", "4.9535", "10"]),
        ("scene.camera.fov_deg=[50, 40]", ["scene.camera.fov_deg", "increasing", "[50, 40]"]),
        ("scene.camera.fov_deg=[1, 40]", ["scene.camera.fov_deg", "[5, 150]"]),
        ("scene.camera.hand_fill=[0.8, 0.5]", ["scene.camera.hand_fill", "[0.8, 0.5]"]),
        ("scene.camera.elevation_deg=[-95, 10]", ["scene.camera.elevation_deg", "-95"]),
        ("scene.lights.distance_m=[0, 1]", ["scene.lights.distance_m"]),
        ("scene.lights.temperature_k=[500, 6500]", ["scene.lights.temperature_k", "500"]),
        ("scene.lights.ambient=[-0.1, 0.2]", ["scene.lights.ambient"]),
        ("scene.lights.exposure=[.nan, 1]", ["scene.lights.exposure", "nan"]),
        ("scene.lights.count=9", ["scene.lights.count must be 2..8", "9"]),
        ("scene.lights.count=1", ["scene.lights.count must be 2..8", "1"]),
        ("scene.lights.count=0", ["scene.lights.count must be 2..8", "0"]),
        ("scene.lights.count=-1", ["scene.lights.count must be 2..8", "-1"]),
        ("render.samples=0", ["render.samples", "0"]),
        ("render.quality=ultra", ["unknown quality 'ultra'", "render.quality", "draft, standard, final"]),
        ("render.device=tpu", ["unknown device 'tpu'", "render.device", "auto, cpu, gpu"]),
        ("render.threads=-1", ["render.threads", "-1"]),
        ("manifest.sha256=abc", ["manifest.sha256", "64"]),
    ],
)
def test_out_of_range_values_are_user_errors(override, words):
    with pytest.raises(UserError) as info:
        apply_overrides(RunConfig(), [override])
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message
    # from_dict runs the same check.
    key, _, text = override.partition("=")
    nested: dict = {}
    cursor = nested
    for part in key.split(".")[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[key.split(".")[-1]] = yaml.safe_load(text)
    with pytest.raises(UserError):
        from_dict(nested)


@pytest.mark.parametrize(
    "override",
    [
        "scene.lights.count=2",
        "scene.lights.count=8",
        "scene.lights.ambient=[0, 0]",
        "scene.camera.min_clearance_m=4.9535",
        "scene.width=8",
        "scene.camera.fov_deg=[10, 150]",
        "scene.camera.preset_weights=[0, 1]",
    ],
)
def test_boundary_values_are_accepted(override):
    apply_overrides(RunConfig(), [override])


@pytest.mark.parametrize(
    "override",
    [
        pytest.param("seed=-1", id="negative-seed"),
        pytest.param("scene.camera.max_roll_deg=.nan", id="nan-roll"),
        pytest.param("scene.camera.min_clearance_m=-1", id="negative-clearance"),
        pytest.param("scene.skin_jitter=1.5", id="skin-jitter-over-1"),
    ],
)
def test_unchecked_values_are_user_errors(override):
    with pytest.raises(UserError):
        apply_overrides(RunConfig(), [override])


def test_depth_bound_boundary():
    """hand_fill's lower bound at fov_deg's lower bound keeps every surface within the 16-bit depth range:
    exactly at ``min_hand_fill`` passes, a hair below is refused; the bound follows the formula."""
    from handsynth.config import (
        MAX_HAND_EXTENT_M,
        MAX_SCENE_RADIUS_M,
        MAX_STORED_DEPTH_M,
        max_depth_m,
        min_hand_fill,
    )
    from handsynth.conventions import DEPTH_UNIT_M

    assert MAX_STORED_DEPTH_M == 65535 * DEPTH_UNIT_M
    for fov in (5.0, 35.0, 65.0, 90.0):
        fill = min_hand_fill(fov)
        reach = MAX_STORED_DEPTH_M - MAX_SCENE_RADIUS_M
        expected = MAX_HAND_EXTENT_M / (2 * np.tan(np.radians(fov) / 2) * reach)
        assert fill == pytest.approx(expected, rel=1e-12)
        camera = CameraConfig(fov_deg=(fov, 150.0), hand_fill=(fill * (1 + 1e-9), 3.0))
        assert max_depth_m(camera) <= MAX_STORED_DEPTH_M
        check(RunConfig(scene=SceneConfig(camera=camera)))
        below = dataclasses.replace(camera, hand_fill=(fill * (1 - 1e-6), 3.0))
        assert max_depth_m(below) > MAX_STORED_DEPTH_M
        with pytest.raises(UserError, match=f"hand_fill must be at least {fill:.4f}"):
            check(RunConfig(scene=SceneConfig(camera=below)))


def test_hand_extent_bound_holds_for_every_subject():
    """MAX_HAND_EXTENT_M bounds what the camera frames (joint extent + 2 cm) for named and random
    subjects in the flat and the widest spread pose (grasps only flex the fingers)."""
    from handsynth.config import MAX_HAND_EXTENT_M
    from handsynth.hand import SUBJECTS, HandPose, subject_from_seed
    from handsynth.hand.pose import LIMITS_RAD

    spread = HandPose(np.where(np.abs(LIMITS_RAD[:, 0]) > np.abs(LIMITS_RAD[:, 1]), LIMITS_RAD[:, 0], 0.0))
    subjects = list(SUBJECTS.values()) + [subject_from_seed(0, k) for k in range(30)]
    largest = 0.0
    for subject in subjects:
        rig = HandRig(subject.shape, "right")
        for pose in (HandPose.zeros(), spread):
            largest = max(largest, _max_pairwise(rig.pose(pose).joints) + 0.02)
    assert 0.18 < largest <= MAX_HAND_EXTENT_M


def test_config_sides_are_the_rigs():
    from handsynth.config import SIDES
    from handsynth.hand.rig import SIDES as RIG_SIDES

    assert SIDES == RIG_SIDES


def test_config_diff_names_each_changed_key():
    from handsynth.config import config_diff

    old = to_dict(RunConfig(scene=SceneConfig(objects="cylindrical")))
    camera = CameraConfig(max_roll_deg=10)
    new = to_dict(RunConfig(seed=4, scene=SceneConfig(objects="spherical", camera=camera)))
    assert config_diff(old, new) == [
        "seed: 0 -> 4",
        "scene.objects: 'cylindrical' -> 'spherical'",
        "scene.camera.max_roll_deg: 30.0 -> 10",
    ]
    assert config_diff(old, old) == []
    del old["manifest"]
    assert config_diff(old, new)[-1] == "manifest: '<absent>' -> {'path': None, 'sha256': None}"


def test_binary_config_file_is_one_line(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(UserError, match="not UTF-8") as info:
        load_yaml(path)
    assert "\n" not in str(info.value)


def test_invalid_yaml_and_missing_file_name_the_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("scene: [unclosed\n  width: 3\n")
    with pytest.raises(UserError) as info:
        load_yaml(bad)
    assert str(bad) in str(info.value) and "not valid YAML" in str(info.value) and "\n" not in str(info.value)
    missing = tmp_path / "nope" / "missing.yaml"
    with pytest.raises(UserError) as info:
        load_yaml(missing)
    assert str(missing) in str(info.value) and "\n" not in str(info.value)
    top_list = tmp_path / "list.yaml"
    top_list.write_text("- 1\n- 2\n")
    with pytest.raises(UserError, match="mapping"):
        load_yaml(top_list)


def test_quality_presets_resolve_with_explicit_samples_and_denoise_overriding():
    from handsynth.config import QUALITY_PRESETS, quality_settings

    assert list(QUALITY_PRESETS) == ["draft", "standard", "final"] and RenderConfig().quality == "standard"
    for name, preset in QUALITY_PRESETS.items():
        assert quality_settings(RenderConfig(quality=name)) == preset
    draft = quality_settings(RenderConfig(quality="draft"))
    standard = quality_settings(RenderConfig())
    final = quality_settings(RenderConfig(quality="final"))
    assert draft["samples"] < standard["samples"] < final["samples"]
    assert all(p["denoise"] for p in (draft, standard, final))
    assert standard["adaptive_threshold"] > final["adaptive_threshold"] > 0
    assert standard["bounces"]["transmission"] >= 8  # glass: a few walls to see through
    overridden = quality_settings(RenderConfig(quality="draft", samples=7, denoise=False))
    assert overridden == {**draft, "samples": 7, "denoise": False}
    overridden["bounces"]["total"] = 99  # a fresh dict: the preset table is untouched
    assert QUALITY_PRESETS["draft"]["bounces"]["total"] == draft["bounces"]["total"]
    overrides = ["render.quality=final", "render.samples=null", "render.device=cpu"]
    config = apply_overrides(RunConfig(), overrides)
    assert (config.render.quality, config.render.samples, config.render.device) == ("final", None, "cpu")


def test_stability_setting_is_validated_with_its_valid_values():
    assert RunConfig().scene.stability == "gate"
    for mode in ("none", "measure", "gate"):
        assert apply_overrides(RunConfig(), [f"scene.stability={mode}"]).scene.stability == mode
    with pytest.raises(UserError) as info:
        apply_overrides(RunConfig(), ["scene.stability=sometimes"])
    message = str(info.value)
    assert "\n" not in message
    assert "unknown stability mode 'sometimes' in scene.stability; valid: none, measure, gate" in message
    with pytest.raises(UserError):
        from_dict({"scene": {"stability": "always"}})
