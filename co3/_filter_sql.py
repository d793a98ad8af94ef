"""SQL for :mod:`co3.filter`: filters compiled to SQLAlchemy expressions with bound values."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from co3.filter import Filter, FilterError


class BytesContains(sa.sql.expression.ColumnElement[bool]):
    """``needle`` occurs in the binary column ``column`` (byte-wise)."""

    type = sa.Boolean()
    inherit_cache = True

    def __init__(self, column: Any, needle: bytes) -> None:
        self.column = column
        self.needle = sa.bindparam(None, needle, type_=sa.LargeBinary)


@compiles(BytesContains)
def _bytes_contains(element: BytesContains, compiler: SQLCompiler, **kw: Any) -> str:
    # PostgreSQL: position(bytea in bytea).
    col = compiler.process(element.column, **kw)
    return f"(position({compiler.process(element.needle, **kw)} in {col}) > 0)"


@compiles(BytesContains, "sqlite")
def _bytes_contains_sqlite(element: BytesContains, compiler: SQLCompiler, **kw: Any) -> str:
    col = compiler.process(element.column, **kw)
    return f"(instr({col}, {compiler.process(element.needle, **kw)}) > 0)"


def _is_text(col: Any) -> bool:
    return isinstance(col.type, sa.String | sa.Text | sa.Enum)


def _is_binary(col: Any) -> bool:
    return isinstance(col.type, sa.LargeBinary)


def _contains(col: Any, value: str) -> Any:
    if _is_binary(col):
        return BytesContains(col, os.fsencode(value))
    if _is_text(col):
        return col.icontains(value, autoescape=True)
    return sa.cast(col, sa.Text).contains(value, autoescape=True)


def _typed(col: Any, value: str) -> Any:
    """``value`` converted to what the column holds."""
    kind = "text"
    try:
        if isinstance(col.type, sa.Boolean):
            kind = "true or false"
            lowered = value.lower()
            if lowered not in ("true", "false", "1", "0"):
                raise ValueError(value)
            return lowered in ("true", "1")
        if isinstance(col.type, sa.Integer):
            kind = "a whole number"
            return int(value)
        if isinstance(col.type, sa.Float | sa.Numeric):
            kind = "a number"
            return float(value)
    except ValueError:
        raise FilterError(
            f"column {col.name!r} holds {kind}, not {value!r}; compare it with {kind}."
        ) from None
    if _is_binary(col):
        return os.fsencode(value)
    return value


_COMPARE = {
    "=": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
    "<": lambda c, v: c < v,
    "<=": lambda c, v: c <= v,
    ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v,
}


def compile_filter(flt: Filter, columns: Sequence[Any]) -> Any:
    """See :meth:`co3.filter.Filter.compile`."""
    by_name = {c.name: c for c in columns}
    if flt.text is not None:
        searchable = [c for c in columns if _is_text(c) or _is_binary(c)]
        if not searchable:
            raise FilterError(
                f"no text column to search for {flt.text!r}; "
                "write a condition such as: column = value."
            )
        return sa.or_(*(_contains(c, flt.text) for c in searchable))
    parts = []
    for cond in flt.conditions:
        col = by_name.get(cond.column)
        if col is None:
            raise FilterError(
                f"unknown column {cond.column!r} in the filter; "
                f"the columns are: {', '.join(by_name)}."
            )
        if cond.op == "~":
            parts.append(_contains(col, cond.value))
        else:
            parts.append(_COMPARE[cond.op](col, _typed(col, cond.value)))
    return sa.and_(*parts) if parts else sa.true()
