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


# GNU time reports the command's own peak RSS: ru_maxrss of a child started from this
# (big) Python process would include what the child inherited before exec.
GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def run_process(cmd: Sequence[str], *, cwd: str | None = None) -> tuple[float, float, int]:
    """Run ``cmd`` (output discarded); returns (seconds, peak RSS in MB, exit code)."""
    wrapped = [GNU_TIME, "-f", "%M", *cmd] if GNU_TIME else list(cmd)
    start = time.perf_counter()
    done = subprocess.run(wrapped, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - start
    # GNU time's last word is the peak RSS in KB (it exits with the command's code).
    words = done.stderr.split()
    rss_kb = int(words[-1]) if GNU_TIME and words and words[-1].isdigit() else 0
    return took, rss_kb / 1024, done.returncode


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
