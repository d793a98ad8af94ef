"""Engine backends. ``SQLEngine`` loads SQLAlchemy on first use only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from co3._lazy import lazy_getattr

if TYPE_CHECKING:
    from co3.engines.sql import SQLEngine

__all__ = ["SQLEngine"]

_LAZY = {"SQLEngine": "co3.engines.sql"}


__getattr__ = lazy_getattr(__name__, _LAZY)
