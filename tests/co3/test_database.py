"""Database: its parts, its own-connection shortcuts, and 0.6.3-style use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import co3
from co3.accessors import SQLAccessor
from co3.database import Database
from co3.databases import RelationalDatabase, SQLDatabase, SQLiteDatabase
from co3.engines import SQLEngine
from co3.exceptions import InvalidArgumentError, UnsupportedOperationError
from co3.indexer import Indexer
from co3.managers import SQLManager
from co3.schemas import SQLSchema

metadata = sa.MetaData()
tomatoes = sa.Table(
    "tomatoes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("radius", sa.Integer),
)
schema = SQLSchema.from_metadata(metadata)
TOMATOES = schema.get_component("tomatoes")


@pytest.fixture
def db(db_target: Any) -> Iterator[Any]:
    database = db_target.database()
    database.recreate(schema)
    yield database
    database.dispose()


def test_parts_come_from_class_attributes(sqlite_target: Any) -> None:
    class LoggingAccessor(SQLAccessor):
        pass

    class LoggingManager(SQLManager):
        pass

    class LoggingEngine(SQLEngine):
        pass

    class MyDatabase(SQLDatabase):
        _accessor_cls = LoggingAccessor
        _manager_cls = LoggingManager
        _engine_cls = LoggingEngine

    db = MyDatabase(sqlite_target.url, echo=False)
    assert type(db.accessor) is LoggingAccessor
    assert type(db.manager) is LoggingManager
    assert type(db.engine) is LoggingEngine
    assert db.engine._manager_args == (sqlite_target.url,)
    assert db.engine._manager_kwargs == {"echo": False}
    assert isinstance(db.indexer, Indexer) and db.indexer.accessor is db.accessor
    assert db.indexer.engine is db.engine


def test_class_hierarchy_and_lazy_exports() -> None:
    assert issubclass(SQLDatabase, RelationalDatabase)
    assert issubclass(RelationalDatabase, Database)
    assert co3.Database is Database
    assert co3.databases.SQLDatabase is SQLDatabase
    assert co3.Indexer is Indexer


def test_select_and_insert_open_their_own_connection(db: Any) -> None:
    assert db.insert(TOMATOES, [{"name": "t1", "radius": 5}]) is not None
    assert db.select(TOMATOES) == [{"id": 1, "name": "t1", "radius": 5}]
    assert db.select(TOMATOES, ["name"], where=tomatoes.c.radius > 9) == []


def test_0_6_3_style_use_with_explicit_connections(db: Any) -> None:
    with db.engine.connect() as connection:
        assert db.manager.insert(connection, TOMATOES, [{"name": "t1", "radius": 5}]) is not None
        assert db.manager.insert_many(connection, {TOMATOES: [{"name": "t2"}]}) is not None
        rows = db.accessor.select(connection, TOMATOES, order_by=tomatoes.c.id)
    assert [r["name"] for r in rows] == ["t1", "t2"]
    with db.engine.connect() as connection:
        result = db.raw_query(connection, "SELECT count(*) FROM tomatoes")
        assert result.scalar() == 2


def test_raw_query_binds_parameters(db: Any) -> None:
    db.insert(TOMATOES, [{"name": "o'neil"}])
    with db.engine.connect() as connection:
        result = db.raw_query(
            connection, "SELECT id FROM tomatoes WHERE name = :n", {"n": "o'neil"}
        )
        assert result.scalar() == 1


def test_counts_and_pages_through_the_database(db: Any) -> None:
    db.insert(TOMATOES, [{"name": f"t{i}", "radius": i % 2} for i in range(7)])
    assert db.count(TOMATOES) == 7
    assert db.count(TOMATOES, where={"radius": 1}) == 3
    page = db.page(TOMATOES, "radius", limit=4)
    assert [r["radius"] for r in page.rows] == [0, 0, 0, 0] and page.has_next


def test_sqlite_database_takes_a_path_or_url(tmp_path: Path) -> None:
    by_path = SQLiteDatabase(tmp_path / "a.db")
    by_path.recreate(schema)
    by_path.insert(TOMATOES, [{"name": "x"}])
    assert (tmp_path / "a.db").exists()
    by_url = SQLiteDatabase(f"sqlite:///{tmp_path / 'a.db'}", read_only=True)
    assert by_url.select(TOMATOES, ["name"]) == [{"name": "x"}]
    memory = SQLiteDatabase("sqlite://")
    memory.recreate(schema)
    assert memory.select(TOMATOES) == []
    with pytest.raises(InvalidArgumentError, match="SQLDatabase"):
        SQLiteDatabase("postgresql+psycopg://u@h/db")
    for database in (by_path, by_url, memory):
        database.dispose()


def test_database_as_context_manager(sqlite_target: Any) -> None:
    with sqlite_target.database() as db:
        db.recreate(schema)
        assert db.select(TOMATOES) == []
    assert not db.read_only


def test_base_database_has_no_raw_query_language() -> None:
    class Store(Database[Any]):
        _accessor_cls = SQLAccessor
        _manager_cls = SQLManager
        _engine_cls = SQLEngine

    store = Store("sqlite://")
    with pytest.raises(UnsupportedOperationError, match="raw query"):
        store.raw_query(None, "x")


def test_write_through_the_database_invalidates_its_indexer(db: Any) -> None:
    db.insert(TOMATOES, [{"name": "a"}])
    assert len(db.indexer.cached_query(TOMATOES)) == 1
    db.insert(TOMATOES, [{"name": "b"}])
    assert len(db.indexer.cached_query(TOMATOES)) == 2
    with db.engine.connect() as connection:  # through its manager, committed
        db.manager.insert(connection, TOMATOES, [{"name": "c"}])
    assert len(db.indexer.cached_query(TOMATOES)) == 3
    with db.engine.begin() as connection:  # raw SQL committed on its engine
        connection.execute(sa.text("DELETE FROM tomatoes"))
    assert db.indexer.cached_query(TOMATOES) == []
