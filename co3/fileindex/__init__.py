"""The built-in file index: the disk scanner, content hashing, and the index's tables.

Names load lazily (PEP 562), so importing the scanner pulls in neither SQLAlchemy nor
pathspec nor blake3 until they are needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from co3._lazy import lazy_getattr

__all__ = ["WalkError", "hash_file", "hash_files", "iter_items", "stat_entry", "walk"]

_NAMES = {
    "WalkError": "co3.fileindex.walk",
    "iter_items": "co3.fileindex.walk",
    "stat_entry": "co3.fileindex.walk",
    "walk": "co3.fileindex.walk",
    "hash_file": "co3.fileindex.hashing",
    "hash_files": "co3.fileindex.hashing",
}

if TYPE_CHECKING:
    from co3.fileindex.hashing import hash_file, hash_files
    from co3.fileindex.walk import WalkError, iter_items, stat_entry, walk


__getattr__ = lazy_getattr(__name__, _NAMES)
