"""Timing helpers for the benchmarks: whole processes, medians, peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["CO3", "Timing", "median_run", "run_process"]

# The co3 command of the interpreter running the benchmark (its venv).
CO3 = str(Path(sys.executable).with_name("co3"))


class Timing:
    """The median wall time (s) and the largest peak RSS (MB) of repeated runs."""

    def __init__(self, seconds: float, rss_mb: float) -> None:
        self.seconds = seconds
        self.rss_mb = rss_mb


def run_process(cmd: Sequence[str], *, cwd: str | None = None) -> tuple[float, float, int]:
    """Run ``cmd`` (output discarded); returns (seconds, peak RSS in MB, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return took, usage.ru_maxrss / 1024, proc.returncode


def median_run(cmd: Sequence[str], reps: int, *, ok: Sequence[int] = (0, 1)) -> Timing:
    """Run ``cmd`` ``reps`` times; the median time and the largest peak RSS."""
    times, peak = [], 0.0
    for _ in range(reps):
        took, rss, code = run_process(cmd)
        if code not in ok:
            raise SystemExit(f"{' '.join(cmd)} exited {code}")
        times.append(took)
        peak = max(peak, rss)
    return Timing(statistics.median(times), peak)
