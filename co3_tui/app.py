"""The co3-tui app: its keys, its screens and its styles; the screens do the rest."""

from __future__ import annotations

from pathlib import PurePath
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from co3_tui.options import Options
from co3_tui.screens import BrowseScreen, HelpScreen
from co3_tui.screens.help import help_sections

__all__ = ["Co3App"]


class Co3App(App[int]):
    """Browse a co3 project's database (Review and Journal come later)."""

    TITLE = "co3"
    HELP_TITLE = "Everywhere"
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        "styles/app.tcss",
        "styles/browse.tcss",
        "styles/dialogs.tcss",
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, options: Options) -> None:
        super().__init__()
        self.options = options

    def on_mount(self) -> None:
        self.push_screen(BrowseScreen(self.options))

    def action_help(self) -> None:
        """Show the keys of the current screen, read from its bindings."""
        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        title = getattr(screen, "HELP_TITLE", "co3-tui")
        notes = getattr(screen, "HELP_NOTES", "")
        self.push_screen(HelpScreen(f"Help · {title}", help_sections(screen), notes))
