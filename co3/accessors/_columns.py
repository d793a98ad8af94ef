"""Naming columns and conditions of SQL components: names, ``table.name``, or objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from co3.component import Component
from co3.exceptions import InvalidArgumentError, UnknownColumnError

__all__ = ["as_list", "component_name", "from_clause", "resolve_column", "where_clause"]


def as_list(value: Any) -> list[Any]:
    """``value`` as a list: None is empty, a single item is a list of one."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


def from_clause(component: Any) -> sa.FromClause:
    """The SQLAlchemy table or join behind ``component`` (or ``component`` itself)."""
    obj = component.obj if isinstance(component, Component) else component
    if not isinstance(obj, sa.FromClause):
        raise InvalidArgumentError(
            f"{component!r} is not a SQL table or join; give a SQLTable component or a "
            "SQLAlchemy table."
        )
    return obj


def component_name(component: Any) -> str:
    """A name for ``component`` in messages."""
    if isinstance(component, Component):
        return component.name
    return str(getattr(component, "name", None) or getattr(component, "description", "join"))


def _column_label(column: sa.ColumnElement[Any], qualify: bool) -> str:
    table = getattr(column, "table", None)
    if qualify and table is not None and getattr(table, "name", None):
        return f"{table.name}.{column.name}"
    return str(column.name) if hasattr(column, "name") else str(column)


def resolve_column(component: Any, ref: Any) -> sa.ColumnElement[Any]:
    """The column ``ref`` names in ``component`` (a name, ``table.name``, or a column).

    Column objects and other SQL expressions are returned unchanged.

    Raises:
        UnknownColumnError: no column (or more than one) has that name.
    """
    if not isinstance(ref, str):
        return ref  # type: ignore[no-any-return]
    table = from_clause(component)
    found = table.c.get(ref)
    if found is not None:
        return found
    qualify = not isinstance(table, sa.TableClause)
    matches = [c for c in table.c if ref in (c.name, _column_label(c, True))]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(_column_label(c, qualify) for c in table.c)
    if matches:
        raise UnknownColumnError(
            f'Column "{ref}" is ambiguous in "{component_name(component)}": qualify it as one of '
            f"{', '.join(_column_label(c, True) for c in matches)}."
        )
    raise UnknownColumnError(
        f'"{component_name(component)}" has no column "{ref}"; its columns are: {names}.'
    )


def where_clause(component: Any, where: Any) -> sa.ColumnElement[bool] | None:
    """A WHERE clause from an expression, a mapping of column -> value, or a list of them."""
    if where is None:
        return None
    terms: list[sa.ColumnElement[bool]] = []
    if isinstance(where, list | tuple):
        for part in where:
            clause = where_clause(component, part)
            if clause is not None:
                terms.append(clause)
        return sa.and_(sa.true(), *terms)
    if isinstance(where, Mapping):
        for ref, value in where.items():
            column = resolve_column(component, ref)
            terms.append(column.is_(None) if value is None else column == value)
        return sa.and_(sa.true(), *terms)
    return where  # type: ignore[no-any-return]
