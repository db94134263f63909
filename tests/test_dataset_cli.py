"""``handsynth validate``, ``stats`` and ``preview`` on fake datasets, and the statistics they print."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from test_dataset import WIDTH, make_dataset

from handsynth.cli import main
from handsynth.conventions import OBJECT_CATEGORIES
from handsynth.dataset import Dataset, dataset_stats, format_stats, preview_sheet
from handsynth.dataset.preview import PANELS, colorize_depth, pick_ids, sheet_size


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("cli") / "data", num_samples=10, shard_size=4)


def test_validate_exit_codes(dataset, tmp_path, capsys):
    assert main(["validate", str(dataset)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["check", "checked", "failed"] and "OK: " in out

    broken = Path(shutil.copytree(dataset, tmp_path / "broken"))
    (broken / "shards" / "shard-000000" / "000001.seg.png").unlink()
    assert main(["validate", str(broken)]) == 1
    assert "INVALID" in capsys.readouterr().out

    assert main(["validate", str(tmp_path / "nothing")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("handsynth validate: error: ") and len(err.strip().splitlines()) == 1


def test_validate_in_a_subprocess(dataset):
    result = subprocess.run(
        [sys.executable, "-m", "handsynth.cli", "validate", str(dataset)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: " in result.stdout and result.stderr == ""


def test_stats_counts_and_rates(dataset):
    stats = dataset_stats(dataset)
    annotations = list(Dataset(dataset).iter_annotations())
    assert stats["num_samples"] == 10 and stats["num_shards"] == 3
    assert sum(stats["counts"]["category"].values()) == 10
    assert set(stats["counts"]["category"]) == set(OBJECT_CATEGORIES)
    assert stats["counts"]["side"] == {"left": 5, "right": 5}
    vis = np.array([a["hand"]["joints_vis"] for a in annotations])
    overall = stats["visibility"]["overall"]
    assert overall["visible"] == pytest.approx((vis == 2).mean())
    assert overall["outside"] == pytest.approx((vis == 0).mean())
    assert sum(overall.values()) == pytest.approx(1.0)
    assert stats["visibility"]["thumb"]["visible"] == pytest.approx((vis[:, 1:5] == 2).mean())
    assert stats["visibility"]["samples_with_occluded_joint"] == pytest.approx((vis == 1).any(axis=1).mean())
    assert sum(stats["viewpoint"]["azimuth_histogram"].values()) == 10
    assert stats["viewpoint"]["distance_source"] == "camera"
    penetration = [a["grasp"]["penetration_mm"] for a in annotations]
    assert stats["penetration_mm"]["p50"] == pytest.approx(np.percentile(penetration, 50))
    # Occlusion and hand size recomputed here from the masks, sample by sample.
    samples = [Dataset(dataset).load(a["id"]) for a in annotations]
    amodal = [s["hand_amodal"] for s in samples]
    hidden = [(m & (s["seg"] != 1)).sum() / m.sum() for m, s in zip(amodal, samples, strict=True) if m.any()]
    by_object = [
        (m & (s["seg"] == 2)).sum() / m.sum() for m, s in zip(amodal, samples, strict=True) if m.any()
    ]
    occlusion = stats["occlusion"]
    assert occlusion["hand_hidden_fraction"]["mean"] == pytest.approx(np.mean(hidden))
    assert occlusion["hand_hidden_fraction"]["p95"] == pytest.approx(np.percentile(hidden, 95))
    assert occlusion["hand_hidden_by_object_fraction"]["mean"] == pytest.approx(np.mean(by_object))
    assert stats["hand_size_px"]["amodal_area"]["mean"] == pytest.approx(np.mean([m.sum() for m in amodal]))
    rows_cols = [(np.flatnonzero(m.any(1)), np.flatnonzero(m.any(0))) for m in amodal]
    diagonals = [np.hypot(c[-1] - c[0] + 1, r[-1] - r[0] + 1) if r.size else 0.0 for r, c in rows_cols]
    assert stats["hand_size_px"]["amodal_bbox_diagonal"]["p50"] == pytest.approx(np.median(diagonals))


def test_stats_without_camera_uses_joint_depth(dataset, tmp_path):
    copy = Path(shutil.copytree(dataset, tmp_path / "data"))
    for path in (copy / "shards").glob("*/annotations.jsonl"):
        lines = [json.loads(line) for line in path.read_text().splitlines()]
        for annotation in lines:
            del annotation["camera"]
        path.write_text("".join(json.dumps(annotation) + "\n" for annotation in lines))
    stats = dataset_stats(copy)
    assert stats["viewpoint"]["distance_source"] == "mean joint depth"
    assert stats["viewpoint"]["elevation_deg"] is None
    assert sum(stats["viewpoint"]["azimuth_histogram"].values()) == 0
    assert 0.3 < stats["viewpoint"]["distance_m"]["mean"] < 0.6
    assert "elevation deg  n/a" in format_stats(stats)


def test_stats_cli_text_and_json(dataset, capsys):
    assert main(["stats", str(dataset)]) == 0
    text = capsys.readouterr().out
    for heading in (
        "category:",
        "grasp type:",
        "joint visibility:",
        "occlusion",
        "viewpoint:",
        "penetration",
    ):
        assert heading in text
    assert main(["stats", str(dataset), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(dataset_stats(dataset)))


def test_preview_writes_a_sheet_of_the_expected_size(dataset, tmp_path, capsys):
    out = tmp_path / "sheet.png"
    assert (
        main(["preview", str(dataset), "--out", str(out), "--n", "6", "--seed", "3", "--columns", "4"]) == 0
    )
    with Image.open(out) as image:
        assert image.mode == "RGB"
        assert image.size == sheet_size(6, 4, 160) == (4 * (4 * 160 + 3 * 2 + 8) + 8, 2 * (14 + 160 + 8) + 8)
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.png"]
    assert main(["preview", str(dataset), "--out", str(tmp_path / "no" / "x.png")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_preview_is_deterministic_and_draws_the_skeleton(dataset, tmp_path):
    a = preview_sheet(dataset, tmp_path / "a.png", n=3, seed=1, columns=3, tile_px=WIDTH)
    preview_sheet(dataset, tmp_path / "b.png", n=3, seed=1, columns=3, tile_px=WIDTH)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert a.size == sheet_size(3, 3, WIDTH) and len(PANELS) == 4
    pixels = np.asarray(a)
    assert ((pixels == (40, 220, 40)).all(axis=-1)).sum() > 10  # visible joints are drawn green


def test_pick_ids_and_depth_colours():
    ids = list(range(100))
    assert pick_ids(ids, 5, seed=None) == [0, 25, 50, 74, 99]
    picked = pick_ids(ids, 5, seed=0)
    assert picked == sorted(picked) and len(set(picked)) == 5 and picked == pick_ids(ids, 5, seed=0)
    assert pick_ids(ids[:3], 16, seed=0) == [0, 1, 2]
    rgb = colorize_depth(np.array([[0.0, 0.4, 0.5]]))
    assert rgb[0, 0].tolist() == [0, 0, 0] and rgb[0, 1].sum() > rgb[0, 2].sum()  # near is brighter
