"""Stability simulation on a fixed set of grasps: its cost per stage, an optional profile, and its
figures compared with those of another run (e.g. before a speed change).

Run from the repository root with the project's environment::

    python benchmarks/stability_compare.py [--n 200] [--seed 0] [--grasps PATH] [--profile N]
        [--json PATH] [--against PATH]

The grasps are ``sample_grasp(seed, k, all families)`` for ``k < n`` without simulation (which grasp is
drawn does not depend on it in ``--stability measure``), kept in ``--grasps`` (a pickle) so that two
runs simulate the very same grasps. Each is measured by ``measure_stability`` with one ``Simulator``
for the run; the CPU time of each stage (bone hulls, grip protocol, literature protocol) is taken by
wrapping the simulator's methods in this process. ``--profile N`` prints cProfile's top entries over
the first N grasps; ``--json`` writes the figures per grasp; ``--against`` compares them with such a
file: the agreement of the grip hold/fail decision (``GRIP_BOUND_CM``), and the literature mean and
median of both. Nothing here asserts on speed.

What it showed (seed 0, 2 shared cores, so CPU times within one run compare, across runs less so):
the steps are about half the simulation's CPU time, and they run in contact (on 30 grasps only 6 of
177 grip steps and 12 of 171 literature steps had the object touching nothing, so extrapolating a
free fall would save little). Tried and dropped because the figures moved without a speed gain:
an outer simplification of the bone hulls at 0.1 mm (no change in step cost; literature mean 2.41
-> 2.03 cm on 30 grasps: the rigid hand jams an object that stands 0.2 mm proud), one piece per
lathe slab on the axis (pieces per object 14.4 -> 4.1, no change in step cost, a tripod on a ball
went from 0.04 to 10.25 cm), a looser solver residual (1e-5, 1e-4: within the noise), and the
object as a maximal-coordinate body (NaN figures). What paid, with identical records on all 200
grasps: the static hand hulls as rigid bodies (maximal coordinates) instead of 0-link multibodies,
the literature protocol in the grip protocol's emptied world (no second reset, no second load of the
object's compound), less Python per step, the compound's text a block at a time. ``grasps.py --n 200
--stability measure`` back to back against the code before (dd138c8), twice in each order: 1.78 and
1.80 -> 2.15 and 2.11 accepted grasps/s/core; grip 218/211 -> 177/183, literature 148/145 -> 111/109
CPU ms per accepted grasp (synthesis, unchanged, read 155/154 -> 140/145: the noise of a shared
machine).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from grasps import _cpu_timed  # this folder is on the path of a script run from it


def grasps(seed: int, n: int, path: Path | None) -> list:
    """The ``n`` grasps (from ``path`` when it holds at least ``n`` of this seed, else made and kept)."""
    from handsynth.grasp import sample_grasp
    from handsynth.objects.catalog import resolve_objects

    if path is not None and path.is_file():
        with path.open("rb") as fh:
            kept = pickle.load(fh)
        if kept["seed"] == seed and len(kept["grasps"]) >= n:
            return kept["grasps"][:n]
    families = resolve_objects(None)
    out = [sample_grasp(seed, k, families)[0] for k in range(n)]
    if path is not None:
        with path.open("wb") as fh:
            pickle.dump({"seed": seed, "grasps": out}, fh)
    return out


def simulate(items: list, profile: int = 0) -> tuple[list[dict], dict]:
    """Figures per grasp and CPU seconds per stage (``measure_stability``, one simulator)."""
    import cProfile
    import pstats

    from handsynth.grasp.stability import Simulator, measure_stability

    cpu = {"hulls": 0.0, "grip": 0.0, "literature": 0.0, "total": 0.0}

    def timed(stage, fn):
        return _cpu_timed(cpu, stage, fn)

    home = sys.modules[measure_stability.__module__]  # the module whose bone_hulls it calls
    original_hulls = home.bone_hulls
    rows = []
    with Simulator() as sim:
        sim.grip = timed("grip", sim.grip)
        sim.literature = timed("literature", sim.literature)
        home.bone_hulls = timed("hulls", original_hulls)
        profiler = cProfile.Profile() if profile else None
        try:
            for i, g in enumerate(items):
                if profiler is not None and i < profile:
                    profiler.enable()
                c0 = time.process_time()
                s = measure_stability(g, sim)
                cpu["total"] += time.process_time() - c0
                if profiler is not None and i < profile:
                    profiler.disable()
                rows.append({"k": i, "category": g.object.category, "type": g.grasp_type, **s.to_dict()})
        finally:
            home.bone_hulls = original_hulls
        cpu["steps"] = sim.steps
    if profiler is not None:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(30)
    return rows, cpu


def compare(rows: list[dict], other: list[dict]) -> dict:
    """Agreement of the grip decision and literature figures of two runs over the same grasps."""
    from handsynth.grasp.stability import GRIP_BOUND_CM

    n = min(len(rows), len(other))
    a = np.array([r["grip_displacement_cm"] <= GRIP_BOUND_CM for r in rows[:n]])
    b = np.array([r["grip_displacement_cm"] <= GRIP_BOUND_CM for r in other[:n]])
    lit_a = np.array([r["sim_displacement_cm"] for r in rows[:n]], dtype=float)
    lit_b = np.array([r["sim_displacement_cm"] for r in other[:n]], dtype=float)
    grip_a = np.array([r["grip_displacement_cm"] for r in rows[:n]])
    grip_b = np.array([r["grip_displacement_cm"] for r in other[:n]])
    flips = [
        (r["k"], r["category"], r["type"], o["grip_displacement_cm"], r["grip_displacement_cm"])
        for r, o, x, y in zip(rows[:n], other[:n], a, b, strict=True)
        if x != y
    ]
    return {
        "n": n,
        "grip_agreement": float((a == b).mean()),
        "holds_now": int(a.sum()),
        "holds_other": int(b.sum()),
        "flips": flips,
        "literature_mean": (float(np.nanmean(lit_a)), float(np.nanmean(lit_b))),
        "literature_median": (float(np.nanmedian(lit_a)), float(np.nanmedian(lit_b))),
        "literature_max_abs_diff": float(np.nanmax(np.abs(lit_a - lit_b))),
        "grip_identical": int((grip_a == grip_b).sum()),
        "records_identical": sum(r == o for r, o in zip(rows[:n], other[:n], strict=True)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--grasps", default=None, help="pickle of the grasps (made if absent)")
    parser.add_argument("--profile", type=int, default=0, help="cProfile the first N grasps")
    parser.add_argument("--json", default=None, help="write the figures per grasp")
    parser.add_argument("--against", default=None, help="compare with a --json file of another run")
    args = parser.parse_args(argv)
    items = grasps(args.seed, args.n, None if args.grasps is None else Path(args.grasps))
    t0 = time.perf_counter()
    rows, cpu = simulate(items, args.profile)
    wall = time.perf_counter() - t0
    n = len(rows)
    print(f"{n} grasps simulated in {wall:.1f} s wall; CPU ms per grasp:")
    for stage in ("hulls", "grip", "literature", "total"):
        print(f"  {stage:10s} {1e3 * cpu[stage] / n:7.1f}")
    print(f"  steps per grasp {cpu['steps'] / n:.0f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "cpu": cpu, "wall": wall}, indent=1))
    if args.against:
        other = json.loads(Path(args.against).read_text())["rows"]
        c = compare(rows, other)
        print(
            f"grip decision agreement {100 * c['grip_agreement']:.1f} % of {c['n']} "
            f"(holds {c['holds_now']} now, {c['holds_other']} there); grip figure identical on "
            f"{c['grip_identical']}, whole record identical on {c['records_identical']}"
        )
        print(
            "literature mean {:.3f} vs {:.3f} cm, median {:.3f} vs {:.3f} cm, max |diff| {:.3f} cm".format(
                *c["literature_mean"], *c["literature_median"], c["literature_max_abs_diff"]
            )
        )
        for f in c["flips"]:
            print(f"  flip: k={f[0]} {f[1]}/{f[2]}: {f[3]:.3f} -> {f[4]:.3f} cm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
