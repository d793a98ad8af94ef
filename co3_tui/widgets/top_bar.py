"""The top line of every screen: where the app looks, read-only, and the screen's name."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

__all__ = ["TopBar"]


class TopBar(Horizontal):
    """``where`` on the left; ``read-only`` (when it is) and ``screen_name`` on the right."""

    def __init__(self, screen_name: str, where: Text, *, read_only: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.screen_name = screen_name
        self.where = where
        self.read_only = read_only

    def compose(self) -> ComposeResult:
        yield Static(self.where, id="where")
        yield Static("read-only", id="read-only", classes="" if self.read_only else "hidden")
        yield Static(self.screen_name, id="screen-name")

    def show_where(self, where: Text) -> None:
        """Say where the app looks (once the database is open)."""
        self.where = where
        self.query_one("#where", Static).update(where)
