"""SQL components over SQLAlchemy tables and joins."""

from __future__ import annotations

from typing import Any, TypeAlias

import sqlalchemy as sa

from co3.components.relation import Relation

__all__ = ["FTSTable", "SQLTable", "SQLTableLike"]

SQLTableLike: TypeAlias = sa.Table | sa.Join | sa.Subquery


def _is_auto_key(column: Any) -> bool:
    """Whether the database fills this column itself (an integer autoincrement key)."""
    if not column.primary_key:
        return False
    if column.autoincrement is True:
        return True
    return column.autoincrement == "auto" and isinstance(column.type, sa.Integer)


class SQLTable(Relation[SQLTableLike]):
    """A SQL table (or a join of tables) as a component."""

    @classmethod
    def from_table(cls, table: sa.Table) -> SQLTable:
        """Wrap a SQLAlchemy table, naming the component after it."""
        return cls(table.name, table)

    def get_attributes(self) -> tuple[sa.ColumnElement[Any], ...]:
        """The table's columns."""
        return tuple(self.obj.columns)

    def get_column_defaults(self, include_all: bool = True) -> dict[str, Any]:
        """Column name -> default value.

        Columns with a scalar default get it; nullable columns get None; with
        ``include_all``, other columns (not database-filled keys) get ``""``. Columns
        with a callable or server-side default are left out, so the database or
        SQLAlchemy fills them on insert.

        Args:
            include_all: also give a value to non-nullable columns without a default.
        """
        defaults: dict[str, Any] = {}
        for column in self.obj.columns:
            default = column.default
            if default is not None:
                if getattr(default, "is_scalar", False):
                    defaults[column.name] = default.arg
            elif column.server_default is not None or _is_auto_key(column):
                continue
            elif column.nullable:
                defaults[column.name] = None
            elif include_all:
                defaults[column.name] = ""
        return defaults

    def prepare_insert_data(self, insert_data: dict[str, Any]) -> dict[str, Any]:
        """Fill ``insert_data`` with the column defaults, dropping keys that are not columns."""
        columns = {column.name for column in self.obj.columns}
        row = self.get_column_defaults()
        row.update((k, v) for k, v in insert_data.items() if k in columns)
        return row

    def compose(self, other: SQLTable, on: Any = None, outer: bool = False) -> SQLTable:
        """A SQLTable over the join of this table and ``other``.

        Args:
            other: the table to join.
            on: the join condition (SQLAlchemy infers it from foreign keys when None).
            outer: a LEFT OUTER join instead of an inner one.
        """
        return type(self)(
            f"<{self.name}>+<{other.name}>",
            self.obj.join(other.obj, on, isouter=outer),
        )


class FTSTable(Relation[SQLTableLike]):
    """A full-text search table (its backend arrives with section 8 of the design)."""

    def get_attributes(self) -> tuple[sa.ColumnElement[Any], ...]:
        """The table's columns."""
        return tuple(self.obj.columns)
