"""DexYCB in its published layout: ``<subject>/<sequence>/meta.yml``, ``<subject>/<sequence>/<serial>/
{color_%06d.jpg, aligned_depth_to_color_%06d.png, labels_%06d.npz}`` and
``calibration/intrinsics/<serial>_640x480.yml``; splits s0-s3 as in the toolkit's ``dex_ycb.py``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml
from handsynth_train.data.sample import VIS_NONE, VIS_VISIBLE, HandSample, vis_inside
from handsynth_train.data.sources import require
from handsynth_train.data.sources.images import read_raw, read_rgb

SUBJECTS = (
    "20200709-subject-01",
    "20200813-subject-02",
    "20200820-subject-03",
    "20200903-subject-04",
    "20200908-subject-05",
    "20200918-subject-06",
    "20200928-subject-07",
    "20201002-subject-08",
    "20201015-subject-09",
    "20201022-subject-10",
)
SERIALS = (
    "836212060125",
    "839512060362",
    "840412060917",
    "841412060263",
    "932122060857",
    "932122060861",
    "932122061900",
    "932122062010",
)
YCB_CLASSES = {
    1: "002_master_chef_can", 2: "003_cracker_box", 3: "004_sugar_box", 4: "005_tomato_soup_can",
    5: "006_mustard_bottle", 6: "007_tuna_fish_can", 7: "008_pudding_box", 8: "009_gelatin_box",
    9: "010_potted_meat_can", 10: "011_banana", 11: "019_pitcher_base", 12: "021_bleach_cleanser",
    13: "024_bowl", 14: "025_mug", 15: "035_power_drill", 16: "036_wood_block", 17: "037_scissors",
    18: "040_large_marker", 19: "051_large_clamp", 20: "052_extra_large_clamp", 21: "061_foam_brick",
}  # fmt: skip
SEG_HAND = 255
ALL = list(range(10)), list(range(8)), list(range(100))


def split_indices(setup: str, split: str) -> tuple[list[int], list[int], list[int]]:
    """(subject, serial, sequence) indices of a DexYCB setup (s0 seen, s1 unseen subjects, s2 unseen
    cameras, s3 unseen objects) and split (train | val | test), exactly as the toolkit defines them."""
    every_seq, subjects, serials = list(range(100)), list(range(10)), list(range(8))
    table = {
        ("s0", "train"): (subjects, serials, [i for i in every_seq if i % 5 != 4]),
        ("s0", "val"): ([0, 1], serials, [i for i in every_seq if i % 5 == 4]),
        ("s0", "test"): (list(range(2, 10)), serials, [i for i in every_seq if i % 5 == 4]),
        ("s1", "train"): ([0, 1, 2, 3, 4, 5, 9], serials, every_seq),
        ("s1", "val"): ([6], serials, every_seq),
        ("s1", "test"): ([7, 8], serials, every_seq),
        ("s2", "train"): (subjects, list(range(6)), every_seq),
        ("s2", "val"): (subjects, [6], every_seq),
        ("s2", "test"): (subjects, [7], every_seq),
        ("s3", "train"): (subjects, serials, [i for i in every_seq if i // 5 not in (3, 7, 11, 15, 19)]),
        ("s3", "val"): (subjects, serials, [i for i in every_seq if i // 5 in (3, 19)]),
        ("s3", "test"): (subjects, serials, [i for i in every_seq if i // 5 in (7, 11, 15)]),
    }
    if split == "all":
        return ALL
    if (setup, split) not in table:
        raise ValueError(f"unknown DexYCB setup {setup!r}; valid setups: s0, s1, s2, s3")
    return table[(setup, split)]


class DexYCBSource:
    """DexYCB frames of one setup and split (default s0). Subject folders are matched by their date
    prefix (``20200709-...``: the released ``-subject-NN`` names and the toolkit's older ones), sequences
    taken in sorted order as the toolkit does; a partial copy simply has fewer. ``object_category`` is the
    YCB name of the grasped object."""

    def __init__(self, path: str | Path, split: str = "train", *, setup: str = "s0"):
        self.root = Path(path)
        self.name = f"dexycb:{path}"
        subject_ind, serial_ind, sequence_ind = split_indices(setup, split)
        self.intrinsics = {}
        self.items: list[tuple[Path, str, int, dict]] = []  # (sequence dir, serial, frame, meta)
        present = {p.name[:8]: p for p in self.root.iterdir() if p.is_dir() and p.name[:8].isdigit()}
        for s in subject_ind:
            subject_dir = present.get(SUBJECTS[s][:8])
            if subject_dir is None:
                continue
            sequences = sorted(p for p in subject_dir.iterdir() if p.is_dir())
            for q in (sequences[i] for i in sequence_ind if i < len(sequences)):
                meta = yaml.safe_load((q / "meta.yml").read_text())
                for c in serial_ind:
                    if (q / SERIALS[c]).is_dir():
                        self.items += [(q, SERIALS[c], f, meta) for f in range(int(meta["num_frames"]))]
        for serial in {item[1] for item in self.items}:
            intr_path = self.root / "calibration" / "intrinsics" / f"{serial}_640x480.yml"
            color = yaml.safe_load(require(intr_path, "DexYCB camera intrinsics").read_text())["color"]
            self.intrinsics[serial] = np.array(
                [[color["fx"], 0.0, color["ppx"]], [0.0, color["fy"], color["ppy"]], [0.0, 0.0, 1.0]]
            )

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> HandSample:
        q, serial, frame, meta = self.items[index]
        d = q / serial
        image = read_rgb(d / f"color_{frame:06d}.jpg")
        labels = np.load(d / f"labels_{frame:06d}.npz")
        xyz = np.asarray(labels["joint_3d"], dtype=np.float64).reshape(21, 3)
        uv = np.asarray(labels["joint_2d"], dtype=np.float64).reshape(21, 2)
        has_hand = not np.all(xyz == -1)
        vis = np.full(21, VIS_VISIBLE if has_hand else VIS_NONE)
        depth_path = d / f"aligned_depth_to_color_{frame:06d}.png"
        grasped = meta["ycb_ids"][meta["ycb_grasp_ind"]]
        return HandSample(
            image=image,
            joints_uv=uv.astype(np.float32),
            joints_vis=vis_inside(uv, vis, image.shape[1], image.shape[0]),
            joints_cam=xyz.astype(np.float32),
            joints_cam_valid=np.full(21, has_hand),
            K=self.intrinsics[serial],
            hand_mask=labels["seg"] == SEG_HAND,
            depth_m=read_raw(depth_path).astype(np.float32) / 1000.0 if depth_path.exists() else None,
            side=meta["mano_sides"][0],
            subject=q.parent.name,
            object_category=YCB_CLASSES.get(int(grasped), str(grasped)),
            source=f"{self.name}#{q.parent.name}/{q.name}/{serial}/{frame}",
        )
