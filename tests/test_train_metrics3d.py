"""3D metrics against values worked out by hand: MPJPE, root-relative joints, FreiHAND's Procrustes with
scale (reflections allowed), hand3d's AUC 20-50 mm and the DexYCB absolute / root-relative / Procrustes
numbers."""

import numpy as np
import pytest
import scipy.linalg
from handsynth_train.metrics3d import (
    align_w_scale,
    evaluate_3d,
    hand3d_auc_20_50,
    mpjpe,
    orthogonal_procrustes,
    pck_3d,
    procrustes_aligned,
    root_relative,
)
from scipy.spatial.transform import Rotation


def test_mpjpe_pools_valid_joints_and_root_relative_subtracts_joint_0():
    gt = np.zeros((2, 2, 3))
    pred = np.array([[[3.0, 4.0, 0.0], [0.0, 0.0, 1.0]], [[0.0, 0.0, 0.0], [0.0, 6.0, 8.0]]])
    assert mpjpe(pred, gt) == pytest.approx((5 + 1 + 0 + 10) / 4)
    assert mpjpe(pred, gt, [[True, False], [True, True]]) == pytest.approx(15 / 3)
    np.testing.assert_array_equal(root_relative(pred)[0], [[0, 0, 0], [-3, -4, 1]])


def test_procrustes_undoes_any_similarity_and_a_reflection():
    rng = np.random.default_rng(0)
    gt = rng.normal(size=(21, 3)) * 40
    rotation = Rotation.from_rotvec([0.3, -1.1, 0.7]).as_matrix()
    pred = 1.7 * gt @ rotation.T + [5.0, -20.0, 300.0]
    np.testing.assert_allclose(align_w_scale(gt, pred), gt, atol=1e-9)
    mirrored = gt * [-1, 1, 1]  # orthogonal, not special-orthogonal: FreiHAND has no reflection guard
    np.testing.assert_allclose(align_w_scale(gt, mirrored), gt, atol=1e-9)


def test_procrustes_hand_worked_residual_on_a_line():
    gt = np.array([[-1.0, 0, 0], [0, 0, 0], [1, 0, 0]])
    pred = np.array([[-1.0, 0, 0], [0, 0, 0], [2, 0, 0]])
    # centred pred (-4/3, -1/3, 5/3), best scale <g, p> / <p, p> = 3 / (14/3) = 9/14:
    # aligned x = (-6/7, -3/14, 15/14), errors 1/7, 3/14, 1/14 -> mean 1/7
    expected = np.array([[-6 / 7, 0, 0], [-3 / 14, 0, 0], [15 / 14, 0, 0]])
    np.testing.assert_allclose(align_w_scale(gt, pred), expected, atol=1e-9)
    moved = pred @ Rotation.from_rotvec([0.2, 0.4, -0.9]).as_matrix().T + 7.0
    assert mpjpe(procrustes_aligned(moved[None], gt[None]), gt[None]) == pytest.approx(1 / 7)


def test_our_procrustes_is_scipys():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(21, 3)), rng.normal(size=(21, 3))
    r, s = orthogonal_procrustes(a, b)
    r_ref, s_ref = scipy.linalg.orthogonal_procrustes(a, b)
    np.testing.assert_allclose(r, r_ref, atol=1e-12)
    assert s == pytest.approx(s_ref)


def test_procrustes_estimates_from_valid_joints_and_moves_all():
    rng = np.random.default_rng(2)
    gt = rng.normal(size=(1, 5, 3)) * 30
    pred = gt * 2.0 + 10.0
    pred[0, 4] += 100.0  # a wild joint, masked out of the estimate
    mask = np.array([[True, True, True, True, False]])
    aligned = procrustes_aligned(pred, gt, mask)
    np.testing.assert_allclose(aligned[0, :4], gt[0, :4], atol=1e-9)
    np.testing.assert_allclose(aligned[0, 4], gt[0, 4] + 50.0, atol=1e-9)  # the same transform: /2


def test_hand3d_auc_20_50_hand_worked():
    gt = np.zeros((3, 21, 3))
    pred = gt + [30.0, 0.0, 0.0]  # every joint 30 mm off
    result = hand3d_auc_20_50(pred, gt)
    # thresholds 50 i / 19; PCK 0 up to t_11 = 28.9, 1 from t_12 = 31.6; over t_8 .. t_19 (11 steps h):
    # trapezoid = h (0.5 + 7), range = 11 h
    assert result["auc_20_50"] == pytest.approx(7.5 / 11)
    assert result["thresholds"][8] == pytest.approx(21.0526, abs=1e-4)
    assert result["epe_mean"] == pytest.approx(30.0) and result["epe_median"] == pytest.approx(30.0)
    assert result["auc_0_50"] == pytest.approx(7.5 / 19)  # over all 19 steps
    np.testing.assert_array_equal(pck_3d(pred, gt, None, [29.9, 30.0]), [0.0, 1.0])  # inclusive <=


def test_evaluate_3d_dexycb_variants():
    rng = np.random.default_rng(5)
    gt = rng.integers(-40, 40, size=(4, 21, 3)).astype(float) + [0, 0, 500]  # exact sums
    shifted = gt + [10.0, 0.0, 0.0]  # a pure translation: 10 mm absolute, 0 after root or Procrustes
    result = evaluate_3d(shifted, gt)
    assert result["absolute"]["mpjpe"] == pytest.approx(10.0)
    assert result["root_relative"]["mpjpe"] == pytest.approx(0.0, abs=1e-9)
    assert result["procrustes"]["mpjpe"] == pytest.approx(0.0, abs=1e-6)
    assert result["root_relative"]["auc"] == pytest.approx(1.0) and result["hand3d"]["auc_20_50"] == 1.0
    # 100 thresholds over 0-50 mm, step 50/99; PCK(10 mm) is 0 below 10.10 mm: area = (50 - 10.10 + h/2) / 50
    h = 50 / 99
    assert result["absolute"]["auc"] == pytest.approx((50 - 20 * h + h / 2) / 50)
