"""Deterministic benchmark trees, built once and cached under /tmp.

``build_tree(n)`` makes (or reuses) a tree of ``n`` files: 100 files per directory,
directories nested ten to a parent (so 100,000 files sit in 1,000 directories three
levels deep), every name, size and mtime derived from the file's number. A tree is
complete when its ``.complete`` marker (beside it, not inside it) exists, so an
interrupted build is started again rather than reused.

Run it to prebuild trees: ``python benchmarks/_trees.py 10000 100000``.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

__all__ = ["FILES_PER_DIR", "TREES_DIR", "build_tree", "drop_tree", "label"]

TREES_DIR = Path(os.environ.get("CO3_BENCH_TREES", "/tmp/co3-bench-trees"))
FILES_PER_DIR = 100
DIRS_PER_DIR = 10
# Every file's mtime: a fixed moment in the past plus its number in seconds.
_EPOCH_NS = 1_700_000_000 * 10**9


def label(n: int) -> str:
    """A short name for a file count: 10k, 100k, 1M."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def _dir_path(i: int) -> str:
    """Relative path of directory ``i``: 0 is the root, ``i``'s parent is ``(i-1)//10``."""
    parts: list[str] = []
    while i > 0:
        parts.append(f"d{(i - 1) % DIRS_PER_DIR:02d}")
        i = (i - 1) // DIRS_PER_DIR
    return "/".join(reversed(parts))


def build_tree(n: int, *, quiet: bool = False) -> Path:
    """Return the root of a cached tree of ``n`` files, building it when missing.

    Args:
        n: number of files.
        quiet: print nothing while building.

    Returns:
        The tree's root folder.
    """
    root = TREES_DIR / f"files-{n}"
    marker = TREES_DIR / f"files-{n}.complete"
    if marker.exists() and root.is_dir():
        return root
    if root.exists():
        shutil.rmtree(root)
    start = time.perf_counter()
    if not quiet:
        print(f"building a tree of {n:,} files under {root} ...", file=sys.stderr, flush=True)
    root.mkdir(parents=True)
    ndirs = -(-n // FILES_PER_DIR)
    payload = bytes(range(256)) * 8
    for d in range(ndirs):
        rel = _dir_path(d)
        folder = os.path.join(root, rel) if rel else str(root)
        os.makedirs(folder, exist_ok=True)
        for k in range(d * FILES_PER_DIR, min(n, (d + 1) * FILES_PER_DIR)):
            path = os.path.join(folder, f"f{k:07d}.txt")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.write(fd, payload[: k % 2000])
            finally:
                os.close(fd)
            mtime = _EPOCH_NS + k * 10**9
            os.utime(path, ns=(mtime, mtime))
    marker.touch()
    if not quiet:
        took = time.perf_counter() - start
        print(f"built {n:,} files in {took:.1f}s", file=sys.stderr, flush=True)
    return root


def drop_tree(n: int) -> None:
    """Remove the cached tree of ``n`` files, if any."""
    (TREES_DIR / f"files-{n}.complete").unlink(missing_ok=True)
    shutil.rmtree(TREES_DIR / f"files-{n}", ignore_errors=True)


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["10000", "100000"]:
        print(build_tree(int(arg)))
