"""Data sources named ``KIND:PATH``: handsynth datasets and real data sets in their published layouts.

Every source is a sequence of ``HandSample`` (``len``, ``source[i]``) with a ``name``; numpy and Pillow only.
"""

from __future__ import annotations

from pathlib import Path

from handsynth.errors import UserError

KINDS = ("handsynth", "rhd", "freihand", "ho3d", "dexycb", "stb", "coco")
SPLITS = ("train", "val", "test", "all")


def parse_spec(spec: str) -> tuple[str, Path]:
    """``"KIND:PATH"`` -> (kind, path); UserError naming the valid kinds for anything else."""
    kind, sep, path = str(spec).partition(":")
    if not sep or kind not in KINDS or not path:
        raise UserError(f"data source {spec!r} is not KIND:PATH with KIND one of {', '.join(KINDS)}")
    return kind, Path(path)


def open_source(spec: str, split: str = "train", **options):
    """Open the data source ``spec`` (``KIND:PATH``) on ``split`` (train | val | test | all).

    options are the reader's keyword arguments (e.g. ``test_subjects`` for handsynth, ``setup`` for
    DexYCB). Raises UserError for an unknown kind or split, or a path that is not the published layout.
    """
    kind, path = parse_spec(spec)
    if split not in SPLITS:
        raise UserError(f"unknown split {split!r}; valid splits: {', '.join(SPLITS)}")
    if not path.exists():
        raise UserError(f"data path {path} of {spec!r} does not exist")
    if kind == "handsynth":
        from handsynth_train.data.sources.handsynth import HandsynthSource as reader
    elif kind == "rhd":
        from handsynth_train.data.sources.rhd import RHDSource as reader
    elif kind == "freihand":
        from handsynth_train.data.sources.freihand import FreiHANDSource as reader
    elif kind == "ho3d":
        from handsynth_train.data.sources.ho3d import HO3DSource as reader
    elif kind == "dexycb":
        from handsynth_train.data.sources.dexycb import DexYCBSource as reader
    elif kind == "stb":
        from handsynth_train.data.sources.stb import STBSource as reader
    else:
        from handsynth_train.data.sources.coco import CocoSource as reader
    return reader(path, split=split, **options)


def require(path: Path, what: str) -> Path:
    """``path`` if it exists, else UserError naming what was expected there."""
    if not path.exists():
        raise UserError(f"{path} does not exist: expected {what}")
    return path
