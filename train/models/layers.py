"""Building blocks shared by the networks and initialisation from a local checkpoint file (torch only)."""

from __future__ import annotations

import pickle
from pathlib import Path

import torch
from torch import nn

from handsynth.errors import UserError


class ConvBNAct(nn.Sequential):
    """conv(k, stride, groups) -> BatchNorm -> activation (None: no activation); indices 0, 1, 2 like
    torchvision's ``Conv2dNormActivation`` so ImageNet checkpoints in that layout load by name."""

    def __init__(self, cin, cout, kernel=3, stride=1, groups=1, act: type[nn.Module] | None = nn.ReLU6):
        layers = [nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False)]
        layers.append(nn.BatchNorm2d(cout))
        if act is not None:
            layers.append(act(inplace=True) if act is not nn.LeakyReLU else nn.LeakyReLU(0.1, inplace=True))
        super().__init__(*layers)


def init_encoder(module: nn.Module) -> None:
    """He (fan-out) initialisation of convolutions, unit BatchNorm, zero biases: training from scratch."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def init_head(module: nn.Module, std: float = 0.001) -> None:
    """MMPose's heatmap-head initialisation: Normal(0, std) convolutions and deconvolutions, zero biases,
    unit BatchNorm."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, std=std)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def load_encoder_checkpoint(encoder: nn.Module, path: str | Path) -> tuple[list[str], list[str]]:
    """Initialise ``encoder`` from a local checkpoint file (never a download): a state dict, or a dict
    holding one under ``state_dict`` or ``model``, in torchvision's key layout (``conv1.weight``,
    ``layer1.0.bn1.running_mean``, ``features.3.conv.1.0.weight`` ...; a leading ``module.`` or
    ``backbone.`` is stripped). Tensors whose name and shape match are copied.

    Returns (loaded keys, encoder keys left at their initialisation). UserError if the file cannot be read
    or nothing in it matches.
    """
    try:
        state = torch.load(Path(path), map_location="cpu", weights_only=True)
    except (OSError, RuntimeError, ValueError, pickle.UnpicklingError) as error:
        raise UserError(f"cannot read checkpoint {path}: {error}") from None
    for key in ("state_dict", "model"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    if not isinstance(state, dict):
        raise UserError(f"checkpoint {path} holds no state dict")
    cleaned = {}
    for name, tensor in state.items():
        for prefix in ("module.", "backbone.", "encoder."):
            name = name.removeprefix(prefix)
        cleaned[name] = tensor
    own = encoder.state_dict()
    matched = {k: v for k, v in cleaned.items() if k in own and tuple(v.shape) == tuple(own[k].shape)}
    if not matched:
        raise UserError(f"checkpoint {path} has no tensor matching the encoder (name and shape)")
    encoder.load_state_dict(matched, strict=False)
    return sorted(matched), sorted(set(own) - set(matched))
