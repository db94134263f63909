"""The dataset card of a release: README.md, plots and a sample grid; never bpy, ray or torch.

``write_card`` reads the source dataset in one streaming pass (annotations line by line, two masks per
sample), so its memory does not grow with the number of samples; the grid reads only the images it shows.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from handsynth.dataset.layout import ANNOTATIONS_JSONL, CONFIG_YAML
from handsynth.dataset.reader import Dataset
from handsynth.errors import UserError
from handsynth.files import write_bytes_atomic
from handsynth.release.card_grid import grid_ids, grid_record, write_sample_grid
from handsynth.release.card_stats import NO_SPLIT, CardStats, read_masks, split_of
from handsynth.release.card_text import (
    counts_section,
    distributions_section,
    provenance_section,
    summary_section,
    visibility_section,
)
from handsynth.release.card_usage import (
    citation_section,
    files_section,
    licence_section,
    loading_section,
    scan_release,
    verify_section,
)

log = logging.getLogger(__name__)
CARD_DIR = "card"
README = "README.md"
SPLIT_ORDER = ("train", "val", "test")


def _stream(dataset: Dataset) -> Iterator[tuple[Path, dict]]:
    """(shard folder, annotation) of every sample, one line of annotations.jsonl at a time."""
    for name in dataset.shards:
        shard_dir = dataset.shard_dir(name)
        with open(shard_dir / ANNOTATIONS_JSONL, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield shard_dir, json.loads(line)


def _read_config(source: Path) -> tuple[dict, str]:
    """(parsed, text) of the source's config.yaml; ({}, a note) when it has none."""
    import yaml

    path = source / CONFIG_YAML
    if not path.is_file():
        return {}, "# the source dataset has no config.yaml"
    text = path.read_text(encoding="utf-8")
    parsed = yaml.safe_load(text)
    return (parsed if isinstance(parsed, dict) else {}), text


def _manifest_licences(config: Mapping) -> tuple[dict[str, str], list[str]]:
    """(asset id -> licence, licences of background images) from the run's asset manifest, if readable."""
    from handsynth.assets.manifest import load_manifest

    path = (config.get("manifest") or {}).get("path")
    if not path or not Path(path).is_file():
        return {}, []
    manifest = load_manifest(path)
    licences = {entry.id: entry.license for entry in manifest.entries}
    backgrounds = sorted({entry.license for entry in manifest.by_kind("background_image")})
    return licences, backgrounds


def _ordered_splits(splits: Mapping[str, Sequence[int]]) -> tuple[str, ...]:
    known = [s for s in SPLIT_ORDER if s in splits]
    return tuple(known + sorted(s for s in splits if s not in SPLIT_ORDER))


def _release_generator() -> dict[str, str | None]:
    from handsynth import __version__
    from handsynth.dataset.writer import git_revision

    return {"handsynth": __version__, "git": git_revision()}


def collect_card_stats(
    dataset: Dataset, splits: Mapping[str, Sequence[int]], config: Mapping, grid_split: str | None
) -> tuple[CardStats, dict[int, tuple[Path, dict]]]:
    """One streaming pass over the samples of ``splits``: their ``CardStats`` and the (shard folder,
    annotation) of the few samples the grid shows (drawn from ``grid_split``). Memory: the id -> split map
    and fixed-size histograms; UserError if a split names an id the dataset lacks."""
    names = _ordered_splits(splits)
    owner = split_of(splits, names)
    wanted = int((owner != NO_SPLIT).sum())
    grid_pick = set(grid_ids(splits[grid_split])) if grid_split else set()
    scene = config.get("scene") or {}
    width, height = int(scene.get("width", 320)), int(scene.get("height", 320))
    stats = CardStats(splits=names, image_diagonal_px=float((width**2 + height**2) ** 0.5))
    grid_samples: dict[int, tuple[Path, dict]] = {}
    seen = 0
    progress = _progress(wanted)
    for shard_dir, annotation in _stream(dataset):
        sample_id = int(annotation["id"])
        if sample_id >= len(owner) or owner[sample_id] == NO_SPLIT:
            continue
        seen += 1
        stats.add(annotation, names[owner[sample_id]], read_masks(shard_dir, annotation["files"]))
        if annotation["id"] in grid_pick:
            grid_samples[int(annotation["id"])] = (shard_dir, grid_record(annotation))
        progress.update(1)
    progress.close()
    if seen != wanted:
        raise UserError(
            f"the splits name {wanted - seen} sample ids that {dataset.root} does not have "
            f"(it has ids 0..{dataset.info.get('num_samples', 0) - 1})"
        )
    return stats, grid_samples


def write_card(
    source: Path,
    out: Path,
    splits: Mapping[str, Sequence[int]],
    *,
    command: str,
    formats: Sequence[str],
    options: Mapping[str, object],
) -> Path:
    """Write the dataset card of the release ``out`` of the dataset ``source``; returns README.md's path.

    Args:
        source: a rendered handsynth dataset (dataset.json, config.yaml, shards/).
        out: the release folder (existing); gets ``README.md`` and ``card/*.png``, each written atomically.
        splits: split name ("train", "val", "test") -> sample ids; statistics cover these samples only.
        command: the exact release command line (quoted in the card).
        formats: the exported formats (coco, hop, rhd, freihand, webdataset): the "How to load" section.
        options: the release options (split sizes, split mode, seed ...), listed in the card.

    Deterministic: the same inputs and release folder give a byte-identical README.md. Raises UserError
    when ``source`` is not a dataset, ``out`` is not a folder, or a split names an id the source lacks.
    """
    source, out = Path(source), Path(out)
    if not out.is_dir():
        raise UserError(f"cannot write the dataset card: release folder {out} does not exist")
    dataset = Dataset(source)
    config, config_text = _read_config(source)
    names = _ordered_splits(splits)
    grid_split = "test" if splits.get("test") else next((s for s in names if splits[s]), None)
    stats, grid_samples = collect_card_stats(dataset, splits, config, grid_split)

    card_dir = out / CARD_DIR
    card_dir.mkdir(exist_ok=True)
    from handsynth.release.plots import write_plots

    plots = {name: f"{CARD_DIR}/{file}" for name, file in write_plots(stats, card_dir).items()}
    grid = f"{CARD_DIR}/" + write_sample_grid(
        [grid_samples[i] for i in sorted(grid_samples)], card_dir / "samples.png"
    )
    grid_source = (
        f"{len(grid_samples)} samples of the {grid_split} split, drawn with a fixed seed."
        if grid_split
        else "No samples: the splits are empty."
    )
    backend = str((config.get("render") or {}).get("backend", "?"))
    licences, background_licences = _manifest_licences(config)
    object_sources = [row[0] for row in stats.table("object source")]
    background_sources = [row[0] for row in stats.table("background")]
    folder = ((config.get("scene") or {}).get("background") or {}).get("folder")
    generator = _release_generator()
    found = scan_release(out)
    sections = [
        summary_section(stats, dataset.info, backend, grid, grid_source),
        provenance_section(dataset.info, config, config_text, generator, command, options, formats),
        counts_section(stats),
        visibility_section(stats, plots["visibility"]),
        distributions_section(stats, plots, (config.get("scene") or {}).get("renders_per_grasp")),
        files_section(found),
        loading_section(out, found, formats, names),
        verify_section(),
        licence_section(object_sources, background_sources, licences, folder, background_licences),
        citation_section(generator["handsynth"] or "?"),
    ]
    readme = out / README
    write_bytes_atomic(readme, ("\n\n".join(sections) + "\n").encode("utf-8"))
    return readme


def _progress(total: int):
    """A progress bar on a terminal for a large card; a no-op object otherwise."""
    from tqdm import tqdm

    disable = total < 200 or not sys.stderr.isatty()
    return tqdm(total=total, desc="dataset card", unit="samples", file=sys.stderr, disable=disable)
