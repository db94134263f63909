"""One process renders a run: scene specs -> renderer -> annotations -> shards on disk (no Ray here).

Everything a user can get wrong is checked before the first byte is written. A run that stops part-way
leaves only complete shards (and perhaps a ``.tmp-shard-*`` that is never read); the same command again
resumes, skipping complete shards, and produces the same bytes as an uninterrupted run.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from handsynth.config import RunConfig, to_yaml
from handsynth.errors import UserError
from handsynth.preflight import check_samples, resolve_run
from handsynth.render import make_renderer, render_info

log = logging.getLogger(__name__)


@dataclass
class StageTimes:
    """Seconds spent per stage of the pipeline (for progress reports and benchmarks)."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    samples: int = 0

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] += seconds

    def shares(self) -> dict[str, float]:
        """Stage -> fraction of the summed stage time."""
        total = sum(self.seconds.values()) or 1.0
        return {stage: s / total for stage, s in self.seconds.items()}


def _is_run_dir(out: Path) -> bool:
    from handsynth.dataset.layout import CONFIG_YAML

    return (out / CONFIG_YAML).is_file()


def check_output_dir(out: Path, config_text: str) -> bool:
    """Refuse an output that is a file, a foreign non-empty folder, or a run with another configuration.

    Returns True when ``out`` holds an earlier run of this same configuration (to be resumed).
    """
    from handsynth.dataset.layout import CONFIG_YAML

    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} exists and is not a directory")
    if not out.exists() or not any(out.iterdir()):
        return False
    if not _is_run_dir(out):
        raise UserError(
            f"--out {out} is not empty and is not a handsynth dataset; give a new or empty folder"
        )
    stored = (out / CONFIG_YAML).read_bytes()
    if stored != config_text.encode("utf-8"):
        raise UserError(
            f"--out {out} holds a handsynth run with a different configuration "
            f"({_differences(stored, config_text)}); give a new folder or the same options to resume"
        )
    return True


def _differences(stored: bytes, config_text: str, shown: int = 4) -> str:
    """``key: old -> new`` of the first ``shown`` keys that differ between a stored config.yaml and this
    run's configuration, on one line."""
    import yaml

    from handsynth.config import config_diff

    try:
        old = yaml.safe_load(stored.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        old = None
    if not isinstance(old, dict):
        return "its config.yaml is not a readable configuration"
    changes = config_diff(old, yaml.safe_load(config_text)) or ["the same values, written differently"]
    more = f"; and {len(changes) - shown} more" if len(changes) > shown else ""
    return "; ".join(changes[:shown]) + more


class BackgroundSource:
    """Background pixels for a sample's ``BackgroundRef``: procedural, or crops of a user's folder."""

    def __init__(self, folder: str | None) -> None:
        from handsynth.scene.backgrounds import FolderBackgrounds

        self.folder = FolderBackgrounds(folder) if folder else None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.folder.name(i) for i in range(len(self.folder))) if self.folder else ()

    def image(self, ref, width: int, height: int) -> np.ndarray:
        """(H, W, 3) uint8 background of ``ref``."""
        from handsynth.scene.backgrounds import procedural_background

        if ref.source == "procedural":
            return procedural_background(ref.id, width, height)
        return self.folder.image(ref.id, width, height, np.random.default_rng(ref.seed))


class RunContext:
    """Everything a process needs to render samples of one run (specs, renderer, backgrounds)."""

    def __init__(self, config: RunConfig, catalog: dict | None = None) -> None:
        from handsynth.objects.catalog import resolve_objects
        from handsynth.scene.spec import SceneSampler

        self.config = config
        self.families = resolve_objects(config.scene.objects, catalog)
        self.backgrounds = BackgroundSource(config.scene.background.folder)
        self.sampler = SceneSampler(config.seed, config.scene, self.families, catalog, self.backgrounds.names)
        self.sampler.prefetch = True
        self.render_info = render_info(config)
        self.renderer = None

    def open_renderer(self) -> None:
        if self.renderer is None:
            self.renderer = make_renderer(self.config)

    def close(self) -> None:
        self.sampler.bank.close()
        if self.renderer is not None:
            self.renderer.close()
            self.renderer = None

    def render_sample(self, index: int, times: StageTimes | None = None) -> tuple[dict, dict]:
        """Sample ``index`` -> (annotation, images) ready for a ShardWriter."""
        from handsynth.annotate import annotate
        from handsynth.conventions import DEPTH_UNIT_M
        from handsynth.dataset.layout import sample_files
        from handsynth.render.base import composite

        self.open_renderer()
        config = self.config
        t0 = time.perf_counter()
        synth_before = self.sampler.bank.synthesis_seconds
        spec = self.sampler.sample(index)
        synth = self.sampler.bank.synthesis_seconds - synth_before
        t1 = time.perf_counter()
        frame = self.renderer.render(spec)
        t2 = time.perf_counter()
        background = self.backgrounds.image(spec.background, config.scene.width, config.scene.height)
        rgb = composite(frame.rgba, background)
        t3 = time.perf_counter()
        files = sample_files(index, config.n)
        annotation = annotate(spec, frame, files, self.render_info)
        depth = np.round(frame.depth_m / DEPTH_UNIT_M)
        images = {
            "rgb": rgb,
            "seg": frame.seg,
            "hand_amodal": frame.hand_amodal,
            "object_amodal": frame.object_amodal,
            "depth": np.clip(depth, 0, 65535).astype(np.uint16),
        }
        # A surface closer than one depth step would read as "no surface"; the camera sampler keeps every
        # surface at least min_clearance_m away, so this never happens.
        assert not np.any((images["depth"] == 0) & (images["seg"] != 0)), "surface closer than one depth unit"
        t4 = time.perf_counter()
        if times is not None:
            times.add("grasp synthesis", synth)
            times.add("scene sampling", t1 - t0 - synth)
            times.add("render", t2 - t1)
            times.add("background + composite", t3 - t2)
            times.add("annotations", t4 - t3)
            times.samples += 1
        return annotation, images


def render_dataset(
    config: RunConfig,
    out: str | Path,
    catalog: dict | None = None,
    progress: bool = True,
    times: StageTimes | None = None,
    cache_dir: str | Path | None = None,
) -> dict:
    """Render the run ``config`` into ``out`` (format ``handsynth/1``); returns the dataset.json dict.

    ``catalog`` replaces the object catalogue of ``config.manifest`` (tests); ``cache_dir`` is the
    download folder of the manifest's http(s) meshes.

    Checks every input first (``handsynth.preflight``: names, manifest and meshes, output folder,
    backgrounds folder, the first specs, one grasp per external family, renderer); then writes
    ``config.yaml``, each shard atomically, and ``dataset.json`` last. Complete shards of an earlier run
    of the same configuration are kept (resume).
    """
    from tqdm import tqdm

    from handsynth.dataset.layout import (
        CONFIG_YAML,
        DATASET_JSON,
        SHARD_JSON,
        SHARDS_DIR,
        TMP_PREFIX,
        shard_name,
        shard_ranges,
    )
    from handsynth.dataset.reader import read_shard_json, shard_summary
    from handsynth.dataset.writer import ShardWriter, dataset_info, write_json_atomic, write_text_atomic

    out = Path(out)
    resolved = resolve_run(config, catalog, cache_dir)  # names, manifest content and meshes
    config = resolved.config
    config_text = to_yaml(config)
    resuming = check_output_dir(out, config_text)
    context = RunContext(config, resolved.catalog)
    try:
        check_samples(context, resolved.external)  # photos decoded, first specs, external grasps
        context.open_renderer()  # fails here (EGL, pyrender) before anything is written
    except BaseException:
        context.close()
        raise
    try:
        out.mkdir(parents=True, exist_ok=True)
        if not resuming:
            write_text_atomic(out / CONFIG_YAML, config_text)
        else:  # temp dirs of an interrupted run are never read; one process renders a run here
            for stale in (out / SHARDS_DIR).glob(f"{TMP_PREFIX}*"):
                shutil.rmtree(stale, ignore_errors=True)
        ranges = shard_ranges(config.n, config.shard_size)
        done = {}
        for shard_index, start, stop in ranges:
            path = out / SHARDS_DIR / shard_name(shard_index)
            if (path / SHARD_JSON).is_file():
                shard = read_shard_json(path)
                if shard.get("num_samples") == stop - start:
                    done[shard_index] = shard
        if done:
            log.info("resuming: %d of %d shards are complete", len(done), len(ranges))
        bar = tqdm(
            total=config.n,
            initial=sum(stop - start for i, start, stop in ranges if i in done),
            unit="img",
            desc="render",
            disable=not progress,
            file=sys.stderr,
            dynamic_ncols=True,
            smoothing=0.05,
        )
        shards = []
        for shard_index, start, stop in ranges:
            if shard_index in done:
                shards.append(shard_summary(out / SHARDS_DIR / shard_name(shard_index)))
                continue
            with ShardWriter(out, shard_index, config.n) as writer:
                for index in range(start, stop):
                    annotation, images = context.render_sample(index, times)
                    t = time.perf_counter()
                    writer.add(annotation, images)
                    if times is not None:
                        times.add("png encoding + writing", time.perf_counter() - t)
                    bar.update(1)
                t = time.perf_counter()
                shards.append(writer.close())
                if times is not None:
                    times.add("png encoding + writing", time.perf_counter() - t)
        bar.close()
    finally:
        context.close()
    info = dataset_info(config.seed, shards)
    write_json_atomic(out / DATASET_JSON, info)
    return info
