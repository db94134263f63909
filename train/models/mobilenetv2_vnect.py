"""Seed 000 (Gouidis et al.): MobileNetV2 encoder with the stride of block 14 removed and a VNect-style
depthwise decoder giving K + 1 heatmaps (the last one the background) at stride 4; torch only."""

from __future__ import annotations

import torch
from handsynth_train.models.layers import ConvBNAct, init_encoder, init_head
from torch import nn

# MobileNetV2 inverted-residual settings (expansion t, channels c, repeats n, stride s): blocks 1-17.
SETTINGS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def make_divisible(value: float, divisor: int = 8) -> int:
    """MobileNet's channel rounding: the nearest multiple of ``divisor``, never below 90 % of ``value``."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class InvertedResidual(nn.Module):
    """1x1 expand (BN, act) -> depthwise 3x3 (BN, act) -> 1x1 project (BN); residual when the shape stays."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int, act: type[nn.Module]):
        super().__init__()
        hidden = cin * expand
        layers = [] if expand == 1 else [ConvBNAct(cin, hidden, 1, act=act)]
        layers += [ConvBNAct(hidden, hidden, 3, stride, groups=hidden, act=act)]
        layers += [nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.conv = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.residual else self.conv(x)


class MobileNetV2Encoder(nn.Module):
    """MobileNetV2 stem + blocks 1-17 with block 14's stride set to 1 (the trunk ends at stride 16).
    ``features[i]`` is torchvision's layout (stem 0, block i at index i). ``forward`` returns the outputs
    at strides 4 (block 3), 8 (block 6) and 16 (block 17)."""

    def __init__(self, width_mult: float = 1.0, activation: str = "relu6"):
        super().__init__()
        acts = {"relu6": nn.ReLU6, "leaky": nn.LeakyReLU}
        if activation not in acts:
            raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(acts)}")
        act = acts[activation]
        cin = make_divisible(32 * width_mult)
        features: list[nn.Module] = [ConvBNAct(3, cin, 3, 2, act=act)]
        for t, c, n, s in SETTINGS:
            cout = make_divisible(c * width_mult)
            for k in range(n):
                block_number = len(features)
                stride = s if k == 0 and block_number != 14 else 1
                features.append(InvertedResidual(cin, cout, stride, t, act))
                cin = cout
        self.features = nn.Sequential(*features)
        self.channels = [self.features[3].conv[-1].num_features, self.features[6].conv[-1].num_features, cin]
        init_encoder(self)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in (3, 6, 17):
                out.append(x)
        return out


class DepthwiseBlock(nn.Sequential):
    """Depthwise 3x3 (BN, LeakyReLU) -> 1x1 (BN, LeakyReLU): a VNect-style conv made depthwise."""

    def __init__(self, channels: int):
        super().__init__(
            ConvBNAct(channels, channels, 3, groups=channels, act=nn.LeakyReLU),
            ConvBNAct(channels, channels, 1, act=nn.LeakyReLU),
        )


class MobileNetV2VNect(nn.Module):
    """Seed 000's network. forward (B, 3, S, S) -> {"heatmaps": (B, K + 1, S/4, S/4)}, channel K the
    background. Decoder (our reading of the paper's Figure 2, which gives no widths): 1x1 to
    ``decoder_channels[0]``; transposed conv x2 plus a 1x1-projected stride-8 skip (element-wise add);
    depthwise block; transposed conv x2 to ``decoder_channels[1]`` plus the stride-4 skip; depthwise block;
    a 1x1 conv without activation to K + 1 maps."""

    stride = 4

    def __init__(
        self,
        num_joints: int = 21,
        width_mult: float = 1.0,
        decoder_channels: tuple[int, int] = (128, 64),
        activation: str = "relu6",
    ):
        super().__init__()
        self.num_joints = num_joints
        self.encoder = MobileNetV2Encoder(width_mult, activation)
        c4, c8, c16 = self.encoder.channels
        d8, d4 = decoder_channels
        self.reduce = ConvBNAct(c16, d8, 1, act=nn.LeakyReLU)
        self.up8 = nn.ConvTranspose2d(d8, d8, 4, 2, 1, bias=False)
        self.skip8 = nn.Conv2d(c8, d8, 1, bias=False)
        self.block8 = DepthwiseBlock(d8)
        self.up4 = nn.ConvTranspose2d(d8, d4, 4, 2, 1, bias=False)
        self.skip4 = nn.Conv2d(c4, d4, 1, bias=False)
        self.block4 = DepthwiseBlock(d4)
        self.final = nn.Conv2d(d4, num_joints + 1, 1)
        init_encoder(nn.ModuleList([self.reduce, self.block8, self.block4, self.skip8, self.skip4]))
        init_head(nn.ModuleList([self.up8, self.up4, self.final]), std=0.01)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        f4, f8, f16 = self.encoder(x)  # strides 4, 8, 16
        y = self.reduce(f16)
        y = self.block8(self.up8(y) + self.skip8(f8))  # (B, d8, S/8, S/8)
        y = self.block4(self.up4(y) + self.skip4(f4))  # (B, d4, S/4, S/4)
        return {"heatmaps": self.final(y)}
