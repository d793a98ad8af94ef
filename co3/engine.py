"""Engine: opens connections to a storage backend.

An Engine wraps the backend's own connection machinery, which co3 0.6.3 calls the
engine's *manager* (for SQL, a SQLAlchemy engine; not to be confused with
:class:`co3.manager.Manager`). The manager is built lazily, once, by
:meth:`Engine._create_manager`, from the arguments the Engine was given.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

__all__ = ["Engine"]


class Engine:
    """Base class of connection managers for one storage backend.

    Args:
        manager_args: positional arguments kept as ``self._manager_args`` for
            :meth:`_create_manager`.
        manager_kwargs: keyword arguments kept as ``self._manager_kwargs``.
    """

    def __init__(self, *manager_args: Any, **manager_kwargs: Any) -> None:
        self._manager: Any = None
        self._manager_args = manager_args
        self._manager_kwargs = manager_kwargs
        self._manager_lock = threading.Lock()
        self._commit_listeners: list[Callable[[], None]] = []

    @property
    def manager(self) -> Any:
        """The backend's connection manager, created on first use."""
        if self._manager is None:
            with self._manager_lock:
                if self._manager is None:
                    self._manager = self._create_manager()
        return self._manager

    def _create_manager(self) -> Any:
        """Build the backend's connection manager; called once, by :attr:`manager`.

        Subclasses read ``self._manager_args`` and ``self._manager_kwargs`` here.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define _create_manager()")

    @property
    def read_only(self) -> bool:
        """Whether the engine refuses writes."""
        return False

    def connect(self, timeout: float | None = None) -> AbstractContextManager[Any]:
        """A connection to the backend, to use in a ``with`` block.

        Args:
            timeout: seconds to wait for the backend, or None for the engine's default.
        """
        raise NotImplementedError(f"{type(self).__name__} does not define connect()")

    def add_commit_listener(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every transaction committed through this engine."""
        self._commit_listeners.append(callback)

    def _notify_commit(self) -> None:
        for callback in list(self._commit_listeners):
            callback()

    def dispose(self) -> None:
        """Close the connections the engine keeps open (it stays usable)."""
