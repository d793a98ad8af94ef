"""``co3 sync`` end to end: asking, dry runs, guards, saved plans, Ctrl-C, locks.

The real command runs in a child process on real trees, on SQLite and on PostgreSQL
(``cli_project``). "Nothing written" is checked against a logical dump of the index
(every row of ``files`` and ``runs``), and against the index not existing at all.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import signal
import sqlite3
import struct
import subprocess
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliProject


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def many(count: int, prefix: str = "f") -> dict[str, bytes]:
    """``count`` small files spread over folders of 100."""
    return {f"{prefix}{i // 100:03d}/{i:05d}": str(i).encode() for i in range(count)}


def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def synced(project: CliProject, files: dict[str, bytes]) -> None:
    """Write ``files`` and sync them."""
    write_tree(project.path, files)
    result = project.co3("sync", "--yes")
    assert result.returncode == 0, result.stderr


def user_paths(project: CliProject) -> set[bytes]:
    return (project.paths() or set()) - {b"co3.toml"}


# -- asking -------------------------------------------------------------------------------


def test_sync_refuses_without_yes_when_there_is_no_terminal(cli_project: CliProject) -> None:
    project = cli_project
    write_tree(project.path, {"a": b"a"})
    message = project.fails("sync")
    assert "--yes" in message and "terminal" in message
    assert project.dump() is None
    assert not (project.path / ".co3").exists(), "a refused sync left .co3/ behind"

    # With an index: still nothing written.
    assert project.co3("sync", "--yes").returncode == 0
    before = project.dump()
    write_tree(project.path, {"b": b"b"})
    project.fails("sync")
    assert project.dump() == before


def test_sync_without_yes_and_nothing_to_do_exits_0(cli_project: CliProject) -> None:
    project = cli_project
    synced(project, {"a": b"a"})
    result = project.co3("sync")
    assert result.returncode == 0, result.stderr
    assert "nothing to do" in result.stderr


def test_sync_yes_applies_and_journals_the_run(cli_project: CliProject) -> None:
    project = cli_project
    write_tree(project.path, {"a": b"a", "d/b": b"b", "d/e/c": b"c"})
    result = project.co3("sync", "--yes")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("co3: ") and "inserted" in result.stderr
    assert user_paths(project) == {b"a", b"d/b", b"d/e/c"}
    [run] = project.runs()
    assert run["outcome"] == "ok" and not run["partial"]
    assert run["inserted"] == len(project.paths() or ())
    clean = project.co3("status")
    assert (clean.returncode, clean.stdout) == (0, "")

    os.remove(project.path / "a")
    write_tree(project.path, {"d/b": b"bigger"})
    os.rename(project.path / "d/e/c", project.path / "d/e/moved")
    result = project.co3("sync", "-y")
    assert result.returncode == 0, result.stderr
    assert user_paths(project) == {b"d/b", b"d/e/moved"}
    last = project.runs()[-1]
    assert (last["deleted"], last["updated"], last["moved"]) == (1, 1, 1)


# -- dry run --------------------------------------------------------------------------------


def test_dry_run_creates_no_index(cli_project: CliProject) -> None:
    project = cli_project
    write_tree(project.path, {"a": b"a", "b/c": b"c"})
    result = project.co3("sync", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert {"+ a", "+ b/c"} <= set(result.stdout.splitlines())
    assert "dry run, nothing written" in result.stderr
    assert project.dump() is None
    assert not (project.path / ".co3").exists()


def test_dry_run_changes_nothing_in_an_index(cli_project: CliProject) -> None:
    project = cli_project
    synced(project, {f"f{i}": b"x" for i in range(10)})
    for i in range(6):
        os.remove(project.path / f"f{i}")  # a delete the guard refuses
    write_tree(project.path, {"f7": b"changed", "new": b"n"})
    before = project.dump()
    for args in (["--dry-run"], ["--dry-run", "--yes"], ["--dry-run", "--force", "--yes"]):
        result = project.co3("sync", *args)
        assert result.returncode == 0, result.stderr
        assert "- f0" in result.stdout.splitlines()
        assert project.dump() == before
    assert "would be refused" in project.co3("sync", "--dry-run").stderr


# -- guards ---------------------------------------------------------------------------------


def test_a_60_percent_delete_is_refused_then_forced(cli_project: CliProject) -> None:
    project = cli_project
    project.configure('[disk]\nroots = ["data"]\n')
    synced(project, {f"data/f{i}": b"x" for i in range(10)})
    for i in range(6):
        os.remove(project.path / f"data/f{i}")
    before = project.dump()
    result = project.co3("sync", "--yes")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert "6 of the 10 rows" in result.stderr and "--force" in result.stderr
    assert project.dump() == before, "a refused sync wrote something"

    forced = project.co3("sync", "--yes", "--force")
    assert forced.returncode == 0, forced.stderr
    assert project.paths() == {f"f{i}".encode() for i in range(6, 10)}


def test_a_50_percent_delete_is_allowed(cli_project: CliProject) -> None:
    project = cli_project
    project.configure('[disk]\nroots = ["data"]\n')
    synced(project, {f"data/f{i}": b"x" for i in range(10)})
    for i in range(5):
        os.remove(project.path / f"data/f{i}")
    result = project.co3("sync", "--yes")
    assert result.returncode == 0, result.stderr


def test_a_missing_root_is_refused_then_forced(cli_project: CliProject) -> None:
    project = cli_project
    project.configure('[disk]\nroots = ["data", "other"]\n')
    synced(project, {"data/a": b"a", "data/b": b"b", "other/c": b"c"})
    shutil.rmtree(project.path / "data")
    before = project.dump()

    status = project.co3("status")
    assert status.returncode == 1
    assert any(line.startswith("! data/: root folder") for line in status.stdout.splitlines())
    result = project.co3("sync", "--yes")
    assert result.returncode == 3, result.stderr
    assert "missing" in result.stderr and "--force" in result.stderr
    assert project.dump() == before

    forced = project.co3("sync", "--yes", "--force")
    assert forced.returncode == 0, forced.stderr
    assert set(project.files() or {}) == {("other", b"c")}


def test_an_emptied_root_is_refused(cli_project: CliProject) -> None:
    project = cli_project
    project.configure('[disk]\nroots = ["data"]\n')
    synced(project, {"data/a": b"a"})
    os.remove(project.path / "data/a")
    before = project.dump()
    result = project.co3("sync", "--yes")
    assert result.returncode == 3, result.stderr
    assert "empty" in result.stderr
    assert project.dump() == before


def test_read_errors_hold_deletes_back_and_exit_1(cli_project: CliProject) -> None:
    project = cli_project
    synced(project, {"gone": b"g", "keep": b"k"})
    os.remove(project.path / "gone")
    write_tree(project.path, {"new": b"n", "bad/.co3ignore": b"!\n"})  # an invalid pattern
    result = project.co3("sync", "--yes")
    assert result.returncode == 1, result.stderr
    assert "held back" in result.stderr
    assert {b"gone", b"new", b"keep"} <= user_paths(project)


# -- saved plans ----------------------------------------------------------------------------


def save_plan(project: CliProject, path: Path) -> dict[str, object]:
    result = project.co3("status", "--json")
    assert result.returncode in (0, 1), result.stderr
    path.write_text(result.stdout)
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_sync_plan_applies_exactly_the_saved_plan(cli_project: CliProject, tmp_path: Path) -> None:
    project = cli_project
    synced(project, {"keep": b"k", "mod": b"m", "gone": b"g", "back": b"b"})
    write_tree(project.path, {"new1": b"1", "new2": b"2", "mod": b"mm"})
    os.remove(project.path / "gone")
    os.remove(project.path / "back")
    plan = tmp_path / "plan.json"
    save_plan(project, plan)

    # After the plan: one planned file changes again, one planned delete comes back,
    # and a file appears that the plan does not know.
    time.sleep(0.01)
    write_tree(project.path, {"new2": b"22", "back": b"again", "unplanned": b"u"})
    result = project.co3("sync", "--plan", str(plan), "--yes")
    assert result.returncode == 1, result.stderr
    assert "skipped new2: changed since the plan" in result.stderr
    assert "skipped back: changed since the plan" in result.stderr
    paths = user_paths(project)
    assert b"new1" in paths and b"unplanned" not in paths
    assert b"new2" not in paths and b"back" in paths and b"gone" not in paths
    assert project.runs()[-1]["skipped"] == 2

    # A plain sync then converges.
    assert project.co3("sync", "--yes").returncode == 0
    assert project.co3("status").returncode == 0


def test_sync_plan_unchanged_since_exits_0(cli_project: CliProject, tmp_path: Path) -> None:
    project = cli_project
    synced(project, {"a": b"a"})
    write_tree(project.path, {"b": b"b"})
    plan = tmp_path / "plan.json"
    save_plan(project, plan)
    result = project.co3("sync", "--plan", str(plan), "--yes")
    assert result.returncode == 0, result.stderr
    assert project.co3("status").returncode == 0


def test_sync_plan_needs_yes_too(cli_project: CliProject, tmp_path: Path) -> None:
    project = cli_project
    write_tree(project.path, {"a": b"a"})
    plan = tmp_path / "plan.json"
    save_plan(project, plan)
    assert "--yes" in project.fails("sync", "--plan", str(plan))
    assert project.dump() is None


def test_a_plan_from_another_project_is_refused(cli_project: CliProject, tmp_path: Path) -> None:
    project = cli_project
    synced(project, {"a": b"a"})
    other = CliProject(tmp_path / "other", project.backend, project.pg_schema)
    other.path.mkdir()
    if project.backend == "postgresql":
        other.configure()
    write_tree(other.path, {"b": b"b"})
    plan = tmp_path / "plan.json"
    save_plan(other, plan)
    before = project.dump()
    message = project.fails("sync", "--plan", str(plan), "--yes")
    assert f"made for the project in {other.path}" in message
    assert project.dump() == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read the plan"),
        ("not json", "is not a JSON plan"),
        ('{"new": []}', "not a plan saved by co3 status --json"),
        ("[1, 2]", "not a plan saved by co3 status --json"),
        ("\xff", "is not a JSON plan"),
    ],
)
def test_a_broken_plan_file_is_refused(
    sqlite_project: CliProject, tmp_path: Path, content: str | None, expected: str
) -> None:
    project = sqlite_project
    write_tree(project.path, {"a": b"a"})
    plan = tmp_path / "plan.json"
    if content is not None:
        plan.write_text(content, encoding="latin-1")
    message = project.fails("sync", "--plan", str(plan), "--yes")
    assert expected in message
    assert not (project.path / ".co3").exists()


# -- on a terminal ----------------------------------------------------------------------------


def in_terminal(
    project: CliProject, args: list[str], answer: bytes | None, timeout: float = 60
) -> tuple[int, str]:
    """Run ``co3 ARGS`` with a pseudo-terminal as stdin, stdout and stderr.

    When the question ``[y/N]`` appears, ``answer`` is typed. Returns the exit code and
    everything the terminal showed.
    """
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    child = subprocess.Popen(
        [*project.command, *args],
        cwd=project.path,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=project.env(TERM="xterm-256color"),
        start_new_session=True,
    )
    os.close(slave)
    shown = b""
    answered = answer is None
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: every end of the terminal is closed
                    break
                if not data:
                    break
                shown += data
            if not answered and b"[y/N]" in shown:
                assert answer is not None
                os.write(master, answer)
                answered = True
            if child.poll() is not None and not ready:
                break
        else:
            raise AssertionError(f"co3 {' '.join(args)} did not finish: {shown!r}")
        code = child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        os.close(master)
    return code, shown.decode("utf-8", "replace")


@pytest.mark.parametrize("answer", [b"y\n", b"yes\n", b"Y\n"])
def test_on_a_terminal_sync_asks_and_shows_progress(cli_project: CliProject, answer: bytes) -> None:
    project = cli_project
    write_tree(project.path, many(300))
    code, shown = in_terminal(project, ["sync"], answer)
    assert code == 0, shown
    assert "+ f000/00000" in shown
    assert "... and " in shown and " more" in shown  # only the first 40 lines are listed
    assert "Apply these changes (" in shown and "[y/N]" in shown
    assert "syncing" in shown and "chunk" in shown  # the progress bar
    assert "Traceback" not in shown
    assert len(user_paths(project)) == 300


@pytest.mark.parametrize("answer", [b"n\n", b"\n", b"nope\n", b"\x04"])
def test_on_a_terminal_anything_but_yes_writes_nothing(
    cli_project: CliProject, answer: bytes
) -> None:
    project = cli_project
    write_tree(project.path, {"a": b"a"})
    code, shown = in_terminal(project, ["sync"], answer)
    assert code == 1, shown
    assert "nothing was written" in shown
    assert "Traceback" not in shown
    assert project.dump() is None


def test_on_a_terminal_yes_does_not_ask(sqlite_project: CliProject) -> None:
    project = sqlite_project
    write_tree(project.path, {"a": b"a"})
    code, shown = in_terminal(project, ["sync", "--yes"], None)
    assert code == 0, shown
    assert "[y/N]" not in shown and "syncing" in shown


# -- Ctrl-C -----------------------------------------------------------------------------------

# Each chunk's writes take 20 ms plus 1 ms a row longer, so that a sync of a few thousand
# files runs for seconds, in many chunks, and is interrupted in the middle; nothing else
# of the command changes.
SLOW_CHUNKS = """
import time
from co3.fileindex.store import IndexStore

_upsert = IndexStore.upsert_files

def _slow_upsert(self, host, root, rows):
    time.sleep(0.02 + 0.001 * len(rows))
    return _upsert(self, host, root, rows)

IndexStore.upsert_files = _slow_upsert
"""


def interrupted(project: CliProject, child: subprocess.Popen[str]) -> tuple[str, str]:
    """Wait for the first new rows to land, send SIGINT, and wait for the child to stop."""
    wait_for(lambda: len(user_paths(project)) > 1, what="the first chunk")
    child.send_signal(signal.SIGINT)
    return child.communicate(timeout=60)


def test_ctrl_c_finishes_the_chunk_journals_a_partial_run_and_converges(
    cli_project: CliProject,
) -> None:
    project = cli_project
    synced(project, {"first": b"1"})
    files = many(3000)
    write_tree(project.path, files)
    with project.popen("sync", "--yes", shim=SLOW_CHUNKS) as child:
        _, err = interrupted(project, child)
    assert child.returncode == 1, err
    assert "Traceback" not in err
    assert "cancelled" in err and "partial run" in err
    done = user_paths(project)
    assert 1 < len(done) < len(files) + 1, "the sync was not interrupted midway"
    last = project.runs()[-1]
    assert last["outcome"] == "cancelled" and last["partial"]
    assert last["inserted"] == len(done) - 1

    rerun = project.co3("sync", "--yes")
    assert rerun.returncode == 0, rerun.stderr
    assert user_paths(project) == {b"first", *(name.encode() for name in files)}
    clean = project.co3("status")
    assert (clean.returncode, clean.stdout) == (0, "")


def test_a_second_ctrl_c_stops_at_once_without_a_traceback(cli_project: CliProject) -> None:
    project = cli_project
    files = many(3000)
    write_tree(project.path, files)
    # Every chunk takes a second, so both signals arrive during the second chunk.
    shim = SLOW_CHUNKS.replace("0.02 + 0.001 * len(rows)", "1.0")
    with project.popen("sync", "--yes", shim=shim) as child:
        wait_for(lambda: len(user_paths(project)) > 0, what="the first chunk")
        child.send_signal(signal.SIGINT)
        time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    assert child.returncode == 1, err
    assert "Traceback" not in err
    assert err.strip().endswith("co3: interrupted; nothing more was written.")
    assert 0 < len(user_paths(project)) < len(files)
    assert project.co3("sync", "--yes").returncode == 0
    assert len(user_paths(project)) == len(files)
    assert project.co3("status").returncode == 0


@pytest.mark.postgres
def test_ctrl_c_while_a_chunk_waits_on_postgresql(pg_project: CliProject) -> None:
    # No shim: a transaction of the test's holds a SHARE lock on the files table, so
    # the first chunk's INSERT waits; SIGINT arrives then, the lock is released, and the
    # command must finish that chunk and stop.
    import psycopg

    project = pg_project
    synced(project, {"first": b"1"})
    write_tree(project.path, many(500))
    dsn = project.pg_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn) as conn:
        conn.execute(f'LOCK TABLE "{project.pg_schema}".files IN SHARE MODE')
        with project.popen("sync", "--yes") as child:
            wait_for(
                lambda: any(r["outcome"] == "running" for r in project.runs()),
                what="the run to start",
            )
            time.sleep(0.3)  # the chunk is now waiting for the lock
            child.send_signal(signal.SIGINT)
            time.sleep(0.3)
            conn.rollback()  # release the lock
            _, err = child.communicate(timeout=60)
    assert child.returncode == 1, err
    assert "Traceback" not in err and "cancelled" in err
    last = project.runs()[-1]
    assert last["outcome"] == "cancelled" and last["partial"]
    assert 1 <= last["inserted"] < 500
    assert len(user_paths(project)) == 1 + last["inserted"]
    assert project.co3("sync", "--yes").returncode == 0
    assert len(user_paths(project)) == 501


def test_ctrl_c_before_writing_writes_nothing(sqlite_project: CliProject) -> None:
    project = sqlite_project
    write_tree(project.path, {"a": b"a"})
    # Interrupted while it computes the plan (a shim holds it there, once it says so:
    # a fixed delay could send the signal before the command has even started).
    shim = (
        "import co3.fileindex.index as i, time\n"
        "def _planning(*args, **kwargs):\n"
        "    print('planning', flush=True)\n"
        "    time.sleep(60)\n"
        "i.FileIndex.status = _planning"
    )
    with project.popen("sync", "--yes", shim=shim) as child:
        assert child.stdout is not None
        assert child.stdout.readline() == "planning\n"
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
    assert child.returncode == 1
    assert err.strip() == "co3: interrupted; nothing more was written."
    assert project.dump() is None


# -- one writer -------------------------------------------------------------------------------


# Another co3 sync that takes the writer lock and then holds it for a minute.
HOLD_THE_LOCK = """
import time
from co3.fileindex.store import IndexStore

_acquire = IndexStore.acquire_writer_lock

def _hold(self, *args, **kwargs):
    _acquire(self, *args, **kwargs)
    print("holding the writer lock", flush=True)
    time.sleep(60)

IndexStore.acquire_writer_lock = _hold
"""


def test_a_held_writer_lock_refuses_a_second_sync(cli_project: CliProject) -> None:
    project = cli_project
    synced(project, {"a": b"a"})
    write_tree(project.path, {"b": b"b"})
    before = project.dump()
    with project.popen("sync", "--yes", shim=HOLD_THE_LOCK) as holder:
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline() == "holding the writer lock\n"
            started = time.monotonic()
            message = project.fails("sync", "--yes")
            waited = time.monotonic() - started
        finally:
            holder.kill()
    assert "another co3 sync is writing" in message
    assert 4 < waited < 30, "the second sync should wait a few seconds, then give up"
    assert project.dump() == before
    assert project.co3("sync", "--yes").returncode == 0
    assert user_paths(project) == {b"a", b"b"}


def test_a_sqlite_write_transaction_of_another_program_makes_sync_fail(
    sqlite_project: CliProject,
) -> None:
    # SQLite makes the sync wait for its busy timeout (30 s) before giving up.
    project = sqlite_project
    synced(project, {"a": b"a"})
    write_tree(project.path, {"b": b"b"})
    before = project.dump()
    other = sqlite3.connect(project.sqlite_file, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        # Readers are not blocked: status and a dry run work meanwhile.
        assert project.co3("status").returncode == 1
        assert project.co3("sync", "--dry-run").returncode == 0
        message = project.fails("sync", "--yes", timeout=90)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "locked" in message and "run this again" in message
    assert project.dump() == before


def test_a_corrupt_index_fails_in_one_sentence(sqlite_project: CliProject) -> None:
    project = sqlite_project
    write_tree(project.path, {"a": b"a", ".co3/index.db": b"this is not a database" * 100})
    for args in (["status"], ["sync", "--yes"], ["sync", "--dry-run"]):
        message = project.fails(*args)
        assert "not a database" in message
    assert (project.path / ".co3/index.db").read_bytes() == b"this is not a database" * 100
