"""Walk speed and memory against ``find``, measured in the same run.

For each tree (10k and 100k files; 1M with ``--big``), after warming the cache:

* ``find ROOT -type f -printf '%s %T@ %p\\n'`` (output to /dev/null), as a process;
* ``walk``: a fresh ``python -c`` process that imports co3's walker and walks the tree
  (start-up included), with its peak RSS (``VmHWM``);
* ``walk-py``: the same with the pure-Python lister (``native=False``), the fallback
  when the C extension was not built;
* ``in-process``: the walk alone inside this process; ``in-process+rules`` with three
  ignore patterns (matching nothing), so that every entry goes through pathspec.

Each figure is the median of ``--reps`` runs. Children run with bytecode caching on
(``PYTHONDONTWRITEBYTECODE`` removed), as an installed co3 runs; otherwise every start
would recompile co3's modules. Usage: ``python benchmarks/walk.py [--big]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _trees import build_tree, label

from co3.fileindex.walk import NATIVE, walk

# Peak RSS: VmHWM, the high-water mark of this process's own memory. (ru_maxrss is
# carried over across execve, so a child would report its parent's size.)
PEAK = """
def peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

CHILD = (
    PEAK
    + """
import sys
from co3.fileindex.walk import walk
n = 0
for batch in walk(sys.argv[1], native={native}):
    n += len(batch)
print(n, peak_kb())
"""
)

BARE = PEAK + "import co3.fileindex.walk\nprint(0, peak_kb())"

# Config patterns that match nothing in the tree: every entry is checked by pathspec.
RULES = ["*.tmp", "build/", "!keep.tmp"]

ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _find(root: Path) -> None:
    subprocess.run(
        ["find", str(root), "-type", "f", "-printf", "%s %T@ %p\n"],
        stdout=subprocess.DEVNULL,
        check=True,
    )


def _child(code: str, root: Path) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", code, str(root)],
        capture_output=True,
        check=True,
        text=True,
        env=ENV,
    ).stdout.split()
    return int(out[0]), int(out[1])


def _in_process(root: Path, ignore: list[str] | None = None) -> int:
    return sum(len(batch) for batch in walk(root, ignore=ignore or ()))


def bench(n: int, reps: int) -> None:
    root = build_tree(n)
    name = label(n)
    native_code = CHILD.format(native="None")
    py_code = CHILD.format(native="False")
    _find(root)  # warm the cache (and write co3's bytecode caches)
    count, rss = _child(native_code, root)
    assert count == n, f"walked {count} entries, expected {n}"
    _, rss_py = _child(py_code, root)
    _, rss_bare = _child(BARE, root)
    runs: dict[str, Callable[[], object]] = {
        "find": lambda: _find(root),
        "walk": lambda: _child(native_code, root),
        "walk-py": lambda: _child(py_code, root),
        "in-process": lambda: _in_process(root),
        "in-process+rules": lambda: _in_process(root, RULES),
    }
    times: dict[str, list[float]] = {key: [] for key in runs}
    for _ in range(reps):  # interleaved, so that noise from other processes hits all alike
        for key, run in runs.items():
            start = time.perf_counter()
            run()
            times[key].append(time.perf_counter() - start)
    t = {key: statistics.median(values) for key, values in times.items()}
    t_find = t["find"]
    lister = "C lister" if NATIVE else "pure Python (C lister not built)"
    for key in ("walk", "walk-py", "in-process", "in-process+rules"):
        note = f"  ({lister})" if key == "walk" else ""
        print(f"{key} {name}: {t[key]:.3f}s  find {t_find:.3f}s  ratio {t[key] / t_find:.2f}{note}")
    print(
        f"peak RSS {name}: walk {rss / 1024:.1f} MB  walk-py {rss_py / 1024:.1f} MB  "
        f"(python importing the walker, no walk: {rss_bare / 1024:.1f} MB)"
    )
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also the 1M-file tree")
    parser.add_argument("--reps", type=int, default=7, help="runs per figure (median)")
    args = parser.parse_args()
    sizes = [10_000, 100_000] + ([1_000_000] if args.big else [])
    for n in sizes:
        bench(n, args.reps)


if __name__ == "__main__":
    main()
