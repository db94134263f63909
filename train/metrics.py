"""Hand pose metrics exactly as published, pure numpy: MMPose's PCK@0.2 (bbox), AUC (0-30 px) and EPE,
and hand3d's EvalUtil (AUC by trapezoid over thresholds, mean / median EPE per joint) with the hand3d,
HOP and FreiHAND presets; breakdowns per group (object category, grasp type) and per joint."""

from __future__ import annotations

import numpy as np

_trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy >= 2 renamed trapz

# EvalUtil presets: (threshold min, max, steps), in the unit of the distances (px or mm).
EVAL_UTIL_PRESETS = {
    "hand3d_2d": (0.0, 30.0, 20),  # hand3d eval2d: 0-30 px in 20 steps
    "hop_2d": (0.0, 20.0, 20),  # HOP (seed 004): AUC of PCK over 0-20 px (the step count is our choice)
    "hand3d_3d": (0.0, 50.0, 20),  # hand3d eval3d: 0-50 mm in 20 steps
    "freihand_3d": (0.0, 50.0, 100),  # FreiHAND / HO-3D / DexYCB: 0-50 mm in 100 steps
}
PROTOCOLS = ("mmpose", *EVAL_UTIL_PRESETS)


def _distances(pred, gt, mask, norm) -> np.ndarray:
    """MMPose ``_calc_distances``: (N, K, 2) pred and gt, (N, K) mask, (N, 2) norm -> (K, N), -1 where
    masked out (also whole samples with a zero norm); norms <= 0 become 1e6."""
    pred, gt = np.asarray(pred, np.float64), np.asarray(gt, np.float64)
    mask = np.asarray(mask, bool).copy()
    norm = np.asarray(norm, np.float64).copy()
    mask[np.where((norm == 0).sum(1))[0], :] = False
    norm[norm <= 0] = 1e6
    d = np.full(mask.shape, -1.0)
    d[mask] = np.linalg.norm((pred - gt) / norm[:, None, :], axis=-1)[mask]
    return d.T


def _distance_acc(d: np.ndarray, thr: float) -> float:
    valid = d != -1
    return float((d[valid] < thr).sum() / valid.sum()) if valid.sum() > 0 else -1.0


def pck_accuracy(pred, gt, mask, thr: float, norm) -> tuple[np.ndarray, float, int]:
    """MMPose ``keypoint_pck_accuracy``: per-joint accuracy (K,) (-1 for a joint without valid
    instances), their mean over joints that have some (strict ``d / norm < thr``), and that joint count.

    pred, gt: (N, K, 2) pixels; mask: (N, K) bool; norm: (N, 2) normalisers per sample.
    """
    acc = np.array([_distance_acc(d, thr) for d in _distances(pred, gt, mask, norm)])
    valid = acc[acc >= 0]
    return acc, float(valid.mean()) if len(valid) else 0.0, len(valid)


def bbox_norm(bbox_xyxy) -> np.ndarray:
    """(N, 4) GT boxes ``[x0, y0, x1, y1]`` -> (N, 2) MMPose bbox normaliser: the longer side, twice."""
    bbox = np.asarray(bbox_xyxy, np.float64)
    side = np.max(bbox[:, 2:] - bbox[:, :2], axis=1, keepdims=True)
    return np.tile(side, (1, 2))


def mmpose_pck(pred, gt, mask, bbox_xyxy, thr: float = 0.2) -> float:
    """MMPose ``PCKAccuracy(thr, norm_item='bbox')``: distances divided by the GT box's longer side."""
    return pck_accuracy(pred, gt, mask, thr, bbox_norm(bbox_xyxy))[1]


def mmpose_auc(pred, gt, mask, norm_factor: float = 30.0, num_thrs: int = 20) -> float:
    """MMPose ``keypoint_auc``: left Riemann mean of PCK at ``d / norm_factor < i / num_thrs``,
    i = 0 .. num_thrs - 1 (a perfect predictor scores 0.95 with the defaults)."""
    norm = np.tile([[norm_factor, norm_factor]], (len(np.asarray(pred)), 1))
    thrs = [i / num_thrs for i in range(num_thrs)]
    return float(sum(pck_accuracy(pred, gt, mask, t, norm)[1] for t in thrs) / num_thrs)


def mmpose_epe(pred, gt, mask) -> float:
    """MMPose ``keypoint_epe``: the pooled mean end-point error over all valid (n, k), pixels."""
    d = _distances(pred, gt, mask, np.ones((len(np.asarray(pred)), 2)))
    valid = d[d != -1]
    return float(valid.sum() / max(1, len(valid)))


def eval_util(pred, gt, mask, lo: float, hi: float, steps: int) -> dict:
    """hand3d's ``EvalUtil.get_measures(lo, hi, steps)`` over (N, K, D) predictions and truths and (N, K)
    visibility: per joint, the distances of its visible instances; PCK(t) = mean(d <= t) (inclusive);
    AUC_k = trapezoid(PCK_k, t) / (hi - lo); joints without visible instances are skipped.

    Returns ``auc``, ``epe_mean`` (mean of per-joint means), ``epe_median`` (mean of per-joint medians),
    ``thresholds`` (steps,), ``pck_curve`` (steps,) mean over joints, and per joint ``auc_per_joint``,
    ``epe_mean_per_joint`` (NaN for skipped joints).
    """
    pred, gt = np.asarray(pred, np.float64), np.asarray(gt, np.float64)
    mask = np.asarray(mask, bool)
    thresholds = np.linspace(lo, hi, steps)
    norm = _trapezoid(np.ones_like(thresholds), thresholds)
    dist = np.linalg.norm(pred - gt, axis=-1)  # (N, K)
    k = dist.shape[1]
    auc_k, mean_k, median_k, curves = np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan), []
    for j in range(k):
        d = dist[mask[:, j], j]
        if len(d) == 0:
            continue
        mean_k[j], median_k[j] = d.mean(), np.median(d)
        curve = np.array([np.mean(d <= t) for t in thresholds])
        curves.append(curve)
        auc_k[j] = _trapezoid(curve, thresholds) / norm
    if not curves:
        nan = float("nan")
        return {
            "auc": nan,
            "epe_mean": nan,
            "epe_median": nan,
            "thresholds": thresholds.tolist(),
            "pck_curve": [],
        }
    return {
        "auc": float(np.nanmean(auc_k)),
        "epe_mean": float(np.nanmean(mean_k)),
        "epe_median": float(np.nanmean(median_k)),
        "thresholds": thresholds.tolist(),
        "pck_curve": np.mean(curves, axis=0).tolist(),
        "auc_per_joint": auc_k.tolist(),
        "epe_mean_per_joint": mean_k.tolist(),
    }


def evaluate(protocol: str, pred, gt, mask, bbox_xyxy=None) -> dict:
    """One protocol's numbers. ``"mmpose"`` (needs ``bbox_xyxy``): ``pck@0.2``, ``auc`` (0-30 px), ``epe``
    and ``pck_per_joint``; an ``EVAL_UTIL_PRESETS`` name: ``eval_util`` with that preset."""
    if protocol == "mmpose":
        if bbox_xyxy is None:
            raise ValueError("the mmpose protocol needs the GT boxes (bbox_xyxy)")
        acc, pck, _ = pck_accuracy(pred, gt, mask, 0.2, bbox_norm(bbox_xyxy))
        return {
            "pck@0.2": pck,
            "auc": mmpose_auc(pred, gt, mask),
            "epe": mmpose_epe(pred, gt, mask),
            "pck_per_joint": acc.tolist(),
        }
    if protocol not in EVAL_UTIL_PRESETS:
        raise ValueError(f"unknown protocol {protocol!r}; valid protocols: {', '.join(PROTOCOLS)}")
    return eval_util(pred, gt, mask, *EVAL_UTIL_PRESETS[protocol])


def evaluate_by_group(protocol: str, pred, gt, mask, groups, bbox_xyxy=None) -> dict:
    """``evaluate`` on the samples of each group (e.g. object category or grasp type per sample);
    groups: (N,) labels (None for unknown: left out). Returns label -> metrics, with ``count``."""
    groups = np.asarray([str(g) if g is not None else "" for g in groups])
    out = {}
    for label in sorted(set(groups) - {""}):
        pick = groups == label
        box = None if bbox_xyxy is None else np.asarray(bbox_xyxy)[pick]
        metrics = evaluate(
            protocol, np.asarray(pred)[pick], np.asarray(gt)[pick], np.asarray(mask)[pick], box
        )
        out[label] = {"count": int(pick.sum()), **metrics}
    return out
