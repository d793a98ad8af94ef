"""Fixtures for co3-tui: the demo, reflected databases, a settled app, frozen clocks.

Every test runs with ``TZ=UTC`` (times are shown in the local zone), a fixed ``HOME``
(the top line shows ``~/...``), the Input cursor not blinking and no animations, so
snapshots depend on nothing but the code.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.co3_tui.helpers import make_items, pin_inodes


@pytest.fixture(autouse=True)
def deterministic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """UTC, a fixed home folder, no cursor blink, no animations."""
    from textual.reactive import reactive
    from textual.widgets import Input

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    blink: reactive[bool] = reactive(False, init=False)
    blink.__set_name__(Input, "cursor_blink")
    monkeypatch.setattr(Input, "cursor_blink", blink)
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The demo project in ``~/demo`` (HOME is the test's own), inodes pinned."""
    from co3_tui.demo import build_demo

    folder = build_demo(Path(os.environ["HOME"]) / "demo")
    pin_inodes(folder)
    return folder


@pytest.fixture
def items_db(tmp_path: Path) -> str:
    """A reflected SQLite database with 1,000 items (see :func:`make_items`)."""
    return make_items(tmp_path / "items.db", 1000)
