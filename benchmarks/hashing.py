"""Hashing speed: co3's BLAKE3 against one ``sha256sum`` over the same files, same run.

1,000 files of 1 MB of random content (built once under /tmp, then read from the page
cache by both sides after a warm-up read). Times are medians of ``--reps`` runs; the
ratio is ours / sha256sum's and must stay under 1.0.
Usage: ``python benchmarks/hashing.py [--reps N]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _trees import TREES_DIR

from co3.fileindex.hashing import hash_file, hash_files

COUNT = 1000
SIZE = 1 << 20


def build_files() -> list[bytes]:
    """The 1,000 files (made once, deterministic), as bytes paths."""
    folder = TREES_DIR / f"hash-{COUNT}x{SIZE}"
    marker = TREES_DIR / f"hash-{COUNT}x{SIZE}.complete"
    names = [folder / f"h{i:04d}.bin" for i in range(COUNT)]
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        rng = random.Random(42)
        for name in names:
            name.write_bytes(rng.randbytes(SIZE))
        marker.touch()
    return [os.fsencode(name) for name in names]


def _median(run: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="runs per figure (median)")
    args = parser.parse_args()
    files = build_files()
    for path in files:  # warm the page cache
        hash_file(path)

    def sha256sum() -> None:
        subprocess.run(["sha256sum", *files], stdout=subprocess.DEVNULL, check=True)

    def ours(threads: int) -> Callable[[], None]:
        def run() -> None:
            for _, digest in hash_files(files, threads=threads):
                assert isinstance(digest, bytes)

        return run

    t_ref = _median(sha256sum, args.reps)
    t_one = _median(ours(1), args.reps)
    t_two = _median(ours(2), args.reps)
    label = f"{COUNT} files x 1 MB"
    print(
        f"hash {label}, 1 thread: {t_one:.3f}s  sha256sum {t_ref:.3f}s  ratio {t_one / t_ref:.2f}"
    )
    print(
        f"hash {label}, 2 threads: {t_two:.3f}s  sha256sum {t_ref:.3f}s  ratio {t_two / t_ref:.2f}"
    )


if __name__ == "__main__":
    main()
