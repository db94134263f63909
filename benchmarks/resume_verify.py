"""Cost of the resume check: ``verify_shard`` (file set, sha256 of every file, annotations) per shard.

    python benchmarks/resume_verify.py DATASET [--repeat 5]

Times every complete shard of DATASET with a warm page cache and, where the OS lets us drop a file's
pages (posix_fadvise DONTNEED), with a cold one; prints ms per shard, ms per sample and MB/s.
"""

import argparse
import json
import os
import time
from pathlib import Path

from handsynth.dataset.integrity import verify_shard
from handsynth.dataset.reader import list_shard_dirs


def _drop_cache(shard_dir: Path) -> bool:
    if not hasattr(os, "posix_fadvise"):
        return False
    for path in shard_dir.iterdir():
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = Path(args.dataset)
    info = json.loads((root / "dataset.json").read_text())
    n = info["num_samples"]
    for shard_dir in list_shard_dirs(root):
        shard = json.loads((shard_dir / "shard.json").read_text())
        first, last = shard["ids"]
        ids = range(first, last + 1)
        index = int(shard_dir.name.split("-")[1])
        megabytes = sum(p.stat().st_size for p in shard_dir.iterdir()) / 1e6
        for label, cold in (("warm", False), ("cold", True)):
            times = []
            for _ in range(args.repeat):
                if cold and not _drop_cache(shard_dir):
                    break
                start = time.perf_counter()
                verify_shard(shard_dir, index, ids, n)
                times.append(time.perf_counter() - start)
            if times:
                best = min(times)
                print(
                    f"{shard_dir.name} ({len(ids)} samples, {megabytes:.1f} MB) {label}: "
                    f"{best * 1e3:.1f} ms/shard, {best * 1e3 / len(ids):.2f} ms/sample, "
                    f"{megabytes / best:.0f} MB/s"
                )


if __name__ == "__main__":
    main()
