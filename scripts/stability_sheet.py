"""Pictures of the grip protocol's bound: the grasps just within it and just beyond it, each as it was
synthesized and where the simulation left the object.

Run from the repository root with the project's environment::

    python scripts/stability_sheet.py [--n 25] [--seed 0] [--pairs 3] [--out docs/images/stability_bound.png]

Simulates ``n`` grasps per category (``sample_grasp(seed, k, families of the category)``, as
``benchmarks/stability.py`` does), takes the ``pairs`` grasps with the largest grip displacement within
``GRIP_BOUND_CM`` and the ``pairs`` with the smallest beyond it, and draws each twice from the same
view: the grasp as synthesized, and the object moved as the worst gravity direction (shakes included)
left it, the hand where it was. Labels: family, type, grip displacement, the direction, holds or drops.
numpy, PIL, pybullet and the project only; the same arguments draw the same picture.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np

TILE = 260
TILT_DEG = 30.0


def tile(grasp, motion: np.ndarray) -> np.ndarray:
    """The grasp from the palmar side, its object moved by ``motion`` (4, 4, object frame)."""
    from handsynth.conventions import linear_to_srgb
    from handsynth.grasp.export import FRAMED_FOREARM_WEIGHT, VIEW_FOV_DEG, grasp_view, object_vertex_srgb
    from handsynth.hand.rig import HandRig
    from handsynth.hand.shape import BONE_INDEX
    from handsynth.hand.skin import vertex_albedo_linear
    from handsynth.viz.software_raster import intrinsics_from_fov, shade_mesh

    rig = HandRig(grasp.subject.shape, grasp.side)
    posed = grasp.posed_hand(rig)
    hand_srgb = linear_to_srgb(vertex_albedo_linear(grasp.subject, rig.template))
    fit = rig.template.weights[:, BONE_INDEX["lowerarm02"]] < FRAMED_FOREARM_WEIGHT
    obj = grasp.object
    moved = obj.vertices @ motion[:3, :3].T + motion[:3, 3]
    # Framed on the hand and the object where it started, so that a dropped object leaves the picture
    # by as much as it left the hand.
    T_cam = grasp_view(
        np.concatenate([posed.vertices[fit], obj.vertices]), grasp.T_object_hand, tilt_deg=TILT_DEG
    )
    K = intrinsics_from_fov(VIEW_FOV_DEG, TILE, TILE)
    meshes = [(posed.vertices, posed.faces, hand_srgb), (moved, obj.faces, object_vertex_srgb(obj))]
    return shade_mesh(meshes, None, T_cam, K, TILE, TILE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=25, help="grasps per category (default 25)")
    parser.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    parser.add_argument("--pairs", type=int, default=3, help="grasps on each side of the bound (default 3)")
    parser.add_argument("--out", default="docs/images/stability_bound.png", help="PNG to write")
    args = parser.parse_args(argv)
    if args.n < 1 or args.pairs < 1:
        parser.error("--n and --pairs must be >= 1")

    from handsynth.files import write_bytes_atomic
    from handsynth.grasp import sample_grasp
    from handsynth.grasp.stability import GRIP_BOUND_CM, Simulator, measure_stability, object_motion
    from handsynth.objects.families import FAMILIES
    from handsynth.viz.software_raster import contact_sheet

    rows = []
    with Simulator() as sim:
        for category in sorted({f.category for f in FAMILIES.values()}):
            families = tuple(name for name, f in FAMILIES.items() if f.category == category)
            for k in range(args.n):
                grasp, _ = sample_grasp(args.seed, k, families)
                s = measure_stability(grasp, sim, literature=False)
                motion = object_motion(sim.grip_start, sim.grip_poses[s.grip_worst_direction])
                rows.append((s.grip_displacement_cm, category, k, grasp, s, motion))
    below = sorted((r for r in rows if r[0] <= GRIP_BOUND_CM), key=lambda r: -r[0])[: args.pairs]
    above = sorted((r for r in rows if r[0] > GRIP_BOUND_CM), key=lambda r: r[0])[: args.pairs]
    tiles, labels = [], []
    for d, category, k, grasp, s, motion in below + above:
        verdict = "holds" if s.holds() else "drops"
        label = f"{grasp.object.family} {grasp.grasp_type} (seed {args.seed}, {category} {k})"
        print(f"{label}: grip {d:.2f} cm, {s.grip_worst_direction}, {verdict}", flush=True)
        tiles += [tile(grasp, np.eye(4)), tile(grasp, motion)]
        labels += [label, f"after {s.grip_worst_direction}: {d:.2f} cm, {verdict}"]
    buf = io.BytesIO()
    contact_sheet(tiles, 4, labels=labels).save(buf, format="PNG")
    write_bytes_atomic(Path(args.out), buf.getvalue())
    print(f"wrote {args.out} ({len(tiles)} tiles; bound {GRIP_BOUND_CM} cm)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
