"""Test helpers for SQL: count the statements sent, compare the SQL generated.

Modelled on peewee's ``assertQueryCount`` and ``assertSQL``, in our own words:

    with count_queries(db) as queries:
        db.select(component)
    assert queries.count == 1

    with assert_query_count(db, 0):
        indexer.cached_query(component)   # a cache hit sends nothing

    assert_sql(statement, "SELECT t.a FROM t WHERE t.a = ?", [1])
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite

__all__ = [
    "QueryLog",
    "assert_query_count",
    "assert_sql",
    "compiled_sql",
    "count_queries",
    "normalize_sql",
    "sa_engine",
]


def sa_engine(target: Any) -> sa.Engine:
    """The SQLAlchemy engine behind a co3 Database or SQLEngine (or an engine itself)."""
    while not isinstance(target, sa.Engine):
        target = target.engine
    return target


@dataclass
class QueryLog:
    """The statements a block sent (one entry per execute or executemany)."""

    statements: list[str] = field(default_factory=list)
    parameters: list[Any] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def matching(self, pattern: str) -> list[str]:
        """The statements whose text matches the regular expression ``pattern``."""
        return [s for s in self.statements if re.search(pattern, s, re.I | re.S)]


@contextmanager
def count_queries(target: Any) -> Iterator[QueryLog]:
    """Record every statement sent through ``target``'s engine inside the block."""
    engine = sa_engine(target)
    log = QueryLog()

    def record(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        log.statements.append(statement)
        log.parameters.append(params)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def assert_query_count(target: Any, expected: int) -> Iterator[QueryLog]:
    """Fail unless the block sends exactly ``expected`` statements."""
    with count_queries(target) as log:
        yield log
    assert log.count == expected, (
        f"expected {expected} statement(s), got {log.count}:\n" + "\n---\n".join(log.statements)
    )


def normalize_sql(sql: str) -> str:
    """``sql`` with runs of whitespace made single spaces, trimmed."""
    return " ".join(sql.split())


_DIALECTS = {"sqlite": sqlite.dialect, "postgresql": postgresql.dialect}


def compiled_sql(statement: Any, dialect: str = "sqlite") -> tuple[str, Any]:
    """The SQL text (normalized) and parameters ``statement`` compiles to."""
    compiled = statement.compile(dialect=_DIALECTS[dialect]())
    if compiled.positional:
        params: Any = [compiled.params[name] for name in compiled.positiontup or []]
    else:
        params = dict(compiled.params)
    return normalize_sql(str(compiled)), params


def assert_sql(
    statement: Any,
    expected: str,
    params: Sequence[Any] | dict[str, Any] | None = None,
    dialect: str = "sqlite",
) -> None:
    """Fail unless ``statement`` compiles to ``expected`` (and ``params``, when given)."""
    sql, actual_params = compiled_sql(statement, dialect)
    assert sql == normalize_sql(expected), (
        f"SQL differs:\n  got:      {sql}\n  expected: {expected}"
    )
    if params is not None:
        if isinstance(params, dict):
            assert actual_params == params
        else:
            assert list(actual_params) == list(params)
