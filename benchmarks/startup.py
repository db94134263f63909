"""Start-up cost of ``handsynth render`` against ``--n``: seconds to the first PNG and peak RSS by then.

    python benchmarks/startup.py [--n 1000000000] [--source DIR]

Starts ``python -m handsynth.cli render --n N --resolution 64`` in a fresh folder with the handsynth package
of ``--source`` (default: this checkout; give another checkout to compare), waits for the first PNG of
the first shard, reads the process's peak RSS (Linux /proc), then stops it with Ctrl-C (SIGINT).
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_rss_kb(pid: int) -> int | None:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    return next((int(x.split()[1]) for x in lines if x.startswith("VmHWM")), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**9)
    parser.add_argument("--source", default=str(Path(__file__).resolve().parents[1]))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        command = [sys.executable, "-m", "handsynth.cli", "render", "--n", str(args.n), "--resolution", "64"]
        command += ["--set", "scene.renders_per_grasp=4", "--quiet", "--out", str(out)]
        env = {**os.environ, "PYTHONPATH": args.source}
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            env=env,
            cwd=args.source,
            stderr=subprocess.DEVNULL,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # also from a background job
        )
        peak = None
        while process.poll() is None and not any((out / "shards").glob("*/*.png")):
            peak = _peak_rss_kb(process.pid) or peak
            time.sleep(0.1)
        elapsed = time.perf_counter() - start
        peak = _peak_rss_kb(process.pid) or peak
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a version that ignores Ctrl-C
            process.kill()
            process.wait()
        print(f"--n {args.n} ({args.source}): first PNG after {elapsed:.1f} s, peak RSS {peak / 1e3:.0f} MB")


if __name__ == "__main__":
    main()
