"""co3: a lightweight ORM for hierarchical storage management.

Names load lazily (PEP 562): ``import co3`` imports neither SQLAlchemy nor anything
else heavy until a name that needs it is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from co3._lazy import lazy_getattr

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

__all__ = [
    "CO3",
    "Accessor",
    "Co3Error",
    "Collector",
    "Component",
    "ComposableMapper",
    "Database",
    "Differ",
    "Engine",
    "Indexer",
    "Manager",
    "Mapper",
    "Resource",
    "Schema",
    "SelectableResource",
    "Syncer",
    "__version__",
    "accessors",
    "collate",
    "components",
    "databases",
    "engines",
    "exceptions",
    "managers",
    "resources",
    "schemas",
]

if TYPE_CHECKING:
    from co3 import accessors as accessors
    from co3 import components as components
    from co3 import databases as databases
    from co3 import engines as engines
    from co3 import exceptions as exceptions
    from co3 import managers as managers
    from co3 import resources as resources
    from co3 import schemas as schemas
    from co3.accessor import Accessor as Accessor
    from co3.co3 import CO3 as CO3
    from co3.co3 import collate as collate
    from co3.collector import Collector as Collector
    from co3.component import Component as Component
    from co3.database import Database as Database
    from co3.differ import Differ as Differ
    from co3.engine import Engine as Engine
    from co3.exceptions import Co3Error as Co3Error
    from co3.indexer import Indexer as Indexer
    from co3.manager import Manager as Manager
    from co3.mapper import ComposableMapper as ComposableMapper
    from co3.mapper import Mapper as Mapper
    from co3.resource import Resource as Resource
    from co3.resource import SelectableResource as SelectableResource
    from co3.schema import Schema as Schema
    from co3.syncer import Syncer as Syncer


__getattr__ = lazy_getattr(__name__, {**_NAMES, **{name: f"co3.{name}" for name in _SUBPACKAGES}})


def __dir__() -> list[str]:
    return sorted(__all__)
