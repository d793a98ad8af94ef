"""Content hashing: BLAKE3 digests of files, links, and per-file errors."""

from __future__ import annotations

import errno
import multiprocessing
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest
from blake3 import blake3

from co3.fileindex import hashing
from co3.fileindex.hashing import DIGEST_SIZE, hash_bytes, hash_file, hash_files


@pytest.mark.parametrize("size", [0, 1, 1 << 20, (1 << 20) + 7, 3 * (1 << 20) + 1])
def test_digest_is_blake3_of_the_content(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    path = tmp_path / "f"
    path.write_bytes(data)
    expected = blake3(data).digest()
    assert hash_file(path) == expected
    assert hash_file(os.fsencode(path)) == expected
    assert hash_file(str(path)) == expected
    assert hash_bytes(data) == expected
    assert len(expected) == DIGEST_SIZE


def test_big_file_uses_several_threads_same_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hashing, "_BIG", 1 << 20)
    monkeypatch.setattr(hashing, "_BIG_CHUNK", 1 << 19)
    data = os.urandom(5 * (1 << 20) + 3)
    (tmp_path / "big").write_bytes(data)
    assert hash_file(tmp_path / "big") == blake3(data).digest()


def test_odd_name(tmp_path: Path) -> None:
    path = os.path.join(os.fsencode(tmp_path), b"caf\xe9\n ")
    with open(path, "wb") as f:
        f.write(b"x")
    assert hash_file(path) == blake3(b"x").digest()


def test_symlink_hashes_as_its_target_path_unless_followed(tmp_path: Path) -> None:
    (tmp_path / "t").write_bytes(b"content")
    os.symlink("t", tmp_path / "link")
    os.symlink("missing", tmp_path / "dangling")
    assert hash_file(tmp_path / "link") == blake3(b"t").digest()
    assert hash_file(tmp_path / "dangling") == blake3(b"missing").digest()
    assert hash_file(tmp_path / "link", follow_symlinks=True) == blake3(b"content").digest()
    with pytest.raises(FileNotFoundError):
        hash_file(tmp_path / "dangling", follow_symlinks=True)


def test_errors_are_oserrors_with_a_reason(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as missing:
        hash_file(tmp_path / "gone")
    assert missing.value.strerror == "No such file or directory"
    with pytest.raises(IsADirectoryError):
        hash_file(tmp_path)
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(OSError, match="not a regular file") as fifo:  # and it did not block
        hash_file(tmp_path / "fifo")
    assert fifo.value.errno == errno.EINVAL


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_hash_files_keeps_order_and_reports_errors_per_file(tmp_path: Path, threads: int) -> None:
    paths: list[Any] = []
    for i in range(40):
        path = tmp_path / f"f{i}"
        path.write_bytes(b"%d" % i)
        paths.append(path)
    paths.insert(7, tmp_path / "missing")
    got = list(hash_files(paths, threads=threads))
    assert [p for p, _ in got] == paths
    for given, result in got:
        assert isinstance(given, Path)
        if given.name == "missing":
            assert isinstance(result, FileNotFoundError)
        else:
            assert result == blake3(given.read_bytes()).digest()


def test_hash_files_can_be_abandoned(tmp_path: Path) -> None:
    for i in range(50):
        (tmp_path / f"f{i}").write_bytes(b"x")
    it = hash_files(sorted(tmp_path.iterdir()), threads=2)
    next(it)
    it.close()  # type: ignore[attr-defined]
    assert not [t for t in threading.enumerate() if t.name.startswith("co3-hash")]


def _hash_as_nobody(path: str) -> str:
    try:
        hash_file(path)
    except OSError as exc:
        return type(exc).__name__
    return "no error"


@pytest.mark.skipif(
    os.geteuid() != 0,
    reason="needs root: the hashing runs in a child that drops to 'nobody' so that "
    "permissions are enforced (root ignores them)",
)
def test_permission_denied_is_reported() -> None:
    folder = Path(tempfile.mkdtemp(prefix="co3-hash-"))
    try:
        folder.chmod(0o755)
        secret = folder / "secret"
        secret.write_bytes(b"x")
        secret.chmod(0o600)
        ctx = multiprocessing.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)

        def child() -> None:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            send.send(_hash_as_nobody(str(secret)))

        proc = ctx.Process(target=child)
        proc.start()
        assert receive.poll(60), "the child sent nothing within 60 s"
        assert receive.recv() == "PermissionError"
        proc.join(10)
    finally:
        shutil.rmtree(folder)
