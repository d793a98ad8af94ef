"""Mapper and ComposableMapper: attaching, collecting and composing CO3 types."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any, NamedTuple

import pytest
import sqlalchemy as sa

from co3 import CO3, ComposableMapper, Mapper, collate
from co3.components import SQLTable
from co3.exceptions import Co3Error, ForeignComponentError, UnknownComponentError
from co3.schemas import SQLSchema


class AgeState(NamedTuple):
    age: int


@dataclasses.dataclass
class CookedState:
    pieces: int


class Vegetable(CO3):
    def __init__(self, name: str, color: str) -> None:
        super().__init__()
        self.name = name
        self.color = color

    @collate
    def cut(self, method: str) -> dict[str, Any]:
        return {"pieces": 2 if method == "slice" else 8}


class Tomato(Vegetable):
    def __init__(self, name: str, radius: int, children: list[Any] | None = None) -> None:
        super().__init__(name, "red")
        self.radius = radius
        self._children = children or []
        self._calls: Counter[str] = Counter()

    @property
    def components(self) -> list[Any]:
        return self._children

    def collation_attributes(self, key: Any, group: Any) -> dict[str, Any]:
        return {"name": self.name, "state": key}

    @collate("ripe", groups=["aging"])
    def ripen(self) -> dict[str, Any]:
        return {"age": 3}

    @collate("rotten", groups=["aging"])
    def rot(self) -> AgeState:
        return AgeState(age=9)

    @collate("diced", groups=["cooking"])
    def dice(self) -> CookedState:
        return CookedState(pieces=12)

    @collate("raw", groups=["cooking"])
    def raw(self) -> None:
        return None

    @collate("stewed", groups=["aging", "cooking"])
    def stew(self) -> dict[str, Any]:
        self._calls["stew"] += 1
        return {"age": 1, "pieces": 1, "state": "overridden by the action"}


class Cherry(Tomato):
    """Not attached anywhere: collects and composes through its ancestors."""


class Seed(CO3):
    def __init__(self, name: str, tomato: str) -> None:
        super().__init__()
        self.name = name
        self.tomato = tomato


class Loose(CO3):
    """Never attached."""


def _metadata() -> sa.MetaData:
    metadata = sa.MetaData()

    def state_table(name: str, parent: str, value: str) -> None:
        sa.Table(
            name,
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String, sa.ForeignKey(f"{parent}.name")),
            sa.Column("state", sa.String),
            sa.Column(value, sa.Integer),
        )

    sa.Table(
        "vegetable",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, unique=True),
        sa.Column("color", sa.String),
    )
    sa.Table(
        "tomato",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String, sa.ForeignKey("vegetable.name"), unique=True),
        sa.Column("radius", sa.Integer),
    )
    state_table("vegetable_cut_states", "vegetable", "pieces")
    state_table("tomato_aging_states", "tomato", "age")
    state_table("tomato_cooking_states", "tomato", "pieces")
    sa.Table(
        "seed",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String),
        sa.Column("tomato", sa.String, sa.ForeignKey("tomato.name")),
    )
    return metadata


@pytest.fixture
def schema() -> SQLSchema:
    return SQLSchema.from_metadata(_metadata())


def _comp(schema: SQLSchema, name: str) -> SQLTable:
    component = schema.get_component(name)
    assert component is not None
    return component


def _same_name(left: SQLTable, right: SQLTable) -> Any:
    return left.obj.c.name == right.obj.c.name


def _attach_all(mapper: Mapper[SQLTable]) -> None:
    mapper.attach(Vegetable, "vegetable", coll_groups={"cut": "vegetable_cut_states"})
    mapper.attach(
        Tomato,
        "tomato",
        coll_groups={"aging": "tomato_aging_states", "cooking": "tomato_cooking_states"},
    )
    mapper.attach(Seed, "seed")


@pytest.fixture
def mapper(schema: SQLSchema) -> Mapper[SQLTable]:
    mapper = Mapper(schema)
    _attach_all(mapper)
    return mapper


@pytest.fixture
def composer(schema: SQLSchema) -> ComposableMapper[SQLTable]:
    composer = ComposableMapper(schema, attr_compose_map=_same_name, coll_compose_map=_same_name)
    _attach_all(composer)
    return composer


def _sql(component: SQLTable | None) -> str:
    assert component is not None
    return " ".join(str(sa.select(component.obj)).split())


def _staged(mapper: Mapper[SQLTable], receipts: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """(component name, row) per receipt, in receipt order."""
    staged = []
    for receipt in receipts:
        ((component, (row,)),) = mapper.collector.collect_inserts([receipt]).items()
        staged.append((component.name, row))
    return staged


# attach and the getters


def test_attach_by_name_and_get(schema: SQLSchema) -> None:
    mapper = Mapper(schema)
    assert mapper.attach(Tomato, "tomato", coll_groups={"aging": "tomato_aging_states"}) is None
    assert mapper.get_attr_comp(Tomato) is _comp(schema, "tomato")
    assert mapper.get_attr_comp(Tomato("t1", 1)) is _comp(schema, "tomato")
    assert mapper.get_coll_comp(Tomato, "aging") is _comp(schema, "tomato_aging_states")
    assert mapper.get_coll_comp(Tomato("t1", 1), group="aging") is _comp(
        schema, "tomato_aging_states"
    )
    assert mapper.get_coll_comp(Tomato, "cooking") is None
    assert mapper.get_coll_comp(Tomato) is None
    assert mapper.get_attr_comp(Vegetable) is None
    assert mapper.get_coll_comp(Vegetable, "cut") is None


def test_attach_by_object_and_default_group(schema: SQLSchema) -> None:
    mapper = Mapper(schema)
    vegetable, states = _comp(schema, "vegetable"), _comp(schema, "vegetable_cut_states")
    mapper.attach(Vegetable, vegetable, coll_comp=states)
    assert mapper.get_attr_comp(Vegetable) is vegetable
    assert mapper.get_coll_comp(Vegetable) is states
    assert mapper.get_coll_comp(Vegetable, None) is states


def test_attach_does_not_change_the_callers_dict(schema: SQLSchema) -> None:
    groups = {"aging": "tomato_aging_states"}
    Mapper(schema).attach(Tomato, "tomato", coll_groups=groups)
    assert groups == {"aging": "tomato_aging_states"}


def test_attach_again_replaces(schema: SQLSchema) -> None:
    mapper = Mapper(schema)
    mapper.attach(Tomato, "vegetable")
    mapper.attach(Tomato, "tomato")
    assert mapper.get_attr_comp(Tomato) is _comp(schema, "tomato")


def test_strict_unknown_name(schema: SQLSchema) -> None:
    mapper = Mapper(schema)
    with pytest.raises(UnknownComponentError, match="potato") as raised:
        mapper.attach(Tomato, "potato")
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, Co3Error)
    with pytest.raises(ValueError):
        mapper.attach(Tomato, "tomato", coll_groups={"aging": "no_such_states"})
    with pytest.raises(Co3Error):
        mapper.attach(Tomato, "tomato", coll_comp="no_such_states")


def test_strict_foreign_component(schema: SQLSchema) -> None:
    mapper = Mapper(schema)
    foreign = SQLTable.from_table(sa.Table("tomato", sa.MetaData(), sa.Column("name", sa.String)))
    with pytest.raises(ForeignComponentError) as raised:
        mapper.attach(Tomato, foreign)
    assert isinstance(raised.value, TypeError)
    assert isinstance(raised.value, Co3Error)
    with pytest.raises(TypeError):
        mapper.attach(Tomato, "tomato", coll_groups={"aging": foreign})


def test_not_strict_skips_bad_components(schema: SQLSchema) -> None:
    mapper = Mapper(schema)
    foreign = SQLTable.from_table(sa.Table("x", sa.MetaData(), sa.Column("name", sa.String)))
    mapper.attach(Tomato, "potato", coll_groups={"aging": foreign}, strict=False)
    assert mapper.get_attr_comp(Tomato) is None
    assert mapper.get_coll_comp(Tomato, "aging") is None
    mapper.attach(
        Tomato, "tomato", coll_groups={"x": "nope", "aging": "tomato_aging_states"}, strict=False
    )
    assert mapper.get_attr_comp(Tomato) is _comp(schema, "tomato")
    assert mapper.get_coll_comp(Tomato, "aging") is _comp(schema, "tomato_aging_states")
    assert mapper.get_coll_comp(Tomato, "x") is None


def test_attach_many_with_callables(schema: SQLSchema) -> None:
    calls: list[tuple[Any, ...]] = []

    def attr_name_map(type_ref: type[CO3]) -> str:
        calls.append((type_ref,))
        return type_ref.__name__.lower()

    def coll_name_map(type_ref: type[CO3], group: Any) -> str:
        calls.append((type_ref, group))
        return f"{type_ref.__name__.lower()}_{group}_states"

    mapper = Mapper(schema)
    assert mapper.attach_many([Vegetable, Tomato], attr_name_map, coll_name_map) is None

    # the name map is asked about every group of the type, inherited ones included
    assert (Vegetable, "cut") in calls
    assert {c[1] for c in calls if len(c) == 2 and c[0] is Tomato} == set(Tomato.group_registry)
    assert (Vegetable,) in calls and (Tomato,) in calls

    assert mapper.get_attr_comp(Vegetable) is _comp(schema, "vegetable")
    assert mapper.get_attr_comp(Tomato) is _comp(schema, "tomato")
    assert mapper.get_coll_comp(Vegetable, "cut") is _comp(schema, "vegetable_cut_states")
    assert mapper.get_coll_comp(Tomato, "aging") is _comp(schema, "tomato_aging_states")
    assert mapper.get_coll_comp(Tomato, "cooking") is _comp(schema, "tomato_cooking_states")
    # "tomato_cut_states" does not exist: skipped, since attach_many is not strict
    assert mapper.get_coll_comp(Tomato, "cut") is None


def test_attach_many_attribute_map_only(schema: SQLSchema) -> None:
    mapper = Mapper(schema)
    mapper.attach_many([Vegetable, Tomato, Loose], lambda t: t.__name__.lower())
    assert mapper.get_attr_comp(Tomato) is _comp(schema, "tomato")
    assert mapper.get_attr_comp(Loose) is None
    assert mapper.get_coll_comp(Tomato, "aging") is None


def test_attach_many_strict(schema: SQLSchema) -> None:
    mapper = Mapper(schema)
    with pytest.raises(UnknownComponentError):
        mapper.attach_many(
            [Vegetable, Tomato],
            lambda t: t.__name__.lower(),
            lambda t, g: f"{t.__name__.lower()}_{g}_states",
            strict=True,
        )


# collect


def test_collect_stages_attributes_base_first(mapper: Mapper[SQLTable]) -> None:
    receipts = mapper.collect(Tomato("t1", 10))
    assert len(receipts) == 2
    assert _staged(mapper, receipts) == [
        ("vegetable", {"name": "t1", "color": "red"}),
        ("tomato", {"name": "t1", "radius": 10}),
    ]
    assert mapper.collector.inserts == {}


def test_collect_stages_collation_rows(mapper: Mapper[SQLTable]) -> None:
    receipts = mapper.collect(Tomato("t1", 10), keys=["ripe", "diced"])
    assert _staged(mapper, receipts) == [
        ("vegetable", {"name": "t1", "color": "red"}),
        ("tomato", {"name": "t1", "radius": 10}),
        ("tomato_aging_states", {"name": "t1", "state": "ripe", "age": 3}),
        ("tomato_cooking_states", {"name": "t1", "state": "diced", "pieces": 12}),
    ]


def test_collect_namedtuple_result(mapper: Mapper[SQLTable]) -> None:
    receipts = mapper.collect(Tomato("t1", 10), keys=["rotten"])
    assert _staged(mapper, receipts)[-1] == (
        "tomato_aging_states",
        {"name": "t1", "state": "rotten", "age": 9},
    )


def test_collect_skips_none_results_and_unknown_keys(mapper: Mapper[SQLTable]) -> None:
    receipts = mapper.collect(Tomato("t1", 10), keys=["raw", "no_such_key", None])
    assert [name for name, _ in _staged(mapper, receipts)] == ["vegetable", "tomato"]


def test_collect_runs_an_action_once_for_all_its_groups(mapper: Mapper[SQLTable]) -> None:
    tomato = Tomato("t1", 10)
    receipts = mapper.collect(tomato, keys=["stewed"])
    assert tomato._calls["stew"] == 1
    # the action's own values win over collation_attributes
    assert _staged(mapper, receipts)[2:] == [
        ("tomato_aging_states", {"name": "t1", "state": "overridden by the action", "age": 1}),
        (
            "tomato_cooking_states",
            {"name": "t1", "state": "overridden by the action", "pieces": 1},
        ),
    ]


def test_collect_with_groups(mapper: Mapper[SQLTable]) -> None:
    # only the named groups run
    receipts = mapper.collect(Tomato("t1", 10), keys=["stewed"], groups=["cooking"])
    assert [name for name, _ in _staged(mapper, receipts)] == [
        "vegetable",
        "tomato",
        "tomato_cooking_states",
    ]


def test_collect_implicit_group_needs_naming(mapper: Mapper[SQLTable]) -> None:
    tomato = Tomato("t1", 10)
    assert len(mapper.collect(tomato, keys=["slice"])) == 2
    mapper.collector.collect_inserts()

    receipts = mapper.collect(tomato, keys=["slice", "dice"], groups=["cut"])
    # the base class's collation component receives the implicit group's rows
    assert _staged(mapper, receipts) == [
        ("vegetable", {"name": "t1", "color": "red"}),
        ("vegetable_cut_states", {"name": "t1", "state": "slice", "pieces": 2}),
        ("vegetable_cut_states", {"name": "t1", "state": "dice", "pieces": 8}),
        ("tomato", {"name": "t1", "radius": 10}),
    ]


def test_collect_recurses_into_components(mapper: Mapper[SQLTable]) -> None:
    seeds = [Seed("s1", "t1"), Seed("s2", "t1")]
    tomato = Tomato("t1", 10, children=[*seeds, "not a CO3 object"])
    receipts = mapper.collect(tomato, keys=["ripe"])
    assert _staged(mapper, receipts) == [
        ("vegetable", {"name": "t1", "color": "red"}),
        ("tomato", {"name": "t1", "radius": 10}),
        ("tomato_aging_states", {"name": "t1", "state": "ripe", "age": 3}),
        ("seed", {"name": "s1", "tomato": "t1"}),
        ("seed", {"name": "s2", "tomato": "t1"}),
    ]


def test_collect_nested_components_use_the_same_keys(mapper: Mapper[SQLTable]) -> None:
    inner = Tomato("t2", 3)
    outer = Tomato("t1", 10, children=[inner])
    receipts = mapper.collect(outer, keys=["ripe"])
    names = [(name, row["name"]) for name, row in _staged(mapper, receipts)]
    assert names == [
        ("vegetable", "t1"),
        ("tomato", "t1"),
        ("tomato_aging_states", "t1"),
        ("vegetable", "t2"),
        ("tomato", "t2"),
        ("tomato_aging_states", "t2"),
    ]


def test_collect_survives_cycles(mapper: Mapper[SQLTable]) -> None:
    first = Tomato("t1", 1)
    second = Tomato("t2", 2, children=[first])
    first._children.append(second)
    receipts = mapper.collect(first)
    assert len(receipts) == 4


def test_collect_unattached_subclass_uses_its_ancestors(mapper: Mapper[SQLTable]) -> None:
    receipts = mapper.collect(Cherry("c1", 1), keys=["ripe"])
    assert [name for name, _ in _staged(mapper, receipts)] == [
        "vegetable",
        "tomato",
        "tomato_aging_states",
    ]


def test_collect_unattached_type_stages_nothing(mapper: Mapper[SQLTable]) -> None:
    assert mapper.collect(Loose()) == []
    assert mapper.collector.inserts == {}


def test_collect_receipts_accumulate_in_the_collector(mapper: Mapper[SQLTable]) -> None:
    mapper.collect(Tomato("t1", 1))
    mapper.collect(Tomato("t2", 2))
    inserts = mapper.collector.inserts
    assert [row["name"] for row in inserts[_comp(mapper.schema, "tomato")]] == ["t1", "t2"]


# ComposableMapper.compose


def test_compose_attribute_hierarchy(composer: ComposableMapper[SQLTable]) -> None:
    composed = composer.compose(Tomato)
    assert composed is not None
    assert composed.name == "<vegetable>+<tomato>"
    assert "FROM vegetable JOIN tomato ON vegetable.name = tomato.name" in _sql(composed)
    assert composer.compose(Vegetable) is _comp(composer.schema, "vegetable")


def test_compose_with_groups(composer: ComposableMapper[SQLTable]) -> None:
    sql = _sql(composer.compose(Tomato, groups=["cut", "aging", "cooking"]))
    assert (
        "FROM vegetable "
        "JOIN vegetable_cut_states ON vegetable.name = vegetable_cut_states.name "
        "JOIN tomato ON vegetable.name = tomato.name "
        "JOIN tomato_aging_states ON tomato.name = tomato_aging_states.name "
        "JOIN tomato_cooking_states ON tomato.name = tomato_cooking_states.name"
    ) in sql


def test_compose_outer(composer: ComposableMapper[SQLTable]) -> None:
    sql = _sql(composer.compose(Tomato, groups=["aging"], compose_kwargs={"outer": True}))
    assert (
        "FROM vegetable LEFT OUTER JOIN tomato ON vegetable.name = tomato.name "
        "LEFT OUTER JOIN tomato_aging_states ON tomato.name = tomato_aging_states.name"
    ) in sql
    positional = _sql(composer.compose(Tomato, groups=["aging"], compose_args=[True]))
    assert "LEFT OUTER JOIN tomato_aging_states" in positional


def test_compose_cache_is_keyed_by_every_argument(composer: ComposableMapper[SQLTable]) -> None:
    # co3 0.6.3 handed the cached outer join back to a later plain call
    outer = composer.compose(Tomato, groups=["aging"], compose_kwargs={"outer": True})
    plain = composer.compose(Tomato, groups=["aging"])
    assert "OUTER" in _sql(outer)
    assert "OUTER" not in _sql(plain)
    assert composer.compose(Tomato, groups=["aging"]) is plain
    assert composer.compose(Tomato, groups=["aging"], compose_kwargs={"outer": True}) is outer
    assert composer.compose(Tomato, groups=["aging"], compose_args=[True]) is not outer
    assert composer.compose(Tomato, groups=["cooking"]) is not plain
    assert composer.compose(Tomato) is not plain


def test_compose_with_unhashable_arguments(composer: ComposableMapper[SQLTable]) -> None:
    class Loud(SQLTable):
        def compose(self, other: SQLTable, on: Any = None, outer: Any = False) -> SQLTable:
            return super().compose(other, on, outer=bool(outer))

    loud = Loud("vegetable", _comp(composer.schema, "vegetable").obj)
    composer.schema.add_component(loud)
    composer.attach(Vegetable, loud)
    first = composer.compose(Tomato, compose_kwargs={"outer": ["yes"]})
    second = composer.compose(Tomato, compose_kwargs={"outer": ["yes"]})
    assert first is not second
    assert "LEFT OUTER JOIN tomato" in _sql(first)


def test_compose_cache_is_cleared_by_attach(schema: SQLSchema) -> None:
    composer = ComposableMapper(schema, _same_name, _same_name)
    composer.attach(Vegetable, "vegetable")
    composer.attach(Tomato, "tomato")
    before = composer.compose(Tomato, groups=["aging"])
    assert "tomato_aging_states" not in _sql(before)
    composer.attach(Tomato, "tomato", coll_groups={"aging": "tomato_aging_states"})
    assert "JOIN tomato_aging_states" in _sql(composer.compose(Tomato, groups=["aging"]))

    composer.attach_many([Seed], lambda t: "seed")
    assert composer.compose(Seed) is _comp(schema, "seed")


def test_compose_instance_and_unattached_types(composer: ComposableMapper[SQLTable]) -> None:
    assert _sql(composer.compose(Tomato("t1", 1))) == _sql(composer.compose(Tomato))
    # an unattached subclass composes its attached ancestors
    assert _sql(composer.compose(Cherry, groups=["aging"])) == _sql(
        composer.compose(Tomato, groups=["aging"])
    )
    assert composer.compose(Loose) is None
    assert composer.compose(Loose()) is None


def test_compose_maps_receive_atomic_components(schema: SQLSchema) -> None:
    attr_calls: list[tuple[str, str]] = []
    coll_calls: list[tuple[str, str]] = []

    def attr_map(parent: SQLTable, child: SQLTable) -> Any:
        attr_calls.append((parent.name, child.name))
        return _same_name(parent, child)

    def coll_map(attr: SQLTable, coll: SQLTable) -> Any:
        coll_calls.append((attr.name, coll.name))
        return _same_name(attr, coll)

    composer = ComposableMapper(schema, attr_compose_map=attr_map, coll_compose_map=coll_map)
    _attach_all(composer)
    composer.compose(Tomato, groups=["cut", "aging"])
    assert attr_calls == [("vegetable", "tomato")]
    assert coll_calls == [
        ("vegetable", "vegetable_cut_states"),
        ("tomato", "tomato_aging_states"),
    ]


def test_compose_three_argument_collation_map(schema: SQLSchema) -> None:
    calls: list[tuple[str, str, list[str] | None]] = []

    def coll_map(attr: SQLTable, coll: SQLTable, previous: list[SQLTable] | None) -> Any:
        calls.append(
            (attr.name, coll.name, None if previous is None else [c.name for c in previous])
        )
        return _same_name(attr, coll)

    composer = ComposableMapper(schema, attr_compose_map=_same_name, coll_compose_map=coll_map)
    _attach_all(composer)
    composer.compose(Tomato, groups=["cut", "aging"])
    assert calls == [
        ("vegetable", "vegetable_cut_states", None),
        ("tomato", "tomato_aging_states", ["vegetable_cut_states"]),
    ]


def test_compose_without_maps_uses_foreign_keys(schema: SQLSchema) -> None:
    composer = ComposableMapper(schema)
    _attach_all(composer)
    assert (
        "FROM vegetable JOIN tomato ON vegetable.name = tomato.name "
        "JOIN tomato_aging_states ON tomato.name = tomato_aging_states.name"
    ) in _sql(composer.compose(Tomato, groups=["aging"]))


def test_mappers_share_no_state(schema: SQLSchema) -> None:
    one, two = Mapper(schema), Mapper(schema)
    one.attach(Tomato, "tomato")
    assert two.get_attr_comp(Tomato) is None
    assert one.collector is not two.collector
