"""COCO-style hand keypoint JSON: OneHand10K / MMPose (``annotations[].keypoints``, 63 flat values,
``bbox`` xywh), COCO-WholeBody (``lefthand_kpts`` / ``righthand_kpts`` with ``*_valid`` and ``*_box``) and
handsynth's own export (the OneHand10K form plus ``hand_type``). Keypoints in the standard order."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from handsynth_train.data.sample import HandSample, vis_inside
from handsynth_train.data.sources.images import read_rgb

from handsynth.errors import UserError


def _instances(annotation: dict) -> list[tuple[np.ndarray, list, str | None]]:
    """(keypoints (21, 3), bbox xywh, side) of every hand of one annotation, as MMPose makes them."""
    if "keypoints" in annotation and len(annotation["keypoints"]) == 63:
        side = annotation.get("hand_type")
        return [(np.asarray(annotation["keypoints"], float).reshape(21, 3), annotation.get("bbox"), side)]
    out = []
    for side in ("left", "right"):
        kpts = annotation.get(f"{side}hand_kpts")
        if annotation.get(f"{side}hand_valid") and kpts is not None and max(kpts) > 0:
            out.append((np.asarray(kpts, float).reshape(21, 3), annotation.get(f"{side}hand_box"), side))
    return out


class CocoSource:
    """Every hand instance of a COCO-style JSON file. An image's ``file_name`` is looked up relative to
    the JSON's folder, then to its parent (MMPose's ``data_root/annotations/x.json`` next to
    ``data_root/<file_name>``). The split is the file itself: any ``split`` reads all of it.
    Visibility is COCO's v (0 unlabelled, 1 labelled occluded, 2 visible), capped at 2."""

    def __init__(self, path: str | Path, split: str = "train"):
        self.path = Path(path)
        self.name = f"coco:{path}"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise UserError(f"cannot read COCO JSON {self.path}: {error}") from None
        if not isinstance(data, dict) or "images" not in data or "annotations" not in data:
            raise UserError(f"{self.path} is not COCO-style JSON: it needs 'images' and 'annotations'")
        images = {image["id"]: image for image in data["images"]}
        self.items = [
            (images[a["image_id"]], kpts, bbox, side, a.get("id"))
            for a in data["annotations"]
            for kpts, bbox, side in _instances(a)
        ]

    def __len__(self) -> int:
        return len(self.items)

    def image_path(self, file_name: str) -> Path:
        """Where ``file_name`` is: next to the JSON, or in the JSON folder's parent."""
        for base in (self.path.parent, self.path.parent.parent):
            if (base / file_name).exists():
                return base / file_name
        raise UserError(f"image {file_name} of {self.path} is in neither {self.path.parent} nor its parent")

    def __getitem__(self, index: int) -> HandSample:
        info, kpts, bbox, side, ann_id = self.items[index]
        image = read_rgb(self.image_path(info["file_name"]))
        uv = kpts[:, :2].astype(np.float32)
        vis = np.minimum(kpts[:, 2], 2).astype(np.uint8)
        return HandSample(
            image=image,
            joints_uv=uv,
            joints_vis=vis_inside(uv, vis, image.shape[1], image.shape[0]),
            side=side,
            source=f"{self.name}#{ann_id}",
            extra={"bbox_xywh": [float(v) for v in bbox] if bbox is not None else []},
        )
