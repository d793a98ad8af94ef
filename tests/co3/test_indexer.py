"""Indexer: per-instance caches, hits without SQL, invalidation, group-bys, CacheBlocks."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from co3.accessors import SQLAccessor
from co3.exceptions import Co3Error, InvalidArgumentError
from co3.indexer import CacheBlock, Indexer
from co3.schemas import SQLSchema
from tests.base import assert_query_count, count_queries

metadata = sa.MetaData()
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("format", sa.String(10)),
    sa.Column("size", sa.Integer, nullable=False),
)
schema = SQLSchema.from_metadata(metadata)
NOTES = schema.get_component("notes")
ROWS = [
    {"name": "a", "format": "html", "size": 1},
    {"name": "a", "format": "pdf", "size": 2},
    {"name": "b", "format": "html", "size": 3},
    {"name": "c", "format": None, "size": 4},
]


@pytest.fixture
def db(db_target: Any) -> Iterator[Any]:
    database = db_target.database()
    database.recreate(schema)
    database.insert(NOTES, ROWS)
    yield database
    database.dispose()


def test_a_hit_sends_no_sql(db: Any) -> None:
    with assert_query_count(db, 1):
        first = db.indexer.cached_query(NOTES, cols=["name"], where=notes.c.size > 1)
    with assert_query_count(db, 0):
        again = db.indexer.cached_query(NOTES, cols=["name"], where=notes.c.size > 1)
    assert again is first
    assert [r["name"] for r in first] == ["a", "b", "c"]


def test_cache_keys_compare_the_sql_and_its_values(db: Any) -> None:
    db.indexer.cached_query(NOTES, where=notes.c.size > 1, order_by=notes.c.size.desc())
    with assert_query_count(db, 0):  # equal expressions built anew: a hit
        db.indexer.cached_query(NOTES, where=notes.c.size > 1, order_by=notes.c.size.desc())
    with assert_query_count(db, 1):  # another value: a miss
        rows = db.indexer.cached_query(NOTES, where=notes.c.size > 2, order_by="size")
    assert [r["size"] for r in rows] == [3, 4]
    with assert_query_count(db, 1):
        db.indexer.cached_query(NOTES, where=notes.c.size > 1, limit=1)


def test_caches_belong_to_one_indexer(db: Any) -> None:
    other = Indexer(db.accessor, engine=db.engine)
    db.indexer.cached_query(NOTES)
    with assert_query_count(db, 1):
        other.cached_query(NOTES)
    other.cache_clear()
    with assert_query_count(db, 0):
        db.indexer.cached_query(NOTES)


def test_a_write_through_the_database_invalidates(db: Any) -> None:
    assert len(db.indexer.cached_query(NOTES)) == 4
    grouped = db.indexer.cached_query(NOTES, group_by="name", agg_on="format")
    db.insert(NOTES, [{"name": "d", "format": "txt", "size": 5}])
    with assert_query_count(db, 1):
        assert len(db.indexer.cached_query(NOTES)) == 5
    assert db.indexer.cached_query(NOTES, group_by="name", agg_on="format") != grouped


def test_uncommitted_writes_do_not_invalidate_until_commit(db: Any) -> None:
    db.indexer.cached_query(NOTES)
    with db.engine.connect() as connection:
        db.manager.insert(connection, NOTES, [{"name": "e", "size": 1}], commit=False)
        with assert_query_count(db, 0):
            assert len(db.indexer.cached_query(NOTES)) == 4
        connection.commit()
    assert len(db.indexer.cached_query(NOTES)) == 5


def test_cache_clear_group_by_only(db: Any) -> None:
    db.indexer.cached_query(NOTES, group_by="name")
    db.indexer.cache_clear(group_by_only=True)
    with assert_query_count(db, 0):  # the select is still cached; the grouping is redone
        groups = db.indexer.cached_query(NOTES, group_by="name")
    assert [g["name"] for g in groups] == ["a", "b", "c"]


def test_disabled_caches_query_every_time(db: Any) -> None:
    indexer = Indexer(db.accessor, cache_select=False, cache_groupby=False, engine=db.engine)
    with count_queries(db) as log:
        indexer.cached_query(NOTES)
        indexer.cached_query(NOTES)
    assert log.count == 2
    indexer.cache_clear()
    with pytest.raises(InvalidArgumentError, match="cache_select"):
        Indexer(db.accessor, cache_select=False)


def test_an_indexer_without_engine_takes_a_connection(db: Any) -> None:
    indexer = Indexer(db.accessor)
    with pytest.raises(Co3Error, match="no engine"):
        indexer.cached_query(NOTES)
    with db.engine.connect() as connection:
        assert len(indexer.cached_query(NOTES, connection=connection)) == 4


def test_group_by_aggregates_and_indexes() -> None:
    groups = Indexer.group_by(ROWS, "name", agg_on=["format", "size"], index_on="format")
    assert [g["name"] for g in groups] == ["a", "b", "c"]
    first = groups[0]
    assert first["aggregates"] == [
        {"format": "html", "size": 1},
        {"format": "pdf", "size": 2},
    ]
    assert first["indexes"] == {
        "format": {"html": {"format": "html", "size": 1}, "pdf": {"format": "pdf", "size": 2}}
    }
    index = Indexer.group_by(ROWS, "format", agg_on="name", return_index=True)
    assert set(index) == {"html", "pdf"}  # rows whose group value is None are left out
    assert [a["name"] for a in index["html"]["aggregates"]] == ["a", "b"]
    assert Indexer.group_by([], "name") == []
    assert Indexer.group_by([], "name", return_index=True) == {}


def test_group_by_accepts_columns_and_compound_keys(db: Any) -> None:
    rows = db.indexer.cached_query(NOTES)
    by_column = Indexer.group_by(rows, notes.c.name, agg_on=notes.c.size)
    assert by_column[0]["aggregates"] == [{"size": 1}, {"size": 2}]
    compound = Indexer.group_by(ROWS, ["name", "format"], return_index=True)
    assert set(compound) == {("a", "html"), ("a", "pdf"), ("b", "html")}


def test_cache_block_chains_and_runs(db: Any) -> None:
    block = db.indexer.cache_block(NOTES, cols=["name", "format"])
    assert isinstance(block, CacheBlock)
    chained = block.where(notes.c.size < 4).order_by("name").limit(2)
    assert chained is block
    assert [r["name"] for r in block()] == ["a", "a"]
    groups = block.group_by("name", agg_on="format")()
    assert [(g["name"], len(g["aggregates"])) for g in groups] == [("a", 2)]
    assert [r["name"] for r in block(group_by=None, limit=0)] == ["a", "a", "b"]
    with assert_query_count(db, 0):
        block()


def test_threads_missing_together_query_once(db: Any) -> None:
    indexer = Indexer(SQLAccessor(), engine=db.engine)
    results: list[Any] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        results.append(indexer.cached_query(NOTES, where=notes.c.size >= 1))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    with count_queries(db) as log:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert log.count == 1
    assert all(r is results[0] for r in results)
