"""One row in full: every column, its type and its whole value."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from co3_tui.values import ColumnFormat

__all__ = ["RowScreen"]


class RowScreen(ModalScreen[None]):
    """A modal view of one row: what the table abridges (hashes, times, sizes) in full."""

    HELP_TITLE = "Row"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter", "dismiss", "Close"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, title: str, formats: Sequence[ColumnFormat], row: dict[str, Any]) -> None:
        super().__init__()
        self.title_text = title
        self.formats = list(formats)
        self.row = row

    def fields(self) -> list[tuple[str, str, str]]:
        """``(column, type, value in full)`` for each column of the row."""
        return [(f.name, f.type_name, f.full(self.row.get(f.name))) for f in self.formats]

    def compose(self) -> ComposeResult:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(overflow="fold")
        for name, type_name, value in self.fields():
            style = "dim" if self.row.get(name) is None else ""
            grid.add_row(name, type_name, Text(value, style=style))
        with Vertical(id="dialog", classes="row"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            with VerticalScroll(id="row-fields"):
                yield Static(grid)
        yield Footer()

    async def action_dismiss(self, result: None = None) -> None:
        """Close the row view."""
        self.dismiss(result)
