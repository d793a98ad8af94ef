"""Accessor: read-only queries against a backend's components."""

from __future__ import annotations

import math
import threading
import time
from abc import ABCMeta, abstractmethod
from collections.abc import Hashable
from typing import Any, ClassVar, Generic, TypeVar

from co3.component import Component

__all__ = ["Accessor"]

C = TypeVar("C", bound=Component[Any])


class Accessor(Generic[C], metaclass=ABCMeta):
    """Base class of the read side of a Database.

    Attributes:
        access_log: time (``time.time()``) -> text of each query run, newest last;
            only the latest :attr:`access_log_size` entries are kept.
    """

    access_log_size: ClassVar[int] = 1000

    def __init__(self) -> None:
        self.access_log: dict[float, str] = {}
        self._log_lock = threading.Lock()

    def log_access(self, stmt: object) -> None:
        """Record ``stmt`` (its text) in :attr:`access_log`."""
        text = f"{stmt}"
        with self._log_lock:
            stamp = time.time()
            while stamp in self.access_log:
                stamp = math.nextafter(stamp, math.inf)
            self.access_log[stamp] = text
            while len(self.access_log) > self.access_log_size:
                del self.access_log[next(iter(self.access_log))]

    def cache_key(self, component: C, **query: Any) -> Hashable:
        """A hashable key naming the result of ``select(component, **query)``.

        Equal keys mean equal queries; backends override this with something exact
        (the SQL accessor uses the compiled statement and its parameters).
        """
        return (type(component).__name__, component.name, repr(sorted(query.items())))

    @abstractmethod
    def raw_select(self, connection: Any, text: str, *args: Any, **kwargs: Any) -> Any:
        """Run a query written in the backend's own language."""

    @abstractmethod
    def select(self, connection: Any, component: C, *args: Any, **kwargs: Any) -> Any:
        """Select rows (or items) of ``component``."""
