"""`handsynth render` on Ray: the same bytes whatever the workers, a killed worker costs a retry (two-node
cluster), Ctrl-C resumes to the same bytes, a shard that always fails is reported while the others finish,
workers are recycled, bad layouts are one line.

Runs in this process share one local Ray (conftest's ``ray_session``, num_cpus=2); the killed-worker and
Ctrl-C runs are separate driver processes, as a user's would be.
"""

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from handsynth.cli import main
from handsynth.cluster import ClusterOptions, default_layout
from handsynth.config import RenderConfig
from handsynth.dataset import validate_dataset
from handsynth.dataset.lock import LOCK_NAME
from handsynth.worker import ShardWorker

ARGS = [
    "--backend",
    "raster",
    "--objects",
    "can,orange",
    "--n",
    "4",
    "--shard-size",
    "1",
    "--resolution",
    "64",
    "--seed",
    "5",
    "--set",
    "scene.renders_per_grasp=100",
    "--quiet",
]
REPO = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent


def _files(root: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file of a run but dataset.json (a timestamp) and the logs."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "dataset.json" and p.relative_to(root).parts[0] != "logs"
    }


def _ids(root: Path) -> list[int]:
    return [
        json.loads(line)["id"]
        for shard in sorted((root / "shards").iterdir())
        for line in (shard / "annotations.jsonl").read_text().splitlines()
    ]


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS)])}


def _driver(out: Path, *extra: str) -> subprocess.Popen:
    """`handsynth render ARGS` as its own process (SIGINT as at a terminal: a background job ignores it)."""
    command = [sys.executable, "-m", "handsynth", "render", *ARGS, *extra, "--out", str(out)]
    return subprocess.Popen(
        command,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _wait_until(condition, process: subprocess.Popen, what: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.05)


def _config():
    from handsynth.cli import _run_config, build_parser

    return _run_config(build_parser().parse_args(["render", *ARGS, "--out", "unused"]))


def _categories(out: Path) -> str:
    info = json.loads((out / "dataset.json").read_text())
    return ", ".join(f"{k} {v}" for k, v in info["categories"].items())


@pytest.fixture(scope="module")
def reference(tmp_path_factory, ray_session) -> Path:
    """ARGS rendered by two Ray workers: the bytes every other run must give."""
    out = tmp_path_factory.mktemp("reference") / "run"
    with contextlib.redirect_stdout(io.StringIO()) as stdout:
        assert main(["render", *ARGS, "--workers", "2", "--out", str(out)]) == 0
    summary = stdout.getvalue().splitlines()
    assert re.fullmatch(rf"4 samples in 4 shards \({_categories(out)}\); [\d.]+ images/s; {out}", summary[0])
    assert re.fullmatch(
        r"images/s per worker: \S+:\d+ [\d.]+, \S+:\d+ [\d.]+; time per stage: .*", summary[1]
    )
    assert validate_dataset(out).ok and _ids(out) == list(range(4))
    assert sorted(p.name for p in (out / "logs").iterdir()) == [
        "driver.log",
        "worker-000.log",
        "worker-001.log",
    ]
    return out


def test_the_summary_names_each_worker(reference, capsys):
    assert main(["render", *ARGS, "--out", str(reference)]) == 0  # complete: verified, nothing rendered
    assert capsys.readouterr().out.splitlines() == [
        f"4 samples in 4 shards ({_categories(reference)}); nothing left to render; {reference}"
    ]


def test_one_recycled_worker_and_no_ray_give_the_bytes_of_two_workers(reference, tmp_path):
    from handsynth.pipeline import StageTimes, render_dataset

    times = StageTimes()
    one = tmp_path / "one"
    render_dataset(
        _config(), one, progress=False, times=times, cluster=ClusterOptions(workers=1, recycle_samples=2)
    )
    assert len(times.workers) == 2 and sum(s for s, _ in times.workers.values()) == 4  # a fresh process at 2
    assert _files(one) == _files(reference)
    in_process = tmp_path / "no-ray"
    render_dataset(_config(), in_process, progress=False)
    assert _files(in_process) == _files(reference)


class FailingWorker(ShardWorker):
    """A worker on which shard 1 always raises (a real exception inside the actor)."""

    def render_shard(self, out, shard_index, attempt):
        if shard_index == 1:
            raise OSError(f"injected failure of shard 1, attempt {attempt}")
        yield from super().render_shard(out, shard_index, attempt)


def test_a_shard_that_always_fails_is_reported_and_the_others_finish(
    reference, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "run"
    monkeypatch.setattr("handsynth.distributed.ShardWorker", FailingWorker)
    assert main(["render", *ARGS, "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip()
    assert err == (
        "handsynth render: error: 1 of 4 shards failed on every attempt (shard-000001: OSError: injected "
        "failure of shard 1, attempt 3); the other shards are complete: run the same command to retry the "
        "failed ones"
    )
    assert sorted(p.name for p in (out / "shards").iterdir()) == [
        "shard-000000",
        "shard-000002",
        "shard-000003",
    ]
    assert not (out / "dataset.json").exists() and not (out / LOCK_NAME).exists()
    log = (out / "logs" / "driver.log").read_text()
    assert [int(a) for a in re.findall(r"shard 1 attempt (\d) on worker \S+ failed", log)] == [1, 2, 3]
    monkeypatch.undo()
    assert main(["render", *ARGS, "--out", str(out)]) == 0  # the same command renders shard 1 only
    assert _files(out) == _files(reference)


def test_ctrl_c_stops_every_worker_and_the_same_command_resumes_to_the_same_bytes(
    reference, tmp_path, capsys
):
    out = tmp_path / "run"
    driver = _driver(out)
    try:
        # A worker has begun its first shard (its grasp takes seconds): the run is surely still going.
        _wait_until(lambda: list((out / "shards").glob(".tmp-shard-*")), driver, "a shard being written")
        assert main(["render", *ARGS, "--out", str(out)]) == 2  # a second run on the folder: refused
        assert f"is in use by a run of pid {driver.pid}" in capsys.readouterr().err
        pids = [
            int(p)
            for log in (out / "logs").glob("worker-*.log")
            for p in re.findall(r"pid (\d+)", log.read_text())
        ]
        driver.send_signal(signal.SIGINT)
        _, stderr = driver.communicate(timeout=60)
    finally:
        driver.kill()
    assert (
        driver.returncode == 130
        and stderr == "handsynth render: interrupted; run the same command to resume\n"
    )
    assert pids and not [pid for pid in pids if Path(f"/proc/{pid}").exists()]  # every worker is gone
    assert not list((out / "shards").glob(".tmp-shard-*")) and not (out / LOCK_NAME).exists()
    assert not (out / "dataset.json").exists()
    assert main(["render", *ARGS, "--out", str(out)]) == 0
    assert _files(out) == _files(reference)


@pytest.fixture(scope="module")
def two_nodes() -> str:
    """The address of a Ray cluster of two nodes (1 CPU each) on this machine, for runs that join it with
    --address. The cluster lives in its own process (``ray_two_nodes.py``: why there), as a user's would."""
    process = subprocess.Popen(
        [sys.executable, str(TESTS / "ray_two_nodes.py")],
        env=_env(),  # the raylets pass PYTHONPATH on to their workers
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        address = process.stdout.readline().strip()
        assert re.fullmatch(r"[\w.-]+:\d+", address), f"no cluster address, exit status {process.poll()}"
        yield address
    finally:
        process.stdin.close()  # the cluster shuts down
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_worker_killed_mid_shard_on_a_two_node_cluster_costs_a_retry_not_a_sample(
    reference, two_nodes, tmp_path
):
    out = tmp_path / "run"
    # Each node has one CPU and each worker reserves one: the two workers run on different nodes.
    driver = _driver(out, "--address", two_nodes, "--workers", "2")
    log = out / "logs" / "worker-000.log"
    try:
        _wait_until(lambda: log.exists() and "pid" in log.read_text(), driver, "a shard on worker 0")
        pid = int(re.findall(r"pid (\d+)", log.read_text())[0])
        _wait_until(lambda: list((out / "shards").glob(".tmp-shard-*")), driver, "a shard being written")
        os.kill(pid, signal.SIGKILL)
        stdout, stderr = driver.communicate(timeout=180)
    finally:
        driver.kill()
    assert driver.returncode == 0, stderr
    assert stdout.startswith("4 samples in 4 shards") and "raylet" not in stdout + stderr
    driver_log = (out / "logs" / "driver.log").read_text()
    assert re.search(rf"shard \d attempt 1 on worker \S+:{pid} failed: .*died", driver_log), driver_log
    assert _ids(out) == list(range(4))  # every id exactly once
    assert validate_dataset(out).ok
    assert _files(out) == _files(reference)


def test_more_workers_than_the_cluster_holds_is_one_line(two_nodes, tmp_path):
    out = tmp_path / "run"
    driver = _driver(out, "--address", two_nodes, "--workers", "3")
    stdout, stderr = driver.communicate(timeout=180)
    assert driver.returncode == 2 and not stdout
    assert stderr == (
        "handsynth render: error: --workers 3 with --threads-per-worker 1 needs 3 CPUs; the Ray cluster has "
        "2 CPUs and 0 GPUs: ask for fewer workers\n"
    )
    assert not out.exists()


def test_an_address_other_than_the_connected_ray_is_one_line(ray_session, two_nodes, tmp_path, capsys):
    """In a process already connected to Ray (a notebook, these tests) --address must name that cluster:
    never render silently on another one."""
    out = tmp_path / "run"
    assert main(["render", *ARGS, "--address", two_nodes, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    current = ray_session.get_runtime_context().gcs_address
    assert err == (
        f"handsynth render: error: this process is already connected to the Ray cluster at {current}, not "
        f"--address {two_nodes}: leave out --address, or call ray.shutdown() first"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--workers", "0"], "--workers must be at least 1, got 0"),
        (["--threads-per-worker", "-1"], "--threads-per-worker must be at least 1, got -1"),
        (["--address", "headnode"], "--address must be auto or HOST:PORT"),
        (["--address", "127.0.0.1:1"], "no Ray cluster answers at --address 127.0.0.1:1"),
    ],
)
def test_bad_layouts_are_one_line_and_write_nothing(tmp_path, capsys, extra, message):
    out = tmp_path / "run"
    assert main(["render", *ARGS, *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not out.exists()


@pytest.mark.parametrize(
    ("backend", "device", "options", "resources", "layout"),
    [
        ("raster", "cpu", {}, {"CPU": 2}, (2, 1, 0)),  # one worker a core
        ("raster", "cpu", {"threads_per_worker": 2}, {"CPU": 8}, (4, 2, 0)),
        ("cycles", "cpu", {}, {"CPU": 2}, (1, 2, 0)),  # one worker with both cores: fastest on 2 cores
        ("cycles", "cpu", {}, {"CPU": 24, "node_cpus": [16, 8]}, (3, 8, 0)),
        ("cycles", "cpu", {"workers": 2, "threads_per_worker": 1}, {"CPU": 2}, (2, 1, 0)),
        ("cycles", "optix", {}, {"CPU": 32, "GPU": 4}, (4, 1, 1)),  # one worker a GPU
    ],
)
def test_default_layout(backend, device, options, resources, layout):
    render = RenderConfig(backend=backend)
    assert default_layout(render, device, ClusterOptions(**options), resources) == layout


def test_render_threads_set_the_cycles_workers_threads():
    render = RenderConfig(backend="cycles", threads=1)
    assert default_layout(render, "cpu", ClusterOptions(), {"CPU": 2}) == (2, 1, 0)


def test_cycles_workers_with_one_thread_write_the_bytes_of_one_process(ray_session, tmp_path):
    """Cycles draft at 32 px: two workers of one thread each and the single-process path (all cores) give
    the same annotations and images: a worker's threads never reach the annotations' render entry."""
    pytest.importorskip("bpy")
    from handsynth.cli import _run_config, build_parser
    from handsynth.pipeline import render_dataset

    args = ["--backend", "cycles", "--quality", "draft", "--device", "cpu", "--resolution", "32"]
    args += ["--objects", "orange", "--n", "2", "--shard-size", "1", "--set", "scene.renders_per_grasp=100"]
    config = _run_config(build_parser().parse_args(["render", *args, "--out", "unused"]))
    two, one = tmp_path / "two", tmp_path / "one"
    render_dataset(config, two, progress=False, cluster=ClusterOptions(workers=2, threads_per_worker=1))
    # The single-process path in a process of its own: Cycles rendering inside the test process, before
    # the next module's in-process raster renders, was where CI's pytest process twice segfaulted.
    code = (
        "from pathlib import Path\n"
        "from handsynth.cli import _run_config, build_parser\n"
        "from handsynth.pipeline import render_dataset\n"
        f"config = _run_config(build_parser().parse_args(['render', *{args!r}, '--out', 'unused']))\n"
        f"render_dataset(config, Path({str(one)!r}), progress=False)\n"
    )
    single = subprocess.run(
        [sys.executable, "-c", code], env=_env(), capture_output=True, text=True, timeout=600
    )
    assert single.returncode == 0, single.stderr
    assert _files(two) == _files(one)
    assert validate_dataset(two).ok
