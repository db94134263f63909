"""Statistics of a dataset card, accumulated in one streaming pass; numpy and Pillow, never bpy, ray or torch.

Every number is a count or a histogram over bins fixed before the pass starts, so the memory a card needs
does not grow with the number of samples: a 100k-sample release holds the same few kilobytes as a 20-sample
one. The only per-sample work besides the annotation is reading two masks (seg and hand_amodal) for the
share of the hand that is visible.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from handsynth.conventions import FINGER_NAMES, SEG_HAND, SEG_OBJECT

# Joints grouped by their level along the finger chain (standard 21-joint order). The thumb's CMC, MCP and
# IP sit at the levels of the other fingers' MCP, PIP and DIP.
JOINT_GROUPS: dict[str, tuple[int, ...]] = {
    "wrist": (0,),
    "MCP (thumb CMC)": (1, 5, 9, 13, 17),
    "PIP (thumb MCP)": (2, 6, 10, 14, 18),
    "DIP (thumb IP)": (3, 7, 11, 15, 19),
    "tip": (4, 8, 12, 16, 20),
}
VIS_NAMES = ("outside", "occluded", "visible")  # joints_vis 0, 1, 2
# Flexion DOFs of the rig per finger and level (hand.pose keys, degrees).
FLEXION_LEVELS = ("MCP (thumb CMC)", "PIP (thumb MCP)", "DIP (thumb IP)")
FLEXION_KEYS: dict[str, tuple[str, str, str]] = {
    finger: tuple(f"finger{k + 1}-{level}.flex" for level in (1, 2, 3))
    for k, finger in enumerate(FINGER_NAMES)
}
STABILITY_KEYS = ("sim_displacement_cm", "grip_displacement_cm")
RANDOM_SUBJECTS = "random-* (random subjects)"
NO_SPLIT = -1


@dataclass(frozen=True, eq=False)
class Histogram:
    """Counts of values in fixed bins ``edges`` ((B + 1,) float64); values beyond the last edge count in
    ``overflow`` and below the first in ``underflow`` so nothing is dropped silently."""

    edges: np.ndarray
    counts: np.ndarray = field(init=False)
    extra: np.ndarray = field(init=False)  # (2,) int64: underflow, overflow

    def __post_init__(self) -> None:
        object.__setattr__(self, "counts", np.zeros(len(self.edges) - 1, np.int64))
        object.__setattr__(self, "extra", np.zeros(2, np.int64))

    @classmethod
    def uniform(cls, low: float, high: float, bins: int) -> Histogram:
        """``bins`` equal bins over [low, high]."""
        return cls(np.linspace(low, high, bins + 1))

    @classmethod
    def logarithmic(cls, low: float, high: float, bins_per_decade: int) -> Histogram:
        """Bins equal in log10 over [low, high] (for values spanning decades); zeros land in underflow."""
        decades = np.log10(high) - np.log10(low)
        return cls(np.logspace(np.log10(low), np.log10(high), round(decades * bins_per_decade) + 1))

    def add(self, value: float) -> None:
        """Count one value (the last bin includes its upper edge)."""
        if value < self.edges[0]:
            self.extra[0] += 1
        elif value > self.edges[-1]:
            self.extra[1] += 1
        else:
            k = min(int(np.searchsorted(self.edges, value, side="right")) - 1, len(self.counts) - 1)
            self.counts[k] += 1

    @property
    def underflow(self) -> int:
        return int(self.extra[0])

    @property
    def overflow(self) -> int:
        return int(self.extra[1])

    @property
    def total(self) -> int:
        return int(self.counts.sum() + self.extra.sum())


@dataclass(frozen=True, eq=False)
class Moments:
    """Count, sum, min and max of a stream of numbers (for means and ranges without keeping the values)."""

    values: np.ndarray = field(default_factory=lambda: np.array([0.0, 0.0, np.inf, -np.inf]))

    def add(self, value: float) -> None:
        self.values[0] += 1
        self.values[1] += value
        self.values[2] = min(self.values[2], value)
        self.values[3] = max(self.values[3], value)

    @property
    def count(self) -> int:
        return int(self.values[0])

    @property
    def mean(self) -> float | None:
        return float(self.values[1] / self.values[0]) if self.values[0] else None

    @property
    def max(self) -> float | None:
        return float(self.values[3]) if self.values[0] else None


def camera_in_hand_frame(annotation: dict) -> tuple[float, float] | None:
    """(azimuth_deg, elevation_deg) of the camera seen from the hand: the camera centre in the hand frame
    (x distal, z dorsal, y towards the thumb; a left hand's y is mirrored so both sides read alike).

    Elevation +90 looks at the back of the hand, -90 into the palm; azimuth 0 looks from the fingertips'
    direction, +90 from the thumb side, +-180 from the forearm. None when the annotation has no
    ``T_cam_hand`` (format 1 datasets may lack it).
    """
    if "T_cam_hand" not in annotation["hand"]:
        return None
    T_cam_hand = np.asarray(annotation["hand"]["T_cam_hand"], np.float64)
    R, t = T_cam_hand[:3, :3], T_cam_hand[:3, 3]
    camera = -R.T @ t  # camera centre in the hand frame
    if annotation["hand"].get("side") == "left":
        camera[1] = -camera[1]
    distance = float(np.linalg.norm(camera))
    elevation = float(np.degrees(np.arcsin(np.clip(camera[2] / max(distance, 1e-12), -1.0, 1.0))))
    azimuth = float(np.degrees(np.arctan2(camera[1], camera[0])))
    return azimuth, elevation


def _bbox_diagonal(box) -> float:
    return float(np.hypot(box[2], box[3]))


@dataclass
class CardStats:
    """Everything the card reports, accumulated sample by sample (``add``) over fixed bins.

    ``splits`` lists the split names in table order; ``image_diagonal_px`` bounds the hand-size bins.
    """

    splits: tuple[str, ...]
    image_diagonal_px: float
    counts: dict[str, Counter] = field(default_factory=dict)  # table -> Counter((split, value))
    visibility: np.ndarray = field(default_factory=lambda: np.zeros((len(JOINT_GROUPS), 3), np.int64))
    samples_with_occluded_joint: int = 0
    samples_with_outside_joint: int = 0
    num_samples: int = 0
    hand_visible: Histogram = field(default_factory=lambda: Histogram.uniform(0.0, 1.0, 20))
    hand_visible_moments: Moments = field(default_factory=Moments)
    hidden_by_object_moments: Moments = field(default_factory=Moments)
    empty_amodal: int = 0
    azimuth_elevation: np.ndarray = field(default_factory=lambda: np.zeros((24, 18), np.int64))
    no_viewpoint: int = 0
    hand_size_amodal: Histogram = field(init=False)
    hand_size_visible: Histogram = field(init=False)
    flexion: dict[str, Histogram] = field(
        default_factory=lambda: {
            key: Histogram.uniform(-30.0, 110.0, 28) for keys in FLEXION_KEYS.values() for key in keys
        }
    )
    penetration_mm: Histogram = field(default_factory=lambda: Histogram.logarithmic(1e-3, 10.0, 4))
    intersection_cm3: Histogram = field(default_factory=lambda: Histogram.logarithmic(1e-6, 10.0, 3))
    penetration_moments: Moments = field(default_factory=Moments)
    intersection_moments: Moments = field(default_factory=Moments)
    contact_count: np.ndarray = field(default_factory=lambda: np.zeros(6, np.int64))  # 0..5 fingers
    contact_per_finger: Counter = field(default_factory=Counter)
    stability: dict[str, Histogram] = field(
        default_factory=lambda: {key: Histogram.uniform(0.0, 5.0, 25) for key in STABILITY_KEYS}
    )
    resolutions: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        high = float(np.ceil(self.image_diagonal_px / 10.0) * 10.0)
        self.hand_size_amodal = Histogram.uniform(0.0, high, 40)
        self.hand_size_visible = Histogram.uniform(0.0, high, 40)

    def count(self, table: str, split: str, value: object) -> None:
        self.counts.setdefault(table, Counter())[(split, str(value))] += 1

    def add(self, annotation: dict, split: str, masks: tuple[np.ndarray, np.ndarray] | None) -> None:
        """Accumulate one sample of ``split``; ``masks`` = (seg (H, W) uint8, hand_amodal (H, W) bool), or
        None to skip the pixel statistics."""
        hand, obj, grasp = annotation["hand"], annotation["object"], annotation.get("grasp") or {}
        self.num_samples += 1
        self.count("category", split, obj.get("category"))
        self.count("family", split, obj.get("family"))
        subject = str(hand.get("subject"))
        # Random subjects are one per grasp: one row for all of them keeps the table (and memory) small.
        self.count("subject", split, RANDOM_SUBJECTS if subject.startswith("random-") else subject)
        self.count("grasp type", split, grasp.get("type"))
        self.count("side", split, hand.get("side"))
        self.count("camera preset", split, (annotation.get("camera") or {}).get("preset"))
        self.count("background", split, (annotation.get("background") or {}).get("source"))
        self.count("object source", split, obj.get("source", "procedural"))
        self.resolutions[(int(annotation["width"]), int(annotation["height"]))] += 1

        vis = np.asarray(hand["joints_vis"], np.int64)
        for row, joints in enumerate(JOINT_GROUPS.values()):
            self.visibility[row] += np.bincount(vis[list(joints)], minlength=3)[:3]
        self.samples_with_occluded_joint += int((vis == 1).any())
        self.samples_with_outside_joint += int((vis == 0).any())

        if masks is not None:
            seg, amodal = masks
            pixels = int(amodal.sum())
            if pixels:
                visible = float((amodal & (seg == SEG_HAND)).sum() / pixels)
                self.hand_visible.add(visible)
                self.hand_visible_moments.add(visible)
                self.hidden_by_object_moments.add(float((amodal & (seg == SEG_OBJECT)).sum() / pixels))
            else:
                self.empty_amodal += 1

        view = camera_in_hand_frame(annotation)
        if view is None:
            self.no_viewpoint += 1
        else:
            a = min(int((view[0] + 180.0) // 15.0), 23)
            e = min(int((view[1] + 90.0) // 10.0), 17)
            self.azimuth_elevation[a, e] += 1
        self.hand_size_amodal.add(_bbox_diagonal(hand["bbox_amodal"]))
        self.hand_size_visible.add(_bbox_diagonal(hand["bbox"]))

        pose = hand.get("pose") or {}
        for key, histogram in self.flexion.items():
            if isinstance(pose.get(key), int | float):
                histogram.add(float(pose[key]))

        if isinstance(grasp.get("penetration_mm"), int | float):
            self.penetration_mm.add(float(grasp["penetration_mm"]))
            self.penetration_moments.add(float(grasp["penetration_mm"]))
        if isinstance(grasp.get("intersection_cm3"), int | float):
            self.intersection_cm3.add(float(grasp["intersection_cm3"]))
            self.intersection_moments.add(float(grasp["intersection_cm3"]))
        fingers = grasp.get("contact_fingers")
        if isinstance(fingers, list):
            self.contact_count[min(len(set(fingers)), 5)] += 1
            self.contact_per_finger.update(set(fingers))
        stability = grasp.get("stability") or {}
        for key, histogram in self.stability.items():
            if isinstance(stability.get(key), int | float):
                histogram.add(float(stability[key]))

    def table(self, name: str) -> list[tuple[str, list[int]]]:
        """Rows (value, [count per split..., total]) of a count table, most frequent first, then by name."""
        counter = self.counts.get(name, Counter())
        values = sorted({value for _, value in counter})
        rows = [(v, [counter[(s, v)] for s in self.splits]) for v in values]
        rows = [(v, c + [sum(c)]) for v, c in rows]
        return sorted(rows, key=lambda row: (-row[1][-1], row[0]))

    def split_totals(self) -> list[int]:
        """Samples per split, then the total."""
        counter = self.counts.get("category", Counter())
        totals = [sum(n for (s, _), n in counter.items() if s == split) for split in self.splits]
        return totals + [sum(totals)]

    @property
    def has_stability(self) -> bool:
        return any(h.total for h in self.stability.values())


def read_masks(shard_dir, files: Mapping[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """(seg (H, W) uint8, hand_amodal (H, W) bool) of one sample, read from its PNGs."""
    with Image.open(shard_dir / files["seg"]) as image:
        seg = np.asarray(image)
    with Image.open(shard_dir / files["hand_amodal"]) as image:
        amodal = np.asarray(image) > 127
    return seg, amodal


def split_of(splits: Mapping[str, Iterable[int]], names: tuple[str, ...]) -> np.ndarray:
    """(max id + 1,) int8: the index in ``names`` of each sample's split, ``NO_SPLIT`` where none lists it
    (the first split listing an id wins; the release makes them disjoint). One byte a sample."""
    size = 1 + max((max(map(int, splits[name]), default=-1) for name in names), default=-1)
    owner = np.full(size, NO_SPLIT, np.int8)
    for k, name in reversed(list(enumerate(names))):
        ids = np.fromiter((int(i) for i in splits[name]), np.int64)
        if ids.size and ids.min() < 0:
            raise ValueError(f"split {name} lists a negative sample id")
        owner[ids] = k
    return owner
