"""Cycles backend: seconds per image for each quality preset, the share of a ``standard`` image's time
spent outside path tracing, two naive baselines (a new renderer, so the scene from scratch, for every
image in one process; and a new Blender process per image, as ObMan-style generators run), and peak
memory over many images in one process; never asserts on speed.

Per image the pipeline's work is timed as it runs in ``handsynth render``: ``CyclesRenderer.render``
(scene update, Blender sync and BVH, path tracing, the 1-sample amodal layers, OIDN, the EXR write and
its read-back), then the composite over the background and the PNG encoding of the five images.

Path tracing proper is estimated from a linear fit over samples per pixel of the ``standard`` preset with
adaptive sampling and denoising off: t(s) = fixed + s * per_sample, fixed = t(1) - (t(S) - t(1)) / (S - 1).
Outside path tracing = fixed (sync, BVH, amodal layers, EXR write and read) + OIDN (t with the preset's
denoising minus t without) + composite + PNG; its share is of the full ``standard`` image (all parts).

    python benchmarks/render_cycles.py [--size 320] [--n 4] [--presets draft standard final]
                                       [--memory-n 500] [--memory-quality draft]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import time

import numpy as np

from handsynth.config import RenderConfig, SceneConfig, quality_settings
from handsynth.dataset.writer import encode_png
from handsynth.pipeline import BackgroundSource
from handsynth.render import cpu_threads
from handsynth.render.base import composite
from handsynth.render.cycles.exr import read_passes
from handsynth.render.cycles.renderer import CyclesRenderer
from handsynth.scene.spec import SceneSampler

FAMILIES = ("can", "mug", "glass", "orange")


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def seconds_per_image(specs, size: int, config: RenderConfig, adaptive: bool = True) -> dict[str, float]:
    """Mean seconds per image of render(), reading the EXR back, composite and PNG (after one warm-up);
    ``adaptive=False`` turns the preset's adaptive sampling off (every pixel takes every sample)."""
    backgrounds = BackgroundSource(None)
    with CyclesRenderer(size, size, config) as renderer:
        renderer._scene.cycles.use_adaptive_sampling &= adaptive
        renderer.render(specs[0])
        render = post = 0.0
        for spec in specs:
            t0 = time.perf_counter()
            frame = renderer.render(spec)
            t1 = time.perf_counter()
            rgb = composite(frame.rgba, backgrounds.image(spec.background, size, size))
            for image in (rgb, frame.seg, frame.hand_amodal, frame.object_amodal):
                encode_png(np.asarray(image, dtype=np.uint8) * (255 if image.dtype == bool else 1))
            encode_png(np.round(frame.depth_m / 1e-4).astype(np.uint16))
            post += time.perf_counter() - t1
            render += t1 - t0
        start = time.perf_counter()
        for _ in specs:
            read_passes(renderer._exr)
        read = time.perf_counter() - start
    n = len(specs)
    return {"render": render / n, "read": read / n, "post": post / n, "total": (render + post) / n}


def naive_seconds_per_image(specs, size: int, config: RenderConfig) -> float:
    """A new renderer (and so a new Blender scene, world, materials and meshes) per image."""
    start = time.perf_counter()
    for spec in specs:
        with CyclesRenderer(size, size, config) as renderer:
            renderer.render(spec)
    return (time.perf_counter() - start) / len(specs)


_RESTART = """
import pickle, sys
from handsynth.config import RenderConfig
from handsynth.render.cycles.renderer import CyclesRenderer
spec, size, quality = pickle.load(open(sys.argv[1], "rb"))
with CyclesRenderer(size, size, RenderConfig(quality=quality)) as renderer:
    renderer.render(spec)
"""


def restart_seconds_per_image(specs, size: int, quality: str) -> float:
    """The naive pipeline of ObMan-style generators: a new Blender (here a new Python process importing
    bpy) per image, which builds the scene, renders one image and exits. The spec is handed over ready
    (pickled), so grasp synthesis is not counted."""
    import pickle
    import subprocess
    import sys
    import tempfile

    total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for k, spec in enumerate(specs):
            path = f"{tmp}/spec-{k}.pickle"
            with open(path, "wb") as f:
                pickle.dump((spec, size, quality), f)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", _RESTART, path], check=True, capture_output=True)
            total += time.perf_counter() - start
    return total / len(specs)


def peak_memory(size: int, n: int, quality: str) -> None:
    """RSS over ``n`` images of one renderer in one process (a new grasp every 4 images)."""
    sampler = SceneSampler(1, SceneConfig(width=size, height=size, renders_per_grasp=4), FAMILIES)
    marks = sorted({1, max(1, n // 10), n // 2, n} - {0})
    with CyclesRenderer(size, size, RenderConfig(quality=quality)) as renderer:
        start = time.perf_counter()
        for i in range(n):
            renderer.render(sampler.sample(i))
            if i + 1 in marks:
                print(f"    after {i + 1:4d} images: RSS {_rss_mb():7.1f} MB", flush=True)
        elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak RSS of the process: {peak:.1f} MB ({n} {quality} images, {elapsed:.0f} s incl. grasps)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--n", type=int, default=4, help="images per setting (after one warm-up)")
    parser.add_argument("--presets", nargs="+", default=["draft", "standard", "final"])
    parser.add_argument("--fit-samples", type=int, default=16, help="S of the linear fit")
    parser.add_argument("--memory-n", type=int, default=500, help="images of the memory run (0: none)")
    parser.add_argument("--memory-quality", default="draft", help="preset of the memory run")
    args = parser.parse_args()
    config = SceneConfig(width=args.size, height=args.size, renders_per_grasp=4)
    sampler = SceneSampler(0, config, FAMILIES)
    specs = [sampler.sample(i) for i in range(0, 4 * args.n, 2)][: args.n]  # 2 per grasp, every family
    print(
        f"{args.size}x{args.size}, {args.n} images per setting ({', '.join(FAMILIES)}), "
        f"{cpu_threads(0)} CPU threads"
    )
    totals = {}
    for quality in args.presets:
        settings = quality_settings(RenderConfig(quality=quality))
        t = seconds_per_image(specs, args.size, RenderConfig(quality=quality))
        totals[quality] = t["total"]
        print(
            f"  {quality:8s} ({settings['samples']} spp max, adaptive {settings['adaptive_threshold']:g}, "
            f"OIDN {settings['denoise_prefilter'] if settings['denoise'] else 'off'}): "
            f"{t['total']:.3f} s/image (render {t['render']:.3f}, composite+PNG {t['post']:.3f})"
        )

    standard = RenderConfig(quality="standard")
    flat = dataclasses.replace(standard, denoise=False)
    full = seconds_per_image(specs, args.size, standard)
    no_denoise = seconds_per_image(specs, args.size, flat)
    # The fit with adaptive sampling off: every pixel takes every sample.
    s = args.fit_samples
    one = seconds_per_image(specs, args.size, dataclasses.replace(flat, samples=1), adaptive=False)
    many = seconds_per_image(specs, args.size, dataclasses.replace(flat, samples=s), adaptive=False)
    per_sample = (many["render"] - one["render"]) / (s - 1)
    fixed = one["render"] - per_sample
    denoise = full["render"] - no_denoise["render"]  # small: within the run-to-run noise of a few %
    outside = fixed + denoise + full["post"]
    print(f"  standard, split (fit at 1 and {s} spp, adaptive and OIDN off):")
    print(
        f"    fixed per render (sync, BVH, amodal layers, EXR write+read): {fixed:.3f} s, "
        f"of which EXR read-back {full['read']:.3f} s; path tracing {per_sample * 1e3:.1f} ms/spp"
    )
    print(f"    OIDN (with minus without): {denoise:+.3f} s; composite + PNG: {full['post']:.3f} s")
    print(
        f"    outside path tracing: {outside:.3f} s of {full['total']:.3f} s "
        f"({100 * outside / full['total']:.0f} % of a standard image)"
    )
    for quality in ("draft", "standard"):
        preset = RenderConfig(quality=quality)
        naive = naive_seconds_per_image(specs, args.size, preset)
        reused = seconds_per_image(specs, args.size, preset)["render"]  # measured next to the baseline
        restart = restart_seconds_per_image(specs, args.size, quality)
        print(
            f"  {quality}: reused scene {reused:.3f} s/image; naive baselines: a new renderer per image "
            f"{naive:.3f} s ({naive / reused:.2f}x), a new Blender process per image {restart:.3f} s "
            f"({restart / reused:.2f}x)"
        )
    if args.memory_n > 0:
        print(f"  memory over {args.memory_n} {args.memory_quality} images in one process:")
        peak_memory(args.size, args.memory_n, args.memory_quality)


if __name__ == "__main__":
    main()
