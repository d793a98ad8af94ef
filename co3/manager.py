"""Manager: the write side of a Database (schema creation, inserts and updates)."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from co3.component import Component
from co3.exceptions import UnsupportedOperationError

if TYPE_CHECKING:
    from co3.engine import Engine
    from co3.schema import Schema

__all__ = ["Manager"]

C = TypeVar("C", bound=Component[Any])


class Manager(Generic[C], metaclass=ABCMeta):
    """Base class of the state-changing operations on a backend."""

    @abstractmethod
    def recreate(self, schema: Schema[C], engine: Engine) -> None:
        """Drop and create again the storage of every component in ``schema``."""

    @abstractmethod
    def insert(self, connection: Any, component: C, *args: Any, **kwargs: Any) -> Any:
        """Insert data into ``component``."""

    def sync(self) -> Any:
        """Not supported by this backend: co3.Syncer keeps resources in step.

        Raises:
            UnsupportedOperationError: always.
        """
        raise UnsupportedOperationError(
            f"{type(self).__name__}.sync() is not supported by this backend; use "
            "co3.Syncer to bring the database in step with another resource."
        )

    def migrate(self) -> Any:
        """Not supported by this backend.

        Raises:
            UnsupportedOperationError: always.
        """
        raise UnsupportedOperationError(
            f"{type(self).__name__}.migrate() is not supported by this backend; recreate "
            "the schema (Database.recreate) or use a migration tool such as Alembic."
        )
