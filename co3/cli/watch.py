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

from co3.fileindex.index import FileIndex
from co3.fileindex.plan import iter_shown
from co3.fileindex.store import SyncLockedError
from co3.fileindex.sync import check_guards
from co3.project import Project

__all__ = ["watch"]

QUIET = 0.2  # seconds without events that end a burst
BURST_MAX = 2.0  # the longest a burst delays a scan


def _start_observer(project: Project, wake: threading.Event, out: TextIO) -> Any | None:
    """A running watchdog observer over every root, or None when it cannot run."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    skip = [os.fsencode(project.index_dir) + b"/"]
    if project.ignore_git:
        skip.append(b"/.git/")

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            for raw in (event.src_path, getattr(event, "dest_path", "")):
                path = os.fsencode(raw) + (b"/" if event.is_directory else b"")
                if path and not any(s in path or path.startswith(s) for s in skip):
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
            f"co3: cannot watch the files: {reason}; rescanning on the interval instead.", file=out
        )
        return None
    return observer


def _sync_once(
    index: FileIndex, project: Project, force: bool, out: TextIO, stop: threading.Event
) -> None:
    plan = index.status(create_marker=True)
    if plan.is_clean and not plan.changes:
        return
    refusals = [] if force else check_guards(plan, project.delete_limit)
    stamp = time.strftime("%H:%M:%S")
    if refusals:
        for refusal in refusals:
            print(f"{stamp} refused: {refusal}", file=out)
        return
    try:
        plan, outcome = index.sync(plan, recheck=False, force=force, cancel=stop)
    except SyncLockedError as exc:
        print(f"{stamp} {exc}", file=out)
        return
    for line in iter_shown(plan):
        print(f"{stamp} {line}", file=out)
    for change, reason in outcome.skipped:
        print(f"{stamp} skipped {plan.display(change.root, change.path)}: {reason}", file=out)
    out.flush()


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
            _sync_once(index, project, force, out, stop)
            observer = _start_observer(project, wake, out)
            live = "watching" if observer is not None else "polling"
            print(f"co3: {live} {len(project.roots)} root(s); Ctrl-C stops.", file=out)
            out.flush()
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
                _sync_once(index, project, force, out, stop)
    finally:
        if observer is not None:
            observer.stop()
            observer.join(timeout=5)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("co3: stopped watching.", file=out)
    return 0
