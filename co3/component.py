"""Component: a named storage unit (a table, a dict, a document...) wrapping one object."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

__all__ = ["Component"]

T = TypeVar("T")


class Component(Generic[T]):
    """A named storage component wrapping a backend object.

    Args:
        name: the component's name, unique within its schema.
        obj: the backend object (a SQLAlchemy table, a dict, ...).
    """

    def __init__(self, name: str, obj: T) -> None:
        self.name = name
        self.obj = obj

    def __str__(self) -> str:
        return f"<Component ({type(self).__name__})> {self.name}"

    __repr__ = __str__

    def get_attributes(self) -> tuple[Any, ...]:
        """The component's attributes (columns, keys...); backends override this."""
        return ()
