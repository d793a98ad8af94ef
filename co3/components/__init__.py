"""Component types: relations, SQL tables, key-value stores, documents and nodes.

``SQLTable`` and ``FTSTable`` load SQLAlchemy on first use only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from co3._lazy import lazy_getattr
from co3.components.relation import (
    ComposableComponent,
    Dictionary,
    Document,
    Node,
    Relation,
)

if TYPE_CHECKING:
    from co3.components.sql import FTSTable, SQLTable

__all__ = [
    "ComposableComponent",
    "Dictionary",
    "Document",
    "FTSTable",
    "Node",
    "Relation",
    "SQLTable",
]

_LAZY = {"SQLTable": "co3.components.sql", "FTSTable": "co3.components.sql"}


__getattr__ = lazy_getattr(__name__, _LAZY)
