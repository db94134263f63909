"""The card's grid of samples: RGB with the 21-joint skeleton; numpy and Pillow, never bpy, ray or torch.

Reads only the images it shows (one RGB per tile), picked by a fixed seed, so it costs the same for 20
samples as for 100k.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from handsynth.conventions import inside_image
from handsynth.dataset.preview import draw_skeleton, pick_ids
from handsynth.files import write_bytes_atomic

GRID_COLUMNS, GRID_ROWS = 4, 4
GRID_SEED = 0
TILE_PX = 200
CAPTION_PX, PAD = 28, 6
BACKGROUND = (255, 255, 255)


def grid_ids(ids: Sequence[int], seed: int = GRID_SEED) -> list[int]:
    """The ids the grid shows: 4 x 4 of ``ids`` drawn with ``seed`` (all of them when fewer), ascending."""
    return pick_ids(sorted(int(i) for i in ids), GRID_COLUMNS * GRID_ROWS, seed)


def grid_record(annotation: dict) -> dict:
    """The part of an annotation a grid tile needs (kept for at most 16 samples during the pass)."""
    hand, obj = annotation["hand"], annotation["object"]
    return {
        "id": annotation["id"],
        "files": {"rgb": annotation["files"]["rgb"]},
        "width": annotation["width"],
        "height": annotation["height"],
        "hand": {key: hand.get(key) for key in ("joints_uv", "joints_vis", "subject", "side")},
        "object": {"family": obj.get("family")},
        "grasp": {"type": (annotation.get("grasp") or {}).get("type")},
    }


def _tile(shard_dir: Path, annotation: dict) -> Image.Image:
    """The RGB of a sample scaled to ``TILE_PX`` with its skeleton drawn."""
    with Image.open(shard_dir / annotation["files"]["rgb"]) as image:
        rgb = image.convert("RGB")
    scale = TILE_PX / max(rgb.size)
    size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
    tile = rgb.resize(size, Image.Resampling.BILINEAR)
    hand = annotation["hand"]
    uv = np.asarray(hand["joints_uv"], np.float64)
    vis = np.where(inside_image(uv, annotation["width"], annotation["height"]), hand["joints_vis"], 0)
    draw_skeleton(tile, uv, vis, scale)
    return tile


def write_sample_grid(samples: Sequence[tuple[Path, dict]], out_png: Path) -> str:
    """A grid (4 columns) of ``samples`` ((shard folder, annotation) pairs, in order), each captioned with
    its id, object family, grasp type, subject and side. Writes ``out_png`` atomically; returns its name."""
    chosen = list(samples)
    columns = min(GRID_COLUMNS, max(len(chosen), 1))
    rows = max(-(-len(chosen) // columns), 1)
    cell_w, cell_h = TILE_PX + PAD, TILE_PX + CAPTION_PX + PAD
    sheet = Image.new("RGB", (columns * cell_w + PAD, rows * cell_h + PAD), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for k, (shard_dir, annotation) in enumerate(chosen):
        tile = _tile(shard_dir, annotation)
        x, y = PAD + (k % columns) * cell_w, PAD + (k // columns) * cell_h
        sheet.paste(tile, (x + (TILE_PX - tile.width) // 2, y + (TILE_PX - tile.height) // 2))
        hand, obj = annotation["hand"], annotation["object"]
        grasp = (annotation.get("grasp") or {}).get("type") or "?"
        lines = (
            f"#{annotation['id']}  {obj.get('family') or '?'}  {grasp}",
            f"{hand.get('subject') or '?'}  {hand.get('side') or '?'} hand",
        )
        for line_no, line in enumerate(lines):
            draw.text((x + 2, y + TILE_PX + 2 + 12 * line_no), line, fill=(20, 20, 20), font=font)
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", optimize=True)
    write_bytes_atomic(out_png, buffer.getvalue())
    return out_png.name
