"""`handsynth release` as a function: check the request, write ``release.json`` first, then the splits, every
export in one streaming pass over the annotations, the dataset card and ``SHA256SUMS``; numpy, Pillow and
json only (matplotlib inside the card), never bpy, ray or torch.

Rerunning with the same arguments on the same ``--out`` resumes: outputs already complete are kept
(each is written under a temporary name and renamed) and the rest is written; the result is byte-identical
to an uninterrupted release. Other arguments on the same ``--out`` are refused. Every user mistake is
found before anything is written, so a refused request leaves nothing behind.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from handsynth.errors import UserError
from handsynth.release import coco, freihand, hop, rhd, webdataset
from handsynth.release.outputs import TMP_PREFIX, SampleFiles, tmp_path, write_atomic
from handsynth.release.splits import (
    SPLIT_MODES,
    SPLIT_NAMES,
    read_records,
    split_records,
    unused_ids,
    write_splits,
)

log = logging.getLogger(__name__)

FORMATS = ("coco", "hop", "rhd", "freihand", "webdataset")
DEFAULT_FORMATS = ("coco", "hop", "rhd", "freihand")
MANIFEST = "release.json"
CHECKSUMS = "SHA256SUMS"
RELEASE_FORMAT = "handsynth-release/1"
EXPORTERS = {"coco": coco, "hop": hop, "rhd": rhd, "freihand": freihand, "webdataset": webdataset}


@dataclass(frozen=True, kw_only=True)
class ReleaseOptions:
    """Everything that decides a release's content (a rerun with other options is refused)."""

    test: int = 800
    """Test samples (HOP kept 800)."""
    val: float | int = 0.05
    """Validation samples: a fraction of the dataset (float < 1) or a count (int)."""
    split_by: str = "subject"
    """subject | family | random: no subject (or object family) is shared between splits, or none."""
    seed: int = 0
    """Seed of the split."""
    balance_grasp: bool = False
    """Equal test shares per grasp type instead of the category proportions."""
    formats: tuple[str, ...] = field(default=DEFAULT_FORMATS)
    """Exports, a subset of FORMATS."""
    shard_size: int = webdataset.DEFAULT_SHARD_SIZE
    """Samples per WebDataset tar shard."""


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"coco,rhd"`` or a sequence -> formats in canonical order; UserError naming an unknown one."""
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise UserError(f"unknown format {(unknown or [''])[0]!r}; valid: {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in names)


def check_options(options: ReleaseOptions) -> None:
    """UserError (one line) for an option that no dataset could satisfy."""
    parse_formats(options.formats)
    if options.split_by not in SPLIT_MODES:
        raise UserError(f"unknown --split-by {options.split_by!r}; valid: {', '.join(SPLIT_MODES)}")
    if options.shard_size < 1:
        raise UserError(f"--shard-size must be at least 1, got {options.shard_size}")
    if options.seed < 0:
        raise UserError(f"--seed must be a non-negative integer, got {options.seed}")


def command_line(source: Path, out: Path, options: ReleaseOptions) -> str:
    """The `handsynth release` command that makes this release."""
    parts = [
        f"handsynth release {source} --out {out} --test {options.test} --val {options.val}",
        f"--split-by {options.split_by} --seed {options.seed} --formats {','.join(options.formats)}",
    ]
    if options.balance_grasp:
        parts.append("--balance-grasp")
    if "webdataset" in options.formats and options.shard_size != webdataset.DEFAULT_SHARD_SIZE:
        parts.append(f"--shard-size {options.shard_size}")
    return " ".join(parts)


def _manifest(dataset, options: ReleaseOptions) -> dict:
    from handsynth.dataset.layout import DATASET_JSON
    from handsynth.files import sha256_file

    return {
        "format": RELEASE_FORMAT,
        "source": {
            "dataset_json_sha256": sha256_file(dataset.root / DATASET_JSON),
            "format": dataset.format,
            "num_samples": dataset.info.get("num_samples"),
        },
        "options": {**asdict(options), "formats": list(options.formats)},
    }


def _check_out(source: Path, out: Path, manifest: dict) -> bool:
    """True when ``out`` is a release of these arguments to resume, False when it is new or empty;
    UserError when it is the source, lies inside it, is not a folder, or holds something else."""
    src = source.resolve()
    dst = out.resolve()
    if dst == src or src in dst.parents:
        raise UserError(f"--out {out} is inside the source dataset {source}; a release never writes there")
    if not out.exists():
        return False
    if not out.is_dir():
        raise UserError(f"--out {out} exists and is not a folder")
    path = out / MANIFEST
    if path.is_file():
        try:
            existing = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            existing = None
        if existing != manifest:
            raise UserError(
                f"--out {out} holds a release of other arguments or another dataset (see its {MANIFEST}); "
                "rerun with the same arguments to finish it, or choose a new --out"
            )
        return True
    if any(out.iterdir()):
        raise UserError(f"--out {out} is not empty and holds no {MANIFEST}; choose a new or empty folder")
    return False


def _open_writer(fmt: str, out: Path, split: str, dataset, options: ReleaseOptions, digits: int):
    """The split writer of one format (``add(rank, sample)``, ``close()``), or None if nothing is left."""
    if fmt == "coco":
        return coco.open_split(out, split, digits)
    if fmt == "hop":
        return hop.open_split(out, split)
    if fmt == "rhd":
        return rhd.open_split(out, split, dataset.depth_unit_m)
    if fmt == "freihand":
        return freihand.open_split(out, split)
    return webdataset.open_split(out, split, digits, options.shard_size)


def export(
    dataset,
    out: Path,
    splits: Mapping[str, Sequence[int]],
    options: ReleaseOptions,
    *,
    progress: bool = False,
) -> None:
    """Every format of ``options`` for every non-empty split, in one pass over the annotations in id order
    (one shard's annotations in memory at a time). On a rerun, every file already complete is kept
    (images, masks, HOP files, WebDataset shards) and the small annotation files are written again."""
    from tqdm import tqdm

    from handsynth.dataset.layout import sample_digits
    from handsynth.dataset.reader import read_annotations

    digits = sample_digits(int(dataset.info.get("num_samples") or len(dataset)))
    ids = [i for name in SPLIT_NAMES for i in splits[name]]
    split_of = np.full(max(ids) + 1, -1, dtype=np.int8)
    for k, name in enumerate(SPLIT_NAMES):
        split_of[np.asarray(splits[name], dtype=np.int64)] = k
    writers = {
        name: [w for fmt in options.formats if (w := _open_writer(fmt, out, name, dataset, options, digits))]
        for name in SPLIT_NAMES
        if splits[name]
    }
    for fmt in options.formats:
        write_atomic(out / fmt / "README.md", format_readme(fmt).encode())
    if "coco" in options.formats:
        coco.write_config_snippet(out, tuple(name for name in SPLIT_NAMES if splits[name]))
    rank = dict.fromkeys(SPLIT_NAMES, 0)
    with tqdm(total=len(ids), disable=not progress, unit="sample", desc="release") as bar:
        for shard in dataset.shards:
            shard_dir = dataset.shard_dir(shard)
            for annotation in sorted(read_annotations(shard_dir), key=lambda a: a["id"]):
                sample_id = int(annotation["id"])
                if sample_id >= len(split_of) or split_of[sample_id] < 0:
                    continue
                name = SPLIT_NAMES[split_of[sample_id]]
                if writers[name]:
                    sample = SampleFiles(shard_dir, annotation)
                    for writer in writers[name]:
                        writer.add(rank[name], sample)
                rank[name] += 1
                bar.update(1)
    for split_writers in writers.values():
        for writer in split_writers:
            writer.close()


def _walk(root: Path, prefix: str = ""):
    """Relative posix paths of the files under ``root``, depth first, each folder's entries sorted by
    name; only one folder's listing is held at a time (a release has folders of many thousand files)."""
    with os.scandir(root) as entries:
        names = sorted((e.name, e.is_dir(follow_symlinks=False)) for e in entries)
    for name, is_dir in names:
        if is_dir:
            yield from _walk(root / name, f"{prefix}{name}/")
        else:
            yield prefix + name


def format_readme(fmt: str) -> str:
    """``<format>/README.md``: the layout of one export and what differs from the original data set (its
    exporter's docstring after the first paragraph, which is about code, not data)."""
    module = EXPORTERS[fmt]
    text = module.__doc__.split("\n\n", 1)[1].replace("``", "`")
    return f"# {fmt}: {module.TITLE}\n\n{text.strip()}\n\n{module.NOTES}\n"


def write_checksums(out: Path) -> Path:
    """``SHA256SUMS`` in ``sha256sum -c`` form: every file of the release but itself and temporaries, by
    relative path; streamed to a temporary file, then renamed."""
    from handsynth.files import sha256_file

    path = out / CHECKSUMS
    tmp = tmp_path(path)
    with open(tmp, "w", encoding="utf-8") as f:
        for name in _walk(out):
            if name != CHECKSUMS and not name.rsplit("/", 1)[-1].startswith(TMP_PREFIX):
                f.write(f"{sha256_file(out / name)}  {name}\n")
    os.replace(tmp, path)
    return path


def _write_card(
    source: Path, out: Path, splits, command: str, options: ReleaseOptions, unused: int
) -> Path | None:
    """The dataset card (``handsynth.release.card``) when that module is installed; None without it."""
    import importlib

    try:
        card = importlib.import_module("handsynth.release.card")
    except ModuleNotFoundError as error:
        if error.name != "handsynth.release.card":
            raise
        log.warning("no handsynth.release.card: the release has no README.md card")
        return None
    card_options = {**asdict(options), "formats": list(options.formats), "unused": unused}
    formats = options.formats
    return card.write_card(source, out, splits, command=command, formats=formats, options=card_options)


def _remove_temporaries(out: Path) -> None:
    """Delete what an interrupted run left under temporary names (``.tmp-*``)."""
    for name in list(n for n in _walk(out) if n.rsplit("/", 1)[-1].startswith(TMP_PREFIX)):
        (out / name).unlink()


def release(
    source: str | Path,
    out: str | Path,
    options: ReleaseOptions | None = None,
    *,
    command: str | None = None,
    progress: bool = False,
) -> dict[str, list[int]]:
    """Release the dataset at ``source`` into ``out``; returns the splits. See the module docstring.

    Raises UserError (one line, nothing written) for a bad request: unknown format, a split the data
    cannot satisfy, a non-dataset source, an ``out`` that holds something else or another release.
    """
    from handsynth.dataset.reader import Dataset

    options = options or ReleaseOptions()
    check_options(options)
    options = ReleaseOptions(**{**asdict(options), "formats": parse_formats(options.formats)})
    source, out = Path(source), Path(out)
    dataset = Dataset(source)
    manifest = _manifest(dataset, options)
    resuming = _check_out(source, out, manifest)
    records = read_records(dataset)
    splits = split_records(
        records,
        test=options.test,
        val=options.val,
        split_by=options.split_by,
        seed=options.seed,
        balance_grasp=options.balance_grasp,
    )
    unused = unused_ids(splits, (r.id for r in records))
    out.mkdir(parents=True, exist_ok=True)
    if not resuming:
        write_atomic(out / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    write_splits(out, splits, (r.id for r in records))
    del records
    export(dataset, out, splits, options, progress=progress)
    _write_card(source, out, splits, command or command_line(source, out, options), options, len(unused))
    _remove_temporaries(out)
    write_checksums(out)
    return splits
