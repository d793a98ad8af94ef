"""``co3 status`` on a freshly synced tree against ``find`` and ``git status``.

For each tree (10k and 100k files; add 1M with ``--big``): the index is synced once,
the caches are warmed, then each command runs ``--reps`` times as a whole process
(start-up included) and the medians are compared:

* ``co3 status`` (the index in a SQLite file beside the tree);
* ``find ROOT -type f -printf '%s %T@ %p\\n'``: the stat walk, the floor;
* ``git status --porcelain`` on a copy of the tree committed to a git index (10k/100k).

Targets (issue 3): status/find at most 2.0 at 100k; peak RSS under 120 MB at 100k and
growing far slower than the tree.
Usage: ``python benchmarks/status.py [--big] [--reps N]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import CO3, median_run
from _trees import TREES_DIR, build_tree, label

WORK = TREES_DIR / "status-bench"


def synced_index(root: Path, n: int) -> str:
    """A SQLite index of ``root``, synced once and reused."""
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / f"index-{n}.db"
    url = f"sqlite:///{db}"
    cmd = [CO3, "--project", str(root), "--db", url]
    if subprocess.run([*cmd, "status"], stdout=subprocess.DEVNULL).returncode != 0:
        for leftover in WORK.glob(f"index-{n}.db*"):
            leftover.unlink()
        subprocess.run([*cmd, "sync", "--yes"], check=True, stderr=subprocess.DEVNULL)
    return url


def git_copy(root: Path, n: int) -> Path:
    """A copy of the tree committed to git (built once)."""
    copy = WORK / f"git-{n}"
    done = WORK / f"git-{n}.complete"
    if not done.exists():
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".co3"))
        git = ["git", "-C", str(copy), "-c", "user.name=b", "-c", "user.email=b@b"]
        subprocess.run([*git, "init", "-q"], check=True)
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-qm", "tree"], check=True)
        done.touch()
    return copy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also 1,000,000 files")
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    sizes = [10_000, 100_000] + ([1_000_000] if args.big else [])
    for n in sizes:
        root = build_tree(n)
        url = synced_index(root, n)
        status_cmd = [CO3, "--project", str(root), "--db", url, "status"]
        find_cmd = ["find", str(root), "-type", "f", "-printf", "%s %T@ %p\n"]
        # Warm the page cache and the dentry cache.
        median_run(find_cmd, 1)
        median_run(status_cmd, 1, ok=(0,))
        find = median_run(find_cmd, args.reps)
        status = median_run(status_cmd, args.reps, ok=(0,))
        line = (
            f"status {label(n):>4}: co3 {status.seconds:.3f}s  find {find.seconds:.3f}s  "
            f"ratio {status.seconds / find.seconds:.2f}  peak RSS {status.rss_mb:.1f} MB"
        )
        if n <= 100_000:
            copy = git_copy(root, n)
            git_cmd = ["git", "-C", str(copy), "status", "--porcelain"]
            median_run(git_cmd, 1)
            git = median_run(git_cmd, args.reps)
            line += (
                f"  | git status {git.seconds:.3f}s (git/find {git.seconds / find.seconds:.2f},"
                f" co3/git {status.seconds / git.seconds:.2f})"
            )
        print(line, flush=True)


if __name__ == "__main__":
    main()
