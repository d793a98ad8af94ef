"""Accessor backends. The SQL accessors load SQLAlchemy on first use only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from co3._lazy import lazy_getattr

if TYPE_CHECKING:
    from co3.accessors.sql import Page, RelationalAccessor, SQLAccessor

__all__ = ["Page", "RelationalAccessor", "SQLAccessor"]

_LAZY = {
    "Page": "co3.accessors.sql",
    "RelationalAccessor": "co3.accessors.sql",
    "SQLAccessor": "co3.accessors.sql",
}


__getattr__ = lazy_getattr(__name__, _LAZY)
