"""Opening what the command line named: the demo, a project's database, or a bare URL.

Runs in a thread worker (it imports SQLAlchemy and connects); touches no widget.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.text import Text

from co3.exceptions import Co3Error
from co3_tui.options import Options
from co3_tui.values import ColumnFormat, formats_for

__all__ = ["Opened", "describe_database", "open_database", "short_path", "where_line"]


@dataclass
class Opened:
    """An open database and what the screens need to show it.

    Attributes:
        browsable: the ``co3.browse.Browsable``.
        project: the project (None with ``--db`` alone).
        formats: component name -> how each column is shown.
        start: the component to show first (None when there is none).
        problem: a sentence for the user when ``--open`` named no component.
    """

    browsable: Any
    project: Any
    formats: dict[str, list[ColumnFormat]] = field(default_factory=dict)
    start: str | None = None
    problem: str | None = None

    def close(self) -> None:
        """Release the database's connections."""
        self.browsable.close()

    @property
    def root(self) -> Path | None:
        """The project's folder (None with ``--db`` alone)."""
        root: Path | None = None if self.project is None else self.project.root
        return root

    def key_order(self, component: str) -> str:
        """The columns ``component``'s rows come in unsorted: its key, else the row id."""
        keys = self.browsable.component(component).obj.primary_key
        dialect = self.browsable.database.engine.engine.dialect.name
        return ", ".join(c.name for c in keys) or ("ctid" if dialect == "postgresql" else "rowid")


def short_path(path: str | os.PathLike[str]) -> str:
    """``path`` with the home folder written ``~``."""
    text = os.fspath(path)
    home = os.path.expanduser("~")
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home) :]
    return text


def describe_database(url: str, project_root: Path | None) -> str:
    """A short name for the database: ``sqlite .co3/index.db``, ``postgresql user@host/db``."""
    from co3.fileindex.store import display_url

    shown = display_url(url)
    scheme, _, rest = shown.partition("://")
    backend = scheme.split("+", 1)[0]
    if backend == "sqlite":
        path = rest[1:] if rest.startswith("/") else rest
        path = path.split("?", 1)[0] or ":memory:"
        if project_root is not None and path.startswith(str(project_root) + os.sep):
            path = path[len(str(project_root)) + 1 :]
        else:
            path = short_path(path)
        return f"sqlite {path}"
    return f"{backend} {rest}"


def where_line(options: Options, opened: Opened | None) -> Text:
    """``co3 · folder · database``: what the app looks at, for the top line."""
    parts = [("co3", "bold")]
    folder = options.folder
    if folder is not None:
        parts.append((f" · {short_path(folder)}", ""))
    url = options.db_url
    if opened is not None and opened.project is not None:
        url = opened.project.database_url
    if url is not None:
        root = opened.project.root if opened is not None and opened.project else None
        parts.append((f" · {describe_database(url, root)}", "dim"))
    return Text.assemble(*parts)


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    rest = url.split("://", 1)[1]
    path = rest[1:].split("?", 1)[0] if rest.startswith("/") else ""
    return Path(path) if path and path != ":memory:" else None


def open_database(options: Options) -> Opened:
    """Build the demo if asked, load the project, open its database, list its components.

    Raises:
        Co3Error: the demo, the project or the database cannot be opened; the message
            says what to do.
    """
    from co3.browse import open_browsable
    from co3.project import load_project

    project = options.project
    if options.demo:
        from co3_tui.demo import DemoError, build_demo

        assert options.demo_dir is not None
        try:
            project = load_project(build_demo(options.demo_dir))
        except DemoError as exc:
            raise Co3Error(str(exc)) from None
    if project is None:
        assert options.db_url is not None
        browsable = open_browsable(db_url=options.db_url, read_only=True)
    else:
        index = _sqlite_file(project.database_url)
        if project.schema_entry is None and index is not None and not index.exists():
            raise Co3Error(
                f"there is no index at {short_path(index)} yet; run co3 sync in "
                f"{short_path(project.root)} to create it, then start co3-tui again."
            )
        browsable = open_browsable(project, read_only=options.read_only)
    try:
        dialect = browsable.database.engine.engine.dialect
        opened = Opened(browsable, project)
        for component_name, component in browsable.components.items():
            opened.formats[component_name] = formats_for(
                list(component.obj.columns),
                file_index=browsable.sources.get(component_name) == "file index",
                dialect=dialect,
            )
        opened.start = next(iter(browsable.components), None)
        name = options.open_component
        if name is not None:
            if name in browsable.components:
                opened.start = name
            else:
                where = describe_database(
                    project.database_url if project is not None else browsable.title,
                    None if project is None else Path(project.root),
                )
                known = ", ".join(browsable.components) or "none"
                opened.problem = (
                    f"there is no component {name!r} in {where}; the components are: {known}."
                )
    except BaseException:
        browsable.close()
        raise
    return opened
