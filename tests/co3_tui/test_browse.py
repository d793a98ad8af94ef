"""Browse, driven with Pilot: the tree, paging, Home/End, sort, filter, a row, help, quit."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from co3_tui.app import Co3App
from co3_tui.messages import RowsLoaded
from co3_tui.options import Options
from co3_tui.paging import PAGE_SIZE, WINDOW_ROWS
from co3_tui.screens import BrowseScreen, ErrorScreen, HelpScreen, RowScreen
from co3_tui.widgets import FilterBar, SchemaTree
from tests.co3_tui.helpers import SIZE, settle


def project_options(folder: Path, **kwargs: Any) -> Options:
    from co3.project import load_project

    return Options(project=load_project(folder), **kwargs)


def browse(app: Co3App) -> BrowseScreen:
    screen = next(s for s in app.screen_stack if isinstance(s, BrowseScreen))
    return screen


def title(app: Co3App) -> str:
    return str(browse(app).query_one("#rows-panel").border_title)


def subtitle(app: Co3App) -> str:
    return str(browse(app).query_one("#rows-panel").border_subtitle)


def cursor_row(app: Co3App) -> dict[str, Any]:
    screen = browse(app)
    return screen.window.rows[screen.table.cursor_row]


def shown_column(app: Co3App, name: str) -> list[Any]:
    return [row[name] for row in browse(app).window.rows]


def run(app: Co3App, messages: list[Any] | None = None) -> Any:
    """``app.run_test`` at the snapshot size, recording messages in ``messages``."""
    hook = messages.append if messages is not None else None
    return app.run_test(size=SIZE, message_hook=hook)


# -- the tree ----------------------------------------------------------------------------


async def test_tree_lists_components_and_columns(demo: Path) -> None:
    app = Co3App(project_options(demo))
    async with run(app) as pilot:
        await settle(pilot)
        tree = app.screen.query_one(SchemaTree)
        labels = [str(node.label) for node in tree.nodes()]
        assert labels[0] == "sqlite .co3/index.db"
        assert "file index (schema)" in labels
        assert "files  9" in labels and "runs  15" in labels
        assert any(
            label.startswith("path") and "blob" in label and "PK" in label for label in labels
        )
        assert any(label.startswith("size") and "bigint" in label for label in labels)
        # The rows have the focus; shift+tab reaches the tree.
        assert app.focused is browse(app).table
        await pilot.press("shift+tab")
        assert app.focused is tree
        assert title(app) == "files · 191 rows · sorted by host, root, path ▲ · filter: none"


async def test_moving_in_the_tree_shows_that_component(demo: Path) -> None:
    app = Co3App(project_options(demo))
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("shift+tab")  # to the tree
        # root, schema, files, 9 columns, runs
        await pilot.press(*["down"] * 12)
        await settle(pilot)
        assert title(app).startswith("runs · 1 row · sorted by id ▲")
        assert cursor_row(app)["outcome"] == "ok"
        # back up onto a column of files: files again, the cursor on that column
        await pilot.press("up", "up")
        await settle(pilot)
        assert title(app).startswith("files · 191 rows")
        screen = browse(app)
        assert screen.formats[screen.table.cursor_column].name == "hash"


# -- paging --------------------------------------------------------------------------------


async def test_page_down_through_a_table_keeps_a_window(items_db: str) -> None:
    messages: list[Any] = []
    app = Co3App(Options(db_url=items_db, read_only=True, open_component="items"))
    async with run(app, messages) as pilot:
        await settle(pilot)
        screen = browse(app)
        assert app.focused is screen.table
        assert len(screen.window) == PAGE_SIZE
        assert subtitle(app) == "row 1 of 1,000"
        previous = 0
        for _ in range(12):
            await pilot.press("pagedown", "pagedown", "pagedown")
            await settle(pilot)
            ids = shown_column(app, "id")
            assert len(ids) <= WINDOW_ROWS
            assert ids == list(range(ids[0], ids[0] + len(ids)))  # contiguous, in order
            row = cursor_row(app)["id"]
            assert row > previous or row == 1000
            previous = row
            assert subtitle(app) == f"row {row:,} of 1,000"
        assert previous == 1000
        assert screen.window.at_last and not screen.window.at_first
        for _ in range(12):
            await pilot.press("pageup", "pageup", "pageup")
            await settle(pilot)
            assert len(screen.window) <= WINDOW_ROWS
        assert cursor_row(app)["id"] == 1
        assert subtitle(app) == "row 1 of 1,000"
    loaded = [m for m in messages if isinstance(m, RowsLoaded)]
    assert all(len(m.loaded.rows) <= PAGE_SIZE for m in loaded)


async def test_cursor_stays_on_its_row_when_a_page_is_added(items_db: str) -> None:
    app = Co3App(Options(db_url=items_db, read_only=True, open_component="items"))
    async with run(app) as pilot:
        await settle(pilot)
        screen = browse(app)
        table = screen.table
        for _ in range(10):
            await pilot.press("pagedown", "down", "down")
            await settle(pilot)
            expected = (screen.window.top or 0) + table.cursor_row + 1
            assert cursor_row(app)["id"] == expected
            region = table.scrollable_content_region
            # the cursor is on screen: the rebuilt window kept the view on it
            assert table.scroll_y <= table.cursor_row < table.scroll_y + region.height
        assert screen.window.top and screen.window.top > 0  # rows were dropped above
        before = cursor_row(app)["id"]
        for _ in range(10):
            await pilot.press("up")
        await settle(pilot)
        assert cursor_row(app)["id"] == before - 10
        for _ in range(12):
            await pilot.press("pageup")
            await settle(pilot)
            region = table.scrollable_content_region
            assert table.scroll_y <= table.cursor_row < table.scroll_y + region.height
        assert cursor_row(app)["id"] == 1


async def test_home_and_end(items_db: str) -> None:
    app = Co3App(Options(db_url=items_db, read_only=True, open_component="items"))
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        assert cursor_row(app)["id"] == 1000
        assert subtitle(app) == "row 1,000 of 1,000"
        assert len(browse(app).window) <= 2 * PAGE_SIZE
        await pilot.press("up", "up")
        await settle(pilot)
        assert subtitle(app) == "row 998 of 1,000"
        await pilot.press("home")
        await settle(pilot)
        assert cursor_row(app)["id"] == 1
        assert subtitle(app) == "row 1 of 1,000"
        await pilot.press("ctrl+end")
        await settle(pilot)
        assert cursor_row(app)["id"] == 1000


async def test_a_table_without_a_key_pages_by_rowid(items_db: str) -> None:
    app = Co3App(Options(db_url=items_db, read_only=True, open_component="notes"))
    async with run(app) as pilot:
        await settle(pilot)
        assert title(app) == "notes · 250 rows · sorted by rowid ▲ · filter: none"
        await pilot.press("end")
        await settle(pilot)
        assert cursor_row(app)["body"] == "note 250"
        await pilot.press("home")
        await settle(pilot)
        assert cursor_row(app)["body"] == "note 1"


def test_paging_uses_keysets_never_offset(items_db: str) -> None:
    """Every query on items is LIMITed and none uses OFFSET; only the count is unlimited."""
    import asyncio

    import sqlalchemy as sa

    statements: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        statement = " ".join(statement.split())
        if statement.endswith("OFFSET ?"):  # SQLite's dialect writes LIMIT ? OFFSET 0
            assert parameters[-1] == 0, (statement, parameters)
            statement = statement.removesuffix(" OFFSET ?")
        statements.append(statement)

    sa.event.listen(sa.Engine, "before_cursor_execute", listen)
    try:

        async def drive() -> None:
            app = Co3App(Options(db_url=items_db, read_only=True, open_component="items"))
            async with run(app) as pilot:
                await settle(pilot)
                await pilot.press("end")
                await settle(pilot)
                for _ in range(5):
                    await pilot.press("pageup")
                await settle(pilot)
                await pilot.press("home")
                await settle(pilot)

        asyncio.run(drive())
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", listen)
    reads = [s for s in statements if "FROM items" in s]
    assert reads
    assert not [s for s in reads if "OFFSET" in s.upper()]
    unlimited = [s for s in reads if "LIMIT" not in s]
    assert all("count(" in s.lower() or "max(" in s.lower() for s in unlimited), unlimited


# -- sort ------------------------------------------------------------------------------------


async def test_sort_by_the_cursor_column_and_reverse(items_db: str) -> None:
    app = Co3App(Options(db_url=items_db, read_only=True, open_component="items"))
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("right")  # the name column
        await pilot.press("o")
        await settle(pilot)
        assert title(app) == "items · 1,000 rows · sorted by name ▲ · filter: none"
        assert cursor_row(app)["name"] == "item 0000001"
        table = browse(app).table
        assert str(table.ordered_columns[1].label) == "name ▲"
        await pilot.press("o")
        await settle(pilot)
        assert title(app) == "items · 1,000 rows · sorted by name ▼ · filter: none"
        assert cursor_row(app)["name"] == "item 0001000"
        assert str(table.ordered_columns[1].label) == "name ▼"
        assert table.cursor_column == 1
        # paging follows the sort order
        await pilot.press("end")
        await settle(pilot)
        assert cursor_row(app)["name"] == "item 0000001"
        await pilot.press("o")
        await settle(pilot)
        assert cursor_row(app)["name"] == "item 0000001"


# -- filter ----------------------------------------------------------------------------------


async def test_filter(items_db: str) -> None:
    app = Co3App(Options(db_url=items_db, read_only=True, open_component="items"))
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        bar = app.screen.query_one(FilterBar)
        assert bar.display and app.focused is bar
        await pilot.press(*"id > 990 and name ~ 99", "enter")
        await settle(pilot)
        assert not bar.display
        assert app.focused is browse(app).table
        assert shown_column(app, "id") == [991, 992, 993, 994, 995, 996, 997, 998, 999]
        assert title(app) == "items · 9 rows · sorted by id ▲ · filter: id > 990 and name ~ 99"
        # the filter line opens with the filter in force; emptied, it clears the filter
        await pilot.press("slash")
        assert bar.value == "id > 990 and name ~ 99"
        await pilot.press("ctrl+u", "enter")
        await settle(pilot)
        assert title(app) == "items · 1,000 rows · sorted by id ▲ · filter: none"


async def test_filter_with_bare_text_and_escape(items_db: str) -> None:
    app = Co3App(Options(db_url=items_db, read_only=True, open_component="items"))
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"0000999", "enter")
        await settle(pilot)
        assert shown_column(app, "id") == [999]
        await pilot.press("slash", *"junk", "escape")
        await settle(pilot)
        assert shown_column(app, "id") == [999]  # escape keeps the filter in force


async def test_a_hostile_filter_is_just_a_value(items_db: str) -> None:
    app = Co3App(Options(db_url=items_db, read_only=True, open_component="items"))
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"'; drop table x; --", "enter")
        await settle(pilot)
        assert browse(app).window.rows == []
        assert title(app).startswith("items · 0 rows ·")
        assert "No rows match" in str(app.screen.query_one("#empty").render())
        await pilot.press("slash", "ctrl+u", *"name = '; drop table x; --", "enter")
        await settle(pilot)
        assert browse(app).window.rows == []
    conn = sqlite3.connect(items_db.removeprefix("sqlite:///"))
    try:
        assert conn.execute("SELECT count(*) FROM x").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM items").fetchone() == (1000,)
    finally:
        conn.close()


async def test_a_filter_that_does_not_parse_is_a_notification(items_db: str) -> None:
    app = Co3App(Options(db_url=items_db, read_only=True, open_component="items"))
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"id >> 3", "enter")
        await settle(pilot)
        notes = list(app._notifications)
        assert len(notes) == 1
        assert notes[0].severity == "error"
        assert "cannot read the filter" in notes[0].message
        bar = app.screen.query_one(FilterBar)
        assert bar.display and bar.value == "id >> 3"  # still open, to fix it
        await pilot.press("ctrl+u", *"nope = 1", "enter")
        await settle(pilot)
        assert "unknown column 'nope'" in list(app._notifications)[-1].message
        assert title(app).endswith("filter: none")
        assert app.is_running


# -- a row in full -------------------------------------------------------------------------


async def test_enter_shows_the_row_in_full(demo: Path) -> None:
    app = Co3App(project_options(demo, open_component="files"))
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RowScreen)
        assert screen.title_text == "files · row 2"
        fields = {name: (type_name, value) for name, type_name, value in screen.fields()}
        assert fields["path"] == ("blob", "data/rainfall.csv")
        assert fields["size"] == ("bigint", "1,812 bytes (1.8K)")
        assert fields["mode"][1].startswith("-rw-r--r--")
        assert fields["hash"][1] == (
            "aca3493da896898c1f83ab674a36e3141b0349b82ed26642bd6c75780010ee82"
        )
        assert fields["recorded_at_ns"][1] == (
            "2026-12-01 08:00:00.000000000 UTC  (1796112000000000000)"
        )
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


async def test_bytes_are_shown_with_replacement_characters(items_db: str) -> None:
    app = Co3App(Options(db_url=items_db, read_only=True, open_component="items"))
    async with run(app) as pilot:
        await settle(pilot)
        table = browse(app).table
        assert str(table.get_cell_at((9, 2))) == "\ufffd\ufffdraw"
        assert str(table.get_cell_at((0, 3))) == "2026-11-01 08:01:00"
        assert browse(app).window.rows[9]["data"] == b"\xff\xferaw"  # stored as is


# -- how it starts -------------------------------------------------------------------------


async def test_open_starts_on_the_component(demo: Path) -> None:
    app = Co3App(project_options(demo, open_component="runs"))
    async with run(app) as pilot:
        await settle(pilot)
        assert title(app).startswith("runs · 1 row")
        assert app.focused is browse(app).table
        assert not app._notifications


async def test_open_an_unknown_component_is_a_notification(demo: Path) -> None:
    app = Co3App(project_options(demo, open_component="nope"))
    async with run(app) as pilot:
        await settle(pilot)
        notes = list(app._notifications)
        assert len(notes) == 1 and notes[0].severity == "error"
        assert "there is no component 'nope'" in notes[0].message
        assert "files, runs" in notes[0].message
        assert title(app).startswith("files · 191 rows")  # the app stays up
        assert isinstance(app.screen, BrowseScreen)


async def test_read_only(demo: Path) -> None:
    from co3.exceptions import ReadOnlyError

    app = Co3App(project_options(demo, read_only=True))
    async with run(app) as pilot:
        await settle(pilot)
        screen = browse(app)
        assert screen.query_one("#read-only").display
        database = screen.opened.browsable.database
        assert database.engine.read_only
        with pytest.raises(ReadOnlyError), database.engine.connect() as conn:
            database.manager.insert(conn, screen.opened.browsable.component("runs"), {})


async def test_not_read_only_by_default(demo: Path) -> None:
    app = Co3App(project_options(demo))
    async with run(app) as pilot:
        await settle(pilot)
        assert not browse(app).query_one("#read-only").display


async def test_reflected_sqlite_database(items_db: str) -> None:
    app = Co3App(Options(db_url=items_db, read_only=True))
    async with run(app) as pilot:
        await settle(pilot)
        screen = browse(app)
        assert list(screen.opened.browsable.components) == ["items", "notes", "x"]
        assert set(screen.opened.browsable.sources.values()) == {"reflected"}
        assert screen.opened.browsable.database.engine.read_only
        assert screen.query_one("#read-only").display
        assert title(app) == "items · 1,000 rows · sorted by id ▲ · filter: none"


@pytest.mark.postgres
async def test_reflected_postgresql_database() -> None:
    import uuid

    from tests.conftest import NO_POSTGRES, POSTGRES_URL, _pg_admin

    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"co3_tui_{uuid.uuid4().hex[:12]}"
    for statement in (
        f'CREATE SCHEMA "{schema}"',
        f'CREATE TABLE "{schema}".things (id serial PRIMARY KEY, label text, raw bytea)',
        f'CREATE TABLE "{schema}".keyless (n integer)',
        f'INSERT INTO "{schema}".things (label, raw) '
        f"SELECT 'thing ' || i, '\\xfffe'::bytea FROM generate_series(1, 450) AS i",
        f'INSERT INTO "{schema}".keyless SELECT i FROM generate_series(1, 120) AS i',
        f'ANALYZE "{schema}".things',
    ):
        _pg_admin(statement)
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    try:
        app = Co3App(Options(db_url=url, read_only=True, open_component="things"))
        async with run(app) as pilot:
            await settle(pilot)
            screen = browse(app)
            assert set(screen.opened.browsable.components) == {"things", "keyless"}
            assert title(app) == "things · 450 rows · sorted by id ▲ · filter: none"
            assert str(screen.table.get_cell_at((0, 2))) == "\ufffd\ufffd"
            await pilot.press("end")
            await settle(pilot)
            assert cursor_row(app)["label"] == "thing 450"
            await pilot.press("slash", *"label ~ 'thing 44'", "enter")
            await settle(pilot)
            assert len(screen.window) == 11
            await pilot.press("slash", "ctrl+u", *"'; drop table keyless; --", "enter")
            await settle(pilot)
            assert screen.window.rows == []
            tree = screen.query_one(SchemaTree)
            tree.select_component("keyless")
            await settle(pilot)
            assert title(app) == "keyless · 120 rows · sorted by ctid ▲ · filter: none"
            screen.table.focus()
            await pilot.press("end")
            await settle(pilot)
            assert cursor_row(app)["n"] == 120
    finally:
        _pg_admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


async def test_a_project_with_its_own_schema(tmp_path: Path) -> None:
    project = tmp_path / "books"
    project.mkdir()
    (project / "co3.toml").write_text('[schema]\nentry = "bookindex:project"\n')
    (project / "bookindex.py").write_text(
        "import sqlalchemy as sa\n"
        "from co3.databases import SQLDatabase\n"
        "from co3.schemas import SQLSchema\n"
        "metadata = sa.MetaData()\n"
        "books = sa.Table('books', metadata, sa.Column('isbn', sa.Text, primary_key=True),\n"
        "                 sa.Column('title', sa.Text), sa.Column('read_at_ns', sa.BigInteger))\n"
        "class project:\n"
        f"    database = SQLDatabase('sqlite:///{project / 'books.db'}')\n"
        "    schema = SQLSchema.from_metadata(metadata)\n"
        "metadata.create_all(project.database.engine.engine)\n"
        "with project.database.engine.engine.begin() as conn:\n"
        "    conn.execute(books.delete())\n"
        "    conn.execute(books.insert(), [{'isbn': f'978-{i}', 'title': f'Book {i}',\n"
        "                                  'read_at_ns': i * 86_400 * 10**9} for i in range(3)])\n"
    )
    app = Co3App(project_options(project))
    async with run(app) as pilot:
        await settle(pilot)
        screen = browse(app)
        assert screen.opened.browsable.sources == {"books": "project schema"}
        assert title(app) == "books · 3 rows · sorted by isbn ▲ · filter: none"
        assert str(screen.table.get_cell_at((1, 2))) == "1970-01-02 00:00:00"


async def test_a_project_without_an_index_yet(tmp_path: Path) -> None:
    (tmp_path / "co3.toml").write_text("")
    app = Co3App(project_options(tmp_path))
    async with run(app) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert "there is no index at" in app.screen.message
        assert "run co3 sync" in app.screen.message
    assert not (tmp_path / ".co3").exists()  # browsing never creates an index


# -- errors ----------------------------------------------------------------------------------

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test"


async def test_unreachable_database_shows_the_error_screen() -> None:
    app = Co3App(Options(db_url=UNREACHABLE, read_only=True))
    async with run(app) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ErrorScreen)
        assert screen.title_text == "Cannot open the database"
        assert "Cannot connect to" in screen.message
        assert "Traceback" not in screen.message
        await pilot.press("r")  # retry: fails the same way
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        assert title(app) == "Not connected"
        assert app.is_running
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_a_failing_worker_shows_the_error_screen(
    items_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import co3_tui.screens.browse as browse_module

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the disk caught fire")

    app = Co3App(Options(db_url=items_db, read_only=True, open_component="items"))
    async with run(app) as pilot:
        await settle(pilot)
        monkeypatch.setattr(browse_module, "fetch", broken)
        await pilot.press("slash", *"id > 5", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert app.screen.title_text == "Cannot read the rows"
        assert "unexpected RuntimeError: the disk caught fire" in app.screen.message
        monkeypatch.undo()
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        assert cursor_row(app)["id"] == 6


# -- help and quit -------------------------------------------------------------------------


async def test_help_lists_the_keys_from_the_bindings(demo: Path) -> None:
    app = Co3App(project_options(demo, open_component="files"))
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        sections = dict(app.screen.sections)
        assert ("/", "Filter") in sections["Browse"]
        assert ("o", "Sort") in sections["Browse"]
        assert ("⏎", "Row") in sections["Rows"]
        assert ("home ^home", "First row") in sections["Rows"]
        assert ("end ^end", "Last row") in sections["Rows"]
        assert ("q ^q", "Quit") in sections["Everywhere"]
        assert ("?", "Help") in sections["Everywhere"]
        # nothing for screens that do not exist yet
        everything = str(app.screen.sections)
        assert "Review" not in everything and "Journal" not in everything
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


async def test_footer_shows_only_what_works(demo: Path) -> None:
    app = Co3App(project_options(demo, open_component="files"))
    async with run(app) as pilot:
        await settle(pilot)
        shown = {
            b.binding.description
            for b in app.screen.active_bindings.values()
            if b.binding.show and b.enabled
        }
        assert shown == {"Filter", "Sort", "Row", "Help", "Quit"}


async def test_q_quits(demo: Path) -> None:
    app = Co3App(project_options(demo))
    async with run(app) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0
