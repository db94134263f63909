"""Cycles backend: seconds per image against samples, the share outside path tracing, and a naive
baseline that builds a new renderer (scene from scratch) for every image; never asserts on speed.

The fixed cost per image (scene update, Blender sync and BVH, the 1-sample amodal layers, the EXR write
and read-back) is estimated from a linear fit of seconds per image over the samples per pixel: with
t(s) = fixed + s * per_sample, fixed = t(1) - (t(N) - t(1)) / (N - 1).

    python benchmarks/render_cycles.py [--size 320] [--samples 16 32] [--n 8] [--denoise]
"""

from __future__ import annotations

import argparse
import time

from handsynth.config import RenderConfig, SceneConfig
from handsynth.render.cycles.renderer import CyclesRenderer, read_passes
from handsynth.scene.spec import SceneSampler


def seconds_per_image(specs, size: int, samples: int, denoise: bool) -> tuple[float, float]:
    """Mean seconds per image after one warm-up, and the mean seconds of reading the passes back."""
    with CyclesRenderer(size, size, RenderConfig(samples=samples, denoise=denoise)) as renderer:
        renderer.render(specs[0])
        start = time.perf_counter()
        for spec in specs:
            renderer.render(spec)
        per_image = (time.perf_counter() - start) / len(specs)
        start = time.perf_counter()
        for _ in specs:
            read_passes(renderer._exr)
        read = (time.perf_counter() - start) / len(specs)
    return per_image, read


def naive_seconds_per_image(specs, size: int, samples: int, denoise: bool) -> float:
    """A new renderer (and so a new scene and meshes) per image."""
    start = time.perf_counter()
    for spec in specs:
        with CyclesRenderer(size, size, RenderConfig(samples=samples, denoise=denoise)) as renderer:
            renderer.render(spec)
    return (time.perf_counter() - start) / len(specs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=320)
    parser.add_argument("--samples", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--n", type=int, default=8, help="images per setting (renders_per_grasp 4)")
    parser.add_argument("--denoise", action="store_true")
    args = parser.parse_args()
    config = SceneConfig(width=args.size, height=args.size, renders_per_grasp=4)
    sampler = SceneSampler(0, config, ("can", "mug"))
    specs = [sampler.sample(i) for i in range(args.n)]
    one, read = seconds_per_image(specs, args.size, 1, args.denoise)
    print(f"{args.size}x{args.size}, denoise={args.denoise}, {args.n} images per setting")
    print(f"  1 spp: {one:.3f} s/image; reading the EXR back: {read * 1e3:.1f} ms/image")
    for samples in args.samples:
        t, _ = seconds_per_image(specs, args.size, samples, args.denoise)
        per_sample = (t - one) / (samples - 1)
        fixed = one - per_sample
        print(
            f"  {samples} spp: {t:.3f} s/image; outside path tracing {fixed:.3f} s ({100 * fixed / t:.0f} %)"
        )
    samples = args.samples[0]
    naive = naive_seconds_per_image(specs, args.size, samples, args.denoise)
    t, _ = seconds_per_image(specs, args.size, samples, args.denoise)
    print(f"  naive baseline at {samples} spp: {naive:.3f} s/image; reused scene {t:.3f} ({naive / t:.2f}x)")


if __name__ == "__main__":
    main()
