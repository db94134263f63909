"""Names and shapes of the on-disk dataset (format ``handsynth/1.1``); numpy only, never bpy, ray or torch."""

import re

from handsynth.conventions import bbox_of_mask  # noqa: F401  (the format's box convention, re-exported)

FORMAT = "handsynth/1.1"  # what the writer writes
FORMAT_1 = "handsynth/1"  # the first version: fingertips followed the 25 mm rule of inner joints
READABLE_FORMATS = (FORMAT_1, FORMAT)  # what the reader and validate read (a 1.1 reader reads 1)
FILE_KINDS = ("rgb", "seg", "hand_amodal", "object_amodal", "depth")
DATASET_JSON = "dataset.json"
CONFIG_YAML = "config.yaml"
SHARDS_DIR = "shards"
TMP_PREFIX = ".tmp-shard-"
SHARD_PREFIX = "shard-"
SHARD_NAME = re.compile(rf"{SHARD_PREFIX}\d{{6,}}")  # a complete shard's folder name
SHA256_HEX = re.compile(r"[0-9a-f]{64}")  # a file digest in shard.json
ANNOTATIONS_JSONL = "annotations.jsonl"
SHARD_JSON = "shard.json"
DEFAULT_SHARD_SIZE = 100

# PNG IHDR (bit depth, colour type) of each file kind: 8-bit RGB, 8-bit grey, 16-bit grey.
PNG_HEADERS = {
    "rgb": (8, 2),
    "seg": (8, 0),
    "hand_amodal": (8, 0),
    "object_amodal": (8, 0),
    "depth": (16, 0),
}


def sample_digits(num_samples: int) -> int:
    """Digits of a zero-padded sample id: 6, or more when ``num_samples`` > 10**6 ids need them."""
    return max(6, len(str(max(int(num_samples), 1) - 1)))


def sample_files(sample_id: int, num_samples: int) -> dict[str, str]:
    """File name of every kind of a sample, e.g. ``{"rgb": "000123.rgb.png", ...}`` (``FILE_KINDS`` order)."""
    stem = f"{int(sample_id):0{sample_digits(num_samples)}d}"
    return {kind: f"{stem}.{kind}.png" for kind in FILE_KINDS}


def shard_name(shard_index: int) -> str:
    """Directory name of a shard: 0 -> ``"shard-000000"``."""
    return f"{SHARD_PREFIX}{int(shard_index):06d}"


def shard_ranges(num_samples: int, shard_size: int = DEFAULT_SHARD_SIZE) -> list[tuple[int, int, int]]:
    """``[(shard_index, start, stop), ...]``: shard k holds ids ``[k * size, min((k + 1) * size, n))``.

    Raises ValueError for a negative ``num_samples`` or a ``shard_size`` below 1.
    """
    if num_samples < 0 or shard_size < 1:
        raise ValueError(f"need num_samples >= 0 and shard_size >= 1, got {num_samples} and {shard_size}")
    ranges = (shard_ids(k, num_samples, shard_size) for k in range(num_shards(num_samples, shard_size)))
    return [(k, ids.start, ids.stop) for k, ids in enumerate(ranges)]


def num_shards(num_samples: int, shard_size: int = DEFAULT_SHARD_SIZE) -> int:
    """How many shards ``num_samples`` samples fill, ``shard_size`` to a shard (the last may be short)."""
    return -(-num_samples // shard_size)


def shard_ids(shard_index: int, num_samples: int, shard_size: int = DEFAULT_SHARD_SIZE) -> range:
    """The sample ids of shard ``shard_index``: ``range(k * size, min((k + 1) * size, n))``; O(1) whatever
    the run's size, so a run of a billion samples never lists its shards."""
    start = shard_index * shard_size
    return range(start, min(start + shard_size, num_samples))
