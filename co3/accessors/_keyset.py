"""Keyset (seek) paging: the key columns, their order and the "beyond this key" filter.

A page is fetched with ``ORDER BY <sort columns>, <tie-breakers> LIMIT n+1`` and a
predicate selecting the rows strictly beyond a key (the previous page's last or first
row), never with OFFSET, so every page costs the same on a big table. NULLs sort as each
database does by default (smallest on SQLite, largest on PostgreSQL), so indexes on the
sort columns serve the ORDER BY.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from co3.exceptions import InvalidArgumentError, UnsupportedOperationError

__all__ = ["Page", "beyond_key", "key_columns"]


@dataclass(frozen=True)
class Page:
    """One page of rows in keyset order.

    Attributes:
        rows: the rows, as dicts, in display order.
        columns: the names of the selected columns.
        keys: the key of each row (sort values then tie-breakers); give ``last_key`` as
            ``after=`` for the next page, ``first_key`` as ``before=`` for the previous.
        has_previous: rows exist before this page.
        has_next: rows exist after this page.
    """

    rows: list[dict[str, Any]]
    columns: list[str]
    keys: list[tuple[Any, ...]] = field(default_factory=list)
    has_previous: bool = False
    has_next: bool = False

    @property
    def first_key(self) -> tuple[Any, ...] | None:
        """The key of the first row, or None for an empty page."""
        return self.keys[0] if self.keys else None

    @property
    def last_key(self) -> tuple[Any, ...] | None:
        """The key of the last row, or None for an empty page."""
        return self.keys[-1] if self.keys else None


class PGTid(sa.types.UserDefinedType[str]):
    """PostgreSQL's ``tid`` type (of the ``ctid`` system column), values as text."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "tid"


def _row_locator(table: sa.FromClause, dialect: str) -> sa.ColumnClause[Any]:
    """The physical row id of a keyless table: ``rowid`` (SQLite), ``ctid`` (PostgreSQL)."""
    if not isinstance(table, sa.TableClause):
        raise InvalidArgumentError(
            "Cannot page this join: none of its tables has a primary key to order by. "
            "Give the tables primary keys, or page a single table."
        )
    if dialect == "sqlite":
        return sa.column("rowid", sa.Integer(), _selectable=table)
    if dialect == "postgresql":
        return sa.column("ctid", PGTid(), _selectable=table)
    raise UnsupportedOperationError(
        f'Table "{table.name}" has no primary key, and keyset paging without one is only '
        f"supported on SQLite and PostgreSQL (not {dialect}). Add a primary key."
    )


def key_columns(
    table: sa.FromClause, sort: Sequence[sa.ColumnElement[Any]], dialect: str
) -> tuple[list[sa.ColumnElement[Any]], set[int]]:
    """The key: the sort columns plus tie-breakers making it unique.

    Returns:
        The key columns, and the ids of those that are never NULL.
    """
    primary = list(table.primary_key)
    if primary:
        extra: list[sa.ColumnElement[Any]] = [c for c in primary if not any(c is s for s in sort)]
    else:
        extra = [_row_locator(table, dialect)]
    keys = [*sort, *extra]
    not_null = {id(c) for c in extra}
    not_null.update(id(c) for c in sort if getattr(c, "nullable", True) is False)
    return keys, not_null


def _bound(column: sa.ColumnElement[Any], value: Any) -> Any:
    if isinstance(column.type, PGTid):
        return sa.cast(sa.literal(value), column.type)
    return value


def _strictly_beyond(
    column: sa.ColumnElement[Any], value: Any, ascending: bool, nulls_largest: bool, nullable: bool
) -> sa.ColumnElement[bool] | None:
    """Rows whose ``column`` lies strictly beyond ``value`` in the scan direction.

    None stands for "no row" (so callers can leave the term out).
    """
    nulls_beyond = nullable and nulls_largest == ascending  # NULLs come after any value
    if value is None:
        # beyond NULL: every value when NULLs come first in this direction, else nothing
        return None if nulls_largest == ascending else column.is_not(None)
    bound = _bound(column, value)
    compare = column > bound if ascending else column < bound
    return sa.or_(compare, column.is_(None)) if nulls_beyond else compare


def beyond_key(
    keys: Sequence[sa.ColumnElement[Any]],
    not_null: set[int],
    values: Sequence[Any],
    ascending: bool,
    nulls_largest: bool,
) -> sa.ColumnElement[bool]:
    """The predicate for rows strictly beyond the key ``values`` in the scan direction.

    Args:
        keys: the key columns.
        not_null: ids of key columns that are never NULL.
        values: one value per key column.
        ascending: the scan's direction.
        nulls_largest: the database sorts NULL after every value (PostgreSQL).
    """
    if len(values) != len(keys):
        raise InvalidArgumentError(
            f"The page key has {len(values)} values but this ordering needs {len(keys)} "
            "(sort columns plus tie-breakers): give a key from a page of the same ordering."
        )
    predicate: sa.ColumnElement[bool] | None = None  # None: no row
    for column, value in reversed(list(zip(keys, values, strict=True))):
        nullable = id(column) not in not_null
        equal = column.is_(None) if value is None else column == _bound(column, value)
        tied = None if predicate is None else sa.and_(equal, predicate)
        strict = _strictly_beyond(column, value, ascending, nulls_largest, nullable)
        terms = [t for t in (strict, tied) if t is not None]
        predicate = sa.or_(*terms) if len(terms) > 1 else (terms[0] if terms else None)
    if predicate is None:
        predicate = sa.false()
    first, first_value = keys[0], values[0]
    nulls_beyond = id(first) not in not_null and nulls_largest == ascending
    if len(keys) > 1 and first_value is not None and not nulls_beyond:
        # a plain range on the leading column lets an index on it seek to the key
        bound = _bound(first, first_value)
        predicate = sa.and_(first >= bound if ascending else first <= bound, predicate)
    return predicate
