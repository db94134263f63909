"""Diversity of grasp hand poses: k-means (k = 20, k-means++ start, fixed seed) over the 21 wrist-relative
hand-frame joints (flattened to 63 numbers, metres) of the accepted grasps of each category.

Two figures per category, as in the grasp-synthesis literature (GraspTTA, GraspXL): the entropy of the
cluster sizes (ln 20 ~ 3.0 when the grasps spread evenly over 20 clusters, 0 when they all fall in one)
and the mean distance of a grasp to its cluster centre (mm; how spread each cluster is). Values compare
runs of this benchmark only: papers differ in whitening and in the k-means used. numpy only.
"""

from __future__ import annotations

import numpy as np

K = 20
SEED = 0
N_INIT = 4
MAX_ITER = 100


def _kmeans_pp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding: each next centre drawn with probability proportional to the squared distance
    to the nearest centre so far."""
    centres = [x[int(rng.integers(len(x)))]]
    d2 = ((x - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = d2.sum()
        i = int(rng.choice(len(x), p=d2 / total)) if total > 0 else int(rng.integers(len(x)))
        centres.append(x[i])
        d2 = np.minimum(d2, ((x - x[i]) ** 2).sum(axis=1))
    return np.array(centres)


def kmeans(
    x: np.ndarray, k: int = K, seed: int = SEED, n_init: int = N_INIT
) -> tuple[np.ndarray, np.ndarray]:
    """Lloyd's k-means, best (lowest inertia) of ``n_init`` k-means++ starts; returns (centres (k, d),
    labels (n,)). An emptied cluster keeps its last centre."""
    x = np.asarray(x, dtype=np.float64)
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(n_init):
        centres = _kmeans_pp(x, k, rng)
        labels = np.full(len(x), -1)
        for _ in range(MAX_ITER):
            d2 = ((x[:, None, :] - centres[None]) ** 2).sum(axis=2)
            new = d2.argmin(axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            for c in range(k):
                members = x[labels == c]
                if len(members):
                    centres[c] = members.mean(axis=0)
        inertia = float(((x - centres[labels]) ** 2).sum())
        if best is None or inertia < best[0]:
            best = (inertia, centres.copy(), labels.copy())
    return best[1], best[2]


def diversity(joints: np.ndarray, k: int = K, seed: int = SEED) -> dict:
    """Entropy of the cluster sizes and mean distance to the assigned centre (mm) of (n, 21, 3) joints."""
    x = np.asarray(joints, dtype=np.float64).reshape(len(joints), -1)
    centres, labels = kmeans(x, k, seed)
    p = np.bincount(labels, minlength=k) / len(x)
    p = p[p > 0]
    return {
        "n": int(len(x)),
        "k": k,
        "entropy": float(-(p * np.log(p)).sum()),
        "max_entropy": float(np.log(k)),
        "mean_distance_mm": float(np.linalg.norm(x - centres[labels], axis=1).mean() * 1e3),
    }


def diversity_by_category(records: list[dict], k: int = K, seed: int = SEED) -> dict:
    """``diversity`` per category over the accepted records that carry ``joints_hand``; a category with
    fewer than 2k grasps is left out (too few for 20 clusters to mean anything)."""
    by_cat: dict[str, list] = {}
    for r in records:
        if "joints_hand" in r:
            by_cat.setdefault(r["category"], []).append(r["joints_hand"])
    return {c: diversity(np.array(j), k, seed) for c, j in sorted(by_cat.items()) if len(j) >= 2 * k}


def report_diversity(div: dict) -> None:
    if not div:
        print(f"diversity: fewer than {2 * K} accepted grasps in every category, not computed")
        return
    print(f"diversity (k-means k={K} over 21 wrist-relative hand-frame joints, seed {SEED}):")
    for c, d in div.items():
        print(
            f"  {c:<12} n {d['n']:>5}: entropy {d['entropy']:.3f} / {d['max_entropy']:.3f}, "
            f"mean distance to centre {d['mean_distance_mm']:.1f} mm"
        )
