"""The Cycles backend against the raster backend on the same specs (label maps, depth, amodal masks), at
the default ``standard`` preset (denoising and adaptive sampling change no label: part ids and depth come
from each pixel's first sample).

bpy and pyrender (EGL) live in one process here without trouble, in either import order.
"""

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("bpy")

from handsynth.config import QUALITY_PRESETS, RenderConfig, SceneConfig  # noqa: E402
from handsynth.conventions import PART_TO_SEG, SEG_BACKGROUND, SEG_HAND, SEG_OBJECT  # noqa: E402
from handsynth.scene.spec import SceneSampler  # noqa: E402

WIDTH, HEIGHT = 128, 96  # not square, so a swapped cx/cy or a flipped row order shows
FAMILIES = ("can", "orange", "mug", "glass")  # glass: a transmissive object


@pytest.fixture(scope="module")
def specs():
    sampler = SceneSampler(5, SceneConfig(width=WIDTH, height=HEIGHT, renders_per_grasp=2), FAMILIES)
    return [sampler.sample(i) for i in (0, 1, 2, 4, 6)]


@pytest.fixture(scope="module")
def cycles():
    from handsynth.render.cycles.renderer import CyclesRenderer

    with CyclesRenderer(WIDTH, HEIGHT, RenderConfig(quality="standard")) as renderer:
        yield renderer


@pytest.fixture(scope="module")
def frames(specs, cycles):
    from handsynth.render.raster import RasterRenderer

    with RasterRenderer(WIDTH, HEIGHT) as raster:
        reference = [raster.render(spec) for spec in specs]
    return reference, [cycles.render(spec) for spec in specs]


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0


def test_frames_have_the_raster_frames_dtypes_and_shapes(frames):
    for raster, cycles in zip(*frames, strict=True):
        for name in ("rgba", "parts", "depth_m", "hand_amodal", "object_amodal"):
            a, b = getattr(raster, name), getattr(cycles, name)
            assert (a.dtype, a.shape) == (b.dtype, b.shape), name


def test_blender_deforms_the_hand_and_arm_exactly_as_our_skinning(cycles):
    """The rendered hand is our rig posed in Blender (armature + linear blend skinning), not a copy of our
    vertices: its evaluated skin and forearm extension equal the spec's, which the annotations come
    from, on both sides (a left hand is the right rig mirrored by the armature object)."""
    config = SceneConfig(width=WIDTH, height=HEIGHT, renders_per_grasp=1, sides=("left", "right"))
    sampler = SceneSampler(11, config, FAMILIES)
    sides = set()
    for i in range(4):
        spec = sampler.sample(i)
        sides.add(spec.grasp.grasp.side)
        geometry = cycles.hand_geometry(spec)
        assert np.abs(geometry["skin"] - spec.grasp.hand_vertices).max() < 1e-5
        assert np.abs(geometry["arm"] - spec.grasp.arm_vertices).max() < 1e-5
    assert sides == {"left", "right"}


def test_label_maps_depth_and_amodal_masks_agree_with_raster(frames):
    for raster, cycles in zip(*frames, strict=True):
        for label in (SEG_HAND, SEG_OBJECT):
            assert _iou(raster.seg == label, cycles.seg == label) >= 0.95, label
        both = np.isin(raster.seg, (SEG_HAND, SEG_OBJECT)) & np.isin(cycles.seg, (SEG_HAND, SEG_OBJECT))
        assert np.median(np.abs(raster.depth_m - cycles.depth_m)[both]) <= 0.002
        assert _iou(raster.hand_amodal, cycles.hand_amodal) >= 0.95
        assert _iou(raster.object_amodal, cycles.object_amodal) >= 0.95


def test_background_has_zero_depth_and_surfaces_positive_depth(frames):
    for cycles in frames[1]:
        background = cycles.seg == SEG_BACKGROUND
        assert background.any() and (~background).any()
        assert (cycles.depth_m[background] == 0).all() and (cycles.depth_m[~background] > 0).all()
        assert set(np.unique(cycles.parts)) <= set(range(len(PART_TO_SEG)))


def test_lamps_in_watts_light_the_skin_as_the_raster_backend_does(frames):
    """Point lamps in watts, the ambient term and sRGB output: the lit skin (the brightest tenth of the
    pixels both call hand) is within 20 % of the raster backend's. Cycles casts shadows and the raster
    backend does not, so darker pixels differ more; a wrong factor of pi or 4 pi would be far off."""
    for raster, cycles in zip(*frames, strict=True):
        seen = (raster.seg == SEG_HAND) & (cycles.seg == SEG_HAND)
        lit_raster = np.percentile(raster.rgba[seen, :3].mean(axis=1), 90)
        lit_cycles = np.percentile(cycles.rgba[seen, :3].mean(axis=1), 90)
        assert abs(lit_cycles / lit_raster - 1) < 0.2, (lit_raster, lit_cycles)


def _digest(*arrays) -> str:
    return hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).hexdigest()


def test_same_spec_twice_gives_identical_labels_depth_and_colour(specs, cycles):
    """Rendered again after another grasp: Cycles with a fixed seed and thread count is deterministic
    here, colour included."""
    first = cycles.render(specs[0])
    cycles.render(specs[2])
    again = cycles.render(specs[0])
    assert _digest(first.parts, first.depth_m, first.hand_amodal, first.object_amodal) == _digest(
        again.parts, again.depth_m, again.hand_amodal, again.object_amodal
    )
    assert _digest(first.rgba) == _digest(again.rgba)


def test_one_renderer_over_two_runs_draws_each_runs_own_grasp(cycles):
    """Grasp 0 of run A, then grasp 0 of run B: B's frame is exactly a fresh renderer's."""
    config = SceneConfig(width=WIDTH, height=HEIGHT, renders_per_grasp=2)
    spec_a = SceneSampler(5, config, ("can",)).sample(0)
    spec_b = SceneSampler(6, config, ("can",)).sample(0)
    assert spec_a.grasp.index == spec_b.grasp.index == 0
    cycles.render(spec_a)
    reused = cycles.render(spec_b)
    from handsynth.render.cycles.renderer import CyclesRenderer

    with CyclesRenderer(WIDTH, HEIGHT, RenderConfig(quality="standard")) as fresh:
        expected = fresh.render(spec_b)
    assert (reused.parts == expected.parts).all() and (reused.depth_m == expected.depth_m).all()
    assert not (reused.parts == cycles.render(spec_a).parts).all()


def test_cli_renders_with_cycles_into_a_valid_dataset(tmp_path):
    import json
    from importlib.metadata import version

    from handsynth.cli import main

    out = tmp_path / "run"
    args = ["--n", "2", "--resolution", "64", "--set", "render.samples=4", "--quiet"]
    assert main(["render", "--backend", "cycles", *args, "--out", str(out)]) == 0
    assert main(["validate", str(out)]) == 0
    lines = (out / "shards" / "shard-000000" / "annotations.jsonl").read_text().splitlines()
    annotation = json.loads(lines[0])
    standard = QUALITY_PRESETS["standard"]
    assert annotation["render"] == {
        "backend": "cycles",
        "quality": "standard",
        **standard,
        "samples": 4,  # --set render.samples overrides the preset's; the rest is the preset's
        "device": "cpu",
        "threads": len(os.sched_getaffinity(0)),
        "bpy": version("bpy"),
    }
    assert json.loads((out / "dataset.json").read_text())["generator"]["bpy"] == version("bpy")


def test_missing_bpy_is_one_line_and_nothing_is_written(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "run"
    code = (
        "import sys; sys.modules['bpy'] = None; from handsynth.cli import main; "
        "sys.exit(main(['render', '--backend', 'cycles', '--n', '1', '--resolution', '32', "
        f"'--out', {str(out)!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "handsynth render: error: the cycles backend needs bpy, which is not installed: pip install "
        "'bpy>=4.5,<4.6' (Blender 4.5 as a Python module; it needs Python 3.11), or use --backend raster"
    ]
    assert not out.exists()


# --- quality presets, device and threads ----------------------------------------------------------------
def test_renderer_applies_the_draft_preset_and_its_overrides():
    """The Blender scene carries the preset's settings; explicit samples/denoise/threads win."""
    from handsynth.render.cycles.renderer import CyclesRenderer

    draft = QUALITY_PRESETS["draft"]
    with CyclesRenderer(64, 48, RenderConfig(quality="draft", device="auto")) as renderer:
        cycles = renderer._scene.cycles
        assert (cycles.samples, cycles.use_denoising) == (draft["samples"], draft["denoise"])
        assert cycles.use_adaptive_sampling == (draft["adaptive_threshold"] > 0)
        assert cycles.denoising_prefilter == draft["denoise_prefilter"]
        bounces = draft["bounces"]
        assert (cycles.max_bounces, cycles.diffuse_bounces, cycles.glossy_bounces) == (
            bounces["total"],
            bounces["diffuse"],
            bounces["glossy"],
        )
        assert (cycles.transmission_bounces, cycles.transparent_max_bounces) == (
            bounces["transmission"],
            bounces["transparent"],
        )
        assert cycles.sample_clamp_indirect == pytest.approx(draft["clamp_indirect"])
        assert cycles.device == "CPU" and renderer.device == "cpu"  # auto: no GPU on this machine
    config = RenderConfig(quality="draft", samples=3, denoise=False, threads=1)
    with CyclesRenderer(64, 48, config) as renderer:
        scene = renderer._scene
        assert (scene.cycles.samples, scene.cycles.use_denoising, scene.render.threads) == (3, False, 1)
        spec = SceneSampler(1, SceneConfig(width=64, height=48), ("can",)).sample(0)
        assert renderer.render(spec).rgba.shape == (48, 64, 4)


def test_render_entry_records_the_effective_settings_device_and_threads():
    from handsynth.config import RunConfig
    from handsynth.render import render_info

    info = render_info(RunConfig(render=RenderConfig(backend="cycles", quality="final", denoise=False)))
    final = QUALITY_PRESETS["final"]
    assert info["quality"] == "final" and info["samples"] == final["samples"]
    assert info["denoise"] is False and info["bounces"] == final["bounces"]
    assert (info["device"], info["threads"]) == ("cpu", len(os.sched_getaffinity(0)))
    threads = render_info(RunConfig(render=RenderConfig(backend="cycles", threads=1)))["threads"]
    assert threads == 1


@pytest.mark.skipif(
    __import__("handsynth.render.cycles.device", fromlist=["x"])._gpu_kind() is not None,
    reason="this machine has a GPU",
)
def test_gpu_without_a_gpu_is_one_line_before_anything_is_written(tmp_path, capsys):
    from handsynth.cli import main

    out = tmp_path / "run"
    args = ["--n", "1", "--resolution", "64x48", "--quality", "draft", "--device", "gpu", "--quiet"]
    assert main(["render", "--backend", "cycles", *args, "--out", str(out)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "handsynth render: error: render.device is gpu but Cycles finds no OptiX, CUDA or HIP device on "
        "this machine; use --device cpu or auto"
    ]
    assert not out.exists()


def test_cli_standard_quality_on_every_category_validates_previews_and_repeats_bit_for_bit(tmp_path):
    """The default preset end to end on all four categories (one grasp per sample): render, validate,
    preview; the same command again gives byte-identical annotations and, on this machine and thread
    count, byte-identical images (Cycles with a fixed seed is deterministic here)."""
    import json

    from handsynth.cli import main

    args = ["--objects", "cylinder,sphere,cubical,slender", "--n", "8", "--resolution", "96x72"]
    args += ["--backend", "cycles", "--quality", "standard", "--set", "scene.renders_per_grasp=1", "--quiet"]
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["render", *args, "--out", str(first)]) == 0
    assert main(["validate", str(first)]) == 0
    assert main(["preview", str(first), "--out", str(tmp_path / "sheet.png"), "--n", "8"]) == 0
    assert main(["render", *args, "--out", str(second)]) == 0
    shard = Path("shards") / "shard-000000"
    lines = (first / shard / "annotations.jsonl").read_text().splitlines()
    assert {json.loads(line)["object"]["category"] for line in lines} == {
        "cylindrical",
        "spherical",
        "cubical",
        "slender",
    }
    assert json.loads(lines[0])["render"]["quality"] == "standard"
    files = sorted(p.relative_to(first) for p in (first / shard).rglob("*") if p.is_file())
    assert len(files) > 8 * 5
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
