"""A window of rows around the cursor, filled page by page through the Accessor's keyset.

The app never holds a whole table: :class:`RowWindow` keeps at most a few pages, adds
the next (or previous) page when the cursor nears an edge and drops the page farthest
from the cursor. Pages come from ``accessor.page`` (keyset: no OFFSET, so the last page
costs what the first does). Row numbers are exact from the first row down (Home) and
from the last row up (End); the second needs the row count, which may be an estimate.
The functions here run in the app's thread workers; none touches a widget.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from co3_tui.values import ColumnFormat

__all__ = [
    "PAGE_SIZE",
    "WINDOW_ROWS",
    "Count",
    "Interrupter",
    "Interrupters",
    "Loaded",
    "Query",
    "RowWindow",
    "count",
    "fetch",
]

PAGE_SIZE = 100
"""Rows fetched at a time."""
WINDOW_ROWS = 3 * PAGE_SIZE
"""Most rows held at once."""

Direction = Literal["first", "last", "next", "previous"]


@dataclass(frozen=True)
class Query:
    """What rows to show: a component, its order and its filter.

    Attributes:
        component: the component's name.
        order_by: the sort column, or None for the key order.
        descending: sort in descending order.
        filter_text: the filter as typed ("" for none).
        where: ``filter_text`` compiled to a SQLAlchemy expression (bound parameters).
    """

    component: str
    order_by: str | None = None
    descending: bool = False
    filter_text: str = ""
    where: Any = field(default=None, compare=False, repr=False)

    def sorted_by(self, column: str) -> Query:
        """This query sorted by ``column``; by its sort column again: reversed."""
        descending = self.order_by == column and not self.descending
        return replace(self, order_by=column, descending=descending)

    def filtered(self, filter_text: str, where: Any) -> Query:
        """This query with another filter (``where``: ``filter_text`` compiled)."""
        return replace(self, filter_text=filter_text, where=where)


@dataclass
class Loaded:
    """A page of rows, fetched and formatted for display."""

    rows: list[dict[str, Any]]
    keys: list[tuple[Any, ...]]
    cells: list[list[Any]]
    has_previous: bool
    has_next: bool


@dataclass(frozen=True)
class Count:
    """A row count: exact, or an estimate (shown with ``~``)."""

    value: int
    estimate: bool = False

    def __str__(self) -> str:
        return f"~{self.value:,}" if self.estimate else f"{self.value:,}"


class Interrupter:
    """Stops a query another thread is running: SQLite's interrupt, PostgreSQL's cancel.

    A worker attaches its connection while it runs a query; the screen calls the
    interrupter when the answer is no longer wanted (another sort, quitting), so a long
    count or sort does not hold the app (or its exit) up.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stop: Callable[[], object] | None = None
        self.interrupted = False

    @contextlib.contextmanager
    def attached(self, connection: Any) -> Iterator[None]:
        """Make the interrupter stop ``connection``'s query while the block runs."""
        raw = connection.connection.dbapi_connection
        stop = getattr(raw, "interrupt", None) or getattr(raw, "cancel", None)
        with self._lock:
            self._stop = stop
            interrupted = self.interrupted
        try:
            if interrupted and stop is not None:
                stop()
            yield
        finally:
            with self._lock:
                self._stop = None  # the connection goes back to the pool

    def __call__(self) -> None:
        with self._lock:
            self.interrupted = True
            if self._stop is not None:
                with contextlib.suppress(Exception):
                    self._stop()


class Interrupters:
    """The interrupter of each worker group's query (one worker runs per group)."""

    def __init__(self) -> None:
        self._by_group: dict[str, Interrupter] = {}

    def interrupt(self, group: str) -> None:
        """Stop the query the ``group`` worker runs (its answer is no longer wanted)."""
        interrupter = self._by_group.pop(group, None)
        if interrupter is not None:
            interrupter()

    def interrupt_all(self) -> None:
        """Stop every query still running."""
        for group in list(self._by_group):
            self.interrupt(group)

    def fresh(self, group: str) -> Interrupter:
        """A fresh interrupter for a new ``group`` worker, stopping the one it replaces."""
        self.interrupt(group)
        interrupter = self._by_group[group] = Interrupter()
        return interrupter


def fetch(
    browsable: Any,
    query: Query,
    formats: Sequence[ColumnFormat],
    direction: Direction,
    anchor: tuple[Any, ...] | None = None,
    limit: int = PAGE_SIZE,
    interrupter: Interrupter | None = None,
) -> Loaded:
    """One page of ``query``'s rows, on a connection of its own.

    Args:
        browsable: the open ``co3.browse.Browsable``.
        query: the component, order and filter.
        formats: how each column is shown.
        direction: ``first``, ``last``, or ``next``/``previous`` of ``anchor``.
        anchor: the key of the row to page from (``next``, ``previous``).
        limit: rows per page.
        interrupter: stops the query when called from another thread.
    """
    database = browsable.database
    component = browsable.component(query.component)
    interrupter = interrupter or Interrupter()
    with database.engine.connect() as connection, interrupter.attached(connection):
        page = database.accessor.page(
            connection,
            component,
            order_by=query.order_by,
            after=anchor if direction == "next" else None,
            before=anchor if direction == "previous" else None,
            last=direction == "last",
            limit=limit,
            descending=query.descending,
            where=query.where,
        )
    cells = [[f.cell(row.get(f.name)) for f in formats] for row in page.rows]
    return Loaded(page.rows, page.keys, cells, page.has_previous, page.has_next)


def count(
    browsable: Any, query: Query, *, estimate: bool, interrupter: Interrupter | None = None
) -> Count | None:
    """The number of ``query``'s rows, or a fast estimate of it (None when there is none).

    An estimate is only offered without a filter (it counts the whole table).
    """
    database = browsable.database
    component = browsable.component(query.component)
    interrupter = interrupter or Interrupter()
    with database.engine.connect() as connection, interrupter.attached(connection):
        if estimate:
            if query.where is not None:
                return None
            value = database.accessor.estimate_count(connection, component)
            return None if value is None else Count(value, estimate=True)
        return Count(database.accessor.count(connection, component, query.where))


class RowWindow:
    """The rows held for display: a few pages around the cursor.

    Attributes:
        rows: the raw rows (dicts), in display order.
        keys: each row's keyset key.
        cells: each row's formatted cells.
        has_previous: rows exist before the window.
        has_next: rows exist after the window.
        top: how many rows come before the window, when known (from Home).
        bottom: how many rows come after the window, when known (from End).
    """

    def __init__(self, max_rows: int = WINDOW_ROWS) -> None:
        self.max_rows = max_rows
        self.rows: list[dict[str, Any]] = []
        self.keys: list[tuple[Any, ...]] = []
        self.cells: list[list[Any]] = []
        self.has_previous = False
        self.has_next = False
        self.top: int | None = 0
        self.bottom: int | None = 0

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def at_first(self) -> bool:
        """The window starts at the first row."""
        return not self.has_previous

    @property
    def at_last(self) -> bool:
        """The window ends at the last row."""
        return not self.has_next

    def reset(self, page: Loaded, *, at_end: bool = False) -> None:
        """Hold only ``page``: the first rows, or the last ones (``at_end``)."""
        self.rows, self.keys, self.cells = list(page.rows), list(page.keys), list(page.cells)
        self.has_previous, self.has_next = page.has_previous, page.has_next
        self.top = None if at_end and page.has_previous else 0
        self.bottom = 0 if at_end or not page.has_next else None

    def extend(self, page: Loaded, *, forward: bool) -> int:
        """Add ``page`` after the window (``forward``) or before it; drop the far end.

        Returns:
            How far the rows already held moved: positive when rows were added before
            them, negative when rows before them were dropped.
        """
        n = len(page.rows)
        if forward:
            self.rows += page.rows
            self.keys += page.keys
            self.cells += page.cells
            self.has_next = page.has_next
            if self.bottom is not None:
                self.bottom = max(0, self.bottom - n)
            if not page.has_next:
                self.bottom = 0
            drop = max(0, len(self.rows) - self.max_rows)
            if drop:
                del self.rows[:drop], self.keys[:drop], self.cells[:drop]
                self.has_previous = True
                if self.top is not None:
                    self.top += drop
            return -drop
        self.rows[:0] = page.rows
        self.keys[:0] = page.keys
        self.cells[:0] = page.cells
        self.has_previous = page.has_previous
        if self.top is not None:
            self.top = max(0, self.top - n)
        if not page.has_previous:
            self.top = 0
        cut = max(0, len(self.rows) - self.max_rows)
        if cut:
            del self.rows[-cut:], self.keys[-cut:], self.cells[-cut:]
            self.has_next = True
            if self.bottom is not None:
                self.bottom += cut
        return n

    def position(self, index: int, total: Count | None) -> tuple[int | None, bool]:
        """The 1-based row number of the window's row ``index``, and whether it is approximate.

        Returns:
            ``(None, False)`` when it cannot be known yet (from End, before a count).
        """
        if self.top is not None:
            return self.top + index + 1, False
        if self.bottom is None or total is None:
            return None, False
        return total.value - self.bottom - len(self.rows) + index + 1, total.estimate

    def learn_total(self, total: Count) -> None:
        """With an exact count, row numbers from End become exact from Home too."""
        if not total.estimate and self.top is None and self.bottom is not None:
            self.top = max(0, total.value - self.bottom - len(self.rows))
