"""Test-time read-out: MMPose's flip test (flip back, 1 px shift, 0.5/0.5 mean) and seed 000's
low-confidence rule, on hand-made heatmaps and toy networks whose answers are known exactly."""

import numpy as np
import pytest
import torch
from handsynth_train.inference import (
    decode_low_confidence,
    flip_back_heatmaps,
    flip_test_output,
    infer_uv,
    local_peaks,
    spatial_softmax,
)
from handsynth_train.models.resunet import soft_argmax
from torch import nn


class Echo(nn.Module):
    """A 'network' whose heatmap is its input's first channel (stride 1)."""

    stride = 1

    def forward(self, x):
        return {"heatmaps": x[:, :1].clone()}


class SoftArgmaxEcho(nn.Module):
    """A soft-argmax 'network' over its input's first channel: mirror-equivariant by construction."""

    stride = 1

    def forward(self, x):
        heatmaps = x[:, :1] * 5.0
        return {"heatmaps": heatmaps, "uv": soft_argmax(heatmaps, torch.ones(1), 1)}


def test_flip_back_shifts_right_by_one_pixel_keeping_column_0():
    mirrored = torch.tensor([[[[1.0, 2.0, 3.0, 4.0]]]])
    assert flip_back_heatmaps(mirrored).flatten().tolist() == [4.0, 4.0, 3.0, 2.0]
    assert flip_back_heatmaps(mirrored, shift=False).flatten().tolist() == [4.0, 3.0, 2.0, 1.0]


def test_flip_test_averages_plain_and_shifted_flip_back():
    image = torch.zeros(1, 3, 2, 5)
    image[0, 0, 0] = torch.tensor([0.0, 1.0, 2.0, 3.0, 4.0])
    out = flip_test_output(Echo(), image)["heatmaps"][0, 0, 0]
    # the mirrored run sees [4 3 2 1 0]; flipped back [0 1 2 3 4]; shifted [0 0 1 2 3]
    assert out.tolist() == [0.0, 0.5, 1.5, 2.5, 3.5]


def test_flip_test_of_soft_argmax_maps_mirrored_coordinates_back_exactly():
    rng = np.random.default_rng(0)
    image = torch.from_numpy(rng.uniform(0, 1, (2, 3, 8, 8)).astype(np.float32))
    model = SoftArgmaxEcho()
    plain = model(image)["uv"]
    flipped = flip_test_output(model, image)["uv"]
    assert torch.allclose(flipped, plain, atol=1e-5)  # u -> S - 1 - u is the exact inverse of the mirror
    assert not torch.allclose(plain[0], plain[1])


def test_infer_uv_refuses_the_low_confidence_rule_for_soft_argmax():
    with pytest.raises(ValueError, match="heatmap-argmax"):
        infer_uv(SoftArgmaxEcho(), torch.zeros(1, 3, 8, 8), low_confidence=0.5)


def test_spatial_softmax_sums_to_one_and_peaks_are_local_maxima_highest_first():
    prob = spatial_softmax(np.arange(12.0).reshape(1, 3, 4))
    assert np.isclose(prob.sum(), 1.0)
    grid = np.zeros((6, 6))
    grid[1, 1], grid[4, 4], grid[1, 4] = 0.5, 0.9, 0.7
    grid[4, 3] = 0.8  # next to the 0.9 peak: not a local maximum
    assert local_peaks(grid, 3) == [(4, 4), (4, 1), (1, 1)]


def test_low_confidence_joint_takes_its_peak_nearest_the_confident_joints():
    maps = np.zeros((1, 3, 16, 16))
    maps[0, 0, 3, 3] = 30.0  # confident at (3, 3)
    maps[0, 1, 4, 5] = 30.0  # confident at (5, 4)
    maps[0, 2, 12, 13] = 2.0  # weak joint: its highest peak, far away at (13, 12)
    maps[0, 2, 5, 6] = 1.5  # and a lower peak next to the confident joints at (6, 5)
    stride = 4
    uv, confident = decode_low_confidence(maps, stride, threshold=0.5)
    assert confident.tolist() == [[True, True, False]]
    assert uv[0, :2].tolist() == [[12.0, 12.0], [20.0, 16.0]]  # plain MSRA decoding, x stride
    assert uv[0, 2].tolist() == [24.0, 20.0]  # the near peak (6, 5), not the argmax (13, 12)
    plain, _ = decode_low_confidence(maps, stride, threshold=0.5, peaks=1)
    assert plain[0, 2].tolist() == [52.0, 48.0]  # with one candidate the argmax stays
    none_confident, flags = decode_low_confidence(maps, stride, threshold=1.1)
    assert not flags.any() and none_confident[0, 2].tolist() == [52.0, 48.0]  # nothing to be near
