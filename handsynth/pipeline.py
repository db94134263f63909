"""One process renders a run: scene specs -> renderer -> annotations -> shards on disk (no Ray here).

Everything a user can get wrong is checked before the first byte is written. A run that stops part-way
leaves only complete shards (and perhaps a ``.tmp-shard-*`` that is never read); the same command again
resumes, skipping complete shards, and produces the same bytes as an uninterrupted run.
"""

from __future__ import annotations

import logging
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
    workers: dict[str, list[float]] = field(default_factory=dict)
    """worker name -> [samples, seconds busy rendering shards] (filled by a Ray run)."""

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] += seconds

    def merge(self, stage_seconds: dict[str, float], samples: int) -> None:
        """Add the stage seconds and sample count of another process (a Ray worker's shard)."""
        for stage, seconds in stage_seconds.items():
            self.seconds[stage] += seconds
        self.samples += samples

    def summary(self) -> str:
        """One line: images/s of each worker, then each stage's share of the time, largest first."""
        per_worker = ", ".join(
            f"{name} {samples / max(seconds, 1e-9):.2f}"
            for name, (samples, seconds) in sorted(self.workers.items())
        )
        shares = sorted(self.shares().items(), key=lambda item: -item[1])
        stages = ", ".join(f"{stage} {share:.0%}" for stage, share in shares)
        return f"images/s per worker: {per_worker or 'this process'}; time per stage: {stages}"

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

    def __init__(
        self, config: RunConfig, catalog: dict | None = None, render_entry: dict | None = None
    ) -> None:
        """``render_entry``: the ``render`` entry of every annotation, as the run's driver resolved it (a Ray
        worker's own threads or device must not change the annotations); by default ``render_info(config)``.
        """
        from handsynth.objects.catalog import resolve_objects
        from handsynth.scene.spec import SceneSampler

        self.config = config
        self.families = resolve_objects(config.scene.objects, catalog)
        self.backgrounds = BackgroundSource(config.scene.background.folder)
        self.sampler = SceneSampler(config.seed, config.scene, self.families, catalog, self.backgrounds.names)
        self.sampler.prefetch = True
        self.render_info = render_entry if render_entry is not None else render_info(config)
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


class ShardsFailed(Exception):
    """Some shards of a run failed every attempt; the others are complete and the same command retries the
    failed ones. ``str(error)`` is the one-line summary the command line prints."""


class LocalShards:
    """Renders shards in this process, one after another: the library's path without Ray (benchmarks
    compare the Ray workers with it). ``run`` and ``stop`` are the interface of ``distributed.RayShards``."""

    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.failures: list[tuple[int, str]] = []

    def run(self, out: Path, todo, bar, times: StageTimes | None):
        """Render the shard indices ``todo`` (an iterable) into ``out``; yields (index, shard summary)."""
        for shard_index in todo:
            steps = render_shard(self.context, out, shard_index, times)
            while True:
                try:
                    next(steps)
                except StopIteration as finished:
                    yield shard_index, finished.value
                    break
                bar.update(1)

    def stop(self) -> None:
        """Nothing runs outside this process."""

    def close(self) -> None:
        self.context.close()


def render_dataset(
    config: RunConfig,
    out: str | Path,
    catalog: dict | None = None,
    progress: bool = True,
    times: StageTimes | None = None,
    cache_dir: str | Path | None = None,
    cluster=None,
) -> dict:
    """Render the run ``config`` into ``out`` (format ``handsynth/1.1``); returns the dataset.json dict.

    ``catalog`` replaces the object catalogue of ``config.manifest`` (tests); ``cache_dir`` is the
    download folder of the manifest's http(s) meshes; ``cluster`` (a ``distributed.ClusterOptions``)
    renders the shards on Ray workers, None in this process.

    Checks every input first (``handsynth.preflight``: names, manifest and meshes, output folder,
    backgrounds folder, the first specs, one grasp per external family, renderer or Ray workers); then
    locks ``out`` (``OUT/.handsynth-lock``: a second run is refused), writes ``config.yaml``, each shard
    atomically, and ``dataset.json`` last, and unlocks. Complete shards of an earlier run of the same
    configuration are verified against their shard.json and kept (resume); damaged ones are rendered again.
    Start-up costs O(shards present), whatever ``config.n``. Raises ShardsFailed (after finishing every
    other shard, without dataset.json) when a shard fails every attempt.
    """
    from handsynth.dataset.layout import CONFIG_YAML, DATASET_JSON, num_shards
    from handsynth.dataset.lock import OutputLock, take_over_if_stale
    from handsynth.dataset.writer import dataset_info, write_json_atomic, write_text_atomic
    from handsynth.resume import complete_shards, dataset_entry, remove_temp_shards

    out = Path(out)
    resolved = resolve_run(config, catalog, cache_dir)  # names, manifest content and meshes
    config = resolved.config
    config_text = to_yaml(config)
    if out.is_dir():
        take_over_if_stale(out)  # a live run's lock refuses before anything else is looked at
    resuming = check_output_dir(out, config_text)
    context = RunContext(config, resolved.catalog)
    try:
        check_samples(context, resolved.external)  # photos decoded, first specs, external grasps
        if cluster is None:
            context.open_renderer()  # fails here (EGL, pyrender) before anything is written
            shards_runner = LocalShards(context)
        else:
            from handsynth.distributed import RayShards

            context.close()  # the workers sample and render; each builds its renderer before any write
            shards_runner = RayShards(config, resolved.catalog, context.render_info, cluster, out)
    except BaseException:
        context.close()
        raise
    try:
        out.mkdir(parents=True, exist_ok=True)
        with OutputLock(out):
            try:
                if not resuming and (out / CONFIG_YAML).exists():  # another run began here since the check
                    resuming = check_output_dir(out, config_text)
                if not resuming:
                    write_text_atomic(out / CONFIG_YAML, config_text)
                shard_count = num_shards(config.n, config.shard_size)
                done = complete_shards(out, config, shard_count) if resuming else {}
                if done:
                    log.info("resuming: %d of %d shards are complete", len(done), shard_count)
                bar = _progress_bar(config.n, sum(int(s["num_samples"]) for s in done.values()), progress)
                todo = (k for k in range(shard_count) if k not in done)
                for shard_index, shard in shards_runner.run(out, todo, bar, times):
                    done[shard_index] = dataset_entry(shard)
                bar.close()
            finally:
                shards_runner.stop()  # workers gone before their temp shards are removed and the lock freed
                remove_temp_shards(out)
            if shards_runner.failures:
                raise ShardsFailed(_failure_summary(shards_runner.failures, shard_count))
            shards = [done[k] for k in range(shard_count)]
            info = dataset_info(config.seed, shards, bpy_version=render_info(config).get("bpy"))
            write_json_atomic(out / DATASET_JSON, info)
    finally:
        shards_runner.close()
    return info


def _progress_bar(total: int, initial: int, progress: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=initial,
        unit="img",
        desc="render",
        disable=not progress,
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.05,
    )


def _failure_summary(failures: list[tuple[int, str]], shard_count: int, shown: int = 2) -> str:
    """One line: how many shards failed, the first ``shown`` with their errors, and what to do."""
    from handsynth.dataset.layout import shard_name

    listed = "; ".join(f"{shard_name(k)}: {error}" for k, error in sorted(failures)[:shown])
    more = f"; and {len(failures) - shown} more" if len(failures) > shown else ""
    return (
        f"{len(failures)} of {shard_count} shards failed on every attempt ({listed}{more}); the other shards "
        "are complete: run the same command to retry the failed ones"
    )


def render_shard(context: RunContext, out: Path, shard_index: int, times: StageTimes | None = None):
    """Render and write one shard atomically (the unit of work of every worker): a generator that yields
    each sample id once its sample is added, and returns what ``ShardWriter.close`` returns. Abandoned or
    failed, it leaves no shard (the writer removes its temp dir)."""
    from handsynth.dataset.layout import shard_ids
    from handsynth.dataset.writer import ShardWriter

    config = context.config
    with ShardWriter(out, shard_index, config.n) as writer:
        for index in shard_ids(shard_index, config.n, config.shard_size):
            annotation, images = context.render_sample(index, times)
            t = time.perf_counter()
            writer.add(annotation, images)
            if times is not None:
                times.add("png encoding + writing", time.perf_counter() - t)
            yield index
        t = time.perf_counter()
        shard = writer.close()
        if times is not None:
            times.add("png encoding + writing", time.perf_counter() - t)
    return shard
