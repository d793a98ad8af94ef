"""Manager backends. The SQL managers load SQLAlchemy on first use only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from co3._lazy import lazy_getattr

if TYPE_CHECKING:
    from co3.managers.sql import RelationalManager, SQLManager

__all__ = ["RelationalManager", "SQLManager"]

_LAZY = {"RelationalManager": "co3.managers.sql", "SQLManager": "co3.managers.sql"}


__getattr__ = lazy_getattr(__name__, _LAZY)
