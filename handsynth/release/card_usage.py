"""Markdown of the dataset card's files, loading, verification, licence and citation sections.

What the release folder holds is found by one walk over it (counts and sizes per top-level entry, and the
few index files each export format is known by), so the card describes the files that are really there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from handsynth.release.card_text import md_table

KNOWN_FORMATS = ("coco", "rhd", "freihand", "hop", "webdataset")
CARD_ENTRIES = ("README.md", "card", "SHA256SUMS")  # written by or after the card: not described as data
_FILE_NAME = re.compile(rb'"file_name"\s*:\s*"([^"]+)"')
MMPOSE_METAINFO = "configs/_base_/datasets/onehand10k.py"
MMPOSE_EXAMPLE_CONFIG = (
    "configs/hand_2d_keypoint/topdown_heatmap/onehand10k/td-hm_res50_8xb32-210e_onehand10k-256x256.py"
)


@dataclass
class ReleaseFiles:
    """What one walk of the release folder found: per top-level entry (files, bytes), and index files."""

    entries: dict[str, list[int]] = field(default_factory=dict)
    coco: list[str] = field(default_factory=list)  # relative posix paths of COCO JSON files
    rhd: list[str] = field(default_factory=list)  # anno_*.pickle
    freihand: list[str] = field(default_factory=list)  # *_xyz.json
    tars: int = 0  # WebDataset shards
    tar_examples: list[str] = field(default_factory=list)


def scan_release(out: Path) -> ReleaseFiles:
    """Walk ``out`` once (sorted, so the result does not depend on directory order)."""
    found = ReleaseFiles()
    for root, dirs, files in os.walk(out):
        dirs.sort()
        rel_root = Path(root).relative_to(out)
        if rel_root == Path("."):
            dirs[:] = [d for d in dirs if d not in CARD_ENTRIES and not d.startswith(".")]
        for name in sorted(files):
            rel = PurePosixPath(*rel_root.parts, name)
            top = rel.parts[0]
            if top in CARD_ENTRIES or name.startswith("."):
                continue
            entry = found.entries.setdefault(top + ("/" if len(rel.parts) > 1 else ""), [0, 0])
            entry[0] += 1
            entry[1] += (Path(root) / name).stat().st_size
            lower = str(rel).lower()
            if name.endswith(".json") and "coco" in lower:
                found.coco.append(str(rel))
            elif name.startswith("anno_") and name.endswith(".pickle"):
                found.rhd.append(str(rel))
            elif name.endswith("_xyz.json"):
                found.freihand.append(str(rel))
            elif name.endswith(".tar"):
                found.tars += 1
                if len(found.tar_examples) < 2:
                    found.tar_examples.append(str(rel))
    return found


def _size(n_bytes: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n_bytes < 1024 or unit == "GB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return ""


def files_section(found: ReleaseFiles) -> str:
    """What the release folder holds, per top-level entry."""
    rows = [(f"`{name}`", files, _size(size)) for name, (files, size) in sorted(found.entries.items())]
    note = [] if rows else ["*No exported files were in the release folder when this card was written.*", ""]
    rows += [
        ("`README.md`", 1, "this card"),
        ("`card/`", "", "the plots and the sample grid of this card"),
        ("`SHA256SUMS`", 1, "sha256 of every other file"),
    ]
    return "\n".join(
        [
            "## Files and formats",
            "",
            md_table(("path", "files", "size / what"), rows, "lrr"),
            "",
            *note,
            "Images are the source's files, linked or copied, never re-encoded. Units: metres for 3D, "
            "pixels for 2D (the centre of the top-left pixel is (0, 0)), OpenCV camera axes "
            "(x right, y down, z forward). The per-sample fields are those of the handsynth format "
            "(`docs/dataset-format.md` in handsynth).",
        ]
    )


def _split_file(paths: Sequence[str], split: str) -> str | None:
    """The one of ``paths`` whose name mentions ``split`` (e.g. ``coco/test.json``), if any."""
    for path in paths:
        if split in PurePosixPath(path).name:
            return path
    return None


def _image_prefix(out: Path, ann_file: str) -> tuple[str, bool]:
    """MMPose ``data_prefix['img']`` for a COCO JSON: '' when its file names are relative to the release
    root, the JSON's folder when relative to that. Reads only the file's first 256 KB. (prefix, checked)."""
    path = out / ann_file
    try:
        with open(path, "rb") as f:
            match = _FILE_NAME.search(f.read(256 * 1024))
    except OSError:
        return "", False
    if match is None:
        return "", False
    name = match.group(1).decode("utf-8")
    if (out / name).is_file():
        return "", True
    if (path.parent / name).is_file():
        return str(PurePosixPath(ann_file).parent) + "/", True
    return "", False


def loading_section(out: Path, found: ReleaseFiles, formats: Sequence[str], splits: Sequence[str]) -> str:
    """How to load each exported format: COCO (pycocotools, MMPose config), RHD, FreiHAND, HOP, WebDataset."""
    wanted = [f.lower() for f in formats]
    lines = ["## How to load", ""]
    if not wanted:
        lines.append(
            "This release exports no other format: read the handsynth shards with "
            "`handsynth.dataset.reader.Dataset(path)` (`iter_annotations()`, `load(id)`)."
        )
    if "coco" in wanted:
        ann = {s: _split_file(found.coco, s) for s in splits}
        located = all(ann.values())
        ann = {s: path or f"coco/{s}.json" for s, path in ann.items()}
        prefix, checked = _image_prefix(out, ann[splits[0]] if splits else "")
        lines += [
            "### COCO keypoints (pycocotools, MMPose)",
            "",
            "One COCO keypoints JSON per split: one image and one hand instance per sample, 21 keypoints "
            "`[u, v, v_flag]` in the standard order (the order of MMPose's OneHand10K / COCO-WholeBody-Hand "
            "/ FreiHAND configs) with flags 0 outside, 1 occluded, 2 visible; `bbox` (visible hand, xywh), "
            "`area`, plus the 3D joints, K, object category and grasp type as extra fields.",
            "",
        ]
        if not located:
            lines += [
                "*The COCO files were not found in the release folder when this card was written; the "
                "paths below assume `coco/<split>.json`.*",
                "",
            ]
        lines += [
            "```python",
            "from pycocotools.coco import COCO",
            f"coco = COCO('{ann[splits[0]] if splits else 'coco/train.json'}')",
            "ann = coco.loadAnns(coco.getAnnIds())[0]  # keypoints: 63 numbers, [u, v, flag] x 21",
            "```",
            "",
            "MMPose 1.x top-down config: the COCO-style `OneHand10KDataset` reads the JSON as it is, and "
            f"its metainfo `{MMPOSE_METAINFO}` has our 21 keypoints in our order. MMPose reads flags 1 and "
            "2 alike as labelled (`keypoints_visible = min(1, flag)`), so occluded joints are trained on, "
            "as in COCO. In a copy of MMPose's "
            f"`{MMPOSE_EXAMPLE_CONFIG}` (which defines the model, `train_pipeline` and `test_pipeline`), "
            "replace the dataset settings with:",
            "",
            "```python",
            "dataset_type = 'OneHand10KDataset'",
            "data_mode = 'topdown'",
            "data_root = 'path/to/this/release/'",
            f"metainfo = dict(from_file='{MMPOSE_METAINFO}')",
        ]
        for split, loader in (
            ("train", "train_dataloader"),
            ("val", "val_dataloader"),
            ("test", "test_dataloader"),
        ):
            if split not in splits:
                continue
            test_mode = "" if split == "train" else " test_mode=True,"
            pipeline = "train_pipeline" if split == "train" else "test_pipeline"
            lines += [
                f"{loader} = dict(batch_size=32, num_workers=2, dataset=dict(",
                "    type=dataset_type, data_root=data_root, data_mode=data_mode, metainfo=metainfo,",
                f"    ann_file='{ann[split]}', data_prefix=dict(img='{prefix}'),{test_mode}",
                f"    pipeline={pipeline}))",
            ]
        lines += [
            "val_evaluator = [dict(type='PCKAccuracy', thr=0.2), dict(type='AUC'), dict(type='EPE')]",
            "test_evaluator = val_evaluator",
            "```",
            "",
        ]
        if not checked:
            lines += [
                "*`data_prefix` could not be checked against an image path in the JSON when this card "
                "was written: set it to the folder the JSON's `file_name`s are relative to.*",
                "",
            ]
    if "rhd" in wanted:
        where = ", ".join(f"`{p}`" for p in found.rhd) or "`anno_<split>.pickle`"
        lines += [
            "### RHD-style",
            "",
            f"{where}: a pickled `dict[sample id] -> {{'uv_vis': (42, 3), 'xyz': (42, 3) metres, "
            "'K': (3, 3)}`, rows 0-20 the left hand and 21-41 the right, each in RHD's joint order (wrist, "
            "then every finger tip first); masks use RHD's label scheme (0 background, 1 person, 2-17 left "
            "hand parts, 18-33 right hand parts) and are new PNGs derived from our label maps. Code written "
            "for RHD (hand3d's `create_binary_db.py`, MMPose's `rhd2d` converters) reads it with "
            "`pickle.load(open(path, 'rb'))`.",
            "",
        ]
    if "freihand" in wanted:
        where = ", ".join(f"`{p}`" for p in found.freihand) or "`<split>_xyz.json`"
        lines += [
            "### FreiHAND-style",
            "",
            f"{where} with the matching `*_K.json` and `*_scale.json`: lists over the samples of 21×3 "
            "joints (metres, camera frame, FreiHAND's order), 3×3 intrinsics and the scale (length of the "
            "middle finger's proximal bone, ‖xyz[9] − xyz[10]‖); `uv = K·xyz / z`. The FreiHAND toolkit's "
            "`load_db_annotation` pattern (`json.load` per file) reads them.",
            "",
        ]
    if "hop" in wanted:
        lines += [
            "### HOP-style",
            "",
            "The layout of the Hand-Object-Pose data set of Gao et al. (seed paper; VO-handpose): per "
            "sample the RGB image, hand and object masks, 21 keypoints in 2D and 3D (camera frame) and K, "
            "for code written for HOP.",
            "",
        ]
    if "webdataset" in wanted:
        examples = ", ".join(f"`{p}`" for p in found.tar_examples)
        count = f"{found.tars} tar shards ({examples}, ...)" if found.tars else "tar shards"
        lines += [
            "### WebDataset",
            "",
            f"{count}: one sample per key, its PNGs and its annotation JSON as members; stream them with",
            "",
            "```python",
            "import webdataset as wds",
            "ds = wds.WebDataset('path/to/shard-{000000..000009}.tar').decode('pil')",
            "```",
            "",
        ]
    others = [f for f in wanted if f not in KNOWN_FORMATS]
    if others:
        lines += [
            "### Other formats",
            "",
            f"Also exported: {', '.join(others)} (this card has no loading notes for them).",
        ]
    return "\n".join(lines).rstrip("\n")


def verify_section() -> str:
    """How to check the download."""
    return "\n".join(
        [
            "## How to verify",
            "",
            "```sh",
            "sha256sum -c SHA256SUMS    # in the release folder; every line must say OK",
            "```",
            "",
            "To check the labels themselves against every invariant of the format, run "
            "`handsynth validate` on the source dataset.",
        ]
    )


def licence_section(
    object_sources: Sequence[str],
    background_sources: Sequence[str],
    manifest_licences: Mapping[str, str],
    background_folder: str | None,
    background_licences: Sequence[str] = (),
) -> str:
    """Licences of the assets embedded in the images: procedural ones are handsynth's (MIT); manifest
    meshes carry the licence their manifest entry records; folder backgrounds are stated as unknown unless
    the manifest lists background images (their licences are then quoted)."""
    rows = [("hand model, skin, pose", "generated by handsynth (procedural)", "MIT")]
    procedural_objects = "procedural" in object_sources
    if procedural_objects:
        rows.append(("objects (procedural families)", "generated by handsynth", "MIT"))
    for source in sorted(s for s in object_sources if s != "procedural"):
        licence = manifest_licences.get(source, "unknown: not in the manifest")
        rows.append((f"object mesh `{source}`", "asset manifest", licence))
    for source in sorted(background_sources):
        if source == "procedural":
            rows.append(("backgrounds", "generated by handsynth (procedural)", "MIT"))
        else:
            where = f"folder `{background_folder}`" if background_folder else "a user folder"
            licence = (
                "as the asset manifest records: " + ", ".join(background_licences)
                if background_licences
                else "user-supplied, unknown licence: check before redistributing"
            )
            rows.append(("backgrounds", where, licence))
    rows.append(("annotations, masks, depth, this card", "generated by handsynth", "MIT"))
    return "\n".join(
        [
            "## Licences",
            "",
            md_table(("what", "from", "licence"), rows, "lll"),
        ]
    )


def citation_section(version: str) -> str:
    """How to cite handsynth and the HOP paper whose data set it reproduces."""
    return "\n".join(
        [
            "## How to cite",
            "",
            "This data was made with handsynth, which reproduces (and extends) the way the HOP "
            "hand-object data set was made; please cite both:",
            "",
            "```bibtex",
            "@misc{handsynth,",
            "  title  = {handsynth: synthetic hand-object training data with exact labels},",
            f"  note   = {{version {version}}},",
            "}",
            "@article{gao2019variational,",
            "  title   = {Variational Object-Aware 3-D Hand Pose From a Single RGB Image},",
            "  author  = {Gao, Yafei and Wang, Yida and Falco, Pietro and Navab, Nassir",
            "             and Tombari, Federico},",
            "  journal = {IEEE Robotics and Automation Letters},",
            "  volume  = {4},",
            "  number  = {4},",
            "  year    = {2019},",
            "}",
            "```",
        ]
    )
