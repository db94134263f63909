"""Mirroring, crops and augmentation (image and joints move together), heatmap targets, merging and the
DataLoader with worker processes."""

import numpy as np
import pytest
import torch
from handsynth_train.data.loader import HandPoseDataset, SampleConfig, make_loader
from handsynth_train.data.merge import MergedSource
from handsynth_train.data.sources import open_source
from handsynth_train.data.targets import background_heatmap, decode_heatmaps, gaussian_heatmaps
from handsynth_train.data.transforms import Augment, crop_sample, crop_transform, hand_box, mirror
from test_train_layouts import write_handsynth, write_rhd

from handsynth.conventions import project_points


@pytest.fixture(scope="module")
def rhd_sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("rhd")
    write_rhd(root)
    return open_source(f"rhd:{root}")[0]


def dots_follow_joints(sample, min_value=120):
    """Each labelled joint's pixel (nearest) holds a bright dot after the warp (bilinear blurs it)."""
    px = np.floor(sample.joints_uv + 0.5).astype(int)
    labelled = np.flatnonzero(sample.joints_vis > 0)
    assert len(labelled) > 0
    for j in labelled:
        u, v = px[j]
        patch = sample.image[max(v - 1, 0) : v + 2, max(u - 1, 0) : u + 2].max()
        assert patch > min_value, f"joint {j}: no dot near {px[j]}"


def test_mirror_is_consistent_and_an_involution(rhd_sample):
    m = mirror(rhd_sample)
    assert m.side == "left"
    np.testing.assert_array_equal(m.image, rhd_sample.image[:, ::-1])
    np.testing.assert_allclose(m.joints_uv[:, 0], 63 - rhd_sample.joints_uv[:, 0], atol=1e-5)
    np.testing.assert_allclose(project_points(m.joints_cam, m.K), m.joints_uv, atol=1e-4)
    dots_follow_joints(m)
    back = mirror(m)
    np.testing.assert_allclose(back.K, rhd_sample.K)
    np.testing.assert_allclose(back.joints_cam, rhd_sample.joints_cam)
    assert back.side == "right"


def test_crop_centres_the_hand_with_its_margin(rhd_sample):
    box = hand_box(rhd_sample)
    px = np.floor(rhd_sample.joints_uv + 0.5)
    assert box[0] <= px[:, 0].min() and box[2] >= px[:, 0].max()
    crop = crop_sample(rhd_sample, 32, margin=2.0)
    assert crop.image.shape == (32, 32, 3) and crop.hand_mask.shape == (32, 32)
    mapped = crop_transform(box, 32, 2.0) @ np.array([[box[0], box[2]], [box[1], box[3]], [1, 1]])
    side = (mapped[:2, 1] - mapped[:2, 0]).max()
    assert side == pytest.approx(16.0)  # the box's longer side fills half the crop
    np.testing.assert_allclose(mapped[:2].mean(axis=1), [15.5, 15.5])
    np.testing.assert_allclose(project_points(crop.joints_cam, crop.K), crop.joints_uv, atol=1e-3)


def test_augmentation_moves_image_and_joints_together(rhd_sample):
    rng = np.random.default_rng(5)
    augment = Augment(colour=0.0)
    angles = []
    for _ in range(6):
        crop = crop_sample(rhd_sample, 96, margin=1.6, augment=augment, rng=rng)
        dots_follow_joints(crop)
        np.testing.assert_allclose(project_points(crop.joints_cam, crop.K), crop.joints_uv, atol=1e-3)
        A = np.asarray(crop.extra["crop_affine"])
        angles.append(np.degrees(np.arctan2(A[1, 0], A[0, 0])))
    assert max(np.abs(angles)) <= 30 and np.ptp(angles) > 5
    jittered = crop_sample(rhd_sample, 96, 1.6, Augment(colour=0.3), np.random.default_rng(1))
    plain = crop_sample(rhd_sample, 96, 1.6, Augment(colour=0.0), np.random.default_rng(1))
    np.testing.assert_array_equal(jittered.joints_uv, plain.joints_uv)
    assert np.abs(jittered.image.astype(int) - plain.image).max() > 0


def test_heatmaps_encode_decode_and_background():
    uv = np.array([[10.0, 21.0], [33.4, 5.7], [-40.0, 3.0], [8.0, 8.0]])
    heatmaps, weights = gaussian_heatmaps(uv, np.array([True, True, True, False]), 16, stride=4, sigma=2)
    assert weights.tolist() == [1, 1, 0, 0]  # window of joint 2 lies wholly outside; joint 3 unlabelled
    assert heatmaps[0, 5, 3] == 1.0 and heatmaps[1, 1, 8] == 1.0  # int(uv / 4 + 0.5)
    assert heatmaps[0, 5, 4] == pytest.approx(np.exp(-1 / 8)) and heatmaps[0, 5, 10] == 0  # 3 sigma cut
    decoded, maxval = decode_heatmaps(heatmaps[None], stride=4)
    np.testing.assert_allclose(decoded[0, :2], [[12, 20], [32, 4]])
    assert decoded[0, 2].tolist() == [-1, -1] and maxval[0, 0] == 1
    shifted = heatmaps[:1].copy()
    shifted[0, 5, 4] += 0.1  # right neighbour higher: a quarter heatmap pixel to the right
    assert decode_heatmaps(shifted, 4)[0][0].tolist() == [13.0, 20.0]
    bg = background_heatmap(heatmaps)
    assert bg[5, 3] == 0 and bg[15, 15] == 1


def test_merge_follows_weights_and_is_deterministic(tmp_path):
    write_handsynth(tmp_path / "a")
    write_rhd(tmp_path / "b")
    a, b = open_source(f"handsynth:{tmp_path / 'a'}", "all"), open_source(f"rhd:{tmp_path / 'b'}")
    merged = MergedSource([a, b], [0.3, 0.7], 2000, seed=4)
    picks = np.array([merged.locate(i)[0] for i in range(2000)])
    assert abs(picks.mean() - 0.7) < 0.04
    assert [merged.locate(i) for i in range(50)] == [
        MergedSource([a, b], [3, 7], 2000, 4).locate(i) for i in range(50)
    ]
    assert merged[int(np.flatnonzero(picks == 1)[0])].source.startswith("rhd:")
    with pytest.raises(ValueError, match="one weight per source"):
        MergedSource([a, b], [1.0], 10)


def test_loader_with_workers_matches_the_main_process(tmp_path):
    write_handsynth(tmp_path)
    source = open_source(f"handsynth:{tmp_path}", "all")
    config = SampleConfig(input_size=32, heatmap_stride=4, background_channel=True)
    dataset = HandPoseDataset(source, config, Augment(), seed=2)
    item = dataset[1]  # a left hand: mirrored
    assert item["mirrored"] and item["image"].shape == (3, 32, 32) and item["heatmaps"].shape == (22, 8, 8)
    assert torch.allclose(item["heatmaps"][21], 1 - item["heatmaps"][:21].amax(dim=0))
    batches = list(make_loader(dataset, batch_size=2, workers=2, shuffle=False))
    serial = list(make_loader(dataset, batch_size=2, workers=0, shuffle=False))
    assert len(batches) == 2 and batches[0]["image"].shape == (2, 3, 32, 32)
    for b, s in zip(batches, serial, strict=True):
        assert torch.equal(b["image"], s["image"]) and torch.equal(b["joints_uv"], s["joints_uv"])
    dataset.set_epoch(1)
    assert not torch.equal(dataset[0]["joints_uv"], batches[0]["joints_uv"][0])


def test_inspect_data_prints_and_draws(tmp_path, capsys):
    from handsynth_train.inspect_data import main

    write_rhd(tmp_path / "rhd")
    out = tmp_path / "overlay.png"
    assert (
        main([f"rhd:{tmp_path / 'rhd'}", "--index", "0", "--out", str(out), "--crop", "32", "--scale", "2"])
        == 0
    )
    printed = capsys.readouterr().out
    assert '"side": "right"' in printed and "21/21 joints labelled" in printed
    from PIL import Image

    with Image.open(out) as image:
        assert image.size == (64 * 2 + 32 * 4, 128)  # the 64 px image at scale 2 beside the 32 px crop
    assert main([f"rhd:{tmp_path / 'missing'}", "--out", str(out)]) == 2
    assert main([f"rhd:{tmp_path / 'rhd'}", "--index", "5", "--out", str(out)]) == 2
    assert "outside the 1 samples" in capsys.readouterr().err


def test_random_flip_mirrors_and_maps_back_to_the_original_pixels(rhd_sample):
    from handsynth_train.data.loader import prepare
    from handsynth_train.losses import to_original

    config = SampleConfig(input_size=64, crop_margin=1.6)
    flags = []
    for seed in range(12):
        out = prepare(rhd_sample, config, Augment(flip_prob=0.5, colour=0.0), np.random.default_rng(seed))
        flags.append(bool(out["mirrored"]))
        back = to_original(
            out["joints_uv"].numpy()[None].astype(np.float64),
            out["crop_affine"].numpy()[None],
            out["mirrored"].numpy()[None],
            out["image_width"].numpy()[None],
        )[0]
        valid = out["orig_valid"].numpy()
        np.testing.assert_allclose(back[valid], out["orig_uv"].numpy()[valid], atol=1e-3)
    assert rhd_sample.side == "right" and 0 < sum(flags) < len(flags)  # some flipped, some not
    always = prepare(rhd_sample, config, Augment(flip_prob=1.0), np.random.default_rng(0))
    assert bool(always["mirrored"])
    # flip_prob 0 draws nothing: the crop and jitter are those of the same seed without the field's use
    a = prepare(rhd_sample, config, Augment(flip_prob=0.0), np.random.default_rng(3))
    b = crop_sample(rhd_sample, 64, 1.6, Augment(), np.random.default_rng(3))
    np.testing.assert_array_equal(a["joints_uv"].numpy(), b.joints_uv.astype(np.float32))
