"""Helpers for the co3-tui tests: databases to browse, and waiting for the app."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

SIZE = (120, 36)
"""The one terminal size of every snapshot."""


def pin_inodes(project: Path) -> None:
    """Give the demo's rows fixed inode numbers (the filesystem picks them), for snapshots."""
    conn = sqlite3.connect(project / ".co3" / "index.db")
    try:
        paths = [r[0] for r in conn.execute("SELECT path FROM files ORDER BY path")]
        with conn:
            for i, path in enumerate(paths):
                conn.execute("UPDATE files SET inode = ? WHERE path = ?", (4_200_100 + i, path))
    finally:
        conn.close()


def make_items(path: Path, rows: int) -> str:
    """A SQLite file with tables made by plain SQLAlchemy (no co3 schema): its URL.

    ``items``: ``id`` key, ``name`` text, ``data`` bytes (not all UTF-8),
    ``created_ns`` times; ``notes``: no primary key (pages by rowid); ``x``: a table
    a hostile filter might name.
    """
    import sqlalchemy as sa

    url = f"sqlite:///{path}"
    metadata = sa.MetaData()
    items = sa.Table(
        "items",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("data", sa.LargeBinary),
        sa.Column("created_ns", sa.BigInteger),
    )
    notes = sa.Table("notes", metadata, sa.Column("body", sa.Text))
    x = sa.Table("x", metadata, sa.Column("n", sa.Integer))
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            items.insert(),
            [
                {
                    "id": i,
                    "name": f"item {i:07d}",
                    "data": b"\xff\xferaw" if i % 10 == 0 else f"data {i}".encode(),
                    "created_ns": 1_793_520_000 * 10**9 + i * 60 * 10**9,
                }
                for i in range(1, rows + 1)
            ],
        )
        conn.execute(notes.insert(), [{"body": f"note {i}"} for i in range(1, 251)])
        conn.execute(x.insert(), [{"n": 1}])
    engine.dispose()
    return url


async def settle(pilot: Any) -> None:
    """Wait until no worker runs and every message they posted is handled."""
    from textual.worker import WorkerCancelled, WorkerFailed

    app = pilot.app

    def busy() -> bool:
        running = any(w.is_running for w in app.workers)
        return running or any(getattr(s, "pending", None) is not None for s in app.screen_stack)

    for _ in range(100):
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await app.workers.wait_for_complete()
        await pilot.pause()
        if not busy():
            await pilot.pause()
            if not busy():
                return
    raise AssertionError("the app did not settle")
