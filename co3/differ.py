"""Differ: compare the items of two resources in a shared key space."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, TypeAlias, TypeVar

from co3.resource import SelectableResource

__all__ = ["DiffSets", "Differ"]

E = TypeVar("E", bound=Hashable)

DiffSets: TypeAlias = tuple[
    dict[E, list[Any]],
    dict[E, list[Any]],
    dict[E, tuple[list[Any], list[Any]]],
]
"""``(l_excl, r_excl, lr_int)`` as returned by :meth:`Differ.diff`."""


class Differ(Generic[E], metaclass=ABCMeta):
    """Split two resources' items into left-only, right-only and shared keys.

    Subclasses map each side's items to a common, hashable key with
    :meth:`l_transform` and :meth:`r_transform`.

    Args:
        l_resource: the left resource (e.g. the disk).
        r_resource: the right resource (e.g. the database).
    """

    def __init__(self, l_resource: SelectableResource, r_resource: SelectableResource) -> None:
        self.l_resource = l_resource
        self.r_resource = r_resource

    @abstractmethod
    def l_transform(self, item: Any) -> E:
        """Return the key of an item from the left resource."""

    @abstractmethod
    def r_transform(self, item: Any) -> E:
        """Return the key of an item from the right resource."""

    def diff(
        self,
        l_select_kwargs: Mapping[str, Any],
        r_select_kwargs: Mapping[str, Any],
    ) -> DiffSets[E]:
        """Select from both resources and group their items by key.

        Items sharing a key are kept together, in selection order; the dicts are in the
        order keys were first seen.

        Args:
            l_select_kwargs: keyword arguments for the left resource's ``select``.
            r_select_kwargs: keyword arguments for the right resource's ``select``.

        Returns:
            ``(l_excl, r_excl, lr_int)``: keys only on the left mapped to their left
            items, keys only on the right mapped to their right items, and shared keys
            mapped to ``(left items, right items)``.
        """
        l_map = _group(self.l_resource.select(**l_select_kwargs), self.l_transform)
        r_map = _group(self.r_resource.select(**r_select_kwargs), self.r_transform)

        l_excl = {key: items for key, items in l_map.items() if key not in r_map}
        r_excl = {key: items for key, items in r_map.items() if key not in l_map}
        lr_int = {key: (items, r_map[key]) for key, items in l_map.items() if key in r_map}
        return l_excl, r_excl, lr_int


K = TypeVar("K", bound=Hashable)


def _group(items: Iterable[Any], transform: Callable[[Any], K]) -> dict[K, list[Any]]:
    """Group items by their key, keeping selection order."""
    grouped: dict[K, list[Any]] = {}
    for item in items:
        grouped.setdefault(transform(item), []).append(item)
    return grouped
