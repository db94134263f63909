"""handsynth datasets (format handsynth/1 and 1.1) through ``handsynth.dataset.reader``, split by held-out
subjects and optionally held-out object families."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from handsynth_train.data.sample import HandSample, check_joints

from handsynth.conventions import SEG_HAND, SEG_OBJECT
from handsynth.dataset.reader import Dataset


def holdout_subjects(subjects, fraction: float = 0.2, seed: int = 0) -> list[str]:
    """The subjects of the test split: ``ceil(fraction * n)`` of the distinct ``subjects`` (at least one
    when there are two or more), drawn by ``seed`` from their sorted list, so any copy of a dataset splits
    the same way. Returns them sorted."""
    names = sorted(set(subjects))
    if len(names) < 2:
        return []
    count = min(len(names) - 1, max(1, math.ceil(fraction * len(names))))
    rng = np.random.default_rng(seed)
    return sorted(names[i] for i in rng.permutation(len(names))[:count])


class HandsynthSource:
    """A handsynth dataset on disk as ``HandSample``s.

    split: "train" (subjects and families not held out), "test" (held-out subjects or families), "val"
    (the same as test: handsynth has no third split), "all". ``test_subjects`` lists held-out subjects
    (default: ``holdout_subjects`` of the dataset's subjects with ``test_fraction`` and ``split_seed``);
    ``test_families`` lists object families whose samples are held out too.
    """

    def __init__(
        self,
        path: str | Path,
        split: str = "train",
        *,
        test_subjects: list[str] | None = None,
        test_families: list[str] | None = None,
        test_fraction: float = 0.2,
        split_seed: int = 0,
    ):
        self.dataset = Dataset(path)
        self.name = f"handsynth:{path}"
        annotations = list(self.dataset.iter_annotations())
        subjects = [a["hand"].get("subject", "") for a in annotations]
        families = [a.get("object", {}).get("family") for a in annotations]
        if test_subjects is None:
            test_subjects = holdout_subjects(subjects, test_fraction, split_seed)
        self.test_subjects = sorted(test_subjects)
        held_subjects, held_families = set(self.test_subjects), set(test_families or ())
        held = [s in held_subjects or f in held_families for s, f in zip(subjects, families, strict=True)]
        keep = {"train": lambda h: not h, "test": bool, "val": bool, "all": lambda h: True}[split]
        self.ids = [a["id"] for a, h in zip(annotations, held, strict=True) if keep(h)]
        self.subjects = [s for s, h in zip(subjects, held, strict=True) if keep(h)]

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> HandSample:
        sample_id = self.ids[index]
        data = self.dataset.load(sample_id)
        a = data["annotation"]
        hand, obj = a["hand"], a.get("object", {})
        uv = np.asarray(hand["joints_uv"], dtype=np.float32)
        vis = np.asarray(hand["joints_vis"], dtype=np.uint8)
        xyz = np.asarray(hand["joints_cam"], dtype=np.float32)
        check_joints(uv, vis, xyz)
        return HandSample(
            image=data["rgb"],
            joints_uv=uv,
            joints_vis=vis,
            joints_cam=xyz,
            joints_cam_valid=np.ones(len(xyz), dtype=bool),
            K=np.asarray(a["K"], dtype=np.float64),
            hand_mask=data["seg"] == SEG_HAND,
            object_mask=data["seg"] == SEG_OBJECT,
            depth_m=data["depth_m"],
            side=hand.get("side"),
            subject=hand.get("subject"),
            object_category=obj.get("category"),
            grasp_type=a.get("grasp", {}).get("type"),
            source=f"{self.name}#{sample_id}",
            extra={"bbox_xywh": list(hand.get("bbox", [])), "object_family": obj.get("family")},
        )
