"""Component and the component types, SQLTable in particular."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from co3 import Component
from co3.components import (
    ComposableComponent,
    Dictionary,
    Document,
    FTSTable,
    Node,
    Relation,
    SQLTable,
)


def _tables() -> tuple[sa.Table, sa.Table]:
    metadata = sa.MetaData()
    parent = sa.Table(
        "parent",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, nullable=False, unique=True),
        sa.Column("kind", sa.String, default="plain"),
        sa.Column("note", sa.String, nullable=True),
        sa.Column("created", sa.String, server_default="now"),
        sa.Column("stamp", sa.Integer, default=lambda: 42),
    )
    child = sa.Table(
        "child",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, sa.ForeignKey("parent.name")),
        sa.Column("size", sa.Integer, nullable=False),
    )
    return parent, child


def _sql(component: SQLTable) -> str:
    return " ".join(str(sa.select(component.obj)).split())


def test_component_name_obj_and_str() -> None:
    obj = {"x": 1}
    component = Component("thing", obj)
    assert component.name == "thing"
    assert component.obj is obj
    assert str(component) == "<Component (Component)> thing"
    assert repr(component) == str(component)
    assert component.get_attributes() == ()


def test_str_names_the_component_type() -> None:
    parent, _ = _tables()
    assert str(SQLTable.from_table(parent)) == "<Component (SQLTable)> parent"
    assert str(Relation[int]("a", 1)) == "<Component (Relation)> a"


def test_subscripted_classes_build_components() -> None:
    relation = Relation[int]("a", 1)
    assert isinstance(relation, Relation)
    assert isinstance(relation, ComposableComponent)
    assert isinstance(relation, Component)
    assert (relation.name, relation.obj) == ("a", 1)
    assert Component[str]("s", "v").obj == "v"
    assert Document[dict[str, Any]]("doc", {}).name == "doc"
    assert Node[int]("n", 3).obj == 3


def test_relation_compose_returns_itself() -> None:
    a = Relation[int]("a", 1)
    assert a.compose(Relation[int]("b", 2), None) is a


def test_dictionary_attributes_are_its_keys() -> None:
    store = Dictionary("store", {"a": 1, "b": 2})
    assert store.get_attributes() == ("a", "b")


def test_composable_component_is_abstract() -> None:
    with pytest.raises(TypeError):
        ComposableComponent("x", 1)  # type: ignore[abstract]


def test_sqltable_from_table_and_attributes() -> None:
    parent, _ = _tables()
    table = SQLTable.from_table(parent)
    assert table.name == "parent"
    assert table.obj is parent
    assert [c.name for c in table.get_attributes()] == [
        "id",
        "name",
        "kind",
        "note",
        "created",
        "stamp",
    ]
    assert table.obj.c.name is parent.c.name


def test_column_defaults() -> None:
    parent, child = _tables()
    # scalar default kept, nullable -> None, not-null without default -> "", database- or
    # callable-filled columns left out
    assert SQLTable.from_table(parent).get_column_defaults() == {
        "name": "",
        "kind": "plain",
        "note": None,
    }
    assert SQLTable.from_table(parent).get_column_defaults(include_all=False) == {
        "kind": "plain",
        "note": None,
    }
    assert SQLTable.from_table(child).get_column_defaults() == {"name": None, "size": ""}


def test_prepare_insert_data_filters_and_fills() -> None:
    parent, _ = _tables()
    table = SQLTable.from_table(parent)
    row = table.prepare_insert_data({"name": "p1", "note": "n", "not_a_column": 1})
    assert row == {"name": "p1", "kind": "plain", "note": "n"}
    assert table.prepare_insert_data({"kind": "special"})["kind"] == "special"


def test_compose_inner_join() -> None:
    parent, child = _tables()
    joined = SQLTable.from_table(parent).compose(
        SQLTable.from_table(child), parent.c.name == child.c.name
    )
    assert isinstance(joined, SQLTable)
    assert joined.name == "<parent>+<child>"
    sql = _sql(joined)
    assert "FROM parent JOIN child ON parent.name = child.name" in sql
    assert "OUTER" not in sql


def test_compose_outer_join() -> None:
    parent, child = _tables()
    joined = SQLTable.from_table(parent).compose(
        SQLTable.from_table(child), parent.c.name == child.c.name, outer=True
    )
    assert "FROM parent LEFT OUTER JOIN child ON parent.name = child.name" in _sql(joined)


def test_compose_infers_the_condition_from_foreign_keys() -> None:
    parent, child = _tables()
    joined = SQLTable.from_table(parent).compose(SQLTable.from_table(child))
    assert "FROM parent JOIN child ON parent.name = child.name" in _sql(joined)


def test_compose_chains() -> None:
    parent, child = _tables()
    grandchild = sa.Table(
        "grandchild",
        parent.metadata,
        sa.Column("name", sa.String, sa.ForeignKey("child.name")),
    )
    joined = (
        SQLTable.from_table(parent)
        .compose(SQLTable.from_table(child), parent.c.name == child.c.name)
        .compose(SQLTable.from_table(grandchild), child.c.name == grandchild.c.name, True)
    )
    assert joined.name == "<<parent>+<child>>+<grandchild>"
    assert (
        "FROM parent JOIN child ON parent.name = child.name "
        "LEFT OUTER JOIN grandchild ON child.name = grandchild.name"
    ) in _sql(joined)


def test_fts_table_attributes() -> None:
    parent, _ = _tables()
    assert [c.name for c in FTSTable("fts", parent).get_attributes()][:2] == ["id", "name"]
