"""The rendered dataset the release tests share (no tests here): 24 raster samples at 64 x 64, both hand
sides, four grasps of six, rendered once per pytest session in this process (no Ray)."""

from pathlib import Path

import pytest

RENDER_ARGS = [
    "render",
    "--backend",
    "raster",
    "--n",
    "24",
    "--seed",
    "1",
    "--sides",
    "right,left",
    "--resolution",
    "64",
    "--shard-size",
    "10",
    "--set",
    "scene.renders_per_grasp=4",
    "--out",
]


def rendered_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared source dataset: rendered on first use in this session, then reused from its folder."""
    from handsynth.cli import _run_config, build_parser
    from handsynth.pipeline import render_dataset

    out = tmp_path_factory.getbasetemp() / "release-source" / "data"
    if not (out / "dataset.json").is_file():
        args = build_parser().parse_args([*RENDER_ARGS, str(out)])
        render_dataset(_run_config(args), out, progress=False)
    return out


@pytest.fixture(scope="session")
def source(tmp_path_factory) -> Path:
    """The shared source dataset (see ``rendered_source``)."""
    return rendered_source(tmp_path_factory)
