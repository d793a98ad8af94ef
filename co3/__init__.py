"""co3: a lightweight ORM for hierarchical storage management.

Names load lazily (PEP 562): ``import co3`` imports neither SQLAlchemy nor anything
else heavy until a name that needs it is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.7.0.dev0"

# public name -> module that defines it
_NAMES: dict[str, str] = {
    "CO3": "co3.co3",
    "collate": "co3.co3",
    "Component": "co3.component",
    "Schema": "co3.schema",
    "Engine": "co3.engine",
    "Accessor": "co3.accessor",
    "Manager": "co3.manager",
    "Database": "co3.database",
    "Mapper": "co3.mapper",
    "ComposableMapper": "co3.mapper",
    "Collector": "co3.collector",
    "Indexer": "co3.indexer",
    "Resource": "co3.resource",
    "SelectableResource": "co3.resource",
    "Differ": "co3.differ",
    "Syncer": "co3.syncer",
    "Co3Error": "co3.exceptions",
}

_SUBPACKAGES = (
    "accessors",
    "components",
    "databases",
    "engines",
    "exceptions",
    "managers",
    "resources",
    "schemas",
)

__all__ = [*_NAMES, *_SUBPACKAGES, "__version__"]

if TYPE_CHECKING:
    from co3 import (
        accessors,
        components,
        databases,
        engines,
        exceptions,
        managers,
        resources,
        schemas,
    )
    from co3.accessor import Accessor
    from co3.co3 import CO3, collate
    from co3.collector import Collector
    from co3.component import Component
    from co3.database import Database
    from co3.differ import Differ
    from co3.engine import Engine
    from co3.exceptions import Co3Error
    from co3.indexer import Indexer
    from co3.manager import Manager
    from co3.mapper import ComposableMapper, Mapper
    from co3.resource import Resource, SelectableResource
    from co3.schema import Schema
    from co3.syncer import Syncer


def __getattr__(name: str) -> Any:
    module = _NAMES.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f"co3.{name}")
    else:
        raise AttributeError(f"module 'co3' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
