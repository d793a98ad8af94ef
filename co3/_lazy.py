"""Lazy names for package ``__init__`` modules (PEP 562): import on first use."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports each name from its module on first use.

    Args:
        package: the package's ``__name__``.
        names: public name -> the module defining it; a name mapped to
            ``f"{package}.{name}"`` is that submodule itself.

    Returns:
        The function to assign to the package's ``__getattr__``; each value, once
        imported, is stored in the package so later lookups cost nothing.
    """
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        loaded = importlib.import_module(module)
        value = loaded if module == f"{package}.{name}" else getattr(loaded, name)
        namespace[name] = value
        return value

    return __getattr__
