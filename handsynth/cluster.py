"""How a run is spread over Ray workers: ``ClusterOptions`` (``--workers``, ``--threads-per-worker``,
``--address``), the default layout per backend, and the checks that turn a wrong address or an
impossible layout into one line. Standard library only (the command line imports it before any Ray is
started); ``distributed`` applies it.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

from handsynth.errors import UserError


@dataclass(frozen=True, kw_only=True)
class ClusterOptions:
    """How a run is spread over Ray workers (not part of the run's configuration: any layout gives the same
    bytes)."""

    workers: int | None = None
    """Ray actors, each with one renderer; None: one per CPU for raster, one per GPU for Cycles on GPU, and
    for Cycles on CPU one per node using all its cores (measured fastest on 2 cores:
    ``benchmarks/distributed.py``)."""
    threads_per_worker: int | None = None
    """CPUs each worker reserves and its renderer's threads; None: 1, or for Cycles on CPU
    ``render.threads`` when set, else every core of the smallest node."""
    address: str | None = None
    """``auto`` or ``HOST:PORT`` of a running Ray cluster; None starts a local Ray for the run."""
    max_attempts: int = 3
    """Attempts of a shard (a worker death or an exception each count one) before it is reported failed."""
    recycle_samples: int = 2000
    """A worker is replaced by a fresh process after rendering this many samples (0: never)."""
    recycle_memory_mb: int = 6000
    """... or once its resident memory passes this many MiB after a shard (0: never)."""

    def __post_init__(self) -> None:
        for flag, value in (("--workers", self.workers), ("--threads-per-worker", self.threads_per_worker)):
            if value is not None and value < 1:
                raise UserError(f"{flag} must be at least 1, got {value}")
        host, _, port = (self.address or "auto").rpartition(":")
        if self.address not in (None, "auto") and not (host and port.isdigit()):
            raise UserError(f"--address must be auto or HOST:PORT (e.g. 10.0.0.5:6379), got '{self.address}'")


def default_layout(render, device: str, options: ClusterOptions, resources: dict) -> tuple[int, int, int]:
    """(workers, threads per worker, GPUs per worker) of a run.

    ``render``: the run's RenderConfig; ``device``: the Cycles device the run resolved (``cpu``, ``optix``,
    ``cuda``, ``hip``); ``resources``: ``{"CPU": total, "GPU": total, "node_cpus": [CPUs of each alive
    node]}`` of the Ray cluster.
    """
    backend = render.backend
    cpus = max(int(resources.get("CPU", 1)), 1)
    node_cpus = resources.get("node_cpus") or [cpus]
    gpus = 1 if backend == "cycles" and device != "cpu" else 0
    if gpus:
        threads = options.threads_per_worker or 1
        workers = options.workers or max(int(resources.get("GPU", 0)), 1)
    elif backend == "cycles":
        threads = options.threads_per_worker or render.threads or max(min(node_cpus), 1)
        workers = options.workers or max(cpus // threads, 1)
    else:
        threads = options.threads_per_worker or 1
        workers = options.workers or max(cpus // threads, 1)
    return workers, threads, gpus


def same_address(a: str, b: str) -> bool:
    """Whether HOST:PORT addresses ``a`` and ``b`` name one endpoint (host names resolved where they can
    be)."""

    def endpoint(address: str) -> tuple[str, str]:
        host, _, port = address.rpartition(":")
        try:
            return socket.gethostbyname(host.strip("[]")), port
        except OSError:
            return host, port

    return endpoint(a) == endpoint(b)


def check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """UserError when nothing accepts a TCP connection at ``HOST:PORT`` within ``timeout_s``."""
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as error:
        raise UserError(
            f"no Ray cluster answers at --address {address} ({error.strerror or error}); start its head with "
            "`ray start --head`, or leave out --address to use this machine"
        ) from None


def check_fits(workers: int, threads: int, gpus: int, have: dict) -> None:
    """UserError when the workers cannot all be placed (they would wait for resources forever)."""
    if workers * threads > have.get("CPU", 0) or workers * gpus > have.get("GPU", 0):
        need = f"{workers * threads} CPUs" + (f" and {workers * gpus} GPUs" if gpus else "")
        raise UserError(
            f"--workers {workers} with --threads-per-worker {threads} needs {need}; the Ray cluster has "
            f"{int(have.get('CPU', 0))} CPUs and {int(have.get('GPU', 0))} GPUs: ask for fewer workers"
        )


def first_line(text: str) -> str:
    """The first non-blank line of ``text`` (stripped), or "no message"."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "no message"
