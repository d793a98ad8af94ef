"""Manager backends. The SQL managers load SQLAlchemy on first use only."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from co3.managers.sql import RelationalManager, SQLManager

__all__ = ["RelationalManager", "SQLManager"]

_LAZY = {"RelationalManager": "co3.managers.sql", "SQLManager": "co3.managers.sql"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'co3.managers' has no attribute {name!r}")
