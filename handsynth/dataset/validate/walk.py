"""``validate_dataset``: walk a dataset's shards and samples through every check; never bpy, ray or torch."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from tqdm import tqdm

from handsynth.conventions import DEPTH_UNIT_M
from handsynth.dataset.layout import (
    ANNOTATIONS_JSONL,
    DATASET_JSON,
    FORMAT,
    FORMAT_1,
    SHARD_JSON,
    SHARDS_DIR,
)
from handsynth.dataset.validate.fields import NUMBER, field_problems, type_ok
from handsynth.dataset.validate.report import ValidationReport
from handsynth.dataset.validate.sample import check_sample
from handsynth.dataset.validate.structure import (
    ShardFiles,
    check_dataset_json,
    check_shard_json,
    load_images,
    read_json,
    read_lines,
    scan_shards_dir,
)
from handsynth.errors import UserError


def _check_shard(
    shard_dir: Path,
    num_samples: int,
    depth_unit_m: float,
    dataset_format: str,
    report: ValidationReport,
    seen_ids: list[int],
    categories: Counter,
    progress,
) -> dict:
    """Check one shard; returns its shard.json dict ({} when unusable)."""
    shard = check_shard_json(shard_dir, report)
    files = ShardFiles(shard_dir)
    lines = read_lines(files, report)
    ids_here = []
    for line in lines:
        progress.update(1)
        problems = [line] if isinstance(line, str) else field_problems(line)
        has_id = isinstance(line, dict) and type_ok(line.get("id"), int)
        where = f"id {line['id']}" if has_id else shard_dir.name
        # Ids and categories count even when other fields are bad, so one bad field fails one check.
        if has_id:
            ids_here.append(line["id"])
        obj = line.get("object") if isinstance(line, dict) else None
        if isinstance(obj, dict) and isinstance(obj.get("category"), str):
            categories[obj["category"]] += 1
        message = line if isinstance(line, str) else f"{where}: {'; '.join(problems[:3])}"
        if not report.expect("annotation fields", not problems, message):
            continue
        raw = load_images(files, line, num_samples, report)
        check_sample(line, raw, depth_unit_m, dataset_format, report)
    seen_ids += ids_here
    report.expect(
        "ids", ids_here == sorted(ids_here), f"{shard_dir.name}: ids not ascending in {ANNOTATIONS_JSONL}"
    )

    if shard:
        count_problems = []
        if shard.get("num_samples") != len(lines):
            count_problems.append(f"{len(lines)} annotations but num_samples {shard.get('num_samples')}")
        ids = [ids_here[0], ids_here[-1]] if ids_here else None
        if shard.get("ids") != ids:
            count_problems.append(f"ids {shard.get('ids')} but annotations span {ids}")
        report.expect(
            "annotation count", not count_problems, f"{shard_dir.name}: {'; '.join(count_problems)}"
        )

    present = {p.name for p in shard_dir.iterdir() if p.name != SHARD_JSON}
    listed = dict(shard.get("files", {}))
    for name in sorted(present | set(listed)):
        in_list, on_disk = name in listed, name in present
        problem = "listed in shard.json but missing" if in_list else "present but not listed in shard.json"
        report.expect("shard files", in_list and on_disk, f"{shard_dir.name}/{name} {problem}")
        if in_list and on_disk:
            if name not in files.hashes:
                try:
                    files.read(name)
                except OSError as error:
                    report.fail("sha256", f"{shard_dir.name}/{name}: unreadable ({error.strerror})")
                    continue
            report.expect(
                "sha256", files.hashes[name] == listed[name], f"{shard_dir.name}/{name}: sha256 differs"
            )
    return shard


def _id_ranges(ids: list[int], limit: int = 5) -> str:
    ranges, start = [], None
    for i, value in enumerate(ids):
        if start is None:
            start = value
        if i + 1 == len(ids) or ids[i + 1] != value + 1:
            ranges.append(str(start) if start == value else f"{start}..{value}")
            start = None
    return ", ".join(ranges[:limit]) + (" ..." if len(ranges) > limit else "")


def validate_dataset(path: str | Path, max_examples: int = 5) -> ValidationReport:
    """Check the dataset at ``path`` against every invariant of its format (``handsynth/1.1``; a
    ``handsynth/1`` dataset by version 1's rules: fingertips by the 25 mm bound of inner joints).

    Returns a ValidationReport (``.ok``, ``.format()``, ``.checks``). Raises UserError when ``path`` is not a
    handsynth dataset (not a directory, neither dataset.json nor shards/, or dataset.json of another format).
    A progress bar goes to stderr for 50 samples or more when it is a terminal.
    """
    root = Path(path)
    if not root.is_dir():
        raise UserError(f"{root} is not a directory")
    if not (root / DATASET_JSON).exists() and not (root / SHARDS_DIR).is_dir():
        raise UserError(f"{root} is not a handsynth dataset: it has no {DATASET_JSON} and no {SHARDS_DIR}/")
    report = ValidationReport(root, max_examples)
    info = check_dataset_json(root, report)
    unit = info.get("depth_unit_m")
    depth_unit_m = float(unit) if type_ok(unit, NUMBER) and unit > 0 else DEPTH_UNIT_M
    # A handsynth/1 dataset is checked by its own rules (fingertips by the 25 mm bound); anything else,
    # an unreadable dataset.json included, by the current format's.
    dataset_format = FORMAT_1 if info.get("format") == FORMAT_1 else FORMAT
    shard_dirs = scan_shards_dir(root, report)
    num_samples = info.get("num_samples") if type_ok(info.get("num_samples"), int) else None
    if num_samples is None:  # fall back on the shard.json counts so file names can still be checked
        counts = [read_json(d / SHARD_JSON) for d in shard_dirs]
        num_samples = sum(c.get("num_samples", 0) for c in counts if isinstance(c, dict))

    seen_ids: list[int] = []
    categories: Counter = Counter()
    shard_counts = {}
    disable = num_samples < 50 or not sys.stderr.isatty()
    with tqdm(
        total=num_samples, desc="validate", unit="samples", file=sys.stderr, disable=disable
    ) as progress:
        for shard_dir in shard_dirs:
            shard = _check_shard(
                shard_dir, num_samples, depth_unit_m, dataset_format, report, seen_ids, categories, progress
            )
            shard_counts[shard_dir.name] = shard.get("num_samples")

    listed = info.get("shards") if isinstance(info.get("shards"), list) else []
    listed = {s["name"]: s.get("num_samples") for s in listed if isinstance(s, dict) and "name" in s}
    for name in sorted(set(listed) | set(shard_counts)):
        if name not in shard_counts:
            report.fail("shards listed", f"{name} listed in {DATASET_JSON} but missing")
        elif name not in listed:
            report.fail("shards listed", f"{name} present but not listed in {DATASET_JSON}")
        else:
            report.expect(
                "shards listed",
                listed[name] == shard_counts[name],
                f"{name}: {DATASET_JSON} says {listed[name]} samples, shard.json {shard_counts[name]}",
            )

    counts = Counter(seen_ids)
    duplicated = sorted(i for i, c in counts.items() if c > 1)
    missing = sorted(set(range(num_samples)) - set(counts))
    stray = sorted(i for i in counts if not 0 <= i < num_samples)
    report.passed("ids", num_samples - len(missing))
    if missing:
        report.fail("ids", f"{len(missing)} ids missing: {_id_ranges(missing)}", count=len(missing))
    if duplicated:
        report.fail(
            "ids",
            f"{len(duplicated)} ids appear more than once: {_id_ranges(duplicated)}",
            count=len(duplicated),
        )
    if stray:
        report.fail(
            "ids", f"{len(stray)} ids outside [0, {num_samples}): {_id_ranges(stray)}", count=len(stray)
        )

    if info:
        report.expect(
            "dataset totals",
            info.get("num_samples") == len(seen_ids),
            f"{DATASET_JSON} num_samples {info.get('num_samples')} but {len(seen_ids)} annotations",
        )
        report.expect(
            "dataset totals",
            info.get("categories") == dict(categories),
            f"{DATASET_JSON} categories {info.get('categories')} but annotations count {dict(categories)}",
        )
    report.num_samples, report.num_shards = len(seen_ids), len(shard_dirs)
    return report
