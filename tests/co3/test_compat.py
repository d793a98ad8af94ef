"""Code written for co3 0.6.3 runs unchanged: the vegetables example, end to end.

The types, schema and mapper follow co3 0.6.3's README and its own test setup (a
Vegetable -> Tomato hierarchy with aging and cooking actions), with fixed values instead
of random ones so that the rows read back can be checked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from co3 import CO3, ComposableMapper, Mapper, collate
from co3.schemas import SQLSchema


class Vegetable(CO3):
    def __init__(self, name: str, color: str) -> None:
        super().__init__()
        self.name = name
        self.color = color

    @collate
    def cut(self, method: str) -> dict[str, Any]:
        raise NotImplementedError


class Tomato(Vegetable):
    def __init__(self, name: str, radius: int) -> None:
        super().__init__(name, "red")
        self.radius = radius

    @property
    def attributes(self) -> dict[str, Any]:
        return vars(self)

    def collation_attributes(self, key: Any, group: Any) -> dict[str, Any]:
        return {"name": self.name, "state": key}

    @collate("ripe", groups=["aging"])
    def ripen(self) -> dict[str, Any]:
        return {"age": self.radius // 2}

    @collate("rotten", groups=["aging"])
    def rot(self) -> dict[str, Any]:
        return {"age": self.radius * 2}

    @collate("diced", groups=["cooking"])
    def dice(self) -> dict[str, Any]:
        return {"pieces": self.radius + 2}

    @collate
    def cut(self, method: str) -> dict[str, Any] | None:
        if method == "slice":
            return {"pieces": 4}
        if method == "dice":
            return self.dice()
        return None


@dataclass
class Cooked:
    state: str
    pieces: int


class Cherry(Tomato):
    """A subclass with no table of its own; an action returning a dataclass."""

    @collate("stewed", groups=["cooking"])
    def stew(self) -> Cooked:
        return Cooked(state="stewed (cherry)", pieces=1)


def _vegetable_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "vegetable",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), unique=True),
        sa.Column("color", sa.String(32)),
    )
    sa.Table(
        "tomato",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), sa.ForeignKey("vegetable.name"), unique=True),
        sa.Column("radius", sa.Integer),
    )
    sa.Table(
        "tomato_aging_states",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), sa.ForeignKey("tomato.name")),
        sa.Column("state", sa.String(32)),
        sa.Column("age", sa.Integer),
    )
    sa.Table(
        "tomato_cooking_states",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), sa.ForeignKey("tomato.name")),
        sa.Column("state", sa.String(32)),
        sa.Column("pieces", sa.Integer),
    )
    return metadata


def general_compose_map(c1: Any, c2: Any) -> Any:
    return c1.obj.c.name == c2.obj.c.name


def attr_name_map(cls: type[CO3]) -> str:
    return f"{cls.__name__.lower()}"


def coll_name_map(cls: type[CO3], group: Any) -> str:
    return f"{cls.__name__.lower()}_{group}_states"


@pytest.fixture
def vegetable_schema() -> SQLSchema:
    return SQLSchema.from_metadata(_vegetable_metadata())


@pytest.fixture
def vegetable_mapper(vegetable_schema: SQLSchema) -> ComposableMapper[Any]:
    mapper: ComposableMapper[Any] = ComposableMapper(
        vegetable_schema,
        attr_compose_map=general_compose_map,
        coll_compose_map=general_compose_map,
    )
    mapper.attach_many([Vegetable, Tomato], attr_name_map, coll_name_map)
    return mapper


@pytest.fixture
def db(db_target: Any, vegetable_schema: SQLSchema) -> Iterator[Any]:
    from co3.databases import SQLDatabase

    database = SQLDatabase(db_target.url, **db_target.engine_kwargs)
    database.recreate(vegetable_schema)
    try:
        yield database
    finally:
        database.engine.dispose()


def _rows(rows: Any) -> list[dict[str, Any]]:
    """Accessor results as dicts (plain dicts, mappings or SQLAlchemy rows)."""
    return [dict(r) if isinstance(r, Mapping) else dict(r._mapping) for r in rows]


def _tomatoes() -> list[Tomato]:
    return [Tomato("t1", 10), Tomato("t2", 6)]


# the mapper alone, as in co3 0.6.3's test_mapper.py


def test_mapper_getters(vegetable_schema: SQLSchema, vegetable_mapper: Any) -> None:
    veg_comp = vegetable_schema.get_component("vegetable")
    tom_comp = vegetable_schema.get_component("tomato")
    assert vegetable_mapper.get_attr_comp(Vegetable) is veg_comp
    assert vegetable_mapper.get_attr_comp(Tomato) is tom_comp

    tom_aging = vegetable_schema.get_component("tomato_aging_states")
    tom_cooking = vegetable_schema.get_component("tomato_cooking_states")
    assert vegetable_mapper.get_coll_comp(Tomato, "aging") is tom_aging
    assert vegetable_mapper.get_coll_comp(Tomato, "cooking") is tom_cooking


def test_mapper_attach_and_attach_many_return_none(vegetable_mapper: Any) -> None:
    assert (
        vegetable_mapper.attach(
            Tomato,
            "tomato",
            coll_groups={"aging": "tomato_aging_states", "cooking": "tomato_cooking_states"},
        )
        is None
    )
    assert (
        vegetable_mapper.attach_many([Vegetable, Tomato], lambda t: f"{t.__name__.lower()}") is None
    )


def test_mapper_collect_receipts_one_at_a_time(vegetable_mapper: Any) -> None:
    receipts = vegetable_mapper.collect(Tomato("t1", 10))
    assert len(receipts) == 2

    first = vegetable_mapper.collector.collect_inserts([receipts[0]])
    assert len(first) == 1
    assert next(iter(first.values())) == [{"name": "t1", "color": "red"}]
    assert vegetable_mapper.collector.collect_inserts([receipts[0]]) == {}

    second = vegetable_mapper.collector.collect_inserts([receipts[1]])
    assert next(iter(second.values())) == [{"name": "t1", "radius": 10}]


def test_co3_registry_as_in_0_6_3() -> None:
    tomato = Tomato("t1", 10)
    keys_to_groups: dict[Any, list[Any]] = {}
    for group, keys in tomato.group_registry.items():
        for key in keys:
            keys_to_groups.setdefault(key, []).append(group)
    assert set(tomato.key_registry.get(None, {})) == set(keys_to_groups.get(None, []))
    for key, group_dict in tomato.key_registry.items():
        assert sorted(keys_to_groups[key]) == sorted(group_dict)
    for group, keys in tomato.group_registry.items():
        for key in keys:
            if key is not None:
                assert tomato.collate(key, group=group) is not None
    assert tomato.collate("slice", group="cut") == {"pieces": 4}
    assert tomato.collate("dice", group="cut") == {"pieces": 12}


# against a real database, on both backends


def test_database_insert(db: Any, vegetable_mapper: Any) -> None:
    tomato = Tomato("t1", 5)
    vegetable_mapper.collect(tomato)

    veg_comp = vegetable_mapper.get_attr_comp(Vegetable)
    tom_comp = vegetable_mapper.get_attr_comp(tomato)  # an instance works too
    inserts = vegetable_mapper.collector.collect_inserts()
    assert inserts.get(tom_comp) == [{"name": "t1", "radius": 5}]

    with db.engine.connect() as connection:
        assert db.manager.insert(connection, veg_comp, inserts[veg_comp]) is not None
        assert db.manager.insert(connection, tom_comp, inserts[tom_comp]) is not None

    with db.engine.connect() as connection:
        rows = _rows(db.accessor.select(connection, tom_comp))
    assert [(r["name"], r["radius"]) for r in rows] == [("t1", 5)]


def test_database_insert_many_and_select_composed(db: Any, vegetable_mapper: Any) -> None:
    receipts: list[str] = []
    for tomato in _tomatoes():
        receipts.extend(vegetable_mapper.collect(tomato, keys=["ripe", "diced"]))
    assert len(receipts) == 8

    with db.engine.connect() as connection:
        results = db.manager.insert_many(connection, vegetable_mapper.collector.inserts)
        assert results is not None
        assert len(results) == 4  # one bulk insert per component

        composed = vegetable_mapper.compose(Tomato)
        rows = _rows(db.accessor.select(connection, composed))
        assert sorted((r["name"], r["color"], r["radius"]) for r in rows) == [
            ("t1", "red", 10),
            ("t2", "red", 6),
        ]

        aging = vegetable_mapper.compose(Tomato, groups=["aging"])
        rows = _rows(db.accessor.select(connection, aging))
        assert sorted((r["name"], r["radius"], r["state"], r["age"]) for r in rows) == [
            ("t1", 10, "ripe", 5),
            ("t2", 6, "ripe", 3),
        ]

        both = vegetable_mapper.compose(Tomato, groups=["aging", "cooking"])
        rows = _rows(db.accessor.select(connection, both))
        assert sorted((r["name"], r["age"], r["pieces"]) for r in rows) == [
            ("t1", 5, 12),
            ("t2", 3, 8),
        ]


def test_collect_inserts_then_compose_outer(db: Any, vegetable_mapper: Any) -> None:
    vegetable_mapper.collect(Tomato("t1", 10), keys=["ripe", "rotten"])
    vegetable_mapper.collect(Tomato("t2", 6))  # no aging states
    inserts = vegetable_mapper.collector.collect_inserts()
    assert vegetable_mapper.collector.inserts == {}

    aging_comp = vegetable_mapper.get_coll_comp(Tomato, "aging")
    assert inserts[aging_comp] == [
        {"name": "t1", "state": "ripe", "age": 5},
        {"name": "t1", "state": "rotten", "age": 20},
    ]

    with db.engine.connect() as connection:
        db.manager.insert_many(connection, inserts)

        outer = vegetable_mapper.compose(Tomato, groups=["aging"], compose_kwargs={"outer": True})
        rows = _rows(db.accessor.select(connection, outer))
        assert sorted((r["name"], r["state"] or "", r["age"] or 0) for r in rows) == [
            ("t1", "ripe", 5),
            ("t1", "rotten", 20),
            ("t2", "", 0),
        ]

        # a plain call after an outer one is an inner join (0.6.3 returned the outer one)
        inner = vegetable_mapper.compose(Tomato, groups=["aging"])
        rows = _rows(db.accessor.select(connection, inner))
        assert sorted((r["name"], r["state"]) for r in rows) == [
            ("t1", "ripe"),
            ("t1", "rotten"),
        ]


def test_implicit_group_and_unattached_subclass(db: Any, vegetable_schema: SQLSchema) -> None:
    mapper = Mapper(vegetable_schema)
    mapper.attach(Vegetable, "vegetable")
    mapper.attach(
        Tomato,
        "tomato",
        coll_groups={"cooking": "tomato_cooking_states", "cut": "tomato_cooking_states"},
    )
    cherry = Cherry("c1", 2)
    receipts = mapper.collect(cherry, keys=["stewed", "diced"])
    receipts += mapper.collect(Tomato("t1", 10), keys=["slice"], groups=["cut"])
    assert len(receipts) == 7

    with db.engine.connect() as connection:
        results = db.manager.insert_many(connection, mapper.collector.collect_inserts())
        assert len(results) == 3
        cooking = vegetable_schema.get_component("tomato_cooking_states")
        rows = _rows(db.accessor.select(connection, cooking))
    assert sorted((r["name"], r["state"], r["pieces"]) for r in rows) == [
        ("c1", "diced", 4),
        ("c1", "stewed (cherry)", 1),
        ("t1", "slice", 4),
    ]


def test_insert_many_without_rows_returns_none(db: Any, vegetable_mapper: Any) -> None:
    with db.engine.connect() as connection:
        assert db.manager.insert_many(connection, vegetable_mapper.collector.inserts) is None
