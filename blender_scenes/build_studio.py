"""Build and save a studio ``.blend`` a user can open in Blender 4.5: one sampled grasp (hand, forearm and
object with handsynth's own Cycles materials: the skin node group ``handsynth_skin`` and the object
materials from each family's ``Material``, patterns packed into the file), its lamps, world and camera.

    python blender_scenes/build_studio.py --out studio.blend [--family can] [--seed 0] [--size 640]

Everything is built from Python (``handsynth.render.cycles``); no binary template lives in the repo.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def build_studio(out: Path, family: str = "can", seed: int = 0, size: int = 640, samples: int = 128) -> Path:
    """Write the studio scene to ``out`` and return it (``handsynth.render.cycles.save.save_blend``: the
    same file ``handsynth blend`` writes for a sample of a dataset)."""
    from handsynth.config import RenderConfig, SceneConfig
    from handsynth.render.cycles.renderer import CyclesRenderer
    from handsynth.render.cycles.save import save_blend
    from handsynth.scene.backgrounds import procedural_background
    from handsynth.scene.spec import SceneSampler

    spec = SceneSampler(seed, SceneConfig(width=size, height=size, renders_per_grasp=1), (family,)).sample(0)
    background = procedural_background(spec.background.id, size, size)
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with CyclesRenderer(size, size, RenderConfig(samples=samples, denoise=True)) as renderer:
        return save_blend(renderer, spec, out, background)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="the .blend to write")
    parser.add_argument("--family", default="can", help="object family of the grasp (default: can)")
    parser.add_argument("--seed", type=int, default=0, help="run seed of the sampled grasp")
    parser.add_argument("--size", type=int, default=640, help="image width and height in pixels")
    parser.add_argument("--samples", type=int, default=128, help="Cycles samples stored in the file")
    args = parser.parse_args(argv)
    try:
        import bpy  # noqa: F401
    except ImportError:
        print("build_studio: error: needs bpy: pip install 'bpy>=4.5,<4.6'", file=sys.stderr)
        return 2
    out = build_studio(args.out, args.family, args.seed, args.size, args.samples)
    print(out)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, when not installed
    sys.exit(main())
