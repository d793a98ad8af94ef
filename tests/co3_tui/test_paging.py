"""The row window: a few pages around the cursor, row numbers from either end."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from co3_tui.paging import Count, Interrupter, Loaded, RowWindow


def page(first: int, last: int, *, before: bool, after: bool) -> Loaded:
    ids = list(range(first, last + 1))
    return Loaded([{"id": i} for i in ids], [(i,) for i in ids], [[i] for i in ids], before, after)


def ids(window: RowWindow) -> list[int]:
    return [row["id"] for row in window.rows]


def test_forward_paging_drops_the_far_end() -> None:
    window = RowWindow(max_rows=30)
    window.reset(page(1, 10, before=False, after=True))
    assert window.position(0, None) == (1, False)
    assert window.extend(page(11, 20, before=True, after=True), forward=True) == 0
    assert window.extend(page(21, 30, before=True, after=True), forward=True) == 0
    assert window.extend(page(31, 40, before=True, after=True), forward=True) == -10
    assert ids(window) == list(range(11, 41))
    assert window.has_previous and window.has_next
    assert window.position(0, None) == (11, False)


def test_backward_paging_from_the_end() -> None:
    window = RowWindow(max_rows=20)
    window.reset(page(91, 100, before=True, after=False), at_end=True)
    assert window.top is None and window.bottom == 0
    assert window.position(9, None) == (None, False)  # no count yet
    assert window.position(9, Count(100, estimate=True)) == (100, True)
    assert window.extend(page(81, 90, before=True, after=True), forward=False) == 10
    assert window.extend(page(71, 80, before=True, after=True), forward=False) == 10
    assert ids(window) == list(range(71, 91))
    assert window.has_next and window.bottom == 10
    assert window.position(0, Count(100)) == (71, False)
    window.learn_total(Count(100))
    assert window.top == 70
    assert window.extend(page(91, 100, before=True, after=False), forward=True) == -10
    assert window.bottom == 0 and not window.has_next
    assert window.position(19, None) == (100, False)


def test_a_short_table_is_whole() -> None:
    window = RowWindow()
    window.reset(page(1, 5, before=False, after=False), at_end=True)
    assert window.at_first and window.at_last
    assert window.position(4, None) == (5, False)


def test_count_text() -> None:
    assert str(Count(12408)) == "12,408"
    assert str(Count(1_000_000, estimate=True)) == "~1,000,000"


ENDLESS = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def interrupted_after(engine: Any, sql: str) -> list[BaseException]:
    """Run ``sql`` in a thread, interrupt it after 0.2 s; the errors the thread saw."""
    interrupter = Interrupter()
    errors: list[BaseException] = []

    def run() -> None:
        with engine.connect() as conn, interrupter.attached(conn):
            try:
                conn.execute(sa.text(sql)).scalar()
            except sa.exc.DBAPIError as exc:
                errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(0.2)
    interrupter()
    thread.join(10)
    assert not thread.is_alive(), "the query was not interrupted"
    return errors


def test_interrupter_stops_a_sqlite_query(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    errors = interrupted_after(engine, ENDLESS)
    assert "interrupted" in str(errors[0])
    with engine.connect() as conn:  # the pooled connection still works
        assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    engine.dispose()


@pytest.mark.postgres
def test_interrupter_cancels_a_postgresql_query() -> None:
    from tests.conftest import NO_POSTGRES, POSTGRES_URL

    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    engine = sa.create_engine(POSTGRES_URL)
    errors = interrupted_after(engine, "SELECT pg_sleep(30)")
    assert "cancel" in str(errors[0]).lower()
    engine.dispose()
