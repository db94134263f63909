"""The README's side-by-side of the two backends: the same samples (same grasp, camera, lamps,
background) rendered by the raster backend and by Cycles at a quality preset, for every object
category, composited over their backgrounds exactly as ``handsynth render`` writes ``rgb.png``.

    python scripts/backend_grid.py --out docs/images/backends.png [--per-category 3] [--size 320]
                                   [--quality standard] [--seed 7]

Each category is one row of samples, each sample a pair: raster on the left, Cycles on the right, both
labelled with the backend, family, grasp type and subject. Prints the seconds per Cycles image.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def render_grid(out: Path, per_category: int, size: int, quality: str, seed: int) -> Path:
    from handsynth.config import RenderConfig, SceneConfig
    from handsynth.conventions import OBJECT_CATEGORIES
    from handsynth.objects.catalog import resolve_objects
    from handsynth.pipeline import BackgroundSource
    from handsynth.render.base import composite
    from handsynth.render.cycles.renderer import CyclesRenderer
    from handsynth.render.raster import RasterRenderer
    from handsynth.scene.spec import SceneSampler

    config = SceneConfig(width=size, height=size, renders_per_grasp=1)
    backgrounds = BackgroundSource(None)
    rows, seconds = [], []
    preset = RenderConfig(quality=quality)
    with RasterRenderer(size, size) as raster, CyclesRenderer(size, size, preset) as cycles:
        for k, category in enumerate(OBJECT_CATEGORIES):  # each row its own subjects and backgrounds
            sampler = SceneSampler(seed + 101 * k, config, resolve_objects((category,)))
            pair = ([], [])
            for i in range(per_category):
                spec = sampler.sample(i)
                background = backgrounds.image(spec.background, size, size)
                pair[0].append(composite(raster.render(spec).rgba, background))
                start = time.perf_counter()
                pair[1].append(composite(cycles.render(spec).rgba, background))
                seconds.append(time.perf_counter() - start)
                grasp = spec.grasp.grasp
                label = f"{grasp.object.family} {grasp.grasp_type} {grasp.subject.id}"
                for k, name in enumerate(("raster", f"cycles {quality}")):
                    picture = Image.fromarray(pair[k][-1])
                    ImageDraw.Draw(picture).text((4, 2), f"{name}: {label}", fill=(255, 255, 255))
                    pair[k][-1] = np.asarray(picture)
            rows.append(np.concatenate([p for both in zip(*pair, strict=True) for p in both], axis=1))
    out.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.concatenate(rows, axis=0)).save(out, optimize=True)
    print(f"{out}: {len(seconds)} Cycles {quality} images, {np.mean(seconds):.2f} s each at {size}x{size}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="PNG to write")
    parser.add_argument("--per-category", type=int, default=3, help="samples per category")
    parser.add_argument("--size", type=int, default=320, help="image width and height")
    parser.add_argument("--quality", default="standard", help="Cycles preset")
    parser.add_argument("--seed", type=int, default=7, help="run seed of the samples")
    args = parser.parse_args()
    render_grid(args.out, args.per_category, args.size, args.quality, args.seed)


if __name__ == "__main__":
    main()
