"""Resources: the storage a Differ compares, such as a folder on disk or a database.

A resource only has to offer ``select(**kwargs)`` returning an iterable of items;
:class:`SelectableResource` names that shape so it can be checked at runtime.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["Resource", "SelectableResource"]


class Resource:
    """Base class for storage resources (a marker: it requires nothing)."""


@runtime_checkable
class SelectableResource(Protocol):
    """A resource whose items can be listed with ``select``.

    Any object with a ``select`` method satisfies it (``isinstance`` works). Subclassing it
    explicitly, as co3 0.6.3 code does, inherits a ``select`` that raises.
    """

    def select(self, *args: Any, **kwargs: Any) -> Any:
        """Return the resource's items matching the arguments.

        Raises:
            NotImplementedError: the resource does not implement ``select``.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement select()")
