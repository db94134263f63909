"""The example dataset card in ``docs/example_release/``: a real release of a small raster dataset.

    python scripts/make_example_card.py [--source /tmp/card_src] [--out docs/example_release]

Renders the source with ``handsynth render --backend raster --n 120 --sides right,left --resolution 160
--seed 4`` unless ``--source`` already holds a dataset, releases it with ``handsynth release`` (test 24,
val 10 %, split by subject, every format) into a temporary folder, and keeps only its card (README.md and
card/*.png): the images and exported files are left out of the repository.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RENDER = ["--backend", "raster", "--n", "120", "--sides", "right,left", "--resolution", "160", "--seed", "4"]
RELEASE = [
    "--test",
    "24",
    "--val",
    "0.1",
    "--split-by",
    "subject",
    "--formats",
    "coco,hop,rhd,freihand,webdataset",
]
NOTE = (
    "> **Example card.** Made by `scripts/make_example_card.py`: a real `handsynth release` of a 120-sample "
    "raster dataset. Only the card is kept here, not the images or the exported files it lists."
)


def run(command: list[str]) -> None:
    print("$", shlex.join(command), file=sys.stderr)
    subprocess.run(command, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, default=Path("/tmp/card_src"), help="dataset (rendered if absent)"
    )
    parser.add_argument("--out", type=Path, default=Path("docs/example_release"), help="folder of the card")
    args = parser.parse_args(argv)
    if not (args.source / "dataset.json").is_file():
        run(["handsynth", "render", *RENDER, "--out", str(args.source), "--quiet"])
    from handsynth.dataset.writer import write_text_atomic

    with tempfile.TemporaryDirectory(prefix="handsynth-example-release-") as tmp:
        release = Path(tmp) / "release"
        run(["handsynth", "release", str(args.source), "--out", str(release), *RELEASE])
        shutil.rmtree(args.out, ignore_errors=True)
        args.out.mkdir(parents=True)
        shutil.copy2(release / "README.md", args.out / "README.md")
        shutil.copytree(release / "card", args.out / "card")
    readme = args.out / "README.md"
    title, rest = readme.read_text(encoding="utf-8").split("\n", 1)
    write_text_atomic(readme, f"{title}\n\n{NOTE}\n{rest}")
    sizes = {
        str(p.relative_to(args.out)): p.stat().st_size for p in sorted(args.out.rglob("*")) if p.is_file()
    }
    print(json.dumps(sizes, indent=1))
    print(f"{sum(sizes.values()) / 1e6:.2f} MB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
