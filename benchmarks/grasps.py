"""Grasp synthesis benchmark: throughput, acceptance and the physical validity of accepted grasps.

Run from the repository root with the project's environment::

    python benchmarks/grasps.py [--n 500] [--seed 0] [--objects SPEC] [--workers 1] [--json PATH]

Generates grasps ``sample_grasp(seed, k, families)`` for ``k in range(n)`` (one process by default, so
the figures are per core; ``--workers W`` splits the k's over W spawned processes) and prints:

- the one-off warm-up (hand template build), timed separately;
- the baseline, measured in this process: the bare work no grasp can avoid, one full
  ``HandRig.pose`` skinning plus one exact object signed distance of all hand vertices
  (``ObjectModel.sdf``), averaged over ~50 repetitions across the selected families; and the
  ratio ``grasp / baseline`` = mean seconds per accepted grasp (per core) / baseline seconds;
- accepted grasps per second per core, candidates per accepted grasp, acceptance rate overall and per
  category, rejections by reason, counts per category and grasp type;
- distributions over the accepted grasps: penetration, intersection volume, contact fingers, palm
  contact, thumb opposition, self-penetration; and the aim lines.

numpy and the project only. Nothing here asserts on speed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from collections import Counter

import numpy as np

AIM_GRASPS_PER_S_PER_CORE = 5.0
AIM_PENETRATION_MM = 1.0
AIM_PENETRATION_FRACTION = 0.98
BASELINE_REPS = 50
REASONS = ("placement", "penetration", "intersection", "contacts", "opposition", "self_penetration")


# --------------------------------------------------------------------------------------------- warm-up


def warm_up() -> float:
    """Build (and cache) the hand template; seconds it took."""
    from handsynth.hand.template import hand_template

    t0 = time.perf_counter()
    hand_template()
    return time.perf_counter() - t0


# -------------------------------------------------------------------------------------------- baseline


def baseline(families: tuple[str, ...], seed: int, reps: int = BASELINE_REPS) -> dict:
    """Seconds for one full skinning (``HandRig.pose``) plus one exact object SDF of all hand vertices.

    One object per selected family and one subject per repetition (cycled), the hand in the ``fist``
    pose placed with its vertex centroid at the object's grasp centre; rigs and objects are built
    before timing. Each repetition is timed on its own; the mean is the baseline.
    """
    from handsynth.hand.pose import named_pose
    from handsynth.hand.rig import HandRig
    from handsynth.hand.subjects import SUBJECTS
    from handsynth.objects.families import FAMILIES

    rng = np.random.default_rng([int(seed), 2**31 - 1])
    objects = [FAMILIES[name].build(rng) for name in families]
    rigs = [HandRig(s.shape, "right") for s in SUBJECTS.values()]
    pose = named_pose("fist")
    placements = []
    for i, obj in enumerate(objects):
        rig = rigs[i % len(rigs)]
        centroid = rig.pose(pose).vertices.mean(axis=0)
        T = np.eye(4)
        T[:3, 3] = np.asarray(obj.grasp.center) - centroid
        placements.append((rig, obj, T))
    # Untimed pass: first-call effects (lazy tables, allocator) out of the measurement.
    for rig, obj, T in placements:
        obj.sdf(rig.pose(pose, T).vertices)
    pose_s, sdf_s = [], []
    for r in range(max(reps, len(placements))):
        rig, obj, T = placements[r % len(placements)]
        t0 = time.perf_counter()
        vertices = rig.pose(pose, T).vertices
        t1 = time.perf_counter()
        obj.sdf(vertices)
        t2 = time.perf_counter()
        pose_s.append(t1 - t0)
        sdf_s.append(t2 - t1)
    pose_s, sdf_s = np.array(pose_s), np.array(sdf_s)
    total = pose_s + sdf_s
    return {
        "reps": int(len(total)),
        "vertices": int(len(rigs[0].rest_vertices)),
        "seconds": float(total.mean()),
        "seconds_median": float(np.median(total)),
        "pose_seconds": float(pose_s.mean()),
        "sdf_seconds": float(sdf_s.mean()),
    }


# ----------------------------------------------------------------------------------------- generation


def _run_indices(seed: int, indices: list[int], families: tuple[str, ...], progress: bool = False) -> dict:
    """Generate the grasps of ``indices``; returns JSON-ready per-sample records and timings.

    ``synthesize`` is wrapped (in this process only) to record each object's category and candidate
    counts, so acceptance can be split by category even when a sample goes through several objects.
    """
    import handsynth.grasp.synthesis as synthesis

    template_s = warm_up()  # a no-op in the parent (cached); a spawned worker builds its own
    original = synthesis.synthesize
    per_object: list[tuple[str, int, int, Counter]] = []

    def recording(obj, *args, **kwargs):
        grasp, stats = original(obj, *args, **kwargs)
        per_object.append((obj.category, stats.candidates, stats.accepted, Counter(stats.rejected)))
        return grasp, stats

    synthesis.synthesize = recording
    records = []
    busy = 0.0
    step = max(1, len(indices) // 10)
    try:
        for i, k in enumerate(indices):
            per_object.clear()
            t0 = time.perf_counter()
            error = None
            try:
                grasp, stats = synthesis.sample_grasp(seed, k, families)
            except RuntimeError as exc:  # no accepted grasp after max_objects objects
                grasp, stats, error = None, None, str(exc)
            dt = time.perf_counter() - t0
            busy += dt
            objects = [
                {"category": c, "candidates": n, "accepted": a, "rejected": dict(r)}
                for c, n, a, r in per_object
            ]
            if stats is None:  # rebuild the counts from the per-object records
                candidates = sum(o["candidates"] for o in objects)
                accepted = sum(o["accepted"] for o in objects)
                rejected = Counter()
                for o in objects:
                    rejected.update(o["rejected"])
            else:
                candidates, accepted, rejected = stats.candidates, stats.accepted, stats.rejected
            rec = {
                "index": k,
                "seconds": dt,
                "candidates": int(candidates),
                "accepted": int(accepted),
                "rejected": {str(r): int(n) for r, n in rejected.items()},
                "objects": objects,
                "error": error,
            }
            if grasp is not None:
                q = grasp.quality
                rec.update(
                    {
                        "family": grasp.object.family,
                        "category": grasp.object.category,
                        "grasp_type": grasp.grasp_type,
                        "subject": grasp.subject.id,
                        "penetration_mm": float(q.penetration_mm),
                        "intersection_cm3": float(q.intersection_cm3),
                        "contact_fingers": list(q.contact_fingers),
                        "contact_vertices": {str(f): int(n) for f, n in q.contact_vertices.items()},
                        "thumb_opposition": float(q.thumb_opposition),
                        "self_penetration_mm": float(q.self_penetration_mm),
                    }
                )
            records.append(rec)
            if progress and ((i + 1) % step == 0 or i + 1 == len(indices)):
                print(f"  ... {i + 1}/{len(indices)} samples, {busy:.1f} s", file=sys.stderr, flush=True)
    finally:
        synthesis.synthesize = original
    return {"records": records, "busy_seconds": busy, "template_seconds": template_s, "pid": os.getpid()}


def _worker(args: tuple) -> dict:
    seed, indices, families = args
    return _run_indices(seed, indices, families)


def generate(seed: int, n: int, families: tuple[str, ...], workers: int) -> dict:
    """All n samples; single process or ``workers`` spawned processes (k's interleaved)."""
    t0 = time.perf_counter()
    if workers <= 1:
        runs = [_run_indices(seed, list(range(n)), families, progress=True)]
    else:
        chunks = [list(range(w, n, workers)) for w in range(workers)]
        ctx = mp.get_context("spawn")
        with ctx.Pool(workers) as pool:
            runs = pool.map(_worker, [(seed, c, families) for c in chunks if c])
    wall = time.perf_counter() - t0
    records = sorted((r for run in runs for r in run["records"]), key=lambda r: r["index"])
    return {
        "records": records,
        "wall_seconds": wall,
        "busy_seconds": [run["busy_seconds"] for run in runs],
        "worker_template_seconds": [run["template_seconds"] for run in runs],
    }


# ------------------------------------------------------------------------------------------- figures


def _dist(values: np.ndarray, percentiles=(50, 95, 99)) -> dict:
    if len(values) == 0:
        return {}
    out = {"mean": float(values.mean())}
    for p in percentiles:
        out["median" if p == 50 else f"p{p}"] = float(np.percentile(values, p))
    out["max"] = float(values.max())
    return out


def _opp(values: np.ndarray) -> dict:
    if len(values) == 0:
        return {"n": 0}
    return {"n": int(len(values)), "mean": float(values.mean()), "p5": float(np.percentile(values, 5))}


def _power_types() -> dict[str, bool]:
    """Grasp type name -> power (a name shared by categories, e.g. tripod, is precision in all)."""
    from handsynth.grasp.taxonomy import TAXONOMY

    return {t.name: t.power for types in TAXONOMY.values() for t in types}


def figures(run: dict, base: dict, workers: int) -> dict:
    records = run["records"]
    ok = [r for r in records if r["error"] is None and "penetration_mm" in r]
    n_ok = len(ok)
    candidates = sum(r["candidates"] for r in records)
    accepted = sum(r["accepted"] for r in records)
    rejected = Counter()
    for r in records:
        rejected.update(r["rejected"])
    core_seconds = float(sum(run["busy_seconds"]))  # time spent generating, summed over processes
    per_grasp = np.array([r["seconds"] for r in records])
    s_per_grasp = core_seconds / n_ok if n_ok else float("inf")
    per_core = n_ok / core_seconds if core_seconds > 0 else 0.0
    aggregate = n_ok / run["wall_seconds"] if run["wall_seconds"] > 0 else 0.0

    # Acceptance per category, from the per-object records (candidates on every object tried).
    by_cat: dict[str, list[int]] = {}
    for r in records:
        for o in r["objects"]:
            c = by_cat.setdefault(o["category"], [0, 0])
            c[0] += o["candidates"]
            c[1] += o["accepted"]
    per_object_complete = sum(v[0] for v in by_cat.values()) == candidates
    acceptance_by_category = {
        c: {"candidates": v[0], "accepted": v[1], "rate": v[1] / v[0] if v[0] else 0.0}
        for c, v in sorted(by_cat.items())
    }

    pen = np.array([r["penetration_mm"] for r in ok])
    inter = np.array([r["intersection_cm3"] for r in ok])
    nfing = np.array([len(r["contact_fingers"]) for r in ok])
    palm = np.array([r["contact_vertices"].get("palm", 0) for r in ok])
    opp = np.array([r["thumb_opposition"] for r in ok])
    power_types = _power_types()
    opp_precision = np.array(
        [r["thumb_opposition"] for r in ok if not power_types.get(r["grasp_type"], False)]
    )
    opp_power_thumb = np.array(
        [
            r["thumb_opposition"]
            for r in ok
            if power_types.get(r["grasp_type"], False) and "thumb" in r["contact_fingers"]
        ]
    )
    selfp = np.array([r["self_penetration_mm"] for r in ok])
    finger_hist = {str(k): int(np.count_nonzero(nfing == k)) for k in range(2, 6)}
    if n_ok and np.count_nonzero(nfing < 2):
        finger_hist["<2"] = int(np.count_nonzero(nfing < 2))
    frac1 = float(np.mean(pen <= 1.0)) if n_ok else 0.0
    frac2 = float(np.mean(pen <= 2.0)) if n_ok else 0.0

    return {
        "samples": len(records),
        "accepted_grasps": n_ok,
        "failed_samples": [r["index"] for r in records if r["error"] is not None],
        "workers": workers,
        "wall_seconds": run["wall_seconds"],
        "core_seconds": core_seconds,
        "worker_template_seconds": run["worker_template_seconds"],
        "seconds_per_grasp": {
            "mean": s_per_grasp,
            "median": float(np.median(per_grasp)) if len(per_grasp) else None,
            "p95": float(np.percentile(per_grasp, 95)) if len(per_grasp) else None,
            "max": float(per_grasp.max()) if len(per_grasp) else None,
        },
        "grasps_per_s_per_core": per_core,
        "grasps_per_s_aggregate": aggregate,
        "baseline": base,
        "grasp_over_baseline": s_per_grasp / base["seconds"] if base["seconds"] > 0 else None,
        "candidates": candidates,
        "accepted_candidates": accepted,
        "candidates_per_accepted_grasp": candidates / n_ok if n_ok else None,
        "acceptance_rate": accepted / candidates if candidates else 0.0,
        "acceptance_by_category": acceptance_by_category,
        "acceptance_by_category_complete": per_object_complete,
        "rejections": {r: int(rejected.get(r, 0)) for r in REASONS}
        | {r: int(v) for r, v in rejected.items() if r not in REASONS},
        "by_category": dict(sorted(Counter(r["category"] for r in ok).items())),
        "by_grasp_type": dict(sorted(Counter(r["grasp_type"] for r in ok).items())),
        "by_category_and_type": dict(
            sorted(Counter(f"{r['category']}/{r['grasp_type']}" for r in ok).items())
        ),
        "by_family": dict(sorted(Counter(r["family"] for r in ok).items())),
        "penetration_mm": _dist(pen) | {"fraction_le_1mm": frac1, "fraction_le_2mm": frac2},
        "intersection_cm3": _dist(inter, (50, 95)),
        "contact_fingers_histogram": finger_hist,
        "palm_contact_fraction": float(np.mean(palm >= 5)) if n_ok else 0.0,
        # -1 where the thumb does not touch (power grasps need not use it); split for reading.
        "thumb_opposition": {"mean": float(opp.mean()), "p5": float(np.percentile(opp, 5))} if n_ok else {},
        "thumb_opposition_precision": _opp(opp_precision),
        "thumb_opposition_power_thumb_touching": _opp(opp_power_thumb),
        "self_penetration_mm": {"max": float(selfp.max()), "mean": float(selfp.mean())} if n_ok else {},
        "aims": {
            "grasps_per_s_per_core": {
                "aim": AIM_GRASPS_PER_S_PER_CORE,
                "value": per_core,
                "met": per_core >= AIM_GRASPS_PER_S_PER_CORE,
            },
            "penetration": {
                "aim_fraction": AIM_PENETRATION_FRACTION,
                "at_mm": AIM_PENETRATION_MM,
                "value": frac1,
                "met": frac1 >= AIM_PENETRATION_FRACTION,
            },
        },
    }


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f} %"


def report(f: dict, args, families: tuple[str, ...], template_s: float) -> None:
    b = f["baseline"]
    spg = f["seconds_per_grasp"]
    print("grasp synthesis benchmark")
    print(
        f"  command     : python benchmarks/grasps.py --n {args.n} --seed {args.seed}"
        + (f" --objects {args.objects}" if args.objects else "")
        + f" --workers {args.workers}"
    )
    print(
        f"  machine     : {platform.python_implementation()} {platform.python_version()}, "
        f"numpy {np.__version__}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}"
    )
    print(f"  families    : {len(families)} ({', '.join(families)})")
    print()
    print(
        f"warm-up (one-off): hand template {template_s:.2f} s"
        + (
            f"; per worker {', '.join(f'{t:.2f}' for t in f['worker_template_seconds'])} s"
            if args.workers > 1
            else ""
        )
    )
    print(
        f"baseline (same process, {b['reps']} reps): HandRig.pose skinning + "
        f"exact object SDF of {b['vertices']} "
        f"vertices = {1e3 * b['seconds']:.2f} ms (pose {1e3 * b['pose_seconds']:.2f} ms, "
        f"sdf {1e3 * b['sdf_seconds']:.2f} ms; median {1e3 * b['seconds_median']:.2f} ms)"
    )
    print()
    print(
        f"samples {f['samples']}, accepted grasps {f['accepted_grasps']}, "
        f"failed samples {len(f['failed_samples'])}"
        + (f" {f['failed_samples'][:20]}" if f["failed_samples"] else "")
    )
    print(
        f"time: wall {f['wall_seconds']:.1f} s, generating {f['core_seconds']:.1f} core-s; per grasp mean "
        f"{spg['mean']:.3f} s, median {spg['median']:.3f} s, p95 {spg['p95']:.3f} s, max {spg['max']:.3f} s"
    )
    print(f"accepted grasps / s / core : {f['grasps_per_s_per_core']:.2f}")
    if args.workers > 1:
        print(
            f"accepted grasps / s (all {args.workers} workers) : {f['grasps_per_s_aggregate']:.2f}"
            "  (over the wall time, worker start-up and template builds included)"
        )
    ratio = f["grasp_over_baseline"]
    print(
        f"grasp / baseline           : {ratio:.1f}x  "
        f"({spg['mean'] * 1e3:.1f} ms / {b['seconds'] * 1e3:.2f} ms)"
    )
    print()
    print(
        f"candidates {f['candidates']}, per accepted grasp {f['candidates_per_accepted_grasp']:.2f}; "
        f"acceptance rate {_pct(f['acceptance_rate'])}"
    )
    print(
        "acceptance by category"
        + ("" if f["acceptance_by_category_complete"] else " (incomplete: synthesize not wrapped)")
        + ":"
    )
    for c, v in f["acceptance_by_category"].items():
        print(f"  {c:<12} {v['accepted']:>5} / {v['candidates']:<5} = {_pct(v['rate'])}")
    print("rejections by reason (a candidate may fail several):")
    total = max(f["candidates"], 1)
    for r, v in f["rejections"].items():
        print(f"  {r:<17} {v:>5}  ({_pct(v / total)} of candidates)")
    print()
    print("accepted grasps by category: " + ", ".join(f"{c} {v}" for c, v in f["by_category"].items()))
    print("accepted grasps by grasp type: " + ", ".join(f"{t} {v}" for t, v in f["by_grasp_type"].items()))
    print("  by category/type: " + ", ".join(f"{t} {v}" for t, v in f["by_category_and_type"].items()))
    print("  by family: " + ", ".join(f"{t} {v}" for t, v in f["by_family"].items()))
    print()
    n = max(f["accepted_grasps"], 1)
    p = f["penetration_mm"]
    if p:
        print(
            f"penetration (mm)     : mean {p['mean']:.3f}, median {p['median']:.3f}, p95 {p['p95']:.3f}, "
            f"p99 {p['p99']:.3f}, max {p['max']:.3f}; <= 1 mm {_pct(p['fraction_le_1mm'])}, "
            f"<= 2 mm {_pct(p['fraction_le_2mm'])}"
        )
        i = f["intersection_cm3"]
        print(
            f"intersection (cm^3)  : mean {i['mean']:.4f}, median {i['median']:.4f}, p95 {i['p95']:.4f}, "
            f"max {i['max']:.4f}"
        )
        hist = f["contact_fingers_histogram"]
        print("contact fingers      : " + ", ".join(f"{k}: {v} ({_pct(v / n)})" for k, v in hist.items()))
        print(f"palm contact (>= 5 palm vertices): {_pct(f['palm_contact_fraction'])}")
        o = f["thumb_opposition"]
        print(
            f"thumb opposition     : mean {o['mean']:.3f}, p5 {o['p5']:.3f} "
            f"(all accepted; -1 where the thumb "
            f"does not touch)"
        )
        for label, key in (
            ("precision grasps", "thumb_opposition_precision"),
            ("power, thumb touching", "thumb_opposition_power_thumb_touching"),
        ):
            v = f[key]
            if v["n"]:
                print(f"  {label:<21}: n {v['n']}, mean {v['mean']:.3f}, p5 {v['p5']:.3f}")
        s = f["self_penetration_mm"]
        print(f"self-penetration (mm): max {s['max']:.3f} (mean {s['mean']:.3f})")
    print()
    a = f["aims"]
    g, q = a["grasps_per_s_per_core"], a["penetration"]
    print(
        f"aim >= {g['aim']:g} accepted grasps/s/core: {'MET' if g['met'] else 'NOT MET'} ({g['value']:.2f})"
    )
    print(
        f"aim >= {100 * q['aim_fraction']:g} % at <= {q['at_mm']:g} mm penetration: "
        f"{'MET' if q['met'] else 'NOT MET'} ({_pct(q['value'])})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="grasps to generate (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    parser.add_argument(
        "--objects", default=None, help="categories/aliases/families, comma-separated (default all)"
    )
    parser.add_argument("--workers", type=int, default=1, help="processes (default 1: per-core figures)")
    parser.add_argument(
        "--json", default=None, metavar="PATH", help="also write all figures (and samples) as JSON"
    )
    args = parser.parse_args(argv)
    if args.n < 1 or args.workers < 1:
        parser.error("--n and --workers must be >= 1")

    from handsynth.errors import UserError
    from handsynth.objects.catalog import resolve_objects

    try:
        families = resolve_objects(args.objects)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    template_s = warm_up()
    base = baseline(families, args.seed)
    run = generate(args.seed, args.n, families, args.workers)
    f = figures(run, base, args.workers)
    f["template_seconds"] = template_s
    f["args"] = {
        "n": args.n,
        "seed": args.seed,
        "objects": args.objects,
        "workers": args.workers,
        "families": list(families),
    }
    report(f, args, families, template_s)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(f | {"samples_detail": run["records"]}, fh, indent=1)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
