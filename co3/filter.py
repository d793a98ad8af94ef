"""The filter grammar shared by ``co3 select --where`` and the TUI's ``/`` (DESIGN.md 7).

``col op value [and col op value ...]`` with ``= != < <= > >= ~`` (``~``: contains);
anything else is bare text meaning "contains" over the text columns. Values may be
quoted with ``'`` or ``"``. A filter always compiles to bound parameters: no text of
the user's is ever pasted into SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from co3.exceptions import Co3Error

__all__ = ["Condition", "Filter", "FilterError", "parse_filter"]

OPERATORS = ("<=", ">=", "!=", "=", "<", ">", "~")

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<op><=|>=|!=|=|<|>|~)
      | '(?P<sq>(?:[^'\\]|\\.)*)'
      | "(?P<dq>(?:[^"\\]|\\.)*)"
      | (?P<word>[^\s=!<>~'"]+)
    )""",
    re.VERBOSE,
)


class FilterError(Co3Error, ValueError):
    """A filter expression that does not parse or names an unknown column."""


@dataclass(frozen=True)
class Condition:
    """One ``column op value`` comparison."""

    column: str
    op: str
    value: str


@dataclass(frozen=True)
class Filter:
    """A parsed filter: conditions joined by ``and``, or bare text to look for."""

    conditions: tuple[Condition, ...] = ()
    text: str | None = None

    def compile(self, columns: Sequence[Any]) -> Any:
        """A SQLAlchemy boolean expression over ``columns``, with bound parameters only.

        Args:
            columns: the component's columns (SQLAlchemy column objects).

        Raises:
            FilterError: a condition names a column that is not there, or its value
                does not fit the column's type.
        """
        from co3._filter_sql import compile_filter

        return compile_filter(self, columns)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise FilterError(
                f"cannot read the filter at {text[pos:].strip()!r}; "
                "close the quote or write: column op value."
            )
        pos = m.end()
        if m.group("op") is not None:
            out.append(("op", m.group("op")))
        elif m.group("sq") is not None:
            out.append(("value", re.sub(r"\\(.)", r"\1", m.group("sq"))))
        elif m.group("dq") is not None:
            out.append(("value", re.sub(r"\\(.)", r"\1", m.group("dq"))))
        else:
            out.append(("word", m.group("word")))
    return out


def parse_filter(text: str) -> Filter:
    """Parse a filter expression.

    Text that does not start with ``column op`` is bare text, meaning "contains".

    Args:
        text: what the user typed.

    Returns:
        The parsed :class:`Filter`; an empty one for blank text.

    Raises:
        FilterError: the expression starts like a condition but does not parse.
    """
    stripped = text.strip()
    if not stripped:
        return Filter()
    starts_like_condition = re.match(r"[^\s=!<>~'\"]+\s*(?:<=|>=|!=|=|<|>|~)", stripped)
    if not starts_like_condition:
        return Filter(text=stripped)
    tokens = _tokens(stripped)
    conditions: list[Condition] = []
    i = 0
    while True:
        part = tokens[i : i + 3]
        if len(part) < 3 or part[0][0] != "word" or part[1][0] != "op" or part[2][0] == "op":
            raise FilterError(
                f"cannot read the filter {stripped!r}; write column op value "
                f"[and column op value ...] with op one of {' '.join(OPERATORS)}."
            )
        conditions.append(Condition(part[0][1], part[1][1], part[2][1]))
        i += 3
        if i == len(tokens):
            return Filter(conditions=tuple(conditions))
        if tokens[i][0] != "word" or tokens[i][1].lower() != "and":
            raise FilterError(f"expected 'and' before {tokens[i][1]!r} in the filter {stripped!r}.")
        i += 1
