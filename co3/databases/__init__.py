"""Database backends. The SQL databases load SQLAlchemy on first use only."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from co3.databases.sql import RelationalDatabase, SQLDatabase, SQLiteDatabase

__all__ = ["RelationalDatabase", "SQLDatabase", "SQLiteDatabase"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(importlib.import_module("co3.databases.sql"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'co3.databases' has no attribute {name!r}")
