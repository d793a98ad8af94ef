"""SQL databases: any SQLAlchemy URL, and SQLite files by path."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, TypeVar

import sqlalchemy as sa

from co3.accessors.sql import Page, RelationalAccessor, SQLAccessor
from co3.components import Relation, SQLTable
from co3.database import Database
from co3.engines.sql import SQLEngine
from co3.exceptions import InvalidArgumentError
from co3.managers.sql import RelationalManager, SQLManager

__all__ = ["RelationalDatabase", "SQLDatabase", "SQLiteDatabase"]

R = TypeVar("R", bound=Relation[Any])


class RelationalDatabase(Database[R]):
    """A database of table-like components."""

    _accessor_cls = RelationalAccessor
    _manager_cls = RelationalManager


class SQLDatabase(RelationalDatabase[SQLTable]):
    """A SQL database reached through SQLAlchemy.

    ``SQLDatabase(url, read_only=False, **create_engine_kwargs)``: see
    :class:`co3.engines.SQLEngine` for the arguments.
    """

    _accessor_cls = SQLAccessor
    _manager_cls = SQLManager
    _engine_cls = SQLEngine

    engine: SQLEngine
    accessor: SQLAccessor
    manager: SQLManager

    def raw_query(self, connection: sa.Connection, query: str, bind_params: Any = None) -> Any:
        """Run SQL text (values in ``bind_params``, ``:name`` placeholders); the result."""
        return SQLEngine.execute(connection, sa.text(query), bind_params)

    def insert_many(self, inserts: Mapping[Any, Any]) -> list[Any] | None:
        """``manager.insert_many`` on a connection of its own: all rows, or none."""
        try:
            with self.engine.connect() as connection:
                return self.manager.insert_many(connection, inserts)
        finally:
            self._invalidate()

    def count(self, component: SQLTable, where: Any = None) -> int:
        """The number of rows of ``component`` (matching ``where``)."""
        with self.engine.connect() as connection:
            return self.accessor.count(connection, component, where)

    def estimate_count(self, component: SQLTable) -> int | None:
        """A fast row-count estimate, or None (see ``SQLAccessor.estimate_count``)."""
        with self.engine.connect() as connection:
            return self.accessor.estimate_count(connection, component)

    def page(self, component: SQLTable, *args: Any, **kwargs: Any) -> Page:
        """``accessor.page`` on a connection of its own (same arguments after it)."""
        with self.engine.connect() as connection:
            return self.accessor.page(connection, component, *args, **kwargs)


class SQLiteDatabase(SQLDatabase):
    """A SQLite database, given by URL (``sqlite:///index.db``) or by file path."""

    def __init__(self, path: str | os.PathLike[str] | sa.URL, **kwargs: Any) -> None:
        url: str | sa.URL = path if isinstance(path, sa.URL) else os.fspath(path)
        if isinstance(url, str) and "://" not in url:
            url = f"sqlite:///{url}"
        super().__init__(url, **kwargs)
        if self.engine.backend != "sqlite":
            raise InvalidArgumentError(
                f"SQLiteDatabase needs a SQLite URL or a file path, not {self.engine.url!r}; "
                "use SQLDatabase for other databases."
            )
