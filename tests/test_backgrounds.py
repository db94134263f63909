"""Background sources: procedural backgrounds (pure, distinct, natural-looking) and user photo folders."""

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from handsynth.errors import UserError
from handsynth.scene.backgrounds import (
    BACKGROUND_KINDS,
    NUM_PROCEDURAL_BACKGROUNDS,
    FolderBackgrounds,
    background_kind,
    procedural_background,
)

SIDE = 96  # every id is checked at SIDE x SIDE


@pytest.fixture(scope="module")
def all_backgrounds() -> np.ndarray:
    """(1000, 96, 96, 3) uint8: every procedural background once (about 3 s)."""
    return np.stack([procedural_background(i, SIDE, SIDE) for i in range(NUM_PROCEDURAL_BACKGROUNDS)])


def _thumbnails(images: np.ndarray) -> np.ndarray:
    """(N, S, S, 3) uint8 -> (N, 8, 8, 3) float32 block means (pixel noise and fine texture averaged out)."""
    n, s = len(images), images.shape[1]
    return images.astype(np.float32).reshape(n, 8, s // 8, 8, s // 8, 3).mean((2, 4))


def _looks_natural(img: np.ndarray) -> dict[str, bool]:
    """Which 'natural photo' predicates hold for one (S, S, 3) uint8 image."""
    x = img.astype(np.float32) / 255
    lum = x @ np.float32([0.299, 0.587, 0.114])
    laplacian = np.abs(4 * lum[1:-1, 1:-1] - lum[:-2, 1:-1] - lum[2:, 1:-1] - lum[1:-1, :-2] - lum[1:-1, 2:])
    hi, lo = x.max(-1), x.min(-1)
    sat = (hi - lo) / np.maximum(hi, 1e-6)
    return {
        "varied": lum.std() > 0.012,  # not one flat colour ...
        "structured": _thumbnails(img[None])[0].mean(-1).std() / 255 > 0.004,  # ... nor flat plus noise
        "textured": laplacian.mean() > 0.01,  # not a smooth gradient
        "muted": sat.mean() < 0.7 and ((sat > 0.7) & (hi > 0.5)).mean() < 0.05,  # no garish primaries
    }


# --------------------------------------------------------------------------------------------- procedural
@pytest.mark.parametrize("background_id", [0, 1, 17, 500, 999])
def test_same_id_gives_identical_bytes(background_id):
    a = procedural_background(background_id, 64, 48)
    procedural_background((background_id + 1) % NUM_PROCEDURAL_BACKGROUNDS, 64, 48)  # no state carried over
    assert a.tobytes() == procedural_background(background_id, 64, 48).tobytes()


def test_same_bytes_in_a_fresh_process():
    code = (
        "import hashlib; from handsynth.scene.backgrounds import procedural_background as p; "
        "print(hashlib.sha256(p(123, 80, 60).tobytes()).hexdigest())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == hashlib.sha256(procedural_background(123, 80, 60).tobytes()).hexdigest()


@pytest.mark.parametrize("width, height", [(320, 320), (256, 192), (640, 480), (192, 256), (33, 7), (1, 1)])
def test_shape_and_dtype(width, height):
    for background_id in (3, 600):
        img = procedural_background(background_id, width, height)
        assert img.shape == (height, width, 3) and img.dtype == np.uint8 and img.flags.c_contiguous


@pytest.mark.parametrize("width, height", [(0, 10), (10, -1), (10.5, 10)])
def test_bad_size_raises(width, height):
    with pytest.raises(ValueError, match="size"):
        procedural_background(0, width, height)


@pytest.mark.parametrize("bad", [-1, NUM_PROCEDURAL_BACKGROUNDS, 10**6, 2.5])
def test_out_of_range_id_raises(bad):
    with pytest.raises(ValueError, match="background_id"):
        procedural_background(bad, 32, 32)
    with pytest.raises(ValueError, match="background_id"):
        background_kind(bad)


def test_every_id_is_a_different_image(all_backgrounds):
    digests = {hashlib.sha256(img.tobytes()).hexdigest() for img in all_backgrounds}
    assert len(digests) == NUM_PROCEDURAL_BACKGROUNDS


def test_most_ids_are_perceptually_distinct(all_backgrounds):
    # nearest other id by mean absolute difference of 8x8 colour thumbnails (0-255); the same scene with
    # other sensor noise would be well under 1, different scenes of one kind and palette are over 8
    thumbs = _thumbnails(all_backgrounds).reshape(len(all_backgrounds), -1)
    nearest = np.empty(len(thumbs))
    for i in range(0, len(thumbs), 100):
        d = np.abs(thumbs[i : i + 100, None] - thumbs[None]).mean(-1)
        d[np.arange(len(d)), np.arange(i, i + len(d))] = np.inf
        nearest[i : i + 100] = d.min(1)
    assert (nearest > 8).sum() >= 600
    assert nearest.min() > 2


def test_predicates_reject_flat_noisy_and_garish_images():
    rng = np.random.default_rng(0)
    flat = np.full((SIDE, SIDE, 3), 120, np.uint8)
    noisy = np.clip(flat + rng.normal(0, 5, flat.shape), 0, 255).astype(np.uint8)
    ramp = np.linspace(40, 200, SIDE)
    gradient = np.broadcast_to(ramp[:, None, None], flat.shape).astype(np.uint8)
    garish = np.zeros_like(flat)
    garish[:, : SIDE // 2, 0] = garish[:, SIDE // 2 :, 2] = 255
    garish = np.clip(garish + rng.normal(0, 8, flat.shape), 0, 255).astype(np.uint8)
    assert not all(_looks_natural(flat).values())
    assert not _looks_natural(noisy)["structured"]
    assert not _looks_natural(gradient)["textured"]
    assert not _looks_natural(garish)["muted"]


def test_every_background_looks_natural(all_backgrounds):
    failures = {}
    for i, img in enumerate(all_backgrounds):
        failed = [name for name, ok in _looks_natural(img).items() if not ok]
        if failed:
            failures[i] = (background_kind(i), failed)
    assert failures == {}


def test_every_kind_is_used():
    counts = {kind: 0 for kind in BACKGROUND_KINDS}
    for i in range(NUM_PROCEDURAL_BACKGROUNDS):
        counts[background_kind(i)] += 1
    assert min(counts.values()) >= 30, counts


def test_content_scales_with_the_image():
    # the same id at two resolutions is the same scene: thumbnails agree far better than different ids do
    ids = range(0, NUM_PROCEDURAL_BACKGROUNDS, 25)
    small = _thumbnails(np.stack([procedural_background(i, 96, 96) for i in ids]))
    large = _thumbnails(np.stack([procedural_background(i, 192, 192) for i in ids]))
    same = np.abs(small - large).mean((1, 2, 3))
    assert np.median(same) < 1.5 and (same < 4).mean() >= 0.9


def test_wide_image_is_a_window_onto_the_square_scene():
    def blocks(img):  # 5x5 block means: the two images' sensor noise differs
        return img.astype(np.float32).reshape(img.shape[0] // 5, 5, img.shape[1] // 5, 5, 3).mean((1, 3))

    for background_id in (42, 420, 942):
        square = blocks(procedural_background(background_id, 200, 200))
        wide = blocks(procedural_background(background_id, 200, 100))  # the middle half of the square's rows
        assert np.abs(square[10:30] - wide).mean() < 1.5 < np.abs(square[:20] - wide).mean()


# ------------------------------------------------------------------------------------------------- folder
@pytest.fixture
def photo_folder(tmp_path):
    """A folder with a PNG, an upper-case JPEG and a grey TIFF in nested folders, plus files to ignore."""
    root = tmp_path / "backgrounds"
    (root / "sub" / "deeper").mkdir(parents=True)
    x = np.arange(120, dtype=np.float32)
    ramp = np.broadcast_to((x * 2)[None, :, None], (80, 120, 3)).astype(np.uint8)  # value = 2 * column
    Image.fromarray(ramp).save(root / "a_ramp.png")
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (90, 60, 3), dtype=np.uint8)).save(root / "sub" / "B.JPG")
    Image.fromarray(rng.integers(0, 255, (50, 50), dtype=np.uint8)).save(root / "sub" / "deeper" / "c.tif")
    (root / "notes.txt").write_text("not an image")
    (root / ".hidden.png").write_bytes(b"ignored")
    return root


def test_folder_lists_images_recursively_and_sorted(photo_folder):
    bg = FolderBackgrounds(photo_folder)
    assert len(bg) == 3
    assert [bg.name(i) for i in range(len(bg))] == ["a_ramp.png", "sub/B.JPG", "sub/deeper/c.tif"]


@pytest.mark.parametrize("width, height", [(64, 64), (100, 40), (30, 90), (320, 240)])
def test_folder_image_size_and_type(photo_folder, width, height):
    bg = FolderBackgrounds(photo_folder)
    for i in range(len(bg)):
        img = bg.image(i, width, height, np.random.default_rng(i))
        assert img.shape == (height, width, 3) and img.dtype == np.uint8 and img.flags.c_contiguous


def test_folder_image_is_deterministic_and_uses_four_draws(photo_folder):
    bg = FolderBackgrounds(photo_folder, cache_size=1)
    first = [bg.image(i, 48, 32, np.random.default_rng(7)) for i in range(len(bg))]
    again = [bg.image(i, 48, 32, np.random.default_rng(7)) for i in range(len(bg))]  # decoded afresh
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    used, fresh = np.random.default_rng(5), np.random.default_rng(5)
    bg.image(1, 48, 32, used)
    fresh.random(4)
    assert used.random() == fresh.random()


def test_folder_crop_spans_60_to_100_percent_and_flips(photo_folder):
    bg = FolderBackgrounds(photo_folder)
    spans, directions = [], set()
    for seed in range(40):
        row = bg.image(0, 60, 60, np.random.default_rng(seed))[30, :, 0].astype(np.float32)  # 2 * column
        spans.append((row.max() - row.min()) / 2)
        directions.add(bool(row[-1] > row[0]))
    # square crops of an 80-row image: 48 to 80 source columns wide, less a column lost to resampling
    assert 46 <= min(spans) and max(spans) <= 80
    assert max(spans) - min(spans) > 10
    assert directions == {True, False}


def test_folder_index_out_of_range(photo_folder):
    bg = FolderBackgrounds(photo_folder)
    for bad in (-1, len(bg)):
        with pytest.raises(IndexError):
            bg.name(bad)
        with pytest.raises(IndexError):
            bg.image(bad, 8, 8, np.random.default_rng(0))


def test_folder_applies_exif_rotation(tmp_path):
    stored = np.zeros((20, 40, 3), np.uint8)  # 40 wide: black top half, white bottom half
    stored[10:] = 255
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated a quarter turn clockwise: 20 wide, black right half
    Image.fromarray(stored).save(tmp_path / "phone.jpg", exif=exif, quality=95)
    bg = FolderBackgrounds(tmp_path)
    for seed in range(5):
        img = bg.image(0, 20, 40, np.random.default_rng(seed)).astype(np.float32).mean(-1)
        assert abs(img[:, :8].mean() - img[:, 12:].mean()) > 150  # split left | right, either way round
        assert abs(img[:16].mean() - img[24:].mean()) < 20


def test_folder_reduces_large_images(tmp_path):
    Image.fromarray(np.full((300, 900, 3), 200, np.uint8)).save(tmp_path / "big.png")
    bg = FolderBackgrounds(tmp_path, max_side_px=128)
    img = bg.image(0, 64, 48, np.random.default_rng(0))
    assert img.shape == (48, 64, 3) and np.all(np.abs(img.astype(int) - 200) <= 1)


def test_missing_folder(tmp_path):
    with pytest.raises(UserError, match="does not exist") as err:
        FolderBackgrounds(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(err.value) and "\n" not in str(err.value)


def test_file_instead_of_folder(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(path)
    with pytest.raises(UserError, match="not a directory") as err:
        FolderBackgrounds(path)
    assert str(path) in str(err.value)


def test_folder_without_images(tmp_path):
    (tmp_path / "readme.txt").write_text("no pictures here")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="holds no images") as err:
        FolderBackgrounds(tmp_path)
    assert str(tmp_path) in str(err.value)
    with pytest.raises(UserError, match="holds no images"):
        FolderBackgrounds(tmp_path / "empty")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(folder / "a.png")
    folder.chmod(0)
    try:
        with pytest.raises(UserError, match="not readable") as err:
            FolderBackgrounds(folder)
        assert str(folder) in str(err.value)
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("content", [b"this is not a png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_corrupt_image_names_the_file(tmp_path, content):
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "good.png")
    (tmp_path / "zz_bad.png").write_bytes(content)
    bg = FolderBackgrounds(tmp_path)
    assert bg.image(0, 8, 8, np.random.default_rng(0)).shape == (8, 8, 3)
    with pytest.raises(UserError, match="cannot read background image") as err:
        bg.image(1, 8, 8, np.random.default_rng(0))
    assert str(tmp_path / "zz_bad.png") in str(err.value) and "\n" not in str(err.value)
