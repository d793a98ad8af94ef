"""``co3 watch`` end to end: a real watchdog observer on a real folder, in a child process.

Each test starts the command, waits for its "watching" line, changes files, and polls the
index (at most 10 s) until it matches the disk; then Ctrl-C (SIGINT) must stop it with
exit status 0 and no traceback. Trees stay small: inotify events can arrive late for a
few seconds after a big tree is scheduled.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import CliProject


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class Watcher:
    """A running ``co3 watch`` whose output lines are collected as they come."""

    def __init__(self, child: subprocess.Popen[str]) -> None:
        self.child = child
        self.lines: list[str] = []
        self.stderr = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.child.stdout is not None
        for line in self.child.stdout:
            self.lines.append(line.rstrip("\n"))

    def saw(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    def stop(self, sig: int = signal.SIGINT) -> int:
        """Signal the watcher and wait for it; returns the exit status."""
        self.child.send_signal(sig)
        code = self.child.wait(timeout=30)
        self._reader.join(timeout=5)  # the reader owns stdout: it gets the last lines
        assert self.child.stderr is not None
        self.stderr = self.child.stderr.read()
        return code


@contextmanager
def watching(project: CliProject, *args: str, shim: str = "") -> Iterator[Watcher]:
    """Start ``co3 watch ARGS`` and wait until it watches; stop it after, if still running."""
    with project.popen("watch", *args, shim=shim) as child:
        watcher = Watcher(child)
        try:
            wait_for(
                lambda: watcher.saw("co3: watching") or watcher.saw("co3: polling"),
                "the watching line",
                timeout=30,
            )
            yield watcher
        finally:
            if child.poll() is None:
                child.kill()


def user_paths(project: CliProject) -> set[bytes]:
    return (project.paths() or set()) - {b"co3.toml"}


def write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def test_watch_keeps_the_index_in_step(cli_project: CliProject) -> None:
    project = cli_project
    write(project.path / "a", b"a")
    write(project.path / "b", b"b")
    with watching(project) as watcher:
        assert user_paths(project) == {b"a", b"b"}, "the first sync did not run"
        runs = len(project.runs())
        time.sleep(1.0)
        assert len(project.runs()) == runs, "the watcher's own writes woke it up"

        write(project.path / "c", b"c")
        wait_for(lambda: b"c" in user_paths(project), "a new file")

        write(project.path / "a", b"longer")
        wait_for(
            lambda: (project.files() or {}).get((project.path.name, b"a"), (0,))[0] == 6,
            "a modified file",
        )

        os.remove(project.path / "b")
        wait_for(lambda: b"b" not in user_paths(project), "a deleted file")

        os.rename(project.path / "c", project.path / "d")
        wait_for(lambda: user_paths(project) == {b"a", b"d"}, "a renamed file")
        assert project.runs()[-1]["moved"] == 1, "a rename is synced as a move"

        write(project.path / "sub/deeper/x", b"x")
        wait_for(lambda: b"sub/deeper/x" in user_paths(project), "a file in a new folder")
        shutil.rmtree(project.path / "sub")
        wait_for(lambda: user_paths(project) == {b"a", b"d"}, "a removed folder")

        assert watcher.stop() == 0, watcher.stderr
    assert "Traceback" not in watcher.stderr
    assert watcher.lines[-1] == "co3: stopped watching."
    shown = [line.split(" ", 1)[1] for line in watcher.lines if line[:2].isdigit()]
    assert "+ c" in shown and "M a" in shown and "- b" in shown and "R c -> d" in shown
    assert project.co3("status").returncode == 0


def test_a_burst_of_changes_is_coalesced_into_few_scans(cli_project: CliProject) -> None:
    project = cli_project
    with watching(project) as watcher:
        runs = len(project.runs())
        burst = project.path / "burst"
        burst.mkdir()
        for i in range(200):
            (burst / f"{i:03d}").write_bytes(b"x" * i)
        wait_for(lambda: len(user_paths(project)) == 200, "the burst to be indexed")
        time.sleep(1.0)  # any scan still to come
        assert len(project.runs()) - runs <= 3, "200 changes should make a few scans, not many"
        assert watcher.stop() == 0, watcher.stderr
    added = {line[9:] for line in watcher.lines if line[9:].startswith("+ burst/")}
    assert added == {f"+ burst/{i:03d}" for i in range(200)}


def test_sigterm_stops_the_watcher_too(sqlite_project: CliProject) -> None:
    with watching(sqlite_project) as watcher:
        assert watcher.stop(signal.SIGTERM) == 0
    assert "Traceback" not in watcher.stderr


def test_a_refused_sync_is_reported_once_and_writes_nothing(cli_project: CliProject) -> None:
    project = cli_project
    project.configure('[disk]\nroots = ["data"]\n')
    for i in range(10):
        write(project.path / f"data/f{i}", b"x")
    with watching(project, "--interval", "0.2") as watcher:
        before = project.dump()
        for i in range(6):
            os.remove(project.path / f"data/f{i}")
        wait_for(lambda: watcher.saw("refused"), "the refusal")
        time.sleep(1.0)  # several rescans
        assert project.dump() == before
        assert sum("refused" in line for line in watcher.lines) == 1, watcher.lines
        assert watcher.stop() == 0


def test_an_index_inside_the_root_does_not_wake_the_watcher(
    sqlite_project: CliProject, tmp_path: Path
) -> None:
    project = sqlite_project
    write(project.path / "a", b"a")
    index = project.path / "index.db"
    project.configure(f'[database]\nurl = "sqlite:///{index}"\n')
    with watching(project) as watcher:
        time.sleep(1.5)
        assert sum(line.startswith(("+", "M"), 9) for line in watcher.lines) <= 2, watcher.lines
        assert watcher.stop() == 0


# The inotify watch limit (errno 28, ENOSPC) cannot be reached here without lowering the
# system-wide fs.inotify.max_user_watches for every process on the machine, so a shim
# makes inotify_add_watch(2) fail as the kernel does at the limit (-1, errno ENOSPC);
# watchdog's own error handling and co3's fallback then run unchanged.
NO_INOTIFY = """
import ctypes, errno
from watchdog.observers import inotify_c

def _limit_reached(fd, path, mask):
    ctypes.set_errno(errno.ENOSPC)
    return -1

inotify_c.inotify_add_watch = _limit_reached
"""


def test_without_inotify_it_falls_back_to_rescans(cli_project: CliProject) -> None:
    project = cli_project
    with watching(project, "--interval", "0.3", shim=NO_INOTIFY) as watcher:
        assert watcher.saw("the inotify watch limit is reached")
        assert watcher.saw("fs.inotify.max_user_watches")
        assert watcher.saw("co3: polling 1 root")
        write(project.path / "late", b"x")
        wait_for(lambda: b"late" in user_paths(project), "a rescan to find the new file")
        assert watcher.stop() == 0, watcher.stderr
    assert "Traceback" not in watcher.stderr


@pytest.mark.parametrize("args", [["--interval", "-1"], ["--bogus"]])
def test_watch_usage_errors(sqlite_project: CliProject, args: list[str]) -> None:
    assert "--help" in sqlite_project.fails("watch", *args)
