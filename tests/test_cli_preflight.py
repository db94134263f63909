"""Everything a user can get wrong is refused before the first byte is written: exit status 2, one line
``handsynth <cmd>: error: ...``, no ``--out``; and the corrected command then succeeds on the same --out.
Also: the manifest belongs to the run's configuration (resume, reproduce from config.yaml)."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import trimesh
import yaml
from PIL import Image

from handsynth.cli import main
from handsynth.dataset import validate_dataset

TINY = [
    "--backend",
    "raster",
    "--n",
    "2",
    "--resolution",
    "64",
    "--set",
    "scene.renders_per_grasp=2",
    "--quiet",
]


def refused(capsys, command: str, args: list[str], out: Path, *words: str) -> str:
    """Run ``handsynth command args --out out``; assert the one-line refusal and that nothing exists."""
    capsys.readouterr()
    assert main([command, *args, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"handsynth {command}: error: "), captured.err
    for word in words:
        assert word in lines[0], lines[0]
    assert not out.exists()
    return lines[0]


def succeeds(capsys, command: str, args: list[str], out: Path) -> None:
    capsys.readouterr()
    status = main([command, *args, "--out", str(out)])
    assert status == 0, capsys.readouterr().err
    if command == "render":
        report = validate_dataset(out)
        assert report.ok, report.format()


def _files(root: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file of a run but dataset.json (a timestamp) and the workers' logs."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "dataset.json" and p.relative_to(root).parts[0] != "logs"
    }


# --- bad names and values in --set / --config / flags -------------------------------------------------
CLEARANCE = "scene.camera.min_clearance_m"
RENDER_CASES = {
    "subject": (["--set", "scene.subjects=[f01, zz]"], ["unknown subject 'zz'", "scene.subjects", "m05"]),
    "object": (["--objects", "teapot"], ["unknown object 'teapot'", "orange"]),
    "side": (["--sides", "middle"], ["unknown side 'middle'", "right, left"]),
    "preset": (
        ["--set", "scene.camera.presets=[drone]", "--set", "scene.camera.preset_weights=[1]"],
        ["unknown camera preset 'drone'", "third_person, egocentric"],
    ),
    "backend": (["--backend", "magic"], ["unknown backend 'magic'", "render.backend", "valid: raster"]),
    "nan-weight": (["--set", "scene.camera.preset_weights=[.nan, 1]"], ["preset_weights", "finite", "nan"]),
    "inf-weight": (["--set", "scene.camera.preset_weights=[1, .inf]"], ["preset_weights", "finite", "inf"]),
    "no-lamps": (["--set", "scene.lights.count=0"], ["scene.lights.count must be 2..8, got 0"]),
    "9-lamps": (["--set", "scene.lights.count=9"], ["scene.lights.count must be 2..8, got 9"]),
    "depth": (["--set", "scene.camera.hand_fill=[0.02, 0.02]"], ["hand_fill", "6.5535 m", "at least 0.06"]),
    "clearance-10": (["--set", f"{CLEARANCE}=10"], [CLEARANCE, "4.9535"]),
    "no-camera": (["--set", f"{CLEARANCE}=2"], ["cannot sample a scene", "min_clearance_m 2 off"]),
}


@pytest.mark.parametrize(("bad", "words"), list(RENDER_CASES.values()), ids=list(RENDER_CASES))
def test_render_refuses_before_writing_then_the_corrected_command_runs(tmp_path, capsys, bad, words):
    out = tmp_path / "out"
    args = [*TINY, "--objects", "orange"]
    refused(capsys, "render", [*args, *bad], out, *words)
    succeeds(capsys, "render", args, out)


def test_a_bad_subject_in_a_config_file(tmp_path, capsys):
    config = tmp_path / "run.yaml"
    config.write_text("n: 2\nscene:\n  objects: orange\n  subjects: [f01, x99]\n  renders_per_grasp: 2\n")
    out = tmp_path / "out"
    args = ["--config", str(config), "--backend", "raster", "--resolution", "64", "--quiet"]
    refused(capsys, "render", args, out, "'x99'")
    config.write_text("n: 2\nscene:\n  objects: orange\n  subjects: [f01, m02]\n  renders_per_grasp: 2\n")
    succeeds(capsys, "render", args, out)


@pytest.mark.parametrize("flag", ["--config", "--manifest"])
def test_a_binary_config_or_manifest_is_one_line(tmp_path, capsys, flag):
    binary = tmp_path / "file.yaml"
    binary.write_bytes(bytes(range(256)) * 8)
    out = tmp_path / "out"
    refused(capsys, "render", [*TINY, "--objects", "orange", flag, str(binary)], out, str(binary), "UTF-8")
    succeeds(capsys, "render", [*TINY, "--objects", "orange"], out)


# --- background photos -----------------------------------------------------------------------------------
def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG that claims ``width`` x ``height`` grey pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * (width + 1) * 4)  # four rows of the claimed width
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def _good_folder(folder: Path) -> None:
    folder.mkdir()
    rng = np.random.default_rng(0)
    for k in range(3):
        Image.fromarray(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(folder / f"photo{k}.jpg")


@pytest.mark.parametrize("defect", ["corrupt", "truncated", "oversized", "bomb"])
def test_a_bad_background_photo_is_refused_before_writing(tmp_path, capsys, defect):
    folder = tmp_path / "bg"
    _good_folder(folder)
    bad = folder / ("z_bad.png" if defect in ("oversized", "bomb") else "z_bad.jpg")
    if defect == "corrupt":
        bad.write_bytes(np.random.default_rng(1).bytes(5000))
    elif defect == "truncated":
        whole = folder / "photo0.jpg"
        bad.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    elif defect == "oversized":  # 121 MP: over handsynth's 100 MP, under Pillow's own bomb guard
        _png_header_only(bad, 11_000, 11_000)
    else:  # 400 MP: Pillow's decompression-bomb guard
        _png_header_only(bad, 20_000, 20_000)
    out = tmp_path / "out"
    args = [*TINY, "--objects", "orange", "--backgrounds", str(folder)]
    with pytest.warns(Image.DecompressionBombWarning) if defect == "oversized" else _no_context():
        line = refused(capsys, "render", args, out, "z_bad.")
    assert "cannot read background image" in line or "megapixels" in line
    bad.unlink()
    succeeds(capsys, "render", args, out)


class _no_context:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --- the manifest belongs to the configuration -------------------------------------------------------------
def _manifest(tmp_path: Path, extents=None, name: str = "tin") -> Path:
    mesh = tmp_path / f"{name}.obj"
    if extents is None:
        trimesh.creation.cylinder(radius=0.035, height=0.12, sections=48).export(mesh)
        category = "cylindrical"
    else:
        trimesh.creation.box(extents=extents).export(mesh)
        category = "cubical"
    entry = {
        "id": name,
        "kind": "object_mesh",
        "category": category,
        "family": name,
        "url": f"file://{mesh}",
        "sha256": hashlib.sha256(mesh.read_bytes()).hexdigest(),
        "license": "CC0-1.0",
    }
    manifest = tmp_path / f"{name}-manifest.yaml"
    manifest.write_text(json.dumps({"version": 1, "assets": [entry]}))
    return manifest


@pytest.fixture(scope="module")
def tin_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("tin")
    manifest = _manifest(root)
    out = root / "run"
    args = [*TINY, "--objects", "tin", "--manifest", str(manifest)]
    assert main(["render", *args, "--out", str(out)]) == 0
    return root, manifest, out, args


def test_the_manifest_path_and_sha256_are_in_config_yaml(tin_run):
    root, manifest, out, _ = tin_run
    stored = yaml.safe_load((out / "config.yaml").read_text())
    assert stored["manifest"] == {
        "path": str(manifest.resolve()),
        "sha256": hashlib.sha256(manifest.read_bytes()).hexdigest(),
    }
    assert json.loads((out / "dataset.json").read_text())["categories"] == {"cylindrical": 2}


def test_config_yaml_alone_reproduces_a_run_that_used_a_manifest(tin_run, tmp_path, capsys):
    _, _, out, _ = tin_run
    again = tmp_path / "again"
    succeeds(capsys, "render", ["--config", str(out / "config.yaml"), "--quiet"], again)
    assert _files(again) == _files(out)


def test_resume_with_a_changed_manifest_names_the_key(tmp_path, capsys):
    manifest = _manifest(tmp_path)
    out = tmp_path / "run"
    args = [*TINY, "--objects", "tin", "--manifest", str(manifest)]
    succeeds(capsys, "render", args, out)
    (out / "dataset.json").unlink()
    before = _files(out)
    manifest.write_text(manifest.read_text() + "\n# edited in place\n")
    capsys.readouterr()
    assert main(["render", *args, "--out", str(out)]) == 2
    line = capsys.readouterr().err.strip()
    assert len(line.splitlines()) == 1 and "different configuration (manifest.sha256: '" in line, line
    assert "manifest.path" not in line
    assert _files(out) == before


def test_config_yaml_of_a_run_whose_manifest_changed_is_refused(tin_run, tmp_path, capsys):
    root, manifest, out, _ = tin_run
    config = yaml.safe_load((out / "config.yaml").read_text())
    moved = tmp_path / "manifest.yaml"
    moved.write_text(manifest.read_text() + "\n# edited\n")
    config["manifest"]["path"] = str(moved)
    pinned = tmp_path / "config.yaml"
    pinned.write_text(yaml.safe_dump(config))
    refused(
        capsys,
        "render",
        ["--config", str(pinned), "--quiet"],
        tmp_path / "o",
        "has changed",
        "manifest.sha256",
    )


def test_a_mesh_whose_sha256_differs_from_the_manifest_is_refused(tmp_path, capsys):
    manifest = _manifest(tmp_path)
    data = json.loads(manifest.read_text())
    good = data["assets"][0]["sha256"]
    data["assets"][0]["sha256"] = "0" * 64
    manifest.write_text(json.dumps(data))
    out = tmp_path / "out"
    args = [*TINY, "--objects", "orange", "--manifest", str(manifest)]  # even when tin is not drawn
    refused(capsys, "render", args, out, "sha256 mismatch", "'tin'")
    data["assets"][0]["sha256"] = good
    manifest.write_text(json.dumps(data))
    succeeds(capsys, "render", args, out)


@pytest.mark.parametrize("command", ["render", "grasp"])
def test_an_ungraspable_user_mesh_is_one_line_naming_its_family(tmp_path, capsys, command):
    crate = _manifest(tmp_path, extents=(0.5, 0.5, 0.5), name="crate")
    args = [*TINY] if command == "render" else ["--n", "1"]
    out = tmp_path / "out"
    refused(capsys, command, [*args, "--objects", "crate,orange", "--manifest", str(crate)], out, "'crate'")
    succeeds(capsys, command, [*args, "--objects", "orange", "--manifest", str(crate)], out)


# --- hand and grasp ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("command", "args", "words"),
    [
        ("hand", ["--seed", "-1"], ["--seed", "-1"]),
        ("hand", ["--subject", "zz"], ["unknown subject 'zz'", "f01"]),
        ("hand", ["--pose", "zz"], ["unknown pose 'zz'", "relaxed"]),
        ("grasp", ["--objects", "orange", "--n", "1", "--seed", "-1"], ["--seed", "-1"]),
        ("grasp", ["--objects", "orange", "--n", "1", "--subjects", "zz"], ["unknown subject 'zz'"]),
    ],
)
def test_hand_and_grasp_refuse_before_writing(tmp_path, capsys, command, args, words):
    out = tmp_path / "out"
    refused(capsys, command, args, out, *words)
    fixed = [a for a in args if a not in ("-1", "zz", "--seed", "--subject", "--pose", "--subjects")]
    succeeds(capsys, command, fixed, out)


@pytest.mark.parametrize("command", ["render", "grasp"])
def test_an_ungraspable_object_after_the_pre_flight_is_still_one_line(tmp_path, capsys, monkeypatch, command):
    """Grasp 1 fails (as an unlucky user mesh could): exit 2 and one line naming the family, no traceback."""
    import handsynth.grasp
    import handsynth.scene.grasps
    from handsynth.errors import UngraspableError

    real = handsynth.grasp.sample_grasp

    def failing(seed, index, families, *args, **kwargs):
        if index >= 1:
            raise UngraspableError("test", families)
        return real(seed, index, families, *args, **kwargs)

    monkeypatch.setattr(handsynth.grasp, "sample_grasp", failing)
    monkeypatch.setattr(handsynth.scene.grasps, "sample_grasp", failing)
    args = ["--backend", "raster", "--n", "4", "--resolution", "64", "--set", "scene.renders_per_grasp=2"]
    args.append("--quiet")
    capsys.readouterr()
    assert (
        main(
            [
                command,
                *(args if command == "render" else ["--n", "2"]),
                "--objects",
                "orange",
                "--out",
                str(tmp_path / "out"),
            ]
        )
        == 2
    )
    lines = capsys.readouterr().err.splitlines()
    if command == "grasp":  # grasp draws a progress bar (no --quiet); the error is its last line
        lines = [line for line in lines if "grasps:" not in line and line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"handsynth {command}: error: no grasp could be"), lines
    assert "'orange'" in lines[0] and "Traceback" not in lines[0]


def test_an_open_mesh_in_the_manifest_is_refused_before_writing(tmp_path, capsys):
    """Every mesh is loaded as a closed solid up front, even of a family the run does not select."""
    manifest = _manifest(tmp_path)
    mesh = trimesh.creation.cylinder(radius=0.035, height=0.12, sections=48)
    mesh.update_faces(np.arange(len(mesh.faces)) != 0)  # one triangle missing: not watertight
    mesh.export(tmp_path / "tin.obj")
    data = json.loads(manifest.read_text())
    good = data["assets"][0]["sha256"]
    data["assets"][0]["sha256"] = hashlib.sha256((tmp_path / "tin.obj").read_bytes()).hexdigest()
    manifest.write_text(json.dumps(data))
    out = tmp_path / "out"
    args = [*TINY, "--objects", "orange", "--manifest", str(manifest)]
    refused(capsys, "render", args, out, "'tin'", "not watertight")
    _manifest(tmp_path)  # the closed mesh again
    assert json.loads(manifest.read_text())["assets"][0]["sha256"] == good
    succeeds(capsys, "render", args, out)


@pytest.mark.parametrize(
    ("flag", "value", "valid"),
    [("--quality", "ultra", "draft, standard, final"), ("--device", "tpu", "auto, cpu, gpu")],
)
def test_bad_quality_or_device_is_one_line_listing_the_valid_values(tmp_path, capsys, flag, value, valid):
    name = flag.removeprefix("--")
    args = [*TINY, "--backend", "cycles", flag, value]
    refused(capsys, "render", args, tmp_path / "out", f"unknown {name} '{value}'", f"render.{name}", valid)


def test_an_object_whose_grasps_never_hold_names_the_gate():
    from handsynth.errors import UngraspableError
    from handsynth.preflight import ungraspable_message

    shape = ungraspable_message(UngraspableError("x", ("crate",), {"placement": 40}))
    assert "'crate'" in shape and "scale and shape" in shape
    grip = ungraspable_message(UngraspableError("x", ("crate",), {"placement": 30, "grip": 10}))
    assert "'crate'" in grip and "held in the grip simulation" in grip and "scene.stability=measure" in grip
