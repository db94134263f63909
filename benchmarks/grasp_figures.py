"""Figures and the printed report of ``benchmarks/grasps.py``: throughput, acceptance (per category and per
category and grasp type), validity distributions of the accepted grasps and, in ``grasp_diversity``, the
k-means diversity of their hand poses; numpy and the project only."""

from __future__ import annotations

import os
import platform
from collections import Counter

import numpy as np
from grasp_diversity import diversity_by_category, report_diversity
from grasp_stability_figures import report_stability, stability_figures

AIM_GRASPS_PER_S_PER_CORE = 5.0
AIM_PENETRATION_MM = 1.0
AIM_PENETRATION_FRACTION = 0.98
AIM_ACCEPTANCE_PER_CATEGORY = 0.30
REASONS = ("placement", "penetration", "intersection", "contacts", "opposition", "self_penetration")


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


def _acceptance_by_type(records: list[dict], ok: list[dict]) -> dict:
    """(category/type) -> candidates drawn, grasps accepted, rate and the type's Feix class (narrowest
    width's; a width-dependent type lists the classes its accepted grasps had)."""
    from handsynth.grasp.taxonomy import grasp_type

    candidates: Counter = Counter()
    for r in records:
        candidates.update(r.get("type_candidates", {}))
    accepted = Counter(f"{r['category']}/{r['grasp_type']}" for r in ok)
    feix: dict[str, set] = {}
    for r in ok:
        feix.setdefault(f"{r['category']}/{r['grasp_type']}", set()).add(r["feix"])
    out = {}
    for key in sorted(set(candidates) | set(accepted)):
        category, name = key.split("/")
        n, a = candidates[key], accepted[key]
        names = sorted(feix.get(key, {grasp_type(category, name).feix_class()[1]}))
        out[key] = {"candidates": n, "accepted": a, "rate": a / n if n else 0.0, "feix": names}
    return out


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

    acceptance_by_type = _acceptance_by_type(records, ok)

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
        "acceptance_by_category_and_type": acceptance_by_type,
        "diversity": diversity_by_category(ok),
        "stability": stability_figures(ok),
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
            "acceptance_per_category": {
                "aim": AIM_ACCEPTANCE_PER_CATEGORY,
                "value": min((v["rate"] for v in acceptance_by_category.values()), default=0.0),
                "met": all(v["rate"] >= AIM_ACCEPTANCE_PER_CATEGORY for v in acceptance_by_category.values()),
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
        + f" --workers {args.workers} --stability {args.stability}"
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
    print("acceptance by category and grasp type (Feix class):")
    for t, v in f["acceptance_by_category_and_type"].items():
        print(
            f"  {t:<28} {v['accepted']:>5} / {v['candidates']:<5} = {_pct(v['rate']):>7}  "
            f"({', '.join(v['feix'])})"
        )
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
    report_stability(f["stability"])
    print()
    report_diversity(f["diversity"])
    print()
    a = f["aims"]
    g, q = a["grasps_per_s_per_core"], a["penetration"]
    c = a["acceptance_per_category"]
    print(
        f"aim >= {100 * c['aim']:g} % acceptance per candidate in every category: "
        f"{'MET' if c['met'] else 'NOT MET'} (lowest {_pct(c['value'])})"
    )
    print(
        f"aim >= {g['aim']:g} accepted grasps/s/core: {'MET' if g['met'] else 'NOT MET'} ({g['value']:.2f})"
    )
    print(
        f"aim >= {100 * q['aim_fraction']:g} % at <= {q['at_mm']:g} mm penetration: "
        f"{'MET' if q['met'] else 'NOT MET'} ({_pct(q['value'])})"
    )
