"""Engine backends. ``SQLEngine`` loads SQLAlchemy on first use only."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from co3.engines.sql import SQLEngine

__all__ = ["SQLEngine"]

_LAZY = {"SQLEngine": "co3.engines.sql"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'co3.engines' has no attribute {name!r}")
