"""Schema, and SQLSchema from metadata and by reflecting a real database."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from co3 import Schema
from co3.components import Relation, SQLTable
from co3.schemas import SQLSchema


def _metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "vegetable",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), unique=True, nullable=False),
        sa.Column("color", sa.String(32)),
    )
    sa.Table(
        "tomato",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), sa.ForeignKey("vegetable.name"), unique=True),
        sa.Column("radius", sa.Integer),
    )
    return metadata


# Schema


def test_schema_add_get_contains() -> None:
    schema: Schema[Relation[int]] = Schema()
    a = Relation[int]("a", 1)
    b = Relation[int]("b", 2)
    schema.add_component(a)
    schema.add_component(b)

    assert schema.get_component("a") is a
    assert schema.get_component("b") is b
    assert a in schema
    assert "a" in schema
    assert Relation[int]("a", 1) not in schema  # same name, another object
    assert "c" not in schema


def test_schema_unknown_component_is_none() -> None:
    assert Schema().get_component("missing") is None


def test_schema_iter_and_len() -> None:
    schema: Schema[Relation[int]] = Schema()
    assert len(schema) == 0
    assert list(schema) == []
    components = [Relation[int](name, i) for i, name in enumerate("xyz")]
    for component in components:
        schema.add_component(component)
    assert len(schema) == 3
    assert list(schema) == components


def test_schema_add_replaces_a_component_of_the_same_name() -> None:
    schema: Schema[Relation[int]] = Schema()
    schema.add_component(Relation[int]("a", 1))
    newer = Relation[int]("a", 2)
    schema.add_component(newer)
    assert len(schema) == 1
    assert schema.get_component("a") is newer


# SQLSchema


def test_sqlschema_from_metadata() -> None:
    metadata = _metadata()
    schema = SQLSchema.from_metadata(metadata)
    assert schema.metadata is metadata
    assert sorted(c.name for c in schema) == ["tomato", "vegetable"]
    tomato = schema.get_component("tomato")
    assert isinstance(tomato, SQLTable)
    assert tomato.obj is metadata.tables["tomato"]
    assert tomato in schema
    assert "vegetable" in schema


def _create_and_fill(engine: sa.Engine) -> None:
    metadata = _metadata()
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(metadata.tables["vegetable"].insert(), [{"name": "t1", "color": "red"}])
        connection.execute(metadata.tables["tomato"].insert(), [{"name": "t1", "radius": 4}])


def _check_reflected(schema: SQLSchema, engine: sa.Engine) -> None:
    assert sorted(c.name for c in schema) == ["tomato", "vegetable"]
    vegetable = schema.get_component("vegetable")
    tomato = schema.get_component("tomato")
    assert vegetable is not None and tomato is not None
    assert [c.name for c in vegetable.get_attributes()] == ["id", "name", "color"]
    assert [c.name for c in tomato.get_attributes()] == ["id", "name", "radius"]
    assert [c.name for c in vegetable.obj.primary_key.columns] == ["id"]
    (foreign_key,) = tomato.obj.c.name.foreign_keys
    assert foreign_key.column.table.name == "vegetable"
    assert foreign_key.column.name == "name"

    # the reflected components compose and read back the rows
    joined = vegetable.compose(tomato)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(vegetable.obj.c.name, vegetable.obj.c.color, tomato.obj.c.radius).select_from(
                joined.obj
            )
        ).all()
    assert [tuple(row) for row in rows] == [("t1", "red", 4)]


def test_sqlschema_reflect(db_target: Any) -> None:
    engine = db_target.sqlalchemy_engine()
    try:
        _create_and_fill(engine)
        schema = SQLSchema.reflect(engine)
        _check_reflected(schema, engine)
    finally:
        engine.dispose()


def test_sqlschema_reflect_named_schema(pg_target: Any) -> None:
    engine = pg_target.sqlalchemy_engine()
    try:
        _create_and_fill(engine)
        schema = SQLSchema.reflect(engine, schema=pg_target.pg_schema)
        _check_reflected(schema, engine)
        tomato = schema.get_component("tomato")
        assert tomato is not None and tomato.obj.schema == pg_target.pg_schema
    finally:
        engine.dispose()


def test_sqlschema_reflect_from_a_connection(db_target: Any) -> None:
    engine = db_target.sqlalchemy_engine()
    try:
        _create_and_fill(engine)
        with engine.connect() as connection:
            schema = SQLSchema.reflect(connection)
        _check_reflected(schema, engine)
    finally:
        engine.dispose()


def test_sqlschema_reflect_through_an_object_with_an_engine(sqlite_target: Any) -> None:
    # a co3 Database holds an Engine that holds the SQLAlchemy engine
    engine = sqlite_target.sqlalchemy_engine()
    try:
        _create_and_fill(engine)
        database_like = SimpleNamespace(engine=SimpleNamespace(engine=engine))
        _check_reflected(SQLSchema.reflect(database_like), engine)
    finally:
        engine.dispose()


def test_sqlschema_reflect_refuses_other_objects() -> None:
    with pytest.raises(TypeError, match="cannot reflect"):
        SQLSchema.reflect(object())


def test_sqlschema_reflect_empty_database(db_target: Any) -> None:
    engine = db_target.sqlalchemy_engine()
    try:
        assert len(SQLSchema.reflect(engine)) == 0
    finally:
        engine.dispose()
