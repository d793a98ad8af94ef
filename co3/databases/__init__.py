"""Database backends. The SQL databases load SQLAlchemy on first use only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from co3._lazy import lazy_getattr

if TYPE_CHECKING:
    from co3.databases.sql import RelationalDatabase, SQLDatabase, SQLiteDatabase

__all__ = ["RelationalDatabase", "SQLDatabase", "SQLiteDatabase"]


__getattr__ = lazy_getattr(__name__, dict.fromkeys(__all__, "co3.databases.sql"))
