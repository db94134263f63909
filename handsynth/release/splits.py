"""Train/val/test splits of a dataset: deterministic, stratified by object category, optionally disjoint in
subjects or object families; numpy only, never bpy, ray or torch.

A split is chosen from small per-sample records (id, subject, family, category, grasp type) read in one
streaming pass, never from whole annotations. In the grouped modes ("subject", "family") every group goes
to exactly one split, so the test set measures generalisation to unseen subjects (or objects). Test and
val hold exactly the requested number of samples; in the grouped modes, samples of a test or val group
beyond that number go to no split (``unused_ids``) rather than leak the group into train.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from handsynth.errors import UserError

SPLIT_NAMES = ("train", "val", "test")
SPLIT_MODES = ("subject", "family", "random")
SPLITS_DIR = "splits"


@dataclass(frozen=True, slots=True)
class SampleRecord:
    """What a split needs of one sample (about 100 bytes: a 100k-sample dataset is a few MB)."""

    id: int
    subject: str
    family: str
    category: str
    grasp: str


def record_of(annotation: Mapping) -> SampleRecord:
    """The SampleRecord of one annotation (strings interned: a dataset repeats a few values many times)."""
    return SampleRecord(
        id=int(annotation["id"]),
        subject=sys.intern(str(annotation["hand"]["subject"])),
        family=sys.intern(str(annotation["object"]["family"])),
        category=sys.intern(str(annotation["object"]["category"])),
        grasp=sys.intern(str(annotation.get("grasp", {}).get("type", "unknown"))),
    )


def read_records(dataset) -> list[SampleRecord]:
    """SampleRecords of every sample of a ``handsynth.dataset.Dataset``, in id order (one streaming pass)."""
    return [record_of(a) for a in dataset.iter_annotations()]


def resolve_count(value: float | int, total: int, name: str) -> int:
    """A split size: an int is a count, a float in [0, 1) a fraction of ``total`` (rounded)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"{name} must be a count or a fraction, got {value!r}")
    if isinstance(value, float) and not value.is_integer():
        if not 0.0 <= value < 1.0:
            raise UserError(f"{name} as a fraction must be in [0, 1), got {value}")
        return round(value * total)
    if value < 0:
        raise UserError(f"{name} must not be negative, got {int(value)}")
    return int(value)


def _quotas(keys: Sequence[str], weights: Mapping[str, float], size: int) -> dict[str, int]:
    """Largest-remainder integer quotas per key, proportional to ``weights``, summing to ``size``."""
    total = sum(weights[k] for k in keys)
    exact = {k: size * weights[k] / total for k in keys}
    quotas = {k: int(np.floor(v)) for k, v in exact.items()}
    by_remainder = sorted(keys, key=lambda k: (quotas[k] - exact[k], k))
    for k in by_remainder[: size - sum(quotas.values())]:
        quotas[k] += 1
    return quotas


def _target(records: Sequence[SampleRecord], size: int, balance_grasp: bool) -> tuple[str, dict[str, int]]:
    """(record field that stratifies, quota per value): categories in the dataset's proportions, or equal
    shares per grasp type."""
    field = "grasp" if balance_grasp else "category"
    counts: dict[str, int] = {}
    for r in records:
        counts[getattr(r, field)] = counts.get(getattr(r, field), 0) + 1
    keys = sorted(counts)
    weights = {k: 1.0 for k in keys} if balance_grasp else {k: float(counts[k]) for k in keys}
    return field, _quotas(keys, weights, size)


def _pick(
    pool: Sequence[SampleRecord], field: str, quotas: Mapping[str, int], size: int, rng: np.random.Generator
) -> list[int]:
    """Exactly ``size`` ids from ``pool``: each stratum's quota where the pool has it, the shortfall filled
    from the rest of the pool at random (so a stratum the pool lacks does not shrink the split)."""
    strata: dict[str, list[int]] = {}
    for r in pool:
        strata.setdefault(getattr(r, field), []).append(r.id)
    chosen, rest = [], []
    for key in sorted(strata):
        ids = np.asarray(strata[key], dtype=np.int64)[rng.permutation(len(strata[key]))]
        take = min(quotas.get(key, 0), len(ids))
        chosen += ids[:take].tolist()
        rest += ids[take:].tolist()
    rest_sorted = np.sort(np.asarray(rest, dtype=np.int64))
    chosen += rest_sorted[rng.permutation(len(rest_sorted))][: size - len(chosen)].tolist()
    return sorted(chosen)


def _choose_groups(
    groups: Mapping[str, list[SampleRecord]],
    order: Sequence[str],
    field: str,
    quotas: Mapping[str, int],
    size: int,
    reserve: int,
) -> list[str]:
    """Groups whose samples cover ``size`` and each stratum's quota, greedily: the group that fills most of
    the remaining deficit first (ties: the seeded ``order``), keeping ``reserve`` groups for later splits."""
    keys = sorted(quotas)
    counts = np.array([[sum(getattr(r, field) == k for r in groups[g]) for k in keys] for g in order])
    deficit = np.array([quotas[k] for k in keys], dtype=np.int64)
    left = list(range(len(order)))
    chosen, pool = [], 0
    while left and (pool < size or (deficit > 0).any()):
        if len(left) <= reserve:
            if pool < size:
                return []
            break
        score = np.minimum(counts[left], np.maximum(deficit, 0)).sum(axis=1)
        if pool >= size and score.max() == 0:
            break
        best = left[int(np.argmax(score))] if score.max() > 0 else left[0]
        left.remove(best)
        chosen.append(order[best])
        deficit = deficit - counts[best]
        pool += len(groups[order[best]])
    return chosen if pool >= size else []


def split_records(
    records: Sequence[SampleRecord],
    *,
    test: int = 800,
    val: float | int = 0.05,
    split_by: str = "subject",
    seed: int = 0,
    balance_grasp: bool = False,
) -> dict[str, list[int]]:
    """{"train", "val", "test"} -> sorted sample ids, from records (see ``make_splits``)."""
    if split_by not in SPLIT_MODES:
        raise UserError(f"unknown split mode {split_by!r}; valid: {', '.join(SPLIT_MODES)}")
    n = len(records)
    n_test = resolve_count(test, n, "test size")
    n_val = resolve_count(val, n, "val size")
    if n_test >= n:
        raise UserError(f"--test {n_test} is not less than the dataset's {n} samples")
    if n_test + n_val >= n:
        raise UserError(
            f"test ({n_test}) + val ({n_val}) samples leave none for train: the dataset has {n} samples"
        )
    rng = np.random.default_rng([int(seed), 14])
    field_test, quotas_test = _target(records, n_test, balance_grasp)
    field_val, quotas_val = _target(records, n_val, False)
    if split_by == "random":
        test_ids = _pick(records, field_test, quotas_test, n_test, rng)
        taken = set(test_ids)
        val_ids = _pick([r for r in records if r.id not in taken], field_val, quotas_val, n_val, rng)
        taken |= set(val_ids)
        return {"train": [r.id for r in records if r.id not in taken], "val": val_ids, "test": test_ids}

    groups: dict[str, list[SampleRecord]] = {}
    for r in records:
        groups.setdefault(getattr(r, split_by), []).append(r)
    names = sorted(groups)
    order = [names[i] for i in rng.permutation(len(names))]
    needed = 1 + (n_test > 0) + (n_val > 0)
    if len(groups) < needed:
        raise UserError(
            f"--split-by {split_by} needs at least {needed} {split_by}s (one per non-empty split) but the "
            f"dataset has {len(groups)}; use --split-by random, or --val 0"
        )
    result: dict[str, list[int]] = {}
    for name, size, field, quotas, reserve in (
        ("test", n_test, field_test, quotas_test, 1 + (n_val > 0)),
        ("val", n_val, field_val, quotas_val, 1),
    ):
        if size == 0:
            result[name] = []
            continue
        chosen = _choose_groups(groups, order, field, quotas, size, reserve)
        if not chosen:
            raise UserError(
                f"a {name} split of {size} samples with no {split_by} shared needs more data: the "
                f"{split_by}s left after it would not keep one for train; lower --test/--val or use "
                "--split-by random"
            )
        pool = [r for g in chosen for r in groups[g]]
        result[name] = _pick(pool, field, quotas, size, rng)
        taken = set(chosen)
        order = [g for g in order if g not in taken]
    result["train"] = sorted(r.id for g in order for r in groups[g])
    return {name: result[name] for name in SPLIT_NAMES}


def make_splits(
    dataset,
    test: int = 800,
    val: float | int = 0.05,
    split_by: str = "subject",
    seed: int = 0,
    balance_grasp: bool = False,
) -> dict[str, list[int]]:
    """Deterministic train/val/test split of a dataset: {"train", "val", "test"} -> sorted sample ids.

    dataset: a ``handsynth.dataset.Dataset`` (or its path); its annotations are streamed once.
    test: number of test samples (HOP kept 800). val: a fraction of the dataset (float < 1) or a count.
    split_by: "subject" (no subject in two splits), "family" (no object family in two splits) or
    "random" (sample by sample). seed: the same seed and data give the same split.
    balance_grasp: the test set gets equal shares per grasp type instead of the category proportions.
    Raises UserError (one line) when the data cannot satisfy the request.
    """
    if isinstance(dataset, str | Path):
        from handsynth.dataset.reader import Dataset

        dataset = Dataset(dataset)
    return split_records(
        read_records(dataset), test=test, val=val, split_by=split_by, seed=seed, balance_grasp=balance_grasp
    )


def unused_ids(splits: Mapping[str, Iterable[int]], ids: Iterable[int]) -> list[int]:
    """Ids in no split: the rest of the test and val groups in the grouped modes."""
    used = {i for name in SPLIT_NAMES for i in splits[name]}
    return sorted(i for i in ids if i not in used)


def split_files(splits: Mapping[str, Sequence[int]], unused: Sequence[int]) -> dict[str, bytes]:
    """Contents of ``splits/{train,val,test,unused}.txt``: one sample id a line, ascending."""
    out = {f"{name}.txt": "".join(f"{i}\n" for i in splits[name]).encode() for name in SPLIT_NAMES}
    out["unused.txt"] = "".join(f"{i}\n" for i in unused).encode()
    return out


def write_splits(out: str | Path, splits: Mapping[str, Sequence[int]], ids: Iterable[int]) -> Path:
    """Write ``out/splits/{train,val,test,unused}.txt`` (each atomically; ``ids``: every sample id of the
    dataset, for ``unused.txt``); returns the folder."""
    from handsynth.release.outputs import write_atomic

    folder = Path(out) / SPLITS_DIR
    for name, data in split_files(splits, unused_ids(splits, ids)).items():
        write_atomic(folder / name, data)
    return folder


def read_split_file(path: str | Path) -> list[int]:
    """The ids of one ``splits/<name>.txt``."""
    return [int(line) for line in Path(path).read_text(encoding="ascii").split()]
