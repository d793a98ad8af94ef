"""Database: one roof over an Engine, an Accessor, a Manager and an Indexer.

``db.select(...)`` and ``db.insert(...)`` open a connection of their own; to run
several operations on one connection, use the parts directly::

    with db.engine.connect() as connection:
        rows = db.accessor.select(connection, component)
        db.manager.insert(connection, component, rows)
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from co3.accessor import Accessor
from co3.component import Component
from co3.engine import Engine
from co3.exceptions import UnsupportedOperationError
from co3.indexer import Indexer
from co3.manager import Manager

if TYPE_CHECKING:
    from co3.schema import Schema

__all__ = ["Database"]

C = TypeVar("C", bound=Component[Any])


class Database(Generic[C]):
    """A storage backend's engine, accessor, manager and indexer.

    Subclasses choose the parts with the class attributes ``_engine_cls``,
    ``_accessor_cls`` and ``_manager_cls``. Every transaction committed through the
    engine clears the Indexer's caches.

    Args:
        engine_args: passed on to the engine class.
        engine_kwargs: passed on to the engine class.
    """

    _accessor_cls: type[Accessor[Any]] = Accessor  # type: ignore[type-abstract]
    _manager_cls: type[Manager[Any]] = Manager  # type: ignore[type-abstract]
    _engine_cls: type[Engine] = Engine

    def __init__(self, *engine_args: Any, **engine_kwargs: Any) -> None:
        self.engine = self._engine_cls(*engine_args, **engine_kwargs)
        self.accessor = self._accessor_cls()
        self.manager = self._manager_cls()
        self.indexer = Indexer(self.accessor, engine=self.engine)
        self.engine.add_commit_listener(self._invalidate)

    def _invalidate(self) -> None:
        self.indexer.cache_clear()

    @property
    def read_only(self) -> bool:
        """Whether the database was opened read-only."""
        return self.engine.read_only

    def raw_query(self, connection: Any, query: Any) -> Any:
        """Run a query in the backend's own language.

        Raises:
            UnsupportedOperationError: the backend has no query language.
        """
        raise UnsupportedOperationError(f"{type(self).__name__} has no raw query language.")

    def select(self, component: C, *args: Any, **kwargs: Any) -> Any:
        """``accessor.select`` on a connection of its own (same arguments after it)."""
        with self.engine.connect() as connection:
            return self.accessor.select(connection, component, *args, **kwargs)

    def insert(self, component: C, *args: Any, **kwargs: Any) -> Any:
        """``manager.insert`` on a connection of its own (same arguments after it)."""
        try:
            with self.engine.connect() as connection:
                return self.manager.insert(connection, component, *args, **kwargs)
        finally:
            self._invalidate()

    def recreate(self, schema: Schema[C]) -> None:
        """Drop and create again the storage of every component in ``schema``."""
        try:
            self.manager.recreate(schema, self.engine)
        finally:
            self._invalidate()

    def dispose(self) -> None:
        """Close the connections the engine keeps open (the database stays usable)."""
        self.engine.dispose()

    def __enter__(self) -> Database[C]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.engine!r}>"
