"""The example dataset card in ``docs/example_release/``: a small raster dataset, split by subject, carded.

    python scripts/make_example_card.py [--source /tmp/card_src] [--out docs/example_release]

Renders the source with ``handsynth render --backend raster --n 120 --sides right,left --resolution 160
--seed 4`` unless ``--source`` already holds a dataset, splits it by subject (``handsynth.release.splits``
when that module is installed, else the stand-in below: whole subjects, in name order, go to test, then
val, until each holds its share) and writes README.md and card/*.png with ``write_card``. Only the card
is written: the exported formats are described, not produced, so the card says their files are absent.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from collections import Counter
from pathlib import Path

RENDER = ["--backend", "raster", "--n", "120", "--sides", "right,left", "--resolution", "160", "--seed", "4"]
FORMATS = ("coco", "hop", "rhd", "freihand", "webdataset")
TEST_SHARE, VAL_SHARE = 0.2, 0.1
NOTE = (
    "> **Example card.** Made by `scripts/make_example_card.py` from a 120-sample raster dataset split by "
    "subject; only the card is included here, not the images or the exported files."
)


def split_by_subject(source: Path) -> dict[str, list[int]]:
    """Whole subjects (in name order) to test until it holds ``TEST_SHARE`` of the samples, then to val
    until ``VAL_SHARE``, the rest to train: no subject is in two splits. Streams the annotations."""
    from handsynth.dataset.reader import Dataset

    subject_of: dict[int, str] = {}
    for annotation in Dataset(source).iter_annotations():
        subject_of[annotation["id"]] = annotation["hand"]["subject"]
    sizes = Counter(subject_of.values())
    n = len(subject_of)
    owner: dict[str, str] = {}
    filled = Counter()
    for subject in sorted(sizes):
        if filled["test"] < TEST_SHARE * n:
            split = "test"
        elif filled["val"] < VAL_SHARE * n:
            split = "val"
        else:
            split = "train"
        owner[subject] = split
        filled[split] += sizes[subject]
    return {
        split: sorted(i for i, subject in subject_of.items() if owner[subject] == split)
        for split in ("train", "val", "test")
    }


def make_splits(source: Path) -> tuple[dict[str, list[int]], dict[str, object]]:
    """The release's own splitter when it is installed, else ``split_by_subject``; and the options used."""
    try:
        from handsynth.release.splits import make_splits as release_splits
    except ImportError:
        options = {"split_by": "subject", "test": TEST_SHARE, "val": VAL_SHARE, "splitter": "stand-in"}
        return split_by_subject(source), options
    from handsynth.dataset.reader import Dataset

    test = round(TEST_SHARE * len(Dataset(source)))
    splits = release_splits(Dataset(source), test=test, val=VAL_SHARE, split_by="subject", seed=0)
    return {k: list(v) for k, v in splits.items()}, {"split_by": "subject", "test": test, "val": VAL_SHARE}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, default=Path("/tmp/card_src"), help="dataset (rendered if absent)"
    )
    parser.add_argument("--out", type=Path, default=Path("docs/example_release"), help="folder of the card")
    args = parser.parse_args(argv)
    if not (args.source / "dataset.json").is_file():
        command = ["handsynth", "render", *RENDER, "--out", str(args.source), "--quiet"]
        print("$", shlex.join(command), file=sys.stderr)
        subprocess.run(command, check=True)
    from handsynth.dataset.writer import write_text_atomic
    from handsynth.release.card import write_card

    splits, options = make_splits(args.source)
    args.out.mkdir(parents=True, exist_ok=True)
    command = shlex.join(["python", "scripts/make_example_card.py", "--source", str(args.source)])
    readme = write_card(args.source, args.out, splits, command=command, formats=FORMATS, options=options)
    title, rest = readme.read_text(encoding="utf-8").split("\n", 1)
    write_text_atomic(readme, f"{title}\n\n{NOTE}\n{rest}")
    sizes = {p.name: p.stat().st_size for p in sorted(args.out.rglob("*")) if p.is_file()}
    print(json.dumps({"splits": {k: len(v) for k, v in splits.items()}, "bytes": sizes}, indent=1))
    print(f"{sum(sizes.values()) / 1e6:.2f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
