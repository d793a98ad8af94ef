"""``co3-tui --demo``: a sample project with every kind of pending change.

The demo is a folder of a few hundred files (notes, code, photos, data), indexed by an
earlier sync, after which files were added, changed, touched, renamed and removed. Its
content is fixed: the same names, bytes and mtimes (set in the past) every time, and
the index's recorded times are fixed too, so screenshots and snapshots are stable.
"""

from __future__ import annotations

import dataclasses
import os
import random
import shutil
from pathlib import Path

__all__ = ["DEMO_MARKER", "DemoError", "build_demo", "check_demo_folder"]

DEMO_MARKER = ".co3-demo"
DEMO_HOST = "demo"
DEMO_ROOT = "demo"

# 2026-11-01 08:00:00 UTC: every demo mtime is this plus a fixed offset.
_EPOCH_NS = 1_793_520_000 * 10**9
_MINUTE_NS = 60 * 10**9
# The earlier sync: after every original file, before every later change.
_SYNCED_AT_NS = _EPOCH_NS + 30 * 24 * 60 * _MINUTE_NS

_CONFIG = f"""\
# The co3-tui demo project (rebuilt by `co3-tui --demo DIR`).
[database]
url = "sqlite:///.co3/index.db"

[disk]
roots = [{{path = ".", name = "{DEMO_ROOT}"}}]
host = "{DEMO_HOST}"
ignore = ["{DEMO_MARKER}", "co3.toml"]
"""

_WORDS = (
    "archive",
    "backup",
    "catalog",
    "cluster",
    "delta",
    "draft",
    "ember",
    "field",
    "garden",
    "harbor",
    "index",
    "journal",
    "kernel",
    "ledger",
    "mirror",
    "notes",
    "orbit",
    "parcel",
    "quarry",
    "river",
    "signal",
    "table",
    "timber",
    "vector",
    "window",
    "yield",
    "zenith",
)


class DemoError(Exception):
    """The demo folder cannot be used (not empty and not an earlier demo)."""


def _text(rng: random.Random, lines: int) -> bytes:
    out = []
    for _ in range(lines):
        out.append(" ".join(rng.choice(_WORDS) for _ in range(rng.randint(4, 12))))
    return ("\n".join(out) + "\n").encode()


def _original_files() -> list[tuple[str, bytes]]:
    """The files of the first sync, in a fixed order with fixed content."""
    rng = random.Random(2026)
    files: list[tuple[str, bytes]] = []
    for month in (9, 10, 11):
        for day in range(1, 31, 1 if month == 11 else 2):
            files.append(
                (f"journal/2026-{month:02d}-{day:02d}.md", b"# Journal\n\n" + _text(rng, 6))
            )
    for project in ("atlas", "beacon", "cobalt", "dune"):
        files.append(
            (f"projects/{project}/README.md", b"# " + project.encode() + b"\n\n" + _text(rng, 4))
        )
        for module in ("core", "io", "cli", "util", "tests"):
            body = f"def {module}_{project}():\n    return {rng.randint(1, 999)}\n".encode()
            files.append((f"projects/{project}/src/{module}.py", body * rng.randint(1, 30)))
    for album in ("2025-summer", "2026-spring", "2026-autumn"):
        for i in range(24):
            files.append(
                (f"photos/{album}/IMG_{i:04d}.jpg", rng.randbytes(rng.randint(2000, 9000)))
            )
    for name in ("prices", "rainfall", "readings", "stations", "visitors"):
        rows = "\n".join(
            ",".join(str(rng.randint(0, 9999)) for _ in range(6))
            for _ in range(rng.randint(20, 80))
        )
        files.append((f"data/{name}.csv", f"a,b,c,d,e,f\n{rows}\n".encode()))
    for i in range(30):
        files.append((f"inbox/note-{i:02d}.txt", _text(rng, 2)))
    return files


def _write(root: Path, rel: str, data: bytes, mtime_ns: int) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(mtime_ns, mtime_ns))


def check_demo_folder(folder: str | os.PathLike[str]) -> Path:
    """Check that ``folder`` may hold the demo, changing nothing; returns it absolute.

    Raises:
        DemoError: ``folder`` is a file, or a non-empty folder that is not a demo.
    """
    path = Path(folder).absolute()
    if path.exists():
        if not path.is_dir():
            raise DemoError(
                f"{path} is a file; give a folder that is absent, empty or an earlier demo."
            )
        if any(path.iterdir()) and not (path / DEMO_MARKER).exists():
            raise DemoError(
                f"{path} is not empty and is not an earlier demo; "
                "give a folder that is absent, empty or an earlier demo."
            )
    return path


def _prepare_folder(folder: Path) -> None:
    check_demo_folder(folder)
    if folder.exists():
        for entry in list(folder.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    folder.mkdir(parents=True, exist_ok=True)


def build_demo(folder: str | os.PathLike[str]) -> Path:
    """Build (or rebuild) the demo project in ``folder``; returns its absolute path.

    Raises:
        DemoError: ``folder`` is a file, or a non-empty folder that is not a demo.
    """
    from co3.fileindex.index import FileIndex
    from co3.project import load_project

    root = Path(folder).absolute()
    _prepare_folder(root)
    (root / DEMO_MARKER).write_text("A co3-tui demo project; co3-tui --demo rebuilds it.\n")
    (root / "co3.toml").write_text(_CONFIG)
    originals = _original_files()
    for i, (rel, data) in enumerate(originals):
        _write(root, rel, data, _EPOCH_NS + i * 37 * _MINUTE_NS)

    # The earlier sync hashed every file, so touched files can be told from modified ones.
    project = dataclasses.replace(load_project(root), hash_policy="always")
    with FileIndex(project) as index:
        index.sync(force=True)
        store = index.store
        with store.transaction():
            store.execute("UPDATE {files} SET recorded_at_ns = ?", (_SYNCED_AT_NS,))
            store.execute(
                "UPDATE {runs} SET started_at_ns = ?, finished_at_ns = ?",
                (_SYNCED_AT_NS - 2 * 10**9, _SYNCED_AT_NS),
            )

    # After the sync: one of every kind of pending change, at fixed later times.
    later = _SYNCED_AT_NS + 60 * _MINUTE_NS
    rng = random.Random(11)
    for i in range(12):  # new
        _write(root, f"inbox/new-{i:02d}.md", b"# New\n\n" + _text(rng, 3), later + i * _MINUTE_NS)
    _write(root, "projects/eden/README.md", b"# eden\n\nA new project.\n", later + 20 * _MINUTE_NS)
    for i, rel in enumerate(  # modified: new content
        [
            "journal/2026-11-29.md",
            "data/prices.csv",
            "projects/atlas/src/core.py",
            "projects/beacon/README.md",
            "inbox/note-03.txt",
        ]
    ):
        _write(root, rel, (root / rel).read_bytes() + b"\nedited\n", later + (30 + i) * _MINUTE_NS)
    for i, rel in enumerate(["data/rainfall.csv", "journal/2026-10-05.md"]):  # touched
        t = later + (40 + i) * _MINUTE_NS
        os.utime(root / rel, ns=(t, t))
    for old, new in (  # moved
        ("inbox/note-07.txt", "projects/cobalt/notes.txt"),
        ("photos/2026-autumn/IMG_0003.jpg", "photos/2026-autumn/harbor.jpg"),
    ):
        (root / new).parent.mkdir(parents=True, exist_ok=True)
        os.rename(root / old, root / new)
    for rel in (
        "inbox/note-10.txt",
        "inbox/note-11.txt",
        "photos/2025-summer/IMG_0020.jpg",
        "projects/dune/src/tests.py",
    ):  # gone
        (root / rel).unlink()
    return root
