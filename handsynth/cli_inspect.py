"""`handsynth hand` and `handsynth grasp`: the inspection commands (a posed rig; synthesized grasps with
their meshes, records and a contact sheet). Dispatched by ``handsynth.cli``; heavy modules are imported
lazily inside the commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from handsynth.errors import UserError


def cmd_hand(args: argparse.Namespace) -> int:
    """Write a posed hand (mesh, joints, picture) so a user can inspect a rig."""
    import numpy as np

    from handsynth.hand import (
        NAMED_POSES,
        SIDES,
        SUBJECTS,
        HandRig,
        named_pose,
        sample_pose,
        subject_from_seed,
    )
    from handsynth.hand.export import write_hand
    from handsynth.viz import hand_picture

    # Check every name before the core sees it (it raises ValueError/KeyError) and before the disk.
    if args.seed < 0:
        raise UserError(f"--seed must be a non-negative integer, got {args.seed}")
    random_subject = args.subject.startswith("random-") and args.subject[7:].isdigit()
    if not random_subject and args.subject not in SUBJECTS:
        raise UserError(f"unknown subject '{args.subject}'; valid: {', '.join(SUBJECTS)} (or random-<n>)")
    if args.pose != "random" and args.pose not in NAMED_POSES:
        raise UserError(f"unknown pose '{args.pose}'; valid: {', '.join(NAMED_POSES)} (or random)")
    if args.side not in SIDES:
        raise UserError(f"unknown side '{args.side}'; valid: {', '.join(SIDES)}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} exists and is not a directory")
    subject = (
        subject_from_seed(args.seed, int(args.subject[7:])) if random_subject else SUBJECTS[args.subject]
    )
    if args.pose == "random":
        pose = sample_pose(np.random.default_rng([args.seed, 1]))
    else:
        pose = named_pose(args.pose)
    rig = HandRig(subject.shape, side=args.side)
    title = f"subject {subject.id}  pose {args.pose}  {args.side} hand"

    def picture(posed, srgb):
        return hand_picture(posed.vertices, posed.faces, posed.joints, srgb, side=args.side, title=title)

    for path in write_hand(out, rig, subject, pose, args.pose, picture):
        print(path)
    return 0


def cmd_grasp(args: argparse.Namespace) -> int:
    """Synthesize N grasps and write their meshes, records and a contact sheet."""
    import time

    from tqdm import tqdm

    from handsynth.config import ManifestConfig, RunConfig, SceneConfig
    from handsynth.config.schema import STABILITY_MODES
    from handsynth.errors import UngraspableError
    from handsynth.grasp import HandCache, SynthesisStats, sample_grasp
    from handsynth.grasp.export import RECORDS_NAME, write_grasps
    from handsynth.hand import SIDES, SUBJECTS
    from handsynth.preflight import resolve_run, ungraspable_message

    # Validate everything before anything touches the disk.
    if args.n < 1:
        raise UserError(f"--n must be at least 1, got {args.n}")
    if args.seed < 0:
        raise UserError(f"--seed must be a non-negative integer, got {args.seed}")
    if args.side not in SIDES:
        raise UserError(f"unknown side '{args.side}'; valid: {', '.join(SIDES)}")
    if args.stability not in STABILITY_MODES:
        raise UserError(f"unknown stability mode '{args.stability}'; valid: {', '.join(STABILITY_MODES)}")
    subjects = None
    if args.subjects is not None:
        names = [s.strip() for s in args.subjects.split(",") if s.strip()]
        if not names:
            raise UserError("--subjects is empty; give named subjects such as f01,m02")
        if unknown := [s for s in names if s not in SUBJECTS]:
            raise UserError(f"unknown subject '{unknown[0]}'; valid: {', '.join(SUBJECTS)}")
        subjects = tuple(dict.fromkeys(names))
    # The render pre-flight's resolver: manifest read, every mesh verified by sha256, objects resolved.
    run = RunConfig(
        scene=SceneConfig(objects=args.objects or ""), manifest=ManifestConfig(path=args.manifest)
    )
    resolved = resolve_run(run, cache_dir=args.cache_dir, renders=False)
    catalog, families = resolved.catalog, resolved.families
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not (out / RECORDS_NAME).is_file():
        raise UserError(
            f"--out {out} is not empty and holds no {RECORDS_NAME} of an earlier run; "
            "give a new or empty folder"
        )

    simulator = None
    if args.stability != "none":
        from handsynth.grasp.stability import Simulator

        simulator = Simulator()
    gate = {"stability": simulator, "grip_gate": args.stability == "gate", "hands": HandCache()}
    try:  # an ungraspable user mesh fails here, before anything is written
        for name in resolved.external:
            sample_grasp(args.seed, 0, (name,), catalog, subjects, args.side, **gate)
        first = sample_grasp(args.seed, 0, families, catalog, subjects, args.side, **gate)
    except UngraspableError as err:
        raise UserError(ungraspable_message(err)) from None

    total = SynthesisStats()
    measured = []
    start = time.perf_counter()

    def grasps():
        for k in tqdm(range(args.n), desc="grasps", unit="grasps", file=sys.stderr, dynamic_ncols=True):
            grasp, stats = (
                first
                if k == 0
                else sample_grasp(args.seed, k, families, catalog, subjects, args.side, **gate)
            )
            total.add(stats)
            if grasp.quality.stability is not None:
                measured.append(grasp.quality.stability)
            yield grasp, stats

    try:
        write_grasps(out, grasps(), seed=args.seed, n_digits=max(4, len(str(args.n - 1))))
    except UngraspableError as err:  # rare after the pre-flight: one line, not a traceback
        raise UserError(ungraspable_message(err)) from None
    finally:
        if simulator is not None:
            simulator.close()
    elapsed = time.perf_counter() - start
    rejected = ", ".join(f"{reason} {count}" for reason, count in sorted(total.rejected.items())) or "none"
    rate = total.accepted / max(total.candidates, 1)
    print(
        f"{total.accepted} grasps from {total.candidates} candidates (acceptance {rate:.1%}); "
        f"rejected: {rejected}; {elapsed:.1f} s; {out}"
    )
    if measured:
        print(_stability_line(measured))
    return 0


def _stability_line(blocks: list[dict]) -> str:
    """One line of the grasps' simulated stability: grip and literature displacement (mean, median, p90)
    and the share held within the grip bound."""
    import numpy as np

    def figures(key: str) -> str:
        v = np.array([b[key] for b in blocks if b.get(key) is not None], dtype=np.float64)
        if not v.size:
            return "n/a"
        return f"mean {v.mean():.2f} median {np.median(v):.2f} p90 {np.percentile(v, 90):.2f}"

    holds = np.mean([b["grip_holds"] for b in blocks])
    return (
        f"stability ({len(blocks)} grasps): grip displacement cm {figures('grip_displacement_cm')}; "
        f"held within {blocks[0]['grip_bound_cm']} cm {holds:.0%}; literature displacement cm "
        f"{figures('sim_displacement_cm')}"
    )
