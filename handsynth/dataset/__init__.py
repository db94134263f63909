"""The on-disk dataset (``docs/dataset-format.md`` in the shared docs): layout, shard writer, reader,
validation, statistics and preview sheets; numpy, Pillow and json only, never bpy, ray or torch."""

from handsynth.dataset.layout import (
    CONFIG_YAML,
    DATASET_JSON,
    FILE_KINDS,
    FORMAT,
    SHARDS_DIR,
    TMP_PREFIX,
    bbox_of_mask,
    num_shards,
    sample_digits,
    sample_files,
    shard_ids,
    shard_name,
    shard_ranges,
)
from handsynth.dataset.preview import preview_sheet
from handsynth.dataset.reader import Dataset, list_shard_dirs, read_annotations, shard_summary
from handsynth.dataset.stats import dataset_stats, format_stats
from handsynth.dataset.validate import ValidationReport, validate_dataset
from handsynth.dataset.writer import (
    ShardWriter,
    dataset_info,
    encode_png,
    write_bytes_atomic,
    write_json_atomic,
    write_text_atomic,
)

__all__ = [
    "CONFIG_YAML",
    "DATASET_JSON",
    "FILE_KINDS",
    "FORMAT",
    "SHARDS_DIR",
    "TMP_PREFIX",
    "Dataset",
    "ShardWriter",
    "ValidationReport",
    "bbox_of_mask",
    "dataset_info",
    "dataset_stats",
    "encode_png",
    "format_stats",
    "list_shard_dirs",
    "preview_sheet",
    "read_annotations",
    "sample_digits",
    "sample_files",
    "shard_name",
    "num_shards",
    "shard_ids",
    "shard_ranges",
    "shard_summary",
    "validate_dataset",
    "write_bytes_atomic",
    "write_json_atomic",
    "write_text_atomic",
]
