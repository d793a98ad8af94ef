"""Backend-free component types."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, Generic, TypeVar

from co3.component import Component

__all__ = ["ComposableComponent", "Dictionary", "Document", "Node", "Relation"]

T = TypeVar("T")
C = TypeVar("C", bound="ComposableComponent[Any]")


class ComposableComponent(Component[T], Generic[T], metaclass=ABCMeta):
    """A component that can be composed (joined) with another of its kind."""

    @abstractmethod
    def compose(self: C, other: C, on: Any, outer: bool = False) -> C:
        """Compose this component with ``other`` on the condition ``on``.

        Args:
            other: the component to compose with.
            on: the backend's join condition.
            outer: keep rows of this component that have no match.

        Returns:
            A new component of the same type.
        """


class Relation(ComposableComponent[T], Generic[T]):
    """A table-like component: a heading of attributes and a body of tuples."""

    def compose(self: C, other: C, on: Any, outer: bool = False) -> C:
        """A plain relation has no backend join: composing returns itself."""
        return self


class Dictionary(Relation[dict[Any, Any]]):
    """An in-memory key-value component; its attributes are its keys."""

    def get_attributes(self) -> tuple[Any, ...]:
        return tuple(self.obj.keys())


class Document(Component[T], Generic[T]):
    """A document-store component."""


class Node(Component[T], Generic[T]):
    """A graph-store component."""
