"""COCO keypoints export (one JSON per split, MMPose's COCO-style hand layout) with the images hard-linked;
streams: the JSON is assembled from two part files, never from all records in memory. Never bpy, ray, torch.

Layout: ``coco/annotations/hand_{split}.json`` and ``coco/images/{split}/<id>.png`` (``file_name`` is
relative to ``coco/``, MMPose's ``data_root``). Keypoints are our standard 21 (the OneHand10K /
COCO-WholeBody-hand order), 63 flat values ``u, v, v_flag``, with COCO's flags: 0 outside the image, 1
occluded, 2 visible (coordinates are kept for every flag). Extra fields: ``joint_cam`` (21 x 3 mm, as
MMPose's hand JSONs), ``hand_type``, object category/family, grasp type, subject and the source id;
images carry ``K`` and MMPose's ``cam_param``.
"""

from __future__ import annotations

import json
from pathlib import Path

from handsynth.conventions import BONES
from handsynth.release.outputs import SampleFiles, link_or_copy, tmp_path, write_atomic

NAME = "coco"
TITLE = "COCO keypoints JSON (MMPose COCO-style hand dataset)"
# MMPose's names of the 21 hand keypoints (onehand10k / coco_wholebody_hand metainfo), our standard order.
MMPOSE_KEYPOINTS = ("wrist",) + tuple(
    f"{finger}{k}"
    for finger in ("thumb", "forefinger", "middle_finger", "ring_finger", "pinky_finger")
    for k in range(1, 5)
)
CATEGORY = {
    "id": 1,
    "name": "hand",
    "supercategory": "hand",
    "keypoints": list(MMPOSE_KEYPOINTS),
    "skeleton": [[parent + 1, child + 1] for parent, child in BONES],  # COCO's skeleton is 1-based
}
NOTES = (
    "COCO: keypoints keep their coordinates when the flag is 0 (outside the image); `joint_cam` is in mm "
    "(MMPose's hand JSON convention); images are hard links of the source PNGs."
)


def annotation_path(out: Path, split: str) -> Path:
    """Where the JSON of one split goes."""
    return out / NAME / "annotations" / f"hand_{split}.json"


def mmpose_config(splits: tuple[str, ...]) -> str:
    """An MMPose 1.x dataset config (Python) reading this export as a COCO-style hand dataset: MMPose's
    ``OneHand10KDataset`` class (21 keypoints in this order, its metainfo by default)."""
    lines = [
        "# MMPose 1.x: set data_root to where the release's coco/ folder is; add your pipelines.",
        "dataset_type = 'OneHand10KDataset'",
        "data_mode = 'topdown'",
        "data_root = 'REL/coco/'",
    ]
    for split in splits:
        lines.append(
            f"{split}_dataset = dict(type=dataset_type, data_root=data_root, data_mode=data_mode, "
            f"ann_file='annotations/hand_{split}.json', data_prefix=dict(img=''))"
        )
    return "\n".join(lines) + "\n"


def _dump(value) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


class CocoSplitWriter:
    """Streams one split: images linked as they come, image and annotation records appended to two part
    files that ``close`` joins into the JSON (renamed into place last)."""

    def __init__(self, out: Path, split: str, digits: int):
        self.out, self.split, self.digits = out, split, digits
        self.json_path = annotation_path(out, split)
        self.json_path.parent.mkdir(parents=True, exist_ok=True)
        self.parts = [tmp_path(self.json_path.with_suffix(f".{p}")) for p in ("images", "annotations")]
        self.files = [open(p, "w", encoding="utf-8") for p in self.parts]  # noqa: SIM115 (closed in close)
        self.count = 0

    def add(self, index: int, sample: SampleFiles) -> None:
        """Append one sample (``index``: its rank in the split; unused, ids are the source ids)."""
        a = sample.annotation
        sample_id = int(a["id"])
        file_name = f"images/{self.split}/{sample_id:0{self.digits}d}.png"
        link_or_copy(sample.path("rgb"), self.out / NAME / file_name)
        K = a["K"]
        image = {
            "id": sample_id,
            "file_name": file_name,
            "width": a["width"],
            "height": a["height"],
            "K": K,
            "cam_param": {"focal": [K[0][0], K[1][1]], "princpt": [K[0][2], K[1][2]]},
        }
        hand = a["hand"]
        pairs = zip(hand["joints_uv"], hand["joints_vis"], strict=True)
        keypoints = [c for (u, v), flag in pairs for c in (u, v, flag)]
        x, y, w, h = hand["bbox"]
        annotation = {
            "id": sample_id,
            "image_id": sample_id,
            "category_id": 1,
            "keypoints": keypoints,
            "num_keypoints": sum(1 for flag in hand["joints_vis"] if flag > 0),
            "bbox": [x, y, w, h],
            "area": w * h,
            "iscrowd": 0,
            "segmentation": [[x, y, x + w, y, x + w, y + h, x, y + h]],
            "hand_type": hand["side"],
            "joint_cam": [[c * 1000.0 for c in joint] for joint in hand["joints_cam"]],
            "subject": hand["subject"],
            "object_category": a["object"]["category"],
            "object_family": a["object"]["family"],
            "grasp_type": a.get("grasp", {}).get("type"),
            "source_id": sample_id,
        }
        sep = "," if self.count else ""
        self.files[0].write(sep + _dump(image))
        self.files[1].write(sep + _dump(annotation))
        self.count += 1

    def close(self) -> None:
        """Join the parts into the split's JSON (atomically) and remove them."""
        for f in self.files:
            f.close()
        tmp = tmp_path(self.json_path)
        with open(tmp, "w", encoding="utf-8") as out:
            out.write('{"info":{"description":"handsynth release","version":"1.1"},"licenses":[],')
            out.write(f'"categories":[{_dump(CATEGORY)}],"images":[')
            _copy_text(self.parts[0], out)
            out.write('],"annotations":[')
            _copy_text(self.parts[1], out)
            out.write("]}\n")
        tmp.replace(self.json_path)
        for p in self.parts:
            p.unlink()


def _copy_text(path: Path, out, chunk_chars: int = 1 << 20) -> None:
    with open(path, encoding="utf-8") as f:
        while chunk := f.read(chunk_chars):
            out.write(chunk)


def open_split(out: Path, split: str, digits: int) -> CocoSplitWriter:
    """A writer for one split. A resumed release writes the JSON again (cheap, and the same bytes) and
    keeps the images already linked."""
    return CocoSplitWriter(out, split, digits)


def write_config_snippet(out: Path, splits: tuple[str, ...]) -> None:
    """``coco/mmpose_dataset.py``: the MMPose dataset config of every split (also quoted in the card)."""
    write_atomic(out / NAME / "mmpose_dataset.py", mmpose_config(splits).encode())
