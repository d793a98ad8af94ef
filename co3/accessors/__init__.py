"""Accessor backends. The SQL accessors load SQLAlchemy on first use only."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from co3.accessors.sql import Page, RelationalAccessor, SQLAccessor

__all__ = ["Page", "RelationalAccessor", "SQLAccessor"]

_LAZY = {
    "Page": "co3.accessors.sql",
    "RelationalAccessor": "co3.accessors.sql",
    "SQLAccessor": "co3.accessors.sql",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'co3.accessors' has no attribute {name!r}")
