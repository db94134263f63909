"""Resume: which shards of an earlier run in ``--out`` are complete and intact, and the removal of what a
stopped run left (temp shards, damaged shards). Orchestration layer, standard library and the dataset
layer only; never bpy, pyrender, ray or torch. Called only under the run's lock (``dataset.lock``).
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from pathlib import Path

from handsynth.config import RunConfig
from handsynth.files import fsync_dir

log = logging.getLogger(__name__)


def dataset_entry(shard: dict) -> dict:
    """What dataset.json needs of a shard (name, count, categories), not its file hashes: a run keeps one
    per shard in memory, so this keeps that small."""
    return {key: shard[key] for key in ("name", "num_samples", "categories")}


def complete_shards(out: Path, config: RunConfig, shard_count: int) -> dict[int, dict]:
    """Scan ``out/shards`` once: remove temp dirs of an interrupted run, verify each complete shard of the
    run (``verify_shard``), and move aside and delete the damaged ones (they are rendered again).

    Returns shard index -> ``dataset_entry`` of every intact shard. Costs one directory
    listing plus reading the shards present, whatever ``config.n``.
    """
    from handsynth.dataset.integrity import ShardDamaged, verify_shard
    from handsynth.dataset.layout import SHARD_PREFIX, SHARDS_DIR, TMP_PREFIX, shard_ids, shard_name

    shards_dir = out / SHARDS_DIR
    if not shards_dir.is_dir():
        return {}
    remove_temp_shards(out)
    done = {}
    for entry in sorted(os.scandir(shards_dir), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.name.startswith(TMP_PREFIX):
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
            done[shard_index] = dataset_entry(verify_shard(path, shard_index, ids, config.n))
        except ShardDamaged as damage:
            log.warning("%s is damaged (%s): rendering it again", entry.name, damage)
            _remove_dir(path)
    return done


def remove_temp_shards(out: Path) -> None:
    """Remove every ``shards/.tmp-shard-*`` of ``out``: shards a stopped or killed writer left. Only under the
    run's lock and with no worker alive: then no one is writing them."""
    from handsynth.dataset.layout import SHARDS_DIR, TMP_PREFIX

    shards_dir = out / SHARDS_DIR
    if shards_dir.is_dir():
        for entry in os.scandir(shards_dir):
            if entry.name.startswith(TMP_PREFIX):
                shutil.rmtree(entry.path, ignore_errors=True)


def _remove_dir(path: Path) -> None:
    """Remove a shard directory so that its final name is gone first (renamed to a temp name)."""
    from handsynth.dataset.layout import TMP_PREFIX

    aside = path.with_name(f"{TMP_PREFIX}damaged-{uuid.uuid4().hex[:8]}")
    os.rename(path, aside)
    fsync_dir(path.parent)
    shutil.rmtree(aside)
