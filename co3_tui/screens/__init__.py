"""The screens of co3-tui: one per file."""

from co3_tui.screens.browse import BrowseScreen
from co3_tui.screens.error import ErrorScreen
from co3_tui.screens.help import HelpScreen
from co3_tui.screens.row import RowScreen

__all__ = ["BrowseScreen", "ErrorScreen", "HelpScreen", "RowScreen"]
