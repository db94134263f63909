"""Backgrounds behind hand and object, procedural or user photos; never imports bpy, pyrender, ray or torch.

Only numpy, scipy and Pillow (Pillow imported when a photo is first read).

``procedural_background(id, width, height)`` is a pure function of its arguments. Its generators live in
``handsynth.scene.textures``; this module picks one per id, then adds what every photograph has: uneven
lighting, vignetting, a white-balance cast, sometimes defocus, and sensor noise.
"""

import os
from collections import OrderedDict
from pathlib import Path

import numpy as np
from scipy import ndimage

from handsynth.errors import UserError
from handsynth.scene import defocused, textures
from handsynth.texture.grid import PixelGrid

NUM_PROCEDURAL_BACKGROUNDS = 1000
# Photos with more pixels are refused (a decompression bomb, or a scan far larger than any crop needs):
# 100 megapixels decode to 300 MB of RGB. Pillow's own guard errs only at twice its 89 MP warning.
MAX_IMAGE_PIXELS = 100_000_000
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
_SALT = 0x6B67_B9A1  # separates these streams from every other use of the id as a seed

# kind -> (generator, relative frequency, whether the surface may be photographed slightly out of focus)
GENERATORS = {
    "wood": (textures.wood, 1.4, True),
    "fabric": (textures.fabric, 1.0, True),
    "marble": (textures.marble, 0.7, True),
    "stone": (textures.stone, 0.6, True),
    "wall": (textures.wall, 1.1, True),
    "tiles": (textures.tiles, 0.8, True),
    "bricks": (textures.bricks, 0.6, True),
    "carpet": (textures.carpet, 0.6, True),
    "paper": (textures.paper, 0.6, True),
    "concrete": (textures.concrete, 0.7, True),
    "indoor": (defocused.indoor, 1.4, False),
    "shelves": (defocused.shelves, 0.9, False),
    "foliage": (defocused.foliage, 0.8, False),
}
BACKGROUND_KINDS = tuple(GENERATORS)
_KIND_P = np.array([g[1] for g in GENERATORS.values()]) / sum(g[1] for g in GENERATORS.values())


def _check_id(background_id: int) -> int:
    if int(background_id) != background_id or not 0 <= background_id < NUM_PROCEDURAL_BACKGROUNDS:
        valid = f"an integer in [0, {NUM_PROCEDURAL_BACKGROUNDS})"
        raise ValueError(f"background_id {background_id!r} is not {valid}")
    return int(background_id)


def _check_size(width: int, height: int):
    if int(width) != width or int(height) != height or width < 1 or height < 1:
        raise ValueError(f"background size must be positive integers, got {width!r} x {height!r}")


def background_kind(background_id: int) -> str:
    """The generator kind (one of ``BACKGROUND_KINDS``) that draws procedural background ``background_id``."""
    rng = np.random.default_rng([_check_id(background_id), _SALT])
    return BACKGROUND_KINDS[int(rng.choice(len(BACKGROUND_KINDS), p=_KIND_P))]


def procedural_background(background_id: int, width: int, height: int) -> np.ndarray:
    """Background ``background_id`` in [0, NUM_PROCEDURAL_BACKGROUNDS) -> (height, width, 3) uint8 sRGB.

    A pure function of its arguments: byte-identical across calls and processes. Content scales with the
    image (the longer side always spans the same scene), so one id looks alike at every resolution.
    """
    background_id = _check_id(background_id)
    _check_size(width, height)
    width, height = int(width), int(height)
    rng = np.random.default_rng([background_id, _SALT])
    kind = BACKGROUND_KINDS[int(rng.choice(len(BACKGROUND_KINDS), p=_KIND_P))]
    generator, _, may_defocus = GENERATORS[kind]
    frame = PixelGrid(height, width)
    img = generator(rng, frame)  # (3, H, W) float32
    return _photograph(rng, np.random.default_rng([background_id, _SALT, 1]), frame, img, may_defocus)


def _photograph(
    rng: np.random.Generator,
    pixel_rng: np.random.Generator,
    f: PixelGrid,
    img: np.ndarray,
    may_defocus: bool,
) -> np.ndarray:
    """(3, H, W) float32 scene (consumed) -> (H, W, 3) uint8 photo: light falloff, vignette, white balance,
    maybe defocus, and sensor noise (from ``pixel_rng``: the only draws whose number depends on the size)."""
    angle, slope, vignette, cast, cool, blur, defocus, noise_level = rng.random(8)
    y, x = f.y - np.float32(0.5), f.x - np.float32(0.5)
    gy, gx = 0.5 * slope * np.sin(2 * np.pi * angle), 0.5 * slope * np.cos(2 * np.pi * angle)
    light = 1 + np.float32(gx) * x + np.float32(gy) * y  # a linear light falloff, (H, W)
    light -= np.float32(0.8 * vignette**2) * (y * y + x * x)
    balance = 255 * (1 + 0.06 * cast * (1 if cool < 0.7 else -1) * np.array([1, 0, -1]))
    for c in range(3):
        img[c] *= light * np.float32(balance[c])
    blur_px = (0.5 + 1.5 * blur) / (320 * f.px)  # 0.5-2 px at 320 px, in proportion elsewhere
    if may_defocus and defocus < 0.25 and blur_px > 0.4:
        img = ndimage.gaussian_filter(img, (0, blur_px, blur_px), truncate=2.0)
    # uniform sensor noise from raw bytes through a lookup table: luminance grain plus weaker colour noise
    levels = (np.arange(256, dtype=np.float32) - np.float32(127.5)) * np.float32((1 + 4 * noise_level) / 73.6)
    n = f.height * f.width
    noise = np.frombuffer(pixel_rng.bytes(4 * n), np.uint8)
    grain = np.take(levels, noise[:n]).reshape(f.height, f.width) + np.float32(0.5)  # +0.5: round, not floor
    colour_levels = levels * np.float32(0.4)
    out = np.empty((f.height, f.width, 3), np.uint8)
    for c in range(3):  # channel by channel stays in cache; strided writes beat a transposing copy
        channel = img[c]
        channel += grain
        channel += np.take(colour_levels, noise[(c + 1) * n : (c + 2) * n]).reshape(f.height, f.width)
        out[..., c] = np.clip(channel, 0, 255, out=channel)
    return out


def _decode_photo(path: Path, max_side_px: int) -> np.ndarray:
    """(h, w, 3) uint8 RGB pixels of the photo at ``path``, upright, reduced to ``max_side_px``.

    Raises:
        UserError: the file cannot be decoded (corrupt, truncated, not an image) or has more than
            ``MAX_IMAGE_PIXELS`` pixels.
    """
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as im:
            if im.width * im.height > MAX_IMAGE_PIXELS:
                raise UserError(
                    f"background image {str(path)!r} has {im.width}x{im.height} pixels, more than "
                    f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels; reduce it"
                )
            im.draft("RGB", (max_side_px, max_side_px))  # JPEG: decode at a reduced scale
            im = ImageOps.exif_transpose(im).convert("RGB")  # phone photos: apply the EXIF rotation
            if max(im.size) > max_side_px:
                im.thumbnail((max_side_px, max_side_px), Image.Resampling.BOX)
            return np.asarray(im)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as err:
        reason = " ".join(str(err).split())
        raise UserError(f"cannot read background image {str(path)!r}: {reason}") from None


class FolderBackgrounds:
    """Background photos found (recursively) in a user folder, sampled as random crops.

    Files are listed once, sorted by relative path; hidden files and folders (names starting with ".")
    are skipped. Images larger than ``max_side_px`` are reduced once when decoded, and the last
    ``cache_size`` decoded images are kept, so repeated ids are fast. A folder that does not exist, is not
    a directory, cannot be read or holds no images, and an image that cannot be decoded, raise a
    ``UserError`` of one line naming the path.
    """

    def __init__(self, path: str | os.PathLike, *, max_side_px: int = 1024, cache_size: int = 64):
        self.root = Path(path)
        if not self.root.exists():
            raise UserError(f"background folder {str(self.root)!r} does not exist")
        if not self.root.is_dir():
            raise UserError(f"background folder {str(self.root)!r} is not a directory")
        if not os.access(self.root, os.R_OK | os.X_OK):
            raise UserError(f"background folder {str(self.root)!r} is not readable")
        self.max_side_px, self.cache_size = max_side_px, cache_size
        self._files = self._scan()
        if not self._files:
            kinds = ", ".join(IMAGE_EXTENSIONS)
            raise UserError(f"background folder {str(self.root)!r} holds no images ({kinds})")
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()

    def _scan(self) -> list[Path]:
        def fail(err: OSError):
            raise UserError(f"cannot read background folder {str(err.filename)!r}: {err.strerror}")

        found = []
        for folder, dirs, names in os.walk(self.root, onerror=fail):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            found += [
                Path(folder, n)
                for n in names
                if not n.startswith(".") and n.lower().endswith(IMAGE_EXTENSIONS)
            ]
        return sorted(found, key=lambda p: p.relative_to(self.root).as_posix())

    def __len__(self) -> int:
        return len(self._files)

    def _path(self, i: int) -> Path:
        if not 0 <= i < len(self._files):
            raise IndexError(f"background image {i} is not in [0, {len(self._files)})")
        return self._files[i]

    def name(self, i: int) -> str:
        """The relative path (POSIX separators) of image ``i`` in [0, len(self)) inside the folder."""
        return self._path(i).relative_to(self.root).as_posix()

    def _decoded(self, i: int) -> np.ndarray:
        """(h, w, 3) uint8 RGB pixels of image ``i``, upright, reduced to ``max_side_px``; cached."""
        if i in self._cache:
            self._cache.move_to_end(i)
            return self._cache[i]
        pixels = _decode_photo(self._path(i), self.max_side_px)
        self._cache[i] = pixels
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return pixels

    def check_images(self, workers: int | None = None) -> None:
        """Open and fully decode every image once (as ``image`` would, at the reduced size), so a
        corrupt, truncated or oversized photo is a UserError naming it before a run writes anything.

        One full decode per photo (a header check or ``PIL.Image.verify`` misses truncated JPEGs), on
        ``workers`` threads (default: the CPU count, at most 8; Pillow decodes without the GIL). Measured
        on 2 cores shared with other jobs: 100 noisy 1920x1080 JPEGs (1.2 MB each, decoded at half scale)
        take 3.7 s on one thread (37 ms a photo), 4.1 s on two (no gain there); 20 such PNGs 1.1 s. The
        first failing photo in folder order is reported; pixels are dropped, not cached.
        """
        from concurrent.futures import ThreadPoolExecutor

        workers = workers or min(8, os.cpu_count() or 1)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for _ in pool.map(lambda path: _decode_photo(path, self.max_side_px).shape, self._files):
                pass

    def image(self, i: int, width: int, height: int, rng: np.random.Generator) -> np.ndarray:
        """Image ``i`` as a random crop of aspect width/height -> (height, width, 3) uint8 RGB.

        The crop spans 60–100 % of the largest crop of that aspect that fits, at a uniform random position,
        and is flipped left-right with probability 1/2. Exactly four draws from ``rng``, so the result is
        the same for the same rng state whatever was decoded or cached before.
        """
        from PIL import Image

        _check_size(width, height)
        scale, fy, fx, flip = rng.uniform(0.6, 1.0), rng.random(), rng.random(), rng.random() < 0.5
        pixels = self._decoded(i)
        ih, iw = pixels.shape[:2]
        ch = scale * min(ih, iw * height / width)
        cw = ch * width / height
        top, left = fy * (ih - ch), fx * (iw - cw)
        im = Image.fromarray(pixels).resize(
            (width, height), Image.Resampling.BILINEAR, box=(left, top, left + cw, top + ch)
        )
        out = np.asarray(im)
        return np.ascontiguousarray(out[:, ::-1]) if flip else out.copy()
