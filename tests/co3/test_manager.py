"""SQLManager: recreate, and bulk insert, insert_many, update, upsert and delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from co3.exceptions import (
    IntegrityViolationError,
    InvalidArgumentError,
    UnknownColumnError,
    UnsupportedOperationError,
)
from co3.managers import SQLManager
from co3.schemas import SQLSchema
from tests.base import assert_query_count, count_queries

metadata = sa.MetaData()
files = sa.Table(
    "files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("root", sa.String(20), nullable=False),
    sa.Column("path", sa.String(200), nullable=False),
    sa.Column("size", sa.Integer, nullable=False, default=0),
    sa.UniqueConstraint("root", "path"),
)
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("file_id", sa.Integer, sa.ForeignKey("files.id"), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)
schema = SQLSchema.from_metadata(metadata)
FILES, NOTES = schema.get_component("files"), schema.get_component("notes")


@pytest.fixture
def db(db_target: Any) -> Iterator[Any]:
    database = db_target.database()
    database.recreate(schema)
    yield database
    database.dispose()


def rows_of(db: Any, component: Any) -> list[dict[str, Any]]:
    return db.select(component, order_by="id")  # type: ignore[no-any-return]


def test_recreate_drops_and_creates(db: Any) -> None:
    db.insert(FILES, [{"root": "r", "path": "a"}])
    db.recreate(schema)
    assert rows_of(db, FILES) == []


def test_insert_is_one_statement_and_ignores_extra_keys(db: Any) -> None:
    rows = [{"root": "r", "path": f"p{i}", "size": i, "not_a_column": 1} for i in range(50)]
    with db.engine.connect() as connection, assert_query_count(db, 1):
        result = db.manager.insert(connection, FILES, rows)
    assert result is not None
    assert len(rows_of(db, FILES)) == 50


def test_insert_takes_one_dict_and_fills_python_defaults(db: Any) -> None:
    db.insert(FILES, {"root": "r", "path": "a"})
    assert rows_of(db, FILES) == [{"id": 1, "root": "r", "path": "a", "size": 0}]


def test_insert_nothing_sends_nothing(db: Any) -> None:
    with db.engine.connect() as connection, assert_query_count(db, 0):
        assert db.manager.insert(connection, FILES, []) is None


def test_insert_without_commit_leaves_the_transaction_open(db: Any) -> None:
    with db.engine.connect() as connection:
        db.manager.insert(connection, FILES, [{"root": "r", "path": "a"}], commit=False)
        assert connection.in_transaction()
        connection.rollback()
    assert rows_of(db, FILES) == []


def test_insert_many_commits_every_table_together(db: Any) -> None:
    inserts = {
        FILES: [{"id": 1, "root": "r", "path": "a"}, {"id": 2, "root": "r", "path": "b"}],
        NOTES: [{"file_id": 1, "body": "x"}],
    }
    with db.engine.connect() as connection, count_queries(db) as log:
        results = db.manager.insert_many(connection, inserts)
    assert isinstance(results, list) and len(results) == 2
    assert log.count == 2  # one statement per table
    assert len(rows_of(db, FILES)) == 2 and len(rows_of(db, NOTES)) == 1


def test_insert_many_of_no_rows_returns_none(db: Any) -> None:
    with db.engine.connect() as connection:
        assert db.manager.insert_many(connection, {}) is None
        assert db.manager.insert_many(connection, {FILES: [], NOTES: []}) is None


def test_insert_many_failing_midway_commits_nothing(db: Any) -> None:
    inserts = {
        FILES: [{"id": 1, "root": "r", "path": "a"}],
        NOTES: [{"file_id": 1, "body": "ok"}, {"file_id": 1, "body": None}],
    }
    with db.engine.connect() as connection, pytest.raises(IntegrityViolationError):
        db.manager.insert_many(connection, inserts)
    assert rows_of(db, FILES) == [] and rows_of(db, NOTES) == []
    assert db.insert_many(inserts={FILES: [{"id": 1, "root": "r", "path": "a"}]}) is not None


def test_update_by_primary_key_in_bulk(db: Any) -> None:
    db.insert(FILES, [{"root": "r", "path": f"p{i}", "size": i} for i in range(5)])
    updates = [{"id": 1, "size": 10}, {"id": 2, "size": 20}, {"id": 3, "path": "moved"}]
    with db.engine.connect() as connection, count_queries(db) as log:
        assert db.manager.update(connection, FILES, updates) == 3
    assert log.count == 2  # one executemany per set of changed columns
    sizes = {r["id"]: (r["path"], r["size"]) for r in rows_of(db, FILES)}
    assert sizes[1] == ("p0", 10) and sizes[2] == ("p1", 20) and sizes[3] == ("moved", 2)


def test_update_by_another_key(db: Any) -> None:
    db.insert(FILES, [{"root": "r", "path": "a"}, {"root": "s", "path": "a"}])
    with db.engine.connect() as connection:
        count = db.manager.update(
            connection, FILES, [{"root": "s", "path": "a", "size": 7}], key=["root", "path"]
        )
    assert count == 1
    assert [r["size"] for r in rows_of(db, FILES)] == [0, 7]


def test_update_refuses_unknown_columns_and_missing_keys(db: Any) -> None:
    with db.engine.connect() as connection:
        with pytest.raises(UnknownColumnError, match="sise"):
            db.manager.update(connection, FILES, [{"id": 1, "sise": 3}])
        with pytest.raises(InvalidArgumentError, match="key"):
            db.manager.update(connection, FILES, [{"size": 3}])
        assert db.manager.update(connection, FILES, []) == 0


def test_upsert_inserts_and_replaces(db: Any) -> None:
    db.insert(FILES, [{"root": "r", "path": "a", "size": 1}])
    rows = [{"root": "r", "path": "a", "size": 5}, {"root": "r", "path": "b", "size": 6}]
    with db.engine.connect() as connection, assert_query_count(db, 1):
        db.manager.upsert(connection, FILES, rows, key=["root", "path"])
    assert [(r["path"], r["size"]) for r in rows_of(db, FILES)] == [("a", 5), ("b", 6)]


def test_upsert_can_keep_existing_rows(db: Any) -> None:
    db.insert(FILES, [{"id": 1, "root": "r", "path": "a", "size": 1}])
    with db.engine.connect() as connection:
        db.manager.upsert(
            connection, FILES, [{"id": 1, "root": "r", "path": "a", "size": 9}], update_columns=[]
        )
        db.manager.upsert(connection, FILES, [{"id": 1, "root": "x", "path": "y", "size": 2}])
    assert rows_of(db, FILES) == [{"id": 1, "root": "x", "path": "y", "size": 2}]


def test_delete_by_rows_keys_or_where(db: Any) -> None:
    db.insert(FILES, [{"root": "r", "path": f"p{i}", "size": i % 3} for i in range(9)])
    with db.engine.connect() as connection:
        assert db.manager.delete(connection, FILES, [{"id": 1}, 2, (3,)]) == 3
        assert db.manager.delete(connection, FILES, where=files.c.size == 2) == 2
        assert (
            db.manager.delete(
                connection, FILES, [{"root": "r", "path": "p6"}], key=["root", "path"]
            )
            == 1
        )
        assert db.manager.delete(connection, FILES, [{"id": 99}]) == 0
        with pytest.raises(InvalidArgumentError, match=r"where=sqlalchemy\.true"):
            db.manager.delete(connection, FILES)
    assert [r["path"] for r in rows_of(db, FILES)] == ["p3", "p4", "p7"]


def test_writes_to_a_join_are_refused(db: Any) -> None:
    joined = FILES.compose(NOTES, files.c.id == notes.c.file_id)
    with db.engine.connect() as connection, pytest.raises(InvalidArgumentError, match="join"):
        db.manager.insert(connection, joined, [{"id": 1}])


def test_sync_and_migrate_are_not_supported() -> None:
    manager = SQLManager()
    with pytest.raises(UnsupportedOperationError, match="Syncer"):
        manager.sync()
    with pytest.raises(NotImplementedError, match="not supported"):
        manager.migrate()
