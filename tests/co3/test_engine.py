"""Engine and SQLEngine: lazy manager, connections, pragmas, execute, read-only."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from co3.engine import Engine
from co3.engines import SQLEngine
from co3.exceptions import ConnectionFailedError, ReadOnlyError
from co3.schemas import SQLSchema
from tests.base import assert_query_count, count_queries

metadata = sa.MetaData()
items = sa.Table(
    "items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False, unique=True),
)
schema = SQLSchema.from_metadata(metadata)


@pytest.fixture
def db(db_target: Any) -> Iterator[Any]:
    database = db_target.database()
    database.recreate(schema)
    yield database
    database.dispose()


def test_base_modules_do_not_import_sqlalchemy() -> None:
    code = (
        "import sys, co3, co3.engine, co3.accessor, co3.manager, co3.database, co3.indexer\n"
        "import co3.engines, co3.accessors, co3.managers, co3.databases\n"
        "assert 'sqlalchemy' not in sys.modules, 'sqlalchemy was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_manager_is_created_lazily_once_from_the_engine_arguments() -> None:
    calls: list[tuple[Any, ...]] = []

    class CountingEngine(Engine):
        def _create_manager(self) -> Any:
            calls.append((self._manager_args, self._manager_kwargs))
            return object()

    engine = CountingEngine("a", b=1)
    assert calls == []
    first = engine.manager
    assert engine.manager is first
    assert calls == [(("a",), {"b": 1})]


def test_base_engine_says_what_is_missing() -> None:
    engine = Engine()
    with pytest.raises(NotImplementedError, match="_create_manager"):
        _ = engine.manager
    with pytest.raises(NotImplementedError, match="connect"):
        engine.connect()


def test_sql_engine_wraps_a_sqlalchemy_engine(tmp_path: Path) -> None:
    engine = SQLEngine(f"sqlite:///{tmp_path / 'x.db'}", echo=False)
    assert engine._manager is None  # nothing built before first use
    assert isinstance(engine.engine, sa.Engine)
    assert engine.manager is engine.engine
    assert engine.backend == "sqlite"
    with engine.connect() as connection:
        assert isinstance(connection, sa.Connection)
        assert connection.execute(sa.text("select 1")).scalar() == 1
    engine.dispose()


def test_sqlite_connections_get_pragmas(sqlite_target: Any) -> None:
    engine = SQLEngine(sqlite_target.url)
    with engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() == 5000
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
    with engine.connect(timeout=0.25) as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 250
    with engine.connect() as connection:  # back to the default on the pooled connection
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()


def test_sqlite_transactions_are_real(sqlite_target: Any) -> None:
    """BEGIN is sent for every transaction, so a rollback undoes DDL and writes."""
    engine = SQLEngine(sqlite_target.url)
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (a INTEGER)")
        connection.rollback()
        names = connection.exec_driver_sql("SELECT name FROM sqlite_master").scalars().all()
        assert "t" not in names
    engine.dispose()


def test_execute_is_static_and_can_return_columns(db: Any) -> None:
    with db.engine.connect() as connection:
        SQLEngine.execute(connection, sa.insert(items), [{"name": "a"}, {"name": "b"}])
        result, cols = SQLEngine.execute(
            connection, sa.select(items).order_by(items.c.id), include_cols=True
        )
        assert cols == ["id", "name"]
        assert [r.name for r in result] == ["a", "b"]
        text = SQLEngine.execute(connection, "SELECT name FROM items WHERE id = :id", {"id": 2})
        assert text.scalar() == "b"


def test_exec_explicit_commits_or_rolls_back(db: Any) -> None:
    with db.engine.connect() as connection:
        SQLEngine.exec_explicit(connection, sa.insert(items).values(name="kept"))
        with pytest.raises(sa.exc.IntegrityError):
            SQLEngine.exec_explicit(connection, sa.insert(items).values(name="kept"))
    with db.engine.connect() as connection:
        assert connection.execute(sa.select(items.c.name)).scalars().all() == ["kept"]


def test_exec_explicit_inside_a_transaction_uses_a_savepoint(db: Any) -> None:
    with db.engine.connect() as connection:
        connection.execute(sa.insert(items).values(name="outer"))
        with pytest.raises(sa.exc.IntegrityError):
            SQLEngine.exec_explicit(connection, sa.insert(items).values(name="outer"))
        SQLEngine.exec_explicit(connection, sa.insert(items).values(name="inner"))
        connection.commit()
    with db.engine.connect() as connection:
        names = connection.execute(sa.select(items.c.name).order_by(items.c.name))
        assert names.scalars().all() == ["inner", "outer"]


def test_read_only_refuses_writes_before_sending_them(db_target: Any) -> None:
    writer = db_target.database()
    writer.recreate(schema)
    writer.insert(schema.get_component("items"), [{"name": "a"}])
    writer.dispose()

    reader = db_target.database(read_only=True)
    assert reader.read_only
    component = schema.get_component("items")
    assert reader.select(component, ["name"]) == [{"name": "a"}]
    with assert_query_count(reader, 0), pytest.raises(ReadOnlyError, match="read-only"):
        reader.insert(component, [{"name": "b"}])
    with pytest.raises(ReadOnlyError, match="read_only=True"):
        reader.recreate(schema)
    reader.dispose()


def test_read_only_database_refuses_raw_writes(db_target: Any) -> None:
    writer = db_target.database()
    writer.recreate(schema)
    writer.dispose()
    reader = db_target.database(read_only=True)
    with reader.engine.connect() as connection, pytest.raises(ReadOnlyError) as caught:
        reader.raw_query(connection, "INSERT INTO items (name) VALUES ('x')")
    assert isinstance(caught.value, sa.exc.DBAPIError)
    assert "read-only" in str(caught.value)
    reader.dispose()


def test_read_only_sqlite_never_creates_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    engine = SQLEngine(f"sqlite:///{path}", read_only=True)
    with pytest.raises(ConnectionFailedError, match="read-only"):
        engine.connect()
    assert not path.exists()


def test_immediate_transactions_take_the_write_lock_at_begin(sqlite_target: Any) -> None:
    engine = SQLEngine(sqlite_target.url)
    with engine.connect() as setup:
        setup.exec_driver_sql("CREATE TABLE t (a INTEGER)")
        setup.commit()
    other = SQLEngine(sqlite_target.url)
    with engine.connect(immediate=True) as first, other.connect(timeout=0.05) as second:
        first.exec_driver_sql("SELECT * FROM t").all()  # holds the write lock already
        with pytest.raises(sa.exc.OperationalError, match="locked"):
            second.exec_driver_sql("INSERT INTO t VALUES (1)")
    engine.dispose()
    other.dispose()


def test_pragmas_and_begin_send_no_counted_statements(sqlite_target: Any) -> None:
    engine = SQLEngine(sqlite_target.url)
    with count_queries(engine) as log, engine.connect() as connection:
        connection.execute(sa.text("select 1"))
        connection.commit()
    assert log.statements == ["select 1"]
    engine.dispose()


def test_sqlite_isolation_levels_still_work(sqlite_target: Any) -> None:
    engine = SQLEngine(sqlite_target.url)
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (a INTEGER)")
        connection.commit()
    with engine.connect() as connection:
        auto = connection.execution_options(isolation_level="AUTOCOMMIT")
        auto.exec_driver_sql("INSERT INTO t VALUES (1)")
    with engine.connect() as connection:  # the pooled connection is back to transactions
        connection.execution_options(isolation_level="SERIALIZABLE")
        connection.exec_driver_sql("INSERT INTO t VALUES (2)")
        connection.rollback()
        assert connection.exec_driver_sql("SELECT a FROM t").scalars().all() == [1]
    autocommit = SQLEngine(sqlite_target.url, isolation_level="AUTOCOMMIT")
    with autocommit.connect() as connection:
        connection.exec_driver_sql("INSERT INTO t VALUES (3)")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT a FROM t").scalars().all() == [1, 3]
    engine.dispose()
    autocommit.dispose()
