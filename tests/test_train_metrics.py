"""Metrics against values worked out by hand (see the comments), and the published protocol quirks:
MMPose's strict '<', mean of per-joint accuracies and left-Riemann AUC (perfect = 0.95); hand3d's
inclusive '<=', trapezoid AUC (perfect = 1.0) and mean of per-joint medians."""

import numpy as np
import pytest
from handsynth_train.metrics import (
    EVAL_UTIL_PRESETS,
    eval_util,
    evaluate,
    evaluate_by_group,
    mmpose_auc,
    mmpose_epe,
    mmpose_pck,
)

GT = np.zeros((3, 2, 2))
PRED = np.array([[[3, 4], [0, 0]], [[6, 8], [9, 9]], [[18, 24], [9, 9]]], float)  # joint 0: d = 5, 10, 30
MASK = np.array([[True, True], [True, False], [True, False]])  # joint 1 labelled in sample 0 only (d = 0)
BOXES = np.array([[0, 0, 20, 10], [5, 5, 55, 45], [0, 0, 100, 100]], float)  # longer sides 20, 50, 100


def test_mmpose_pck_is_strict_and_a_mean_of_joint_means():
    # joint 0: 5/20 = 0.25 (miss), 10/50 = 0.2 (miss: strict <), 30/100 = 0.3 (miss) -> 0; joint 1: 0 -> 1.
    assert mmpose_pck(PRED, GT, MASK, BOXES) == pytest.approx(0.5)  # pooled would be 1/4
    assert mmpose_pck(PRED, GT, MASK, BOXES, thr=0.26) == pytest.approx((2 / 3 + 1) / 2)


def test_mmpose_auc_left_riemann_over_30_px():
    # d / 30 for joint 0: 1/6, 1/3, 1; hits when i/20 > d/30: i >= 4, i >= 7, never. Joint 1 (d 0): i >= 1.
    # PCK_i: i=0: 0; i=1-3: (0 + 1)/2; i=4-6: (1/3 + 1)/2; i=7-19: (2/3 + 1)/2.
    expected = (0 + 3 * 0.5 + 3 * (2 / 3) + 13 * (5 / 6)) / 20
    assert mmpose_auc(PRED, GT, MASK) == pytest.approx(expected)
    assert mmpose_auc(GT, GT, np.ones((3, 2), bool)) == pytest.approx(0.95)


def test_mmpose_epe_is_pooled():
    assert mmpose_epe(PRED, GT, MASK) == pytest.approx((5 + 10 + 30 + 0) / 4)


def test_eval_util_trapezoid_inclusive_per_joint():
    m = eval_util(PRED, GT, MASK, 0.0, 10.0, 3)  # thresholds 0, 5, 10
    # joint 0: PCK (<=) = 0, 1/3, 2/3 -> trapezoid (0 + 1/3)/2 * 5 + (1/3 + 2/3)/2 * 5 = 10/3, / 10.
    assert m["auc_per_joint"] == pytest.approx([1 / 3, 1.0])
    assert m["auc"] == pytest.approx(2 / 3)
    assert m["pck_curve"] == pytest.approx([0.5, 2 / 3, 5 / 6])  # joint 1 hits at t = 0 (inclusive)
    assert m["epe_mean"] == pytest.approx((15 + 0) / 2)  # mean of per-joint means
    assert m["epe_median"] == pytest.approx((10 + 0) / 2)  # mean of per-joint medians
    perfect = eval_util(GT, GT, np.ones((3, 2), bool), *EVAL_UTIL_PRESETS["hop_2d"])
    assert perfect["auc"] == pytest.approx(1.0) and perfect["epe_mean"] == 0


def test_presets_thresholds():
    m = evaluate("hand3d_2d", PRED, GT, MASK)
    assert len(m["thresholds"]) == 20 and m["thresholds"][1] == pytest.approx(30 / 19)
    assert evaluate("hop_2d", PRED, GT, MASK)["thresholds"][-1] == 20
    assert len(evaluate("freihand_3d", PRED, GT, MASK)["thresholds"]) == 100
    with pytest.raises(ValueError, match="valid protocols: mmpose, hand3d_2d, hop_2d"):
        evaluate("pck", PRED, GT, MASK)
    with pytest.raises(ValueError, match="needs the GT boxes"):
        evaluate("mmpose", PRED, GT, MASK)
    mm = evaluate("mmpose", PRED, GT, MASK, BOXES)
    assert mm["pck_per_joint"] == [0.0, 1.0] and mm["epe"] == pytest.approx(11.25)


def test_breakdown_per_group():
    out = evaluate_by_group("hop_2d", PRED, GT, MASK, ["mug", "ball", "mug"])
    assert list(out) == ["ball", "mug"] and out["ball"]["count"] == 1
    assert out["ball"]["epe_mean"] == pytest.approx(10.0)  # joint 1 unlabelled in sample 1
    assert out["mug"]["epe_mean"] == pytest.approx(((5 + 30) / 2 + 0) / 2)
    assert list(evaluate_by_group("hop_2d", PRED, GT, MASK, [None, "a", None])) == ["a"]
