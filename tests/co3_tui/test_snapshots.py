"""Snapshots of every screen at one terminal size (120x36), on the fixed demo.

Update with ``make snapshots`` (``pytest --snapshot-update``) only after looking at the
new SVGs under ``__snapshots__/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from co3_tui.app import Co3App
from co3_tui.options import Options
from tests.co3_tui.helpers import SIZE, settle

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test"


def demo_app(demo: Path, **kwargs: Any) -> Co3App:
    from co3.project import load_project

    return Co3App(Options(project=load_project(demo), **kwargs))


def keys(*pressed: str) -> Any:
    """A ``run_before`` that waits for the app, presses ``pressed``, and waits again."""

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)

    return run_before


class TestBrowse:
    def test_files_table(self, snap_compare: Any, demo: Path) -> None:
        app = demo_app(demo, open_component="files")
        assert snap_compare(app, terminal_size=SIZE, run_before=keys())

    def test_tree_focused_on_runs(self, snap_compare: Any, demo: Path) -> None:
        app = demo_app(demo)
        assert snap_compare(app, terminal_size=SIZE, run_before=keys("shift+tab", *["down"] * 12))

    def test_sorted_by_size_descending(self, snap_compare: Any, demo: Path) -> None:
        app = demo_app(demo, open_component="files", read_only=True)
        moves = ("right", "right", "right", "o", "o")
        assert snap_compare(app, terminal_size=SIZE, run_before=keys(*moves))


class TestFilter:
    def test_filter_applied(self, snap_compare: Any, demo: Path) -> None:
        app = demo_app(demo, open_component="files")
        typed = ("slash", *"path ~ inbox and size > 100", "enter")
        assert snap_compare(app, terminal_size=SIZE, run_before=keys(*typed))

    def test_filter_that_does_not_parse(self, snap_compare: Any, demo: Path) -> None:
        app = demo_app(demo, open_component="files")
        typed = ("slash", *"size >> 3", "enter")
        assert snap_compare(app, terminal_size=SIZE, run_before=keys(*typed))


class TestRow:
    def test_row_in_full(self, snap_compare: Any, demo: Path) -> None:
        app = demo_app(demo, open_component="files")
        assert snap_compare(app, terminal_size=SIZE, run_before=keys("down", "enter"))


class TestHelp:
    def test_help(self, snap_compare: Any, demo: Path) -> None:
        app = demo_app(demo, open_component="files")
        assert snap_compare(app, terminal_size=SIZE, run_before=keys("question_mark"))


class TestErrors:
    def test_unreachable_database(self, snap_compare: Any) -> None:
        app = Co3App(Options(db_url=UNREACHABLE, read_only=True))
        assert snap_compare(app, terminal_size=SIZE, run_before=keys())

    def test_unknown_open_component(self, snap_compare: Any, demo: Path) -> None:
        app = demo_app(demo, open_component="nope")
        assert snap_compare(app, terminal_size=SIZE, run_before=keys())
