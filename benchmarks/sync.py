"""``co3 sync`` against co3's own walker plus a bare ``executemany``, and a 1% re-sync.

On a tree of 100,000 files (``--files N`` for another size), measured in one run:

* first sync: ``co3 sync --yes`` into an empty SQLite index (a whole process), against
  a reference process that walks the tree with co3's walker and inserts the same rows
  with the stdlib ``sqlite3`` ``executemany`` into the same table definition, in one
  transaction. Target: ratio at most 1.5.
* re-sync: after 1% of the files changed (content and mtime), ``co3 sync --yes``
  against ``co3 status`` on the same state. Target: at most 1.2 (status plus 20%).
  The files are restored afterwards, so the cached tree stays as built.

Usage: ``python benchmarks/sync.py [--files N] [--reps N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import CO3, median_run, run_process
from _trees import TREES_DIR, build_tree, label

WORK = TREES_DIR / "sync-bench"

# The reference: co3's walker, then one executemany into the same `files` table.
REFERENCE = """
import socket, sqlite3, sys, time
from co3.fileindex.walk import walk
root, db = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db, isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("PRAGMA synchronous=NORMAL")
host, now = socket.gethostname(), time.time_ns()
rows = [
    (host, "root", e[0], e[1], e[2], e[3], e[4], None, now)
    for batch in walk(root) for e in batch
]
conn.execute("BEGIN IMMEDIATE")
conn.executemany(
    "INSERT INTO files (host, root, path, size, mtime_ns, inode, mode, hash, recorded_at_ns)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
conn.execute("COMMIT")
"""

# The same table definition as co3's index (created untimed, from co3's own schema).
CREATE = """
import sys
from co3.fileindex.store import IndexStore
IndexStore("sqlite:///" + sys.argv[1]).create()
"""


def _fresh(db: Path) -> None:
    for leftover in db.parent.glob(db.name + "*"):
        leftover.unlink()


def first_sync(root: Path, n: int, reps: int) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    ref_db, co3_db = WORK / f"ref-{n}.db", WORK / f"co3-{n}.db"
    ref_times, co3_times = [], []
    for _ in range(reps):
        _fresh(ref_db)
        subprocess.run([sys.executable, "-c", CREATE, str(ref_db)], check=True)
        ref_times.append(run_process([sys.executable, "-c", REFERENCE, str(root), str(ref_db)])[0])
        _fresh(co3_db)
        co3_times.append(
            run_process(
                [CO3, "--project", str(root), "--db", f"sqlite:///{co3_db}", "sync", "--yes"]
            )[0]
        )
    ref, ours = statistics.median(ref_times), statistics.median(co3_times)
    print(
        f"first sync {label(n)}: co3 {ours:.3f}s  walker+executemany {ref:.3f}s  "
        f"ratio {ours / ref:.2f}",
        flush=True,
    )


def _change(paths: list[str], restore: dict[str, tuple[bytes, int]] | None) -> None:
    for path in paths:
        if restore is None:
            with open(path, "ab") as handle:
                handle.write(b"+")
            st = os.stat(path)
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        else:
            data, mtime = restore[path]
            with open(path, "wb") as handle:
                handle.write(data)
            os.utime(path, ns=(mtime, mtime))


def resync(root: Path, n: int, reps: int) -> None:
    db = WORK / f"co3-{n}.db"
    base = [CO3, "--project", str(root), "--db", f"sqlite:///{db}"]
    _fresh(db)
    subprocess.run([*base, "sync", "--yes"], check=True, stderr=subprocess.DEVNULL)
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(root) if ".co3" not in d for f in fs)
    chosen = files[::100][: n // 100]
    saved = {}
    for path in chosen:
        with open(path, "rb") as handle:
            saved[path] = (handle.read(), os.stat(path).st_mtime_ns)
    status_times, sync_times = [], []
    try:
        for _ in range(reps):
            _change(chosen, None)
            status_times.append(median_run([*base, "status"], 1).seconds)
            sync_times.append(run_process([*base, "sync", "--yes"])[0])
            _change(chosen, saved)
            subprocess.run(
                [*base, "sync", "--yes"],
                check=True,
                stderr=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
    finally:
        _change(chosen, saved)
    st, sy = statistics.median(status_times), statistics.median(sync_times)
    print(
        f"re-sync {label(n)} after {len(chosen)} changes: sync {sy:.3f}s  status {st:.3f}s  "
        f"ratio {sy / st:.2f}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    root = build_tree(args.files)
    first_sync(root, args.files, args.reps)
    resync(root, args.files, args.reps)


if __name__ == "__main__":
    main()
