"""Check that grasp synthesis is unchanged: one sha256 digest per grasp, compared against a saved run.

Run from the repository root with the project's environment::

    python benchmarks/synthesis_identity.py --out before.json            # on the untouched code
    python benchmarks/synthesis_identity.py --out after.json --against before.json
    python benchmarks/synthesis_identity.py --seeds 2 3 --n 40 --side left --out left.json

Runs ``sample_grasp(seed, k, all families, side=--side)`` with no simulation for every seed of
``--seeds`` (default 0 1) and ``k < --n`` (default 60) and digests each grasp: the object's description
(family, category, dimensions, materials) and parts' repr, the subject id, side and grasp type, the
pose angles and ``T_object_hand`` as float64 bytes, the quality figures' ``repr`` (full float
precision), the candidate counts, and the record ``handsynth.grasp.export.grasp_record`` writes to
``grasps.jsonl``. A speed-up is only kept when every digest matches the untouched code's, byte for
byte. ``--against`` prints each grasp that differs and exits 1 if any does (0 when all match). Run the
untouched code by pointing PYTHONPATH at a checkout of it (``git archive <commit> handsynth``).
numpy and the project only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time


def grasp_digest(k: int, seed: int, grasp, stats) -> str:
    """sha256 hex digest of everything that makes grasp ``k`` of run ``seed`` what it is."""
    import numpy as np

    from handsynth.grasp.export import grasp_record

    h = hashlib.sha256()
    h.update(json.dumps(grasp.object.describe(), sort_keys=True).encode())
    h.update(repr(grasp.object.parts).encode())
    h.update(f"{grasp.subject.id}|{grasp.side}|{grasp.grasp_type}|{grasp.attempts}".encode())
    h.update(np.asarray(grasp.pose.angles_rad, dtype=np.float64).tobytes())
    h.update(np.asarray(grasp.T_object_hand, dtype=np.float64).tobytes())
    h.update(repr(grasp.quality).encode())
    h.update(f"{stats.candidates}|{stats.accepted}|{sorted(stats.rejected.items())}".encode())
    h.update(json.dumps(grasp_record(k, grasp, stats, seed), sort_keys=True).encode())
    return h.hexdigest()


def run(seeds: list[int], n: int, side: str = "right") -> dict[str, str]:
    """``{"seed/k": digest}`` over every seed and ``k < n`` (all families, no simulation, ``side`` hands)."""
    import numpy as np

    from handsynth.grasp.synthesis import sample_grasp
    from handsynth.objects.catalog import resolve_objects

    np.set_printoptions(
        precision=17, threshold=sys.maxsize
    )  # parts' repr shows their arrays at full precision
    families = resolve_objects(None)
    out = {}
    for seed in seeds:
        for k in range(n):
            grasp, stats = sample_grasp(seed, k, families, side=side)
            out[f"{seed}/{k}"] = grasp_digest(k, seed, grasp, stats)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="root seeds (default 0 1)")
    parser.add_argument("--n", type=int, default=60, help="grasps per seed, k < n (default 60)")
    parser.add_argument(
        "--side", default="right", choices=("right", "left"), help="hand side (default right)"
    )
    parser.add_argument("--out", help="write the digests here (JSON)")
    parser.add_argument("--against", help="a JSON of digests to compare with")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    digests = run(args.seeds, args.n, args.side)
    print(f"{len(digests)} grasps digested in {time.perf_counter() - t0:.1f} s")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(digests, f, indent=1, sort_keys=True)
    if args.against:
        with open(args.against) as f:
            before = json.load(f)
        differ = [key for key in before if digests.get(key) != before[key]]
        missing = sorted(set(digests) ^ set(before))
        for key in differ:
            print(f"differs: {key}")
        print(
            f"{len(before) - len(differ)}/{len(before)} digests match"
            + (f"; keys not shared: {missing}" if missing else "")
        )
        return 1 if differ or missing else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
