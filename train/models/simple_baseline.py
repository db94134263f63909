"""Seed 001 / MMPose top-down heatmap model: SimpleBaseline (Xiao et al.) = ResNet-18/50 + three
deconvolutions + a 1x1 conv to K heatmaps at stride 4; torch only."""

from __future__ import annotations

import torch
from handsynth_train.models.layers import init_head
from handsynth_train.models.resnet import ResNet
from torch import nn


class SimpleBaseline(nn.Module):
    """forward (B, 3, S, S) -> {"heatmaps": (B, K, S/4, S/4)}. Head as MMPose's HeatmapHead: 3 x
    [ConvTranspose2d(k4, s2, p1, no bias) -> BN -> ReLU] with ``deconv_channels`` each, then a 1x1 conv
    with bias; Normal(0, 0.001) initialisation."""

    stride = 4

    def __init__(
        self, depth: int = 50, num_joints: int = 21, base_width: int = 64, deconv_channels: int = 256
    ):
        super().__init__()
        self.num_joints = num_joints
        self.encoder = ResNet(depth, base_width)
        layers, cin = [], self.encoder.channels[-1]
        for _ in range(3):
            layers += [nn.ConvTranspose2d(cin, deconv_channels, 4, 2, 1, bias=False)]
            layers += [nn.BatchNorm2d(deconv_channels), nn.ReLU(inplace=True)]
            cin = deconv_channels
        self.deconv = nn.Sequential(*layers)
        self.final = nn.Conv2d(deconv_channels, num_joints, 1)
        init_head(nn.ModuleList([self.deconv, self.final]))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        features = self.encoder(x)[-1]  # (B, C, S/32, S/32)
        return {"heatmaps": self.final(self.deconv(features))}
