"""Grasp synthesis benchmark: throughput, acceptance and the physical validity of accepted grasps.

Run from the repository root with the project's environment::

    python benchmarks/grasps.py [--n 500] [--seed 0] [--objects SPEC] [--workers 1]
        [--stability gate|measure|none] [--json PATH]

Generates grasps ``sample_grasp(seed, k, families)`` for ``k in range(n)`` (one process by default, so
the figures are per core; ``--workers W`` splits the k's over W spawned processes) and prints:

- the one-off warm-up (hand template build), timed separately;
- the baseline, measured in this process: the bare work no grasp can avoid, one full
  ``HandRig.pose`` skinning plus one exact object signed distance of all hand vertices
  (``ObjectModel.sdf``), averaged over ~50 repetitions across the selected families; and the
  ratio ``grasp / baseline`` = mean seconds per accepted grasp (per core) / baseline seconds;
- accepted grasps per second per core, candidates per accepted grasp, acceptance rate overall, per
  category and per (category, grasp type, with its Feix class), rejections by reason, counts per
  category and grasp type;
- distributions over the accepted grasps: penetration, intersection volume, contact fingers, palm
  contact, thumb opposition, self-penetration; and the aim lines;
- with ``--stability measure|gate`` (measure is the default, as in a render; the simulation is included
  in every time above): the literature and grip displacements (cm; mean, median, p90) and the share
  that holds, overall, per category and per (category, type); grip rejections are a rejection reason;
- diversity per category: k-means (k = 20) over the 21 wrist-relative hand-frame joints of the accepted
  grasps, the entropy of the cluster sizes (max ln 20 = 3.0) and the mean distance to the centre
  (``grasp_diversity``);
- the CPU time per accepted grasp by stage (this process's CPU time, so less sensitive to a shared
  machine than the wall clock): synthesis (everything but the simulation, re-drawn candidates and
  objects included), and with ``--stability`` the simulation's own preparation (posed hand, gravity
  directions, bone hulls: ``measure_stability`` less the protocols), its grip protocol (with the
  object's convex pieces and mass, made on its first use) and its literature protocol, each with
  building its world.

The figures and the report live in ``grasp_figures.py``. numpy and the project only. Nothing here
asserts on speed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from collections import Counter

import numpy as np
from grasp_figures import figures, report

BASELINE_REPS = 50


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


def _run_indices(
    seed: int, indices: list[int], families: tuple[str, ...], stability: str = "none", progress: bool = False
) -> dict:
    """Generate the grasps of ``indices``; returns JSON-ready per-sample records and timings.

    ``stability``: ``none``, ``measure`` (simulate every accepted grasp, timed with it) or ``gate``
    (also redraw grasps the grip protocol rejects), as ``scene.stability`` does in a render; one
    ``Simulator`` per process.

    ``synthesize`` is wrapped (in this process only) to record each object's category and candidate
    counts, so acceptance can be split by category even when a sample goes through several objects.
    """
    import handsynth.grasp.synthesis as synthesis
    from handsynth.hand.rig import HandRig

    template_s = warm_up()  # a no-op in the parent (cached); a spawned worker builds its own
    original = synthesis.synthesize
    original_candidate = synthesis._candidate
    per_object: list[tuple[str, int, int, Counter]] = []
    per_type: Counter = Counter()  # (category, type) -> candidates drawn

    def recording(obj, *args, **kwargs):
        grasp, stats = original(obj, *args, **kwargs)
        per_object.append((obj.category, stats.candidates, stats.accepted, Counter(stats.rejected)))
        return grasp, stats

    def recording_candidate(rng, gtype, obj, *args, **kwargs):
        per_type[f"{obj.category}/{gtype.name}"] += 1
        return original_candidate(rng, gtype, obj, *args, **kwargs)

    synthesis.synthesize = recording
    synthesis._candidate = recording_candidate
    simulator = None
    cpu = dict.fromkeys(("simulation", "grip", "literature"), 0.0)  # this sample's, reset per sample
    if stability != "none":
        import handsynth.grasp.stability as stability_module
        from handsynth.grasp.stability import Simulator

        simulator = Simulator()
        simulator.grip = _cpu_timed(cpu, "grip", simulator.grip)
        simulator.literature = _cpu_timed(cpu, "literature", simulator.literature)
        original_measure = stability_module.measure_stability  # what ``synthesize`` imports
        stability_module.measure_stability = _cpu_timed(cpu, "simulation", original_measure)
    # Rigs kept between grasps, as the render pipeline keeps them (``HandCache``).
    gate = {"stability": simulator, "grip_gate": stability == "gate", "hands": synthesis.HandCache()}
    rigs: dict = {}
    records = []
    busy = 0.0
    step = max(1, len(indices) // 10)
    try:
        for i, k in enumerate(indices):
            per_object.clear()
            per_type.clear()
            cpu.update(dict.fromkeys(cpu, 0.0))
            c0 = time.process_time()
            t0 = time.perf_counter()
            error = None
            try:
                grasp, stats = synthesis.sample_grasp(seed, k, families, **gate)
            except RuntimeError as exc:  # no accepted grasp after max_objects objects
                grasp, stats, error = None, None, str(exc)
            dt = time.perf_counter() - t0
            total_cpu = time.process_time() - c0
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
                "type_candidates": dict(per_type),
                "error": error,
                "cpu_seconds": {
                    "synthesis": total_cpu - cpu["simulation"],
                    "simulation_preparation": cpu["simulation"] - cpu["grip"] - cpu["literature"],
                    "grip": cpu["grip"],
                    "literature": cpu["literature"],
                },
            }
            if grasp is not None:
                q = grasp.quality
                rec.update(
                    {
                        "family": grasp.object.family,
                        "category": grasp.object.category,
                        "grasp_type": grasp.grasp_type,
                        "feix": grasp.feix[1],
                        "subject": grasp.subject.id,
                        "penetration_mm": float(q.penetration_mm),
                        "intersection_cm3": float(q.intersection_cm3),
                        "contact_fingers": list(q.contact_fingers),
                        "contact_vertices": {str(f): int(n) for f, n in q.contact_vertices.items()},
                        "thumb_opposition": float(q.thumb_opposition),
                        "self_penetration_mm": float(q.self_penetration_mm),
                        "joints_hand": _hand_joints(grasp, rigs, HandRig),
                        "stability": q.stability,
                    }
                )
            records.append(rec)
            if progress and ((i + 1) % step == 0 or i + 1 == len(indices)):
                print(f"  ... {i + 1}/{len(indices)} samples, {busy:.1f} s", file=sys.stderr, flush=True)
    finally:
        synthesis.synthesize = original
        synthesis._candidate = original_candidate
        if simulator is not None:
            stability_module.measure_stability = original_measure
            simulator.close()
    return {"records": records, "busy_seconds": busy, "template_seconds": template_s, "pid": os.getpid()}


def _cpu_timed(totals: dict, stage: str, fn):
    """``fn``, adding the CPU seconds of each call to ``totals[stage]``."""

    def timed(*args, **kwargs):
        c0 = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[stage] += time.process_time() - c0

    return timed


def cpu_stages(records: list[dict]) -> dict:
    """CPU milliseconds per accepted grasp by stage, over all samples (failed ones' work included)."""
    accepted = sum(1 for r in records if r["error"] is None)
    stages = ("synthesis", "simulation_preparation", "grip", "literature")
    ms = {s: 1e3 * sum(r["cpu_seconds"][s] for r in records) / max(accepted, 1) for s in stages}
    ms["total"] = sum(ms.values())
    ms["accepted_per_cpu_second"] = 1e3 / ms["total"] if ms["total"] > 0 else float("nan")
    return ms


def _hand_joints(grasp, rigs: dict, rig_class) -> list:
    """The 21 joints in the hand frame, wrist-relative (m, rounded to 0.01 mm), for the diversity figures
    (the articulation alone: the placement on the object is left out)."""
    key = (grasp.subject.id, grasp.side)
    if key not in rigs:
        rigs[key] = rig_class(grasp.subject.shape, grasp.side)
    joints = rigs[key].pose(grasp.pose).joints
    return np.round(joints - joints[0], 5).tolist()


def _worker(args: tuple) -> dict:
    seed, indices, families, stability = args
    return _run_indices(seed, indices, families, stability)


def generate(seed: int, n: int, families: tuple[str, ...], workers: int, stability: str = "none") -> dict:
    """All n samples; single process or ``workers`` spawned processes (k's interleaved)."""
    t0 = time.perf_counter()
    if workers <= 1:
        runs = [_run_indices(seed, list(range(n)), families, stability, progress=True)]
    else:
        chunks = [list(range(w, n, workers)) for w in range(workers)]
        ctx = mp.get_context("spawn")
        with ctx.Pool(workers) as pool:
            runs = pool.map(_worker, [(seed, c, families, stability) for c in chunks if c])
    wall = time.perf_counter() - t0
    records = sorted((r for run in runs for r in run["records"]), key=lambda r: r["index"])
    return {
        "records": records,
        "wall_seconds": wall,
        "busy_seconds": [run["busy_seconds"] for run in runs],
        "worker_template_seconds": [run["template_seconds"] for run in runs],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="grasps to generate (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    parser.add_argument(
        "--objects", default=None, help="categories/aliases/families, comma-separated (default all)"
    )
    parser.add_argument("--workers", type=int, default=1, help="processes (default 1: per-core figures)")
    parser.add_argument(
        "--stability",
        default="measure",
        choices=("none", "measure", "gate"),
        help="simulate each accepted grasp in PyBullet, as a render's scene.stability does: measure "
        "(default), gate (grasps the grip protocol rejects are redrawn) or none (synthesis alone)",
    )
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
    run = generate(args.seed, args.n, families, args.workers, args.stability)
    f = figures(run, base, args.workers)
    f["template_seconds"] = template_s
    f["args"] = {
        "n": args.n,
        "seed": args.seed,
        "objects": args.objects,
        "workers": args.workers,
        "stability": args.stability,
        "families": list(families),
    }
    f["cpu_ms_per_accepted"] = cpu_stages(run["records"])
    report(f, args, families, template_s)
    stages = f["cpu_ms_per_accepted"]
    print("\nCPU ms per accepted grasp by stage (this process's CPU time):")
    for stage, ms in stages.items():
        if stage != "accepted_per_cpu_second":
            print(f"  {stage:24s} {ms:8.1f}")
    print(f"  accepted grasps per CPU second: {stages['accepted_per_cpu_second']:.2f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(f | {"samples_detail": run["records"]}, fh, indent=1)
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
