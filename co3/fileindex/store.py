"""Raw DBAPI access to the file index, for the fast paths of ``co3 status`` and ``sync``.

SQLAlchemy costs about a quarter of a second to import, as much as walking tens of
thousands of files, so the file index talks to SQLite through the stdlib ``sqlite3``
module and to PostgreSQL through psycopg directly. The tables themselves are defined
once, with SQLAlchemy, in :mod:`co3.fileindex.schema`; that module is imported only to
create them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from co3._urls import display_url
from co3.exceptions import Co3Error, DatabaseError

__all__ = [
    "DBRow",
    "IndexStore",
    "SyncLockedError",
    "display_url",
]

# A row of ``files`` as read for comparing: path, size, mtime_ns, inode, mode.
DBRow = tuple[bytes, int, int, int, int]
_FETCH = 4096


class SyncLockedError(Co3Error):
    """Another sync holds the writer lock of this index."""


def _sqlite_path(url: str) -> str | None:
    """The file path of a ``sqlite:///`` URL, or None for an in-memory database."""
    rest = url.split(":", 1)[1]
    if not rest.startswith("//"):
        raise DatabaseError(f"{url!r} is not a SQLite URL; write sqlite:///path/to/index.db.")
    path = rest[2:].split("?", 1)[0]
    if path.startswith("/"):
        path = path[1:]
    return unquote(path) if path not in ("", ":memory:") else None


def _postgres_conninfo(url: str) -> str:
    """A libpq connection string for a ``postgresql[+psycopg]://`` URL."""
    scheme, rest = url.split("://", 1)
    if scheme not in ("postgresql", "postgresql+psycopg", "postgres"):
        raise DatabaseError(
            f"the file index reaches PostgreSQL through psycopg 3, not {scheme!r}; "
            "write the URL as postgresql+psycopg://user@host/db."
        )
    return "postgresql://" + rest


def _signed64(value: int) -> int:
    """Fold an unsigned 64-bit number (an inode) into the signed range of BIGINT."""
    return value - (1 << 64) if value >= (1 << 63) else value


def _set_wal(conn: Any, timeout: float) -> None:
    """Switch a SQLite database to WAL, retrying while another connection holds it.

    Turning a new database to WAL needs it alone, and SQLite reports "database is
    locked" then without waiting, busy timeout or not (two first syncs at once).
    """
    import sqlite3

    deadline = time.monotonic() + timeout
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


@dataclass(frozen=True)
class _Dialect:
    name: str
    param: str
    files: str
    runs: str


class IndexStore:
    """One connection to a file index in SQLite or PostgreSQL.

    Args:
        url: the database URL (``sqlite:///...`` or ``postgresql+psycopg://...``).
        pg_schema: the PostgreSQL schema holding the tables (``co3``).
        read_only: open for reading only; never creates the database.
        busy_timeout: seconds a SQLite writer waits for another to finish.

    Raises:
        DatabaseError: the URL is not SQLite or PostgreSQL, or the server cannot be reached.
    """

    def __init__(
        self,
        url: str,
        *,
        pg_schema: str = "co3",
        read_only: bool = False,
        busy_timeout: float = 10.0,
    ) -> None:
        self.url = url
        self.read_only = read_only
        self.pg_schema = pg_schema
        self._conn: Any = None
        self._lock_file: int | None = None
        self._pg_locks: list[str] = []
        scheme = url.split(":", 1)[0].lower()
        if scheme == "sqlite":
            self.path = _sqlite_path(url)
            self.dialect = _Dialect("sqlite", "?", "files", "runs")
            self._busy_timeout = busy_timeout
        elif scheme.startswith("postgres"):
            self.path = None
            self._conninfo = _postgres_conninfo(url)
            quoted = '"' + pg_schema.replace('"', '""') + '"'
            self.dialect = _Dialect("postgresql", "%s", f"{quoted}.files", f"{quoted}.runs")
        else:
            raise DatabaseError(
                f"the file index works on SQLite and PostgreSQL, not {scheme!r} "
                f"({display_url(url)}); use a sqlite:/// or postgresql+psycopg:// URL."
            )

    # -- connection -------------------------------------------------------------------

    @property
    def conn(self) -> Any:
        """The DBAPI connection, opened on first use (autocommit; transactions explicit)."""
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    def _connect(self) -> Any:
        if self.dialect.name == "sqlite":
            import sqlite3

            if self.path is None:
                target, uri = ":memory:", False
            elif self.read_only:
                target, uri = Path(self.path).absolute().as_uri() + "?mode=ro", True
            else:
                Path(self.path).parent.mkdir(parents=True, exist_ok=True)
                target, uri = self.path, False
            try:
                conn = sqlite3.connect(
                    target,
                    timeout=self._busy_timeout,
                    isolation_level=None,
                    uri=uri,
                    check_same_thread=False,
                )
                if not self.read_only:
                    _set_wal(conn, self._busy_timeout)
                    conn.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.Error as exc:
                raise DatabaseError(
                    f"cannot open the SQLite index {self.path} ({exc}); "
                    "check that the folder exists and is writable."
                ) from exc
            return conn
        import psycopg

        try:
            return psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DatabaseError(
                f"cannot connect to {display_url(self.url)} ({reason}); "
                "check that the server runs and the URL is right."
            ) from exc

    def close(self) -> None:
        """Release the writer lock and close the connection."""
        self.release_writer_lock()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> IndexStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _sql(self, text: str) -> str:
        d = self.dialect
        text = text.replace("{files}", d.files).replace("{runs}", d.runs)
        return text.replace("?", d.param) if d.param != "?" else text

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement of the file index's SQL (``{files}``/``{runs}``, ``?`` params)."""
        return self.conn.execute(self._sql(sql), params)

    # -- existence and creation -------------------------------------------------------

    def exists(self) -> bool:
        """Whether the index (its ``files`` table) exists; never creates anything."""
        if self.dialect.name == "sqlite":
            if self.path is not None and not os.path.exists(self.path):
                return False
            row = self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='files'"
            ).fetchone()
        else:
            row = self.conn.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema=%s "
                "AND table_name='files'",
                (self.pg_schema,),
            ).fetchone()
        return row is not None

    def create(self) -> None:
        """Create the index's tables (and PostgreSQL schema) where missing."""
        from co3.fileindex.ddl import DDL

        if self.read_only:
            raise DatabaseError("the index was opened read-only; it cannot be created.")
        prefix = ""
        if self.dialect.name == "postgresql":
            prefix = '"' + self.pg_schema.replace('"', '""') + '".'
        try:
            with self.transaction():
                if prefix:
                    # IF NOT EXISTS does not hold against a concurrent creator: the
                    # second of two first syncs waits here for the first to commit.
                    self.conn.execute(
                        "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                        (f"co3-create\x1f{self.pg_schema}",),
                    )
                    self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {prefix[:-1]}")
                for statement in DDL[self.dialect.name]:
                    self.conn.execute(statement.replace("{schema}", prefix))
        except self._db_errors() as exc:
            raise DatabaseError(
                f"cannot create the index in {display_url(self.url)} ({exc}); "
                "check that you may create tables there."
            ) from exc

    def _db_errors(self) -> type[Exception]:
        """The DBAPI's base error class."""
        if self.dialect.name == "sqlite":
            import sqlite3

            return sqlite3.Error
        import psycopg

        return psycopg.Error

    # -- reading ----------------------------------------------------------------------

    def iter_rows(self, host: str, root: str) -> Iterator[list[DBRow]]:
        """The rows of one root, ordered by path (byte-wise), in batches.

        Rows have the walk's entry shape, ``(path, size, mtime_ns, inode, mode)``, so
        an unchanged directory compares equal to its rows in one list comparison.
        """
        sql = self._sql(
            "SELECT path, size, mtime_ns, inode, mode FROM {files} "
            "WHERE host = ? AND root = ? ORDER BY path"
        )
        if self.dialect.name == "sqlite":
            cursor = self.conn.execute(sql, (host, root))
            while batch := cursor.fetchmany(_FETCH):
                yield batch
            return
        with self.conn.transaction(), self.conn.cursor(name="co3_rows") as cursor:
            cursor.execute(sql, (host, root))
            while batch := cursor.fetchmany(_FETCH):
                yield [(bytes(r[0]), *r[1:]) for r in batch]

    def racy_paths(self, host: str, root: str) -> set[bytes]:
        """Paths of the rows whose mtime is not strictly older than their recorded time."""
        rows = self.execute(
            "SELECT path FROM {files} WHERE host = ? AND root = ? AND mtime_ns >= recorded_at_ns",
            (host, root),
        ).fetchall()
        return {bytes(r[0]) for r in rows}

    def stored_hashes(
        self, host: str, root: str, paths: Sequence[bytes]
    ) -> dict[bytes, bytes | None]:
        """The stored hash of each of ``paths`` that has a row (None: never hashed)."""
        if not paths:
            return {}
        out: dict[bytes, bytes | None] = {}
        if len(paths) > _FETCH:  # many: one pass over the root beats many lookups
            wanted = set(paths)
            cursor = self.execute(
                "SELECT path, hash FROM {files} WHERE host = ? AND root = ?", (host, root)
            )
            for path, digest in cursor:
                if bytes(path) in wanted:
                    out[bytes(path)] = bytes(digest) if digest is not None else None
            return out
        for start in range(0, len(paths), 500):
            part = list(paths[start : start + 500])
            marks = ", ".join("?" * len(part))
            cursor = self.execute(
                f"SELECT path, hash FROM {{files}} WHERE host = ? AND root = ? "
                f"AND path IN ({marks})",
                (host, root, *part),
            )
            for path, digest in cursor:
                out[bytes(path)] = bytes(digest) if digest is not None else None
        return out

    def count_rows(self, host: str, root: str) -> int:
        """How many rows one root has."""
        row = self.execute(
            "SELECT count(*) FROM {files} WHERE host = ? AND root = ?", (host, root)
        ).fetchone()
        return int(row[0])

    # -- writing ----------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction: ``BEGIN IMMEDIATE`` on SQLite, ``BEGIN`` on PostgreSQL."""
        if self.read_only:
            raise DatabaseError("the index was opened read-only; nothing can be written.")
        if self.dialect.name == "sqlite":
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        else:
            with self.conn.transaction():
                yield

    def upsert_files(self, host: str, root: str, rows: Sequence[Sequence[Any]]) -> None:
        """Insert or replace rows: (path, size, mtime_ns, inode, mode, hash, recorded_at_ns)."""
        sql = self._sql(
            "INSERT INTO {files} (host, root, path, size, mtime_ns, inode, mode, hash, "
            "recorded_at_ns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (host, root, path) DO UPDATE SET size = excluded.size, "
            "mtime_ns = excluded.mtime_ns, inode = excluded.inode, mode = excluded.mode, "
            "hash = excluded.hash, recorded_at_ns = excluded.recorded_at_ns"
        )
        self._many(
            sql, [(host, root, p, s, m, _signed64(i), md, h, r) for p, s, m, i, md, h, r in rows]
        )

    def move_files(self, host: str, root: str, moves: Sequence[Sequence[Any]]) -> None:
        """Rename rows: (old_path, new_path, size, mtime_ns, inode, mode, hash, recorded_at_ns).

        Safe to apply twice or out of order (two saved plans): where a row is already at
        the new path, or the old row is gone, the old row is deleted and the new one
        written instead of renamed.
        """
        if not moves:
            return
        sql = self._sql(
            "UPDATE {files} SET path = ?, size = ?, mtime_ns = ?, inode = ?, mode = ?, "
            "hash = ?, recorded_at_ns = ? WHERE host = ? AND root = ? AND path = ? "
            "AND NOT EXISTS (SELECT 1 FROM {files} AS f WHERE f.host = ? AND f.root = ? "
            "AND f.path = ?)"
        )
        self._many(
            sql,
            [
                (new, s, m, _signed64(i), md, h, r, host, root, old, host, root, new)
                for old, new, s, m, i, md, h, r in moves
            ],
        )
        self.delete_files(host, root, [move[0] for move in moves])
        self.upsert_files(host, root, [move[1:] for move in moves])

    def delete_files(self, host: str, root: str, paths: Sequence[bytes]) -> None:
        """Delete the rows of ``paths``."""
        sql = self._sql("DELETE FROM {files} WHERE host = ? AND root = ? AND path = ?")
        self._many(sql, [(host, root, p) for p in paths])

    def _many(self, sql: str, params: list[tuple[Any, ...]]) -> None:
        if not params:
            return
        if self.dialect.name == "sqlite":
            self.conn.executemany(sql, params)
        else:
            with self.conn.cursor() as cursor:
                cursor.executemany(sql, params)

    # -- the journal ------------------------------------------------------------------

    def start_run(self, host: str, roots: Sequence[str], started_at_ns: int) -> int:
        """Record a run as started; returns its id. Runs left ``running`` become ``killed``."""
        with self.transaction():
            self.execute(
                "UPDATE {runs} SET outcome = 'killed', partial = ? "
                "WHERE host = ? AND outcome = 'running'",
                (True, host),
            )
            row = self.execute(
                "INSERT INTO {runs} (host, roots, started_at_ns, outcome) "
                "VALUES (?, ?, ?, 'running') RETURNING id",
                (host, "\n".join(roots), started_at_ns),
            ).fetchone()
        return int(row[0])

    def finish_run(
        self, run_id: int, counts: dict[str, int], outcome: str, partial: bool, message: str
    ) -> None:
        """Record the end of a run with its counts and outcome."""
        names = ("inserted", "updated", "touched", "moved", "deleted", "skipped", "errors")
        sets = ", ".join(f"{name} = ?" for name in names)
        with self.transaction():
            self.execute(
                f"UPDATE {{runs}} SET finished_at_ns = ?, {sets}, outcome = ?, partial = ?, "
                "message = ? WHERE id = ?",
                (
                    time.time_ns(),
                    *(counts.get(n, 0) for n in names),
                    outcome,
                    partial,
                    message,
                    run_id,
                ),
            )

    # -- one writer at a time ---------------------------------------------------------

    def acquire_writer_lock(self, host: str, roots: Sequence[str], wait: float = 5.0) -> None:
        """Take the writer lock of this index (SQLite) or of these roots (PostgreSQL).

        Args:
            host: the host whose roots are written.
            roots: the root names written.
            wait: seconds to wait for another writer before giving up.

        Raises:
            SyncLockedError: another sync still holds the lock after ``wait`` seconds.
        """
        deadline = time.monotonic() + wait
        while not self._try_lock(host, roots):
            if time.monotonic() >= deadline:
                where = ", ".join(roots)
                raise SyncLockedError(
                    f"another co3 sync is writing to {display_url(self.url)} (root {where}); "
                    "wait for it to finish, then run this again."
                )
            time.sleep(0.05)

    def _try_lock(self, host: str, roots: Sequence[str]) -> bool:
        if self.dialect.name == "sqlite":
            if self.path is None:
                return True
            fd = os.open(self.path + ".co3-lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            self._lock_file = fd
            return True
        # Unit separators: PostgreSQL text cannot hold NUL, and names hold no control characters.
        # Advisory locks span the whole database: the schema keeps two indexes apart.
        keys = sorted({f"co3\x1f{self.pg_schema}\x1f{host}\x1f{root}" for root in roots})
        taken: list[str] = []
        for key in keys:
            row = self.conn.execute(
                "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)
            ).fetchone()
            if not row[0]:
                for done in taken:
                    self.conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (done,))
                return False
            taken.append(key)
        self._pg_locks = taken
        return True

    def release_writer_lock(self) -> None:
        """Release the writer lock if held."""
        if self._lock_file is not None:
            os.close(self._lock_file)
            self._lock_file = None
        for key in self._pg_locks:
            with contextlib.suppress(Exception):
                self.conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
        self._pg_locks = []
