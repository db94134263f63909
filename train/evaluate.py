"""Evaluate a checkpoint with the published protocols: ``python train/evaluate.py --checkpoint C --data
KIND:PATH --out DIR [--split test] [--protocol hop_2d ...]`` writes predictions.json, metrics.json
(overall, per object category, per grasp type, per joint) and pck_curve.png."""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np
import torch
from handsynth_train.config import source_options
from handsynth_train.data.loader import HandPoseDataset, make_loader
from handsynth_train.data.sources import SPLITS, open_source
from handsynth_train.losses import predict_uv, to_original
from handsynth_train.metrics import PROTOCOLS, evaluate, evaluate_by_group
from PIL import Image, ImageDraw

from handsynth.errors import UserError

DEFAULT_PROTOCOLS = ("mmpose", "hand3d_2d", "hop_2d")


@torch.no_grad()
def predict(model, config, source, device, batch_size: int = 32, workers: int = 0) -> dict:
    """Run ``model`` over ``source`` (no augmentation). Returns numpy arrays ``pred`` and ``gt`` (N, 21, 2)
    in the source's pixels, ``valid`` (N, 21), ``box`` (N, 4) xyxy, and lists ``category``, ``grasp``."""
    if len(source) == 0:
        raise UserError(f"{source.name} has no samples in this split")
    model.eval()
    dataset = HandPoseDataset(source, config.sample, augment=None, seed=config.run.seed)
    loader = make_loader(dataset, batch_size, workers=workers, shuffle=False)
    parts = {k: [] for k in ("pred", "gt", "valid", "box", "category", "grasp")}
    for batch in loader:
        output = model(batch["image"].to(device))
        uv = predict_uv(output, model.stride)
        parts["pred"].append(
            to_original(
                uv, batch["crop_affine"].numpy(), batch["mirrored"].numpy(), batch["image_width"].numpy()
            )
        )
        parts["gt"].append(batch["orig_uv"].numpy())
        parts["valid"].append(batch["orig_valid"].numpy())
        parts["box"].append(batch["orig_box"].numpy())
        parts["category"] += list(batch["object_category"])
        parts["grasp"] += list(batch["grasp_type"])
    out = {k: np.concatenate(v) for k, v in parts.items() if k not in ("category", "grasp")}
    return {**out, "category": parts["category"], "grasp": parts["grasp"]}


def metrics_of(result: dict, protocols=DEFAULT_PROTOCOLS) -> dict:
    """Every protocol overall, per object category and per grasp type (per joint inside each)."""
    p, g, v, b = result["pred"], result["gt"], result["valid"], result["box"]
    out = {"num_samples": len(p)}
    for name in protocols:
        out[name] = {
            "overall": evaluate(name, p, g, v, b),
            "per_category": evaluate_by_group(name, p, g, v, [c or None for c in result["category"]], b),
            "per_grasp": evaluate_by_group(name, p, g, v, [c or None for c in result["grasp"]], b),
        }
    return out


def plot_pck(curves: dict[str, tuple[list, list]], path: Path, unit: str = "px") -> None:
    """A PCK-curve PNG (Pillow only): name -> (thresholds, pck) lines on a 0-1 axis."""
    w, h, m = 640, 420, 50
    image = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(image)
    d.rectangle([m, m // 2, w - m // 2, h - m], outline="black")
    xmax = max(max(t) for t, _ in curves.values())
    colours = [(200, 40, 40), (40, 90, 200), (40, 160, 60), (150, 60, 180)]
    for i in range(6):
        y = h - m - i / 5 * (h - 1.5 * m)
        d.text((8, y - 6), f"{i / 5:.1f}", fill="black")
        x = m + i / 5 * (w - 1.5 * m)
        d.text((x - 8, h - m + 6), f"{i / 5 * xmax:.0f}", fill="black")
    d.text((w // 2 - 30, h - 20), f"threshold ({unit})", fill="black")
    for k, (name, (t, pck)) in enumerate(curves.items()):
        pts = [
            (m + ti / xmax * (w - 1.5 * m), h - m - pi * (h - 1.5 * m)) for ti, pi in zip(t, pck, strict=True)
        ]
        d.line(pts, fill=colours[k % 4], width=2)
        d.text((m + 10, m // 2 + 8 + 14 * k), f"{name}", fill=colours[k % 4])
    image.save(path)


def load_checkpoint(path: str | Path, device):
    """(model, config, step) from a checkpoint written by fit.py; UserError if it cannot be read."""
    from handsynth_train.config import TrainConfig, _replace
    from handsynth_train.fit import build_network

    try:
        state = torch.load(Path(path), map_location="cpu", weights_only=True)
        config = _replace(TrainConfig(), state["config"])
    except (OSError, RuntimeError, KeyError, ValueError, EOFError, pickle.UnpicklingError) as error:
        raise UserError(f"cannot read checkpoint {path}: {error}") from None
    model = build_network(config).to(device)
    model.load_state_dict(state["model"])
    return model, config, int(state["step"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--data", required=True, nargs="+", help="KIND:PATH source(s) to evaluate on")
    parser.add_argument("--out", required=True)
    parser.add_argument("--split", default="test", choices=SPLITS)
    parser.add_argument("--protocol", nargs="+", default=list(DEFAULT_PROTOCOLS), choices=PROTOCOLS)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args(argv)
    device = torch.device(
        "cuda" if args.device == "auto" and torch.cuda.is_available() else args.device.replace("auto", "cpu")
    )
    try:
        model, config, step = load_checkpoint(args.checkpoint, device)
        sources = [open_source(spec, args.split, **source_options(spec, config)) for spec in args.data]
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report, curves, predictions = {"checkpoint": str(args.checkpoint), "step": step}, {}, {}
    for spec, source in zip(args.data, sources, strict=True):
        result = predict(model, config, source, device)
        report[spec] = metrics_of(result, args.protocol)
        predictions[spec] = {"pred_uv": np.round(result["pred"], 3).tolist(), "gt_uv": result["gt"].tolist()}
        for name in args.protocol:
            overall = report[spec][name]["overall"]
            if "pck_curve" in overall and overall["pck_curve"]:
                curves[f"{name} {spec}"] = (overall["thresholds"], overall["pck_curve"])
        print(f"{spec}: " + ", ".join(f"{n} {summary(report[spec][n]['overall'])}" for n in args.protocol))
    (out / "metrics.json").write_text(json.dumps(report, indent=1))
    (out / "predictions.json").write_text(json.dumps(predictions))
    if curves:
        plot_pck(curves, out / "pck_curve.png")
    return 0


def summary(metrics: dict) -> str:
    """The headline numbers of one protocol's result, e.g. ``auc 0.812 epe_mean 4.10``."""
    keys = ("pck@0.2", "auc", "epe", "epe_mean", "epe_median")
    return " ".join(f"{k} {metrics[k]:.3f}" for k in keys if k in metrics)


if __name__ == "__main__":
    sys.exit(main())
