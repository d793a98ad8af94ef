"""co3's database errors, each also an instance of the SQLAlchemy class it replaces.

Code written for co3 0.6.3 catches SQLAlchemy's classes (``except
sqlalchemy.exc.IntegrityError``); co3 raises its own errors with messages a user can act
on, built so that such code keeps working: every class here subclasses both
:class:`co3.exceptions.DatabaseError` and a ``sqlalchemy.exc`` class, keeps the driver's
error as ``.orig`` and the failed statement as ``.statement``. :func:`translate_error`
turns a SQLAlchemy error into the right one.
"""

from __future__ import annotations

import re
import threading
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from co3._urls import display_url as hide_password
from co3.exceptions import DatabaseError, ReadOnlyError, UnknownColumnError

__all__ = [
    "ConnectionFailedError",
    "DatabaseLockedError",
    "IntegrityViolationError",
    "InvalidURLError",
    "QueryError",
    "ReadOnlyQueryError",
    "UnknownColumnQueryError",
    "display_url",
    "translate_error",
]

E = TypeVar("E", bound="_WrappedDBAPIError")


class _WrappedDBAPIError(sa_exc.DBAPIError):
    """A DBAPI error with co3's message; ``str()`` is that message."""

    def __init__(
        self,
        message: str,
        statement: str | None,
        params: Any,
        orig: BaseException,
        hide_parameters: bool = False,
        connection_invalidated: bool = False,
        ismulti: bool | None = None,
    ) -> None:
        sa_exc.DBAPIError.__init__(
            self,
            statement,
            params,
            orig,
            hide_parameters=hide_parameters,
            connection_invalidated=connection_invalidated,
            ismulti=ismulti,
        )
        self.message = message

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> Any:
        args = (self.message, self.statement, self.params, self.orig, self.hide_parameters)
        pair = type(self).__dict__.get("_co3_specialised")
        if pair is not None:  # a class built by _specialise: rebuild it by its parts
            return (_rebuild, (*pair, args))
        return (type(self), args)


class InvalidURLError(DatabaseError, sa_exc.ArgumentError):
    """A database URL cannot be parsed, or names a driver that is unknown or missing."""

    def __init__(self, message: str) -> None:
        sa_exc.ArgumentError.__init__(self, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConnectionFailedError(DatabaseError, _WrappedDBAPIError, sa_exc.OperationalError):
    """The database cannot be reached or opened."""


class DatabaseLockedError(DatabaseError, _WrappedDBAPIError, sa_exc.OperationalError):
    """Another connection holds a lock this operation waited for in vain."""


class IntegrityViolationError(DatabaseError, _WrappedDBAPIError, sa_exc.IntegrityError):
    """A write broke a constraint (unique, not null, foreign key, check)."""


class QueryError(DatabaseError, _WrappedDBAPIError):
    """Any other failure of a statement.

    The error raised is also an instance of the original's SQLAlchemy class
    (``OperationalError``, ``ProgrammingError``...).
    """


class UnknownColumnQueryError(UnknownColumnError, QueryError):
    """The database's table lacks a column the statement names."""

    # ValueError (through UnknownColumnError) comes first in the MRO: use ours
    __init__ = _WrappedDBAPIError.__init__
    __str__ = _WrappedDBAPIError.__str__
    __reduce__ = _WrappedDBAPIError.__reduce__


class ReadOnlyQueryError(ReadOnlyError, QueryError):
    """The database refused a write because it is open read-only."""


_specialised: dict[tuple[type, type], type] = {}
_specialised_lock = threading.Lock()


def _specialise(base: type[E], sa_cls: type[sa_exc.DBAPIError]) -> type[E]:
    """``base``, or a subclass of it that is also ``sa_cls`` (built once per pair)."""
    if issubclass(base, sa_cls):
        return base
    with _specialised_lock:
        cls = _specialised.get((base, sa_cls))
        if cls is None:
            namespace = {
                "__module__": base.__module__,
                "__qualname__": base.__qualname__,
                "_co3_specialised": (base, sa_cls),
            }
            cls = type(base.__name__, (base, sa_cls), namespace)
            _specialised[(base, sa_cls)] = cls
    return cls


def _rebuild(base: type[E], sa_cls: type[sa_exc.DBAPIError], args: tuple[Any, ...]) -> E:
    """Unpickle an error whose class :func:`_specialise` built."""
    return _specialise(base, sa_cls)(*args)


def display_url(url: sa.URL | str | None) -> str:
    """``url`` as text with its password hidden."""
    if url is None:
        return "the database"
    if isinstance(url, sa.URL):
        return url.render_as_string(hide_password=True)
    return hide_password(url)


def _driver_message(orig: BaseException | None) -> str:
    """The driver's message on one line, trimmed."""
    raw = str(orig).split("\nLINE ", 1)[0] if orig is not None else ""  # PostgreSQL's excerpt
    text = " ".join(raw.split()).rstrip(".")
    return text if len(text) <= 300 else text[:297] + "..."


# SQLite primary result codes (the low byte of an extended code)
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 5, 6, 8, 14, 26
_PG_CONNECT_CLASSES = ("08", "28", "3D", "57P")


def _kind(exc: sa_exc.DBAPIError, connecting: bool) -> str:
    """What went wrong: locked, readonly, integrity, column, connect or query."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or ""
    code = getattr(orig, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(orig).lower()
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or sqlstate in ("55P03", "40P01"):
        return "locked"
    if "database is locked" in text or "database table is locked" in text:
        return "locked"
    if connecting:
        return "connect"
    if isinstance(exc, sa_exc.IntegrityError) or sqlstate.startswith("23"):
        return "integrity"
    if primary == _SQLITE_READONLY or sqlstate == "25006":
        return "readonly"
    if sqlstate == "42703" or "no such column" in text or "has no column named" in text:
        return "column"
    if primary in (_SQLITE_CANTOPEN, _SQLITE_NOTADB) or sqlstate.startswith(_PG_CONNECT_CLASSES):
        return "connect"
    return "query"


def _integrity_message(exc: sa_exc.DBAPIError, table: str | None) -> str:
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    sqlstate = getattr(orig, "sqlstate", None) or ""
    detail = _driver_message(orig)
    if diag is not None:  # PostgreSQL names the table and constraint itself
        table = diag.table_name or table
        constraint = diag.constraint_name or diag.column_name
        detail = (diag.message_detail or diag.message_primary or detail).rstrip(".")
        kind = {"23505": "unique", "23502": "not null", "23503": "foreign key"}.get(
            sqlstate, "check" if sqlstate == "23514" else "integrity"
        )
    else:  # SQLite: "UNIQUE constraint failed: t.a, t.b"
        match = re.match(r"(\w+(?: \w+)?) constraint failed(?:: (.*))?", str(orig))
        kind = match.group(1).lower() if match else "integrity"
        constraint = match.group(2) if match else None
        if constraint and table is None and "." in constraint:
            table = constraint.split(".", 1)[0]
    advice = {
        "unique": "A row with the same key already exists: change the values, or use "
        "upsert to replace the existing row.",
        "not null": "Give every row a value for that column.",
        "foreign key": "The row refers to a row that does not exist (or is still referred "
        "to): write the referenced row first, or delete the referring rows first.",
        "check": "A value fails the table's CHECK constraint: correct it.",
    }.get(kind, "Correct the data and retry.")
    where = f'table "{table}"' if table else "the table"
    named = f" ({constraint})" if constraint else ""
    return f"Writing to {where} broke a {kind} constraint{named}: {detail}. {advice}"


def _message(kind: str, exc: sa_exc.DBAPIError, url: str, table: str | None) -> str:
    detail = _driver_message(exc.orig)
    on_table = f' on table "{table}"' if table else ""
    if kind == "locked":
        return (
            f"{url} is locked by another connection ({detail}). Wait for the other "
            "writer to finish and retry, or allow a longer wait with "
            "engine.connect(timeout=...)."
        )
    if kind == "connect":
        if url.startswith("sqlite"):
            return (
                f"Cannot open {url} ({detail}). Check that the file's folder exists "
                "and is writable, that the file is a SQLite database, and, when opening "
                "read-only, that the file exists."
            )
        return (
            f"Cannot connect to {url} ({detail}). Check that the server is running and "
            "reachable, and that the host, port, user and database name are right."
        )
    if kind == "integrity":
        return _integrity_message(exc, table)
    if kind == "readonly":
        return (
            f"{url} refused the write{on_table} because it is read-only ({detail}). Open "
            "it without read_only=True, or make the database file and its folder writable."
        )
    if kind == "column":
        where = f'Table "{table}"' if table else "A table"
        return (
            f"{where} in {url} lacks a column the query names ({detail}): the table "
            "differs from the schema. Recreate or migrate it, or reflect the schema from "
            "the database."
        )
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate == "42P01" or "no such table" in detail:
        return (
            f"Query{on_table} failed on {url}: {detail}. The table does not exist in this "
            "database: create it first (Database.recreate(schema)) or check its name."
        )
    return f"Query{on_table} failed on {url}: {detail}. Check the statement and its values."


_CLASSES: dict[str, type[_WrappedDBAPIError]] = {
    "locked": DatabaseLockedError,
    "connect": ConnectionFailedError,
    "integrity": IntegrityViolationError,
    "readonly": ReadOnlyQueryError,
    "column": UnknownColumnQueryError,
    "query": QueryError,
}


def translate_error(
    exc: BaseException,
    *,
    connection: sa.Connection | None = None,
    url: sa.URL | str | None = None,
    table: str | None = None,
    connecting: bool = False,
) -> BaseException:
    """The co3 error to raise in place of ``exc`` (``raise translate_error(e) from e``).

    Args:
        exc: the error caught; anything but a SQLAlchemy DBAPI error comes back as is.
        connection: the connection the statement ran on (names the database).
        url: the database URL, when there is no connection.
        table: the table the statement was about, for the message.
        connecting: the error happened while opening a connection.

    Returns:
        An instance of a class above that is also an instance of ``type(exc)``.
    """
    if isinstance(exc, DatabaseError | ReadOnlyError) or not isinstance(exc, sa_exc.DBAPIError):
        return exc
    if url is None and connection is not None:
        url = connection.engine.url
    kind = _kind(exc, connecting)
    cls = _specialise(_CLASSES[kind], type(exc))
    return cls(
        _message(kind, exc, display_url(url), table),
        exc.statement,
        exc.params,
        exc.orig if exc.orig is not None else exc,
        hide_parameters=exc.hide_parameters,
        connection_invalidated=exc.connection_invalidated,
        ismulti=exc.ismulti,
    )
