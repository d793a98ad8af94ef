"""SQL accessors: selects, counts and keyset pages over SQLAlchemy tables and joins."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from co3.accessor import Accessor
from co3.accessors._columns import (
    as_list,
    component_name,
    from_clause,
    resolve_column,
    where_clause,
)
from co3.accessors._keyset import Page, beyond_key, key_columns
from co3.components import Relation, SQLTable
from co3.engines.sql import execute_statement
from co3.exceptions import InvalidArgumentError

__all__ = ["Page", "RelationalAccessor", "SQLAccessor"]

R = TypeVar("R", bound=Relation[Any])

Selectable = SQLTable | sa.FromClause
_KEY_LABEL = "_co3_k"


class RelationalAccessor(Accessor[R]):
    """An accessor for table-like components: adds :meth:`select_one`."""

    def select_one(
        self,
        connection: Any,
        component: R,
        columns: Any = None,
        where: Any = None,
        mappings: bool = False,
        include_cols: bool = False,
        *,
        order_by: Any = None,
        offset: int = 0,
    ) -> Any:
        """The first row :meth:`select` gives, or None.

        Returns:
            The row (None when there is none), or ``(row, columns)`` with
            ``include_cols``.
        """
        result = self.select(
            connection, component, columns, where, None, order_by, 1, mappings,
            include_cols, offset=offset,
        )  # fmt: skip
        if include_cols:
            rows, cols = result
            return (rows[0] if rows else None), cols
        return result[0] if result else None


class SQLAccessor(RelationalAccessor[SQLTable]):
    """Read access to SQL tables and joins through SQLAlchemy.

    Columns may be given by name (``"path"``, or ``"files.path"`` in a join) or as
    column objects; a name that is not a column raises
    :class:`~co3.exceptions.UnknownColumnError` before any SQL is sent.
    """

    def build_select(
        self,
        component: Selectable,
        columns: Any = None,
        where: Any = None,
        distinct_on: Any = None,
        order_by: Any = None,
        limit: int = 0,
        offset: int = 0,
    ) -> sa.Select[Any]:
        """The SELECT statement :meth:`select` runs (arguments as there)."""
        table = from_clause(component)
        selected = [resolve_column(component, c) for c in as_list(columns)] or list(table.c)
        ordering = [resolve_column(component, c) for c in as_list(order_by)]
        clause = where_clause(component, where)
        distinct = self._distinct_columns(component, distinct_on)

        if distinct is None or distinct is True or _covers(distinct, selected):
            statement = sa.select(*selected).select_from(table)
            if clause is not None:
                statement = statement.where(clause)
            if distinct is not None:
                statement = statement.distinct()
            statement = statement.order_by(*ordering)
        else:
            # one row per distinct value: the first by ``order_by``, in that order
            rank = sa.func.row_number().over(partition_by=distinct, order_by=ordering or None)
            inner_cols: list[Any] = [*selected, rank.label("_co3_rank")]
            if ordering:
                inner_cols.append(sa.func.row_number().over(order_by=ordering).label("_co3_ord"))
            inner = sa.select(*inner_cols).select_from(table)
            if clause is not None:
                inner = inner.where(clause)
            sub = inner.subquery("_co3_distinct")
            statement = sa.select(*list(sub.c)[: len(selected)]).where(sub.c._co3_rank == 1)
            if ordering:
                statement = statement.order_by(sub.c._co3_ord)
        if limit and limit > 0:
            statement = statement.limit(limit)
        if offset and offset > 0:
            statement = statement.offset(offset)
        return statement

    @staticmethod
    def _distinct_columns(component: Any, distinct_on: Any) -> Any:
        if distinct_on is None or distinct_on is False:
            return None
        if distinct_on is True:
            return True
        return [resolve_column(component, c) for c in as_list(distinct_on)]

    def select(
        self,
        connection: sa.Connection,
        component: Selectable,
        columns: Any = None,
        where: Any = None,
        distinct_on: Any = None,
        order_by: Any = None,
        limit: int = 0,
        mappings: bool = False,
        include_cols: bool = False,
        *,
        offset: int = 0,
    ) -> Any:
        """Select rows of a table or join.

        Args:
            connection: an open connection.
            component: a SQLTable (or a SQLAlchemy table or join).
            columns: the columns to select (names or columns); default: all.
            where: a SQLAlchemy condition, a mapping of column -> value (equality), or
                a list of them (all must hold).
            distinct_on: columns whose values must be distinct: one row per distinct
                value (the first by ``order_by``); ``True`` for plain ``DISTINCT``.
            order_by: a column, name or expression (``col.desc()``), or a list.
            limit: the most rows to return; 0 for all.
            mappings: return SQLAlchemy ``RowMapping`` objects instead of dicts.
            include_cols: also return the column names.
            offset: rows to skip (prefer :meth:`page` for big tables).

        Returns:
            A list of rows, or ``(rows, column names)`` with ``include_cols``.
        """
        statement = self.build_select(
            component, columns, where, distinct_on, order_by, limit, offset
        )
        result = execute_statement(connection, statement, table=component_name(component))
        self._log(connection, statement)
        return self._rows(result, mappings, include_cols)

    def _log(self, connection: sa.Connection, statement: Any) -> None:
        self.log_access(statement.compile(dialect=connection.dialect))

    def _rows(self, result: sa.CursorResult[Any], mappings: bool, include_cols: bool) -> Any:
        if not result.returns_rows:
            rows: list[Any] = []
            cols: list[str] = []
        else:
            cols = list(result.keys())
            rows = list(result.mappings().all()) if mappings else self.result_dicts(result)
        return (rows, cols) if include_cols else rows

    def raw_select(
        self,
        connection: sa.Connection,
        sql: str,
        bind_params: Any = None,
        mappings: bool = False,
        include_cols: bool = False,
    ) -> Any:
        """Run SQL text; values go in ``bind_params`` (``:name`` placeholders).

        Returns:
            A list of rows (dicts, or ``RowMapping`` with ``mappings``), or
            ``(rows, column names)`` with ``include_cols``.
        """
        result = execute_statement(connection, sa.text(sql), bind_params)
        self.log_access(sql)
        return self._rows(result, mappings, include_cols)

    @staticmethod
    def result_dicts(results: Any, query_cols: Iterable[Any] | None = None) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name.

        Args:
            results: a SQLAlchemy result, or a list of rows or mappings.
            query_cols: key the dicts by ``str(column)`` of these columns instead
                (``"table.col"``), which keeps same-named columns of a join apart.
        """
        if hasattr(results, "mappings"):
            rows = results.mappings().all()
        else:
            rows = [getattr(r, "_mapping", r) for r in results]
        if query_cols:
            cols = list(query_cols)
            return [{str(c): r[c] for c in cols} for r in rows]
        return [dict(r) for r in rows]

    def cache_key(self, component: Any, **query: Any) -> Hashable:
        """The compiled SELECT and its parameters: equal keys, equal queries."""
        try:
            compiled = self.build_select(component, **query).compile()
        except sa_exc.CompileError:
            return super().cache_key(component, **query)
        params = tuple(sorted((k, repr(v)) for k, v in compiled.params.items()))
        return (str(compiled), params)

    def count(self, connection: sa.Connection, component: Selectable, where: Any = None) -> int:
        """The number of rows (matching ``where``)."""
        statement = sa.select(sa.func.count()).select_from(from_clause(component))
        clause = where_clause(component, where)
        if clause is not None:
            statement = statement.where(clause)
        result = execute_statement(connection, statement, table=component_name(component))
        self._log(connection, statement)
        return int(result.scalar_one())

    def estimate_count(self, connection: sa.Connection, component: Selectable) -> int | None:
        """A fast estimate of the row count, or None when there is none.

        PostgreSQL: the planner's ``pg_class.reltuples`` (None before the first
        ANALYZE). SQLite: ``max(rowid)``, exact while rows are only ever appended.
        """
        table = from_clause(component)
        if not isinstance(table, sa.Table):
            return None
        dialect = connection.dialect.name
        if dialect == "postgresql":
            name = connection.dialect.identifier_preparer.format_table(table)
            statement: sa.Executable = sa.text(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(:name)"
            ).bindparams(name=name)
        elif dialect == "sqlite":
            statement = sa.select(sa.func.max(sa.column("rowid", _selectable=table)))
        else:
            return None
        try:
            value = execute_statement(connection, statement, table=table.name).scalar()
        except sa_exc.DBAPIError:
            if dialect == "sqlite":  # a WITHOUT ROWID table
                return None
            raise
        self._log(connection, statement)
        if dialect == "sqlite":
            return int(value or 0)
        return None if value is None or value < 0 else int(value)

    def page(
        self,
        connection: sa.Connection,
        component: Selectable,
        order_by: Any = None,
        after: Iterable[Any] | None = None,
        before: Iterable[Any] | None = None,
        limit: int = 100,
        descending: bool = False,
        *,
        last: bool = False,
        columns: Any = None,
        where: Any = None,
    ) -> Page:
        """One page of rows by keyset: no OFFSET, so every page is as fast as the first.

        Rows are ordered by ``order_by`` then the primary key (``rowid`` on SQLite and
        ``ctid`` on PostgreSQL for a table without one), which makes the order unique.

        Args:
            connection: an open connection.
            component: a SQLTable (or a SQLAlchemy table or join).
            order_by: the sort column(s), by name or column; default: the key alone.
            after: a key (``page.last_key``): the page that follows it.
            before: a key (``page.first_key``): the page that precedes it.
            limit: rows per page.
            descending: sort every key column in descending order.
            last: the last page (End), fetched in reverse order.
            columns: the columns to return; default: all.
            where: a filter, as in :meth:`select`.

        Raises:
            InvalidArgumentError: conflicting arguments, or a key of another ordering.
        """
        if limit < 1:
            raise InvalidArgumentError(f"limit must be at least 1, not {limit}.")
        if sum((after is not None, before is not None, bool(last))) > 1:
            raise InvalidArgumentError("Give at most one of after=, before= and last=True.")
        table = from_clause(component)
        sort = [resolve_column(component, c) for c in as_list(order_by)]
        for column in sort:
            if getattr(column, "modifier", None) is not None:
                raise InvalidArgumentError(
                    "page() orders by plain columns: give the column and descending=True "
                    "instead of col.desc() or col.asc()."
                )
        dialect = connection.dialect.name
        keys, not_null = key_columns(table, sort, dialect)
        selected = [resolve_column(component, c) for c in as_list(columns)] or list(table.c)
        labels = [f"{_KEY_LABEL}{i}" for i in range(len(keys))]

        forward = before is None and not last
        ascending = descending != forward
        statement = sa.select(*selected, *(k.label(n) for k, n in zip(keys, labels, strict=True)))
        statement = statement.select_from(table)
        clause = where_clause(component, where)
        if clause is not None:
            statement = statement.where(clause)
        anchor = after if after is not None else before
        if anchor is not None:
            predicate = beyond_key(
                keys, not_null, tuple(anchor), ascending, nulls_largest=dialect == "postgresql"
            )
            statement = statement.where(predicate)
        statement = statement.order_by(*(k.asc() if ascending else k.desc() for k in keys))
        statement = statement.limit(limit + 1)

        result = execute_statement(connection, statement, table=component_name(component))
        self._log(connection, statement)
        fetched = result.mappings().all()
        more = len(fetched) > limit
        fetched = fetched[:limit] if forward else list(reversed(fetched[:limit]))
        all_names = list(result.keys())
        names = [n for n in all_names if n not in labels]
        rows = [{n: row[n] for n in names} for row in fetched]
        row_keys = [tuple(row[n] for n in labels) for row in fetched]
        if forward:
            has_previous, has_next = after is not None, more
        else:
            has_previous, has_next = more, before is not None
        return Page(rows, names, row_keys, has_previous, has_next)


def _covers(distinct: list[Any], selected: list[Any]) -> bool:
    """Every selected column is among the distinct ones (plain DISTINCT suffices)."""
    return all(any(s is d for d in distinct) for s in selected)
