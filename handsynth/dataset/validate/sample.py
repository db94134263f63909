"""Per-sample checks: joints, camera matrices, projection, visibility, masks, depth and boxes; numpy only,
never bpy, ray or torch."""

from __future__ import annotations

import numpy as np

from handsynth.conventions import (
    FINGERTIP_DEPTH_TOLERANCE_M,
    FINGERTIP_INDICES,
    FINGERTIP_NEIGHBOURHOOD_PX,
    JOINT_NAMES,
    NUM_JOINTS,
    OBJECT_CATEGORIES,
    SEG_FOREARM,
    SEG_HAND,
    SEG_LABELS,
    SEG_OBJECT,
    VISIBLE_DEPTH_TOLERANCE_M,
    inside_image,
    pixel_of,
    project_points,
)
from handsynth.dataset.layout import FORMAT, bbox_of_mask
from handsynth.dataset.reader import decode_images
from handsynth.dataset.validate.fields import as_array, pixel_list, rigid_problem, type_ok
from handsynth.dataset.validate.report import ValidationReport

PROJECTION_TOLERANCE_PX = 1e-3


def check_sample(
    annotation: dict, raw: dict | None, depth_unit_m: float, dataset_format: str, report: ValidationReport
) -> None:
    """Every per-sample invariant of an annotation whose fields are well-typed (``raw``: its PNG arrays),
    by the rules of ``dataset_format`` (``handsynth.dataset.layout.FORMAT`` or ``FORMAT_1``)."""
    sid, width, height = annotation["id"], annotation["width"], annotation["height"]
    hand, obj = annotation["hand"], annotation["object"]
    report.expect(
        "category",
        obj["category"] in OBJECT_CATEGORIES,
        f"id {sid}: category {obj['category']!r} not in {OBJECT_CATEGORIES}",
    )

    cam = as_array(hand["joints_cam"], (NUM_JOINTS, 3))
    uv = as_array(hand["joints_uv"], (NUM_JOINTS, 2))
    vis = np.asarray(hand["joints_vis"], dtype=object)
    vis_ok = vis.shape == (NUM_JOINTS,) and all(type_ok(v, int) and v in (0, 1, 2) for v in vis)
    shapes = (
        ("joints_cam is not (21, 3)", cam is not None),
        ("joints_uv is not (21, 2)", uv is not None),
        ("joints_vis is not 21 values in {0, 1, 2}", vis_ok),
    )
    joint_problems = [message for message, ok in shapes if not ok]
    if cam is not None and not (cam[:, 2] > 0).all():
        joint_problems.append("a joint has z <= 0")
    joints_ok = report.expect("joints", not joint_problems, f"id {sid}: {'; '.join(joint_problems)}")

    K = as_array(annotation["K"], (3, 3))
    K_ok = K is not None and np.array_equal(K[2], [0.0, 0.0, 1.0]) and K[0, 1] == 0 and K[1, 0] == 0
    K_ok = K_ok and K[0, 0] > 0 and K[1, 1] > 0
    matrix_problems = [] if K_ok else [f"K {annotation['K']} is not [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]"]
    for name, T in (("T_cam_world", annotation["T_cam_world"]), ("object.T_cam_object", obj["T_cam_object"])):
        if problem := rigid_problem(T):
            matrix_problems.append(f"{name} {problem}")
    report.expect("camera matrices", not matrix_problems, f"id {sid}: {'; '.join(matrix_problems)}")

    if joints_ok and K_ok:
        error = np.abs(project_points(cam, K) - uv).max(axis=1)
        worst = int(np.argmax(error))
        report.expect(
            "projection",
            error[worst] <= PROJECTION_TOLERANCE_PX,
            f"id {sid}: joint {worst} ({JOINT_NAMES[worst]}) uv {uv[worst].round(4).tolist()} is "
            f"{error[worst]:.4g} px from the projection of joints_cam",
        )

    if raw is None:
        return
    images = decode_images(raw, depth_unit_m)
    seg, depth_raw = images["seg"], images["depth_raw"]
    hand_amodal, object_amodal = images["hand_amodal"], images["object_amodal"]
    values = set(np.unique(seg).tolist()) - set(SEG_LABELS)
    for kind in ("hand_amodal", "object_amodal"):
        values_mask = set(np.unique(raw[kind]).tolist()) - {0, 255}
        report.expect("label values", not values_mask, f"id {sid}: {kind} has values {sorted(values_mask)}")
    report.expect(
        "label values", not values, f"id {sid}: seg has labels {sorted(values)} not in {sorted(SEG_LABELS)}"
    )

    if joints_ok:
        vis = np.asarray(hand["joints_vis"], dtype=np.int64)
        inside = inside_image(uv, width, height)
        wrong = np.flatnonzero((vis == 0) != ~inside)
        report.expect(
            "visibility outside",
            wrong.size == 0,
            f"id {sid}: "
            + "; ".join(
                f"joint {j} ({JOINT_NAMES[j]}) vis {vis[j]} "
                f"but {'inside' if inside[j] else 'outside'} the image "
                f"at uv {uv[j].round(2).tolist()}"
                for j in wrong[:3]
            ),
        )
        depth_m = depth_raw.astype(np.float64) * depth_unit_m
        _check_visible(sid, uv, cam[:, 2], vis, inside, seg, depth_m, depth_unit_m, dataset_format, report)
        _check_amodal_joints(sid, uv, inside, hand_amodal, dataset_format, report)

    for name, label, amodal in (
        ("hand amodal", SEG_HAND, hand_amodal),
        ("object amodal", SEG_OBJECT, object_amodal),
    ):
        outside = (seg == label) & ~amodal
        report.expect(
            name, not outside.any(), f"id {sid}: seg == {label} outside the mask: {pixel_list(outside)}"
        )
    mismatch = (depth_raw != 0) != (seg != 0)
    report.expect(
        "depth support",
        not mismatch.any(),
        f"id {sid}: depth != 0 differs from seg != 0 at {pixel_list(mismatch)}",
    )
    for name, part, label in (("hand bbox", hand, SEG_HAND), ("object bbox", obj, SEG_OBJECT)):
        box = bbox_of_mask(seg == label)
        report.expect(name, part["bbox"] == box, f"id {sid}: bbox {part['bbox']} != {box} of seg == {label}")
    for part_name, part, amodal in (("hand", hand, hand_amodal), ("object", obj, object_amodal)):
        if "bbox_amodal" in part:
            box = bbox_of_mask(amodal)
            report.expect(
                "amodal bboxes",
                part["bbox_amodal"] == box,
                f"id {sid}: {part_name}.bbox_amodal {part['bbox_amodal']} != {box}",
            )


def _neighbourhood(col: int, row: int, shape: tuple[int, int]) -> tuple[slice, slice]:
    """The block of pixels at most ``FINGERTIP_NEIGHBOURHOOD_PX`` away from (col, row), clipped."""
    r = FINGERTIP_NEIGHBOURHOOD_PX
    return slice(max(row - r, 0), min(row + r + 1, shape[0])), slice(
        max(col - r, 0), min(col + r + 1, shape[1])
    )


def _check_visible(sid, uv, joints_z, vis, inside, seg, depth_m, depth_unit_m, dataset_format, report):
    """Joints marked visible: inner joints (every joint in format 1) by the 25 mm bound; fingertips of
    format 1.1 by the tip rule, which a label map can check only as far as "hand" goes (the finger a
    hand pixel belongs to is not stored): label hand at most 3 mm in front at the tip's pixel; or, where
    that pixel shows background or a surface behind the tip, label hand at most 3 mm in front within
    1 px. Stored depth is rounded to half a unit, so each bound is widened by that much."""
    half_unit = depth_unit_m / 2 + 1e-9
    tips = set(FINGERTIP_INDICES) if dataset_format == FORMAT else set()
    inner_problems, tip_problems = [], []
    for j in np.flatnonzero((vis == 2) & inside):
        col, row = pixel_of(uv[j])
        label, depth = int(seg[row, col]), float(depth_m[row, col])
        where = (
            f"joint {j} ({JOINT_NAMES[j]}) vis 2 at pixel ({col}, {row}) with label {label}, "
            f"depth {depth:.4f} m vs joint z {joints_z[j]:.4f} m"
        )
        if j not in tips:
            allowed = (SEG_HAND, SEG_FOREARM) if j == 0 else (SEG_HAND,)
            if label not in allowed or abs(depth - joints_z[j]) > VISIBLE_DEPTH_TOLERANCE_M + half_unit:
                inner_problems.append(where)
            continue
        floor = joints_z[j] - FINGERTIP_DEPTH_TOLERANCE_M - half_unit
        if label == SEG_HAND and depth >= floor:
            continue
        if label == 0 or depth >= joints_z[j] - half_unit:
            block = _neighbourhood(int(col), int(row), seg.shape)
            if np.any((seg[block] == SEG_HAND) & (depth_m[block] >= floor)):
                continue
            tip_problems.append(where + ": no hand skin within 3 mm in front of it within 1 px")
        else:
            tip_problems.append(where + ": a surface more than 3 mm in front of it, or not hand")
    report.expect("visibility visible", not inner_problems, f"id {sid}: {'; '.join(inner_problems[:3])}")
    if tips:
        report.expect("fingertip visibility", not tip_problems, f"id {sid}: {'; '.join(tip_problems[:3])}")


def _check_amodal_joints(sid, uv, inside, hand_amodal, dataset_format, report) -> None:
    """Every joint inside the image projects into ``hand_amodal`` (the whole hand's silhouette) at its own
    pixel. Format 1.1 adds each fingertip's pixel to the mask (a tip is a vertex on the silhouette's edge);
    a format 1 dataset is checked at its inner joints only."""
    joints = np.flatnonzero(inside)
    if dataset_format != FORMAT:
        joints = [j for j in joints if j not in FINGERTIP_INDICES]
    outside = []
    for j in joints:
        col, row = (int(x) for x in pixel_of(uv[j]))
        if not hand_amodal[row, col]:
            outside.append(f"joint {j} ({JOINT_NAMES[j]}) at pixel ({col}, {row})")
    report.expect(
        "hand amodal joints", not outside, f"id {sid}: outside hand_amodal: {'; '.join(outside[:4])}"
    )
