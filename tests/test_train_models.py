"""The three 2D networks: output shapes, gradients, the published layer counts (parameter numbers of
torchvision's ImageNet encoders), block 14's stride, soft-argmax and loading a local checkpoint."""

import pytest
import torch
from handsynth_train.models import MODEL_NAMES, build_model
from handsynth_train.models.layers import load_encoder_checkpoint
from handsynth_train.models.mobilenetv2_vnect import MobileNetV2Encoder, make_divisible
from handsynth_train.models.resnet import ResNet
from handsynth_train.models.resunet import soft_argmax

from handsynth.errors import UserError

TINY = {
    "mobilenetv2_vnect": {"width_mult": 0.25, "decoder_channels": (16, 8)},
    "simple_baseline_resnet18": {"base_width": 8, "deconv_channels": 16},
    "simple_baseline_resnet50": {"base_width": 8, "deconv_channels": 16},
    "resunet34": {"base_width": 8, "decoder_channels": (16, 16, 8, 8)},
}
EXPECTED = {  # (channels, heatmap side) for a 64 x 64 input
    "mobilenetv2_vnect": (22, 16),
    "simple_baseline_resnet18": (21, 16),
    "simple_baseline_resnet50": (21, 16),
    "resunet34": (21, 32),
}


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_output_shapes_and_gradients(name):
    torch.manual_seed(0)
    model = build_model(name, **TINY[name])
    out = model(torch.randn(2, 3, 64, 64))
    channels, side = EXPECTED[name]
    assert out["heatmaps"].shape == (2, channels, side, side)
    assert 64 // model.stride == side
    loss = out["heatmaps"].square().mean() + (out["uv"].mean() if "uv" in out else 0)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    if "uv" in out:
        assert out["uv"].shape == (2, 21, 2) and ((out["uv"] >= -0.5) & (out["uv"] <= 63.5)).all()


def test_encoders_have_the_published_sizes():
    # torchvision's ImageNet models minus their classifiers (and MobileNetV2's last 1x1 conv to 1280).
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(ResNet(18)) == 11_689_512 - 513_000
    assert count(ResNet(34)) == 21_797_672 - 513_000
    assert count(ResNet(50)) == 25_557_032 - 2_049_000
    assert count(MobileNetV2Encoder()) == 3_504_872 - 1_281_000 - (320 * 1280 + 2 * 1280)


def test_block_14_keeps_stride_16():
    encoder = MobileNetV2Encoder(width_mult=0.25)
    depthwise_stride = lambda i: encoder.features[i].conv[-3][0].stride  # noqa: E731
    assert depthwise_stride(14) == (1, 1) and depthwise_stride(7) == (2, 2)
    f4, f8, f16 = encoder(torch.zeros(1, 3, 64, 64))
    assert (f4.shape[-1], f8.shape[-1], f16.shape[-1]) == (16, 8, 4)
    assert f16.shape[1] == make_divisible(320 * 0.25) == 80 and make_divisible(32 * 0.35) == 16


def test_soft_argmax_hand_worked():
    heatmaps = torch.zeros(1, 2, 4, 6)
    heatmaps[0, 0, 1, 3] = 100.0  # a sharp peak at column 3, row 1
    uv = soft_argmax(heatmaps, torch.ones(2), stride=2)
    assert torch.allclose(uv[0, 0], torch.tensor([6.5, 2.5]), atol=1e-4)  # (x + 0.5) * 2 - 0.5
    assert torch.allclose(uv[0, 1], torch.tensor([5.5, 3.5]))  # uniform: the centre of an 12 x 8 input
    two = torch.zeros(1, 1, 1, 4)
    two[0, 0, 0, 0] = two[0, 0, 0, 2] = 1.0
    e = torch.e
    expected_x = (0 * e + 1 + 2 * e + 3) / (2 * e + 2)  # softmax weights e, 1, e, 1 (beta = 1)
    assert torch.allclose(soft_argmax(two, torch.ones(1), 1.0)[0, 0, 0], torch.tensor(expected_x))


def test_encoder_initialises_from_a_local_checkpoint(tmp_path):
    source = ResNet(18, base_width=8)
    state = {f"module.{k}": v for k, v in source.state_dict().items()}
    state["module.fc.weight"] = torch.zeros(10, 64)
    torch.save({"state_dict": state}, tmp_path / "r18.pth")
    model = build_model("simple_baseline_resnet18", base_width=8, deconv_channels=16)
    loaded, left = load_encoder_checkpoint(model.encoder, tmp_path / "r18.pth")
    assert left == [] and len(loaded) == len(source.state_dict())
    assert torch.equal(model.encoder.layer4[1].conv2.weight, source.layer4[1].conv2.weight)
    (tmp_path / "bad.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(UserError, match="cannot read checkpoint"):
        load_encoder_checkpoint(model.encoder, tmp_path / "bad.pth")
    torch.save({"other.weight": torch.zeros(3)}, tmp_path / "none.pth")
    with pytest.raises(UserError, match="no tensor matching"):
        load_encoder_checkpoint(model.encoder, tmp_path / "none.pth")


def test_resunet_intermediate_readouts_and_their_loss_weight():
    from handsynth_train.losses import coordinate_l1, training_loss

    torch.manual_seed(0)
    plain = build_model("resunet34", **TINY["resunet34"])
    assert "uv_intermediate" not in plain(torch.randn(1, 3, 64, 64))
    assert not any("side" in k for k in plain.state_dict())  # default checkpoints keep their keys
    model = build_model("resunet34", intermediate_heads=True, **TINY["resunet34"])
    out = model(torch.randn(2, 3, 64, 64))
    assert [uv.shape for uv in out["uv_intermediate"]] == [(2, 21, 2)] * 3
    for uv in out["uv_intermediate"]:  # each read-out lies inside the 64 x 64 input
        assert ((uv >= -0.5) & (uv <= 63.5)).all()
    target = torch.rand(2, 21, 2) * 63
    valid = torch.ones(2, 21, dtype=torch.bool)
    valid[0, 3] = False
    batch = {"joints_uv": target, "joints_valid": valid}
    final = coordinate_l1(out["uv"], target, valid.float(), 64)
    sides = [coordinate_l1(uv, target, valid.float(), 64) for uv in out["uv_intermediate"]]
    assert torch.allclose(training_loss(out, batch, 64), final)  # weight 0: the final read-out only
    expected = final + 0.5 * (sides[0] + sides[1] + sides[2]) / 3
    total = training_loss(out, batch, 64, intermediate_weight=0.5)
    assert torch.allclose(total, expected)
    total.backward()
    assert model.side_heads[0].weight.grad.abs().sum() > 0 and model.side_betas.grad.abs().sum() > 0
