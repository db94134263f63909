"""Stability in the dataset: a render with ``scene.stability`` on writes ``grasp.stability`` into every
annotation, byte-identical when the same command runs again (PyBullet is deterministic here), ``validate``
accepts the block and refuses an inconsistent one, ``stats`` summarises it per grasp, and
``handsynth grasp --stability measure`` prints the figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("pybullet")

from handsynth.cli import main  # noqa: E402
from handsynth.dataset.checked import annotation_problem  # noqa: E402
from handsynth.grasp.stability import GRIP_BOUND_CM  # noqa: E402

pytestmark = pytest.mark.usefixtures("ray_session")

ARGS = ["--objects", "screwdriver", "--n", "3", "--shard-size", "3", "--seed", "4", "--backend", "raster"]
ARGS += ["--quiet", "--set", "scene.renders_per_grasp=2", "--set", "scene.stability=measure"]
KEYS = {
    "sim_displacement_cm",
    "sim_direction",
    "grip_displacement_cm",
    "grip_rotation_deg",
    "grip_worst_direction",
    "grip_squeeze_n",
    "grip_bound_cm",
    "grip_model",
    "grip_holds",
    "object_mass_kg",
}


def _annotations(root: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(root.rglob("annotations.jsonl")))


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("stability") / "a"
    assert main(["render", *ARGS, "--out", str(out)]) == 0
    return out


def test_annotations_carry_the_block(run):
    lines = [json.loads(line) for line in _annotations(run).decode().splitlines()]
    assert len(lines) == 3
    for a in lines:
        block = a["grasp"]["stability"]
        assert set(block) == KEYS
        assert block["grip_bound_cm"] == GRIP_BOUND_CM
        assert block["grip_holds"] == (block["grip_displacement_cm"] <= GRIP_BOUND_CM)
        assert block["object_mass_kg"] > 0 and block["sim_displacement_cm"] >= 0
    # Samples of one grasp (renders_per_grasp 2) share its figures.
    assert lines[0]["grasp"]["index"] == lines[1]["grasp"]["index"]
    assert lines[0]["grasp"]["stability"] == lines[1]["grasp"]["stability"]


def test_same_command_same_annotation_bytes(run, tmp_path):
    again = tmp_path / "b"
    assert main(["render", *ARGS, "--out", str(again)]) == 0
    assert _annotations(again) == _annotations(run)


def test_validate_accepts_and_stats_summarise(run, capsys):
    assert main(["validate", str(run)]) == 0
    capsys.readouterr()
    assert main(["stats", str(run), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    stability = stats["stability"]
    assert stability["grasps"] == 2  # grasps 0 and 1: samples 0-1 and 2
    assert stability["grip_displacement_cm"]["count"] == 2
    assert 0.0 <= stability["grip_hold_rate"] <= 1.0
    assert main(["stats", str(run)]) == 0
    assert "grasp stability in simulation (2 grasps)" in capsys.readouterr().out


def test_validate_refuses_a_damaged_block(run):
    a = json.loads(_annotations(run).decode().splitlines()[0])
    assert annotation_problem(a) is None
    block = a["grasp"]["stability"]
    damaged = [
        ({**block, "grip_holds": not block["grip_holds"]}, "says otherwise"),
        ({**block, "grip_displacement_cm": -1.0}, "grip_displacement_cm"),
        ({**block, "object_mass_kg": 0}, "object_mass_kg"),
        ({**block, "grip_holds": "yes"}, "grip_holds"),
        ({**block, "grip_model": "rigid"}, "grip_model"),
        ({**block, "sim_direction": "sideways"}, "sim_direction"),
        ({**block, "sim_direction": None}, "sim_direction"),  # a figure needs its direction
        ({**block, "sim_displacement_cm": None}, "sim_direction"),  # and a direction its figure
        ([1, 2], "not an object"),
    ]
    for bad, words in damaged:
        a["grasp"]["stability"] = bad
        problem = annotation_problem(a)
        assert problem is not None and words in problem and "\n" not in problem
    # Data made by the first grip protocol has no grip_model, and data whose literature figure is the
    # mean over all directions no sim_direction: still valid.
    a["grasp"]["stability"] = {k: v for k, v in block.items() if k not in ("grip_model", "sim_direction")}
    assert annotation_problem(a) is None
    a["grasp"]["stability"] = {**block, "sim_displacement_cm": None, "sim_direction": None}  # not run
    assert annotation_problem(a) is None


def test_the_validator_knows_the_grip_model_the_simulator_writes():
    from handsynth.dataset.checked import GRIP_MODELS
    from handsynth.grasp.stability import GRIP_MODEL

    assert GRIP_MODEL in GRIP_MODELS


def test_grasp_command_prints_the_figures(tmp_path, capsys):
    out = tmp_path / "grasps"
    args = ["grasp", "--objects", "screwdriver", "--n", "2", "--seed", "4", "--out", str(out)]
    assert main([*args, "--stability", "measure"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("stability (2 grasps): grip displacement cm mean ")
    assert f"held within {GRIP_BOUND_CM} cm" in lines[-1] and "literature displacement cm" in lines[-1]
    records = [json.loads(line) for line in (out / "grasps.jsonl").read_text().splitlines()]
    assert all(set(r["quality"]["stability"]) == KEYS for r in records)
    bad = tmp_path / "bad"
    assert main(["grasp", "--n", "1", "--out", str(bad), "--stability", "sometimes"]) == 2
    assert "unknown stability mode 'sometimes'; valid: none, measure, gate" in capsys.readouterr().err
    assert not bad.exists()


def test_render_stability_flag(tmp_path, capsys):
    """--stability none leaves the block out; a bad mode is one line, exit 2, nothing written."""
    args = ["render", "--objects", "screwdriver", "--n", "1", "--seed", "4", "--backend", "raster", "--quiet"]
    out = tmp_path / "none"
    assert main([*args, "--stability", "none", "--out", str(out)]) == 0
    line = (out / "shards" / "shard-000000" / "annotations.jsonl").read_text().splitlines()[0]
    assert "stability" not in json.loads(line)["grasp"]
    capsys.readouterr()
    bad = tmp_path / "bad"
    assert main([*args, "--stability", "sometimes", "--out", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "sometimes" in err[0] and "measure" in err[0]
    assert not bad.exists() or not any(bad.iterdir())
