"""Messages the workers post to the screens (the only way a worker talks to the UI)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from co3_tui.paging import Count, Direction, Loaded, Query

__all__ = ["DatabaseOpened", "RowsCounted", "RowsLoaded"]


@dataclass
class DatabaseOpened(Message):
    """The database is open and its components are known.

    Attributes:
        opened: the ``co3_tui.database.Opened`` result.
    """

    opened: Any


@dataclass
class RowsLoaded(Message):
    """A page of rows for ``query``, fetched in ``direction`` from ``anchor``.

    ``ahead``: the first or last page fetched before Home or End asked for it.
    """

    query: Query
    direction: Direction
    anchor: tuple[Any, ...] | None
    generation: int
    loaded: Loaded
    ahead: bool = False


@dataclass
class RowsCounted(Message):
    """The number of rows of ``query`` (an estimate first, then exact)."""

    query: Query
    count: Count | None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RowsCounted) and message.query == self.query
