"""The `handsynth` command line: parses argv and dispatches; heavy modules are imported lazily inside commands."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from handsynth import __version__
from handsynth.errors import UserError


def _cmd_hand(args: argparse.Namespace) -> int:
    """Write a posed hand (mesh, joints, picture) so a user can inspect a rig."""
    import numpy as np

    from handsynth.hand import HandRig, get_subject, named_pose, sample_pose, subject_from_seed
    from handsynth.hand.export import write_hand
    from handsynth.viz import hand_picture

    # Resolve every name before anything touches the disk.
    if args.subject.startswith("random-") and args.subject[7:].isdigit():
        subject = subject_from_seed(args.seed, int(args.subject[7:]))
    else:
        subject = get_subject(args.subject)
    if args.pose == "random":
        pose = sample_pose(np.random.default_rng([args.seed, 1]))
    else:
        pose = named_pose(args.pose)
    rig = HandRig(subject.shape, side=args.side)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} exists and is not a directory")
    title = f"subject {subject.id}  pose {args.pose}  {args.side} hand"

    def picture(posed, srgb):
        return hand_picture(posed.vertices, posed.faces, posed.joints, srgb, side=args.side, title=title)

    for path in write_hand(out, rig, subject, pose, args.pose, picture):
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(prog="handsynth", description="Synthetic hand-object training data.")
    parser.add_argument("--version", action="version", version=f"handsynth {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    hand = sub.add_parser("hand", help="write a posed hand rig (mesh, joints, picture) for inspection")
    hand.add_argument("--subject", default="f01", help="named subject (f01..f05, m01..m05) or random-<n>")
    hand.add_argument("--pose", default="relaxed", help="named pose (flat, relaxed, fist, ...) or 'random'")
    hand.add_argument("--side", default="right", help="right or left")
    hand.add_argument("--seed", type=int, default=0, help="root seed for random-<n> subjects and random poses")
    hand.add_argument("--out", required=True, help="output directory")
    hand.set_defaults(func=_cmd_hand)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `handsynth` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s")
    try:
        return args.func(args)
    except UserError as error:
        print(f"handsynth {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
