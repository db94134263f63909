"""``handsynth blend``: the Blender scene of one sample of a rendered dataset as a ``.blend`` file.

Sample ``i`` is a pure function of ``(seed, i, config)``, so the scene is made again from the dataset's
own ``config.yaml`` (grasp, subject, camera, lamps, background): nothing but the configuration is read
from the dataset, and the dataset is never written. The file is the Cycles backend's scene whatever
backend rendered the dataset; ``--quality``/``--device`` choose its render settings (default: the
dataset's).
"""

from __future__ import annotations

import os
from pathlib import Path

from handsynth.errors import UserError


def save_sample_blend(
    dataset: str | os.PathLike[str],
    index: int,
    out: str | os.PathLike[str],
    quality: str | None = None,
    device: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Write the ``.blend`` of sample ``index`` of ``dataset`` to ``out``; returns the path written.

    Raises:
        UserError: not a dataset, an index out of range, an ``out`` not ending in ``.blend`` or in a
            missing folder, an unknown quality or device, no bpy.
    """
    from handsynth import config as cfg
    from handsynth.dataset.layout import CONFIG_YAML

    dataset, out = Path(dataset), Path(out)
    config_file = dataset / CONFIG_YAML
    if not config_file.is_file():
        raise UserError(f"{dataset} is not a handsynth dataset (no {CONFIG_YAML})")
    if out.suffix != ".blend":
        raise UserError(f"--out must be a .blend file, got '{out}'")
    if not out.resolve().parent.is_dir():
        raise UserError(f"{out.parent} does not exist")
    config = cfg.load_yaml(config_file)
    if not 0 <= index < config.n:
        raise UserError(
            f"--index must be in 0..{config.n - 1} (the dataset has {config.n} samples), got {index}"
        )
    render = {"backend": "cycles", "quality": quality, "device": device}
    config = cfg.from_dict({"render": {k: v for k, v in render.items() if v is not None}}, config)
    return _write(config, index, out, cache_dir)


def _write(config, index: int, out: Path, cache_dir) -> Path:
    from handsynth.pipeline import RunContext
    from handsynth.preflight import resolve_run

    resolved = resolve_run(config, cache_dir=cache_dir)  # bpy present; the manifest's meshes verified
    context = RunContext(resolved.config, resolved.catalog)
    try:
        from handsynth.render.cycles.renderer import CyclesRenderer
        from handsynth.render.cycles.save import save_blend

        spec = context.sampler.sample(index)
        scene = resolved.config.scene
        background = context.backgrounds.image(spec.background, scene.width, scene.height)
        with CyclesRenderer(scene.width, scene.height, resolved.config.render) as renderer:
            return save_blend(renderer, spec, out, background)
    finally:
        context.close()
