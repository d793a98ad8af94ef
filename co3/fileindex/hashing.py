"""Content hashes for the file index: BLAKE3, 32-byte digests (raw ``bytes``).

Why BLAKE3 (the ``blake3`` package, the official Rust implementation's bindings): it is
cryptographic, so two different contents never share a hash in practice and a
"touched" verdict (stat changed, content equal) can be trusted even against crafted
files, which xxHash's XXH3 (fast, but not collision resistant) cannot promise; it is
still faster than XXH3-class speeds need here (several GB/s per core with SIMD), it
releases the GIL while hashing, so threads hash several files at once, and it can
split one large file across cores. ``sha256sum`` is more than ten times slower on
the same files (``benchmarks/hashing.py``).

Digests are the raw 32 bytes (the ``files.hash`` column is a BLOB/bytea); use
``.hex()`` to show one. A symlink that is not followed hashes as its target path's
bytes (as git hashes a link), so its hash changes when the link is repointed.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from errno import EINVAL, EISDIR, ELOOP
from stat import S_ISDIR, S_ISREG
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["DIGEST_SIZE", "HASH_NAME", "hash_bytes", "hash_file", "hash_files"]

HASH_NAME = "blake3"
DIGEST_SIZE = 32

_CHUNK = 1 << 20  # read size per thread (one reusable buffer each)
_BIG = 32 << 20  # from this size on, one file is hashed by several threads
_BIG_CHUNK = 8 << 20

PathArg: TypeAlias = "str | bytes | os.PathLike[str] | os.PathLike[bytes]"

_local = threading.local()


def _blake3() -> type:
    from blake3 import blake3

    return blake3


def hash_bytes(data: bytes) -> bytes:
    """The BLAKE3 digest of ``data`` (32 bytes)."""
    return _blake3()(data).digest()  # type: ignore[no-any-return]


def hash_file(path: PathArg, *, follow_symlinks: bool = False) -> bytes:
    """The BLAKE3 digest (32 bytes) of a file's content, read once.

    Args:
        path: the file.
        follow_symlinks: hash a symlink's target file; by default a symlink hashes as
            the bytes of the path it points to.

    Returns:
        The 32-byte digest.

    Raises:
        OSError: the file cannot be read: vanished (``FileNotFoundError``), permission
            denied (``PermissionError``), or not a regular file or symlink (``EISDIR``,
            ``EINVAL``). ``exc.strerror`` says which, for a per-file report.
    """
    blake3 = _blake3()
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == ELOOP and not follow_symlinks:
            link = os.fsencode(path)
            if os.path.islink(link):
                return blake3(os.readlink(link)).digest()  # type: ignore[no-any-return]
        raise
    try:
        st = os.fstat(fd)
        if not S_ISREG(st.st_mode):
            if S_ISDIR(st.st_mode):
                raise IsADirectoryError(EISDIR, os.strerror(EISDIR), path)
            raise OSError(EINVAL, "not a regular file", path)
        if st.st_size >= _BIG:
            return _hash_big(fd, blake3)
        buf = getattr(_local, "buf", None)
        if buf is None:
            buf = _local.buf = bytearray(_CHUNK)
            _local.view = memoryview(buf)
        view = _local.view
        hasher = blake3()
        readv = os.readv
        while n := readv(fd, [buf]):
            hasher.update(view[:n])
        return hasher.digest()  # type: ignore[no-any-return]
    finally:
        os.close(fd)


def _hash_big(fd: int, blake3: type) -> bytes:
    hasher = blake3(max_threads=blake3.AUTO)  # type: ignore[attr-defined]
    buf = bytearray(_BIG_CHUNK)
    view = memoryview(buf)
    while n := os.readv(fd, [buf]):
        hasher.update(view[:n])
    return hasher.digest()  # type: ignore[no-any-return]


def hash_files(
    paths: Iterable[PathArg], *, threads: int = 2, follow_symlinks: bool = False
) -> Iterator[tuple[PathArg, bytes | OSError]]:
    """Hash many files with a few threads, yielding results in the order given.

    Args:
        paths: the files.
        threads: how many files are hashed at once (1: all in this thread).
        follow_symlinks: as for :func:`hash_file`.

    Returns:
        An iterator of ``(path, digest)``, or ``(path, error)`` for a file that could
        not be read (the ``OSError`` that :func:`hash_file` raised).
    """
    if threads <= 1:
        for path in paths:
            try:
                yield path, hash_file(path, follow_symlinks=follow_symlinks)
            except OSError as exc:
                yield path, exc
        return

    from concurrent.futures import ThreadPoolExecutor

    window: deque[tuple[PathArg, Future[bytes]]] = deque()
    with ThreadPoolExecutor(threads, thread_name_prefix="co3-hash") as pool:
        try:
            for path in paths:
                window.append((path, pool.submit(hash_file, path, follow_symlinks=follow_symlinks)))
                if len(window) >= threads * 4:
                    yield _result(*window.popleft())
            while window:
                yield _result(*window.popleft())
        finally:
            for _, future in window:
                future.cancel()


def _result(path: PathArg, future: Future[bytes]) -> tuple[PathArg, bytes | OSError]:
    try:
        return path, future.result()
    except OSError as exc:
        return path, exc
