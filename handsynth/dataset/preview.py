"""``handsynth preview``: a contact sheet of samples and labels; numpy and Pillow, never bpy, ray or torch.

Each sample is a row of four panels: RGB with the 21-joint skeleton (bones coloured per finger, joints
green when visible, orange when occluded, a red cross on the border when outside), the label map, the
amodal masks (hand red, object blue, both magenta, outlines on the dimmed RGB) and the depth (near bright,
no surface black), under a caption with id, family, grasp type and subject.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from handsynth.conventions import BONES, JOINT_PARENTS, inside_image
from handsynth.dataset.checked import load_entry, open_dataset, read_entries
from handsynth.dataset.layout import sample_digits
from handsynth.dataset.writer import write_bytes_atomic
from handsynth.errors import UserError

PANELS = ("skeleton", "seg", "amodal", "depth")
PAD, GAP, CAPTION_PX = 8, 2, 14
BACKGROUND = (24, 24, 24)
FINGER_RGB = (
    (255, 105, 180),
    (65, 105, 225),
    (0, 206, 209),
    (235, 235, 235),
    (186, 85, 211),
)  # thumb..little
WRIST_RGB = (200, 200, 200)
VIS_RGB = {2: (40, 220, 40), 1: (255, 170, 0), 0: (230, 30, 30)}
SEG_RGB = np.array([(0, 0, 0), (240, 170, 120), (80, 140, 240), (190, 190, 60)], dtype=np.uint8)
INVALID_LABEL_RGB = (255, 0, 255)
# Depth colour map from far to near (dark purple -> red -> orange -> pale yellow).
# Bounds of a request: a sheet is one image in memory.
MIN_TILE_PX, MAX_TILE_PX = 16, 2048
MAX_SAMPLES, MAX_COLUMNS = 1024, 64
MAX_SHEET_PIXELS = 100 * 10**6
_DEPTH_ANCHORS = np.array([(50, 20, 90), (170, 40, 100), (245, 120, 40), (255, 245, 190)], dtype=np.float64)


def _finger_of(joint: int) -> int:
    """0..4 for thumb..little, -1 for the wrist."""
    return (joint - 1) // 4 if joint > 0 else -1


def _fit(array: np.ndarray, tile_px: int, resample) -> tuple[Image.Image, float]:
    """Scale an (H, W[, 3]) uint8 image to fit a tile; returns the image and the scale factor."""
    image = Image.fromarray(array)
    scale = tile_px / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.convert("RGB").resize(size, resample), scale


def colorize_seg(seg: np.ndarray) -> np.ndarray:
    """(H, W) uint8 labels -> (H, W, 3) uint8: background black, hand skin, object blue, forearm olive;
    any other value magenta."""
    rgb = np.empty(seg.shape + (3,), np.uint8)
    rgb[:] = INVALID_LABEL_RGB
    valid = seg < len(SEG_RGB)
    rgb[valid] = SEG_RGB[seg[valid]]
    return rgb


def colorize_depth(depth_m: np.ndarray) -> np.ndarray:
    """(H, W) depth in metres (0: no surface) -> (H, W, 3) uint8: nearest bright, farthest dark, 0 black."""
    rgb = np.zeros(depth_m.shape + (3,), np.uint8)
    valid = depth_m > 0
    if valid.any():
        near, far = float(depth_m[valid].min()), float(depth_m[valid].max())
        t = (far - depth_m[valid]) / max(far - near, 1e-9)  # 1 nearest, 0 farthest
        position = t * (len(_DEPTH_ANCHORS) - 1)
        low = np.minimum(position.astype(np.int64), len(_DEPTH_ANCHORS) - 2)
        frac = (position - low)[:, None]
        rgb[valid] = np.round(_DEPTH_ANCHORS[low] * (1 - frac) + _DEPTH_ANCHORS[low + 1] * frac).astype(
            np.uint8
        )
    return rgb


def _outline(mask: np.ndarray) -> np.ndarray:
    """(H, W) bool -> pixels of the mask with a 4-neighbour outside it."""
    padded = np.pad(mask, 1)
    interior = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    return mask & ~interior


def amodal_overlay(rgb: np.ndarray, hand_amodal: np.ndarray, object_amodal: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB and two (H, W) bool masks -> (H, W, 3) uint8: dimmed RGB, hand tinted red,
    object blue (overlap magenta), each mask outlined."""
    out = rgb.astype(np.float64) * 0.3
    out[hand_amodal] += (170, 0, 20)
    out[object_amodal] += (0, 40, 170)
    out = np.clip(out, 0, 255).astype(np.uint8)
    out[_outline(object_amodal)] = (90, 170, 255)
    out[_outline(hand_amodal)] = (255, 70, 70)
    return out


def draw_skeleton(image: Image.Image, joints_uv: np.ndarray, joints_vis, scale: float) -> None:
    """Draw the 21-joint skeleton in place on ``image`` (a tile scaled by ``scale`` from the original).

    joints_uv: (21, 2) pixels of the original image; joints_vis: (21,) 0 outside, 1 occluded, 2 visible.
    """
    draw = ImageDraw.Draw(image)
    uv = (np.asarray(joints_uv, np.float64) + 0.5) * scale - 0.5  # pixel centres stay pixel centres
    # Pillow truncates float coordinates; round to the nearest pixel centre ourselves.
    uv = np.round(np.clip(uv, -10 * image.width, 10 * image.width)).astype(np.int64)
    vis = np.asarray(joints_vis, np.int64)
    for parent, child in BONES:
        finger = _finger_of(child)
        colour = FINGER_RGB[finger] if finger >= 0 else WRIST_RGB
        draw.line([tuple(uv[parent].tolist()), tuple(uv[child].tolist())], fill=colour, width=2)
    r = 2 if scale < 1 else 3 if scale < 2.5 else 4
    for j in range(len(JOINT_PARENTS)):
        u, v = uv[j].tolist()
        if vis[j] == 0:
            u, v = min(max(u, 2), image.width - 3), min(max(v, 2), image.height - 3)
            draw.line([(u - 2, v - 2), (u + 2, v + 2)], fill=VIS_RGB[0], width=1)
            draw.line([(u - 2, v + 2), (u + 2, v - 2)], fill=VIS_RGB[0], width=1)
        else:
            colour = VIS_RGB.get(int(vis[j]), VIS_RGB[0])
            draw.ellipse([u - r, v - r, u + r, v + r], fill=colour, outline=(0, 0, 0))


def sample_panels(sample: dict, tile_px: int) -> list[Image.Image]:
    """The four panels of a sample (``Dataset.load`` dict), each fitting in ``tile_px`` x ``tile_px``."""
    annotation = sample["annotation"]
    skeleton, scale = _fit(sample["rgb"], tile_px, Image.Resampling.BILINEAR)
    hand = annotation["hand"]
    uv = np.asarray(hand["joints_uv"], np.float64)
    vis = np.asarray(hand["joints_vis"], np.int64)
    # Trust the geometry over the label where they disagree on outside joints: an invalid sample still draws.
    vis = np.where(inside_image(uv, annotation["width"], annotation["height"]), vis, 0)
    draw_skeleton(skeleton, uv, vis, scale)
    nearest = Image.Resampling.NEAREST
    seg, _ = _fit(colorize_seg(sample["seg"]), tile_px, nearest)
    amodal, _ = _fit(
        amodal_overlay(sample["rgb"], sample["hand_amodal"], sample["object_amodal"]), tile_px, nearest
    )
    depth, _ = _fit(colorize_depth(sample["depth_m"]), tile_px, nearest)
    return [skeleton, seg, amodal, depth]


def _caption(annotation: dict, digits: int) -> str:
    grasp = annotation.get("grasp", {}).get("type", "?")
    return (
        f"{annotation['id']:0{digits}d}  {annotation['object'].get('family', '?')}  {grasp}  "
        f"{annotation['hand'].get('subject', '?')}"
    )


def pick_ids(ids: list[int], n: int, seed: int | None) -> list[int]:
    """``n`` of ``ids`` (all when fewer), ascending: seeded random, or evenly spread if seed is None."""
    if n >= len(ids):
        return list(ids)
    if seed is None:
        return [ids[i] for i in np.unique(np.linspace(0, len(ids) - 1, n).round().astype(np.int64))]
    chosen = np.random.default_rng(seed).choice(len(ids), size=n, replace=False)
    return [ids[i] for i in sorted(chosen)]


def sheet_size(count: int, columns: int, tile_px: int) -> tuple[int, int]:
    """(width, height) px of a sheet of ``count`` samples in ``columns`` columns of ``tile_px`` panels."""
    columns = max(1, min(columns, count))
    rows = -(-count // columns)
    cell_w = len(PANELS) * tile_px + (len(PANELS) - 1) * GAP
    cell_h = CAPTION_PX + tile_px
    return columns * (cell_w + PAD) + PAD, rows * (cell_h + PAD) + PAD


def check_sheet_request(n: int, seed: int | None, columns: int, tile_px: int) -> None:
    """UserError unless ``n``, ``seed``, ``columns`` and ``tile_px`` are in range and the sheet they ask for
    fits in ``MAX_SHEET_PIXELS`` (a sheet is held in memory: 100 Mpx is 300 MB)."""
    for name, value, low, high in (
        ("n", n, 1, MAX_SAMPLES),
        ("columns", columns, 1, MAX_COLUMNS),
        ("tile", tile_px, MIN_TILE_PX, MAX_TILE_PX),
    ):
        if not low <= value <= high:
            raise UserError(f"--{name} must be in [{low}, {high}], got {value}")
    if seed is not None and seed < 0:
        raise UserError(f"--seed must be >= 0, got {seed}")
    width, height = sheet_size(n, columns, tile_px)
    if width * height > MAX_SHEET_PIXELS:
        raise UserError(
            f"a sheet of {n} samples in {min(columns, n)} columns of {tile_px} px panels would be "
            f"{width}x{height} px, over {MAX_SHEET_PIXELS // 10**6} Mpx; ask for fewer or smaller panels"
        )


def preview_sheet(
    path: str | Path,
    out_png: str | Path,
    n: int = 16,
    seed: int | None = 0,
    columns: int = 4,
    tile_px: int = 160,
) -> Image.Image:
    """Write a PNG contact sheet of ``n`` samples of the dataset at ``path`` to ``out_png`` (atomically).

    Samples are a seeded random pick (``seed``), or evenly spread over the ids when ``seed`` is None.
    Each sample is a strip of four ``tile_px`` panels (see the module docstring); ``columns`` strips per
    row. Returns the sheet (PIL RGB image, ``sheet_size(...)`` pixels). Raises UserError for a request out
    of bounds (``check_sheet_request``) or a damaged dataset (naming the file).
    """
    check_sheet_request(n, seed, columns, tile_px)
    out_png = Path(out_png)
    if not out_png.parent.is_dir():
        raise UserError(f"cannot write {out_png}: folder {out_png.parent} does not exist")
    if out_png.is_dir():
        raise UserError(f"cannot write {out_png}: it is a folder; give a PNG file name")
    dataset = open_dataset(path)
    entries = {entry.annotation["id"]: entry for entry in read_entries(dataset)}  # UserError on damage
    ids = list(entries)
    if not ids:
        raise UserError(f"{dataset.root} has no samples to preview")
    chosen = pick_ids(ids, n, seed)
    columns = min(columns, len(chosen))
    sheet = Image.new("RGB", sheet_size(len(chosen), columns, tile_px), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    digits = sample_digits(dataset.info.get("num_samples", len(ids)))
    cell_w = len(PANELS) * tile_px + (len(PANELS) - 1) * GAP
    for k, sample_id in enumerate(chosen):
        sample = load_entry(entries[sample_id], dataset.depth_unit_m)
        x = PAD + (k % columns) * (cell_w + PAD)
        y = PAD + (k // columns) * (CAPTION_PX + tile_px + PAD)
        draw.text((x + 1, y + 1), _caption(sample["annotation"], digits), fill=(235, 235, 235), font=font)
        for i, panel in enumerate(sample_panels(sample, tile_px)):
            px = x + i * (tile_px + GAP) + (tile_px - panel.width) // 2
            sheet.paste(panel, (px, y + CAPTION_PX + (tile_px - panel.height) // 2))
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG")
    write_bytes_atomic(out_png, buffer.getvalue())
    return sheet
