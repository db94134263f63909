"""The training configuration: frozen dataclasses whose YAML form is ``train/configs/*.yaml``; unknown
keys and bad values are one-line UserErrors (the renderer config's rules, through its YAML helpers)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from handsynth_train.data.loader import SampleConfig
from handsynth_train.data.sources import parse_spec
from handsynth_train.data.transforms import Augment
from handsynth_train.models import MODEL_NAMES

from handsynth.config.yaml_form import apply_mapping, to_yaml  # noqa: F401  (to_yaml re-exported for fit.py)
from handsynth.errors import UserError

OPTIMIZERS = ("adam", "adadelta", "sgd")
MODEL_STRIDES = {
    "mobilenetv2_vnect": 4,
    "simple_baseline_resnet18": 4,
    "simple_baseline_resnet50": 4,
    "resunet34": 2,
}
SOFT_ARGMAX_MODELS = ("resunet34",)
"""Networks read out by soft-argmax (no heatmap argmax for seed 000's low-confidence rule)."""
DEXYCB_SETUPS = ("s0", "s1", "s2", "s3")


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    name: str = "mobilenetv2_vnect"
    """One of ``handsynth_train.models.MODEL_NAMES``."""
    width_mult: float = 1.0
    """MobileNetV2 width multiplier (MobileNetV2 only)."""
    base_width: int = 64
    """ResNet stem width (SimpleBaseline and ResUnet); 64 is the paper's."""
    intermediate_weight: float = 0.0
    """resunet34 only: weight of the soft-argmax read-outs after the stride-16, -8 and -4 U-Net blocks in the
    loss (seed 002 estimates heatmaps there but states no loss weight; 0: those heads are not built)."""
    pretrained: str = ""
    """Local checkpoint file to initialise the encoder from (torchvision key layout); empty: from scratch."""


@dataclass(frozen=True, kw_only=True)
class DataConfig:
    train: tuple[str, ...] = ()
    """Training sources, ``KIND:PATH`` (their train splits)."""
    weights: tuple[float, ...] = ()
    """Sampling weight per training source (empty: in proportion to their sizes)."""
    val: tuple[str, ...] = ()
    """Sources evaluated during training (their test splits)."""
    samples_per_epoch: int = 0
    """Draws per epoch from the merged sources (0: the sum of their sizes)."""
    test_subjects: tuple[str, ...] = ()
    """handsynth sources: held-out subjects (empty: 20 % of the subjects, drawn by seed 0)."""
    test_families: tuple[str, ...] = ()
    """handsynth sources: object families held out as well (e.g. mug, pencil)."""
    dexycb_setup: str = "s0"
    """DexYCB sources: the toolkit's setup, s0 (seen), s1 (unseen subjects), s2 (unseen cameras) or s3
    (unseen objects)."""


@dataclass(frozen=True, kw_only=True)
class OptimConfig:
    optimizer: str = "adam"
    """adam | adadelta | sgd (momentum 0.9)."""
    lr: float = 5e-4
    weight_decay: float = 0.0
    batch_size: int = 32
    max_steps: int = 10000
    warmup_steps: int = 500
    """Linear warm-up from 0.001 x lr (MMPose's LinearLR)."""
    milestones: tuple[int, ...] = ()
    """Steps at which the learning rate is multiplied by ``gamma``."""
    gamma: float = 0.1


@dataclass(frozen=True, kw_only=True)
class RunSection:
    seed: int = 0
    workers: int = 2
    """DataLoader worker processes (0: load in the main process)."""
    device: str = "auto"
    """auto (CUDA when present) | cpu | cuda | cuda:N."""
    augment: bool = True
    log_every: int = 20
    checkpoint_every: int = 500
    eval_every: int = 0
    """Steps between evaluations on ``data.val`` (0: only at the end)."""


@dataclass(frozen=True, kw_only=True)
class TrainConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    sample: SampleConfig = field(default_factory=SampleConfig)
    augment: Augment = field(default_factory=Augment)
    optim: OptimConfig = field(default_factory=OptimConfig)
    run: RunSection = field(default_factory=RunSection)


def check(config: TrainConfig) -> None:
    """UserError (one line) for values that cannot train."""
    m, s, o = config.model, config.sample, config.optim
    if m.name not in MODEL_NAMES:
        raise UserError(f"model.name {m.name!r} is unknown; valid: {', '.join(MODEL_NAMES)}")
    if o.optimizer not in OPTIMIZERS:
        raise UserError(f"optim.optimizer {o.optimizer!r} is unknown; valid: {', '.join(OPTIMIZERS)}")
    if s.heatmap_stride != MODEL_STRIDES[m.name]:
        raise UserError(
            f"sample.heatmap_stride must be {MODEL_STRIDES[m.name]} for {m.name}, got {s.heatmap_stride}"
        )
    if s.background_channel != (m.name == "mobilenetv2_vnect"):
        raise UserError(f"sample.background_channel must be {m.name == 'mobilenetv2_vnect'} for {m.name}")
    if s.input_size % 32 or s.input_size < 32:
        raise UserError(f"sample.input_size must be a positive multiple of 32, got {s.input_size}")
    for name, value in [
        ("optim.batch_size", o.batch_size),
        ("optim.max_steps", o.max_steps),
        ("optim.lr", o.lr),
    ]:
        if value <= 0:
            raise UserError(f"{name} must be > 0, got {value}")
    if m.intermediate_weight < 0 or (m.intermediate_weight > 0 and m.name != "resunet34"):
        raise UserError(
            f"model.intermediate_weight must be >= 0, and 0 except for resunet34; got {m.intermediate_weight}"
        )
    if config.data.dexycb_setup not in DEXYCB_SETUPS:
        raise UserError(
            f"data.dexycb_setup {config.data.dexycb_setup!r} is unknown; valid: {', '.join(DEXYCB_SETUPS)}"
        )
    if config.data.weights and len(config.data.weights) != len(config.data.train):
        raise UserError(f"data.weights needs one weight per data.train source ({len(config.data.train)})")
    for spec in config.data.train + config.data.val:
        parse_spec(spec)


def load_config(path: str | Path | None, overrides: list[str] = (), data: list[str] = ()) -> TrainConfig:
    """The config of ``path`` (YAML; None: defaults), then ``--set key=value`` overrides, then ``--data``
    sources replacing ``data.train``; checked. UserError for anything wrong."""
    import yaml

    config = TrainConfig()
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise UserError(f"cannot read config file {path}: {error.strerror}") from None
        except yaml.YAMLError as error:
            raise UserError(f"config file {path} is not valid YAML: {str(error).splitlines()[0]}") from None
        config = apply_mapping(config, loaded or {})
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set expects key=value, got '{item}'")
        nested: dict = {}
        cursor = nested
        parts = key.strip().split(".")
        for part in parts[:-1]:
            cursor = cursor.setdefault(part, {})
        cursor[parts[-1]] = yaml.safe_load(text)
        config = apply_mapping(config, nested)
    if data:
        config = replace(config, data=replace(config.data, train=tuple(data)))
    check(config)
    return config


def source_options(spec: str, config: TrainConfig) -> dict:
    """Reader options from the config: held-out subjects and object families for handsynth sources, the
    setup for DexYCB sources."""
    if spec.startswith("dexycb:"):
        return {"setup": config.data.dexycb_setup}
    if not spec.startswith("handsynth:"):
        return {}
    options = {"test_families": list(config.data.test_families)}
    if config.data.test_subjects:
        options["test_subjects"] = list(config.data.test_subjects)
    return options


def resolve_device(name: str):
    """``run.device`` / ``--device`` -> torch.device: auto is CUDA when present, else CPU; UserError for a
    name torch does not know or a CUDA device where there is none."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UserError(f"device {name!r} is not a device; valid: auto, cpu, cuda, cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserError(f"device {name!r} asked for, but this torch sees no CUDA device; use auto or cpu")
    return device
