"""What the command line asked for: read by the app, built before Textual is imported."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Options"]


@dataclass(frozen=True)
class Options:
    """How to open the database, and what to show first.

    Attributes:
        project: the loaded ``co3.project.Project``, or None with ``db_url`` alone.
        db_url: a database URL to browse with no project (``--db`` alone): reflected,
            read-only.
        read_only: open the database read-only (``--read-only``).
        open_component: the component whose rows to show first (``--open``).
        demo: build the demo project first (``--demo``), in ``demo_dir``; then
            ``project`` is None and the demo's project is loaded once it is built.
        demo_dir: the demo's folder; None until the command has made a temporary one.
    """

    project: Any = None
    db_url: str | None = None
    read_only: bool = False
    open_component: str | None = None
    demo: bool = False
    demo_dir: Path | None = None

    @property
    def folder(self) -> Path | None:
        """The project folder, if there is one."""
        if self.demo_dir is not None:
            return self.demo_dir
        return None if self.project is None else Path(self.project.root)
