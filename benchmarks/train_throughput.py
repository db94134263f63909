"""Training throughput: samples/s of the data pipeline and of a training step for each network.

    python benchmarks/train_throughput.py --data KIND:PATH [--n 64] [--workers 2] [--batch 16]
                                          [--steps 3] [--models NAME ...] [--size 0] [--json PATH]

Data pipeline (on the source's train split, the MobileNetV2 config's sample settings, augmentation on):
reading alone (decode), a fully prepared sample (mirror, crop, augment, heatmaps, tensors) in the main
process, and the DataLoader with ``--workers`` processes after its first batch (worker start-up apart);
the ratio against reading alone. Training
step (random inputs at each network's config input size, or ``--size``): forward-only (eval, no grad)
and forward + backward + Adam step, per device (CPU, and CUDA when present); the ratio between them.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import torch
from handsynth_train.config import load_config
from handsynth_train.data.loader import HandPoseDataset, make_loader
from handsynth_train.data.sources import open_source
from handsynth_train.fit import build_network, make_optimizer
from handsynth_train.losses import training_loss
from handsynth_train.models import MODEL_NAMES

CONFIGS = Path(__file__).resolve().parents[1] / "train" / "configs"


def rate(fn, count: int) -> float:
    """count / seconds of one call of ``fn``."""
    start = time.perf_counter()
    fn()
    return count / (time.perf_counter() - start)


def pipeline(spec: str, n: int, workers: int, batch: int) -> dict:
    config = load_config(CONFIGS / "mobilenetv2_vnect.yaml")
    source = open_source(spec, "train")
    n = min(n, len(source))
    dataset = HandPoseDataset(source, config.sample, config.augment)
    dataset[0]  # warm-up (imports, page cache)
    read = rate(lambda: [source[i] for i in range(n)], n)
    prepared = rate(lambda: [dataset[i] for i in range(n)], n)
    subset = torch.utils.data.Subset(dataset, range(n))
    loader = iter(make_loader(subset, batch, workers=workers, shuffle=False))
    start = time.perf_counter()
    first = len(next(loader)["image"])  # includes starting the workers
    startup = time.perf_counter() - start
    loaded = rate(lambda: sum(len(b["image"]) for b in loader), n - first)
    return {
        "read": read,
        "prepared": prepared,
        f"loader_{workers}_workers": loaded,
        "startup_s": startup,
        "samples": n,
    }


def step_rates(name: str, device: torch.device, batch: int, steps: int, size: int) -> dict:
    config = load_config(CONFIGS / f"{name}.yaml", [f"sample.input_size={size}"] if size else [])
    size = config.sample.input_size
    model = build_network(config).to(device)
    optimizer, _ = make_optimizer(model, config)
    images = torch.randn(batch, 3, size, size, device=device)
    side = size // config.sample.heatmap_stride
    channels = 22 if config.sample.background_channel else 21
    target = {
        "heatmaps": torch.rand(batch, channels, side, side, device=device),
        "target_weight": torch.ones(batch, 21, device=device),
        "joints_uv": torch.rand(batch, 21, 2, device=device) * size,
        "joints_valid": torch.ones(batch, 21, dtype=torch.bool, device=device),
    }
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)

    def forward():
        with torch.no_grad():
            for _ in range(steps):
                model(images)
        sync()

    def train_steps():
        for _ in range(steps):
            loss = training_loss(model(images), target, size)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        sync()

    model.eval()
    forward()  # warm-up
    fwd = rate(forward, batch * steps)
    model.train()
    train_steps()  # warm-up
    trn = rate(train_steps, batch * steps)
    params = sum(p.numel() for p in model.parameters()) / 1e6
    return {"input": size, "params_M": round(params, 2), "forward": fwd, "train": trn, "ratio": trn / fwd}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="KIND:PATH for the data pipeline figures")
    parser.add_argument("--n", type=int, default=64, help="samples for the data pipeline")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--size", type=int, default=0, help="input size for every network (0: its config's)")
    parser.add_argument("--models", nargs="+", default=list(MODEL_NAMES), choices=MODEL_NAMES)
    parser.add_argument("--json", help="write every figure here")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    result = {"pipeline": pipeline(args.data, args.n, args.workers, args.batch), "steps": {}}
    p = result["pipeline"]
    loaded, ratio = p[f"loader_{args.workers}_workers"], p["prepared"] / p["read"]
    print(f"data pipeline, {p['samples']} samples of {args.data}: read {p['read']:.1f}/s,")
    print(f"  loader start-up (first batch) {p['startup_s']:.2f} s")
    print(f"  prepared {p['prepared']:.1f}/s ({ratio:.2f}x read), {args.workers} workers: {loaded:.1f}/s")
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    for device in devices:
        for name in args.models:
            r = step_rates(name, device, args.batch, args.steps, args.size)
            result["steps"][f"{device.type}:{name}"] = r
            head = f"{device.type} {name} at {r['input']} px ({r['params_M']:.2f}M params)"
            print(f"{head}: forward {r['forward']:.1f} samples/s, train step {r['train']:.1f} samples/s")
            print(f"  ({r['ratio']:.2f}x forward; {args.batch / r['train']:.2f} s per batch of {args.batch})")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
