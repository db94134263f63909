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
    """Write the studio scene to ``out`` and return it."""
    import bpy

    from handsynth.config import RenderConfig, SceneConfig
    from handsynth.render.cycles.materials import skin_group
    from handsynth.render.cycles.renderer import CyclesRenderer
    from handsynth.scene.spec import SceneSampler

    spec = SceneSampler(seed, SceneConfig(width=size, height=size, renders_per_grasp=1), (family,)).sample(0)
    default = [scene for scene in bpy.data.scenes]
    renderer = CyclesRenderer(size, size, RenderConfig(samples=1, denoise=False))
    renderer.render(spec)  # places the grasp, camera and lamps (one cheap sample), as for a sample
    scene = bpy.data.scenes[renderer._scene.name]
    scene.name = f"handsynth-{family}-{seed}"
    scene.cycles.samples = samples
    scene.cycles.use_denoising = True
    scene.render.image_settings.file_format = "PNG"
    scene.render.filepath = "//render.png"
    scene.render.use_file_extension = True
    for layer in scene.view_layers:  # the amodal mask layers are for the pipeline, not for a user
        layer.use = layer.name == "color"
    skin_group()  # always there, even for a user who deletes the hand
    for old in default:  # Blender's startup scene (cube, lamp, camera)
        for obj in list(old.collection.all_objects):
            bpy.data.objects.remove(obj, do_unlink=True)
        bpy.data.scenes.remove(old)
    for image in bpy.data.images:
        if image.packed_file is None and image.source == "GENERATED":
            image.pack()
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(out), compress=True)
    return out


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
