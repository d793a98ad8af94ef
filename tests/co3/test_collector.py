"""Collector: staging rows under receipts, grouped by component."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from co3 import Collector, Mapper, Schema
from co3.components import Relation, SQLTable
from co3.schemas import SQLSchema


@pytest.fixture
def schema() -> SQLSchema:
    metadata = sa.MetaData()
    sa.Table(
        "fruit",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("color", sa.String, default="green"),
    )
    sa.Table("basket", metadata, sa.Column("label", sa.String, primary_key=True))
    return SQLSchema.from_metadata(metadata)


def _comp(schema: SQLSchema, name: str) -> SQLTable:
    component = schema.get_component(name)
    assert component is not None
    return component


def test_add_insert_returns_a_receipt(schema: SQLSchema) -> None:
    collector = Collector(schema)
    receipts: list[str] = []
    first = collector.add_insert(_comp(schema, "fruit"), {"name": "apple"}, receipts=receipts)
    second = collector.add_insert(_comp(schema, "fruit"), {"name": "pear"}, receipts)
    assert isinstance(first, str) and isinstance(second, str)
    assert first != second
    assert receipts == [first, second]
    assert len(collector) == 2


def test_add_insert_prepares_rows_for_the_table(schema: SQLSchema) -> None:
    collector = Collector(schema)
    collector.add_insert(_comp(schema, "fruit"), {"name": "apple", "not_a_column": 1})
    assert collector.inserts == {_comp(schema, "fruit"): [{"name": "apple", "color": "green"}]}


def test_add_insert_ignores_components_outside_the_schema(schema: SQLSchema) -> None:
    collector = Collector(schema)
    receipts: list[str] = []
    outsider = SQLTable.from_table(sa.Table("fruit", sa.MetaData(), sa.Column("name", sa.String)))
    assert collector.add_insert(outsider, {"name": "apple"}, receipts) is None
    assert collector.add_insert("no_such_table", {"name": "apple"}, receipts) is None
    assert receipts == []
    assert collector.inserts == {}


def test_add_insert_accepts_a_component_name(schema: SQLSchema) -> None:
    collector = Collector(schema)
    assert collector.add_insert("basket", {"label": "b1"}) is not None
    assert collector.inserts == {_comp(schema, "basket"): [{"label": "b1"}]}


def test_inserts_are_grouped_in_order_and_kept(schema: SQLSchema) -> None:
    collector = Collector(schema)
    fruit, basket = _comp(schema, "fruit"), _comp(schema, "basket")
    collector.add_insert(fruit, {"name": "apple", "color": "red"})
    collector.add_insert(basket, {"label": "b1"})
    collector.add_insert(fruit, {"name": "pear"})

    expected = {
        fruit: [{"name": "apple", "color": "red"}, {"name": "pear", "color": "green"}],
        basket: [{"label": "b1"}],
    }
    assert collector.inserts == expected
    assert list(collector.inserts) == [fruit, basket]
    assert collector.inserts == expected  # reading does not remove
    assert len(collector) == 3


def test_inserts_hands_out_copies(schema: SQLSchema) -> None:
    collector = Collector(schema)
    fruit = _comp(schema, "fruit")
    collector.add_insert(fruit, {"name": "apple"})
    collector.inserts[fruit][0]["name"] = "changed"
    assert collector.inserts[fruit][0]["name"] == "apple"


def test_collect_inserts_removes_everything(schema: SQLSchema) -> None:
    collector = Collector(schema)
    fruit = _comp(schema, "fruit")
    collector.add_insert(fruit, {"name": "apple"})
    collector.add_insert(fruit, {"name": "pear"})
    assert collector.collect_inserts() == {
        fruit: [{"name": "apple", "color": "green"}, {"name": "pear", "color": "green"}]
    }
    assert collector.collect_inserts() == {}
    assert collector.inserts == {}
    assert len(collector) == 0


def test_collect_inserts_by_receipt(schema: SQLSchema) -> None:
    collector = Collector(schema)
    fruit, basket = _comp(schema, "fruit"), _comp(schema, "basket")
    apple = collector.add_insert(fruit, {"name": "apple"})
    b1 = collector.add_insert(basket, {"label": "b1"})
    assert apple is not None and b1 is not None

    assert collector.collect_inserts([apple]) == {fruit: [{"name": "apple", "color": "green"}]}
    assert collector.collect_inserts([apple]) == {}  # taken already
    assert collector.collect_inserts(["unknown receipt", b1]) == {basket: [{"label": "b1"}]}
    assert collector.inserts == {}


def test_components_without_prepare_keep_rows_as_given() -> None:
    schema: Schema[Relation[Any]] = Schema()
    relation = Relation[list[Any]]("things", [])
    schema.add_component(relation)
    collector = Collector(schema)
    data = {"anything": 1}
    collector.add_insert(relation, data)
    staged = collector.collect_inserts()
    assert staged == {relation: [{"anything": 1}]}
    assert staged[relation][0] is not data


def test_collectors_share_no_state(schema: SQLSchema) -> None:
    one, two = Collector(schema), Collector(schema)
    one.add_insert(_comp(schema, "basket"), {"label": "b1"})
    assert two.inserts == {}


def test_mapper_builds_its_collector_from_collector_cls(schema: SQLSchema) -> None:
    class CountingCollector(Collector[SQLTable]):
        pass

    class CountingMapper(Mapper[SQLTable]):
        _collector_cls = CountingCollector

    assert type(Mapper(schema).collector) is Collector
    mapper = CountingMapper(schema)
    assert isinstance(mapper.collector, CountingCollector)
    assert mapper.collector.schema is schema
    assert CountingMapper(schema).collector is not mapper.collector
