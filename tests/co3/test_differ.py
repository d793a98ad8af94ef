"""Differ: diff-set shapes (as in co3 0.6.3) and the partition property."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from co3.differ import Differ
from co3.resource import Resource
from co3.resources import DiskResource


class ListResource(Resource):
    """Items held in a list; ``select`` records its arguments."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.calls: list[dict[str, Any]] = []

    def select(self, **kwargs: Any) -> list[Any]:
        self.calls.append(kwargs)
        return list(self.items)


class FirstLetterDiffer(Differ[str]):
    def l_transform(self, item: Any) -> str:
        return str(item)[0]

    def r_transform(self, item: Any) -> str:
        return str(item)[0].lower()


class IdentityDiffer(Differ[Any]):
    def l_transform(self, item: Any) -> Any:
        return item

    def r_transform(self, item: Any) -> Any:
        return item


def test_differ_is_abstract() -> None:
    with pytest.raises(TypeError):
        Differ(ListResource([]), ListResource([]))  # type: ignore[abstract]


def test_diff_shapes() -> None:
    left = ListResource(["apple", "avocado", "banana", "cherry"])
    right = ListResource(["Banana", "blueberry", "Date"])
    l_excl, r_excl, lr_int = FirstLetterDiffer(left, right).diff({}, {})

    assert l_excl == {"a": ["apple", "avocado"], "c": ["cherry"]}
    assert r_excl == {"d": ["Date"]}
    assert lr_int == {"b": (["banana"], ["Banana", "blueberry"])}
    assert all(type(d) is dict for d in (l_excl, r_excl, lr_int))
    assert type(lr_int["b"]) is tuple


def test_diff_passes_select_kwargs() -> None:
    left, right = ListResource([]), ListResource([])
    IdentityDiffer(left, right).diff({"where": 1}, {"limit": 2})
    assert left.calls == [{"where": 1}]
    assert right.calls == [{"limit": 2}]


def test_diff_keeps_first_seen_order() -> None:
    left = ListResource([3, 1, 2, 1])
    right = ListResource([5, 2, 4])
    l_excl, r_excl, lr_int = IdentityDiffer(left, right).diff({}, {})
    assert list(l_excl) == [3, 1]
    assert l_excl[1] == [1, 1]
    assert list(r_excl) == [5, 4]
    assert list(lr_int) == [2]


def test_diff_empty_sides() -> None:
    assert IdentityDiffer(ListResource([]), ListResource([])).diff({}, {}) == ({}, {}, {})
    l_excl, r_excl, lr_int = IdentityDiffer(ListResource([1]), ListResource([])).diff({}, {})
    assert (l_excl, r_excl, lr_int) == ({1: [1]}, {}, {})


def test_diff_disk_against_a_listing(tmp_path: Path) -> None:
    for name in ["keep.md", "new.md", "sub/keep.txt"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(name)

    class DiskVsRows(Differ[str]):
        def l_transform(self, item: Any) -> str:
            return str(item[1].as_posix())

        def r_transform(self, item: Any) -> str:
            return str(item["path"])

    rows = ListResource([{"path": "keep.md"}, {"path": "sub/keep.txt"}, {"path": "gone.md"}])
    l_excl, r_excl, lr_int = DiskVsRows(DiskResource(), rows).diff({"path_list": tmp_path}, {})
    assert l_excl == {"new.md": [(tmp_path, Path("new.md"))]}
    assert r_excl == {"gone.md": [{"path": "gone.md"}]}
    assert set(lr_int) == {"keep.md", "sub/keep.txt"}


keys = st.one_of(st.integers(-5, 5), st.sampled_from(["a", "b", "c", "d"]))


@given(left=st.lists(keys), right=st.lists(keys))
def test_diff_sets_partition_the_keys(left: list[Any], right: list[Any]) -> None:
    l_excl, r_excl, lr_int = IdentityDiffer(ListResource(left), ListResource(right)).diff({}, {})
    l_keys, r_keys, i_keys = set(l_excl), set(r_excl), set(lr_int)

    assert l_keys.isdisjoint(r_keys)
    assert l_keys.isdisjoint(i_keys)
    assert r_keys.isdisjoint(i_keys)
    assert l_keys | r_keys | i_keys == set(left) | set(right)
    assert i_keys == set(left) & set(right)

    # Every item lands exactly once on its side.
    l_items = [i for v in l_excl.values() for i in v] + [i for v in lr_int.values() for i in v[0]]
    r_items = [i for v in r_excl.values() for i in v] + [i for v in lr_int.values() for i in v[1]]
    assert sorted(l_items, key=repr) == sorted(left, key=repr)
    assert sorted(r_items, key=repr) == sorted(right, key=repr)
