"""The 2D hand pose networks of the seed papers, every layer in plain torch (no torchvision), and their
registry: ``build_model(name, num_joints=21, **options)``."""

from __future__ import annotations

MODEL_NAMES = ("mobilenetv2_vnect", "simple_baseline_resnet18", "simple_baseline_resnet50", "resunet34")


def build_model(name: str, num_joints: int = 21, **options):
    """A network by name (``MODEL_NAMES``); options are its constructor's keyword arguments (e.g.
    ``width_mult`` for MobileNetV2, ``base_width`` for the ResNets). ValueError for an unknown name."""
    if name == "mobilenetv2_vnect":
        from handsynth_train.models.mobilenetv2_vnect import MobileNetV2VNect

        return MobileNetV2VNect(num_joints=num_joints, **options)
    if name.startswith("simple_baseline_resnet") and name in MODEL_NAMES:
        from handsynth_train.models.simple_baseline import SimpleBaseline

        return SimpleBaseline(
            depth=int(name.removeprefix("simple_baseline_resnet")), num_joints=num_joints, **options
        )
    if name == "resunet34":
        from handsynth_train.models.resunet import ResUnet

        return ResUnet(num_joints=num_joints, **options)
    raise ValueError(f"unknown model {name!r}; valid models: {', '.join(MODEL_NAMES)}")
