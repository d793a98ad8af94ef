"""Schema backends. ``SQLSchema`` loads SQLAlchemy on first use only."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from co3.schemas.sql import RelationalSchema, SQLSchema

__all__ = ["RelationalSchema", "SQLSchema"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        value = getattr(importlib.import_module("co3.schemas.sql"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'co3.schemas' has no attribute {name!r}")
