"""SQLAccessor: the SQL it generates, its results, counts and keyset paging."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from co3.accessors import Page, SQLAccessor
from co3.components import SQLTable
from co3.exceptions import InvalidArgumentError, UnknownColumnError
from co3.schemas import SQLSchema
from tests.base import assert_query_count, assert_sql, compiled_sql, count_queries

metadata = sa.MetaData()
files = sa.Table(
    "files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("path", sa.String(200), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(20)),
)
tags = sa.Table(
    "tags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
    sa.Column("tag", sa.String(20), nullable=False),
)
notes = sa.Table(  # no primary key: pages by rowid / ctid
    "notes",
    metadata,
    sa.Column("text", sa.String(50)),
    sa.Column("rank", sa.Integer),
)
schema = SQLSchema.from_metadata(metadata)
FILES, TAGS, NOTES = (schema.get_component(n) for n in ("files", "tags", "notes"))
accessor = SQLAccessor()

KINDS = ["md", None, "txt", "md", None, "png", "md"]


def file_rows(n: int) -> list[dict[str, Any]]:
    return [
        {"id": i + 1, "path": f"p{i:03d}", "size": i % 5, "kind": KINDS[i % len(KINDS)]}
        for i in range(n)
    ]


@pytest.fixture
def db(db_target: Any) -> Iterator[Any]:
    database = db_target.database()
    database.recreate(schema)
    database.insert(FILES, file_rows(57))
    database.insert(TAGS, [{"file_id": i % 4 + 1, "tag": f"t{i % 3}"} for i in range(10)])
    database.insert(NOTES, [{"text": f"n{i}", "rank": i % 3} for i in range(23)])
    yield database
    database.dispose()


# --- generated SQL ----------------------------------------------------------------


def test_select_sql_with_where_order_limit_offset() -> None:
    statement = accessor.build_select(
        FILES, ["path", files.c.size], files.c.size > 2, None, files.c.size.desc(), 5, 10
    )
    assert_sql(
        statement,
        "SELECT files.path, files.size FROM files WHERE files.size > ? "
        "ORDER BY files.size DESC LIMIT ? OFFSET ?",
        [2, 5, 10],
    )


def test_select_sql_defaults_to_every_column_and_no_limit() -> None:
    assert_sql(
        accessor.build_select(FILES),
        "SELECT files.id, files.path, files.size, files.kind FROM files",
    )


def test_where_mapping_binds_values() -> None:
    statement = accessor.build_select(FILES, ["id"], where={"kind": None, "size": 3})
    assert_sql(
        statement, "SELECT files.id FROM files WHERE files.kind IS NULL AND files.size = ?", [3]
    )


def test_distinct_on_the_selected_columns_is_plain_distinct() -> None:
    statement = accessor.build_select(FILES, ["kind"], distinct_on="kind", order_by="kind")
    assert_sql(statement, "SELECT DISTINCT files.kind FROM files ORDER BY files.kind")
    assert_sql(
        accessor.build_select(FILES, ["kind", "size"], distinct_on=True),
        "SELECT DISTINCT files.kind, files.size FROM files",
    )


def test_distinct_on_some_columns_keeps_one_row_per_value() -> None:
    statement = accessor.build_select(FILES, ["kind", "path"], distinct_on="kind", order_by="path")
    sql, _ = compiled_sql(statement, "postgresql")
    assert "GROUP BY" not in sql
    assert "row_number() OVER (PARTITION BY files.kind ORDER BY files.path)" in sql
    assert "WHERE _co3_distinct._co3_rank = " in sql
    assert sql.endswith("ORDER BY _co3_distinct._co3_ord")


def test_join_columns_by_name_and_qualified_name() -> None:
    joined = FILES.compose(TAGS, files.c.id == tags.c.file_id)
    statement = accessor.build_select(joined, ["files.path", "tag"], order_by="tags.id")
    assert_sql(
        statement,
        "SELECT files.path, tags.tag FROM files JOIN tags ON files.id = tags.file_id "
        "ORDER BY tags.id",
    )
    with pytest.raises(UnknownColumnError, match=r"ambiguous.*files\.id, tags\.id"):
        accessor.build_select(joined, ["id"])


def test_unknown_column_lists_the_available_ones() -> None:
    with pytest.raises(UnknownColumnError) as caught:
        accessor.build_select(FILES, order_by="nmae")
    assert str(caught.value) == (
        '"files" has no column "nmae"; its columns are: id, path, size, kind.'
    )


# --- results ---------------------------------------------------------------------


def test_select_returns_dicts_in_one_statement(db: Any) -> None:
    with assert_query_count(db, 1) as log:
        rows = db.select(FILES, ["path"], files.c.size == 4, None, "path", 2)
    assert rows == [{"path": "p004"}, {"path": "p009"}]
    assert "ORDER BY files.path" in log.statements[0]


def test_select_mappings_and_columns(db: Any) -> None:
    rows, cols = db.select(FILES, ["id", "path"], limit=1, mappings=True, include_cols=True)
    assert cols == ["id", "path"]
    assert rows[0]["path"] == "p000" and rows[0][files.c.id] == 1


def test_select_offset(db: Any) -> None:
    rows = db.select(FILES, ["id"], order_by="id", limit=2, offset=3)
    assert rows == [{"id": 4}, {"id": 5}]


def test_distinct_on_gives_one_row_per_value(db: Any) -> None:
    rows = db.select(FILES, ["kind", "path"], distinct_on="kind", order_by="path")
    assert sorted(rows, key=lambda r: r["path"]) == rows
    assert len(rows) == 4 and {r["kind"] for r in rows} == {"md", None, "txt", "png"}
    assert {r["path"] for r in rows} == {"p000", "p001", "p002", "p005"}
    assert db.select(FILES, ["size"], distinct_on="size", order_by="size") == [
        {"size": s} for s in range(5)
    ]


def test_select_one(db: Any) -> None:
    with db.engine.connect() as connection:
        row = db.accessor.select_one(connection, FILES, ["path"], {"size": 3})
        assert row == {"path": "p003"}
        assert db.accessor.select_one(connection, FILES, where={"size": 99}) is None
        row, cols = db.accessor.select_one(connection, FILES, ["id"], include_cols=True)
        assert row == {"id": 1} and cols == ["id"]
        none, cols = db.accessor.select_one(
            connection, FILES, ["id"], {"size": 99}, include_cols=True
        )
        assert none is None and cols == ["id"]


def test_raw_select_binds_parameters(db: Any) -> None:
    with db.engine.connect() as connection:
        sql = "SELECT path FROM files WHERE size = :size ORDER BY path LIMIT 2"
        rows, cols = db.accessor.raw_select(connection, sql, {"size": 1}, include_cols=True)
        assert rows == [{"path": "p001"}, {"path": "p006"}] and cols == ["path"]
        mapped = db.accessor.raw_select(connection, sql, {"size": 1}, mappings=True)
        assert mapped[0]["path"] == "p001"
    assert db.accessor.access_log and sql in db.accessor.access_log.values()


def test_result_dicts_with_query_columns(db: Any) -> None:
    joined = FILES.compose(TAGS, files.c.id == tags.c.file_id)
    with db.engine.connect() as connection:
        result = connection.execute(
            sa.select(files.c.id, tags.c.id).select_from(joined.obj).order_by(tags.c.id).limit(1)
        )
        rows = SQLAccessor.result_dicts(result, [files.c.id, tags.c.id])
    assert rows == [{"files.id": 1, "tags.id": 1}]


def test_access_log_keeps_the_latest_entries() -> None:
    local = SQLAccessor()
    local.access_log_size = 3  # type: ignore[misc]
    for i in range(10):
        local.log_access(f"q{i}")
    assert list(local.access_log.values()) == ["q7", "q8", "q9"]


def test_count_and_estimate(db: Any) -> None:
    assert db.count(FILES) == 57
    assert db.count(FILES, where=files.c.size == 0) == 12
    assert db.count(FILES, where={"kind": None}) == 16
    estimate = db.estimate_count(FILES)
    if db.engine.backend == "sqlite":
        assert estimate == 57
    else:
        assert estimate is None or estimate >= 0
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE files")
        assert db.estimate_count(FILES) == 57
    joined = FILES.compose(TAGS, files.c.id == tags.c.file_id)
    assert db.estimate_count(joined) is None
    assert db.count(joined) == 10


# --- keyset paging ---------------------------------------------------------------


def walk(db: Any, component: Any, order_by: Any, descending: bool, limit: int) -> list[Any]:
    """Page forward from the first page, then backward from the last; both orders."""
    forward: list[Any] = []
    page = db.page(component, order_by, limit=limit, descending=descending)
    assert not page.has_previous
    while True:
        forward.extend(page.keys)
        if not page.has_next:
            break
        page = db.page(component, order_by, after=page.last_key, limit=limit, descending=descending)
    backward: list[Any] = []
    page = db.page(component, order_by, last=True, limit=limit, descending=descending)
    assert not page.has_next
    while True:
        backward[:0] = page.keys
        if not page.has_previous:
            break
        page = db.page(
            component, order_by, before=page.first_key, limit=limit, descending=descending
        )
    assert forward == backward
    return forward


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("order_by", ["size", "kind", ["kind", "size"], None])
def test_keyset_visits_every_row_once_both_ways(db: Any, order_by: Any, descending: bool) -> None:
    keys = walk(db, FILES, order_by, descending, limit=5)
    ids = [key[-1] for key in keys]
    assert sorted(ids) == list(range(1, 58))  # every row exactly once
    columns = [files.c[c] for c in (order_by if isinstance(order_by, list) else [order_by]) if c]
    direction = (lambda c: c.desc()) if descending else (lambda c: c.asc())
    expected = db.select(FILES, ["id"], order_by=[direction(c) for c in [*columns, files.c.id]])
    assert ids == [r["id"] for r in expected]  # the database's own order


def test_keyless_table_pages_by_row_locator(db: Any) -> None:
    keys = walk(db, NOTES, "rank", False, limit=4)
    assert len(keys) == len(set(keys)) == 23
    page = db.page(NOTES, "rank", limit=3)
    assert page.columns == ["text", "rank"] and "rowid" not in page.rows[0]
    locator = "rowid" if db.engine.backend == "sqlite" else "ctid"
    with count_queries(db) as log:
        db.page(NOTES, "rank", after=page.last_key, limit=3)
    assert f"notes.{locator}" in log.statements[0]


def test_page_sql_seeks_with_a_key_and_never_offsets(db: Any) -> None:
    first = db.page(FILES, "size", limit=10)
    with count_queries(db) as log:
        db.page(FILES, "size", after=first.last_key, limit=10)
        db.page(FILES, "size", before=first.last_key, limit=10)
        db.page(FILES, "size", last=True, limit=10)
    after, before, last = (" ".join(s.split()) for s in log.statements)
    param = r"\?" if db.engine.backend == "sqlite" else r"%\(\w+\)s(?:::INTEGER)?"
    assert re.search(
        rf"WHERE files.size >= {param} AND \(files.size > {param} OR files.size = {param} "
        rf"AND files.id > {param}\) ORDER BY files.size ASC, files.id ASC LIMIT {param}",
        after,
    )
    assert "files.size <= " in before and "ORDER BY files.size DESC, files.id DESC" in before
    assert "WHERE" not in last and "ORDER BY files.size DESC, files.id DESC" in last
    for params in log.parameters:  # SQLite always renders OFFSET: it must bind 0
        values = list(params.values()) if isinstance(params, dict) else list(params)
        assert values[-1] in (0, 11)
        assert all("OFFSET" not in s or values[-1] == 0 for s in log.statements)


def test_page_contents_and_flags(db: Any) -> None:
    first = db.page(FILES, "path", limit=10, columns=["path"], where={"size": 1})
    assert isinstance(first, Page)
    assert first.rows == [{"path": f"p{i:03d}"} for i in range(1, 57, 5)][:10]
    assert first.has_next and not first.has_previous
    second = db.page(FILES, "path", after=first.last_key, limit=10, where={"size": 1})
    assert [r["path"] for r in second.rows] == ["p051", "p056"]
    assert second.has_previous and not second.has_next
    end = db.page(FILES, "path", last=True, limit=3)
    assert [r["path"] for r in end.rows] == ["p054", "p055", "p056"]
    assert end.first_key == ("p054", 55) and end.last_key == ("p056", 57)


def test_page_rejects_bad_arguments(db: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="at most one"):
        db.page(FILES, "size", after=(1, 1), last=True)
    with pytest.raises(InvalidArgumentError, match="needs 2"):
        db.page(FILES, "size", after=(1,))
    with pytest.raises(InvalidArgumentError, match="descending=True"):
        db.page(FILES, files.c.size.desc())
    with pytest.raises(UnknownColumnError):
        db.page(FILES, "sise")


def test_page_of_a_join_uses_both_keys(db: Any) -> None:
    joined = FILES.compose(TAGS, files.c.id == tags.c.file_id)
    keys = walk(db, joined, "tag", False, limit=3)
    assert len(keys) == len(set(keys)) == 10


def test_last_page_of_a_million_rows_is_fast(db_target: Any) -> None:
    big_meta = sa.MetaData()
    big = sa.Table(
        "big",
        big_meta,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("grp", sa.Integer, nullable=False, index=True),
    )
    component = SQLTable.from_table(big)
    db = db_target.database()
    big_meta.create_all(db.engine.engine)
    with db.engine.begin() as connection:
        if db.engine.backend == "sqlite":
            connection.execute(
                sa.text(
                    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
                    "WHERE x < 1000000) INSERT INTO big SELECT x, x % 1000 FROM n"
                )
            )
        else:
            connection.execute(
                sa.text("INSERT INTO big SELECT x, x % 1000 FROM generate_series(1, 1000000) x")
            )
            connection.exec_driver_sql("ANALYZE big")
    for order_by, expected in ((None, (999999, 1000000)), ("grp", (999, 998999, 999, 999999))):
        started = time.perf_counter()
        end = db.page(component, order_by, last=True, limit=50)
        back = db.page(component, order_by, before=end.first_key, limit=50)
        elapsed = time.perf_counter() - started
        assert len(end.rows) == 50 and end.has_previous and not end.has_next
        assert end.keys[-2] + end.keys[-1] == expected
        assert back.keys[-1] < end.keys[0]
        assert elapsed < 2.0, f"End then PageUp took {elapsed:.2f} s"
    db.dispose()


def test_where_list_means_all_of_them() -> None:
    statement = accessor.build_select(FILES, ["id"], where=[files.c.size > 1, {"kind": "md"}])
    assert_sql(
        statement, "SELECT files.id FROM files WHERE files.size > ? AND files.kind = ?", [1, "md"]
    )
