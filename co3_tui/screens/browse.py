"""Browse: the database's tree, and the selected component's rows, page by page.

Every database call runs in a thread worker that opens its own connection and reports
back with a message; the one ``Worker.StateChanged`` handler turns failures into the
error screen. The rows are a :class:`~co3_tui.widgets.RowsPanel`: it holds a few pages
around the cursor (never the whole table) and asks this screen for more with messages.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input
from textual.worker import Worker, WorkerState, get_current_worker

from co3_tui.database import Opened, describe_database, open_database, where_line
from co3_tui.messages import DatabaseOpened, RowsCounted, RowsLoaded
from co3_tui.options import Options
from co3_tui.paging import Direction, Interrupter, Interrupters, Query, RowWindow, count, fetch
from co3_tui.screens.error import Choice, ErrorScreen, what_to_do
from co3_tui.screens.row import RowScreen
from co3_tui.values import ColumnFormat
from co3_tui.widgets import FilterBar, RowsPanel, RowsTable, SchemaTree, TopBar

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
        self.rows = RowsPanel(id="rows-panel")
        self.interrupters = Interrupters()

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        read_only = self.options.read_only or self.options.db_url is not None
        where = where_line(self.options, None)
        yield TopBar("Browse", where, read_only=read_only, id="topbar")
        with Horizontal(id="panes"):
            yield SchemaTree(id="tree")
            yield self.rows
        yield FilterBar(id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.rows.border_title = "Opening the database…"
        tree = self.query_one(SchemaTree)
        tree.border_title = "Database"
        if self.options.db_url is not None:
            tree.root.set_label(Text(describe_database(self.options.db_url, None), "bold"))
        tree.loading = True
        self.open_database()

    def on_unmount(self) -> None:
        self.interrupters.interrupt_all()
        if self.opened is not None:
            self.opened.close()

    @property
    def table(self) -> RowsTable:
        return self.rows.table

    @property
    def formats(self) -> list[ColumnFormat]:
        return self.rows.formats

    @property
    def window(self) -> RowWindow:
        return self.rows.window

    @property
    def shown(self) -> Query | None:
        return self.rows.shown

    @property
    def pending(self) -> Direction | None:
        """The page on its way, if any (the tests wait for it)."""
        return self.rows.pending

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
        group, message = event.worker.group, what_to_do(event.worker.error)
        if group == "rows":
            self.rows.pending = None
            self.rows.show_titles()
        if group == "open":
            self.query_one(SchemaTree).loading = False
            self.rows.border_title = "Not connected"
            self.rows.show_empty("Could not open the database. Press r to try again, q to quit.")
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
            self.rows.load(self.shown, "first")

    # -- what the workers report -------------------------------------------------------

    @on(DatabaseOpened)
    def _opened(self, message: DatabaseOpened) -> None:
        """Fill the tree and show the first component (or ``--open``'s)."""
        opened: Opened = message.opened
        if self.opened is not None:
            self.opened.close()
        self.opened = self.rows.opened = opened
        browsable = opened.browsable
        tree = self.query_one(SchemaTree)
        tree.loading = False
        tree.show(
            browsable.title and describe_database(browsable.title, opened.root),
            browsable.components,
            browsable.sources,
            opened.formats,
            expanded=opened.start,
        )
        self.query_one(TopBar).show_where(where_line(self.options, opened))
        if opened.problem:
            self.notify(opened.problem, title="--open", severity="error", timeout=12)
        if opened.start is None:
            self.rows.border_title = "No tables"
            self.rows.show_empty(
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
        """Put a page in the window."""
        self.rows.take(message)

    @on(RowsPanel.PageWanted)
    def _page_wanted(self, message: RowsPanel.PageWanted) -> None:
        """Fetch the page the rows wait for; for a new query, stop counting the old one."""
        if message.new_query:
            for group in ("count", "ends"):
                self.workers.cancel_group(self, group)
                self.interrupters.interrupt(group)
        query, direction, anchor = message.query, message.direction, message.anchor
        interrupter = self.interrupters.fresh("rows")
        self.fetch_rows(query, direction, anchor, message.generation, interrupter)

    @on(RowsPanel.AheadWanted)
    def _ahead_wanted(self, message: RowsPanel.AheadWanted) -> None:
        """The rows are on screen: count them and fetch the other end's page."""
        query, rows = message.query, self.rows
        if query != rows.shown:
            return
        if rows.total is None and not self._busy("count"):
            self.count_rows(query, self.interrupters.fresh("count"))
        if message.other not in rows.ends:
            interrupter = self.interrupters.fresh("ends")
            self.prefetch_end(query, message.other, message.generation, interrupter)

    def _busy(self, group: str) -> bool:
        return any(w.group == group and w.is_running for w in self.workers)

    @on(RowsCounted)
    def _rows_counted(self, message: RowsCounted) -> None:
        """Show the row count (``~N`` while it is an estimate)."""
        self.rows.take_count(message)

    # -- showing -----------------------------------------------------------------------

    def show_component(self, name: str, column: str | None = None) -> None:
        """Show the rows of the component ``name`` (from its first row)."""
        if self.opened is None:
            return
        if self.shown is None or self.shown.component != name:
            self.table.clear(columns=True)
            self.rows.load(Query(name), "first")
        if column is not None:
            names = [f.name for f in self.opened.formats[name]]
            if column in names:
                self.table.move_cursor(column=names.index(column))

    # -- what the user does ------------------------------------------------------------

    @on(SchemaTree.ComponentHighlighted)
    def _component_highlighted(self, message: SchemaTree.ComponentHighlighted) -> None:
        """The tree's cursor moved: show that component (and go to that column)."""
        self.show_component(message.component, message.column)

    @on(DataTable.CellSelected)
    def _cell_selected(self, event: DataTable.CellSelected) -> None:
        """``enter``: show the row under the cursor in full."""
        row = event.coordinate.row
        title = self.rows.row_title(row)
        if title is not None:
            self.app.push_screen(RowScreen(title, self.formats, self.window.rows[row]))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the filter line is open, its keys are text: hide Filter and Sort."""
        if action == "reconnect":
            return self.opened is None and not self._busy("open")
        return not (action in ("filter", "sort") and self.query_one(FilterBar).display)

    def action_reconnect(self) -> None:
        """Try opening the database again (after it failed)."""
        self.query_one(SchemaTree).loading = True
        self.rows.border_title = "Opening the database…"
        self.rows.show_empty(None)
        self.open_database()
        self.refresh_bindings()

    def action_sort(self) -> None:
        """Sort by the cursor's column; again on the same column: reversed."""
        if self.shown is None or not self.table.columns:
            return
        self.rows.load(self.shown.sorted_by(self.formats[self.table.cursor_column].name), "first")

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
        self.rows.load(query.filtered(text, where), "first")

    @on(FilterBar.Cancelled)
    def _filter_cancelled(self) -> None:
        """``escape`` in the filter line: close it, the filter in force stays."""
        self._close_filter()

    def _close_filter(self) -> None:
        self.query_one(FilterBar).display = False
        self.table.focus()
        self.refresh_bindings()
