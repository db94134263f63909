"""``handsynth blend``: the .blend of one sample of a dataset opens in Blender (bpy), holds the sample's
posed hand rig (a user can pose it) and renders; mistakes are one line and exit status 2."""

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("bpy")

from handsynth.cli import main  # noqa: E402

# Run in a fresh process: opening a file replaces the Blender session of the test process.
PROBE = """
import json, sys
import bpy
import numpy as np
bpy.ops.wm.open_mainfile(filepath=sys.argv[1])
scene = bpy.data.scenes[0]
armature = [o for o in scene.objects if o.type == "ARMATURE"][0]
skin = [o for o in scene.objects if o.name.endswith("_skin")][0]
def evaluated():
    depsgraph = bpy.context.evaluated_depsgraph_get()
    mesh = skin.evaluated_get(depsgraph).to_mesh()
    co = np.empty(3 * len(mesh.vertices), np.float32)
    mesh.vertices.foreach_get("co", co)
    m = np.array(skin.evaluated_get(depsgraph).matrix_world)
    return co.reshape(-1, 3) @ m[:3, :3].T + m[:3, 3]
before = evaluated()
np.save(sys.argv[2], before)
bone = armature.pose.bones["finger2-2"]
bone.rotation_mode = "XYZ"
bone.rotation_euler[0] += 0.5
moved = float(np.abs(evaluated() - before).max())
scene.render.filepath = sys.argv[3]
bpy.ops.render.render(write_still=True, scene=scene.name)
print("RESULT", json.dumps({"scenes": [s.name for s in bpy.data.scenes], "moved": moved,
                  "opened": [bpy.context.scene.name, bpy.context.view_layer.name],
                  "bones": [b.name for b in armature.data.bones],
                  "layers": {l.name: l.use for l in scene.view_layers},
                  "compositing": scene.render.use_compositing}))
"""


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("blend") / "run"
    args = ["--backend", "raster", "--n", "3", "--resolution", "64x48", "--sides", "left", "--quiet"]
    assert main(["render", *args, "--out", str(out)]) == 0
    return out


def test_blend_of_a_sample_holds_its_posed_rig_and_renders(dataset, tmp_path):
    from handsynth.config import load_yaml
    from handsynth.hand.shape import BONE_NAMES
    from handsynth.pipeline import RunContext

    blend = tmp_path / "sample-2.blend"
    assert main(["blend", str(dataset), "--index", "2", "--out", str(blend), "--quality", "draft"]) == 0
    assert blend.is_file() and not list(tmp_path.glob(".*tmp*"))
    picture = tmp_path / "user.png"
    cmd = [sys.executable, "-c", PROBE, str(blend), str(tmp_path / "skin.npy"), str(picture)]
    probe = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr[-2000:]
    found = json.loads([line for line in probe.stdout.splitlines() if line.startswith("RESULT ")][0][7:])
    assert found["scenes"] == ["handsynth"]  # this scene only, not the rest of the Blender session
    assert found["opened"] == ["handsynth", "color"]  # what a user sees on opening the file
    assert found["bones"] == list(BONE_NAMES)
    assert found["layers"] == {"color": True, "hand": True, "object": True}
    assert found["compositing"] is True  # the background under the transparent film
    assert found["moved"] > 0.005  # a bone rotated in the file moves the skin: the hand is posable
    from PIL import Image

    assert Image.open(picture).size == (64, 48)
    # The file's hand is the sample's: the skin the annotations come from, in the object frame.
    context = RunContext(load_yaml(dataset / "config.yaml"))
    try:
        spec = context.sampler.sample(2)
    finally:
        context.close()
    assert spec.grasp.grasp.side == "left"
    assert np.abs(np.load(tmp_path / "skin.npy") - spec.grasp.hand_vertices).max() < 1e-5


@pytest.mark.parametrize(
    "args, message",
    [
        (["--index", "3"], "--index must be in 0..2"),
        (["--index", "-1"], "--index must be in 0..2"),
        (["--index", "0", "--quality", "best"], "quality"),
        (["--index", "0", "--device", "tpu"], "device"),
    ],
)
def test_blend_mistakes_are_one_line_and_nothing_is_written(dataset, tmp_path, capsys, args, message):
    out = tmp_path / "x.blend"
    assert main(["blend", str(dataset), *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert list(tmp_path.iterdir()) == []


def test_blend_of_a_folder_that_is_no_dataset_or_a_wrong_suffix_is_refused(dataset, tmp_path, capsys):
    assert main(["blend", str(tmp_path), "--index", "0", "--out", str(tmp_path / "x.blend")]) == 2
    assert "is not a handsynth dataset" in capsys.readouterr().err
    assert main(["blend", str(dataset), "--index", "0", "--out", str(tmp_path / "x.png")]) == 2
    assert "must be a .blend file" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
