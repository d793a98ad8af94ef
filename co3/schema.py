"""Schema: a named group of related components."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar

from co3.component import Component

__all__ = ["Schema"]

C = TypeVar("C", bound=Component[Any])


class Schema(Generic[C]):
    """A set of components, reachable by name."""

    def __init__(self) -> None:
        self._components: dict[str, C] = {}

    def add_component(self, component: C) -> None:
        """Add ``component``, replacing any component of the same name."""
        self._components[component.name] = component

    def get_component(self, name: str) -> C | None:
        """The component called ``name``, or None."""
        return self._components.get(name)

    def __contains__(self, component: object) -> bool:
        if isinstance(component, str):
            return component in self._components
        return any(c is component for c in self._components.values())

    def __iter__(self) -> Iterator[C]:
        return iter(list(self._components.values()))

    def __len__(self) -> int:
        return len(self._components)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {sorted(self._components)}>"
