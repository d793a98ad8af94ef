"""The filter line that ``/`` opens: DESIGN.md section 7's grammar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

__all__ = ["FilterBar"]

PLACEHOLDER = "col op value [and ...]  ·  ops = != < <= > >= ~  ·  or text to look for"


class FilterBar(Input):
    """An input for a filter expression; ``enter`` applies it, ``escape`` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Apply"),
        Binding("escape", "cancel", "Close"),
    ]

    @dataclass
    class Cancelled(Message):
        """The user closed the filter line without applying it."""

        bar: FilterBar

        @property
        def control(self) -> FilterBar:
            return self.bar

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(placeholder=PLACEHOLDER, **kwargs)
        self.border_title = "Filter"

    def action_cancel(self) -> None:
        """Close the filter line, keeping the filter in force."""
        self.post_message(self.Cancelled(self))
