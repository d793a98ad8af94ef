"""Browse: the database's tree, and the selected component's rows, page by page.

Every database call runs in a thread worker that opens its own connection and reports
back with a message; the one ``Worker.StateChanged`` handler turns failures into the
error screen. The rows are a :class:`~co3_tui.paging.RowWindow`: a few pages around
the cursor, never the whole table.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from co3.exceptions import Co3Error
from co3_tui.database import Opened, describe_database, open_database, short_path
from co3_tui.messages import DatabaseOpened, RowsCounted, RowsLoaded
from co3_tui.options import Options
from co3_tui.paging import (
    Count,
    Direction,
    Interrupter,
    Loaded,
    Query,
    RowWindow,
    count,
    fetch,
)
from co3_tui.screens.error import Choice, ErrorScreen
from co3_tui.screens.row import RowScreen
from co3_tui.values import ColumnFormat
from co3_tui.widgets import FilterBar, RowsTable, SchemaTree

__all__ = ["BrowseScreen"]

_FAILURES = {
    "open": "Cannot open the database",
    "rows": "Cannot read the rows",
    "count": "Cannot count the rows",
    "ends": "Cannot read the rows",
}


class BrowseScreen(Screen[None]):
    """The tree of the database beside the rows of one component."""

    HELP_TITLE = "Browse"
    HELP_NOTES = (
        "Filter: col op value [and col op value ...] with = != < <= > >= ~ (contains),\n"
        "or bare text, looked for in the text columns. Values may be 'quoted'.\n"
        "Times (*_ns columns) are in the local time zone; hashes are abridged:\n"
        "enter shows the whole row."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter"),
        Binding("o", "sort", "Sort"),
        Binding("r", "reconnect", "Reconnect"),
    ]

    def __init__(self, options: Options) -> None:
        super().__init__()
        self.options = options
        self.opened: Opened | None = None
        self.shown: Query | None = None
        self.window = RowWindow()
        self.total: Count | None = None
        self.generation = 0
        self.pending: Direction | None = None
        self.ends: dict[str, Loaded] = {}
        self.interrupters: dict[str, Interrupter] = {}

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="topbar"):
            yield Static(self._where_text(None), id="where")
            read_only = self.options.read_only or self.options.db_url is not None
            yield Static("read-only", id="read-only", classes="" if read_only else "hidden")
            yield Static("Browse", id="screen-name")
        with Horizontal(id="panes"):
            yield SchemaTree(id="tree")
            with Vertical(id="rows-panel"):
                yield RowsTable(id="rows")
                yield Static(id="empty")
        yield FilterBar(id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rows-panel").border_title = "Opening the database…"
        tree = self.query_one(SchemaTree)
        tree.border_title = "Database"
        if self.options.db_url is not None:
            tree.root.set_label(Text(describe_database(self.options.db_url, None), "bold"))
        tree.loading = True
        self.open_database()

    def on_unmount(self) -> None:
        for group in list(self.interrupters):
            self._interrupt(group)
        if self.opened is not None:
            self.opened.close()

    def _interrupt(self, group: str) -> None:
        """Stop the query the ``group`` worker runs (its answer is no longer wanted)."""
        interrupter = self.interrupters.pop(group, None)
        if interrupter is not None:
            interrupter()

    def _interrupter(self, group: str) -> Interrupter:
        """A fresh interrupter for a new ``group`` worker, stopping the one it replaces."""
        self._interrupt(group)
        interrupter = self.interrupters[group] = Interrupter()
        return interrupter

    @property
    def table(self) -> RowsTable:
        return self.query_one(RowsTable)

    @property
    def formats(self) -> list[ColumnFormat]:
        assert self.opened is not None and self.shown is not None
        return self.opened.formats[self.shown.component]

    def _where_text(self, opened: Opened | None) -> Text:
        options = self.options
        parts = [("co3", "bold")]
        folder = options.folder
        if folder is not None:
            parts.append((f" · {short_path(folder)}", ""))
        url = options.db_url
        if opened is not None and opened.project is not None:
            url = opened.project.database_url
        if url is not None:
            root = opened.project.root if opened is not None and opened.project else None
            parts.append((f" · {describe_database(url, root)}", "dim"))
        return Text.assemble(*parts)

    # -- workers -----------------------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="open",
        description="Opening the database",
    )
    def open_database(self) -> None:
        """Build the demo if asked, then open the database and list its components."""
        opened = open_database(self.options)
        if get_current_worker().is_cancelled:
            opened.close()
            return
        self.post_message(DatabaseOpened(opened))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="rows",
        description="Fetching a page of rows",
    )
    def fetch_rows(
        self,
        query: Query,
        direction: Direction,
        anchor: tuple[Any, ...] | None,
        generation: int,
        interrupter: Interrupter,
    ) -> None:
        """Fetch one page of ``query`` and post it (keyset paging, own connection)."""
        assert self.opened is not None
        formats = self.opened.formats[query.component]
        loaded = fetch(
            self.opened.browsable, query, formats, direction, anchor, interrupter=interrupter
        )
        if not get_current_worker().is_cancelled:
            self.post_message(RowsLoaded(query, direction, anchor, generation, loaded))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="ends",
        description="Fetching the first or last page ahead of Home/End",
    )
    def prefetch_end(
        self, query: Query, direction: Direction, generation: int, interrupter: Interrupter
    ) -> None:
        """Fetch the page Home or End would show, so the key shows it at once."""
        assert self.opened is not None
        formats = self.opened.formats[query.component]
        loaded = fetch(self.opened.browsable, query, formats, direction, interrupter=interrupter)
        if not get_current_worker().is_cancelled:
            self.post_message(RowsLoaded(query, direction, None, generation, loaded, True))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="count",
        description="Counting rows",
    )
    def count_rows(self, query: Query, interrupter: Interrupter) -> None:
        """Post a fast estimate of the row count (when there is one), then the count."""
        assert self.opened is not None
        worker = get_current_worker()
        browsable = self.opened.browsable
        estimate = count(browsable, query, estimate=True, interrupter=interrupter)
        if estimate is not None and not worker.is_cancelled:
            self.post_message(RowsCounted(query, estimate))
        exact = count(browsable, query, estimate=False, interrupter=interrupter)
        if not worker.is_cancelled:
            self.post_message(RowsCounted(query, exact))

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        """A worker failed: say what failed and what to do, never a traceback."""
        if event.state != WorkerState.ERROR or event.worker.is_cancelled:
            return  # a cancelled worker's query was interrupted on purpose
        error = event.worker.error
        group = event.worker.group
        if isinstance(error, Co3Error):
            message = str(error)
        else:
            message = (
                f"unexpected {type(error).__name__}: {error}; "
                "press r to try again, and please report it if it persists."
            )
        if group == "rows":
            self.pending = None
            self._update_titles()
        if group == "open":
            self.query_one(SchemaTree).loading = False
            self.query_one("#rows-panel").border_title = "Not connected"
            self._show_empty("Could not open the database. Press r to try again, q to quit.")
            self.refresh_bindings()
        if group == "count":
            self.notify(message, title=_FAILURES[group], severity="warning", timeout=8)
            return
        self.app.push_screen(
            ErrorScreen(_FAILURES.get(group, "Something failed"), message, can_retry=True),
            lambda choice: self._after_error(group, choice),
        )

    def _after_error(self, group: str, choice: Choice | None) -> None:
        if choice != "retry":
            return
        if group == "open":
            self.action_reconnect()
        elif self.shown is not None:
            self._load(self.shown, "first")

    # -- what the workers report -------------------------------------------------------

    @on(DatabaseOpened)
    def _opened(self, message: DatabaseOpened) -> None:
        """Fill the tree and show the first component (or ``--open``'s)."""
        opened: Opened = message.opened
        if self.opened is not None:
            self.opened.close()
        self.opened = opened
        browsable = opened.browsable
        tree = self.query_one(SchemaTree)
        tree.loading = False
        tree.show(
            browsable.title and describe_database(browsable.title, _root(opened)),
            browsable.components,
            browsable.sources,
            opened.formats,
            expanded=opened.start,
        )
        self.query_one("#where", Static).update(self._where_text(opened))
        if opened.problem:
            self.notify(opened.problem, title="--open", severity="error", timeout=12)
        if opened.start is None:
            self.query_one("#rows-panel").border_title = "No tables"
            self._show_empty(
                "This database has no tables yet. For a project, run co3 sync to index it."
            )
            tree.focus()
            return
        tree.select_component(opened.start)
        self.show_component(opened.start)
        # The rows are what the user came for: keys (Home/End, pages) act on them first;
        # tab reaches the tree.
        self.table.focus()

    @on(RowsLoaded)
    def _rows_loaded(self, message: RowsLoaded) -> None:
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
        self._after_window_change()

    def _show_end(self, direction: Direction, loaded: Loaded) -> None:
        """Show the first or last page; then count the rows and fetch the other end."""
        assert self.shown is not None
        table, window = self.table, self.window
        at_end = direction == "last"
        if not table.columns:
            table.show_columns(self.formats, loaded.cells)
        table.mark_sorted(self.shown.order_by, self.shown.descending)
        window.reset(loaded, at_end=at_end)
        table.show_rows(window.cells, len(window) - 1 if at_end else 0)
        self._after_window_change()
        query, generation = self.shown, self.generation
        other: Direction = "first" if at_end else "last"
        beyond = loaded.has_previous if at_end else loaded.has_next
        if self.total is None or (beyond and other not in self.ends):
            self.call_after_refresh(lambda: self._after_first_paint(query, other, generation))

    def _after_window_change(self) -> None:
        table, window = self.table, self.window
        table.more_before, table.more_after = window.has_previous, window.has_next
        self._show_empty(None if len(window) else self._nothing_text())
        self._update_titles()
        self.call_after_refresh(table.check_edges)

    def _after_first_paint(self, query: Query, other: Direction, generation: int) -> None:
        """Count the rows and fetch the other end's page, once the rows are on screen."""
        if query != self.shown:
            return
        if self.total is None and not self._counting():
            self.count_rows(query, self._interrupter("count"))
        if other not in self.ends:
            self.prefetch_end(query, other, generation, self._interrupter("ends"))

    def _counting(self) -> bool:
        return any(w.group == "count" and w.is_running for w in self.workers)

    @on(RowsCounted)
    def _rows_counted(self, message: RowsCounted) -> None:
        """Show the row count (``~N`` while it is an estimate)."""
        if message.query != self.shown or message.count is None:
            return
        if self.total is not None and not self.total.estimate and message.count.estimate:
            return
        self.total = message.count
        self.window.learn_total(message.count)
        self._update_titles()

    # -- showing -----------------------------------------------------------------------

    def show_component(self, name: str, column: str | None = None) -> None:
        """Show the rows of the component ``name`` (from its first row)."""
        if self.opened is None:
            return
        if self.shown is None or self.shown.component != name:
            self.table.clear(columns=True)
            self._load(Query(name), "first")
        if column is not None:
            names = [f.name for f in self.opened.formats[name]]
            if column in names:
                self.table.move_cursor(column=names.index(column))

    def _load(self, query: Query, direction: Direction) -> None:
        """Fetch the first or last page of ``query``, replacing the window."""
        if query != self.shown:
            self.total = None
            self.ends = {}
            for group in ("count", "ends"):
                self.workers.cancel_group(self, group)
                self._interrupt(group)
        self.shown = query
        self.generation += 1
        self.pending = direction
        self._update_titles()
        self.fetch_rows(query, direction, None, self.generation, self._interrupter("rows"))

    def _update_titles(self) -> None:
        panel = self.query_one("#rows-panel")
        query = self.shown
        if query is None or self.opened is None:
            return
        total = "counting…" if self.total is None else f"{self.total} rows"
        if self.total is not None and self.total.value == 1 and not self.total.estimate:
            total = "1 row"
        if query.order_by is None:
            browsable = self.opened.browsable
            keys = browsable.component(query.component).obj.primary_key
            dialect = browsable.database.engine.engine.dialect.name
            order = ", ".join(c.name for c in keys) or (
                "ctid" if dialect == "postgresql" else "rowid"
            )
        else:
            order = query.order_by
        arrow = "▼" if query.descending else "▲"
        shown_filter = query.filter_text or "none"
        panel.border_title = (
            f"{query.component} · {total} · sorted by {order} {arrow} · filter: {shown_filter}"
        )
        table = self.table
        if not len(self.window) or not table.row_count:
            panel.border_subtitle = "no rows" if self.pending is None else "loading…"
            return
        number, approximate = self.window.position(table.cursor_row, self.total)
        shown_number = "?" if number is None else f"{'~' if approximate else ''}{number:,}"
        of = "…" if self.total is None else str(self.total)
        panel.border_subtitle = f"row {shown_number} of {of}"

    def _nothing_text(self) -> str:
        if self.shown is not None and self.shown.filter_text:
            return f"No rows match {self.shown.filter_text!r}. Press / to change the filter."
        return "No rows yet."

    def _show_empty(self, text: str | None) -> None:
        empty = self.query_one("#empty", Static)
        empty.update(text or "")
        empty.display = bool(text)
        self.table.display = bool(self.table.columns) or not text

    # -- what the user does ------------------------------------------------------------

    @on(SchemaTree.ComponentHighlighted)
    def _component_highlighted(self, message: SchemaTree.ComponentHighlighted) -> None:
        """The tree's cursor moved: show that component (and go to that column)."""
        self.show_component(message.component, message.column)

    @on(DataTable.CellHighlighted)
    def _cell_highlighted(self) -> None:
        """The cursor moved: update ``row N of M``."""
        self._update_titles()

    @on(RowsTable.NearEdge)
    def _near_edge(self, message: RowsTable.NearEdge) -> None:
        """Fetch the page beyond the window's edge, unless a fetch is under way."""
        window = self.window
        if self.pending is not None or self.shown is None or not window.keys:
            return
        if message.forward and window.has_next:
            self.pending = "next"
            self.fetch_rows(
                self.shown, "next", window.keys[-1], self.generation, self._interrupter("rows")
            )
        elif not message.forward and window.has_previous:
            self.pending = "previous"
            self.fetch_rows(
                self.shown, "previous", window.keys[0], self.generation, self._interrupter("rows")
            )

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
            self._load(self.shown, direction)

    @on(DataTable.CellSelected)
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        """``enter``: show the row under the cursor in full."""
        row = event.coordinate.row
        if self.shown is None or not 0 <= row < len(self.window):
            return
        number, approximate = self.window.position(row, self.total)
        where = "" if number is None else f" · row {'~' if approximate else ''}{number:,}"
        self.app.push_screen(
            RowScreen(f"{self.shown.component}{where}", self.formats, self.window.rows[row])
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the filter line is open, its keys are text: hide Filter and Sort."""
        if action == "reconnect":
            return self.opened is None and not self._opening()
        return not (action in ("filter", "sort") and self.query_one(FilterBar).display)

    def _opening(self) -> bool:
        return any(w.group == "open" and w.is_running for w in self.workers)

    def action_reconnect(self) -> None:
        """Try opening the database again (after it failed)."""
        self.query_one(SchemaTree).loading = True
        self.query_one("#rows-panel").border_title = "Opening the database…"
        self._show_empty(None)
        self.open_database()
        self.refresh_bindings()

    def action_sort(self) -> None:
        """Sort by the cursor's column; again on the same column: reversed."""
        if self.shown is None or not self.table.columns:
            return
        column = self.formats[self.table.cursor_column].name
        query = self.shown
        descending = query.order_by == column and not query.descending
        self._load(
            Query(query.component, column, descending, query.filter_text, query.where), "first"
        )

    def action_filter(self) -> None:
        """Open the filter line (with the filter in force)."""
        if self.shown is None:
            return
        bar = self.query_one(FilterBar)
        bar.value = self.shown.filter_text
        bar.display = True
        bar.focus()
        self.refresh_bindings()

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        """Apply the filter; one that does not parse is a notification, the line stays."""
        if self.shown is None or self.opened is None:
            return
        from co3.filter import FilterError, parse_filter

        text = event.value.strip()
        component = self.opened.browsable.component(self.shown.component)
        try:
            where = parse_filter(text).compile(list(component.obj.columns)) if text else None
        except FilterError as exc:
            self.notify(str(exc), title="Filter", severity="error", timeout=10)
            return
        query = self.shown
        self._close_filter()
        self._load(Query(query.component, query.order_by, query.descending, text, where), "first")

    @on(FilterBar.Cancelled)
    def _filter_cancelled(self) -> None:
        """``escape`` in the filter line: close it, the filter in force stays."""
        self._close_filter()

    def _close_filter(self) -> None:
        self.query_one(FilterBar).display = False
        self.table.focus()
        self.refresh_bindings()


def _root(opened: Opened) -> Any:
    return None if opened.project is None else opened.project.root
