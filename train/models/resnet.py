"""ResNet-18/34/50 encoders (He et al.; ``style='pytorch'``: the stride in the 3x3 conv), returning the
features of every stage; parameter names follow torchvision's so an ImageNet file loads by name."""

from __future__ import annotations

import torch
from handsynth_train.models.layers import init_encoder
from torch import nn


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin: int, width: int, stride: int = 1):
        super().__init__()
        cout = width * self.expansion
        self.conv1 = nn.Conv2d(cin, width, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(cin, cout, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin: int, width: int, stride: int = 1):
        super().__init__()
        cout = width * self.expansion
        self.conv1 = nn.Conv2d(cin, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, cout, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = _shortcut(cin, cout, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


def _shortcut(cin: int, cout: int, stride: int) -> nn.Module | None:
    if stride == 1 and cin == cout:
        return None
    return nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))


SPECS = {18: (BasicBlock, (2, 2, 2, 2)), 34: (BasicBlock, (3, 4, 6, 3)), 50: (Bottleneck, (3, 4, 6, 3))}


class ResNet(nn.Module):
    """ResNet encoder. ``forward(x)`` -> [stem (stride 2, base_width), layer1 (4), layer2 (8), layer3
    (16), layer4 (32)] features; ``channels`` lists their widths (2048 at stride 32 for ResNet-50).
    ``base_width`` 64 is the paper's; smaller values make tiny test networks."""

    def __init__(self, depth: int = 50, base_width: int = 64):
        super().__init__()
        if depth not in SPECS:
            raise ValueError(f"unknown ResNet depth {depth}; valid depths: {', '.join(map(str, SPECS))}")
        block, counts = SPECS[depth]
        self.conv1 = nn.Conv2d(3, base_width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(base_width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin, self.channels = base_width, [base_width]
        for i, count in enumerate(counts):
            width = base_width * 2**i
            blocks = [block(cin if k == 0 else width * block.expansion, width, 2 if (i > 0 and k == 0) else 1)
                      for k in range(count)]  # fmt: skip
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
            cin = width * block.expansion
            self.channels.append(cin)
        init_encoder(self)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        stem = self.relu(self.bn1(self.conv1(x)))  # (B, w, H/2, W/2)
        features = [stem]
        x = self.maxpool(stem)
        for i in range(1, 5):
            x = getattr(self, f"layer{i}")(x)
            features.append(x)
        return features
