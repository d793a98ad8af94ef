"""Listing one directory for the walk, and the threads that list ahead of it.

``list_dir(path, prefix, want_links=False, mark=b"")`` returns ``(items, marks)``: the
directory's entries sorted in walk order (by name, with ``/`` appended to a directory's
name) and the indices of the items that need a closer look. An item is an entry tuple
``(prefix + name, size, mtime_ns, inode, mode)`` (lstat data) for a regular file or a
symlink, ``prefix + name`` (bytes) for a directory, or ``(prefix + name, errno)`` when
lstat failed; FIFOs, sockets and devices are left out. Marked: directories, failures,
symlinks when ``want_links``, and the entry named ``mark``. The C extension
``co3.fileindex._scan`` does this with the GIL released; ``list_dir_py`` is its
pure-Python twin (``os.scandir``), used when the extension was not built.
"""

from __future__ import annotations

import os
from _thread import allocate_lock
from collections.abc import Callable
from stat import S_ISDIR, S_ISLNK, S_ISREG
from typing import Any, TypeAlias

__all__ = ["NATIVE", "Listing", "Pool", "Task", "list_dir_native", "list_dir_py"]

# A directory listing: items sorted in walk order and the indices of the items that
# are not plain entries. Items: Entry tuple; bytes (a directory's relpath); (relpath,
# errno) when lstat failed.
Listing: TypeAlias = tuple[list[Any], list[int]]

_list_dir_c: Callable[[bytes, bytes, bool, bytes], Listing] | None
try:
    from co3.fileindex._scan import list_dir as _list_dir_c
except ImportError:  # not built (no compiler, or not Linux): the pure-Python lister
    _list_dir_c = None

NATIVE: bool = _list_dir_c is not None
"""Whether the C lister was built (``walk`` then uses it by default)."""


def list_dir_py(path: bytes, prefix: bytes, want_links: bool = False, mark: bytes = b"") -> Listing:
    """List and lstat one directory: the pure-Python twin of ``_scan.list_dir``."""
    keyed: list[tuple[bytes, Any, bool]] = []
    append = keyed.append
    with os.scandir(path) as it:
        for e in it:
            name = e.name
            if e.is_dir(follow_symlinks=False):
                append((name + b"/", prefix + name, True))
                continue
            if not (e.is_file(follow_symlinks=False) or e.is_symlink()):
                continue
            try:
                st = e.stat(follow_symlinks=False)
            except OSError as exc:
                append((name, (prefix + name, exc.errno or 0), True))
                continue
            mode = st.st_mode
            if S_ISREG(mode) or S_ISLNK(mode):
                item = (prefix + name, st.st_size, st.st_mtime_ns, st.st_ino, mode)
                append((name, item, name == mark or (want_links and S_ISLNK(mode))))
            elif S_ISDIR(mode):
                append((name + b"/", prefix + name, True))
    keyed.sort()  # keys are unique: items are never compared
    return [k[1] for k in keyed], [i for i, k in enumerate(keyed) if k[2]]


def list_dir_native(
    path: bytes, prefix: bytes, want_links: bool = False, mark: bytes = b""
) -> Listing:
    """List and lstat one directory with the C extension."""
    assert _list_dir_c is not None
    return _list_dir_c(path, prefix, want_links, mark)


class Task:
    """One listing, run by a worker thread or by the consumer, whichever claims it first."""

    __slots__ = ("args", "done", "failure", "lister", "result", "token")

    def __init__(self, lister: Any, args: tuple[Any, ...]) -> None:
        self.lister = lister
        self.args = args
        self.result: Listing | OSError | None = None
        self.failure: BaseException | None = None
        self.done = allocate_lock()
        self.done.acquire()
        self.token = [True]  # list.pop is atomic: whoever pops it runs the task

    def claim(self) -> bool:
        try:
            self.token.pop()
        except IndexError:
            return False
        return True

    def run(self) -> None:
        try:
            self.result = self.lister(*self.args)
        except OSError as exc:  # the directory cannot be listed: an item of the walk
            self.result = exc
        except BaseException as exc:  # a bug or MemoryError: raised again by wait()
            self.failure = exc
        finally:
            self.done.release()

    def wait(self) -> Listing | OSError:
        """Run the task here unless a worker has claimed it; then its result."""
        if self.claim():
            self.run()
        else:
            self.done.acquire()
        if self.failure is not None:
            raise self.failure
        assert self.result is not None
        return self.result


class Pool:
    """A few daemon threads that list directories queued ahead of the consumer."""

    def __init__(self, threads: int) -> None:
        import threading
        from queue import SimpleQueue

        self.queue: SimpleQueue[Task | None] = SimpleQueue()
        self.workers = [
            threading.Thread(target=self._work, name="co3-walk", daemon=True)
            for _ in range(threads)
        ]
        for worker in self.workers:
            worker.start()

    def _work(self) -> None:
        get = self.queue.get
        while (task := get()) is not None:
            if task.claim():
                task.run()

    def stop(self) -> None:
        for _ in self.workers:
            self.queue.put(None)
