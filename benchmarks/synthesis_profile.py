"""Profile grasp synthesis: cProfile over ``sample_grasp(seed, k, families)`` for a few k.

Run from the repository root with the project's environment::

    python benchmarks/synthesis_profile.py [--n 12] [--seed 0] [--top 30] [--sort tottime]
    python benchmarks/synthesis_profile.py --compare [--n 40] [--seed 0]

Prints the functions that take the most time (the hand template is built before profiling, so the
figures are the per-grasp work only). ``--compare`` instead times every grasp twice in this one process,
alternating the fast paths (BLAS skinning ``handsynth.hand.rig._blend``; closing and opening skin and
query only the fingers they read, ``_Hand.finger_gaps``) with their references (``_blend_reference``,
``_Hand.finger_gaps_reference``), and prints accepted grasps/s of each and whether the grasps are the same.
numpy and the project only; nothing here asserts on speed.
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
    parser.add_argument("--compare", action="store_true", help="time fast vs reference skinning")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(args.n, args.seed)

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


def compare(n: int, seed: int) -> int:
    """Accepted grasps/s with the fast and the reference skinning, alternating per grasp in one process."""
    from handsynth.grasp.synthesis import sample_grasp
    from handsynth.grasp.synthesis_data import _Hand
    from handsynth.hand import rig as rig_module
    from handsynth.hand.template import hand_template
    from handsynth.objects.catalog import resolve_objects

    hand_template()
    families = resolve_objects(None)
    fast_blend, fast_gaps = rig_module._blend, _Hand.finger_gaps
    seconds, same = {"fast": 0.0, "reference": 0.0}, 0
    try:
        for k in range(n):
            grasps = {}
            for name in ("fast", "reference") if k % 2 == 0 else ("reference", "fast"):
                rig_module._blend = fast_blend if name == "fast" else rig_module._blend_reference
                _Hand.finger_gaps = fast_gaps if name == "fast" else _Hand.finger_gaps_reference
                t0 = time.perf_counter()
                grasps[name], _ = sample_grasp(seed, k, families)
                seconds[name] += time.perf_counter() - t0
            a, b = grasps["fast"], grasps["reference"]
            same += (a.grasp_type, a.attempts, a.object.family) == (
                b.grasp_type,
                b.attempts,
                b.object.family,
            ) and (abs(a.pose.angles_rad - b.pose.angles_rad).max() < 1e-9)
    finally:
        rig_module._blend, _Hand.finger_gaps = fast_blend, fast_gaps
    for name, s in seconds.items():
        print(f"{name:<9}: {n} accepted grasps in {s:.2f} s = {n / s:.2f} accepted grasps/s")
    print(f"speed-up {seconds['reference'] / seconds['fast']:.2f}x; same grasp {same}/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
