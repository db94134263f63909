"""`handsynth release` throughput and memory: samples/s and peak memory of a release against a plain
``shutil.copytree`` of the same source files (the baseline), in one run, at several dataset sizes.

    python benchmarks/release.py [--source /tmp/rel_src] [--sizes 200 400] [--formats coco,hop,rhd,freihand]

The source is a rendered dataset (made when missing: ``handsynth render --backend raster --n 400 --out
/tmp/rel_src --seed 1 --sides right,left``). A size below the source's is a view of its first shards
(hard links and a rewritten dataset.json). Each release runs in a fresh child process, twice: once timed
(peak RSS from ``getrusage``), once under ``tracemalloc`` (peak of Python allocations: what grows with n if
anything is held per sample). Memory is flat when both peaks stay put as n doubles.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

RENDER = ["--backend", "raster", "--n", "400", "--seed", "1", "--sides", "right,left", "--quiet"]


def _child(source: str, out: str, formats: str, trace: bool) -> None:
    """Run one release in this (child) process; print seconds and peaks as JSON."""
    import tracemalloc

    from handsynth.release.release import ReleaseOptions, parse_formats, release

    if trace:
        tracemalloc.start()
    options = ReleaseOptions(test=40, val=0.05, split_by="subject", formats=parse_formats(formats))
    start = time.perf_counter()
    release(source, out, options)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "tracemalloc_mb": peak and peak / 2**20}))


def _run_child(source: Path, out: Path, formats: str, trace: bool) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(source), str(out), formats, "1" if trace else "0"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _view(source: Path, n: int, root: Path) -> Path:
    """A dataset of the first ``n`` samples of ``source`` (whole shards, hard-linked)."""
    info = json.loads((source / "dataset.json").read_text())
    if n >= info["num_samples"]:
        return source
    view = root / f"source-{n}"
    shutil.rmtree(view, ignore_errors=True)
    shards, count = [], 0
    for shard in info["shards"]:
        if count >= n:
            break
        shutil.copytree(
            source / "shards" / shard["name"], view / "shards" / shard["name"], copy_function=os.link
        )
        shards.append(shard)
        count += shard["num_samples"]
    if count != n:
        raise SystemExit(f"size {n} is not a whole number of shards of {source}")
    shutil.copy(source / "config.yaml", view / "config.yaml")
    (view / "dataset.json").write_text(json.dumps({**info, "num_samples": n, "shards": shards}, indent=2))
    return view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="/tmp/rel_src")
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 400])
    parser.add_argument("--formats", default="coco,hop,rhd,freihand")
    parser.add_argument("--work", default="/tmp/rel_bench", help="scratch folder (same filesystem: links)")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child[:3], trace=args.child[3] == "1")
        return
    source, work = Path(args.source), Path(args.work)
    if not (source / "dataset.json").is_file():
        print(f"rendering the source: handsynth render {' '.join(RENDER)} --out {source}", flush=True)
        subprocess.run(
            [sys.executable, "-m", "handsynth.cli", "render", *RENDER, "--out", str(source)], check=True
        )
    work.mkdir(parents=True, exist_ok=True)
    print(f"formats {args.formats}; --test 40 --val 5% --split-by subject; each release in a fresh process")
    print(
        f"{'n':>5} {'copytree s':>10} {'copy n/s':>9} {'release s':>9} {'release n/s':>11} {'ratio':>6} "
        f"{'peak RSS MB':>11} {'tracemalloc MB':>14}"
    )
    for n in args.sizes:
        src = _view(source, n, work)
        copy_out = work / "copy"
        shutil.rmtree(copy_out, ignore_errors=True)
        start = time.perf_counter()
        shutil.copytree(src / "shards", copy_out)
        copy_s = time.perf_counter() - start
        timed = _run_child(src, work / "rel", args.formats, trace=False)
        traced = _run_child(src, work / "rel", args.formats, trace=True)
        rel_s = timed["seconds"]
        print(
            f"{n:>5} {copy_s:>10.2f} {n / copy_s:>9.0f} {rel_s:>9.2f} {n / rel_s:>11.1f} "
            f"{rel_s / copy_s:>6.1f} {timed['rss_mb']:>11.0f} {traced['tracemalloc_mb']:>14.2f}"
        )
        shutil.rmtree(copy_out, ignore_errors=True)


if __name__ == "__main__":
    main()
