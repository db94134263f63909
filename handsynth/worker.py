"""What runs inside one Ray worker: the run's ``RunContext`` built once, then shard after shard written
straight into ``--out``. Orchestration layer; never imports ray itself (``distributed`` wraps
``ShardWorker`` as an actor), nor bpy or pyrender directly (the renderer backend does).
"""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path


def _redirect_output(path: Path) -> None:
    """Point this process's stdout and stderr (fds 1 and 2: Blender's ``Fra:`` lines, tracebacks) at
    ``path``, appending."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _log_line(line: str) -> None:
    """Append ``line`` to this worker's log (fd 1). Best effort: on a full disk the line is lost, and the
    shard's own write reports the disk, naming the file."""
    try:
        os.write(1, (line + "\n").encode("utf-8"))
    except OSError:
        pass


def _resident_mb() -> float:
    """This process's resident memory in MiB (its peak where /proc is missing)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGESIZE") / 2**20
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ShardWorker:
    """One Ray actor's state: the run's ``RunContext`` (specs, renderer) built once, then shard after shard.

    ``config``: the run's RunConfig with ``render.threads`` set to the worker's threads; ``render_entry``:
    the annotations' render entry as the driver resolved it, so every worker writes the same bytes.
    """

    def __init__(self, config, catalog: dict, render_entry: dict, log_path: str | None = None) -> None:
        self.args = (config, catalog, render_entry)
        self.context = None
        self.samples = 0
        if log_path is not None:
            self.log_to(log_path)

    def log_to(self, path: str) -> None:
        """Write this worker's output to ``path`` (in the run's ``OUT/logs``) from now on."""
        _redirect_output(Path(path))

    def start(self) -> dict:
        """Build the context and the renderer (a missing package or display fails here, before the run
        writes); returns where this worker runs."""
        if self.context is None:
            from handsynth.pipeline import RunContext

            config, catalog, render_entry = self.args
            self.context = RunContext(config, catalog, render_entry)
            self.context.open_renderer()
        return {"host": socket.gethostname(), "pid": os.getpid()}

    def render_shard(self, out: str, shard_index: int, attempt: int):
        """Render shard ``shard_index`` into ``out``: yields each sample id as it is added, then one dict
        (the shard's summary, stage seconds, busy seconds, resident MiB)."""
        from handsynth.pipeline import StageTimes, render_shard

        self.start()
        _log_line(f"{time.strftime('%H:%M:%S')} shard {shard_index} attempt {attempt} pid {os.getpid()}")
        times = StageTimes()
        started = time.perf_counter()
        shard = yield from render_shard(self.context, Path(out), shard_index, times)
        self.samples += shard["num_samples"]
        yield {
            "shard": shard,
            "stage_seconds": dict(times.seconds),
            "seconds": time.perf_counter() - started,
            "resident_mb": _resident_mb(),
            "samples": self.samples,
            "worker": f"{socket.gethostname()}:{os.getpid()}",
        }
