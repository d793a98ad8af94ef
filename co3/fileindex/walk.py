"""The disk scanner: one root's files, in byte-wise order of their relative paths.

``walk(root, ...)`` returns an iterator of batches (lists) of items. Items come in
strictly increasing byte-wise order of ``relpath`` (bytes, ``/``-separated, no leading
``./``), the order of ``ORDER BY path`` over a BLOB/bytea column, so the walk can be
merged against the database's rows one by one. An item is either

* an entry, a plain tuple ``(relpath, size, mtime_ns, inode, mode)`` (``Entry``): a
  regular file, or a symlink itself (its lstat data) when links are not followed. A
  followed link carries its target's stat data under the link's path. Directories are
  not entries, nor are FIFOs, sockets and devices; or
* a :class:`WalkError` (a ``NamedTuple``; test with ``type(item) is WalkError`` or
  ``isinstance``): for a file that vanished or could not be stat'ed, at the file's
  path; for a directory that could not be listed, at ``relpath_of_dir + b"/"`` with
  ``is_dir`` set, which sorts right before anything that was inside it: every database
  row whose path starts with it is unknown, not gone.

Why the order holds: each directory's entries are sorted by ``name + b"/"`` for a
directory and ``name`` for anything else, then walked depth first. Every path below a
directory ``d`` starts with ``d/``; names hold no ``/``, so ``d/`` is never a prefix of a
sibling's key and the first byte where two sibling keys differ orders everything below
them the same way. Memory is the listings on the current path (depth x fan-out), plus
those read ahead.

Speed: listing and lstat-ing a directory is done by the C extension
``co3.fileindex._scan`` when it was built (with the GIL released, so threads list
directories ahead of the consumer), else by ``os.scandir`` with identical results. Names
are exact bytes; ignore rules (:mod:`co3.fileindex.ignore`) cost nothing in a subtree
where no pattern applies.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from errno import EINVAL
from stat import S_ISDIR, S_ISLNK, S_ISREG
from typing import Any, NamedTuple, TypeAlias

from co3.exceptions import RootError
from co3.fileindex._listing import NATIVE, Listing, Pool, Task, list_dir_native, list_dir_py
from co3.fileindex.ignore import (
    ALWAYS_EXCLUDED,
    GIT_DIR,
    IGNORE_FILE,
    IgnorePatternError,
    IgnoreRules,
)

__all__ = [
    "NATIVE",
    "Entry",
    "Item",
    "WalkError",
    "iter_items",
    "stat_entry",
    "walk",
]

Entry: TypeAlias = tuple[bytes, int, int, int, int]
"""``(relpath, size, mtime_ns, inode, mode)``: one file (or symlink) of the root."""


class WalkError(NamedTuple):
    """A path the walk could not read; the merger reports it and keeps its rows.

    Attributes:
        relpath: the file's path, or a directory's path plus ``b"/"`` when ``is_dir``.
        is_dir: the directory could not be listed: everything under it is unknown.
        errno: the OS error number (0 when the error was not an OS error).
        message: what went wrong, for the user.
    """

    relpath: bytes
    is_dir: bool
    errno: int
    message: str


Item: TypeAlias = "Entry | WalkError"

# Directories listed ahead of the consumer, per directory on the current path.
_READ_AHEAD = 8


def _show(path: bytes) -> str:
    return path.decode("utf-8", "replace")


def _read_file(path: bytes) -> bytes:
    """A regular file's content (never blocks on a FIFO put in its place)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        if not S_ISREG(os.fstat(fd).st_mode):
            raise OSError(EINVAL, "not a regular file", path)
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _dir_error(prefix: bytes, exc: OSError | IgnorePatternError) -> WalkError:
    if isinstance(exc, IgnorePatternError):
        return WalkError(prefix, True, 0, str(exc))
    reason = exc.strerror or str(exc)
    name = exc.filename
    if name is not None and os.fsencode(name).endswith(b"/" + IGNORE_FILE):
        return WalkError(
            prefix, True, exc.errno or 0, f"cannot read {IGNORE_FILE.decode()}: {reason}"
        )
    return WalkError(prefix, True, exc.errno or 0, f"cannot list directory: {reason}")


def _file_error(relpath: bytes, errno: int) -> WalkError:
    return WalkError(relpath, False, errno, f"cannot stat: {os.strerror(errno)}")


class _Dir:
    """A directory to list: where it is, how its entries are named, which rules apply."""

    __slots__ = ("ids", "path", "prefix", "rules", "task")

    def __init__(
        self,
        path: bytes,
        prefix: bytes,
        rules: IgnoreRules,
        ids: tuple[tuple[int, int], ...] = (),
    ) -> None:
        self.path = path  # the path to list (through followed links, if any)
        self.prefix = prefix  # relpath + b"/" (b"" for the root)
        self.rules = rules
        self.ids = ids  # (st_dev, st_ino) of the directories above (follow mode)
        self.task: Task | None = None


class _Walker:
    def __init__(
        self,
        root: bytes,
        rules: IgnoreRules,
        follow_symlinks: bool,
        exclude_git: bool,
        native: bool,
        threads: int,
    ) -> None:
        self.root = root
        self.follow = follow_symlinks
        self.exclude_git = exclude_git
        self.lister = list_dir_native if native else list_dir_py
        self.threads = threads
        self.pool: Pool | None = None
        real = os.path.realpath(root) if follow_symlinks else b""
        self.root_real = real  # followed links must resolve to it or below it
        self.root_under = real if real.endswith(b"/") else real + b"/"
        self.top = _Dir(root, b"", rules)

    # -- listing ---------------------------------------------------------------------

    def _task(self, d: _Dir) -> Task:
        return Task(self.lister, (d.path, d.prefix, self.follow, IGNORE_FILE))

    def _submit(self, d: _Dir) -> None:
        assert self.pool is not None
        d.task = self._task(d)
        self.pool.queue.put(d.task)

    def _listing(self, d: _Dir) -> Listing | OSError:
        task = d.task or self._task(d)
        d.task = None
        return task.wait()

    # -- one directory ---------------------------------------------------------------

    def expand(self, d: _Dir, listing: Listing) -> list[Any]:
        """Turn a listing into segments: runs of items (lists) and directories (_Dir).

        Raises:
            OSError: the directory's ``.co3ignore`` cannot be read.
            IgnorePatternError: it holds an invalid pattern.
        """
        items, marks = listing
        plen = len(d.prefix)
        rules = d.rules
        for i in marks:
            it = items[i]
            if it.__class__ is tuple and len(it) == 5 and it[0][plen:] == IGNORE_FILE:
                if S_ISREG(it[4]):  # like git, a symlinked .co3ignore is not read
                    data = _read_file(d.path + b"/" + IGNORE_FILE)
                    rules = rules.with_file(plen, data, _show(d.prefix + IGNORE_FILE))
                break
        ids = d.ids
        if self.follow:
            st = os.stat(d.path)
            ids = (*ids, (st.st_dev, st.st_ino))
        if not rules and not self.follow:
            return self._expand_fast(d, items, marks, rules)
        return self._expand_full(d, items, rules, ids)

    def _expand_fast(
        self, d: _Dir, items: list[Any], marks: list[int], rules: IgnoreRules
    ) -> list[Any]:
        """No rule applies and links are not followed: only marked items need a look."""
        if not marks:
            return [items] if items else []
        plen = len(d.prefix)
        exclude_git = self.exclude_git
        segs: list[Any] = []
        run: list[Any] = []
        start = 0
        for i in marks:
            if i > start:
                run.extend(items[start:i])
            start = i + 1
            it = items[i]
            if it.__class__ is bytes:
                name = it[plen:]
                if name == ALWAYS_EXCLUDED or (exclude_git and name == GIT_DIR):
                    continue
                if run:
                    segs.append(run)
                    run = []
                segs.append(_Dir(d.path + b"/" + name, it + b"/", rules))
            elif len(it) == 2:
                run.append(_file_error(it[0], it[1]))
            else:
                run.append(it)
        run.extend(items[start:])
        if run:
            segs.append(run)
        return segs

    def _expand_full(
        self,
        d: _Dir,
        items: list[Any],
        rules: IgnoreRules,
        ids: tuple[tuple[int, int], ...],
    ) -> list[Any]:
        """Every item gets a look: ignore rules apply, or links may be followed."""
        plen = len(d.prefix)
        kept: list[Any] = []
        resort = False
        for it in items:
            if it.__class__ is bytes:
                kept.append(_Dir(d.path + b"/" + it[plen:], it + b"/", rules, ids))
            elif len(it) == 2:
                kept.append(_file_error(it[0], it[1]))
            elif self.follow and S_ISLNK(it[4]):
                target = self._follow(d, it, ids, rules)
                if target.__class__ is _Dir:
                    resort = True
                kept.append(target)
            else:
                kept.append(it)
        if resort:
            kept.sort(key=_sort_key)
        segs: list[Any] = []
        run: list[Any] = []
        exclude_git = self.exclude_git
        match = rules.match if rules else None
        for it in kept:
            if it.__class__ is _Dir:
                rel = it.prefix[:-1]
                name = rel[plen:]
                if name == ALWAYS_EXCLUDED or (exclude_git and name == GIT_DIR):
                    continue
                if match and match(rel, True):
                    continue
                if run:
                    segs.append(run)
                    run = []
                segs.append(it)
            elif not (match and match(it[0], False)):
                run.append(it)
        if run:
            segs.append(run)
        return segs

    def _follow(
        self, d: _Dir, link: Entry, ids: tuple[tuple[int, int], ...], rules: IgnoreRules
    ) -> Any:
        """What a symlink stands for when following: its target, or the link itself.

        A link is followed only when its target resolves inside the root, outside any
        ``.co3`` folder, exists, and (for a directory) is not one of the directories
        above it (a loop).
        """
        rel = link[0]
        path = d.path + b"/" + rel[len(d.prefix) :]
        real = os.path.realpath(path)
        if real != self.root_real and not real.startswith(self.root_under):
            return link
        if b"/" + ALWAYS_EXCLUDED + b"/" in real[len(self.root_under) - 1 :] + b"/":
            return link
        try:
            st = os.stat(path)
        except OSError:
            return link
        if S_ISDIR(st.st_mode):
            if (st.st_dev, st.st_ino) in ids:
                return link
            return _Dir(path, rel + b"/", rules, ids)
        if S_ISREG(st.st_mode):
            return (rel, st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode)
        return link

    # -- the walk --------------------------------------------------------------------

    def first(self) -> list[Any]:
        """The root's segments, read before the walk starts so root errors raise here."""
        listing = self._listing(self.top)
        if isinstance(listing, OSError):
            raise _root_error(self.root, listing) from listing
        try:
            return self.expand(self.top, listing)
        except OSError as exc:
            where = os.fsencode(exc.filename) if exc.filename is not None else self.root
            raise RootError(
                f"cannot read {_show(where)} ({exc.strerror}); fix its permissions"
            ) from exc
        except IgnorePatternError as exc:
            raise RootError(f"{exc}; fix or remove the pattern") from exc

    def batches(self, segs: list[Any]) -> Iterator[list[Item]]:
        if self.threads > 0:
            self.pool = Pool(self.threads)
        # A frame: [segments, next segment, its directories, how many are submitted].
        stack: list[list[Any]] = []
        try:
            self._push(stack, segs)
            while stack:
                frame = stack[-1]
                segs, pos = frame[0], frame[1]
                if pos == len(segs):
                    stack.pop()
                    continue
                frame[1] = pos + 1
                seg = segs[pos]
                if seg.__class__ is list:
                    yield seg
                    continue
                if self.pool is not None and frame[3] < len(frame[2]):
                    self._submit(frame[2][frame[3]])
                    frame[3] += 1
                listing = self._listing(seg)
                if isinstance(listing, OSError):
                    yield [_dir_error(seg.prefix, listing)]
                    continue
                try:
                    sub = self.expand(seg, listing)
                except (OSError, IgnorePatternError) as exc:
                    yield [_dir_error(seg.prefix, exc)]
                    continue
                if sub:
                    self._push(stack, sub)
        finally:
            if self.pool is not None:
                for frame in stack:  # nobody will want these now
                    for d in frame[2]:
                        if d.task is not None:
                            d.task.claim()
                self.pool.stop()
                self.pool = None

    def _push(self, stack: list[list[Any]], segs: list[Any]) -> None:
        dirs = [s for s in segs if s.__class__ is _Dir] if self.pool is not None else []
        n = min(len(dirs), _READ_AHEAD)
        for d in dirs[:n]:
            self._submit(d)
        stack.append([segs, 0, dirs, n])


def _sort_key(item: Any) -> bytes:
    if item.__class__ is _Dir:
        return item.prefix
    return item[0]  # type: ignore[no-any-return]


def _root_error(root: bytes, exc: OSError) -> RootError:
    where = _show(root)
    if isinstance(exc, FileNotFoundError):
        return RootError(f"root {where} does not exist; create it or fix the root's path")
    if isinstance(exc, NotADirectoryError):
        return RootError(f"root {where} is not a folder; point the root at a folder")
    return RootError(
        f"cannot read root {where} ({exc.strerror}); fix its permissions or choose another root"
    )


def walk(
    root: str | bytes | os.PathLike[str] | os.PathLike[bytes],
    *,
    ignore: Iterable[str] = (),
    follow_symlinks: bool = False,
    exclude_git: bool = True,
    threads: int | None = None,
    native: bool | None = None,
) -> Iterator[list[Item]]:
    """Walk one root: batches of entries and errors in byte-wise order of relpath.

    The root is checked and listed when this is called, so a bad root raises here,
    before any batch.

    Args:
        root: the root folder (a symlink to a folder is fine).
        ignore: gitignore-style patterns relative to the root (the config's).
        follow_symlinks: follow symlinks, never out of the root nor round a loop; a
            link that is not followed is reported as itself.
        exclude_git: leave out every ``.git`` directory (patterns cannot re-include
            them: a broad ``!*/`` must not pull a repository's internals in).
        threads: threads listing directories ahead of the consumer; None: 2 with the
            C lister, 0 (all in the caller's thread) with the pure-Python one, for
            which threads cost more than they save.
        native: use the C lister (True), the pure-Python one (False), or the C one
            when it was built (None).

    Returns:
        An iterator of non-empty lists of items (:data:`Entry` or :class:`WalkError`).

    Raises:
        RootError: the root is missing, not a folder, or cannot be read (nor its
            ``.co3ignore``).
        ConfigError: an ``ignore`` pattern is not valid.
        RuntimeError: ``native=True`` but the C lister was not built.
    """
    if native is None:
        native = NATIVE
    elif native and not NATIVE:
        raise RuntimeError("the C lister co3.fileindex._scan was not built")
    if threads is None:
        threads = 2 if native else 0
    root_b = os.fsencode(root)
    if root_b != b"/":
        root_b = root_b.rstrip(b"/") or b"/"
    walker = _Walker(
        root_b, IgnoreRules.from_config(ignore), follow_symlinks, exclude_git, native, threads
    )
    return walker.batches(walker.first())


def iter_items(
    root: str | bytes | os.PathLike[str] | os.PathLike[bytes], **kwargs: Any
) -> Iterator[Item]:
    """The items of :func:`walk` one by one (same arguments)."""
    for batch in walk(root, **kwargs):
        yield from batch


def stat_entry(
    root: str | bytes | os.PathLike[str] | os.PathLike[bytes],
    relpath: bytes,
    *,
    follow_symlinks: bool = False,
) -> Entry | None:
    """The entry of one path now, as the walk would give it; None when it is not a file.

    For re-checking an item just before acting on it. With ``follow_symlinks`` the
    target's stat is used (the caller has checked the link was followed by the walk).

    Raises:
        OSError: the path cannot be stat'ed (e.g. it vanished).
    """
    st = os.stat(os.path.join(os.fsencode(root), relpath), follow_symlinks=follow_symlinks)
    if S_ISREG(st.st_mode) or S_ISLNK(st.st_mode):
        return (relpath, st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode)
    return None
