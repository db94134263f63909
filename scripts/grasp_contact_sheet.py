"""Contact sheet of every grasp type on every object category, each from two views.

Run from the repository root with the project's environment::

    python scripts/grasp_contact_sheet.py [--out docs/images/grasp_types.png] [--seed 21]

For each (category, type) of the taxonomy, a seeded search on the family listed in ``FAMILIES`` (type
forced, objects drawn in turn, subjects cycled) gives the first accepted grasp; it is drawn by the
software rasterizer (``handsynth.grasp.export.grasp_tile``) from the palmar side tilted towards the wrist
(fingertips and palm both show) and from beyond the fingertips (what passes between thumb and fingers).
Each label gives the family, type, Feix class, contact fingers and penetration. numpy, PIL and the
project only; the same seed draws the same picture.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np

# The family each (category, type) is shown on: the flat ones on the objects the types exist for.
FAMILIES = {
    ("cylindrical", "power_wrap"): "bottle",
    ("cylindrical", "precision_disk"): "glass",
    ("slender", "power_grip"): "screwdriver",
    ("slender", "precision_pinch"): "toothbrush",
    ("slender", "tripod"): "knife",
    ("slender", "lateral_pinch"): "pencil",
    ("cubical", "power_box"): "phone",
    ("cubical", "power_edge"): "book",
    ("cubical", "palmar_pinch"): "book",
    ("cubical", "tripod"): "block",
    ("cubical", "lateral_pinch"): "remote_control",
    ("spherical", "spherical_power"): "orange",
    ("spherical", "tripod"): "egg",
}
VIEWS_DEG = (30.0, -75.0)  # camera tilt from the palm normal towards the wrist (negative: past the tips)
COLUMNS = 4
TILE = 260


def first_grasp(category: str, name: str, family: str, seed: int, objects: int = 30, attempts: int = 4):
    """The first accepted grasp of type ``name`` on objects of ``family`` (None when there is none)."""
    from handsynth.grasp import synthesize
    from handsynth.hand.subjects import SUBJECTS
    from handsynth.objects.families import FAMILIES as CATALOG

    ids = tuple(SUBJECTS)
    for k in range(objects):
        rng = np.random.default_rng([seed, k])
        obj = CATALOG[family].build(rng)
        grasp, _ = synthesize(obj, SUBJECTS[ids[k % len(ids)]], rng, grasp_type=name, max_attempts=attempts)
        if grasp is not None:
            return grasp
    return None


def tiles_of(grasp) -> list[np.ndarray]:
    """The grasp from each of ``VIEWS_DEG``."""
    from handsynth.conventions import linear_to_srgb
    from handsynth.grasp.export import FRAMED_FOREARM_WEIGHT, grasp_tile, object_vertex_srgb
    from handsynth.hand.rig import HandRig
    from handsynth.hand.shape import BONE_INDEX
    from handsynth.hand.skin import vertex_albedo_linear

    rig = HandRig(grasp.subject.shape, grasp.side)
    posed = grasp.posed_hand(rig)
    hand_srgb = linear_to_srgb(vertex_albedo_linear(grasp.subject, rig.template))
    fit = rig.template.weights[:, BONE_INDEX["lowerarm02"]] < FRAMED_FOREARM_WEIGHT
    obj_srgb = object_vertex_srgb(grasp.object)
    return [
        grasp_tile(posed, hand_srgb, fit, grasp.object, obj_srgb, grasp.T_object_hand, TILE, tilt)
        for tilt in VIEWS_DEG
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/images/grasp_types.png", help="PNG to write")
    parser.add_argument("--seed", type=int, default=21, help="root seed of the searches (default 21)")
    args = parser.parse_args(argv)

    from handsynth.files import write_bytes_atomic
    from handsynth.grasp import TAXONOMY
    from handsynth.viz.software_raster import contact_sheet

    tiles, labels, missing = [], [], []
    for category, types in TAXONOMY.items():
        for t in types:
            family = FAMILIES[(category, t.name)]
            grasp = first_grasp(category, t.name, family, args.seed)
            if grasp is None:
                missing.append(f"{category}/{t.name}")
                continue
            q = grasp.quality
            fingers = "".join(f[0].upper() for f in q.contact_fingers)
            label = f"{family} {t.name} ({grasp.feix[1]}) {fingers} {q.penetration_mm:.1f}mm"
            print(label, flush=True)
            for tile in tiles_of(grasp):
                tiles.append(tile)
                labels.append(label)
    if missing:
        print(f"error: no accepted grasp for {', '.join(missing)}", file=sys.stderr)
        return 2
    buf = io.BytesIO()
    contact_sheet(tiles, COLUMNS, labels=labels).save(buf, format="PNG")
    write_bytes_atomic(Path(args.out), buf.getvalue())
    print(f"wrote {args.out} ({len(tiles)} tiles)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
