"""Images/s of `handsynth render` on Ray workers: 1 vs 2 workers for both backends, against the
single-process path (no Ray) measured in the same run; the driver's CPU share; Ray's start-up; the driver's
peak memory for a small and a huge --n (flat: the driver never lists shards or futures).

    python benchmarks/scaling.py [--raster-n 128] [--cycles-n 12] [--skip-memory]

Each layout renders the same run into a fresh folder with one local Ray started once (its start-up is
reported apart). Two rates per layout: end to end (wall time, including the workers' start-up: imports,
hand template, renderer, first grasps, as a user's short run pays) and steady (images/s over the last
three quarters of the samples, from the progress bar's ticks: what a long run converges to). Figures only,
never assertions.
"""

import argparse
import logging
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import handsynth.pipeline
from handsynth.cluster import ClusterOptions
from handsynth.config import RenderConfig, RunConfig, SceneConfig
from handsynth.pipeline import StageTimes, render_dataset


class _Ticks:
    """Stands in for the run's progress bar: the time at which each sample was counted."""

    def __init__(self, total: int, initial: int, progress: bool) -> None:
        self.count, self.times = initial, []

    def update(self, k: int = 1) -> None:
        self.count += k
        self.times = self.times[: max(self.count, 0)] if k < 0 else self.times + [time.perf_counter()] * k

    def set_postfix_str(self, *args, **kwargs) -> None:
        pass

    def close(self) -> None:
        pass

    def steady_rate(self) -> float:
        """Images/s from the sample a quarter of the way in to the last one."""
        first = len(self.times) // 4
        return (len(self.times) - 1 - first) / max(self.times[-1] - self.times[first], 1e-9)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run(config: RunConfig, cluster: ClusterOptions | None) -> tuple[float, float, float]:
    """(wall seconds, the driver's CPU seconds, steady images/s) of one run into a temporary folder."""
    bars = []
    handsynth.pipeline._progress_bar = lambda *args: bars.append(_Ticks(*args)) or bars[-1]
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), _cpu_s()
        render_dataset(config, Path(tmp) / "run", progress=False, times=StageTimes(), cluster=cluster)
        return time.perf_counter() - wall, _cpu_s() - cpu, bars[0].steady_rate()


def _layouts(name: str, config: RunConfig, layouts: list[tuple[int, int]]) -> None:
    """Print images/s of the single-process path and of each (workers, threads) layout."""
    wall, cpu, base = _run(config, None)
    print(f"{name}: n={config.n}, {config.scene.width}x{config.scene.height}, shard_size={config.shard_size}")
    end_to_end = f"end to end {config.n / wall:6.2f} ({wall:.1f} s)"
    print(f"  single process (no Ray)      steady {base:6.2f} images/s; {end_to_end}")
    rates = {}
    for workers, threads in layouts:
        wall, cpu, rate = _run(config, ClusterOptions(workers=workers, threads_per_worker=threads))
        rates[workers, threads] = rate
        layout = f"Ray {workers} worker(s) x {threads} thread(s)"
        end_to_end = f"end to end {config.n / wall:6.2f} ({wall:.1f} s)"
        print(
            f"  {layout} steady {rate:6.2f} images/s ({rate / base:.2f}x single process); {end_to_end}; "
            f"driver CPU {cpu / wall:.0%} of a core"
        )
    if (1, 1) in rates and (2, 1) in rates:
        print(f"  steady, 2 workers / 1 worker (1 thread each): {rates[2, 1] / rates[1, 1]:.2f}x")
    best = max(rates, key=rates.get)
    print(f"  fastest layout here (steady): {best[0]} worker(s) x {best[1]} thread(s)")


def _peak_driver_mb(n: int, shards_before: int = 3) -> float:
    """The driver's peak RSS (MiB) once ``shards_before`` shards of a ``--n n`` run at 32x32 are written;
    then the run is interrupted."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        command = [sys.executable, "-m", "handsynth", "render", "--backend", "raster", "--n", str(n)]
        command += ["--resolution", "32", "--shard-size", "4", "--quiet", "--out", str(out)]
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            shards = out / "shards"
            while (
                not shards.is_dir()
                or sum(p.name.startswith("shard-") for p in shards.iterdir()) < shards_before
            ):
                if process.poll() is not None:
                    raise RuntimeError(f"handsynth render --n {n} ended early ({process.returncode})")
                time.sleep(0.1)
            status = Path(f"/proc/{process.pid}/status").read_text().splitlines()
            peak_kb = int(next(line for line in status if line.startswith("VmHWM")).split()[1])
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
        finally:
            process.kill()
    return peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raster-n", type=int, default=128)
    parser.add_argument("--raster-resolution", type=int, default=128)
    parser.add_argument("--cycles-n", type=int, default=12)
    parser.add_argument("--cycles-resolution", type=int, default=96)
    parser.add_argument("--skip-memory", action="store_true", help="skip the driver-memory runs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import ray

    start = time.perf_counter()
    ray.init(
        address="local",
        num_cpus=len(os.sched_getaffinity(0)),
        include_dashboard=False,
        log_to_driver=False,
        logging_level=logging.ERROR,
    )
    print(f"local Ray start-up: {time.perf_counter() - start:.1f} s on {len(os.sched_getaffinity(0))} cores")

    def config(backend: str, n: int, size: int, shard_size: int) -> RunConfig:
        scene = SceneConfig(objects="cylinder,sphere", width=size, height=size, renders_per_grasp=64)
        render = (
            RenderConfig(backend=backend, quality="draft", device="cpu")
            if backend == "cycles"
            else RenderConfig(backend="raster")
        )
        return RunConfig(seed=0, n=n, shard_size=shard_size, scene=scene, render=render)

    raster = config("raster", args.raster_n, args.raster_resolution, max(args.raster_n // 8, 1))
    _layouts("raster", raster, [(1, 1), (2, 1)])
    cycles = config("cycles", args.cycles_n, args.cycles_resolution, max(args.cycles_n // 4, 1))
    _layouts("cycles draft, CPU", cycles, [(1, 1), (2, 1), (1, 2)])
    ray.shutdown()
    if not args.skip_memory:
        small, huge = _peak_driver_mb(10**3), _peak_driver_mb(10**8)
        print(f"driver peak RSS after 3 shards: --n 1e3 {small:.0f} MiB, --n 1e8 {huge:.0f} MiB")


if __name__ == "__main__":
    main()
