"""Errors raised by co3.

Every error is a :class:`Co3Error` whose message says what went wrong and what to do.
Errors that wrap a database error also keep the SQLAlchemy class of the original
(``except sqlalchemy.exc.IntegrityError`` in code written for co3 0.6.3 still works);
those classes live in :mod:`co3._sql_errors` and are loaded on first use, so importing
this module stays free of SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from co3._lazy import lazy_getattr

if TYPE_CHECKING:
    from co3._sql_errors import (
        ConnectionFailedError,
        DatabaseLockedError,
        IntegrityViolationError,
        InvalidURLError,
        QueryError,
        ReadOnlyQueryError,
        UnknownColumnQueryError,
    )

__all__ = [
    "Co3Error",
    "ConfigError",
    "ConnectionFailedError",
    "DatabaseError",
    "DatabaseLockedError",
    "ForeignComponentError",
    "IntegrityViolationError",
    "InvalidArgumentError",
    "InvalidURLError",
    "QueryError",
    "ReadOnlyError",
    "ReadOnlyQueryError",
    "RootError",
    "SchemaError",
    "UnknownColumnError",
    "UnknownColumnQueryError",
    "UnknownComponentError",
    "UnsupportedOperationError",
]


class Co3Error(Exception):
    """Base class of every error co3 raises on purpose."""


class ConfigError(Co3Error):
    """A configuration file or value is wrong."""


class SchemaError(Co3Error):
    """A schema or component is missing or malformed."""


class UnknownComponentError(SchemaError, ValueError):
    """A component name is not in the schema (also a ``ValueError``, as in 0.6.3)."""


class ForeignComponentError(SchemaError, TypeError):
    """A component object does not belong to the schema (also a ``TypeError``)."""


class UnknownColumnError(SchemaError, ValueError):
    """A column name is not an attribute of the component."""


class DatabaseError(Co3Error):
    """The database refused or failed an operation."""


class ReadOnlyError(Co3Error):
    """A write was attempted on a database opened read-only."""


class RootError(Co3Error):
    """A root folder to scan is missing, not a folder, or cannot be read."""


class InvalidArgumentError(Co3Error, ValueError):
    """An argument has a value co3 cannot use (also a ``ValueError``)."""


class UnsupportedOperationError(Co3Error, NotImplementedError):
    """The operation exists but this backend does not support it."""


# Names defined in co3._sql_errors: each subclasses both DatabaseError and the
# matching sqlalchemy.exc class.
_SQL_ERRORS = frozenset(
    {
        "InvalidURLError",
        "ConnectionFailedError",
        "DatabaseLockedError",
        "IntegrityViolationError",
        "QueryError",
        "ReadOnlyQueryError",
        "UnknownColumnQueryError",
    }
)


__getattr__ = lazy_getattr(__name__, dict.fromkeys(_SQL_ERRORS, "co3._sql_errors"))
