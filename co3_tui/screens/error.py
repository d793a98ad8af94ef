"""An error and what to do about it; the app stays up behind it."""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from co3.exceptions import Co3Error

__all__ = ["ErrorScreen", "what_to_do"]

Choice = Literal["retry", "close"]


def what_to_do(error: BaseException | None) -> str:
    """The message for ``error``: a co3 error's own, else one asking to retry and report."""
    if isinstance(error, Co3Error):
        return str(error)
    return (
        f"unexpected {type(error).__name__}: {error}; "
        "press r to try again, and please report it if it persists."
    )


class ErrorScreen(ModalScreen[Choice]):
    """Shows what failed, the message saying what to do, and the keys to go on."""

    HELP_TITLE = "Error"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "choose('retry')", "Retry"),
        Binding("escape", "choose('close')", "Close"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, title: str, message: str, *, can_retry: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.can_retry = can_retry

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="error"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            yield Static(Text(self.message), id="error-message")
            keys = (
                "r retries, escape closes this, q quits."
                if self.can_retry
                else ("escape closes this, q quits.")
            )
            yield Static(Text(keys, style="dim"), id="error-keys")
        yield Footer()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Retry only where there is something to retry."""
        if action == "choose" and parameters == ("retry",):
            return self.can_retry
        return True

    def action_choose(self, choice: Choice) -> None:
        """Close the error screen, saying what the user chose."""
        self.dismiss(choice)
