"""End-to-end tests of `handsynth grasp`, through ``handsynth.cli.main`` and the console script: the files
load and hold the grasps ``sample_grasp`` draws, runs are reproducible byte for byte, and a bad input is one
line on stderr, exit status 2 and nothing on disk."""

import contextlib
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import trimesh
from PIL import Image

from handsynth.cli import main
from handsynth.grasp import sample_grasp
from handsynth.objects.catalog import resolve_objects

ARGS = ["grasp", "--objects", "cylinder,sphere", "--n", "3", "--seed", "1"]
PLYS = [f"{k:04d}.{part}.ply" for k in range(3) for part in ("hand", "object")]
FILES = sorted([*PLYS, "grasps.jsonl", "contact_sheet.png"])
RECORD_KEYS = set(
    "id seed family category grasp_type feix feix_number subject side shape pose_deg T_object_hand quality "
    "object candidates rejected attempts files".split()
)
QUALITY_KEYS = set(
    "penetration_mm intersection_cm3 contact_fingers contact_vertices thumb_opposition "
    "self_penetration_mm".split()
)


def run_main(*args: str) -> tuple[int, str, str]:
    """``main([...])`` with stdout and stderr captured (usable from module-scoped fixtures)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(args))
        except SystemExit as exit_:  # argparse errors
            status = exit_.code
    return status, out.getvalue(), err.getvalue()


def records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "grasps.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def run_a(tmp_path_factory):
    """The reference command, run once through ``main``."""
    out = tmp_path_factory.mktemp("grasp") / "a"
    status, stdout, stderr = run_main(*ARGS, "--out", str(out))
    assert status == 0, stderr
    return out, stdout, stderr


def test_main_writes_the_files_and_a_summary(run_a):
    out, stdout, stderr = run_a
    assert sorted(p.name for p in out.iterdir()) == FILES  # no temporary files left behind
    (line,) = stdout.splitlines()
    assert line.startswith("3 grasps from ") and "acceptance" in line and line.endswith(str(out))
    assert "grasps/s" in stderr  # the progress bar
    with Image.open(out / "contact_sheet.png") as image:
        assert image.format == "PNG" and image.size == (3 * 244 + 4, 240 + 12 + 8)
        pixels = np.asarray(image.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200, "the contact sheet is (nearly) blank"


def test_files_hold_the_grasps_sample_grasp_draws(run_a, template):
    out = run_a[0]
    families = resolve_objects("cylinder,sphere")
    for k, record in enumerate(records(out)):
        assert set(record) == RECORD_KEYS and set(record["quality"]) == QUALITY_KEYS
        assert record["id"] == k and record["seed"] == 1 and record["side"] == "right"
        assert record["category"] in ("cylindrical", "spherical") and record["family"] in families
        assert record["files"] == {"hand": f"{k:04d}.hand.ply", "object": f"{k:04d}.object.ply"}
        assert record["candidates"] >= record["attempts"] >= 1
        grasp, stats = sample_grasp(1, k, families)
        assert (record["family"], record["grasp_type"], record["subject"]) == (
            grasp.object.family,
            grasp.grasp_type,
            grasp.subject.id,
        )
        assert record["candidates"] == stats.candidates and record["quality"] == grasp.quality.to_dict()
        np.testing.assert_allclose(record["T_object_hand"], grasp.T_object_hand, rtol=0, atol=1e-9)
        hand = trimesh.load(out / f"{k:04d}.hand.ply", process=False)
        posed = grasp.posed_hand()
        assert hand.vertices.shape == (len(template.vertices), 3)
        np.testing.assert_allclose(hand.vertices, posed.vertices, rtol=0, atol=1e-6)  # float32
        np.testing.assert_array_equal(hand.faces, posed.faces)
        assert hand.is_watertight and hand.visual.kind == "vertex"
        obj = trimesh.load(out / f"{k:04d}.object.ply", process=False)
        np.testing.assert_allclose(obj.vertices, grasp.object.vertices, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(obj.faces, grasp.object.faces)
        assert len(np.unique(obj.visual.vertex_colors, axis=0)) >= 1


def test_console_script_writes_byte_identical_files(run_a, tmp_path):
    script = Path(sys.executable).with_name("handsynth")
    result = subprocess.run(
        [str(script), *ARGS, "--out", str(tmp_path / "b")], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    for name in [*PLYS, "grasps.jsonl"]:
        assert (tmp_path / "b" / name).read_bytes() == (run_a[0] / name).read_bytes(), name


def test_rerun_overwrites_an_earlier_run(run_a, tmp_path):
    out = tmp_path / "again"
    shutil.copytree(run_a[0], out)
    status, _, stderr = run_main(*ARGS[:-4], "--n", "2", "--seed", "1", "--out", str(out))
    assert status == 0, stderr
    # Grasp k depends only on (seed, k): the shorter run is a prefix, and the third grasp's files are gone.
    assert sorted(p.name for p in out.iterdir()) == sorted([*PLYS[:4], "grasps.jsonl", "contact_sheet.png"])
    assert records(out) == records(run_a[0])[:2]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--objects", "banana"], "unknown object 'banana'"),
        (["--n", "0"], "--n must be at least 1, got 0"),
        (["--subjects", "f01,zz99"], "unknown subject 'zz99'"),
        (["--side", "up"], "unknown side 'up'"),
        (["--foreign"], "is not empty"),
    ],
)
def test_bad_input_is_one_line_status_2_and_nothing_written(tmp_path, args, message):
    out = tmp_path / "out"
    if args == ["--foreign"]:
        out.mkdir()
        (out / "notes.txt").write_text("mine\n")
        args = []
    status, stdout, stderr = run_main("grasp", "--n", "1", *args, "--out", str(out))
    assert status == 2 and stdout == ""
    (line,) = stderr.splitlines()
    assert line.startswith("handsynth grasp: error: ") and message in line
    assert sorted(p.name for p in tmp_path.rglob("*")) == (["notes.txt", "out"] if out.exists() else [])


def test_aliases_families_subjects_and_side(tmp_path):
    status, _, stderr = run_main("grasp", "--objects", "bar", "--n", "2", "--out", str(tmp_path / "bar"))
    assert status == 0, stderr
    assert {r["category"] for r in records(tmp_path / "bar")} == {"slender"}
    args = ["--objects", "mug,orange", "--n", "3", "--side", "left", "--subjects", "f02,m03"]
    status, _, stderr = run_main("grasp", *args, "--seed", "4", "--out", str(tmp_path / "left"))
    assert status == 0, stderr
    left = records(tmp_path / "left")
    assert len(left) == 3 and {r["family"] for r in left} <= {"mug", "orange"}
    assert {r["side"] for r in left} == {"left"} and {r["subject"] for r in left} <= {"f02", "m03"}


def test_manifest_meshes_join_the_families(tmp_path):
    mesh = tmp_path / "tin.obj"
    trimesh.creation.cylinder(radius=0.035, height=0.12, sections=48).export(mesh)
    digest = hashlib.sha256(mesh.read_bytes()).hexdigest()
    manifest = tmp_path / "manifest.yaml"
    entry = {
        "id": "tin",
        "kind": "object_mesh",
        "category": "cylindrical",
        "family": "tin",
        "url": f"file://{mesh}",
        "sha256": digest,
        "license": "CC0-1.0",
    }
    manifest.write_text(json.dumps({"version": 1, "assets": [entry]}))  # JSON is YAML
    status, _, stderr = run_main("grasp", "--objects", "tin", "--n", "1", "--out", str(tmp_path / "no"))
    assert status == 2 and "unknown object 'tin'" in stderr and not (tmp_path / "no").exists()
    args = ["--manifest", str(manifest), "--objects", "tin", "--n", "1"]
    status, _, stderr = run_main("grasp", *args, "--out", str(tmp_path / "out"))
    assert status == 0, stderr
    (record,) = records(tmp_path / "out")
    assert (record["family"], record["category"], record["object"]["source"]) == ("tin", "cylindrical", "tin")
