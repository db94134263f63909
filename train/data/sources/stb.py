"""STB (Stereo Tracking Benchmark) in its published layout: ``labels/{B1..B6}{Counting,Random}_SK.mat``
(``handPara`` 3 x 21 x 1500, millimetres, in the SK depth camera's frame) and the colour frames
``<sequence>/SK_color_%d.png`` (640 x 480), the sequence folders either at the top or under ``images/``.

Two traps are handled here. Joint 0 of ``handPara`` is the PALM CENTRE, not the wrist, and the fingers run
little -> thumb, each MCP -> tip (``handsynth.conventions`` "stb" order). The wrist is made by hand3d's rule
(``BinaryDbReaderSTB.convert_kp``): ``wrist = palm + (palm - ring MCP)``; the palm centre is kept in
``extra["palm_cam"]``. The labels are in the depth camera's frame: ``xyz_colour = (xyz - t) @ R`` with the
published SK extrinsics (``t`` mm, ``R`` = Rodrigues of the rotation vector), then projected with the
SK colour intrinsics. STB shows one subject's left hand. Official split (hand3d): B1 test, B2-B6 train.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from handsynth_train.data.sample import VIS_VISIBLE, HandSample, vis_inside
from handsynth_train.data.sources import require
from handsynth_train.data.sources.images import read_rgb
from handsynth_train.data.sources.matfile import load_mat

from handsynth.conventions import to_standard
from handsynth.errors import UserError

SEQUENCES = tuple(f"B{b}{kind}" for b in range(1, 7) for kind in ("Counting", "Random"))
SPLIT_SEQUENCES = {
    "train": SEQUENCES[2:],  # B2-B6
    "test": SEQUENCES[:2],  # B1Counting, B1Random
    "val": SEQUENCES[:2],
    "all": SEQUENCES,
}
# The SK colour camera (published calibration): fx, fy, cx, cy in pixels.
SK_COLOUR_K = np.array([[607.92271, 0.0, 314.78337], [0.0, 607.88192, 236.42484], [0.0, 0.0, 1.0]])
# Colour -> depth extrinsics of the SK camera as published: rotation vector (rad) and translation (mm).
SK_ROTATION_VECTOR = (0.00531, -0.01196, 0.00301)
SK_TRANSLATION_MM = (-24.0381, -0.4563, -1.2326)
RING_MCP = 13  # standard order
ROOT_RULE = "wrist = palm + (palm - ring MCP) (hand3d's STB rule)"


def rodrigues(rotation_vector) -> np.ndarray:
    """(3,) axis-angle -> (3, 3) rotation matrix."""
    r = np.asarray(rotation_vector, np.float64)
    theta = np.linalg.norm(r)
    if theta == 0:
        return np.eye(3)
    k = r / theta
    cross = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(theta) * cross + (1 - np.cos(theta)) * cross @ cross


def sk_depth_to_colour(xyz_mm: np.ndarray) -> np.ndarray:
    """(..., 3) points in the SK depth frame -> the SK colour frame, mm: ``(xyz - t) @ R`` (the published
    transform maps colour to depth coordinates, ``depth = R @ colour + t``; this is its inverse)."""
    return (np.asarray(xyz_mm, np.float64) - np.asarray(SK_TRANSLATION_MM)) @ rodrigues(SK_ROTATION_VECTOR)


def palm_to_wrist(joints_std: np.ndarray) -> np.ndarray:
    """(..., 21, 3) standard-order joints whose slot 0 is STB's palm centre -> a copy whose slot 0 is the
    wrist by hand3d's rule ``palm + (palm - ring MCP)``."""
    out = np.array(joints_std, np.float64)
    out[..., 0, :] = 2.0 * out[..., 0, :] - out[..., RING_MCP, :]
    return out


class STBSource:
    """STB colour (SK) frames of the official split: "train" B2-B6, "test" (and "val") B1, "all" every
    sequence. Sequences without a label file are skipped (a partial copy has fewer); frames without their
    colour image are skipped. Joints in the standard order with the wrist from ``ROOT_RULE``."""

    def __init__(self, path: str | Path, split: str = "train"):
        self.root = Path(path)
        self.name = f"stb:{path}"
        labels = require(self.root / "labels", "STB's labels/ folder (<sequence>_SK.mat files)")
        images = self.root / "images" if (self.root / "images").is_dir() else self.root
        self.items: list[tuple[str, int, Path, np.ndarray]] = []  # (sequence, frame, image, palm-rooted xyz)
        for sequence in SPLIT_SEQUENCES[split]:
            mat_path = labels / f"{sequence}_SK.mat"
            if not mat_path.exists():
                continue
            hand_para = load_mat(mat_path).get("handPara")
            if hand_para is None or hand_para.ndim != 3 or hand_para.shape[:2] != (3, 21):
                shape = None if hand_para is None else hand_para.shape
                raise UserError(f"{mat_path} has no handPara of shape (3, 21, frames), got {shape}")
            joints = to_standard(sk_depth_to_colour(hand_para.transpose(2, 1, 0)), "stb")  # (N, 21, 3) mm
            for frame in range(len(joints)):
                image = images / sequence / f"SK_color_{frame}.png"
                if image.exists():
                    self.items.append((sequence, frame, image, joints[frame]))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> HandSample:
        sequence, frame, image_path, joints_mm = self.items[index]
        image = read_rgb(image_path)
        xyz = palm_to_wrist(joints_mm) / 1000.0
        uvw = xyz @ SK_COLOUR_K.T
        uv = uvw[:, :2] / uvw[:, 2:3]
        vis = np.full(21, VIS_VISIBLE)
        return HandSample(
            image=image,
            joints_uv=uv.astype(np.float32),
            joints_vis=vis_inside(uv, vis, image.shape[1], image.shape[0]),
            joints_cam=xyz.astype(np.float32),
            joints_cam_valid=np.ones(21, dtype=bool),
            K=SK_COLOUR_K.copy(),
            side="left",
            subject="stb",
            source=f"{self.name}#{sequence}/{frame}",
            extra={"palm_cam": (joints_mm[0] / 1000.0).tolist(), "root": ROOT_RULE},
        )
