"""Seed 002 (Bekiri & Babahenini): ResUnet = ResNet-34 encoder + U-Net decoder whose latent heatmaps give
2D joints by a soft-argmax with a learnable sharpness per joint; torch only. (The 3D bone branch is not
here yet.)

The paper estimates 2D heatmaps after each Unet-Block ("estimate 2D heatmaps before passing it to the
upcoming Unet-Block", "including pose data from intermediate outputs") but states no loss on them and no
weights; its only stated loss is the 3D bone loss. So the intermediate read-outs are optional
(``intermediate_heads``): a 1x1 convolution to K latent maps after the stride-16, -8 and -4 blocks, each
read out by its own soft-argmax, weighted in the loss by ``model.intermediate_weight`` (default 0: off).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from handsynth_train.models.layers import init_encoder
from handsynth_train.models.resnet import ResNet
from torch import nn


class UnetBlock(nn.Module):
    """Bilinear x2 upsampling, concatenation with the skip feature, 2 x [conv3x3 -> BN -> ReLU]."""

    def __init__(self, cin: int, cskip: int, cout: int):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(cin + cskip, cout, 3, 1, 1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, 1, 1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
        return self.convs(torch.cat([x, skip], dim=1))


def soft_argmax(heatmaps: torch.Tensor, beta: torch.Tensor, stride: float) -> torch.Tensor:
    """Integral regression: (B, K, h, w) latent maps, (K,) sharpness -> (B, K, 2) input pixels.

    P = softmax over h*w of beta_k * H_k; (u, v) = sum of pixel centres weighted by P, mapped to input
    pixels by ``(x + 0.5) * stride - 0.5`` (pixel centres at integer coordinates in both frames).
    """
    b, k, h, w = heatmaps.shape
    p = torch.softmax((heatmaps * beta.view(1, k, 1, 1)).reshape(b, k, h * w), dim=-1).reshape(b, k, h, w)
    xs = torch.arange(w, dtype=p.dtype, device=p.device)
    ys = torch.arange(h, dtype=p.dtype, device=p.device)
    u = (p.sum(dim=2) * xs).sum(dim=-1)
    v = (p.sum(dim=3) * ys).sum(dim=-1)
    return (torch.stack([u, v], dim=-1) + 0.5) * stride - 0.5


class ResUnet(nn.Module):
    """forward (B, 3, S, S) -> {"heatmaps": (B, K, S/2, S/2) latent maps, "uv": (B, K, 2) input pixels}.

    U-Net blocks (bilinear x2, concatenated skip, two conv-BN-ReLU) from stride 32 down to stride 2
    (skips: layer3, layer2, layer1, stem), then the paper's closing pair of convolutions with a ReLU between
    them giving the K latent maps: a 128 input gives 64 x 64 maps, the paper's size.
    """

    stride = 2

    def __init__(
        self,
        num_joints: int = 21,
        base_width: int = 64,
        decoder_channels=(256, 128, 64, 64),
        intermediate_heads: bool = False,
    ):
        super().__init__()
        self.num_joints = num_joints
        self.encoder = ResNet(34, base_width)
        c = self.encoder.channels  # stem, layer1..4
        d = decoder_channels
        self.up16 = UnetBlock(c[4], c[3], d[0])
        self.up8 = UnetBlock(d[0], c[2], d[1])
        self.up4 = UnetBlock(d[1], c[1], d[2])
        self.up2 = UnetBlock(d[2], c[0], d[3])
        self.head = nn.Sequential(
            nn.Conv2d(d[3], d[3], 3, 1, 1), nn.ReLU(inplace=True), nn.Conv2d(d[3], num_joints, 1)
        )
        self.beta = nn.Parameter(torch.ones(num_joints))
        init_encoder(nn.ModuleList([self.up16, self.up8, self.up4, self.up2, self.head]))
        self.side_heads = None
        if intermediate_heads:  # after the stride-16, -8 and -4 blocks
            self.side_heads = nn.ModuleList([nn.Conv2d(c, num_joints, 1) for c in d[:3]])
            self.side_betas = nn.Parameter(torch.ones(3, num_joints))
            init_encoder(self.side_heads)

    def forward(self, x: torch.Tensor) -> dict:
        """{"heatmaps", "uv"}, plus with intermediate heads "uv_intermediate": a list of three (B, K, 2)
        input-pixel read-outs of the stride-16, -8 and -4 blocks."""
        stem, f4, f8, f16, f32 = self.encoder(x)
        y16 = self.up16(f32, f16)
        y8 = self.up8(y16, f8)
        y4 = self.up4(y8, f4)
        heatmaps = self.head(self.up2(y4, stem))  # (B, K, S/2, S/2)
        out = {"heatmaps": heatmaps, "uv": soft_argmax(heatmaps, self.beta, self.stride)}
        if self.side_heads is not None:
            out["uv_intermediate"] = [
                soft_argmax(head(y), beta, stride)
                for head, y, beta, stride in zip(
                    self.side_heads, (y16, y8, y4), self.side_betas, (16, 8, 4), strict=True
                )
            ]
        return out
