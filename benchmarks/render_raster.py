"""End-to-end images/s of `handsynth render` with the raster backend, and where the time goes.

Runs the real pipeline (scene specs, grasp synthesis, pyrender over EGL, backgrounds, annotations, PNG
encoding, shard writes) into a temporary folder, then, as the baseline in the same process, renders the
same specs with pyrender's stock shader (colour pass only, as a plain pyrender user would).

    python benchmarks/render_raster.py --n 400 [--resolution 320] [--renders-per-grasp 8]

Needs no GPU (Mesa llvmpipe); on a GPU machine pyrender uses the GPU's EGL driver.
"""

import argparse
import tempfile
import time
from pathlib import Path

from handsynth.config import RenderConfig, RunConfig, SceneConfig
from handsynth.pipeline import RunContext, StageTimes, render_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--resolution", type=int, default=320)
    parser.add_argument("--renders-per-grasp", type=int, default=8)
    parser.add_argument("--objects", default="cylindrical,slender,cubical,spherical")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    scene = SceneConfig(
        objects=args.objects,
        width=args.resolution,
        height=args.resolution,
        renders_per_grasp=args.renders_per_grasp,
    )
    config = RunConfig(
        seed=args.seed, n=args.n, shard_size=100, scene=scene, render=RenderConfig(backend="raster")
    )
    times = StageTimes()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        render_dataset(config, Path(tmp) / "run", progress=False, times=times)
        wall = time.perf_counter() - start
    rate = args.n / wall
    synth = times.seconds["grasp synthesis"]
    print(
        f"handsynth render, raster backend, {args.resolution}x{args.resolution}, n={args.n}, "
        f"renders_per_grasp={args.renders_per_grasp}"
    )
    print(
        f"  end to end: {rate:.1f} images/s ({wall:.1f} s, including renderer start-up and grasp synthesis)"
    )
    print(
        f"  without waiting for grasp synthesis: "
        f"{args.n / (wall - synth):.1f} images/s (grasps are made on a "
        "background thread while the previous ones render)"
    )
    print("  share of stage time:")
    total = sum(times.seconds.values())
    for stage, seconds in sorted(times.seconds.items(), key=lambda kv: -kv[1]):
        print(f"    {stage:24s} {seconds / total:6.1%}  {1e3 * seconds / args.n:6.1f} ms/image")

    # Baseline: pyrender's stock PBR shader, colour pass only, on the same specs (grasps already cached).
    context = RunContext(config)
    context.open_renderer()
    renderer = context.renderer
    pyrender = renderer._pyrender
    specs = [context.sampler.sample(i) for i in range(min(args.n, 64))]
    renderer.render(specs[0])
    inner = renderer._renderer._renderer
    ours = inner._program_cache
    start = time.perf_counter()
    for spec in specs:
        renderer.render(spec)
    ours_s = (time.perf_counter() - start) / len(specs)
    inner._program_cache = ours.fallback
    start = time.perf_counter()
    for spec in specs:
        renderer._set_grasp(spec.grasp)
        renderer._set_camera(spec.camera)
        renderer._set_lights(spec)
        renderer._renderer.render(renderer._scene, flags=pyrender.RenderFlags.RGBA)
    stock_s = (time.perf_counter() - start) / len(specs)
    context.close()
    print(f"  our four passes (colour, parts+depth, two amodal): {1e3 * ours_s:.1f} ms/image")
    print(f"  baseline, pyrender stock shader, colour pass only:  {1e3 * stock_s:.1f} ms/image")
    print(f"  ratio end-to-end time per image / baseline:          {(wall / args.n) / stock_s:.2f}")


if __name__ == "__main__":
    main()
