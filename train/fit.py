"""Train a hand pose network: ``python train/fit.py --config train/configs/<name>.yaml [--data KIND:PATH
...] [--out DIR] [--max-steps N] [--set key=value ...]``. Checkpoints in DIR/checkpoints (resumed from
``last.pt``), a CSV log (and TensorBoard when installed), evaluation on ``data.val`` at the end."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import pickle
import sys
import time
from pathlib import Path

import torch
from handsynth_train.config import TrainConfig, load_config, resolve_device, source_options, to_yaml
from handsynth_train.data.loader import HandPoseDataset, make_loader
from handsynth_train.data.merge import MergedSource
from handsynth_train.data.sources import open_source
from handsynth_train.losses import training_loss
from handsynth_train.models import build_model
from handsynth_train.models.layers import load_encoder_checkpoint
from tqdm import tqdm

from handsynth.errors import UserError

log = logging.getLogger("handsynth_train.fit")


def build_network(config: TrainConfig) -> torch.nn.Module:
    """The configured network (from scratch; the encoder from ``model.pretrained`` when set)."""
    m = config.model
    options = {"width_mult": m.width_mult} if m.name == "mobilenetv2_vnect" else {"base_width": m.base_width}
    if m.intermediate_weight > 0:
        options["intermediate_heads"] = True
    model = build_model(m.name, **options)
    if m.pretrained:
        loaded, left = load_encoder_checkpoint(model.encoder, m.pretrained)
        log.info(
            "encoder: %d tensors from %s, %d left at initialisation", len(loaded), m.pretrained, len(left)
        )
    return model


def build_training_source(config: TrainConfig):
    """The merged training sources (train splits) of ``data.train``; UserError when there are none."""
    if not config.data.train:
        raise UserError("no training data: give --data KIND:PATH or data.train in the config")
    sources = [open_source(spec, "train", **source_options(spec, config)) for spec in config.data.train]
    weights = list(config.data.weights) or [len(s) for s in sources]
    total = config.data.samples_per_epoch or sum(len(s) for s in sources)
    try:
        return MergedSource(sources, weights, total, seed=config.run.seed)
    except ValueError as error:
        raise UserError(str(error)) from None


def make_optimizer(model, config: TrainConfig):
    """(optimizer, scheduler): warm-up from 0.001 x lr over ``warmup_steps``, then x gamma at milestones."""
    o = config.optim
    params = model.parameters()
    if o.optimizer == "adam":
        optimizer = torch.optim.Adam(params, lr=o.lr, weight_decay=o.weight_decay)
    elif o.optimizer == "adadelta":
        optimizer = torch.optim.Adadelta(params, lr=o.lr, weight_decay=o.weight_decay)
    else:
        optimizer = torch.optim.SGD(params, lr=o.lr, momentum=0.9, weight_decay=o.weight_decay)

    def factor(step: int) -> float:
        warm = 1.0 if step >= o.warmup_steps else 0.001 + (1 - 0.001) * step / o.warmup_steps
        return warm * o.gamma ** sum(step >= m for m in o.milestones)

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def save_checkpoint(path: Path, model, optimizer, scheduler, step: int, config: TrainConfig) -> None:
    """Write a checkpoint atomically (temp file, then rename)."""
    from handsynth.config.yaml_form import to_dict

    state = {
        "step": step,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "config": to_dict(config),
    }
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def train(config: TrainConfig, out: Path) -> dict:
    """Train until ``optim.max_steps`` (resuming from ``out/checkpoints/last.pt``); returns a summary."""
    torch.manual_seed(config.run.seed)
    device = resolve_device(config.run.device)
    source = build_training_source(config)
    val_sources = {
        spec: open_source(spec, "test", **source_options(spec, config)) for spec in config.data.val
    }
    empty = [spec for spec, s in val_sources.items() if len(s) == 0]
    if empty:
        raise UserError(f"data.val sources without test samples (held-out subjects): {', '.join(empty)}")
    model = build_network(config).to(device)
    optimizer, scheduler = make_optimizer(model, config)
    ckpt_dir = out / "checkpoints"
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    (out / "config.yaml").write_text(to_yaml(config))
    step = 0
    last = ckpt_dir / "last.pt"
    if last.exists():
        try:
            state = torch.load(last, map_location=device, weights_only=True)
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            scheduler.load_state_dict(state["scheduler"])
            step = int(state["step"])
        except (OSError, RuntimeError, KeyError, EOFError, ValueError, pickle.UnpicklingError) as error:
            raise UserError(f"cannot resume from {last}: {error}") from None
        log.info("resumed from %s at step %d", last, step)
    augment = config.augment if config.run.augment else None
    dataset = HandPoseDataset(source, config.sample, augment, seed=config.run.seed)
    batch_size = min(config.optim.batch_size, len(dataset))
    loader = make_loader(dataset, batch_size, workers=config.run.workers, shuffle=True, seed=config.run.seed)
    writer = tensorboard_writer(out, step)
    log_path = out / "log.csv"
    new_log = not log_path.exists()
    losses = []
    with (
        open(log_path, "a", newline="") as f,
        tqdm(total=config.optim.max_steps, initial=step, unit="step") as bar,
    ):
        csv_out = csv.writer(f)
        if new_log:
            csv_out.writerow(["step", "loss", "lr", "samples_per_s"])
        model.train()
        epoch = step * batch_size // max(1, len(dataset))
        while step < config.optim.max_steps:
            dataset.set_epoch(epoch)
            tic = time.perf_counter()
            for batch in loader:
                output = model(batch["image"].to(device, non_blocking=True))
                batch = {k: v.to(device) if torch.is_tensor(v) else v for k, v in batch.items()}
                loss = training_loss(
                    output, batch, config.sample.input_size, config.model.intermediate_weight
                )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                scheduler.step()
                step += 1
                losses.append(float(loss.detach()))
                rate = batch_size / (time.perf_counter() - tic)
                tic = time.perf_counter()
                bar.update(1)
                bar.set_postfix(loss=f"{losses[-1]:.3g}")
                if step % config.run.log_every == 0 or step == config.optim.max_steps:
                    lr = scheduler.get_last_lr()[0]
                    csv_out.writerow([step, f"{losses[-1]:.6g}", f"{lr:.6g}", f"{rate:.1f}"])
                    f.flush()
                    if writer is not None:
                        writer.add_scalar("loss", losses[-1], step)
                        writer.add_scalar("lr", lr, step)
                if step % config.run.checkpoint_every == 0 or step == config.optim.max_steps:
                    save_checkpoint(last, model, optimizer, scheduler, step, config)
                every = config.run.eval_every
                if val_sources and every and step % every == 0 and step < config.optim.max_steps:
                    validate(model, config, val_sources, device, writer, step)
                if step >= config.optim.max_steps:
                    break
            epoch += 1
    summary = {
        "steps": step,
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
    }
    if val_sources:
        summary["val"] = validate(model, config, val_sources, device, writer, step)
    if writer is not None:
        writer.close()
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def validate(model, config: TrainConfig, val_sources: dict, device, writer, step: int) -> dict:
    """Every ``data.val`` source's metrics (``evaluate.metrics_of``), logged and, with a writer, written as
    TensorBoard scalars ``val/<source>/<protocol>/<metric>``; the model is left in training mode."""
    from handsynth_train.evaluate import HEADLINE_KEYS, metrics_of, predict
    from handsynth_train.evaluate import summary as headline

    report = {}
    for spec, val_source in val_sources.items():
        report[spec] = metrics_of(predict(model, config, val_source, device))
        log.info("step %d %s: %s", step, spec, headline(report[spec]["hop_2d"]["overall"]))
        for protocol, result in report[spec].items():
            for key in HEADLINE_KEYS if writer is not None and isinstance(result, dict) else ():
                if key in result["overall"]:
                    writer.add_scalar(f"val/{spec}/{protocol}/{key}", result["overall"][key], step)
    model.train()
    return report


def tensorboard_writer(out: Path, step: int = 0):
    """A TensorBoard SummaryWriter in ``out/tb`` next to ``log.csv`` (events after ``step`` from an
    interrupted run are purged on resume), or None when the tensorboard package is not installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        log.warning("tensorboard is not installed (pip install tensorboard): logging to log.csv only")
        return None
    return SummaryWriter(str(out / "tb"), purge_step=step or None)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="YAML config, e.g. train/configs/mobilenetv2_vnect.yaml")
    parser.add_argument(
        "--data", nargs="+", default=[], help="KIND:PATH training sources (replace data.train)"
    )
    parser.add_argument("--out", default="runs/train", help="output folder (default runs/train)")
    parser.add_argument("--max-steps", type=int, help="stop after this many steps (sets optim.max_steps)")
    parser.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE", help="config overrides")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    overrides = list(args.set) + ([f"optim.max_steps={args.max_steps}"] if args.max_steps is not None else [])
    try:
        config = load_config(args.config, overrides, args.data)
        summary = train(config, Path(args.out))
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    first, last = summary["first_loss"], summary["last_loss"]
    trained = f"loss {first:.4g} -> {last:.4g}" if first is not None else "nothing left to train"
    print(f"{summary['steps']} steps; {trained}; {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
