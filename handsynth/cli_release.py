"""`handsynth release`: splits, exports, card and checksums of a rendered dataset. Registered by
``handsynth.cli``; imports only argparse at module level (the release package is imported when it runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from handsynth.errors import UserError


def parse_val(text: str) -> float | int:
    """``--val``: ``5%`` or ``0.05`` (a fraction of the dataset) or ``120`` (a count)."""
    try:
        if text.endswith("%"):
            value: float | int = float(text[:-1]) / 100.0
        elif text.isdigit():
            value = int(text)
        else:
            value = float(text)
    except ValueError:
        raise UserError(
            f"--val must be a percentage (5%), a fraction (0.05) or a count (120), got {text!r}"
        ) from None
    if isinstance(value, float) and not 0.0 <= value < 1.0:
        raise UserError(f"--val as a fraction must be in [0, 1) (0% to 99%), got {text!r}")
    return value


def cmd_release(args: argparse.Namespace) -> int:
    """Release a dataset: every check first (one line and exit 2, nothing written), then the work."""
    from handsynth.release.release import ReleaseOptions, command_line, parse_formats, release

    if args.test < 0:
        raise UserError(f"--test must be a non-negative count, got {args.test}")
    options = ReleaseOptions(
        test=args.test,
        val=parse_val(args.val),
        split_by=args.split_by,
        seed=args.seed,
        balance_grasp=args.balance_grasp,
        formats=parse_formats(args.formats),
        shard_size=args.shard_size,
    )
    command = command_line(Path(args.dir), Path(args.out), options)
    splits = release(args.dir, args.out, options, command=command, progress=not args.quiet)
    counts = ", ".join(f"{name} {len(ids)}" for name, ids in splits.items())
    print(f"released {args.dir} into {args.out}: {counts}; formats {','.join(options.formats)}")
    return 0


def add_parser(sub) -> None:
    """Register the ``release`` subcommand on ``handsynth``'s subparsers."""
    release = sub.add_parser(
        "release", help="splits, COCO/HOP/RHD/FreiHAND/WebDataset exports, card and SHA256SUMS of a dataset"
    )
    release.add_argument("dir", help="dataset directory (holds dataset.json and shards/); never modified")
    release.add_argument("--out", required=True, help="release folder: new, empty, or a release to finish")
    release.add_argument("--test", type=int, default=800, help="test samples (default 800, as HOP)")
    release.add_argument("--val", default="5%", help="validation: 5%%, 0.05 or a count (default 5%%)")
    release.add_argument(
        "--split-by",
        default="subject",
        help="subject (default: no subject in two splits), family (no object family in two) or random",
    )
    release.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    release.add_argument("--balance-grasp", action="store_true", help="equal test shares per grasp type")
    release.add_argument(
        "--formats",
        default="coco,hop,rhd,freihand",
        help="comma-separated: coco, hop, rhd, freihand, webdataset (default: all but webdataset)",
    )
    release.add_argument("--shard-size", type=int, default=1000, help="samples per WebDataset tar")
    release.add_argument("--quiet", action="store_true", help="no progress bar")
    release.set_defaults(func=cmd_release)
