"""The rows of one component: a window of pages in a table, with its titles.

The panel holds what is shown (the query, the window, the count, the page on its way),
asks for pages with messages and puts them on screen; the screen's workers fetch them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Static

from co3_tui.database import Opened
from co3_tui.messages import RowsCounted, RowsLoaded
from co3_tui.paging import Count, Direction, Loaded, Query, RowWindow
from co3_tui.values import ColumnFormat
from co3_tui.widgets.rows_table import RowsTable

__all__ = ["RowsPanel"]


class RowsPanel(Vertical):
    """A :class:`RowsTable` (or a line saying why there are no rows) in a titled border.

    Attributes:
        opened: the open database (None until it is open).
        shown: the query whose rows are shown.
        window: the rows held.
        total: the row count, once known (an estimate first).
        generation: counts the fresh windows asked for; older pages are dropped.
        pending: the page on its way, if any.
        ends: the first and last pages, fetched ahead of Home and End.
    """

    @dataclass
    class PageWanted(Message):
        """Fetch a page of ``query`` (``new_query``: the old count and ends are unwanted)."""

        panel: RowsPanel
        query: Query
        direction: Direction
        anchor: tuple[Any, ...] | None
        generation: int
        new_query: bool = False

        @property
        def control(self) -> RowsPanel:
            return self.panel

    @dataclass
    class AheadWanted(Message):
        """The rows are on screen: count them and fetch the ``other`` end's page."""

        panel: RowsPanel
        query: Query
        other: Direction
        generation: int

        @property
        def control(self) -> RowsPanel:
            return self.panel

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.opened: Opened | None = None
        self.shown: Query | None = None
        self.window = RowWindow()
        self.total: Count | None = None
        self.generation = 0
        self.pending: Direction | None = None
        self.ends: dict[str, Loaded] = {}

    def compose(self) -> ComposeResult:
        yield RowsTable(id="rows")
        yield Static(id="empty")

    @property
    def table(self) -> RowsTable:
        return self.query_one(RowsTable)

    @property
    def formats(self) -> list[ColumnFormat]:
        assert self.opened is not None and self.shown is not None
        return self.opened.formats[self.shown.component]

    def load(self, query: Query, direction: Direction) -> None:
        """Ask for the first or last page of ``query``, to replace the window."""
        new_query = query != self.shown
        if new_query:
            self.total = None
            self.ends = {}
        self.shown = query
        self.generation += 1
        self.pending = direction
        self.show_titles()
        self.post_message(self.PageWanted(self, query, direction, None, self.generation, new_query))

    @on(RowsTable.NearEdge)
    def _near_edge(self, message: RowsTable.NearEdge) -> None:
        """Ask for the page beyond the window's edge, unless a fetch is under way."""
        window = self.window
        if self.pending is not None or self.shown is None or not window.keys:
            return
        if message.forward and window.has_next:
            self.pending = "next"
            anchor = window.keys[-1]
        elif not message.forward and window.has_previous:
            self.pending = "previous"
            anchor = window.keys[0]
        else:
            return
        self.post_message(self.PageWanted(self, self.shown, self.pending, anchor, self.generation))

    @on(RowsTable.Jump)
    def _jump(self, message: RowsTable.Jump) -> None:
        """Home/End: the cursor to the first or last row, fetching it if not held."""
        if self.shown is None:
            return
        table, window = self.table, self.window
        direction: Direction = "last" if message.last else "first"
        held = window.at_last if message.last else window.at_first
        if held and self.pending is None:
            table.move_cursor(row=len(window) - 1 if message.last else 0)
        elif direction in self.ends:  # fetched ahead: no round trip
            self.generation += 1
            self.pending = None
            self._show_end(direction, self.ends[direction])
        else:
            self.load(self.shown, direction)

    def take(self, message: RowsLoaded) -> None:
        """Put a page in the window: a fresh window (first/last) or one more page."""
        if message.query != self.shown:
            return
        if message.ahead:
            self.ends[message.direction] = message.loaded
            return
        if message.generation != self.generation:
            return
        self.pending = None
        if message.direction in ("first", "last"):
            self.ends[message.direction] = message.loaded
            self._show_end(message.direction, message.loaded)
            return
        table, window, loaded = self.table, self.window, message.loaded
        edge = window.keys[-1] if message.direction == "next" else window.keys[0]
        if not window.keys or message.anchor != edge:
            return  # the window changed meanwhile
        forward = message.direction == "next"
        old_cursor, old_scroll = table.cursor_row, table.scroll_y
        shift = window.extend(loaded, forward=forward)
        if forward and shift == 0:
            table.append_rows(loaded.cells)
        else:
            table.show_rows(window.cells, old_cursor + shift, old_scroll + shift)
        self._window_changed()

    def _show_end(self, direction: Direction, loaded: Loaded) -> None:
        """Show the first or last page; then ask for the count and the other end."""
        assert self.shown is not None
        table, window = self.table, self.window
        at_end = direction == "last"
        if not table.columns:
            table.show_columns(self.formats, loaded.cells)
        table.mark_sorted(self.shown.order_by, self.shown.descending)
        window.reset(loaded, at_end=at_end)
        table.show_rows(window.cells, len(window) - 1 if at_end else 0)
        self._window_changed()
        other: Direction = "first" if at_end else "last"
        beyond = loaded.has_previous if at_end else loaded.has_next
        if self.total is None or (beyond and other not in self.ends):
            wanted = self.AheadWanted(self, self.shown, other, self.generation)
            self.call_after_refresh(self.post_message, wanted)

    def _window_changed(self) -> None:
        table, window = self.table, self.window
        table.more_before, table.more_after = window.has_previous, window.has_next
        self.show_empty(None if len(window) else self._nothing_text())
        self.show_titles()
        self.call_after_refresh(table.check_edges)

    def take_count(self, message: RowsCounted) -> None:
        """Show the row count (``~N`` while it is an estimate)."""
        if message.query != self.shown or message.count is None:
            return
        if self.total is not None and not self.total.estimate and message.count.estimate:
            return
        self.total = message.count
        self.window.learn_total(message.count)
        self.show_titles()

    def row_title(self, row: int) -> str | None:
        """``component · row N`` for the window's row ``row`` (None: no such row)."""
        if self.shown is None or not 0 <= row < len(self.window):
            return None
        number, approximate = self.window.position(row, self.total)
        where = "" if number is None else f" · row {'~' if approximate else ''}{number:,}"
        return f"{self.shown.component}{where}"

    @on(DataTable.CellHighlighted)
    def _cell_highlighted(self) -> None:
        """The cursor moved: update ``row N of M``."""
        self.show_titles()

    def show_titles(self) -> None:
        """The component, count, order and filter above; the cursor's row number below."""
        query = self.shown
        if query is None or self.opened is None:
            return
        total = "counting…" if self.total is None else f"{self.total} rows"
        if self.total is not None and self.total.value == 1 and not self.total.estimate:
            total = "1 row"
        order = query.order_by
        if order is None:
            order = self.opened.key_order(query.component)
        arrow = "▼" if query.descending else "▲"
        shown_filter = query.filter_text or "none"
        self.border_title = (
            f"{query.component} · {total} · sorted by {order} {arrow} · filter: {shown_filter}"
        )
        table = self.table
        if not len(self.window) or not table.row_count:
            self.border_subtitle = "no rows" if self.pending is None else "loading…"
            return
        number, approximate = self.window.position(table.cursor_row, self.total)
        shown_number = "?" if number is None else f"{'~' if approximate else ''}{number:,}"
        of = "…" if self.total is None else str(self.total)
        self.border_subtitle = f"row {shown_number} of {of}"

    def _nothing_text(self) -> str:
        if self.shown is not None and self.shown.filter_text:
            return f"No rows match {self.shown.filter_text!r}. Press / to change the filter."
        return "No rows yet."

    def show_empty(self, text: str | None) -> None:
        """Show ``text`` instead of the rows (None: show the rows)."""
        empty = self.query_one("#empty", Static)
        empty.update(text or "")
        empty.display = bool(text)
        self.table.display = bool(self.table.columns) or not text
