"""The `handsynth` command line: parses argv and dispatches; heavy modules are imported lazily inside
commands."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from handsynth import __version__, cli_inspect, cli_release
from handsynth.errors import UserError


def _run_config(args: argparse.Namespace):
    """The resolved RunConfig: defaults < --config FILE < explicit flags < --set overrides."""
    from handsynth import config as cfg

    config = cfg.load_yaml(args.config) if args.config else cfg.RunConfig()
    flags: dict = {"scene": {}}
    if args.n is not None:
        flags["n"] = args.n
    if args.seed is not None:
        flags["seed"] = args.seed
    if args.shard_size is not None:
        flags["shard_size"] = args.shard_size
    if args.objects is not None:
        flags["scene"]["objects"] = args.objects
    if args.sides is not None:
        flags["scene"]["sides"] = args.sides
    if args.resolution is not None:
        width, sep, height = args.resolution.lower().partition("x")
        if not width.isdigit() or (sep and not height.isdigit()):
            raise UserError(f"--resolution must be N or WxH (e.g. 320 or 640x480), got '{args.resolution}'")
        flags["scene"]["width"] = int(width)
        flags["scene"]["height"] = int(height) if sep else int(width)
    if args.backgrounds is not None:
        flags["scene"]["background"] = {"folder": args.backgrounds}
    if args.stability is not None:
        flags["scene"]["stability"] = args.stability
    render = {"backend": args.backend, "quality": args.quality, "device": args.device}
    render["threads"] = args.threads
    if render := {key: value for key, value in render.items() if value is not None}:
        flags["render"] = render
    if args.manifest is not None:  # its sha256 is filled in by the pre-flight (handsynth.preflight)
        flags["manifest"] = {"path": args.manifest, "sha256": None}
    config = cfg.from_dict(flags, config)
    return cfg.apply_overrides(config, args.set or [])


def _cmd_render(args: argparse.Namespace) -> int:
    """Render a dataset (format handsynth/1.1) of hands grasping objects on Ray workers."""
    import time

    from handsynth.cluster import ClusterOptions
    from handsynth.errors import UngraspableError
    from handsynth.pipeline import ShardsFailed, StageTimes, render_dataset
    from handsynth.preflight import ungraspable_message

    config = _run_config(args)
    layout = {"workers": args.workers, "threads_per_worker": args.threads_per_worker, "address": args.address}
    cluster = ClusterOptions(**layout)
    times = StageTimes()
    start = time.perf_counter()
    try:
        progress = not args.quiet
        info = render_dataset(
            config, args.out, progress=progress, times=times, cache_dir=args.cache_dir, cluster=cluster
        )
    except UngraspableError as err:  # a grasp after the pre-flight's; complete shards stay resumable
        raise UserError(ungraspable_message(err)) from None
    except ShardsFailed as failed:  # not the user's mistake: exit status 1, after every other shard
        print(f"handsynth render: error: {failed}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - start
    categories = ", ".join(f"{k} {v}" for k, v in info["categories"].items())
    rate = f"{times.samples / elapsed:.1f} images/s" if times.samples else "nothing left to render"
    print(f"{info['num_samples']} samples in {len(info['shards'])} shards ({categories}); {rate}; {args.out}")
    if times.samples:
        print(times.summary())
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    """Check a dataset against every invariant of its format; exit status 1 on any violation."""
    from handsynth.dataset.validate import validate_dataset

    if args.max_examples < 0:
        raise UserError(f"--max-examples must be >= 0, got {args.max_examples}")
    report = validate_dataset(args.dir, max_examples=args.max_examples)
    print(report.format())
    return 0 if report.ok else 1


def _cmd_preview(args: argparse.Namespace) -> int:
    """Draw a contact sheet of samples with their skeletons, labels, amodal masks and depth."""
    from handsynth.dataset.preview import preview_sheet

    sheet = preview_sheet(args.dir, args.out, args.n, args.seed, columns=args.columns, tile_px=args.tile)
    print(f"{args.out} ({sheet.width}x{sheet.height} px)")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    """Summarise a dataset: counts, joint visibility, occlusion, hand sizes, viewpoints, penetration."""
    import json

    from handsynth.dataset.stats import dataset_stats, format_stats

    stats = dataset_stats(args.dir)
    print(json.dumps(stats, indent=2) if args.json else format_stats(stats))
    return 0


def _cmd_blend(args: argparse.Namespace) -> int:
    """Write the Blender scene of one sample of a dataset as a .blend file."""
    from handsynth.blendfile import save_sample_blend

    path = save_sample_blend(args.dir, args.index, args.out, args.quality, args.device, args.cache_dir)
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
    hand.add_argument(
        "--seed", type=int, default=0, help="root seed for random-<n> subjects and random poses"
    )
    hand.add_argument("--out", required=True, help="output directory")
    hand.set_defaults(func=cli_inspect.cmd_hand)
    grasp = sub.add_parser("grasp", help="synthesize grasps (hand and object PLYs, records, contact sheet)")
    grasp.add_argument(
        "--objects",
        default=None,
        metavar="SPEC",
        help="comma-separated categories, aliases (cylinder, bar, box, sphere...) or families "
        "(mug, orange...); default: every family",
    )
    grasp.add_argument("--n", type=int, required=True, help="number of grasps (>= 1)")
    grasp.add_argument("--seed", type=int, default=0, help="root seed; grasp k is drawn from (seed, k)")
    grasp.add_argument("--out", required=True, help="output directory (new, empty, or an earlier grasp run)")
    grasp.add_argument("--side", default="right", help="right or left")
    grasp.add_argument("--subjects", default=None, help="named subjects, comma-separated (f01,m02...)")
    grasp.add_argument("--manifest", default=None, metavar="PATH", help="manifest of more object meshes")
    grasp.add_argument("--cache-dir", default=None, metavar="DIR", help="download folder of its meshes")
    grasp.add_argument("--stability", default="none", help="none, measure or gate: simulate each grasp")
    grasp.set_defaults(func=cli_inspect.cmd_grasp)
    render = sub.add_parser("render", help="render a dataset of hands grasping objects (handsynth/1.1)")
    render.add_argument(
        "--objects",
        default=None,
        metavar="SPEC",
        help="comma-separated categories (cylindrical, slender, cubical, spherical), aliases "
        "(cylinder, bar, box, sphere...) or families (bottle, mug...); default: all four",
    )
    render.add_argument("--n", type=int, default=None, help="number of samples (default 100)")
    render.add_argument(
        "--out", required=True, help="output folder (new, empty, or an earlier run to resume)"
    )
    render.add_argument("--backend", default=None, help="renderer backend: cycles (default) or raster")
    render.add_argument(
        "--quality",
        default=None,
        help="cycles quality preset: draft, standard (default) or final (samples, denoising, bounces)",
    )
    render.add_argument(
        "--device", default=None, help="cycles device: cpu, gpu (OptiX, CUDA or HIP) or auto (default)"
    )
    render.add_argument("--threads", type=int, default=None, help="cycles CPU threads (default 0: all cores)")
    render.add_argument("--seed", type=int, default=None, help="root seed (default 0)")
    render.add_argument("--shard-size", type=int, default=None, help="samples per shard (default 100)")
    render.add_argument("--resolution", default=None, metavar="N|WxH", help="image size (default 320)")
    render.add_argument(
        "--sides", default=None, help="hand sides, comma-separated: right, left (default right)"
    )
    render.add_argument(
        "--backgrounds",
        default=None,
        metavar="DIR",
        help="folder of background images (default: 1000 procedural backgrounds)",
    )
    render.add_argument(
        "--stability",
        default=None,
        help="grasp stability in PyBullet: measure (default: stored in annotations), gate (also redraw "
        "grasps that do not hold) or none",
    )
    render.add_argument(
        "--config", default=None, metavar="FILE", help="YAML run configuration (see config.yaml of any run)"
    )
    render.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override one configuration value, e.g. --set scene.camera.fov_deg=[40,50]",
    )
    render.add_argument(
        "--manifest",
        default=None,
        metavar="PATH",
        help="manifest of more object meshes (its path and sha256 become manifest.* of the configuration)",
    )
    render.add_argument(
        "--cache-dir",
        default=None,
        metavar="DIR",
        help="download folder of its meshes (not part of the configuration: meshes are verified by sha256)",
    )
    render.add_argument(
        "--workers", type=int, help="Ray workers (default: 1 a core; cycles: 1 a GPU or machine)"
    )
    render.add_argument(
        "--threads-per-worker", type=int, help="cores a worker uses (default 1; cycles CPU: all)"
    )
    render.add_argument(
        "--address", help="auto or HOST:PORT of a Ray cluster (default: a local Ray for the run)"
    )
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    render.set_defaults(func=_cmd_render)
    validate = sub.add_parser(
        "validate", help="check a dataset against every invariant of its format (exit 1 on any violation)"
    )
    validate.add_argument("dir", help="dataset directory (holds dataset.json and shards/)")
    validate.add_argument("--max-examples", type=int, default=5, help="example failures shown per check")
    validate.set_defaults(func=_cmd_validate)
    preview = sub.add_parser("preview", help="contact sheet of samples: skeleton, labels, masks, depth")
    preview.add_argument("dir", help="dataset directory")
    preview.add_argument("--out", required=True, help="PNG file to write")
    preview.add_argument("--n", type=int, default=16, help="number of samples")
    preview.add_argument("--seed", type=int, default=0, help="seed of the random pick of samples")
    preview.add_argument("--columns", type=int, default=4, help="samples per row of the sheet")
    preview.add_argument("--tile", type=int, default=160, help="panel size in pixels")
    preview.set_defaults(func=_cmd_preview)
    blend = sub.add_parser(
        "blend", help="the Blender scene of one sample as a .blend (open it in Blender 4.5, pose, render)"
    )
    blend.add_argument("dir", help="dataset directory (its config.yaml makes the sample again)")
    blend.add_argument("--index", type=int, required=True, help="sample number")
    blend.add_argument("--out", required=True, help=".blend file to write")
    blend.add_argument("--quality", default=None, help="draft, standard or final (default: the dataset's)")
    blend.add_argument("--device", default=None, help="cpu, gpu or auto (default: the dataset's)")
    blend.add_argument("--cache-dir", default=None, metavar="DIR", help="download folder of manifest meshes")
    blend.set_defaults(func=_cmd_blend)

    stats = sub.add_parser("stats", help="summary statistics of a dataset")
    stats.add_argument("dir", help="dataset directory")
    stats.add_argument("--json", action="store_true", help="print the statistics as JSON")
    stats.set_defaults(func=_cmd_stats)
    cli_release.add_parser(sub)
    return parser


def _environment_error(error: OSError) -> str | None:
    """One line for an OSError that is the state of the machine (disk full, read-only, no access), or None."""
    from handsynth.files import ENVIRONMENT_ERRNOS

    if error.errno not in ENVIRONMENT_ERRNOS:
        return None
    where = f"{error.filename}: " if error.filename else ""
    return f"{where}{error.strerror or os.strerror(error.errno)}"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `handsynth` console script; returns the exit status.

    A user's mistake (UserError) or the machine's state (disk full, read-only folder, no permission) is one
    line on stderr and exit status 2; Ctrl-C is one line and 130. Anything else is a bug: a traceback.
    """
    command = "handsynth"
    try:
        args = build_parser().parse_args(argv)
        command = f"handsynth {args.command}"
        logging.basicConfig(
            level=logging.DEBUG if args.verbose else logging.INFO, format="%(levelname)s %(message)s"
        )
        return args.func(args)
    except UserError as error:
        print(f"{command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        line = _environment_error(error)
        if line is None:
            raise
        hint = "; free space or fix the folder, then run the same command to resume"
        print(f"{command}: error: {line}{hint if command == 'handsynth render' else ''}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        hint = "; run the same command to resume" if command == "handsynth render" else ""
        print(f"{command}: interrupted{hint}", file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main())
