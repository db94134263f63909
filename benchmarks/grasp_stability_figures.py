"""Simulated stability of the accepted grasps (``benchmarks/grasps.py --stability measure|gate``): the
literature displacement and the grip displacement (cm; mean, median, p90) and the share within the grip
bound, overall, per category and per (category, grasp type); numpy only."""

from __future__ import annotations

from collections import defaultdict

import numpy as np


def _summary(values: list[float]) -> dict:
    v = np.asarray(values, dtype=np.float64)
    return {"mean": float(v.mean()), "median": float(np.median(v)), "p90": float(np.percentile(v, 90))}


def stability_figures(ok: list[dict]) -> dict | None:
    """Per group: n, literature_cm, grip_cm (summaries) and holds (share); None when nothing was
    simulated (``--stability none``)."""
    rows = [r for r in ok if r.get("stability")]
    if not rows:
        return None
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        for key in ("all", f"category:{r['category']}", f"type:{r['category']}/{r['grasp_type']}"):
            groups[key].append(r["stability"])
    out = {}
    for key in sorted(groups, key=lambda k: (k != "all", k)):
        blocks = groups[key]
        literature = [b["sim_displacement_cm"] for b in blocks if b["sim_displacement_cm"] is not None]
        out[key] = {
            "n": len(blocks),
            "literature_cm": _summary(literature) if literature else None,
            "grip_cm": _summary([b["grip_displacement_cm"] for b in blocks]),
            "holds": float(np.mean([b["grip_holds"] for b in blocks])),
        }
    return out


def report_stability(fig: dict | None) -> None:
    """Print ``stability_figures``' table."""
    if fig is None:
        print("stability: not simulated (--stability none)")
        return
    print("stability of accepted grasps (cm; published literature displacement: ObMan 1.66 +- 2.42,")
    print("  Grasping Field 2.07, HO-3D real labels 4.31):")
    print(f"  {'group':<34} {'n':>4}  {'literature mean/med/p90':>24}  {'grip mean/med/p90':>20}  holds")
    for key, row in fig.items():
        lit = row["literature_cm"]
        lit_s = "-" if lit is None else f"{lit['mean']:6.2f} {lit['median']:6.2f} {lit['p90']:6.2f}"
        g = row["grip_cm"]
        print(
            f"  {key:<34} {row['n']:>4}  {lit_s:>24}  {g['mean']:6.2f} {g['median']:6.2f} {g['p90']:6.2f}"
            f"  {100 * row['holds']:5.1f} %"
        )
