"""End-to-end tests of `handsynth hand`, as a subprocess and through ``handsynth.cli.main``: the files it
writes load and match the rig, and a bad name is one line on stderr, exit status 2 and nothing on disk."""

import json
import subprocess
import sys

import numpy as np
import pytest
import trimesh
from PIL import Image

from handsynth.cli import main
from handsynth.conventions import JOINT_NAMES, NUM_JOINTS
from handsynth.hand import NAMED_POSES, SIDES, SUBJECTS, HandPose, HandShape, named_pose, subject_from_seed

FILES = ("hand.obj", "hand.glb", "joints.json", "hand.png")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "handsynth.cli", "hand", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def f03_fist(tmp_path_factory):
    """`handsynth hand --subject f03 --pose fist --side right` run once as a subprocess."""
    out = tmp_path_factory.mktemp("cli") / "f03-fist"
    result = run_cli("--subject", "f03", "--pose", "fist", "--side", "right", "--out", str(out))
    return out, result


def check_hand_files(out, posed, template):
    """The four files exist (and nothing else), load, and hold the given posed hand."""
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)  # no temporary files left behind
    n_vertices, n_faces = len(template.vertices), len(template.faces)
    obj = trimesh.load(out / "hand.obj", process=False)
    assert isinstance(obj, trimesh.Trimesh)
    assert obj.vertices.shape == (n_vertices, 3) and obj.faces.shape == (n_faces, 3)
    np.testing.assert_allclose(obj.vertices, posed.vertices, rtol=0, atol=1e-7)
    np.testing.assert_array_equal(obj.faces, posed.faces)
    glb = trimesh.load(out / "hand.glb", force="mesh", process=False)
    assert glb.vertices.shape == (n_vertices, 3) and glb.faces.shape == (n_faces, 3)
    np.testing.assert_allclose(glb.vertices, posed.vertices, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(glb.faces, posed.faces)
    assert glb.is_watertight and glb.volume > 0
    with Image.open(out / "hand.png") as image:
        assert image.width >= 64 and image.height >= 64
        pixels = np.asarray(image.convert("RGB"))
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50, "the picture is (nearly) blank"
    assert pixels.std() > 10.0
    record = json.loads((out / "joints.json").read_text())
    assert record["joint_names"] == list(JOINT_NAMES)
    joints = np.array(record["joints"])
    assert joints.shape == (NUM_JOINTS, 3)
    np.testing.assert_allclose(joints, posed.joints, rtol=0, atol=1e-6)
    return record


def test_subprocess_writes_loadable_files_of_the_asked_hand(f03_fist, make_rig, template):
    out, result = f03_fist
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(out / name) for name in FILES]
    rig = make_rig(SUBJECTS["f03"].shape, "right")
    record = check_hand_files(out, rig.pose(named_pose("fist")), template)
    assert (record["subject"], record["side"], record["pose_name"]) == ("f03", "right", "fist")
    assert record["pose_deg"] == named_pose("fist").to_degrees()
    assert HandShape.from_dict(record["shape"]) == SUBJECTS["f03"].shape


def test_main_writes_a_random_left_hand_reproducibly(tmp_path, make_rig, template, capsys):
    args = ["hand", "--subject", "random-5", "--pose", "random", "--side", "left", "--seed", "11"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / "a" / name) for name in FILES]
    record = json.loads((tmp_path / "a" / "joints.json").read_text())
    shape = HandShape.from_dict(record["shape"])
    assert shape == subject_from_seed(11, 5).shape and record["subject"] == "random-5"
    assert record["side"] == "left" and record["pose_name"] == "random"
    pose = HandPose.from_degrees(record["pose_deg"])
    check_hand_files(tmp_path / "a", make_rig(shape, "left").pose(pose), template)
    # Same seed, same files; another seed, another hand.
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    for name in ("hand.obj", "joints.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert main([*args[:-1], "12", "--out", str(tmp_path / "c")]) == 0
    other = json.loads((tmp_path / "c" / "joints.json").read_text())
    assert other["pose_deg"] != record["pose_deg"] and other["shape"] != record["shape"]


BAD_NAMES = [
    pytest.param("--subject", "z99", list(SUBJECTS), id="subject"),
    pytest.param("--pose", "wave", list(NAMED_POSES), id="pose"),
    pytest.param("--side", "middle", list(SIDES), id="side"),
]


def check_refusal(status, stdout, stderr, value, choices, out):
    assert status == 2
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert value in lines[0]
    missing = [c for c in choices if c not in lines[0]]
    assert not missing, f"valid choices not listed: {missing}"
    assert not out.exists()


@pytest.mark.parametrize("flag, value, choices", BAD_NAMES)
def test_subprocess_refuses_a_bad_name_writing_nothing(tmp_path, flag, value, choices):
    out = tmp_path / "never"
    result = run_cli(flag, value, "--out", str(out))
    check_refusal(result.returncode, result.stdout, result.stderr, value, choices, out)


@pytest.mark.parametrize("flag, value, choices", BAD_NAMES)
def test_main_refuses_a_bad_name_writing_nothing(tmp_path, capsys, flag, value, choices):
    out = tmp_path / "nested" / "never"
    status = main(["hand", flag, value, "--out", str(out)])
    captured = capsys.readouterr()
    check_refusal(status, captured.out, captured.err, value, choices, out)
    assert not out.parent.exists()


def test_main_refuses_an_out_path_that_is_a_file(tmp_path, capsys):
    target = tmp_path / "hand"
    target.write_text("keep me")
    assert main(["hand", "--subject", "m01", "--pose", "flat", "--out", str(target)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1 and str(target) in captured.err
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hand"]
