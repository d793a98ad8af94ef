"""The sync progress bar (rich) for a terminal; nothing when stderr is not one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from co3.syncer import SyncProgress

__all__ = ["progress_bar"]


@contextmanager
def progress_bar(stream: TextIO) -> Iterator[Callable[[SyncProgress], object] | None]:
    """A progress callback drawing items, rate and chunk size on ``stream`` if a terminal."""
    if not stream.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn("syncing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TextColumn("chunk {task.fields[chunk]}"),
        TimeElapsedColumn(),
        console=Console(file=stream),
        transient=False,
    ) as bar:
        task = bar.add_task("sync", total=None, rate="", chunk="-")

        def update(p: SyncProgress) -> None:
            rate = f"{p.rate:,.0f} items/s" if p.rate else ""
            bar.update(task, total=p.total, completed=p.done, rate=rate, chunk=p.chunk_size)

        yield update
