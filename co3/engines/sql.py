"""SQLEngine: connections to any database SQLAlchemy reaches."""

from __future__ import annotations

import math
import sqlite3
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from co3._sql_errors import InvalidURLError, display_url, translate_error
from co3.engine import Engine

__all__ = ["READ_ONLY_OPTION", "SQLEngine", "execute_statement"]

READ_ONLY_OPTION = "co3_read_only"
"""Execution option set on every connection of a read-only engine."""

_BEGIN_OPTION = "co3_sqlite_begin"
_COMMITTED = "co3_committed"
_DEFAULT_BUSY_TIMEOUT = 5.0  # seconds SQLite waits for another connection's lock
_DEFAULT_CONNECT_TIMEOUT = 10  # seconds PostgreSQL waits for the server to answer

# timeout given to the SQLEngine.connect() call in progress, read by the pool events
_connect_timeout: ContextVar[float | None] = ContextVar("co3_connect_timeout", default=None)


def _check_url(url: str | sa.URL) -> sa.URL:
    """Parse ``url`` and load its driver, or raise :class:`InvalidURLError`."""
    try:
        parsed = sa.make_url(url)
    except (sa_exc.ArgumentError, ValueError, TypeError) as exc:
        raise InvalidURLError(
            f"{display_url(str(url))!r} is not a database URL. Give one like "
            "sqlite:///path/to/index.db or postgresql+psycopg://user@host/dbname."
        ) from exc
    shown = display_url(parsed)
    try:
        dialect_cls = parsed.get_dialect()
    except sa_exc.NoSuchModuleError as exc:
        raise InvalidURLError(
            f"{shown} names the database driver {parsed.drivername!r}, which SQLAlchemy "
            "does not know. Check its spelling, e.g. sqlite:/// or postgresql+psycopg://."
        ) from exc
    try:
        dialect_cls.import_dbapi()
    except ImportError as exc:
        raise InvalidURLError(
            f"The driver for {shown} is not installed ({exc}). Install it, or name a "
            "driver that is, e.g. postgresql+psycopg://."
        ) from exc
    return parsed


def _sqlite_read_only_url(url: sa.URL) -> sa.URL:
    """``url`` opening its SQLite file read-only (``mode=ro``); memory URLs unchanged."""
    path = url.database
    if not path or path == ":memory:" or path.startswith("file:"):
        return url
    query = {k: v for k, v in url.query.items() if k not in ("mode", "uri")}
    return url.set(
        database="file:" + urllib.parse.quote(path),
        query={**query, "mode": "ro", "uri": "true"},
    )


def execute_statement(
    connection: sa.Connection,
    statement: Any,
    bind_params: Any = None,
    *,
    table: str | None = None,
) -> sa.CursorResult[Any]:
    """Execute ``statement``, turning database errors into co3's.

    Args:
        connection: an open connection.
        statement: a SQLAlchemy statement, or SQL text with ``:name`` parameters.
        bind_params: a dict of parameters, or a list of dicts (executemany).
        table: the table the statement is about, named in error messages.

    Raises:
        DatabaseError: the database refused the statement (a subclass saying why,
            also an instance of the SQLAlchemy error class).
    """
    if isinstance(statement, str):
        statement = sa.text(statement)
    try:
        return connection.execute(statement, bind_params)
    except sa_exc.DBAPIError as exc:
        raise translate_error(exc, connection=connection, table=table) from exc


class SQLEngine(Engine):
    """An engine over a SQLAlchemy engine.

    SQLite connections get ``foreign_keys=ON``, a busy timeout (5 s, or
    ``connect_args={"timeout": s}``), WAL journaling for files, and real transactions
    (``BEGIN`` is sent for reads too, so savepoints and transactional DDL work).

    Args:
        url: any SQLAlchemy URL, e.g. ``sqlite:///index.db`` or
            ``postgresql+psycopg://user@host/db``.
        read_only: refuse writes: SQLite opens the file with ``mode=ro``, PostgreSQL
            sessions get ``default_transaction_read_only``; co3's writes then raise
            :class:`co3.exceptions.ReadOnlyError`.
        kwargs: passed on to ``sqlalchemy.create_engine``.

    Raises:
        InvalidURLError: the URL is malformed or its driver unknown or not installed.
    """

    def __init__(self, url: str | sa.URL, *, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.url = _check_url(url)
        self._read_only = read_only

    @property
    def read_only(self) -> bool:
        """Whether the engine refuses writes."""
        return self._read_only

    def __repr__(self) -> str:
        flag = ", read_only=True" if self._read_only else ""
        return f"{type(self).__name__}({display_url(self.url)!r}{flag})"

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine (the same object as :attr:`manager`)."""
        engine: sa.Engine = self.manager
        return engine

    @property
    def backend(self) -> str:
        """The database's kind: ``"sqlite"``, ``"postgresql"``..."""
        return self.url.get_backend_name()

    def _create_manager(self) -> sa.Engine:
        kwargs = dict(self._manager_kwargs)
        options = {**kwargs.pop("execution_options", {}), READ_ONLY_OPTION: self._read_only}
        url = self.url
        if self._read_only and self.backend == "sqlite":
            url = _sqlite_read_only_url(url)
        engine = sa.create_engine(url, *self._manager_args[1:], execution_options=options, **kwargs)
        self._install_events(engine)
        return engine

    def _install_events(self, engine: sa.Engine) -> None:
        backend = self.backend
        read_only = self._read_only
        connect_args = self._manager_kwargs.get("connect_args", {})
        busy_default = float(connect_args.get("timeout", _DEFAULT_BUSY_TIMEOUT))
        engine_isolation = self._manager_kwargs.get("isolation_level")

        @event.listens_for(engine, "do_connect")
        def _connect_params(dialect: Any, record: Any, cargs: Any, cparams: Any) -> None:
            timeout = _connect_timeout.get()
            if backend == "postgresql":
                if timeout is not None:
                    cparams["connect_timeout"] = max(1, math.ceil(timeout))
                else:
                    cparams.setdefault("connect_timeout", _DEFAULT_CONNECT_TIMEOUT)
                if read_only:
                    options = cparams.get("options", "")
                    cparams["options"] = f"{options} -c default_transaction_read_only=on".strip()

        if backend == "sqlite":

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
                dbapi_connection.isolation_level = None  # co3 sends BEGIN itself
                dbapi_connection.execute("PRAGMA foreign_keys = ON")
                if read_only:
                    dbapi_connection.execute("PRAGMA query_only = ON")
                elif engine.url.database not in (None, "", ":memory:"):
                    dbapi_connection.execute("PRAGMA journal_mode = WAL")
                    dbapi_connection.execute("PRAGMA synchronous = NORMAL")

            @event.listens_for(engine, "checkout")
            def _sqlite_busy_timeout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
                timeout = _connect_timeout.get()
                seconds = busy_default if timeout is None else timeout
                dbapi_connection.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")

        @event.listens_for(engine, "begin")
        def _begin(conn: sa.Connection) -> None:
            if conn.info.pop(_COMMITTED, False):
                self._notify_commit()
            if backend == "sqlite":
                options = conn.get_execution_options()
                isolation = options.get("isolation_level", engine_isolation)
                if isolation == "AUTOCOMMIT":
                    return
                statement = f"BEGIN {options.get(_BEGIN_OPTION, '')}".strip()
                driver_connection: Any = conn.connection.driver_connection
                # SQLAlchemy resets this when it sets an isolation level: keep pysqlite
                # from sending a BEGIN of its own
                driver_connection.isolation_level = None
                try:
                    driver_connection.execute(statement)
                except sqlite3.Error as exc:
                    raise sa_exc.DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc

        @event.listens_for(engine, "commit")
        def _commit(conn: sa.Connection) -> None:
            # fires before the commit: notify now and again once it is done (the
            # connection's next transaction, or its return to the pool)
            conn.info[_COMMITTED] = True
            self._notify_commit()

        @event.listens_for(engine, "checkin")
        def _checkin(dbapi_connection: Any, record: Any) -> None:
            if record is not None and record.info.pop(_COMMITTED, False):
                self._notify_commit()

    def connect(self, timeout: float | None = None, *, immediate: bool = False) -> sa.Connection:
        """A new connection; use it in a ``with`` block.

        Args:
            timeout: seconds to wait: for the server to answer a new connection
                (PostgreSQL), or for another connection's lock (SQLite's busy timeout).
            immediate: on SQLite, take the write lock when each transaction begins
                (``BEGIN IMMEDIATE``), so a second writer waits at the start instead of
                failing midway.

        Raises:
            ConnectionFailedError: the database cannot be reached or opened.
            DatabaseLockedError: SQLite's file stayed locked while connecting.
        """
        token = _connect_timeout.set(timeout)
        try:
            connection = self.engine.connect()
        except sa_exc.DBAPIError as exc:
            raise translate_error(exc, url=self.url, connecting=True) from exc
        finally:
            _connect_timeout.reset(token)
        if immediate:
            connection.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        return connection

    @contextmanager
    def begin(
        self, timeout: float | None = None, *, immediate: bool = False
    ) -> Iterator[sa.Connection]:
        """A connection in a transaction, committed at the end of the ``with`` block
        (rolled back if the block raises). Arguments as :meth:`connect`."""
        with self.connect(timeout, immediate=immediate) as connection:
            try:
                with connection.begin():
                    yield connection
            except sa_exc.DBAPIError as exc:
                raise translate_error(exc, connection=connection) from exc

    def dispose(self) -> None:
        """Close the pooled connections (the engine stays usable)."""
        if self._manager is not None:
            self._manager.dispose()

    @staticmethod
    def execute(
        connection: sa.Connection,
        statement: Any,
        bind_params: Any = None,
        include_cols: bool = False,
    ) -> Any:
        """Execute ``statement`` (SQLAlchemy, or SQL text with ``:name`` parameters).

        Args:
            connection: an open connection.
            statement: the statement; a ``str`` is wrapped in ``sqlalchemy.text``.
            bind_params: a dict of parameters, or a list of dicts (executemany).
            include_cols: also return the result's column names.

        Returns:
            The SQLAlchemy result, or ``(result, column names)`` with ``include_cols``.

        Raises:
            DatabaseError: the database refused the statement (a subclass saying why,
                also an instance of the SQLAlchemy error class).
        """
        result = execute_statement(connection, statement, bind_params)
        if include_cols:
            return result, list(result.keys()) if result.returns_rows else []
        return result

    @staticmethod
    def exec_explicit(
        connection: sa.Connection,
        statement: Any,
        bind_params: Any = None,
        include_cols: bool = False,
    ) -> Any:
        """Execute ``statement`` in a transaction of its own: committed, or rolled back.

        On a connection already in a transaction, the statement runs in a savepoint
        instead, so a failure undoes only this statement.
        """
        nested = connection.in_transaction()
        transaction = connection.begin_nested() if nested else connection.begin()
        with transaction:
            result = SQLEngine.execute(connection, statement, bind_params, include_cols)
        return result
