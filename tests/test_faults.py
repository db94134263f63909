"""Faults and bad input: damaged shards on resume, the output lock, disk full, a read-only --out, Ctrl-C,
damaged datasets under stats and preview, preview bounds, start-up memory for a huge --n."""

import errno
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from test_dataset import HEIGHT, WIDTH, make_dataset

from handsynth.cli import main
from handsynth.dataset import validate_dataset
from handsynth.dataset.integrity import ShardDamaged, verify_shard
from handsynth.dataset.lock import LOCK_NAME, OutputLock
from handsynth.dataset.preview import MAX_TILE_PX

# In-process renders share one local Ray (conftest.py) instead of starting one each.
pytestmark = pytest.mark.usefixtures("ray_session")

ARGS = [
    "--n",
    "4",
    "--shard-size",
    "2",
    "--resolution",
    "64",
    "--set",
    "scene.renders_per_grasp=4",
    "--backend",
    "raster",
    "--quiet",
]
REPO = Path(__file__).resolve().parents[1]


def _files(root: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file of a run except dataset.json (it holds a timestamp) and the
    Ray workers' logs."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "dataset.json" and p.relative_to(root).parts[0] != "logs"
    }


def _render(out: Path, *extra: str) -> int:
    return main(["render", *ARGS, *extra, "--out", str(out)])


def _one_error_line(capsys, *needles: str) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("handsynth ") and ": error: " in err, err
    for needle in needles:
        assert needle in err, err
    return err


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def _mount_tmpfs(path: Path, options: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")


def _umount(path: Path) -> None:
    """Unmount, retrying for a few seconds: the kernel may still be tearing down a Ray worker that wrote
    there (it is dead and holds no file, yet the mount reads busy for a moment)."""
    deadline = time.monotonic() + 10
    while subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        if time.monotonic() > deadline:
            subprocess.run(["umount", str(path)], check=False)
            return
        time.sleep(0.1)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    """An uninterrupted run of ARGS: the bytes every resumed run must reproduce."""
    out = tmp_path_factory.mktemp("clean") / "run"
    assert _render(out) == 0
    assert validate_dataset(out).ok and not (out / LOCK_NAME).exists()
    return out


# --- resume verifies complete shards -------------------------------------------------------------------
def _flip_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


DAMAGE = {
    "deleted png": (lambda s: (s / "000002.rgb.png").unlink(), "000002.rgb.png is missing"),
    "truncated png": (lambda s: _truncate(s / "000003.depth.png"), "000003.depth.png does not match"),
    "bit-flipped png": (lambda s: _flip_bit(s / "000002.seg.png"), "000002.seg.png does not match"),
    "annotations line not json": (
        lambda s: (s / "annotations.jsonl").write_text('{"id": 2,\n{"id": 3}\n'),
        "annotations.jsonl",
    ),
    "annotations bit flipped": (lambda s: _flip_bit(s / "annotations.jsonl"), "annotations.jsonl"),
    "shard.json garbage": (lambda s: (s / "shard.json").write_bytes(b"\x00\xff{"), "shard.json is not valid"),
    "shard.json missing": (lambda s: (s / "shard.json").unlink(), "shard.json is missing"),
    "shard.json wrong count": (
        lambda s: (s / "shard.json").write_text(
            json.dumps({**json.loads((s / "shard.json").read_text()), "num_samples": 3})
        ),
        "expected 2",
    ),
    "a file instead of the folder": (
        lambda s: (shutil.rmtree(s), s.write_bytes(b"not a shard")),
        "shard-000001 is not a folder",
    ),
    "extra file": (lambda s: (s / "000009.rgb.png").write_bytes(b"x"), "unexpected file 000009.rgb.png"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_resume_renders_a_damaged_shard_again(clean, tmp_path, caplog, damage):
    run = Path(shutil.copytree(clean, tmp_path / "run"))
    shard = run / "shards" / "shard-000001"
    damage_shard, reason = DAMAGE[damage]
    damage_shard(shard)
    if shard.is_dir():
        with pytest.raises(ShardDamaged, match=reason.split()[0]):
            verify_shard(shard, 1, range(2, 4), 4)
    with caplog.at_level(logging.INFO):
        assert _render(run) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "shard-000001" in warnings[0] and reason in warnings[0], warnings
    assert _files(run) == _files(clean)
    assert validate_dataset(run).ok
    assert verify_shard(shard, 1, range(2, 4), 4)["num_samples"] == 2


def test_an_intact_run_verifies_and_renders_nothing(clean, tmp_path, capsys, caplog):
    run = Path(shutil.copytree(clean, tmp_path / "run"))
    with caplog.at_level(logging.INFO):
        assert _render(run) == 0
    assert "nothing left to render" in capsys.readouterr().out
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert _files(run) == _files(clean)


# --- the output lock -----------------------------------------------------------------------------------
def _partial_copy(clean: Path, tmp_path: Path) -> Path:
    run = Path(shutil.copytree(clean, tmp_path / "run"))
    shutil.rmtree(run / "shards" / "shard-000001")
    (run / "dataset.json").unlink()
    (run / "shards" / ".tmp-shard-other").mkdir()  # a shard the lock holder is writing
    return run


def test_a_second_run_is_refused_while_a_live_run_holds_the_lock(clean, tmp_path, capsys):
    run = _partial_copy(clean, tmp_path)
    with OutputLock(run):
        before = _files(run)
        lock_bytes = (run / LOCK_NAME).read_bytes()
        assert _render(run) == 2
        _one_error_line(capsys, str(run), f"pid {os.getpid()}", "in use")
        assert _files(run) == before and (run / "shards" / ".tmp-shard-other").is_dir()
        assert (run / LOCK_NAME).read_bytes() == lock_bytes
    assert not (run / LOCK_NAME).exists()
    assert _render(run) == 0 and _files(run) == _files(clean)


def test_a_lock_without_flock_is_held_while_its_pid_lives(clean, tmp_path, capsys):
    run = _partial_copy(clean, tmp_path)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        owner = {"host": socket.gethostname(), "pid": sleeper.pid, "started": "now", "flock": False}
        (run / LOCK_NAME).write_text(json.dumps(owner))
        assert _render(run) == 2
        _one_error_line(capsys, f"pid {sleeper.pid}")
        assert (run / "shards" / ".tmp-shard-other").is_dir()
    finally:
        sleeper.kill()
        sleeper.wait()
    # The same lock file once its process is gone: stale, taken over.
    assert _render(run) == 0 and _files(run) == _files(clean)


@pytest.mark.parametrize("flock", [True, False])
def test_a_stale_lock_is_taken_over_with_a_log_line(clean, tmp_path, caplog, flock):
    run = _partial_copy(clean, tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owner = {"host": socket.gethostname(), "pid": dead.pid, "started": "then", "flock": flock}
    (run / LOCK_NAME).write_text(json.dumps(owner))
    with caplog.at_level(logging.INFO):
        assert _render(run) == 0
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("stale lock" in m and f"pid {dead.pid}" in m for m in messages), messages
    assert not (run / LOCK_NAME).exists()
    assert _files(run) == _files(clean) and validate_dataset(run).ok


def test_a_folder_holding_only_a_stale_lock_is_a_new_run(clean, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    owner = {"host": socket.gethostname(), "pid": dead.pid, "started": "then", "flock": True}
    (run / LOCK_NAME).write_text(json.dumps(owner))
    assert _render(run) == 0 and _files(run) == _files(clean)


def test_two_runs_started_together_on_one_folder_never_mix(clean, tmp_path):
    out = tmp_path / "run"
    first, second = _start_render(out, 4), _start_render(out, 4)
    results = [(p.wait(timeout=120), p.communicate()[1]) for p in (first, second)]
    codes = sorted(code for code, _ in results)
    assert codes in ([0, 2], [0, 0]), results  # [0, 0]: the second began after the first had finished
    for code, stderr in results:
        if code == 2:
            assert len(stderr.strip().splitlines()) == 1 and "is in use by a run of pid" in stderr, stderr
    assert _files(out) == _files(clean) and not (out / LOCK_NAME).exists()


def test_a_lock_of_another_host_is_refused_with_how_to_remove_it(clean, tmp_path, capsys):
    run = _partial_copy(clean, tmp_path)
    owner = {"host": "elsewhere.example", "pid": 1, "started": "then", "flock": True}
    (run / LOCK_NAME).write_text(json.dumps(owner))
    before = _files(run)
    assert _render(run) == 2
    _one_error_line(capsys, "elsewhere.example", f"remove {run / LOCK_NAME}")
    assert _files(run) == before


def test_the_lock_file_does_not_confuse_validate_or_stats(clean, tmp_path, capsys):
    run = Path(shutil.copytree(clean, tmp_path / "run"))
    with OutputLock(run):
        assert validate_dataset(run).ok
        assert main(["stats", str(run), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["num_samples"] == 4


# --- the machine's faults: disk full, read-only, Ctrl-C -------------------------------------------------
PAGE = os.sysconf("SC_PAGESIZE")  # tmpfs counts whole pages


def _blocks(path: Path) -> int:
    return sum(-(-p.stat().st_size // PAGE) * PAGE for p in path.rglob("*") if p.is_file())


def test_disk_full_is_one_line_and_the_rerun_resumes_to_the_same_bytes(clean, tmp_path, capsys):
    mount = tmp_path / "small"
    # Room for config.yaml and the first shard, not for the second.
    room = _blocks(clean / "shards" / "shard-000000") + PAGE * 4
    _mount_tmpfs(mount, f"size={room}")
    try:
        run = mount / "run"
        assert _render(run) == 2
        _one_error_line(capsys, "No space left on device", str(run / "shards"), "resume")
        assert not (run / "dataset.json").exists() and not (run / LOCK_NAME).exists()
        left = sorted(p.name for p in (run / "shards").iterdir())
        # Complete shards only (two workers fill the disk at once: one of them, or none); no temp shard.
        assert left in ([], ["shard-000000"], ["shard-000001"]), left
        for name in left:
            index = int(name[-1])
            verify_shard(run / "shards" / name, index, range(2 * index, 2 * index + 2), 4)
        subprocess.run(["mount", "-o", "remount,size=4m", str(mount)], check=True)
        assert _render(run) == 0
        assert _files(run) == _files(clean) and validate_dataset(run).ok
    finally:
        _umount(mount)


def test_a_read_only_out_is_one_line(tmp_path, capsys):
    mount = tmp_path / "ro"
    _mount_tmpfs(mount, "ro,size=1m")
    try:
        assert _render(mount / "run") == 2
        _one_error_line(capsys, str(mount / "run"), "Read-only file system")
    finally:
        _umount(mount)


def _start_render(out: Path, n: int) -> subprocess.Popen:
    args = ["--n", str(n), *ARGS[2:]]
    command = [sys.executable, "-m", "handsynth", "render", *args, "--out", str(out)]
    return subprocess.Popen(
        command,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    """A child of a background job inherits an ignored SIGINT; give it the default, as a terminal would."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for(path: Path, process: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_ctrl_c_is_one_line_exit_130_and_the_same_command_completes(tmp_path, capsys):
    out = tmp_path / "run"
    process = _start_render(out, 16)
    try:
        _wait_for(out / "shards" / "shard-000000", process)
        # A second run on the same folder while the first one runs: refused, nothing touched.
        assert _render(out, "--n", "16") == 2
        _one_error_line(capsys, "in use", f"pid {process.pid}")
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert stderr.strip() == "handsynth render: interrupted; run the same command to resume", stderr
    assert not (out / LOCK_NAME).exists() and not (out / "dataset.json").exists()
    assert not list((out / "shards").glob(".tmp-shard-*"))
    assert _render(out, "--n", "16") == 0
    assert validate_dataset(out).ok


def test_start_up_does_not_grow_with_n(tmp_path):
    """--n 10^9 (10^7 shards): the first shard appears while the process stays at its usual size."""
    out = tmp_path / "huge"
    process = _start_render(out, 10**9)
    try:
        _wait_for(out / "shards" / "shard-000000", process)
        status = Path(f"/proc/{process.pid}/status")
        if status.exists():
            peak_kb = int(
                next(x for x in status.read_text().splitlines() if x.startswith("VmHWM")).split()[1]
            )
            assert peak_kb < 1_000_000, f"peak RSS {peak_kb} kB"  # a list of 10^7 shard ranges was 1.8 GB
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    shard = out / "shards" / "shard-000000"
    assert sorted(p.name for p in shard.iterdir())[0] == "000000000.depth.png"  # 9 digits for 10^9 ids


def test_only_the_machines_oserrors_are_one_line(monkeypatch, capsys):
    def fail(code):
        def command(args):
            raise OSError(code, os.strerror(code), "/data/x.png")

        return command

    for code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
        monkeypatch.setattr("handsynth.cli._cmd_stats", fail(code))
        assert main(["stats", "somewhere"]) == 2
        _one_error_line(capsys, f"handsynth stats: error: /data/x.png: {os.strerror(code)}")
    monkeypatch.setattr("handsynth.cli._cmd_stats", fail(errno.EBADF))  # a bug of ours: a traceback
    with pytest.raises(OSError, match="Bad file descriptor"):
        main(["stats", "somewhere"])


def test_python_dash_m_handsynth():
    version = subprocess.run(
        [sys.executable, "-m", "handsynth", "--version"], capture_output=True, text=True, env=_env()
    )
    assert version.returncode == 0 and version.stdout.strip() == "handsynth 0.1.0"
    bad = subprocess.run(
        [sys.executable, "-m", "handsynth", "preview", "nowhere", "--out", "x.png", "--tile", "0"],
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert bad.returncode == 2 and bad.stderr.strip().startswith("handsynth preview: error: --tile")


# --- stats and preview on damaged datasets -------------------------------------------------------------
@pytest.fixture(scope="module")
def fake(tmp_path_factory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("fake") / "data", num_samples=6, shard_size=3)


def _edit_json(path: Path, **changes) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def _edit_line(path: Path, edit) -> None:
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    edit(lines[1])
    path.write_text("".join(json.dumps(a) + "\n" for a in lines))


S0 = "shards/shard-000000"
DATASET_DAMAGE = {
    "no dataset.json": (lambda d: (d / "dataset.json").unlink(), "has no dataset.json"),
    "dataset.json not json": (
        lambda d: (d / "dataset.json").write_text("{"),
        "dataset.json is not valid JSON",
    ),
    "dataset.json a list": (lambda d: (d / "dataset.json").write_text("[]"), "not a JSON object"),
    "shards wrong type": (lambda d: _edit_json(d / "dataset.json", shards="all"), "shards"),
    "shard name outside": (
        lambda d: _edit_json(d / "dataset.json", shards=[{"name": "../../etc", "num_samples": 3}]),
        "shards",
    ),
    "num_samples a string": (lambda d: _edit_json(d / "dataset.json", num_samples="6"), "num_samples"),
    "depth unit a string": (lambda d: _edit_json(d / "dataset.json", depth_unit_m="0.1mm"), "depth_unit_m"),
    "missing shard": (lambda d: shutil.rmtree(d / S0), f"{S0}/annotations.jsonl"),
    "missing annotations": (lambda d: (d / S0 / "annotations.jsonl").unlink(), "annotations.jsonl"),
    "annotations line not json": (
        lambda d: _truncate(d / S0 / "annotations.jsonl"),
        "annotations.jsonl line 2 is not valid JSON",
    ),
    "annotations not utf-8": (lambda d: (d / S0 / "annotations.jsonl").write_bytes(b"\xff\xfe"), "UTF-8"),
    "joints_vis a string": (
        lambda d: _edit_line(d / S0 / "annotations.jsonl", lambda a: a["hand"].update(joints_vis="2" * 21)),
        "line 2: hand.joints_vis",
    ),
    "no hand": (lambda d: _edit_line(d / S0 / "annotations.jsonl", lambda a: a.pop("hand")), "line 2: hand"),
    "id a string": (lambda d: _edit_line(d / S0 / "annotations.jsonl", lambda a: a.update(id="1")), "id '1'"),
    "penetration a string": (
        lambda d: _edit_line(d / S0 / "annotations.jsonl", lambda a: a["grasp"].update(penetration_mm="x")),
        "penetration_mm",
    ),
    "missing png": (lambda d: (d / S0 / "000001.rgb.png").unlink(), "000001.rgb.png is missing"),
    "truncated png": (lambda d: _truncate(d / S0 / "000001.seg.png"), "000001.seg.png is not a readable PNG"),
    "png garbage": (lambda d: (d / S0 / "000001.depth.png").write_bytes(b"GIF89a"), "000001.depth.png"),
    "png wrong size": (
        lambda d: Image.new("L", (8, 8)).save(d / S0 / "000001.hand_amodal.png"),
        "000001.hand_amodal.png is a (8, 8) uint8 image",
    ),
    "rgb png is grey": (
        lambda d: Image.new("L", (WIDTH, HEIGHT)).save(d / S0 / "000001.rgb.png"),
        "000001.rgb.png",
    ),
}


@pytest.mark.parametrize("command", ["stats", "preview"])
@pytest.mark.parametrize("damage", list(DATASET_DAMAGE))
def test_stats_and_preview_on_a_damaged_dataset_are_one_line(fake, tmp_path, capsys, damage, command):
    data = Path(shutil.copytree(fake, tmp_path / "data"))
    damage_dataset, needle = DATASET_DAMAGE[damage]
    damage_dataset(data)
    sheet = tmp_path / "sheet.png"
    argv = (
        ["stats", str(data)]
        if command == "stats"
        else ["preview", str(data), "--out", str(sheet), "--n", "6"]
    )
    assert main(argv) == 2
    _one_error_line(capsys, f"handsynth {command}: error: ", needle)
    assert not sheet.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--tile", "100000"], f"--tile must be in [16, {MAX_TILE_PX}], got 100000"),
        (["--tile", "8"], "--tile must be in [16,"),
        (["--n", "0"], "--n must be in [1,"),
        (["--n", "100000000"], "--n must be in [1,"),
        (["--columns", "0"], "--columns must be in [1,"),
        (["--columns", "100000"], "--columns must be in [1,"),
        (["--seed", "-1"], "--seed must be >= 0, got -1"),
        (["--n", "1000", "--tile", "2048"], "Mpx"),
    ],
)
def test_preview_bounds_are_one_line_and_write_nothing(fake, tmp_path, capsys, extra, message):
    sheet = tmp_path / "sheet.png"
    assert main(["preview", str(fake), "--out", str(sheet), *extra]) == 2
    _one_error_line(capsys, message)
    assert list(tmp_path.iterdir()) == []


def test_preview_into_a_folder_is_one_line(fake, tmp_path, capsys):
    assert main(["preview", str(fake), "--out", str(tmp_path)]) == 2
    _one_error_line(capsys, f"cannot write {tmp_path}: it is a folder")
    assert list(tmp_path.iterdir()) == []


def test_stats_values_of_a_render(clean, capsys):
    assert main(["stats", str(clean), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["num_samples"] == 4 and stats["num_shards"] == 2
    assert sum(stats["counts"]["category"].values()) == 4 and stats["counts"]["side"] == {"right": 4}
    assert stats["hand_size_px"]["amodal_area"]["count"] == 4
    assert 0 < stats["hand_size_px"]["amodal_area"]["p50"] <= 64 * 64
