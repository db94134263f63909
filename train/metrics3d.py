"""3D hand pose metrics as the published evaluation code computes them, pure numpy, for the 3D networks:
MPJPE, root-relative joints, FreiHAND's Procrustes alignment with scale (``align_w_scale``: mean-centred,
Frobenius-normalised, orthogonal, so a reflection is allowed), hand3d's 3D PCK and "AUC 20-50 mm"
(``eval_full.py``: the 0-50 mm / 20-step PCK curve averaged over joints, integrated over its thresholds
from 21.05 mm on), and the DexYCB evaluation (absolute, root-relative and Procrustes; MPJPE and AUC over
0-50 mm in 100 steps). Distances are in the unit of the inputs (mm throughout the presets)."""

from __future__ import annotations

import numpy as np
from handsynth_train.metrics import _trapezoid, eval_util


def _valid(mask, shape) -> np.ndarray:
    return np.ones(shape[:2], bool) if mask is None else np.asarray(mask, bool)


def mpjpe(pred, gt, mask=None) -> float:
    """Mean per-joint position error pooled over every valid (n, k): (N, K, 3) pred and gt, (N, K) mask
    (None: all). NaN when nothing is valid."""
    dist = np.linalg.norm(np.asarray(pred, np.float64) - np.asarray(gt, np.float64), axis=-1)
    valid = _valid(mask, dist.shape)
    return float(dist[valid].mean()) if valid.any() else float("nan")


def root_relative(joints, root: int = 0) -> np.ndarray:
    """(..., K, 3) joints minus their joint ``root`` (0: the wrist in the standard order)."""
    joints = np.asarray(joints, np.float64)
    return joints - joints[..., root : root + 1, :]


def orthogonal_procrustes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, float]:
    """SciPy's ``orthogonal_procrustes(a, b)``: the orthogonal R minimising ||a R - b||_F (reflections
    allowed) and the sum of the singular values of ``a.T b``."""
    u, w, vt = np.linalg.svd((b.T @ a).T)
    return u @ vt, float(w.sum())


def similarity_w_scale(gt: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """FreiHAND's ``align_w_scale(mtx1=gt, mtx2=pred)`` as a transform: (M (3, 3), c (3,)) such that
    ``pred @ M + c`` is ``pred`` rotated (or reflected), scaled and translated onto ``gt`` in the
    least-squares sense, both centred on the mean of all their joints (not the root)."""
    gt, pred = np.asarray(gt, np.float64), np.asarray(pred, np.float64)
    t1, t2 = gt.mean(0), pred.mean(0)
    s1 = np.linalg.norm(gt - t1) + 1e-8
    s2 = np.linalg.norm(pred - t2) + 1e-8
    r, s = orthogonal_procrustes((gt - t1) / s1, (pred - t2) / s2)
    m = r.T * (s * s1 / s2)
    return m, t1 - t2 @ m


def align_w_scale(gt: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """FreiHAND's ``align_w_scale`` for one (K, 3) pose: ``pred`` aligned onto ``gt``."""
    m, c = similarity_w_scale(gt, pred)
    return np.asarray(pred, np.float64) @ m + c


def procrustes_aligned(pred, gt, mask=None) -> np.ndarray:
    """(N, K, 3) predictions each aligned onto its truth by ``align_w_scale``, the transform estimated
    from the valid joints and applied to all (a sample with fewer than 3 valid joints is left as is)."""
    pred, gt = np.asarray(pred, np.float64), np.asarray(gt, np.float64)
    valid = _valid(mask, pred.shape)
    out = pred.copy()
    for n in range(len(pred)):
        v = valid[n]
        if v.sum() >= 3:
            m, c = similarity_w_scale(gt[n, v], pred[n, v])
            out[n] = pred[n] @ m + c
    return out


def pck_3d(pred, gt, mask, thresholds) -> np.ndarray:
    """hand3d's PCK curve: per joint mean(d <= t) over its valid instances, then the mean over joints
    that have any; (len(thresholds),)."""
    dist = np.linalg.norm(np.asarray(pred, np.float64) - np.asarray(gt, np.float64), axis=-1)
    valid = _valid(mask, dist.shape)
    curves = [[np.mean(dist[valid[:, k], k] <= t) for t in thresholds] for k in range(dist.shape[1])]
    return np.mean([c for k, c in enumerate(curves) if valid[:, k].any()], axis=0)


def hand3d_auc_20_50(pred, gt, mask=None) -> dict:
    """hand3d ``eval_full.py``: thresholds ``linspace(0, 50, 20)`` mm, the PCK curve averaged over joints,
    and ``calc_auc`` (trapezoid / range) over thresholds[8:] = 21.05 ... 50 mm. Also the plain 0-50 AUC
    (hand3d's ``auc``: the mean of per-joint AUCs), mean and median EPE (means of per-joint values)."""
    measures = eval_util(pred, gt, _valid(mask, np.shape(pred)), 0.0, 50.0, 20)
    t, curve = np.asarray(measures["thresholds"]), np.asarray(measures["pck_curve"])
    area = _trapezoid(curve[8:], t[8:]) / _trapezoid(np.ones(len(t) - 8), t[8:])
    return {
        "auc_20_50": float(area),
        "auc_0_50": measures["auc"],
        "epe_mean": measures["epe_mean"],
        "epe_median": measures["epe_median"],
        "thresholds": t.tolist(),
        "pck_curve": curve.tolist(),
    }


def evaluate_3d(pred_mm, gt_mm, mask=None, root: int = 0) -> dict:
    """DexYCB's ``hpe_eval`` on (N, K, 3) millimetres: ``absolute``, ``root_relative`` (joint ``root``
    subtracted from both) and ``procrustes`` (FreiHAND ``align_w_scale``), each with ``mpjpe`` (the mean
    of per-joint mean errors, EvalUtil's ``epe_mean``) and ``auc`` over 0-50 mm in 100 steps; plus
    hand3d's root-relative ``hand3d`` numbers (AUC 20-50 mm)."""
    valid = _valid(mask, np.shape(pred_mm))
    pred, gt = np.asarray(pred_mm, np.float64), np.asarray(gt_mm, np.float64)
    variants = {
        "absolute": (pred, gt),
        "root_relative": (root_relative(pred, root), root_relative(gt, root)),
        "procrustes": (procrustes_aligned(pred, gt, valid), gt),
    }
    out = {}
    for name, (p, g) in variants.items():
        measures = eval_util(p, g, valid, 0.0, 50.0, 100)
        out[name] = {"mpjpe": measures["epe_mean"], "auc": measures["auc"]}
    out["hand3d"] = hand3d_auc_20_50(*variants["root_relative"], valid)
    return out
