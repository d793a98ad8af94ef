"""``co3 watch``: sync, then sync again whenever files change, until Ctrl-C.

Filesystem events (watchdog) are hints: a burst of them is coalesced into one scan of
the project, which decides what changed, and a full rescan runs every ``interval``
seconds anyway to repair anything the watcher missed. When the watcher cannot start
(for example, the inotify watch limit is reached), the command says so and rescans on
the interval alone.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
import time
from typing import Any, TextIO

from co3.exceptions import Co3Error
from co3.fileindex.index import FileIndex
from co3.fileindex.plan import iter_shown, quote_path
from co3.fileindex.store import SyncLockedError
from co3.fileindex.sync import check_guards
from co3.project import Project

__all__ = ["watch"]

QUIET = 0.2  # seconds without events that end a burst
BURST_MAX = 2.0  # the longest a burst delays a scan


def _start_observer(
    project: Project, wake: threading.Event, out: TextIO, skip_files: list[bytes]
) -> Any | None:
    """A running watchdog observer over every root, or None when it cannot run.

    Events under ``.co3/`` (and ``.git/`` unless indexed), and on the files in
    ``skip_files`` (an index database inside a root, with its journal files), are
    ignored: a sync writing them must not wake the next one.
    """
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    inside = [os.fsencode(project.index_dir) + b"/", *skip_files]
    anywhere = [b"/.git/"] if project.ignore_git else []

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            if event.is_directory and event.event_type == "modified":
                return  # the change of an entry inside it has an event of its own
            for raw in (event.src_path, getattr(event, "dest_path", "")):
                if not raw:
                    continue
                path = os.fsencode(raw) + (b"/" if event.is_directory else b"")
                if not any(path.startswith(s) for s in inside) and not any(
                    s in path for s in anywhere
                ):
                    wake.set()
                    return

    observer = Observer()
    try:
        for root in project.roots:
            if root.path.is_dir():
                observer.schedule(Handler(), str(root.path), recursive=True)
        observer.start()
    except OSError as exc:
        observer.stop()
        if exc.errno == errno.ENOSPC:
            reason = (
                "the inotify watch limit is reached (raise fs.inotify.max_user_watches "
                "to watch this tree)"
            )
        else:
            reason = exc.strerror or str(exc)
        print(
            f"co3: cannot watch the files: {reason}; rescanning every interval instead.",
            file=out,
        )
        return None
    return observer


class _Syncer:
    """One scan and sync at a time; notices that repeat scan after scan print once."""

    def __init__(self, index: FileIndex, project: Project, force: bool, out: TextIO) -> None:
        self.index = index
        self.project = project
        self.force = force
        self.out = out
        self.notices: list[str] = []

    def notice(self, lines: list[str]) -> None:
        """Print ``lines`` (errors, refusals) unless the last scan printed the same."""
        if lines != self.notices:
            stamp = time.strftime("%H:%M:%S")
            for line in lines:
                print(f"{stamp} {line}", file=self.out)
        self.notices = lines

    def __call__(self, stop: threading.Event, *, first: bool = False) -> None:
        """Scan and sync; after the first time, a failure is printed and retried later."""
        try:
            self._sync(stop)
        except SyncLockedError as exc:
            self.notice([f"co3: {exc}"])
        except Exception as exc:
            if first:
                raise
            from co3.cli import _database_failure

            message = str(exc) if isinstance(exc, Co3Error) else _database_failure(exc)
            if message is None:
                raise
            self.notice([f"co3: {message}"])
        self.out.flush()

    def _sync(self, stop: threading.Event) -> None:
        plan = self.index.status(create_marker=True)
        errors = [f"! {quote_path(plan.display(e.root, e.path))}: {e.error}" for e in plan.errors]
        pending = [c for c in plan.changes if c.kind != "refresh"]
        refusals = [] if self.force else check_guards(plan, self.project.delete_limit)
        if refusals:
            self.notice(errors + [f"co3: refused: {refusal}" for refusal in refusals])
            return
        self.notice(errors)
        if not plan.changes:
            return
        plan, outcome = self.index.sync(plan, recheck=False, force=self.force, cancel=stop)
        if not pending:
            return
        stamp = time.strftime("%H:%M:%S")
        for line in iter_shown(plan):
            if not line.startswith("! "):
                print(f"{stamp} {line}", file=self.out)
        for change, reason in outcome.skipped:
            if change.kind != "gone" or not plan.errors:  # held-back deletes: see errors
                shown = quote_path(plan.display(change.root, change.path))
                print(f"{stamp} skipped {shown}: {reason}", file=self.out)


def watch(project: Project, *, interval: float = 60.0, force: bool = False) -> int:
    """Keep the index of ``project`` in step until Ctrl-C (or SIGTERM); returns 0."""
    out = sys.stdout
    stop = threading.Event()
    wake = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()
        wake.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    observer = None
    try:
        with FileIndex(project) as index:
            path = index.store.path
            skip = [os.fsencode(os.path.realpath(path))] if path else []
            # Watch first, then sync: a change made during the first sync wakes the next.
            observer = _start_observer(project, wake, out, skip)
            sync = _Syncer(index, project, force, out)
            sync(stop, first=True)
            live = "watching" if observer is not None else "polling"
            roots = "1 root" if len(project.roots) == 1 else f"{len(project.roots)} roots"
            print(f"co3: {live} {roots}; Ctrl-C stops.", file=out, flush=True)
            while not stop.is_set():
                woke = wake.wait(timeout=interval)
                if stop.is_set():
                    break
                if woke:
                    start = time.monotonic()
                    wake.clear()
                    # Coalesce the burst: wait for a quiet moment, within bounds.
                    while wake.wait(QUIET) and time.monotonic() - start < BURST_MAX:
                        wake.clear()
                        if stop.is_set():
                            break
                    if stop.is_set():
                        break
                    wake.clear()
                sync(stop)
    finally:
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("co3: stopped watching.", file=out)
    return 0
