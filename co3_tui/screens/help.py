"""Help for the screen below: its keys, read from the bindings themselves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

__all__ = ["HelpScreen", "help_sections"]

Section = tuple[str, list[tuple[str, str]]]


# Bindings Textual's own classes define that are worth listing, under our words.
_INHERITED = {
    "cursor_up": "Move",
    "cursor_down": "Move",
    "cursor_left": "Move",
    "cursor_right": "Move",
    "page_up": "Page up / down",
    "page_down": "Page up / down",
    "app.focus_next": "Next pane",
    "app.focus_previous": "Previous pane",
    "quit": "Quit",
}


def _available(node: DOMNode, action: str) -> bool:
    """Whether the node offers ``action`` now (its ``check_action`` may hide it)."""
    if "(" in action or "." in action:
        return True
    return node.check_action(action, ()) is not False


def _keys_of(app: App[object], node: DOMNode) -> list[tuple[str, str]]:
    """``(keys, description)`` for the bindings of ``node``'s class and its bases.

    Bindings of co3-tui's classes are listed when they have a description; those
    Textual's classes add only when :data:`_INHERITED` names them. Keys doing the
    same thing share a line.
    """
    seen: set[str] = set()
    lines: dict[str, list[str]] = {}
    for cls in type(node).__mro__:
        own = cls.__module__.startswith("co3_tui")
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", [])):
            if binding.key in seen or binding.system:
                continue
            seen.add(binding.key)
            description = binding.description if own else _INHERITED.get(binding.action)
            if not description or not _available(node, binding.action):
                continue
            key = app.get_key_display(binding)
            keys = lines.setdefault(description, [])
            if key not in keys:
                keys.append(key)
    return [(" ".join(keys), description) for description, keys in lines.items()]


def help_sections(screen: Screen[object]) -> list[Section]:
    """The keys of ``screen``: the screen's own, each visible pane's, then the app's."""
    app = screen.app
    panes: list[DOMNode] = [
        w for w in screen.query("*") if w.focusable and w.display and hasattr(w, "HELP_TITLE")
    ]
    sections: list[Section] = []
    for node in [screen, *panes, app]:
        keys = _keys_of(app, node)
        if node is app and app.ENABLE_COMMAND_PALETTE:
            keys.append((app.get_key_display(Binding(app.COMMAND_PALETTE_BINDING, "")), "Commands"))
        if keys:
            sections.append((getattr(node, "HELP_TITLE", type(node).__name__), keys))
    return sections


def _grid(sections: list[Section]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True, min_width=11)
    grid.add_column()
    for i, (title, keys) in enumerate(sections):
        if i:
            grid.add_row("", "")
        grid.add_row(Text(title, style="italic underline"), "")
        for key, description in keys:
            grid.add_row(Text(key, style="bold"), description)
    return grid


class HelpScreen(ModalScreen[None]):
    """Every key of the screen below, grouped by where it works."""

    HELP_TITLE = "Help"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark", "dismiss", "Close"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, title: str, sections: Iterable[Section], notes: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.sections = list(sections)
        self.notes = notes

    def compose(self) -> ComposeResult:
        # Two columns, the sections split where the line counts balance.
        sizes = [len(keys) + 2 for _, keys in self.sections]
        split = min(range(len(sizes) + 1), key=lambda i: abs(sum(sizes[:i]) - sum(sizes[i:])))
        with Vertical(id="dialog", classes="help"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            with Horizontal(id="help-columns"):
                yield Static(_grid(self.sections[:split]), classes="help-column")
                yield Static(_grid(self.sections[split:]), classes="help-column")
            if self.notes:
                yield Static(Text(self.notes, style="dim"), id="help-notes")
        yield Footer()

    async def action_dismiss(self, result: None = None) -> None:
        """Close the help."""
        self.dismiss(result)
