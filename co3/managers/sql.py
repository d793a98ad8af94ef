"""SQL managers: schema creation and bulk writes through SQLAlchemy."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from co3._sql_errors import display_url, translate_error
from co3.accessors._columns import resolve_column
from co3.component import Component
from co3.components import Relation, SQLTable
from co3.engine import Engine
from co3.engines.sql import READ_ONLY_OPTION, execute_statement
from co3.exceptions import (
    InvalidArgumentError,
    ReadOnlyError,
    UnsupportedOperationError,
)
from co3.manager import Manager
from co3.schema import Schema

__all__ = ["RelationalManager", "SQLManager"]

logger = logging.getLogger(__name__)

R = TypeVar("R", bound=Relation[Any])
T = TypeVar("T")
Rows = Iterable[Mapping[str, Any]] | Mapping[str, Any]


def _table(component: Any) -> sa.Table:
    obj = component.obj if isinstance(component, Component) else component
    if not isinstance(obj, sa.Table):
        raise InvalidArgumentError(
            f"Cannot write to {component!r}: writes go to one SQL table (a SQLTable "
            "component over a table, not a join)."
        )
    return obj


def _rows(rows: Rows) -> list[Mapping[str, Any]]:
    return [rows] if isinstance(rows, Mapping) else list(rows)


def _key_columns(table: sa.Table, key: Any) -> list[Any]:
    if key is None:
        columns = list(table.primary_key)
        if not columns:
            raise InvalidArgumentError(
                f'Table "{table.name}" has no primary key: name the columns that identify '
                "a row with key=[...]."
            )
        return columns
    refs = [key] if isinstance(key, str | sa.ColumnElement) else list(key)
    return [resolve_column(table, ref) for ref in refs]


def _refuse_if_read_only(connection: sa.Connection, action: str) -> None:
    if connection.get_execution_options().get(READ_ONLY_OPTION):
        raise ReadOnlyError(
            f"{display_url(connection.engine.url)} is open read-only, so co3 will not "
            f"{action}. Open it without read_only=True to change it."
        )


class RelationalManager(Manager[R]):
    """A manager for table-like components."""


class SQLManager(RelationalManager[SQLTable]):
    """Writes to SQL tables, in bulk: one statement (executemany) per table.

    Every write takes ``commit=True``: commit the connection's transaction when done
    (rolling it back on failure); with ``commit=False`` the caller commits.
    """

    def __init__(self) -> None:
        super().__init__()
        self._insert_lock = threading.RLock()

    def _write(
        self, connection: sa.Connection, commit: bool, action: str, work: Callable[[], T]
    ) -> T:
        _refuse_if_read_only(connection, action)
        with self._insert_lock:
            try:
                result = work()
                if commit:
                    try:
                        connection.commit()
                    except sa_exc.DBAPIError as exc:
                        raise translate_error(exc, connection=connection) from exc
            except BaseException:
                if commit:
                    try:
                        connection.rollback()
                    except sa_exc.SQLAlchemyError:  # keep the original error
                        logger.warning("rollback after a failed write failed", exc_info=True)
                raise
        return result

    def recreate(self, schema: Schema[SQLTable], engine: Engine | sa.Engine) -> None:
        """Drop the schema's tables (when present) and create them anew, in one transaction."""
        tables = [c.obj for c in schema if isinstance(c.obj, sa.Table)]
        metadata = getattr(schema, "metadata", None)
        if isinstance(metadata, sa.MetaData):
            tables = list(dict.fromkeys([*metadata.sorted_tables, *tables]))
        if getattr(engine, "read_only", False):
            raise ReadOnlyError(
                f"{display_url(getattr(engine, 'url', None))} is open read-only, so co3 "
                "will not recreate its tables. Open it without read_only=True."
            )
        by_metadata: dict[sa.MetaData, list[sa.Table]] = {}
        for table in tables:
            by_metadata.setdefault(table.metadata, []).append(table)
        with engine.connect() as connection:
            _refuse_if_read_only(connection, "recreate its tables")
            try:
                with connection.begin():
                    for meta, group in by_metadata.items():
                        meta.drop_all(connection, tables=group)
                        meta.create_all(connection, tables=group)
            except sa_exc.DBAPIError as exc:
                raise translate_error(exc, connection=connection) from exc

    def insert(
        self,
        connection: sa.Connection,
        component: SQLTable | sa.Table,
        inserts: Rows,
        commit: bool = True,
    ) -> sa.CursorResult[Any] | None:
        """Insert rows in one statement (executemany); keys that are not columns are ignored.

        Returns:
            The SQLAlchemy result, or None when there are no rows.
        """
        table = _table(component)
        rows = _rows(inserts)
        if not rows:
            return None

        def work() -> sa.CursorResult[Any]:
            return execute_statement(connection, sa.insert(table), rows, table=table.name)

        return self._write(connection, commit, f'insert into "{table.name}"', work)

    def insert_many(
        self, connection: sa.Connection, inserts: Mapping[Any, Rows]
    ) -> list[sa.CursorResult[Any]] | None:
        """Insert rows into several tables in one transaction: all of them, or none.

        Args:
            connection: an open connection; its transaction is committed at the end.
            inserts: component -> rows (the shape of ``Collector.collect_inserts()``).

        Returns:
            One result per component with rows, or None when there are no rows at all.
        """
        batches = [(c, _rows(r)) for c, r in inserts.items()]
        batches = [(c, rows) for c, rows in batches if rows]
        if not batches:
            return None
        total = sum(len(rows) for _, rows in batches)
        start = time.perf_counter()

        def work() -> list[sa.CursorResult[Any]]:
            results = []
            for component, rows in batches:
                result = self.insert(connection, component, rows, commit=False)
                if result is not None:
                    results.append(result)
            return results

        results = self._write(connection, True, "insert rows", work)
        logger.debug("inserted %d rows in %.3f s", total, time.perf_counter() - start)
        return results

    def update(
        self,
        connection: sa.Connection,
        component: SQLTable | sa.Table,
        updates: Rows,
        key: Any = None,
        commit: bool = True,
    ) -> int:
        """Update rows found by their key; each row gives the key and the new values.

        Args:
            connection: an open connection.
            component: the table.
            updates: rows as dicts: the key columns plus the columns to change.
            key: the column(s) identifying a row; default: the primary key.
            commit: commit when done.

        Returns:
            The number of rows updated.

        Raises:
            UnknownColumnError: a row names a column the table lacks.
        """
        table = _table(component)
        rows = _rows(updates)
        keys = _key_columns(table, key)
        key_names = [c.name for c in keys]
        groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
        for row in rows:
            missing = [k for k in key_names if k not in row]
            if missing:
                raise InvalidArgumentError(
                    f'An update of "{table.name}" lacks the key column(s) {missing}: '
                    f"every row must give {key_names}."
                )
            unknown = [n for n in row if n not in table.c]
            if unknown:
                resolve_column(table, unknown[0])  # raises UnknownColumnError
            values = tuple(n for n in row if n not in key_names)
            groups.setdefault(values, []).append(row)

        def work() -> int:
            count = 0
            for values, group in groups.items():
                if not values:
                    continue
                statement = (
                    sa.update(table)
                    .where(*(c == sa.bindparam(f"_co3_k{i}") for i, c in enumerate(keys)))
                    .values({n: sa.bindparam(f"_co3_v{i}") for i, n in enumerate(values)})
                )
                params = [
                    {
                        **{f"_co3_k{i}": row[n] for i, n in enumerate(key_names)},
                        **{f"_co3_v{i}": row[n] for i, n in enumerate(values)},
                    }
                    for row in group
                ]
                result = execute_statement(connection, statement, params, table=table.name)
                count += max(result.rowcount, 0)
            return count

        if not rows:
            return 0
        return self._write(connection, commit, f'update "{table.name}"', work)

    def upsert(
        self,
        connection: sa.Connection,
        component: SQLTable | sa.Table,
        inserts: Rows,
        key: Any = None,
        update_columns: Iterable[str] | None = None,
        commit: bool = True,
    ) -> sa.CursorResult[Any] | None:
        """Insert rows, updating those whose key already exists (SQLite, PostgreSQL).

        Args:
            connection: an open connection.
            component: the table.
            inserts: rows as dicts.
            key: the unique column(s) a conflict is detected on; default: primary key.
            update_columns: the columns a conflicting row gets from the new one;
                default: every non-key column the rows give; empty: keep the old row.
            commit: commit when done.

        Returns:
            The SQLAlchemy result, or None when there are no rows.
        """
        table = _table(component)
        rows = _rows(inserts)
        if not rows:
            return None
        dialect = connection.dialect.name
        if dialect not in ("sqlite", "postgresql"):
            raise UnsupportedOperationError(
                f"upsert() supports SQLite and PostgreSQL, not {dialect}."
            )
        from sqlalchemy.dialects import postgresql, sqlite

        key_names = [c.name for c in _key_columns(table, key)]
        if update_columns is None:
            given = dict.fromkeys(n for row in rows for n in row if n in table.c)
            columns = [n for n in given if n not in key_names]
        else:
            columns = [resolve_column(table, n).name for n in update_columns]
        insert: Any = (sqlite if dialect == "sqlite" else postgresql).insert(table)
        if columns:
            excluded = insert.excluded
            statement = insert.on_conflict_do_update(
                index_elements=key_names, set_={n: excluded[n] for n in columns}
            )
        else:
            statement = insert.on_conflict_do_nothing(index_elements=key_names)

        def work() -> sa.CursorResult[Any]:
            return execute_statement(connection, statement, rows, table=table.name)

        return self._write(connection, commit, f'upsert into "{table.name}"', work)

    def delete(
        self,
        connection: sa.Connection,
        component: SQLTable | sa.Table,
        rows: Iterable[Any] | None = None,
        key: Any = None,
        where: Any = None,
        commit: bool = True,
    ) -> int:
        """Delete rows by key, or every row matching ``where``.

        Args:
            connection: an open connection.
            component: the table.
            rows: the rows to delete: dicts giving the key columns, or bare key values
                (a value, or a tuple for a key of several columns).
            key: the column(s) identifying a row; default: the primary key.
            where: a condition instead of ``rows`` (``sqlalchemy.true()`` for all rows).
            commit: commit when done.

        Returns:
            The number of rows deleted.
        """
        table = _table(component)
        if (rows is None) == (where is None):
            raise InvalidArgumentError(
                "delete() needs rows to delete or a where= condition (one of the two); "
                "to delete every row, pass where=sqlalchemy.true()."
            )
        action = f'delete from "{table.name}"'
        if where is not None:

            def delete_where() -> int:
                statement = sa.delete(table).where(where)
                return execute_statement(connection, statement, table=table.name).rowcount

            return self._write(connection, commit, action, delete_where)
        keys = _key_columns(table, key)
        names = [c.name for c in keys]
        params = []
        for row in rows or ():
            if isinstance(row, Mapping):
                values = [row[n] for n in names if n in row]
            else:
                values = list(row) if isinstance(row, tuple) else [row]
            if len(values) != len(keys):
                raise InvalidArgumentError(
                    f'Each row to delete from "{table.name}" must give the key {names}; '
                    f"got {row!r}."
                )
            params.append({f"_co3_k{i}": v for i, v in enumerate(values)})
        if not params:
            return 0
        statement = sa.delete(table).where(
            *(c == sa.bindparam(f"_co3_k{i}") for i, c in enumerate(keys))
        )

        def delete_rows() -> int:
            result = execute_statement(connection, statement, params, table=table.name)
            return max(result.rowcount, 0)

        return self._write(connection, commit, action, delete_rows)
