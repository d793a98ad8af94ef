"""Database errors: co3's class, still the SQLAlchemy class, with a helpful message."""

from __future__ import annotations

import pickle
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from co3.databases import SQLDatabase
from co3.engines import SQLEngine
from co3.exceptions import (
    Co3Error,
    ConnectionFailedError,
    DatabaseError,
    DatabaseLockedError,
    IntegrityViolationError,
    InvalidURLError,
    QueryError,
    UnknownColumnError,
)
from co3.schemas import SQLSchema
from tests.base import assert_query_count

metadata = sa.MetaData()
parents = sa.Table(
    "parents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False, unique=True),
)
children = sa.Table(
    "children",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("parents.id"), nullable=False),
)
schema = SQLSchema.from_metadata(metadata)
PARENTS = schema.get_component("parents")
CHILDREN = schema.get_component("children")


@pytest.fixture
def db(db_target: Any) -> Iterator[Any]:
    database = db_target.database()
    database.recreate(schema)
    database.insert(PARENTS, [{"id": 1, "name": "first"}])
    yield database
    database.dispose()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("index.db", "is not a database URL"),
        ("://nothing", "is not a database URL"),
        ("postgresql+nope://u@h/db", "does not know"),
        ("mysql+mysqldb://u:secret@h/db", "not installed"),
    ],
)
def test_bad_urls_fail_at_construction(url: str, says: str) -> None:
    with pytest.raises(InvalidURLError, match=says) as caught:
        SQLDatabase(url)
    error = caught.value
    assert isinstance(error, sa.exc.ArgumentError)
    assert isinstance(error, Co3Error)
    assert "secret" not in str(error)
    assert "sqlite:///" in str(error) or "postgresql+psycopg://" in str(error)


def test_unreachable_server_fails_on_connect_with_the_url_and_no_password() -> None:
    url = "postgresql+psycopg://postgres:hunter2@127.0.0.1:1/test"
    db = SQLDatabase(url)  # constructing does not connect
    started = time.monotonic()
    with pytest.raises(ConnectionFailedError) as caught, db.engine.connect(timeout=2):
        pass
    assert time.monotonic() - started < 10
    error = caught.value
    assert isinstance(error, sa.exc.OperationalError)
    assert error.orig is not None
    message = str(error)
    assert "127.0.0.1:1/test" in message and "hunter2" not in message
    assert "server is running" in message


def test_sqlite_file_in_a_missing_folder_fails_on_connect(tmp_path: Path) -> None:
    db = SQLDatabase(f"sqlite:///{tmp_path / 'nowhere' / 'index.db'}")
    with pytest.raises(ConnectionFailedError, match="folder exists") as caught:
        db.select(PARENTS)
    assert isinstance(caught.value, sa.exc.OperationalError)
    assert isinstance(caught.value.orig, sqlite3.OperationalError)
    assert "nowhere" in str(caught.value)


def test_unique_violation(db: Any) -> None:
    with pytest.raises(IntegrityViolationError) as caught:
        db.insert(PARENTS, [{"name": "first"}])
    error = caught.value
    assert isinstance(error, sa.exc.IntegrityError)
    assert isinstance(error, DatabaseError)
    assert error.orig is not None and error.statement is not None
    message = str(error)
    assert "parents" in message and "unique" in message and "upsert" in message


def test_not_null_violation(db: Any) -> None:
    with pytest.raises(IntegrityViolationError, match="not null") as caught:
        db.insert(PARENTS, [{"name": None}])
    assert "parents" in str(caught.value)


def test_foreign_key_violation(db: Any) -> None:
    with pytest.raises(IntegrityViolationError, match="foreign key") as caught:
        db.insert(CHILDREN, [{"parent_id": 99}])
    assert isinstance(caught.value, sa.exc.IntegrityError)
    assert "referenced row" in str(caught.value)


def test_unknown_column_name_is_refused_before_any_sql(db: Any) -> None:
    with assert_query_count(db, 0), pytest.raises(UnknownColumnError) as caught:
        db.select(PARENTS, ["id", "nmae"])
    message = str(caught.value)
    assert '"nmae"' in message and "id, name" in message
    assert isinstance(caught.value, ValueError)


def test_column_missing_in_the_database_table(db: Any) -> None:
    stale = sa.Table(
        "parents", sa.MetaData(), sa.Column("id", sa.Integer), sa.Column("extra", sa.Integer)
    )
    with pytest.raises(UnknownColumnError) as caught:
        db.select(stale)
    error = caught.value
    assert isinstance(error, QueryError)
    assert isinstance(error, sa.exc.DBAPIError)
    assert isinstance(error, sa.exc.OperationalError | sa.exc.ProgrammingError)
    assert "extra" in str(error) and "differs from the schema" in str(error)


def test_other_failures_are_query_errors_of_the_original_class(db: Any) -> None:
    with db.engine.connect() as connection, pytest.raises(QueryError) as caught:
        db.raw_query(connection, "SELEC nonsense")
    error = caught.value
    assert isinstance(error, sa.exc.OperationalError | sa.exc.ProgrammingError)
    assert "Check the statement" in str(error)
    assert error.statement == "SELEC nonsense"


def test_missing_table_says_to_create_it(db: Any) -> None:
    absent = sa.Table("absent", sa.MetaData(), sa.Column("id", sa.Integer))
    with pytest.raises(QueryError, match="create it first") as caught:
        db.select(absent)
    assert '"absent"' in str(caught.value)


def test_sqlite_lock_is_a_locked_error(sqlite_target: Any) -> None:
    db = sqlite_target.database()
    db.recreate(schema)
    blocker = sqlite3.connect(sqlite_target.url.removeprefix("sqlite:///"))
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with (
            db.engine.connect(timeout=0.05) as connection,
            pytest.raises(DatabaseLockedError) as caught,
        ):
            db.manager.insert(connection, PARENTS, [{"name": "x"}])
        assert isinstance(caught.value, sa.exc.OperationalError)
        assert "locked by another connection" in str(caught.value)
        assert "timeout=" in str(caught.value)
    finally:
        blocker.rollback()
        blocker.close()
        db.dispose()


@pytest.mark.postgres
def test_postgres_lock_timeout_is_a_locked_error(pg_target: Any) -> None:
    db = pg_target.database()
    db.recreate(schema)
    with db.engine.connect() as holder, db.engine.connect() as waiter:
        holder.exec_driver_sql("LOCK TABLE parents IN ACCESS EXCLUSIVE MODE")
        waiter.exec_driver_sql("SET lock_timeout = '100ms'")
        with pytest.raises(DatabaseLockedError) as caught:
            db.accessor.select(waiter, PARENTS)
        assert isinstance(caught.value, sa.exc.OperationalError)
        holder.rollback()
    db.dispose()


def test_errors_survive_pickling(db: Any) -> None:
    with pytest.raises(IntegrityViolationError) as integrity:
        db.insert(PARENTS, [{"name": "first"}])
    with db.engine.connect() as connection, pytest.raises(QueryError) as query:
        db.raw_query(connection, "SELEC nonsense")
    for error in (integrity.value, query.value):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)


def test_sql_engine_execute_translates_too(db: Any) -> None:
    with db.engine.connect() as connection, pytest.raises(IntegrityViolationError):
        SQLEngine.execute(connection, sa.insert(parents), {"name": "first"})
