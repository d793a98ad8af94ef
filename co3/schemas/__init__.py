"""Schema backends. ``SQLSchema`` loads SQLAlchemy on first use only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from co3._lazy import lazy_getattr

if TYPE_CHECKING:
    from co3.schemas.sql import RelationalSchema, SQLSchema

__all__ = ["RelationalSchema", "SQLSchema"]


__getattr__ = lazy_getattr(__name__, dict.fromkeys(__all__, "co3.schemas.sql"))
