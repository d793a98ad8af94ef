"""Resource backends, one module each."""

from __future__ import annotations

from co3.resources.disk import DiskResource

__all__ = ["DiskResource"]
