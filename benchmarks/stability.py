"""Stability benchmark: both simulation protocols over synthesized grasps, and their cost against synthesis.

Run from the repository root with the project's environment::

    python benchmarks/stability.py [--n 50] [--seed 0] [--gated 0] [--json PATH]

For each category, ``n`` grasps ``sample_grasp(seed, k, families_of_category)`` are synthesized (timed)
and then simulated (timed, one ``Simulator`` for the run, so shape decompositions made once per mesh
are reused only when a mesh repeats). Prints, per category and per grasp type, mean / median / p90 of
the literature displacement (cm) and the grip displacement (cm), the share within the grip bound, the
milliseconds per grasp of synthesis and of simulation (wall clock and this process's CPU time), and
their ratio measured in this same run (the machine is shared: absolute times are noisy, the ratio and
CPU times less so), the grasps just below and just above the grip bound; with ``--gated G``, then G grasps per
category drawn with the grip gate on (``sample_grasp(..., stability=, grip_gate=True)``): milliseconds
per accepted grasp, simulation and re-draws included. Nothing here asserts on speed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict

import numpy as np


def _summary(values) -> dict:
    v = np.asarray(values, dtype=np.float64)
    return {
        "n": len(v),
        "mean": float(v.mean()),
        "median": float(np.median(v)),
        "p90": float(np.percentile(v, 90)),
    }


def run(n: int, seed: int, gated: int = 0) -> dict:
    from handsynth.grasp import sample_grasp
    from handsynth.grasp.stability import GRIP_BOUND_CM, Simulator, measure_stability
    from handsynth.objects.families import FAMILIES

    categories = sorted({f.category for f in FAMILIES.values()})
    rows = []
    synth_s = sim_s = synth_cpu = sim_cpu = 0.0  # wall clock, and this process's CPU time
    with Simulator() as sim:
        for category in categories:
            families = tuple(name for name, f in FAMILIES.items() if f.category == category)
            for k in range(n):
                t0, c0 = time.perf_counter(), time.process_time()
                grasp, _ = sample_grasp(seed, k, families)
                t1, c1 = time.perf_counter(), time.process_time()
                s = measure_stability(grasp, sim)
                t2, c2 = time.perf_counter(), time.process_time()
                synth_s += t1 - t0
                sim_s += t2 - t1
                synth_cpu += c1 - c0
                sim_cpu += c2 - c1
                rows.append(
                    {
                        "category": category,
                        "family": grasp.object.family,
                        "type": grasp.grasp_type,
                        "k": k,
                        "synth_ms": 1e3 * (t1 - t0),
                        "sim_ms": 1e3 * (t2 - t1),
                        **s.to_dict(),
                    }
                )
                print(
                    f"{category:12s} {k:3d} {grasp.object.family:14s} {grasp.grasp_type:16s} "
                    f"lit {s.sim_displacement_cm:7.2f} grip {s.grip_displacement_cm:7.2f} cm "
                    f"({s.grip_worst_direction}, squeeze {s.grip_squeeze_n:.1f} N) "
                    f"{1e3 * (t2 - t1):.0f} ms",
                    file=sys.stderr,
                )
        vhacd = {"calls": sim.vhacd_calls, "seconds": sim.vhacd_seconds}
        steps = sim.steps
        gated_s, gated_n, gated_rejected = 0.0, 0, 0
        for category in categories if gated else ():
            families = tuple(name for name, f in FAMILIES.items() if f.category == category)
            for k in range(gated):
                t0 = time.perf_counter()
                _, stats = sample_grasp(seed, k, families, stability=sim, grip_gate=True)
                gated_s += time.perf_counter() - t0
                gated_n += 1
                gated_rejected += stats.rejected["grip"]
    groups = defaultdict(list)
    for r in rows:
        groups[("category", r["category"])].append(r)
        groups[("type", f"{r['category']}/{r['type']}")].append(r)
    table = {}
    for (kind, name), rs in sorted(groups.items()):
        table[f"{kind}:{name}"] = {
            "literature_cm": _summary([r["sim_displacement_cm"] for r in rs]),
            "grip_cm": _summary([r["grip_displacement_cm"] for r in rs]),
            "grip_holds": float(np.mean([r["grip_displacement_cm"] <= GRIP_BOUND_CM for r in rs])),
        }
    count = len(rows)
    below = [r for r in rows if r["grip_displacement_cm"] <= GRIP_BOUND_CM]
    above = [r for r in rows if r["grip_displacement_cm"] > GRIP_BOUND_CM]
    keys = ("category", "family", "type", "k", "grip_displacement_cm", "grip_rotation_deg")
    nearest_below = max(below, key=lambda r: r["grip_displacement_cm"]) if below else None
    nearest_above = min(above, key=lambda r: r["grip_displacement_cm"]) if above else None
    examples = {
        name: None if r is None else {k: r[k] for k in keys}
        for name, r in (("just_below", nearest_below), ("just_above", nearest_above))
    }
    return {
        "n_per_category": n,
        "seed": seed,
        "grip_bound_cm": GRIP_BOUND_CM,
        "synthesis_ms_per_grasp": 1e3 * synth_s / count,
        "simulation_ms_per_grasp": 1e3 * sim_s / count,
        "simulation_over_synthesis": sim_s / synth_s,
        "synthesis_cpu_ms_per_grasp": 1e3 * synth_cpu / count,
        "simulation_cpu_ms_per_grasp": 1e3 * sim_cpu / count,
        "simulation_steps_per_grasp": steps / count,
        "vhacd": vhacd,
        "bound_examples": examples,
        "gated": {
            "grasps": gated_n,
            "ms_per_accepted_grasp": 1e3 * gated_s / gated_n if gated_n else None,
            "grip_rejections_per_accepted": gated_rejected / gated_n if gated_n else None,
        },
        "all": {
            "literature_cm": _summary([r["sim_displacement_cm"] for r in rows]),
            "grip_cm": _summary([r["grip_displacement_cm"] for r in rows]),
            "grip_holds": float(np.mean([r["grip_displacement_cm"] <= GRIP_BOUND_CM for r in rows])),
        },
        "groups": table,
        "rows": rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="grasps per category")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="write the full results here")
    parser.add_argument(
        "--gated", type=int, default=0, help="then this many grasps per category with the grip gate on"
    )
    args = parser.parse_args()
    res = run(args.n, args.seed, args.gated)
    print(
        f"synthesis {res['synthesis_ms_per_grasp']:.0f} ms/grasp, simulation "
        f"{res['simulation_ms_per_grasp']:.0f} ms/grasp, ratio {res['simulation_over_synthesis']:.2f} "
        f"(same run); V-HACD calls {res['vhacd']['calls']} ({res['vhacd']['seconds']:.1f} s)"
    )
    print(
        f"CPU time of this process: synthesis {res['synthesis_cpu_ms_per_grasp']:.0f} ms/grasp, simulation "
        f"{res['simulation_cpu_ms_per_grasp']:.0f} ms/grasp ({res['simulation_steps_per_grasp']:.0f} steps)"
    )
    if res["gated"]["grasps"]:
        print(
            f"grip gate on: {res['gated']['ms_per_accepted_grasp']:.0f} ms per accepted grasp "
            f"({res['gated']['grip_rejections_per_accepted']:.2f} grip rejections each) against "
            f"{res['synthesis_ms_per_grasp']:.0f} ms synthesis alone"
        )
    for side, ex in res["bound_examples"].items():
        if ex is not None:
            print(
                f"{side} the {res['grip_bound_cm']} cm bound: {ex['category']}/{ex['family']} {ex['type']} "
                f"(seed {res['seed']}, index {ex['k']}): grip {ex['grip_displacement_cm']:.2f} cm, "
                f"{ex['grip_rotation_deg']:.1f} deg"
            )
    print(f"{'group':40s} {'literature cm mean/med/p90':>28s} {'grip cm mean/med/p90':>26s} holds")
    for name, g in [("all", res["all"]), *res["groups"].items()]:
        lit, grip = g["literature_cm"], g["grip_cm"]
        print(
            f"{name:40s} {lit['mean']:8.2f} {lit['median']:8.2f} {lit['p90']:8.2f}   "
            f"{grip['mean']:7.2f} {grip['median']:7.2f} {grip['p90']:7.2f}  {g['grip_holds']:.2f}"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
