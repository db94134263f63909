"""``handsynth validate``: check a dataset against every invariant of its format (``handsynth/1.1``, or
``handsynth/1`` with that version's rules); never bpy, ray or torch.

Each invariant is a named check that counts what it examined, what failed, and keeps the first few
failures as readable examples. Files are read once: the bytes that are hashed are the bytes decoded.

Modules: ``report`` (the checks and the report), ``fields`` (annotation fields and types), ``structure``
(dataset.json, shards, shard.json, lines, files), ``sample`` (per-sample invariants), ``walk``
(``validate_dataset``).
"""

from handsynth.dataset.validate.fields import RIGID_TOLERANCE
from handsynth.dataset.validate.report import CHECKS, Check, ValidationReport
from handsynth.dataset.validate.sample import PROJECTION_TOLERANCE_PX
from handsynth.dataset.validate.walk import validate_dataset

__all__ = [
    "CHECKS",
    "PROJECTION_TOLERANCE_PX",
    "RIGID_TOLERANCE",
    "Check",
    "ValidationReport",
    "validate_dataset",
]
