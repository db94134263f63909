"""Write a posed hand to disk for inspection (OBJ with UVs, GLB with colours, joints.json); numpy and
trimesh only."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np

from handsynth.conventions import JOINT_NAMES, NUM_JOINTS, linear_to_srgb
from handsynth.files import write_bytes_atomic
from handsynth.hand.pose import HandPose
from handsynth.hand.rig import HandRig, PosedHand
from handsynth.hand.shape import BONE_NAMES
from handsynth.hand.skin import vertex_albedo_linear
from handsynth.hand.subjects import Subject, hand_dimensions


def obj_text(vertices: np.ndarray, faces: np.ndarray, uvs: np.ndarray) -> str:
    """Wavefront OBJ text of a mesh with per-vertex UVs (one ``vt`` per vertex, 1-based indices)."""
    lines = ["# handsynth hand mesh, metres"]
    lines += [f"v {x:.7f} {y:.7f} {z:.7f}" for x, y, z in vertices]
    lines += [f"vt {u:.6f} {v:.6f}" for u, v in uvs]
    lines += [f"f {a}/{a} {b}/{b} {c}/{c}" for a, b, c in faces + 1]
    return "\n".join(lines) + "\n"


def hand_record(subject: Subject, side: str, pose: HandPose, posed: PosedHand, pose_name: str) -> dict:
    """The JSON record of a posed hand: subject, shape, pose angles, 21 joints and bone heads (m)."""
    length, breadth = hand_dimensions(subject.shape)
    assert posed.joints.shape == (NUM_JOINTS, 3)
    return {
        "units": "m",
        "frame": "hand (origin wrist joint; x distal, y radial for the right hand, z dorsal)",
        "subject": subject.id,
        "side": side,
        "pose_name": pose_name,
        "shape": subject.shape.to_dict(),
        "skin": subject.skin.to_dict(),
        "pose_deg": pose.to_degrees(),
        "hand_length_m": round(length, 6),
        "hand_breadth_m": round(breadth, 6),
        "joint_names": list(JOINT_NAMES),
        "joints": np.round(posed.joints, 7).tolist(),
        "bones": {
            name: np.round(posed.bone_transforms[i, :3, 3], 7).tolist() for i, name in enumerate(BONE_NAMES)
        },
    }


def write_hand(
    out_dir: Path, rig: HandRig, subject: Subject, pose: HandPose, pose_name: str, picture
) -> list[Path]:
    """Write ``hand.obj``, ``hand.glb``, ``joints.json`` and ``hand.png`` of a posed hand into ``out_dir``.

    Each file is written atomically; ``picture`` is a callable (posed, colours_srgb) -> PIL image.
    """
    import trimesh

    posed = rig.pose(pose)
    srgb = linear_to_srgb(vertex_albedo_linear(subject, rig.template))
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / n for n in ("hand.obj", "hand.glb", "joints.json", "hand.png")]
    write_bytes_atomic(paths[0], obj_text(posed.vertices, posed.faces, rig.template.uvs).encode())
    colours = np.concatenate([np.round(srgb * 255), np.full((len(srgb), 1), 255)], axis=1).astype(np.uint8)
    mesh = trimesh.Trimesh(posed.vertices, posed.faces, vertex_colors=colours, process=False)
    write_bytes_atomic(paths[1], mesh.export(file_type="glb"))
    record = hand_record(subject, rig.side, pose, posed, pose_name)
    write_bytes_atomic(paths[2], (json.dumps(record, indent=1) + "\n").encode())
    buf = io.BytesIO()
    picture(posed, srgb).save(buf, format="PNG")
    write_bytes_atomic(paths[3], buf.getvalue())
    return paths
