"""Ray-distributed rendering: actors each holding one renderer render whole shards straight into ``--out``.

Orchestration layer and the only module that imports ray (inside functions: ``import handsynth`` stays
light); never bpy, pyrender or torch directly. ``pipeline.render_dataset`` does the pre-flight, the lock,
resume and ``dataset.json``; this module only runs ``pipeline.render_shard`` on workers:

- a worker is an actor built once per process (one Blender, or one EGL context), fed one shard at a
  time, so the driver holds at most one task per worker whatever ``--n`` (the shard indices are a lazy
  iterator) and nothing but sample ids and a shard's small summary come back through Ray;
- a worker that dies (SIGKILL, segfault, out of memory) is replaced and its shard rendered again from
  scratch: sample ``i`` depends only on ``(seed, i, config)``, so the bytes are the same; a shard that
  fails ``max_attempts`` times is reported and the others finish;
- workers are replaced after ``recycle_samples`` samples or when their memory passes
  ``recycle_memory_mb`` (Blender leaks a little per scene);
- a stop (Ctrl-C, an error) kills every worker and waits for their deaths, so the caller can remove
  their temp shards while it still holds the output's lock.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from handsynth.cluster import (
    ClusterOptions,
    check_fits,
    check_reachable,
    default_layout,
    first_line,
    same_address,
)
from handsynth.errors import UserError
from handsynth.files import ENVIRONMENT_ERRNOS
from handsynth.worker import ShardWorker

log = logging.getLogger(__name__)

LOGS_DIR = "logs"  # OUT/logs: one file per worker and the driver's Ray messages
WAIT_S = 0.5  # how often the driver's loop wakes up (progress bar, Ctrl-C) while workers render
STOP_WAIT_S = 30.0  # how long a stop waits for killed workers to be gone


@dataclass
class _Slot:
    """One worker place of the pool: its current actor and what it is doing."""

    number: int
    actor: object = None
    name: str = ""
    task: tuple[int, int] | None = None  # (shard index, attempt) in flight
    ticks: int = 0  # samples of the task in flight already counted on the bar
    deaths_in_a_row: int = 0
    where: object = None  # the actor's ``start()`` result (host, pid), or the reference to it


class RayShards:
    """Renders shards on Ray actors (``pipeline.render_dataset``'s ``cluster`` path).

    Built before the run writes anything: connects to (or starts) Ray and starts every worker with its
    renderer, so a worker that cannot start is a UserError with nothing on disk. ``run`` renders, ``stop``
    kills the workers (and waits for their deaths), ``close`` disconnects from Ray.
    """

    def __init__(self, config, catalog: dict, render_entry: dict, options: ClusterOptions, out: Path) -> None:
        self.options, self.out = options, Path(out)
        self.failures: list[tuple[int, str]] = []
        self.retries = 0
        self.slots: list[_Slot] = []
        self.ray, self.started_ray = _connect(options)
        try:
            have = _resources(self.ray)
            device = str(render_entry.get("device", "cpu"))
            workers, threads, gpus = default_layout(config.render, device, options, have)
            check_fits(workers, threads, gpus, have)
            worker_config = _with_threads(config, threads)
            self.actor_class = self.ray.remote(ShardWorker).options(
                num_cpus=threads, num_gpus=gpus, max_restarts=0, max_task_retries=0
            )
            self.actor_args = (worker_config, catalog, render_entry)
            self.slots = [_Slot(k) for k in range(workers)]
            for slot in self.slots:
                slot.actor = self.actor_class.remote(*self.actor_args)
                slot.where = slot.actor.start.remote()
            self._started([slot.where for slot in self.slots])
        except BaseException:
            self.stop()
            self.close()
            raise

    def _started(self, refs: list) -> None:
        """Wait for every worker's ``start``; a UserError inside one (missing package) is re-raised as is."""
        for slot, info in zip(self.slots, self._get_all(refs), strict=True):
            slot.name = f"{info['host']}:{info['pid']}"

    def _get_all(self, refs: list) -> list:
        try:
            return self.ray.get(refs)
        except self.ray.exceptions.RayTaskError as error:
            if isinstance(error.cause, UserError):
                raise error.cause from None
            raise

    def run(self, out: Path, todo, bar, times):
        """Render the shard indices ``todo`` (a lazy iterable); yields (index, shard summary) as shards
        finish, in any order. Failed shards end in ``self.failures``."""
        logs = out / LOGS_DIR
        logs.mkdir(exist_ok=True)
        self.ray.get([s.actor.log_to.remote(str(logs / f"worker-{s.number:03d}.log")) for s in self.slots])
        with _messages_to(logs / "driver.log", self.ray):
            yield from self._run(out, todo, bar, times)

    def _run(self, out: Path, todo, bar, times):
        todo, again = iter(todo), deque()
        inflight: dict = {}  # stream -> slot
        while True:
            for slot in self.slots:
                if slot.task is None and slot.actor is not None and (job := _next_job(again, todo)):
                    slot.task, slot.ticks = job, 0
                    inflight[slot.actor.render_shard.remote(str(out), *job)] = slot
            if not inflight:
                return
            ready, _ = self.ray.wait(list(inflight), num_returns=1, timeout=WAIT_S)
            for stream in ready:
                slot = inflight[stream]
                try:
                    item = self.ray.get(next(stream))
                except self.ray.exceptions.RayError as error:
                    del inflight[stream]
                    self._failed(slot, error, again, bar)
                    continue
                except StopIteration:  # the stream ended without a summary: a bug of ours
                    raise RuntimeError(
                        f"worker {slot.name} returned no summary of shard {slot.task[0]}"
                    ) from None
                if isinstance(item, int):
                    slot.ticks += 1
                    bar.update(1)
                    continue
                del inflight[stream]
                yield slot.task[0], item["shard"]
                self._finished(slot, item, times)
            alive = sum(slot.actor is not None for slot in self.slots)
            bar.set_postfix_str(f"workers {alive}, retries {self.retries}", refresh=False)

    def _finished(self, slot: _Slot, item: dict, times) -> None:
        slot.task, slot.deaths_in_a_row, slot.name = None, 0, item["worker"]
        if times is not None:
            times.merge(item["stage_seconds"], item["shard"]["num_samples"])
            done = times.workers.setdefault(slot.name, [0, 0.0])
            done[0] += item["shard"]["num_samples"]
            done[1] += item["seconds"]
        worn = (self.options.recycle_samples and item["samples"] >= self.options.recycle_samples) or (
            self.options.recycle_memory_mb and item["resident_mb"] > self.options.recycle_memory_mb
        )
        if worn:
            log.info(
                "recycling worker %s (%d samples, %.0f MiB)", slot.name, item["samples"], item["resident_mb"]
            )
            self.ray.kill(slot.actor, no_restart=True)
            self._replace(slot)

    def _failed(self, slot: _Slot, error: BaseException, again: deque, bar) -> None:
        """A shard attempt failed: roll its samples back off the bar, replace a dead worker, and queue the
        shard again or report it failed."""
        shard_index, attempt = slot.task
        slot.task = None
        bar.update(-slot.ticks)
        died = not isinstance(error, self.ray.exceptions.RayTaskError)  # else a Python error, worker alive
        message = _one_line(error)
        log.warning("shard %d attempt %d on worker %s failed: %s", shard_index, attempt, slot.name, error)
        cause = getattr(error, "cause", None)
        if isinstance(cause, OSError) and cause.errno in ENVIRONMENT_ERRNOS:
            raise cause from None  # a full disk or read-only --out: the run stops, as without Ray
        if died:
            slot.deaths_in_a_row += 1
            if slot.deaths_in_a_row > self.options.max_attempts:  # it dies whatever it is given
                log.error("worker slot %d keeps dying; giving it up", slot.number)
                slot.actor = None
                self.failures.append((shard_index, f"worker died {slot.deaths_in_a_row} times in a row"))
                return
            self._replace(slot)
        if attempt < self.options.max_attempts:
            self.retries += 1
            again.append((shard_index, attempt + 1))
        else:
            self.failures.append((shard_index, message))
        if all(s.actor is None for s in self.slots):
            self._fail_the_rest(again, message)

    def _fail_the_rest(self, again: deque, message: str) -> None:
        """Every worker slot was given up: the run cannot go on (ShardsFailed: one line, exit status 1)."""
        from handsynth.pipeline import ShardsFailed

        raise ShardsFailed(
            f"every Ray worker died {self.options.max_attempts + 1} times in a row (last: {message}); the "
            f"complete shards are kept: see {self.out / LOGS_DIR}, then run the same command to resume"
        )

    def _replace(self, slot: _Slot) -> None:
        """A fresh actor (new process) in ``slot``: it builds its renderer on its first shard."""
        log_path = str(self.out / LOGS_DIR / f"worker-{slot.number:03d}.log")
        slot.actor = self.actor_class.remote(*self.actor_args, log_path)
        slot.where = slot.actor.start.remote()  # runs before any shard: its pid is known before it writes
        slot.name = f"slot {slot.number} (restarted)"

    def stop(self) -> None:
        """Kill every worker and wait (up to STOP_WAIT_S) until Ray reports them dead, so that none still
        writes a temp shard; on this host, until their processes are gone. Safe to call more than once."""
        live = [slot for slot in self.slots if slot.actor is not None]
        for slot in live:
            self.ray.kill(slot.actor, no_restart=True)
        # A call to a killed actor fails once Ray has seen it die; its process may take a moment longer.
        probes = [slot.actor.start.remote() for slot in live]
        deadline = time.monotonic() + STOP_WAIT_S
        self.ray.wait(probes, num_returns=len(probes), timeout=STOP_WAIT_S)
        known = [slot.where for slot in live if slot.where is not None]
        for ref in self.ray.wait(known, num_returns=len(known), timeout=0)[0]:
            try:
                where = self.ray.get(ref)
            except self.ray.exceptions.RayError:  # died before it started: it never wrote
                continue
            if where["host"] == socket.gethostname():
                _wait_gone(where["pid"], deadline)
        for slot in self.slots:
            slot.actor = slot.where = None

    def close(self) -> None:
        """Disconnect from Ray (and shut down the local Ray this run started)."""
        if self.started_ray:
            self.ray.shutdown()
            self.started_ray = False


def _wait_gone(pid: int, deadline: float) -> None:
    """Wait until process ``pid`` of this host has exited (or is a zombie: it holds no files), or
    ``deadline`` (time.monotonic) passes."""
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rpartition(")")[2].split()[0] == "Z":
                    return
        except FileNotFoundError:
            return
        except OSError:  # no /proc here: Ray's report of the death is all there is
            return
        time.sleep(0.02)


def _next_job(again: deque, todo) -> tuple[int, int] | None:
    """(shard index, attempt): a retry first, else the next new shard, else None."""
    if again:
        return again.popleft()
    shard_index = next(todo, None)
    return None if shard_index is None else (shard_index, 1)


def _with_threads(config, threads: int):
    """``config`` with ``render.threads`` = the worker's threads (the renderer's own setting; the
    annotations keep the driver's render entry)."""
    import dataclasses

    return dataclasses.replace(config, render=dataclasses.replace(config.render, threads=threads))


def _one_line(error: BaseException) -> str:
    """The error of a failed shard attempt on one line: a worker's Python exception as ``Type: message``,
    a worker's death as Ray's first line."""
    cause = getattr(error, "cause", None)
    if cause is not None:
        return f"{type(cause).__name__}: {first_line(str(cause))}"
    return f"worker died ({first_line(str(error))})"


def _connect(options: ClusterOptions):
    """(the ray module, whether this call started or joined Ray and must shut it down): joins
    ``options.address``, or starts a local Ray quietly (no banner, no dashboard, worker output kept out of
    the terminal), or uses the Ray this process is already connected to (tests, notebooks)."""
    import ray

    if options.address not in (
        None,
        "auto",
    ):  # Ray itself retries an address where nothing listens for minutes
        check_reachable(options.address)
    if ray.is_initialized():
        current = ray.get_runtime_context().gcs_address
        if options.address not in (None, "auto") and not same_address(options.address, current):
            raise UserError(
                f"this process is already connected to the Ray cluster at {current}, not --address "
                f"{options.address}: leave out --address, or call ray.shutdown() first"
            )
        return ray, False
    quiet = {"log_to_driver": False, "logging_level": logging.ERROR}
    if options.address is None:
        cores = len(os.sched_getaffinity(0))
        asked = (options.workers or 0) * (options.threads_per_worker or 1)
        ray.init(address="local", num_cpus=max(cores, asked), include_dashboard=False, **quiet)
        return ray, True
    try:
        ray.init(address=options.address, **quiet)
    except (ConnectionError, ValueError) as error:
        raise UserError(
            f"cannot join a Ray cluster at --address {options.address} ({first_line(str(error))}); start "
            "one with `ray start --head`, or leave out --address to use this machine"
        ) from None
    return ray, True


def _resources(ray) -> dict:
    """``{"CPU": total, "GPU": total, "node_cpus": [CPUs of each alive node]}`` of the cluster."""
    total = ray.cluster_resources()
    node_cpus = [int(n["Resources"].get("CPU", 0)) for n in ray.nodes() if n.get("Alive")]
    return {"CPU": total.get("CPU", 0), "GPU": total.get("GPU", 0), "node_cpus": [c for c in node_cpus if c]}


class _LogFile(logging.Handler):
    """The driver's log file, written unbuffered. Best effort: a record that cannot be written (on the disk
    the run has filled) is lost, and the run reports that disk on one line itself."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            os.write(self.fd, (self.format(record) + "\n").encode("utf-8"))
        except OSError:
            pass

    def close(self) -> None:
        os.close(self.fd)
        super().close()


class _messages_to:
    """``with _messages_to(path, ray):`` sends this module's log records and the messages Ray's raylet
    pushes to the driver (a worker's crash report, printed on stdout by default) to ``path`` instead of
    the terminal, where the progress bar and the final summary say what happened."""

    def __init__(self, path: Path, ray) -> None:
        self.path, self.worker_module = path, ray._private.worker

    def __enter__(self):
        self.handler = _LogFile(self.path)
        self.handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        log.addHandler(self.handler)
        log.propagate = False
        self.printer = getattr(self.worker_module, "print_to_stdstream", None)
        if self.printer is not None:
            self.worker_module.print_to_stdstream = self._print
        return self

    def _print(self, data: dict, ignore_prefix: bool = False) -> None:
        for line in data.get("lines", []):
            log.warning("(%s) %s", data.get("pid", "ray"), line)

    def __exit__(self, *exc) -> None:
        if self.printer is not None:
            self.worker_module.print_to_stdstream = self.printer
        log.removeHandler(self.handler)
        log.propagate = True
        self.handler.close()
