"""The file index's tables: generated DDL kept equal to the SQLAlchemy definition."""

from __future__ import annotations

import sqlalchemy as sa

from co3.fileindex.ddl import DDL
from co3.fileindex.schema import files_table, generate_ddl, runs_table
from co3.fileindex.store import IndexStore


def test_checked_in_ddl_matches_the_sqlalchemy_tables() -> None:
    # Regenerate with: python -m co3.fileindex.schema > co3/fileindex/ddl.py
    assert generate_ddl() == DDL


def test_created_tables_have_the_defined_columns(db_target) -> None:
    schema = db_target.pg_schema or "co3"
    with IndexStore(db_target.url, pg_schema=schema) as store:
        store.create()
        store.create()  # creating again is harmless
        assert store.exists()
    engine = db_target.sqlalchemy_engine()
    try:
        inspector = sa.inspect(engine)
        where = schema if db_target.backend == "postgresql" else None
        for table in (files_table, runs_table):
            found = [c["name"] for c in inspector.get_columns(table.name, schema=where)]
            assert found == [c.name for c in table.columns]
        key = inspector.get_pk_constraint("files", schema=where)["constrained_columns"]
        assert key == ["host", "root", "path"]
    finally:
        engine.dispose()


def test_exists_never_creates_a_sqlite_file(tmp_path) -> None:
    path = tmp_path / "absent" / "index.db"
    with IndexStore(f"sqlite:///{path}", read_only=True) as store:
        assert not store.exists()
    assert not path.exists()
