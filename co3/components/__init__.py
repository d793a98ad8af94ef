"""Component types: relations, SQL tables, key-value stores, documents and nodes.

``SQLTable`` and ``FTSTable`` load SQLAlchemy on first use only.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'co3.components' has no attribute {name!r}")
