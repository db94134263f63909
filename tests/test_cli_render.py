"""`handsynth render` end to end: a valid dataset, byte-identical reruns and resumes, and bad inputs."""

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from handsynth.cli import main
from handsynth.dataset import Dataset, validate_dataset
from handsynth.dataset.preview import sheet_size

# In-process renders share one local Ray (conftest.py) instead of starting one each.
pytestmark = pytest.mark.usefixtures("ray_session")

ARGS = [
    "--objects",
    "can,orange",
    "--n",
    "6",
    "--shard-size",
    "4",
    "--seed",
    "3",
    "--backend",
    "raster",
    "--quiet",
]


def _files(root: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file of a run except dataset.json (it holds a timestamp) and the
    Ray workers' logs."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "dataset.json" and p.relative_to(root).parts[0] != "logs"
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "a"
    assert main(["render", *ARGS, "--out", str(out)]) == 0
    return out


def test_render_writes_a_valid_dataset(run):
    info = json.loads((run / "dataset.json").read_text())
    assert info["format"] == "handsynth/1.1" and info["num_samples"] == 6 and info["root_seed"] == 3
    assert [s["name"] for s in info["shards"]] == ["shard-000000", "shard-000001"]
    assert sum(info["categories"].values()) == 6 and set(info["categories"]) <= {"cylindrical", "spherical"}
    report = validate_dataset(run)
    assert report.ok, report.format()
    assert not list((run / "shards").glob(".tmp-shard-*"))
    ds = Dataset(run)
    sample = ds.load(5)
    ann = sample["annotation"]
    assert sample["rgb"].shape == (320, 320, 3) and ann["render"]["backend"] == "raster"
    assert ann["object"]["family"] in ("can", "orange") and ann["hand"]["side"] == "right"
    assert (sample["seg"] == 1).sum() > 300 and sample["object_amodal"].sum() > 100
    # A view may hide the object behind the hand (sample 5 looks down on a disk grasp), never every view.
    assert max((ds.load(i)["seg"] == 2).sum() for i in range(6)) > 100
    assert ann["background"]["source"] == "procedural" and 0 <= ann["background"]["id"] < 1000


def test_validate_and_stats_and_preview_on_a_render(run, tmp_path, capsys):
    assert main(["validate", str(run)]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == f"OK: {run} (6 samples in 2 shards)"
    assert main(["stats", str(run), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    # The counts and the overall joint visibility agree with the annotations themselves.
    annotations = [Dataset(run).annotation(i) for i in range(6)]
    assert stats["num_samples"] == 6 and stats["num_shards"] == 2
    assert stats["counts"]["family"] == dict(Counter(a["object"]["family"] for a in annotations))
    assert stats["counts"]["subject"] == dict(Counter(a["hand"]["subject"] for a in annotations))
    vis = Counter(v for a in annotations for v in a["hand"]["joints_vis"])
    overall = stats["visibility"]["overall"]
    for name, code in (("outside", 0), ("occluded", 1), ("visible", 2)):
        assert overall[name] == pytest.approx(vis[code] / (6 * 21), abs=1e-12)
    info = json.loads((run / "dataset.json").read_text())
    assert stats["counts"]["category"] == info["categories"]
    assert stats["counts"]["side"] == {"right": 6} and stats["hand_size_px"]["amodal_area"]["count"] == 6
    sheet = tmp_path / "sheet.png"
    assert main(["preview", str(run), "--out", str(sheet), "--n", "4"]) == 0
    assert Image.open(sheet).size == sheet_size(4, 4, 160)


def test_same_command_gives_byte_identical_annotations_and_images(run, tmp_path):
    again = tmp_path / "b"
    assert main(["render", *ARGS, "--out", str(again)]) == 0
    assert _files(again) == _files(run)


def test_an_interrupted_run_resumes_to_the_same_bytes(run, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(run, partial)
    shutil.rmtree(partial / "shards" / "shard-000001")
    (partial / "dataset.json").unlink()
    (partial / "shards" / ".tmp-shard-dead01").mkdir()  # what a killed run leaves behind
    (partial / "shards" / ".tmp-shard-dead01" / "000004.rgb.png").write_bytes(b"half")
    assert main(["render", *ARGS, "--out", str(partial)]) == 0
    assert _files(partial) == _files(run)
    assert validate_dataset(partial).ok


def test_left_hands_and_a_config_file(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text(
        "n: 2\nseed: 1\nscene:\n  objects: orange\n  sides: [left]\n  width: 160\n  height: 120\n"
    )
    out = tmp_path / "left"
    assert main(["render", "--config", str(config), "--backend", "raster", "--out", str(out), "--quiet"]) == 0
    ds = Dataset(out)
    ann = ds.annotation(1)
    assert ann["hand"]["side"] == "left" and (ann["width"], ann["height"]) == (160, 120)
    assert validate_dataset(out).ok
    # Flags override the file, --set overrides flags.
    out2 = tmp_path / "left2"
    assert (
        main(
            [
                "render",
                "--config",
                str(config),
                "--out",
                str(out2),
                "--quiet",
                "--backend",
                "raster",
                "--n",
                "1",
                "--set",
                "scene.camera.presets=[egocentric]",
                "--set",
                "scene.camera.preset_weights=[1]",
                "--set",
                "scene.lights.count=3",
            ]
        )
        == 0
    )
    ann = Dataset(out2).annotation(0)
    assert ann["camera"]["preset"] == "egocentric" and len(ann["lights"]) == 3


def test_a_folder_of_background_images(tmp_path):
    folder = tmp_path / "bg"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for k in range(3):
        Image.fromarray(rng.integers(0, 255, (90, 120, 3), dtype=np.uint8)).save(folder / f"photo{k}.jpg")
    out = tmp_path / "run"
    assert (
        main(
            [
                "render",
                "--objects",
                "orange",
                "--n",
                "2",
                "--out",
                str(out),
                "--backgrounds",
                str(folder),
                "--backend",
                "raster",
                "--quiet",
            ]
        )
        == 0
    )
    ann = Dataset(out).annotation(0)
    assert ann["background"]["source"] == "folder" and ann["background"]["name"].startswith("photo")
    assert validate_dataset(out).ok


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--objects", "teapot"], "teapot"),
        (["--n", "0"], "n must be at least 1"),
        (["--shard-size", "0"], "shard_size"),
        (["--resolution", "big"], "--resolution"),
        (["--sides", "middle"], "sides"),
        (["--backend", "magic"], "magic"),
        (["--backgrounds", "/no/such/folder"], "/no/such/folder"),
        (["--set", "scene.camera.zoom=2"], "scene.camera.zoom"),
        (["--set", "scene.lights.count=many"], "scene.lights.count"),
        (["--config", "/no/such/config.yaml"], "/no/such/config.yaml"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, extra, message):
    out = tmp_path / "out"
    assert main(["render", "--objects", "orange", "--n", "2", "--out", str(out), "--quiet", *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not out.exists()


def test_empty_backgrounds_folder_and_foreign_or_different_output_are_refused(run, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    assert main(["render", "--n", "1", "--out", str(out), "--backgrounds", str(empty), "--quiet"]) == 2
    assert not out.exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    assert main(["render", "--n", "1", "--out", str(foreign), "--quiet"]) == 2
    assert sorted(p.name for p in foreign.iterdir()) == ["notes.txt"]
    before = _files(run)
    other_seed = [a if a != "3" else "4" for a in ARGS]
    capsys.readouterr()
    assert main(["render", *other_seed, "--out", str(run)]) == 2
    assert _files(run) == before
    err = capsys.readouterr().err.strip()
    assert err == (
        f"handsynth render: error: --out {run} holds a handsynth run with a different configuration "
        "(seed: 3 -> 4); give a new folder or the same options to resume"
    )


def test_console_script_exit_status(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "handsynth.cli", "render", "--n", "0", "--out", str(tmp_path / "x")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and result.stderr.startswith("handsynth render: error:")
