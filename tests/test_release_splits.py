"""Splits: exact sizes, disjoint, reproducible, stratified by category (or balanced per grasp type), and
no subject (or family) shared between splits; on synthetic records and on a rendered dataset."""

from collections import Counter

import numpy as np
import pytest
from test_release_source import source  # noqa: F401  (the session's rendered dataset)

from handsynth.dataset import Dataset
from handsynth.errors import UserError
from handsynth.release.splits import (
    SampleRecord,
    make_splits,
    read_records,
    read_split_file,
    split_records,
    unused_ids,
    write_splits,
)

CATEGORIES = {"cylindrical": ("bottle", "can"), "slender": ("pencil", "fork"), "spherical": ("ball",)}
GRASPS = {"cylindrical": ("power_wrap",), "slender": ("lateral", "pinch"), "spherical": ("tripod",)}


def synthetic_records(n: int = 600, subjects: int = 12, seed: int = 5) -> list[SampleRecord]:
    """Records of a made-up dataset: 8 samples per grasp, as a render makes them; uneven categories."""
    rng = np.random.default_rng(seed)
    names = list(CATEGORIES)
    records = []
    for start in range(0, n, 8):
        category = names[rng.choice(3, p=[0.5, 0.3, 0.2])]
        subject = f"s{rng.integers(subjects):02d}"
        family = CATEGORIES[category][rng.integers(len(CATEGORIES[category]))]
        grasp = GRASPS[category][rng.integers(len(GRASPS[category]))]
        records += [
            SampleRecord(i, subject, family, category, grasp) for i in range(start, min(start + 8, n))
        ]
    return records


def _disjoint(sets) -> bool:
    return all(not (a & b) for k, a in enumerate(sets) for b in sets[k + 1 :])


def _values(records, ids, field):
    by_id = {r.id: getattr(r, field) for r in records}
    return {by_id[i] for i in ids}


@pytest.mark.parametrize("split_by", ["subject", "family", "random"])
def test_splits_are_exact_disjoint_and_cover_the_dataset(split_by):
    records = synthetic_records()
    splits = split_records(records, test=80, val=0.05, split_by=split_by, seed=3)
    assert list(splits) == ["train", "val", "test"]
    assert len(splits["test"]) == 80 and len(splits["val"]) == 30  # 5 % of 600
    sets = [set(ids) for ids in splits.values()]
    assert all(ids == sorted(ids) for ids in splits.values())
    assert _disjoint(sets)
    unused = unused_ids(splits, (r.id for r in records))
    assert sorted(sets[0] | sets[1] | sets[2] | set(unused)) == list(range(600))
    if split_by == "random":
        assert unused == []
    else:  # no subject (family) in two splits, not even through the unused rest
        groups = [_values(records, ids, split_by) for ids in splits.values()]
        assert _disjoint(groups)
        assert not _values(records, splits["train"], split_by) & _values(records, unused, split_by)


@pytest.mark.parametrize("split_by", ["subject", "random"])
def test_splits_are_reproducible_and_depend_on_the_seed(split_by):
    records = synthetic_records()
    first = split_records(records, test=80, val=30, split_by=split_by, seed=7)
    assert split_records(list(records), test=80, val=30, split_by=split_by, seed=7) == first
    assert split_records(records, test=80, val=30, split_by=split_by, seed=8) != first


def test_test_set_is_stratified_by_category():
    records = synthetic_records()
    overall = Counter(r.category for r in records)
    for split_by in ("random", "subject"):
        test = split_records(records, test=100, val=0, split_by=split_by, seed=1)["test"]
        got = Counter(records[i].category for i in test)
        for category, count in overall.items():  # largest-remainder quotas of the dataset's proportions
            assert abs(got[category] - 100 * count / len(records)) < 1.0, (split_by, got, overall)


def test_balance_grasp_gives_equal_test_shares_per_grasp_type():
    records = synthetic_records()
    test = split_records(records, test=60, val=0, split_by="random", seed=2, balance_grasp=True)["test"]
    counts = Counter(records[i].grasp for i in test)
    assert sorted(counts) == ["lateral", "pinch", "power_wrap", "tripod"]
    assert set(counts.values()) == {15}


def test_requests_the_data_cannot_satisfy_are_one_line_user_errors():
    records = synthetic_records(n=40, subjects=2)
    cases = [
        ({"test": 40}, "--test 40 is not less than the dataset's 40 samples"),
        ({"test": 30, "val": 10}, "leave none for train"),
        ({"test": 8, "val": 8, "split_by": "subject"}, "needs at least 3 subjects"),
        ({"test": 8, "split_by": "planet"}, "unknown split mode 'planet'"),
        ({"test": 8, "val": 1.5}, "val size as a fraction must be in [0, 1)"),
    ]
    for kwargs, message in cases:
        with pytest.raises(UserError) as error:
            split_records(records, **kwargs)
        assert message in str(error.value) and "\n" not in str(error.value)


def test_make_splits_on_a_rendered_dataset_and_the_split_files(source, tmp_path):  # noqa: F811
    dataset = Dataset(source)
    records = read_records(dataset)
    assert [r.id for r in records] == list(range(24))
    splits = make_splits(dataset, test=4, val=4, split_by="subject", seed=0)
    assert splits == make_splits(source, test=4, val=4, split_by="subject", seed=0)  # path or Dataset
    subjects = [{a["hand"]["subject"] for a in map(dataset.annotation, ids)} for ids in splits.values()]
    assert (
        not (subjects[0] & subjects[1])
        and not (subjects[0] & subjects[2])
        and not (subjects[1] & subjects[2])
    )
    assert len(splits["test"]) == 4 and len(splits["val"]) == 4
    unused = unused_ids(splits, range(24))
    folder = write_splits(tmp_path, splits, range(24))
    assert sorted(p.name for p in folder.iterdir()) == ["test.txt", "train.txt", "unused.txt", "val.txt"]
    for name in ("train", "val", "test"):
        assert read_split_file(folder / f"{name}.txt") == splits[name]
    assert (
        read_split_file(folder / "unused.txt")
        == unused
        == sorted(set(range(24)) - {i for v in splits.values() for i in v})
    )
