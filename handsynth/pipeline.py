"""One process renders a run: scene specs -> renderer -> annotations -> shards on disk (no Ray here).

Everything a user can get wrong is checked before the first byte is written. A run that stops part-way
leaves only complete shards (and perhaps a ``.tmp-shard-*`` that is never read); the same command again
resumes, skipping complete shards, and produces the same bytes as an uninterrupted run.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from handsynth.config import RunConfig, to_yaml
from handsynth.errors import UserError
from handsynth.files import fsync_dir
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
    """Render the run ``config`` into ``out`` (format ``handsynth/1.1``); returns the dataset.json dict.

    ``catalog`` replaces the object catalogue of ``config.manifest`` (tests); ``cache_dir`` is the
    download folder of the manifest's http(s) meshes.

    Checks every input first (``handsynth.preflight``: names, manifest and meshes, output folder,
    backgrounds folder, the first specs, one grasp per external family, renderer); then locks ``out``
    (``OUT/.handsynth-lock``: a second run is refused), writes ``config.yaml``, each shard atomically, and
    ``dataset.json`` last, and unlocks. Complete shards of an earlier run of the same configuration are
    verified against their shard.json and kept (resume); damaged ones are rendered again. Start-up costs
    O(shards present), whatever ``config.n``.
    """
    from tqdm import tqdm

    from handsynth.dataset.layout import CONFIG_YAML, DATASET_JSON, num_shards
    from handsynth.dataset.lock import OutputLock, take_over_if_stale
    from handsynth.dataset.writer import dataset_info, write_json_atomic, write_text_atomic

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
        context.open_renderer()  # fails here (EGL, pyrender) before anything is written
    except BaseException:
        context.close()
        raise
    try:
        out.mkdir(parents=True, exist_ok=True)
        with OutputLock(out):
            if not resuming and (out / CONFIG_YAML).exists():  # another run began here since the check
                resuming = check_output_dir(out, config_text)
            if not resuming:
                write_text_atomic(out / CONFIG_YAML, config_text)
            shard_count = num_shards(config.n, config.shard_size)
            done = _complete_shards(out, config, shard_count) if resuming else {}
            if done:
                log.info("resuming: %d of %d shards are complete", len(done), shard_count)
            bar = tqdm(
                total=config.n,
                initial=sum(int(shard["num_samples"]) for shard in done.values()),
                unit="img",
                desc="render",
                disable=not progress,
                file=sys.stderr,
                dynamic_ncols=True,
                smoothing=0.05,
            )
            shards = []
            for shard_index in range(shard_count):
                if shard_index in done:
                    shard = done.pop(shard_index)
                else:
                    shard = _render_shard(context, out, shard_index, bar, times)
                shards.append(_dataset_entry(shard))
            bar.close()
            info = dataset_info(config.seed, shards, bpy_version=render_info(config).get("bpy"))
            write_json_atomic(out / DATASET_JSON, info)
    finally:
        context.close()
    return info


def _dataset_entry(shard: dict) -> dict:
    """What dataset.json needs of a shard (name, count, categories), not its file hashes: a run keeps one
    per shard in memory, so this keeps that small."""
    return {key: shard[key] for key in ("name", "num_samples", "categories")}


def _complete_shards(out: Path, config: RunConfig, shard_count: int) -> dict[int, dict]:
    """Scan ``out/shards`` once: remove temp dirs of an interrupted run, verify each complete shard of the
    run (``verify_shard``), and move aside and delete the damaged ones (they are rendered again).

    Returns shard index -> ``_dataset_entry`` of every intact shard. Costs one directory
    listing plus reading the shards present, whatever ``config.n``.
    """
    from handsynth.dataset.integrity import ShardDamaged, verify_shard
    from handsynth.dataset.layout import SHARD_PREFIX, SHARDS_DIR, TMP_PREFIX, shard_ids, shard_name

    shards_dir = out / SHARDS_DIR
    if not shards_dir.is_dir():
        return {}
    done = {}
    for entry in sorted(os.scandir(shards_dir), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.name.startswith(TMP_PREFIX):  # never read; the lock says no other run is writing it
            shutil.rmtree(path, ignore_errors=True)
            continue
        digits = entry.name.removeprefix(SHARD_PREFIX)
        if not (entry.name.startswith(SHARD_PREFIX) and digits.isdigit()):
            continue  # not ours; validate reports it
        shard_index = int(digits)
        if shard_index >= shard_count or entry.name != shard_name(shard_index):
            continue
        if not entry.is_dir(follow_symlinks=False):  # a file (or link) where the shard's folder belongs
            log.warning("%s is not a folder: rendering it again", entry.name)
            path.unlink()
            continue
        ids = shard_ids(shard_index, config.n, config.shard_size)
        try:
            done[shard_index] = _dataset_entry(verify_shard(path, shard_index, ids, config.n))
        except ShardDamaged as damage:
            log.warning("%s is damaged (%s): rendering it again", entry.name, damage)
            _remove_dir(path)
    return done


def _remove_dir(path: Path) -> None:
    """Remove a shard directory so that its final name is gone first (renamed to a temp name)."""
    from handsynth.dataset.layout import TMP_PREFIX

    aside = path.with_name(f"{TMP_PREFIX}damaged-{uuid.uuid4().hex[:8]}")
    os.rename(path, aside)
    fsync_dir(path.parent)
    shutil.rmtree(aside)


def _render_shard(context: RunContext, out: Path, shard_index: int, bar, times: StageTimes | None) -> dict:
    """Render and write one shard atomically; returns what ``ShardWriter.close`` returns."""
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
            bar.update(1)
        t = time.perf_counter()
        shard = writer.close()
        if times is not None:
            times.add("png encoding + writing", time.perf_counter() - t)
    return shard
