"""Profile grasp synthesis: cProfile over ``sample_grasp(seed, k, families)`` for a few k.

Run from the repository root with the project's environment::

    python benchmarks/synthesis_profile.py [--n 12] [--seed 0] [--top 30] [--sort tottime]

Prints the functions that take the most time (the hand template is built before profiling, so the
figures are the per-grasp work only). numpy and the project only; nothing here asserts on speed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=12, help="grasps to profile (default 12)")
    parser.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    parser.add_argument("--top", type=int, default=30, help="functions to list (default 30)")
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"), help="sort key")
    args = parser.parse_args(argv)

    from handsynth.grasp.synthesis import sample_grasp
    from handsynth.hand.template import hand_template
    from handsynth.objects.catalog import resolve_objects

    hand_template()
    families = resolve_objects(None)
    profile = cProfile.Profile()
    t0 = time.perf_counter()
    profile.enable()
    for k in range(args.n):
        sample_grasp(args.seed, k, families)
    profile.disable()
    seconds = time.perf_counter() - t0
    print(f"{args.n} grasps in {seconds:.2f} s ({args.n / seconds:.2f} accepted grasps/s, profiled)")
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
