"""co3-tui Browse on a 1,000,000-row table against a 100-row one, and its start-up.

Drives the real app: ``Co3App`` under Textual's Pilot at 120x36, and ``co3-tui`` in a
pseudo-terminal for the start-up.

* **browse** (SQLite and PostgreSQL): the app opened with ``--open`` on the table, from
  its start until the first rows are shown; then, once it has settled (the exact count
  and the page fetched ahead of End are in), End until the last rows are shown. Each
  repetition is a fresh app, the two tables alternate, and the medians of the
  1M-row table are divided by the 100-row one's. "Shown" is what the Browse screen
  exposes: the rows table holds rows, the window's first key is 1 and the cursor is
  on row 0 (first rows), or the window's last key is the table's last and the cursor
  is on the last row (End). It is checked after every ``pilot.pause(0.001)`` (which
  first lets the screen handle every queued message). End is posted to the app as
  its terminal driver posts a key (``pilot.press`` would add two waits for the
  process to idle, 40 ms or more). Also printed: the first rows counted from the
  database being open (``DatabaseOpened`` handled), and End pressed at once, as soon
  as the first rows are shown (before the page ahead is in: a round trip, racing the
  count; noisy).
* **memory**: each table opened in a fresh child process (this script's ``--child``
  mode) that shows the first rows, End, pages up, then Home, waiting for every
  worker; its peak RSS is VmHWM from ``/proc/self/status`` (its own, not inherited).
* **startup**: ``co3-tui --demo`` in a pseudo-terminal of 120x36, from just before the
  fork until the demo's files table shows its rows (``row 1 of`` in the panel's
  border; the first frame is printed too), against Textual's minimal app (an ``App``
  with one ``Static``) started the same way, until its text appears. Both write their
  bytecode once (a warm-up run) to a folder of the benchmark's, as an installed app
  has it, even where ``PYTHONDONTWRITEBYTECODE`` is set.

Targets (issue 4): first rows and End each within 1.5x of the 100-row table; peak RSS
growth from the 100-row table to the 1M-row one under 30 MB.

The tables (``id`` key, ``path``/``kind``/``owner`` text, ``size``/``links`` integers,
``modified_ns`` times) are built once: a SQLite file under
``/tmp/co3-bench-trees/browse/`` and the schema ``co3_bench_browse`` on the PostgreSQL
server at ``CO3_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``),
skipped with a note when it cannot be reached.
Usage: ``python benchmarks/browse.py [--reps N] [--startup-reps N] [--no-postgres]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _trees import TREES_DIR

WORK = TREES_DIR / "browse"
BUILD = "v1"  # change when the tables' shape changes: they are rebuilt
SMALL, BIG = 100, 1_000_000
SIZE = (120, 36)
POLL = 0.001  # seconds between two looks at the app
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "co3_bench_browse"
CO3_TUI = str(Path(sys.executable).with_name("co3-tui"))

_KINDS = ("text", "image", "audio", "video", "archive", "code", "data")
_EXTS = ("txt", "jpg", "flac", "mp4", "tar.gz", "py", "csv")
_OWNERS = ("alice", "bob", "carol", "dave", "erin")
_EPOCH_NS = 1_700_000_000 * 10**9


def table_name(n: int) -> str:
    return f"rows_{n}"


def label(n: int) -> str:
    return "1M" if n == BIG else str(n)


# -- the tables ------------------------------------------------------------------------


def _metadata(schema: str | None) -> Any:
    import sqlalchemy as sa

    metadata = sa.MetaData(schema=schema)
    for n in (SMALL, BIG):
        sa.Table(
            table_name(n),
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("path", sa.Text, nullable=False),
            sa.Column("kind", sa.Text, nullable=False),
            sa.Column("owner", sa.Text, nullable=False),
            sa.Column("size", sa.BigInteger, nullable=False),
            sa.Column("modified_ns", sa.BigInteger, nullable=False),
            sa.Column("links", sa.Integer, nullable=False),
        )
    return metadata


def _rows(n: int) -> Iterator[tuple[Any, ...]]:
    """``n`` rows of a file listing, every value derived from the row's number."""
    for i in range(1, n + 1):
        k = i % len(_KINDS)
        yield (
            i,
            f"projects/p{i % 97:02d}/d{i % 1009:04d}/file-{i:07d}.{_EXTS[k]}",
            _KINDS[k],
            _OWNERS[i % len(_OWNERS)],
            (i * 7919) % 50_000_000,
            _EPOCH_NS + i * 37 * 10**9,
            1 + i % 3,
        )


def _chunks(n: int, size: int = 50_000) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in _rows(n):
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def sqlite_tables() -> str:
    """A SQLite file with both tables (built once, then reused): its URL."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"rows-{BUILD}.db"
    if not path.exists():
        import sqlalchemy as sa

        started = time.perf_counter()
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        engine = sa.create_engine(f"sqlite:///{partial}")
        metadata = _metadata(None)
        metadata.create_all(engine)
        engine.dispose()
        import sqlite3

        conn = sqlite3.connect(partial)
        with conn:
            for n in (SMALL, BIG):
                for chunk in _chunks(n):
                    conn.executemany(f"INSERT INTO {table_name(n)} VALUES (?,?,?,?,?,?,?)", chunk)
        conn.close()
        partial.rename(path)  # only a complete file is ever reused
        print(f"built the SQLite tables in {time.perf_counter() - started:.1f}s", flush=True)
    return f"sqlite:///{path}"


def postgres_tables(base_url: str) -> str | None:
    """The schema with both tables on the server (built once): a URL whose search path
    is that schema, or None (with a note) when the server cannot be reached."""
    import sqlalchemy as sa

    url = sa.make_url(base_url)
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    marker = f"co3 bench browse {BUILD}"
    try:
        with engine.connect() as conn:
            comment = conn.execute(
                sa.text(
                    "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace "
                    "WHERE nspname = :s"
                ),
                {"s": PG_SCHEMA},
            ).scalar()
    except sa.exc.OperationalError as exc:
        engine.dispose()
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        print(f"postgresql: skipped, cannot reach {url.render_as_string()} ({first})")
        return None
    if comment != marker:
        started = time.perf_counter()
        with engine.begin() as conn:  # one transaction: a half-built schema never stays
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA {PG_SCHEMA}"))
            _metadata(PG_SCHEMA).create_all(conn)
            raw = conn.connection.dbapi_connection
            assert raw is not None
            with raw.cursor() as cursor:
                for n in (SMALL, BIG):
                    columns = "id, path, kind, owner, size, modified_ns, links"
                    copy_sql = f"COPY {PG_SCHEMA}.{table_name(n)} ({columns}) FROM STDIN"
                    with cursor.copy(copy_sql) as copy:
                        for row in _rows(n):
                            copy.write_row(row)
            conn.execute(sa.text(f"COMMENT ON SCHEMA {PG_SCHEMA} IS '{marker}'"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for n in (SMALL, BIG):
                conn.execute(sa.text(f"VACUUM ANALYZE {PG_SCHEMA}.{table_name(n)}"))
        took = time.perf_counter() - started
        print(f"built the PostgreSQL tables in {took:.1f}s", flush=True)
    engine.dispose()
    return url.update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"}).render_as_string(
        hide_password=False
    )


# -- driving the app -------------------------------------------------------------------


def _browse(app: Any) -> Any:
    from co3_tui.screens import BrowseScreen

    return next((s for s in app.screen_stack if isinstance(s, BrowseScreen)), None)


def first_rows_shown(app: Any, n: int) -> bool:
    """The table's first rows are in the rows table, the cursor on the first."""
    screen = _browse(app)
    if screen is None or screen.shown is None or screen.shown.component != table_name(n):
        return False
    table = screen.table
    keys = screen.window.keys
    return table.row_count > 0 and keys[0] == (1,) and table.cursor_row == 0


def last_rows_shown(app: Any, n: int) -> bool:
    """The table's last rows are in the rows table, the cursor on the last."""
    screen = _browse(app)
    if screen is None or screen.pending is not None:
        return False
    table = screen.table
    keys = screen.window.keys
    return (
        table.row_count == len(keys) > 0
        and keys[-1] == (n,)
        and table.cursor_row == table.row_count - 1
    )


async def until(pilot: Any, ready: Callable[[], bool], what: str, timeout: float = 60) -> float:
    """Poll ``ready`` after short pauses; the time it first held (perf_counter)."""
    deadline = time.perf_counter() + timeout
    while not ready():
        if time.perf_counter() > deadline:
            raise SystemExit(f"browse: {what} not shown after {timeout:.0f}s")
        await pilot.pause(POLL)
    return time.perf_counter()


def press(app: Any, key: str) -> None:
    """Post ``key`` to the app as its terminal driver does (not timed by Pilot's idle
    waits)."""
    from textual import events

    event = events.Key(key, None)
    event.set_sender(app)
    app.post_message(event)


def settled(app: Any) -> bool:
    """No worker runs, no page is pending, the exact count and the far end are in."""
    screen = _browse(app)
    if screen is None or any(w.is_running for w in app.workers):
        return False
    window, total, ends = screen.window, screen.rows.total, screen.rows.ends
    return (
        screen.pending is None
        and total is not None
        and not total.estimate
        and (window.at_last or "last" in ends)
        and (window.at_first or "first" in ends)
    )


async def settle(pilot: Any) -> None:
    """Wait until the Browse screen has nothing more to do (not timed).

    The count and the page ahead of End start after the first rows are painted, so an
    idle moment right after them is not the end of the work.
    """
    await until(pilot, lambda: settled(pilot.app), "a settled screen")
    await pilot.pause(0.01)


def _app(url: str, n: int) -> Any:
    from co3_tui.app import Co3App
    from co3_tui.options import Options

    return Co3App(Options(db_url=url, read_only=True, open_component=table_name(n)))


async def one_run(url: str, n: int, *, end_at_once: bool) -> dict[str, float]:
    """One fresh app on table ``n``: seconds to the first rows (from the app's start and
    from the database being open) and from End to the last rows."""
    from co3_tui.messages import DatabaseOpened

    opened_at: list[float] = []

    def hook(message: Any) -> None:
        if isinstance(message, DatabaseOpened) and not opened_at:
            opened_at.append(time.perf_counter())

    app = _app(url, n)
    started = time.perf_counter()
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        first = await until(pilot, lambda: first_rows_shown(app, n), "first rows")
        if not end_at_once:
            await settle(pilot)
        pressed = time.perf_counter()
        press(app, "end")
        last = await until(pilot, lambda: last_rows_shown(app, n), "last rows")
        await settle(pilot)
        await pilot.press("q")
    return {
        "first": first - started,
        "first_after_open": first - opened_at[0],
        "end": last - pressed,
    }


def browse_figures(url: str, reps: int) -> dict[tuple[int, str], float]:
    """Medians over ``reps`` fresh apps per table (alternating tables), after a warm-up."""
    samples: dict[tuple[int, str], list[float]] = {}

    async def run_all() -> None:
        for n in (SMALL, BIG):  # warm-up: imports, the file cache, the server's cache
            await one_run(url, n, end_at_once=False)
        for _ in range(reps):
            for n in (SMALL, BIG):
                for at_once in (False, True):
                    gc.collect()
                    got = await one_run(url, n, end_at_once=at_once)
                    if at_once:
                        samples.setdefault((n, "end_at_once"), []).append(got["end"])
                        continue
                    for key, value in got.items():
                        samples.setdefault((n, key), []).append(value)

    asyncio.run(run_all())
    return {key: statistics.median(values) for key, values in samples.items()}


def print_browse(backend: str, url: str, reps: int) -> None:
    m = browse_figures(url, reps)

    def pair(key: str, name: str) -> str:
        big, small = m[(BIG, key)], m[(SMALL, key)]
        return f"{name} 1M {big:.3f}s vs 100 {small:.3f}s ratio {big / small:.2f}"

    print(f"browse {backend}: {pair('first', 'first rows')} | {pair('end', 'End')}", flush=True)
    print(
        f"  {backend} detail: {pair('first_after_open', 'first rows after the open')} | "
        f"{pair('end_at_once', 'End at once')}",
        flush=True,
    )


# -- memory ----------------------------------------------------------------------------


def _vm_hwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise SystemExit("browse: no VmHWM in /proc/self/status")


def child(url: str, n: int) -> None:
    """``--child``: open table ``n``, first rows, End, page up; print the peak RSS (KB)."""

    async def drive() -> None:
        app = _app(url, n)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: first_rows_shown(app, n), "first rows")
            await settle(pilot)
            await pilot.press("end")
            await until(pilot, lambda: last_rows_shown(app, n), "last rows")
            await settle(pilot)
            for _ in range(4):
                await pilot.press("pageup", "pageup", "pageup")
                await settle(pilot)
            await pilot.press("home")
            await until(pilot, lambda: first_rows_shown(app, n), "first rows again")
            await settle(pilot)
            await pilot.press("q")

    asyncio.run(drive())
    print(json.dumps({"vm_hwm_kb": _vm_hwm_kb()}))


def peak_rss_mb(url: str, n: int) -> float:
    cmd = [sys.executable, __file__, "--child", url, str(n)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"browse: the memory child failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])["vm_hwm_kb"] / 1024


def print_memory(backend: str, url: str) -> None:
    small, big = peak_rss_mb(url, SMALL), peak_rss_mb(url, BIG)
    print(
        f"memory {backend}: 100 rows {small:.1f} MB, 1M rows {big:.1f} MB, "
        f"growth {big - small:.1f} MB",
        flush=True,
    )


# -- start-up in a real terminal -------------------------------------------------------

_ESCAPES = re.compile(
    rb"\x1b\[[0-9;?<>=$]*[ -/]*[@-~]"  # CSI: cursor moves, colours, modes
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1b[()][0-9A-Za-z]|\x1b[=>78]"
)
MINIMAL_TEXT = "minimal textual app ready"
MINIMAL_APP = f"""
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static({MINIMAL_TEXT!r})

Minimal().run()
"""


def in_terminal(cmd: list[str], markers: list[bytes], quit_keys: bytes) -> list[float]:
    """Run ``cmd`` in a 120x36 pseudo-terminal; seconds from just before the fork until
    each of ``markers`` first appears on the screen (escape sequences removed)."""
    import fcntl
    import pty
    import struct
    import termios

    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "36"}
    # Bytecode as an installed app has it: written once (by the warm-up run), to a
    # folder of the benchmark's own, even where PYTHONDONTWRITEBYTECODE is set.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(WORK / "pycache")
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: size the terminal, then become the command
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
            os.execvpe(cmd[0], cmd, env)
        finally:
            os._exit(127)
    found: list[float | None] = [None] * len(markers)
    screen = b""
    try:
        deadline = started + 60
        while None in found:
            if time.perf_counter() > deadline:
                raise SystemExit(f"browse: {' '.join(cmd)} showed no {markers} in 60s")
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                continue
            try:
                data = os.read(fd, 1 << 16)
            except OSError:
                data = b""
            if not data:
                raise SystemExit(f"browse: {' '.join(cmd)} ended before showing {markers}")
            now = time.perf_counter()
            # look at what came, with enough before it for a marker cut by the read
            tail = _ESCAPES.sub(b"", screen[-4096:] + data)
            screen = (screen + data)[-8192:]
            for i, marker in enumerate(markers):
                if found[i] is None and marker in tail:
                    found[i] = now - started
        os.write(fd, quit_keys)
        _drain_until_exit(pid, fd)
    finally:
        with contextlib.suppress(ChildProcessError, ProcessLookupError):
            if os.waitpid(pid, os.WNOHANG) == (0, 0):
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
        os.close(fd)
    return [f for f in found if f is not None]


def _drain_until_exit(pid: int, fd: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            with contextlib.suppress(OSError):
                os.read(fd, 1 << 16)


def print_startup(reps: int) -> None:
    demo_cmd = [CO3_TUI, "--demo"]
    minimal_cmd = [sys.executable, "-c", MINIMAL_APP]
    demo_markers = [b"Browse", b"row 1 of"]  # the first frame; the files table's rows
    in_terminal(demo_cmd, demo_markers, b"q")  # warm-up (page cache, .pyc files)
    in_terminal(minimal_cmd, [MINIMAL_TEXT.encode()], b"\x11")
    demo_first, demo_rows, minimal = [], [], []
    for _ in range(reps):
        frame, rows = in_terminal(demo_cmd, demo_markers, b"q")
        demo_first.append(frame)
        demo_rows.append(rows)
        minimal += in_terminal(minimal_cmd, [MINIMAL_TEXT.encode()], b"\x11")  # ctrl+q
    demo, first, small = (statistics.median(x) for x in (demo_rows, demo_first, minimal))
    print(
        f"startup: co3-tui --demo {demo:.2f}s (first frame {first:.2f}s), "
        f"minimal Textual app {small:.2f}s, ratio {demo / small:.2f}",
        flush=True,
    )


# -- main ------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9, help="fresh apps per table (median)")
    parser.add_argument("--startup-reps", type=int, default=7)
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--child", nargs=2, metavar=("URL", "ROWS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return
    backends = [("sqlite", sqlite_tables())]
    if not args.no_postgres:
        pg = postgres_tables(os.environ.get("CO3_TEST_POSTGRES_URL") or PG_DEFAULT)
        if pg is not None:
            backends.append(("postgresql", pg))
    started = time.perf_counter()
    for backend, url in backends:
        print_browse(backend, url, args.reps)
    for backend, url in backends:
        print_memory(backend, url)
    print_startup(args.startup_reps)
    print(f"(measured in {time.perf_counter() - started:.0f}s)")


if __name__ == "__main__":
    main()
