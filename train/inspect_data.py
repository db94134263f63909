"""Print one sample's normalised annotations and draw them, to check that a copy of a data set loads right:
``python train/inspect_data.py KIND:PATH --index I --out overlay.png [--split S] [--crop 224]``."""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
from handsynth_train.data.sources import SPLITS, open_source
from handsynth_train.data.transforms import crop_sample, mirror
from handsynth_train.draw import draw_hand
from PIL import Image

from handsynth.errors import UserError


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="KIND:PATH, e.g. rhd:/data/RHD_published_v2 or handsynth:data/hop")
    parser.add_argument("--index", type=int, default=0, help="sample index in the split (default 0)")
    parser.add_argument("--split", default="train", choices=SPLITS, help="split to read (default train)")
    parser.add_argument("--out", default="overlay.png", help="PNG to write (default overlay.png)")
    parser.add_argument("--crop", type=int, default=0, help="also draw the network's crop of this size")
    parser.add_argument("--margin", type=float, default=2.0, help="crop margin (default 2.0)")
    parser.add_argument("--scale", type=int, default=0, help="drawing scale (default: fit about 640 px)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        source = open_source(args.source, args.split)
        if not 0 <= args.index < len(source):
            raise UserError(f"--index {args.index} is outside the {len(source)} samples of {args.source}")
        sample = source[args.index]
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(sample.summary(), indent=1))
    scale = args.scale or max(1, 640 // max(sample.width, sample.height))
    panels = [draw_hand(sample.image, sample.joints_uv, sample.joints_vis, sample.hand_mask, scale)]
    if args.crop:
        view = mirror(sample) if sample.side == "left" else sample
        crop = crop_sample(view, args.crop, args.margin)
        crop_scale = max(1, panels[0].height // args.crop)
        panels.append(draw_hand(crop.image, crop.joints_uv, crop.joints_vis, crop.hand_mask, crop_scale))
    canvas = Image.new("RGB", (sum(p.width for p in panels), max(p.height for p in panels)))
    x = 0
    for panel in panels:
        canvas.paste(panel, (x, 0))
        x += panel.width
    canvas.save(args.out)
    labelled = int(np.sum(sample.joints_vis > 0))
    where = f"{args.source} [{args.split}] #{args.index} of {len(source)}"
    print(f"{where}: {labelled}/21 joints labelled -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
