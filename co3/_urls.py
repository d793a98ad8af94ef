"""Database URLs shown to people: never with their password."""

from __future__ import annotations

import re

__all__ = ["display_url"]

# ":password@" after the user name, as SQLAlchemy's URL parser reads it (a password may
# hold ":" and "/").
_PASSWORD = re.compile(r"(://[^:/@]*):[^@]*@")


def display_url(url: str, mask: str | None = "***") -> str:
    """``url`` with its password replaced by ``mask`` (or removed when ``mask`` is None)."""
    return _PASSWORD.sub(r"\1@" if mask is None else rf"\1:{mask}@", url, count=1)
