"""Write grasps to disk: coloured PLY meshes, grasps.jsonl and a contact sheet; never bpy, ray or torch."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from handsynth.conventions import linear_to_srgb
from handsynth.files import write_bytes_atomic
from handsynth.grasp.synthesis import Grasp, SynthesisStats
from handsynth.hand.rig import HandRig
from handsynth.hand.shape import BONE_INDEX
from handsynth.hand.skin import vertex_albedo_linear

RECORDS_NAME = "grasps.jsonl"
SHEET_NAME = "contact_sheet.png"
SHEET_COLUMNS, SHEET_MAX_TILES, TILE_PX = 6, 48, 240
VIEW_FOV_DEG = 35.0
FRAMED_FOREARM_WEIGHT = 0.5  # pictures frame the hand and object; most of the forearm may leave the tile
VIEW_TILT_DEG = 30.0  # camera raised from the palm normal towards the wrist, so fingertips and palm both show
_GRASP_FILE = re.compile(r"\d{4,}\.(hand|object)\.ply")


def ply_bytes(vertices: np.ndarray, faces: np.ndarray, colors: np.ndarray | None = None) -> bytes:
    """Binary little-endian PLY of a triangle mesh.

    Args:
        vertices: (V, 3) float, stored as float32 x, y, z.
        faces: (F, 3) int, stored as a uchar count and three int32 indices.
        colors: (V, 3) uint8 sRGB per vertex (stored as uchar red, green, blue), or None.
    """
    vertices = np.asarray(vertices, dtype=np.float64).reshape(-1, 3)
    faces = np.asarray(faces).reshape(-1, 3)
    fields = [("x", "<f4"), ("y", "<f4"), ("z", "<f4")]
    header = ["ply", "format binary_little_endian 1.0", "comment handsynth, metres"]
    header += [f"element vertex {len(vertices)}"] + [f"property float {axis}" for axis in "xyz"]
    if colors is not None:
        colors = np.asarray(colors)
        if colors.shape != vertices.shape or colors.dtype != np.uint8:
            raise ValueError(f"colors must be ({len(vertices)}, 3) uint8, got {colors.shape} {colors.dtype}")
        fields += [("red", "u1"), ("green", "u1"), ("blue", "u1")]
        header += ["property uchar red", "property uchar green", "property uchar blue"]
    header += [f"element face {len(faces)}", "property list uchar int vertex_indices", "end_header"]
    vertex_data = np.empty(len(vertices), dtype=np.dtype(fields))
    for i, axis in enumerate("xyz"):
        vertex_data[axis] = vertices[:, i]
    if colors is not None:
        for i, channel in enumerate(("red", "green", "blue")):
            vertex_data[channel] = colors[:, i]
    face_data = np.empty(len(faces), dtype=np.dtype([("n", "u1"), ("v", "<i4", (3,))]))
    face_data["n"] = 3
    face_data["v"] = faces
    return ("\n".join(header) + "\n").encode("ascii") + vertex_data.tobytes() + face_data.tobytes()


def write_ply(
    path: str | Path, vertices: np.ndarray, faces: np.ndarray, colors: np.ndarray | None = None
) -> None:
    """Write a triangle mesh as binary PLY (see ``ply_bytes``) atomically: a temporary file, then a rename."""
    write_bytes_atomic(Path(path), ply_bytes(vertices, faces, colors))


def to_uint8(srgb: np.ndarray) -> np.ndarray:
    """(..., 3) sRGB in [0, 1] -> (..., 3) uint8."""
    return np.round(np.clip(srgb, 0.0, 1.0) * 255.0).astype(np.uint8)


def object_vertex_srgb(obj) -> np.ndarray:
    """(V, 3) float64 sRGB in [0, 1] per object vertex: the mean base colour of the faces around it.

    Material patterns are not drawn; a vertex on a slot boundary takes the mean of its faces' colours.
    """
    base = np.array([m.base_color for m in obj.materials], dtype=np.float64)  # (S, 3) linear
    faces = np.asarray(obj.faces)
    face_colour = np.repeat(base[np.asarray(obj.face_slots)], 3, axis=0)  # (3F, 3), one per corner
    corners = faces.ravel()
    total = np.stack([np.bincount(corners, face_colour[:, i], len(obj.vertices)) for i in range(3)], axis=1)
    count = np.bincount(corners, minlength=len(obj.vertices))[:, None]
    linear = np.where(count > 0, total / np.maximum(count, 1), 0.5)
    return linear_to_srgb(linear)


def grasp_file_names(k: int, width: int = 4) -> dict[str, str]:
    """The PLY names of grasp ``k``: ``{"hand": "0007.hand.ply", "object": "0007.object.ply"}``."""
    return {"hand": f"{k:0{width}d}.hand.ply", "object": f"{k:0{width}d}.object.ply"}


def grasp_record(
    k: int, grasp: Grasp, stats: SynthesisStats, seed: int | None = None, width: int = 4
) -> dict:
    """JSON-ready record of grasp ``k``: what was grasped, by whom and how, its quality and its files.

    Args:
        k: the grasp's number in the run (``sample_grasp(seed, k, ...)``).
        grasp, stats: what ``sample_grasp`` returned.
        seed: the run's root seed, stored so the grasp can be drawn again.
        width: digits of the file numbers.
    """
    record = grasp.to_record()  # object, grasp_type, subject, side, shape, pose_deg, T_object_hand, quality
    record.update(
        {
            "id": k,
            "seed": seed,
            "family": grasp.object.family,
            "category": grasp.object.category,
            "candidates": stats.candidates,
            "rejected": dict(sorted(stats.rejected.items())),
            "files": grasp_file_names(k, width),
        }
    )
    return record


def grasp_view(
    points: np.ndarray,
    T_object_hand: np.ndarray,
    fov_deg: float = VIEW_FOV_DEG,
    tilt_deg: float = VIEW_TILT_DEG,
) -> np.ndarray:
    """(4, 4) T_cam_object of a camera that sees a grasp's contact side with ``points`` in view.

    The camera looks at the centre of the points' bounding sphere from the palmar side of the hand,
    tilted ``tilt_deg`` towards the wrist; image-up is the hand's distal axis (fingers point up). The
    distance fits the bounding sphere in the field of view.

    Args:
        points: (N, 3) what must be in view (hand and object), object frame.
        T_object_hand: (4, 4) hand -> object (mirrored for a left hand; its z column is still dorsal).
    """
    from handsynth.viz.software_raster import look_at

    points = np.asarray(points, dtype=np.float64)
    centre = 0.5 * (points.min(axis=0) + points.max(axis=0))
    radius = float(np.linalg.norm(points - centre, axis=1).max())
    R = np.asarray(T_object_hand, dtype=np.float64)[:3, :3]
    distal, palmar = R[:, 0], -R[:, 2]
    tilt = np.radians(tilt_deg)
    direction = np.cos(tilt) * palmar - np.sin(tilt) * distal
    distance = 1.05 * radius / np.sin(np.radians(fov_deg) / 2)
    return look_at(centre + distance * direction, centre, up=distal)


def grasp_tile(
    posed,
    hand_srgb,
    hand_fit,
    obj,
    obj_srgb,
    T_object_hand,
    size: int = TILE_PX,
    tilt_deg: float = VIEW_TILT_DEG,
) -> np.ndarray:
    """(size, size, 3) uint8 picture of a posed hand holding ``obj``, both in the object frame.

    Args:
        posed: the ``PosedHand``; hand_srgb: (V, 3) its colours in [0, 1].
        hand_fit: (V,) bool, the hand vertices framed with the object (the forearm may leave the picture).
        obj: the ``ObjectModel``; obj_srgb: (W, 3) its colours in [0, 1].
        T_object_hand: (4, 4) hand -> object.
        tilt_deg: camera tilt from the palm normal towards the wrist (``grasp_view``); 90 looks along
            the fingers from the wrist, -90 back at the fingertips.
    """
    from handsynth.viz.software_raster import intrinsics_from_fov, shade_mesh

    points = np.concatenate([posed.vertices[hand_fit], obj.vertices])
    T_cam = grasp_view(points, T_object_hand, tilt_deg=tilt_deg)
    K = intrinsics_from_fov(VIEW_FOV_DEG, size, size)
    meshes = [(posed.vertices, posed.faces, hand_srgb), (obj.vertices, obj.faces, obj_srgb)]
    return shade_mesh(meshes, None, T_cam, K, size, size)


def write_grasps(
    out_dir: str | Path,
    grasps_with_stats: Iterable[tuple[Grasp, SynthesisStats]],
    seed: int | None = None,
    n_digits: int = 4,
) -> list[Path]:
    """Write grasps (consumed lazily, in order) into ``out_dir``; returns the paths written.

    Per grasp k: ``kkkk.hand.ply`` (the skinned hand in the object frame, skin colours) and
    ``kkkk.object.ply`` (the object, material base colours); then ``contact_sheet.png`` (the first 48
    grasps) and ``grasps.jsonl`` (one record per grasp, sorted keys), written last. Every file is
    written atomically; the folder is created when the first grasp arrives, and grasp PLYs of an earlier
    run with more grasps are removed at the end.
    """
    from handsynth.viz.software_raster import contact_sheet

    out_dir = Path(out_dir)
    rigs: dict[tuple, tuple[HandRig, np.ndarray, np.ndarray]] = {}
    records, tiles, labels, paths = [], [], [], []
    for k, (grasp, stats) in enumerate(grasps_with_stats):
        out_dir.mkdir(parents=True, exist_ok=True)
        key = (grasp.subject.id, grasp.subject.shape, grasp.side)
        if key not in rigs:
            rig = HandRig(grasp.subject.shape, grasp.side)
            srgb = linear_to_srgb(vertex_albedo_linear(grasp.subject, rig.template))
            rigs[key] = rig, srgb, rig.template.weights[:, BONE_INDEX["lowerarm02"]] < FRAMED_FOREARM_WEIGHT
        rig, hand_srgb, hand_fit = rigs[key]
        posed = grasp.posed_hand(rig)
        obj = grasp.object
        obj_srgb = object_vertex_srgb(obj)
        names = grasp_file_names(k, n_digits)
        write_ply(out_dir / names["hand"], posed.vertices, posed.faces, to_uint8(hand_srgb))
        write_ply(out_dir / names["object"], obj.vertices, obj.faces, to_uint8(obj_srgb))
        paths += [out_dir / names["hand"], out_dir / names["object"]]
        records.append(grasp_record(k, grasp, stats, seed, n_digits))
        if len(tiles) < SHEET_MAX_TILES:
            tiles.append(grasp_tile(posed, hand_srgb, hand_fit, obj, obj_srgb, grasp.T_object_hand))
            labels.append(f"{k:0{n_digits}d} {obj.family} {grasp.grasp_type}")
    if not records:
        return paths
    buf = io.BytesIO()
    contact_sheet(tiles, SHEET_COLUMNS, labels=labels).save(buf, format="PNG")
    write_bytes_atomic(out_dir / SHEET_NAME, buf.getvalue())
    lines = [json.dumps(r, sort_keys=True) + "\n" for r in records]
    write_bytes_atomic(out_dir / RECORDS_NAME, "".join(lines).encode())
    paths += [out_dir / SHEET_NAME, out_dir / RECORDS_NAME]
    written = {p.name for p in paths}
    for stale in out_dir.iterdir():  # grasp PLYs of an earlier run this one did not overwrite
        if _GRASP_FILE.fullmatch(stale.name) and stale.name not in written:
            stale.unlink()
    return paths
