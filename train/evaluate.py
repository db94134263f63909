"""Evaluate a checkpoint with the published protocols: ``python train/evaluate.py --checkpoint C --data
KIND:PATH [KIND:PATH ...] --out DIR [--split test] [--protocol hop_2d ...] [--flip-test]
[--low-confidence P]`` writes predictions.json, metrics.json (per source and, for several sources,
pooled: overall, per object category, per grasp type, per joint) and pck_curve.png."""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from handsynth_train.config import DEXYCB_SETUPS, SOFT_ARGMAX_MODELS, resolve_device, source_options
from handsynth_train.data.loader import HandPoseDataset, make_loader
from handsynth_train.data.sources import SPLITS, open_source
from handsynth_train.inference import infer_uv
from handsynth_train.losses import to_original
from handsynth_train.metrics import PROTOCOLS, evaluate, evaluate_by_group
from PIL import Image, ImageDraw

from handsynth.errors import UserError

DEFAULT_PROTOCOLS = ("mmpose", "hand3d_2d", "hop_2d")


@torch.no_grad()
def predict(
    model,
    config,
    source,
    device,
    batch_size: int = 32,
    workers: int = 0,
    flip_test: bool = False,
    low_confidence: float | None = None,
) -> dict:
    """Run ``model`` over ``source`` (no augmentation), with MMPose's flip test and seed 000's
    low-confidence rule when asked (``handsynth_train.inference``). Returns numpy arrays ``pred`` and
    ``gt`` (N, 21, 2) in the source's pixels, ``valid`` (N, 21), ``box`` (N, 4) xyxy, and lists
    ``category``, ``grasp``."""
    if len(source) == 0:
        raise UserError(f"{source.name} has no samples in this split")
    model.eval()
    dataset = HandPoseDataset(source, config.sample, augment=None, seed=config.run.seed)
    loader = make_loader(dataset, batch_size, workers=workers, shuffle=False)
    parts = {k: [] for k in ("pred", "gt", "valid", "box", "category", "grasp")}
    for batch in loader:
        uv = infer_uv(model, batch["image"].to(device), flip_test, low_confidence)
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
    colours += [(230, 140, 20), (20, 170, 170), (120, 80, 40), (90, 90, 90)]
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
        colour = colours[k % len(colours)]
        d.line(pts, fill=colour, width=4 if name.endswith(" pooled") else 2)  # pooled curves drawn thick
        d.text((m + 10, m // 2 + 8 + 14 * k), f"{name}", fill=colour)
    image.save(path)


def load_checkpoint(path: str | Path, device):
    """(model, config, step) from a checkpoint written by fit.py; UserError if it cannot be read."""
    from handsynth_train.config import TrainConfig, apply_mapping
    from handsynth_train.fit import build_network

    try:
        state = torch.load(Path(path), map_location="cpu", weights_only=True)
        config = apply_mapping(TrainConfig(), state["config"])
    except (OSError, RuntimeError, KeyError, ValueError, EOFError, pickle.UnpicklingError) as error:
        raise UserError(f"cannot read checkpoint {path}: {error}") from None
    model = build_network(config).to(device)
    model.load_state_dict(state["model"])
    return model, config, int(state["step"])


def pooled(results: list[dict]) -> dict:
    """The per-source prediction results of ``predict`` as one: arrays concatenated, lists joined."""
    out = {k: np.concatenate([r[k] for r in results]) for k in ("pred", "gt", "valid", "box")}
    return {
        **out,
        "category": sum((r["category"] for r in results), []),
        "grasp": sum((r["grasp"] for r in results), []),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--data", required=True, nargs="+", help="KIND:PATH source(s) to evaluate on")
    parser.add_argument("--out", required=True)
    parser.add_argument("--split", default="test", choices=SPLITS)
    parser.add_argument("--protocol", nargs="+", default=list(DEFAULT_PROTOCOLS), choices=PROTOCOLS)
    parser.add_argument("--device", default="auto")
    parser.add_argument(
        "--flip-test", action="store_true", help="MMPose flip test (heatmap flip back, 1 px shift, mean)"
    )
    parser.add_argument(
        "--low-confidence",
        type=float,
        metavar="P",
        help="seed 000's rule: a joint whose softmax maximum is below P takes its peak nearest to the "
        "confident joints (the paper states no value for P)",
    )
    parser.add_argument(
        "--dexycb-setup", choices=DEXYCB_SETUPS, help="DexYCB setup (default: the checkpoint config's)"
    )
    args = parser.parse_args(argv)
    try:
        device = resolve_device(args.device)
        model, config, step = load_checkpoint(args.checkpoint, device)
        if args.dexycb_setup:
            config = replace(config, data=replace(config.data, dexycb_setup=args.dexycb_setup))
        if args.low_confidence is not None and not 0 < args.low_confidence < 1:
            raise UserError(f"--low-confidence is a softmax probability in (0, 1), got {args.low_confidence}")
        if args.low_confidence is not None and config.model.name in SOFT_ARGMAX_MODELS:
            raise UserError(
                f"--low-confidence needs a heatmap-argmax network; {config.model.name} uses soft-argmax"
            )
        sources = [open_source(spec, args.split, **source_options(spec, config)) for spec in args.data]
        empty = [spec for spec, source in zip(args.data, sources, strict=True) if len(source) == 0]
        if empty:
            raise UserError(f"no {args.split} samples in {', '.join(empty)}")
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    options = {"flip_test": args.flip_test, "low_confidence": args.low_confidence}
    report = {"checkpoint": str(args.checkpoint), "step": step, "split": args.split, **options}
    curves, predictions, results = {}, {}, {}
    for spec, source in zip(args.data, sources, strict=True):
        results[spec] = predict(model, config, source, device, **options)
        predictions[spec] = {
            "pred_uv": np.round(results[spec]["pred"], 3).tolist(),
            "gt_uv": results[spec]["gt"].tolist(),
        }
    if len(results) > 1:
        results["pooled"] = pooled(list(results.values()))
    for name, result in results.items():
        report[name] = metrics_of(result, args.protocol)
        for protocol in args.protocol:
            overall = report[name][protocol]["overall"]
            if overall.get("pck_curve"):
                curves[f"{protocol} {name}"] = (overall["thresholds"], overall["pck_curve"])
        headline = ", ".join(f"{n} {summary(report[name][n]['overall'])}" for n in args.protocol)
        print(f"{name}: {headline}")
    (out / "metrics.json").write_text(json.dumps(report, indent=1))
    (out / "predictions.json").write_text(json.dumps(predictions))
    if curves:
        plot_pck(curves, out / "pck_curve.png")
    return 0


HEADLINE_KEYS = ("pck@0.2", "auc", "epe", "epe_mean", "epe_median")


def summary(metrics: dict) -> str:
    """The headline numbers of one protocol's result, e.g. ``auc 0.812 epe_mean 4.10``."""
    return " ".join(f"{k} {metrics[k]:.3f}" for k in HEADLINE_KEYS if k in metrics)


if __name__ == "__main__":
    sys.exit(main())
