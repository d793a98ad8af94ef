"""A table showing a window of a component's rows, asking for more near its edges."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey

from co3_tui.values import ColumnFormat

__all__ = ["RowsTable"]

EDGE_MARGIN = 40
"""Ask for the next page when the cursor (or the view) is this close to an edge."""
MIN_WIDTH = 4
MAX_WIDTH = 48


class RowsTable(DataTable[Any]):
    """The rows of the window; the screen fills it and fetches the pages.

    ``more_before``/``more_after`` say whether rows exist beyond the window; when the
    cursor or the view comes near such an edge the table posts :class:`NearEdge`.
    Home and End post :class:`Jump`: the first and last rows may not be held.
    """

    HELP_TITLE = "Rows"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Row"),
        Binding("home,ctrl+home", "jump(False)", "First row", show=False),
        Binding("end,ctrl+end", "jump(True)", "Last row", show=False),
    ]

    @dataclass
    class Jump(Message):
        """Home (``last`` False) or End (``last`` True) was pressed."""

        table: RowsTable
        last: bool

        @property
        def control(self) -> RowsTable:
            return self.table

    @dataclass
    class NearEdge(Message):
        """The cursor or the view is near the end (``forward``) or the start of the window."""

        table: RowsTable
        forward: bool

        @property
        def control(self) -> RowsTable:
            return self.table

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, RowsTable.NearEdge) and message.forward == self.forward

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="cell", zebra_stripes=True, **kwargs)
        self.more_before = False
        self.more_after = False
        self._quiet = False
        self._formats: list[ColumnFormat] = []

    def show_columns(
        self, formats: Sequence[ColumnFormat], sample: Sequence[Sequence[Text]]
    ) -> None:
        """Set the columns, sized to fit ``sample`` rows (then fixed while paging)."""
        self._quiet = True
        self.clear(columns=True)
        self._formats = list(formats)
        for i, fmt in enumerate(formats):
            label = Text(fmt.name, justify="right" if fmt.numeric else "left")
            widest = max((row[i].cell_len for row in sample), default=0)
            # room for the sort arrow
            width = min(MAX_WIDTH, max(MIN_WIDTH, label.cell_len + 2, widest))
            self.add_column(label, width=width, key=fmt.name)
        self._quiet = False

    def mark_sorted(self, sorted_by: str | None, descending: bool) -> None:
        """Put ▲ (or ▼) after the label of the sort column."""
        arrow = " ▼" if descending else " ▲"
        for fmt in self._formats:
            column = self.columns.get(ColumnKey(fmt.name))
            if column is not None:
                name = fmt.name + (arrow if fmt.name == sorted_by else "")
                column.label = Text(name, justify="right" if fmt.numeric else "left")
        self._clear_caches()
        self.refresh()

    def show_rows(
        self, cells: Sequence[Sequence[Text]], cursor_row: int, scroll_y: float | None = None
    ) -> None:
        """Show ``cells``, the cursor on ``cursor_row`` and the view at ``scroll_y``.

        Without ``scroll_y`` the view follows the cursor.
        """
        column = self.cursor_column
        self._quiet = True
        self.clear()
        self._widen(cells)
        self.add_rows(cells)
        # Every row is one line high and the columns have fixed widths, so the size is
        # known now (DataTable would compute it when idle) and the view can be placed.
        header = self.header_height if self.show_header else 0
        width = sum(c.get_render_width(self) for c in self.columns.values())
        self.virtual_size = Size(width, len(cells) + header)
        if scroll_y is None:
            height = max(1, self.scrollable_content_region.height - header)
            scroll_y = max(0, cursor_row - height + 1)
        self.scroll_to(y=scroll_y, animate=False, immediate=True, force=True)
        self.move_cursor(row=cursor_row, column=column, scroll=False)
        self._quiet = False

    def append_rows(self, cells: Sequence[Sequence[Text]]) -> None:
        """Add ``cells`` after the rows shown; the cursor and the view stay put."""
        self._widen(cells)
        self.add_rows(cells)

    def _widen(self, cells: Sequence[Sequence[Text]]) -> None:
        """Widen the columns whose new values are wider (never past MAX_WIDTH)."""
        widened = False
        for i, column in enumerate(self.ordered_columns):
            widest = min(MAX_WIDTH, max((row[i].cell_len for row in cells), default=0))
            if widest > column.width:
                column.width = widest
                widened = True
        if widened:
            self._clear_caches()
            self.refresh(layout=True)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Size the table without measuring each new cell.

        DataTable measures every new cell when idle, for auto-width columns and
        auto-height rows; here the columns have fixed widths and the rows one line, so
        that only cost time (700 cells a page, about as long as fetching it: End on a
        big table took 1.4-2x a cursor move on a small one).
        """
        super()._update_dimensions(())

    def check_edges(self) -> None:
        """Post :class:`NearEdge` when the cursor comes near an edge with more rows beyond.

        When the cursor is out of view (the mouse scrolled), the view's edge counts.
        """
        if self._quiet or not self.row_count:
            return
        header = self.header_height if self.show_header else 0
        top = int(self.scroll_y)
        bottom = top + max(1, self.scrollable_content_region.height - header) - 1
        place = self.cursor_row
        if place < top:
            place = bottom
        elif place > bottom:
            place = top
        if self.more_after and place >= self.row_count - EDGE_MARGIN:
            self.post_message(self.NearEdge(self, forward=True))
        elif self.more_before and place < EDGE_MARGIN:
            self.post_message(self.NearEdge(self, forward=False))

    def watch_cursor_coordinate(self, old: Any, new: Any) -> None:
        super().watch_cursor_coordinate(old, new)
        if old.row != new.row:
            self.check_edges()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if int(old_value) != int(new_value):
            self.check_edges()

    def action_jump(self, last: bool) -> None:
        """Home/End: the screen fetches the first or last page if it is not held."""
        self.post_message(self.Jump(self, last))
