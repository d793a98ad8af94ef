"""Open a project's database for browsing: its components, whatever defines them.

Used by ``co3 schema``, ``co3 select`` and co3-tui. The components come from, in order:
the project's own schema (``[schema] entry``), the built-in file index (when its tables
exist), and every other table found by reflection, so any SQLite or PostgreSQL
database can be browsed with no Python schema at all (read-only).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from typing import Any

from co3.exceptions import Co3Error, ConfigError, UnknownComponentError
from co3.project import Project

__all__ = ["Browsable", "open_browsable"]


@dataclass
class Browsable:
    """A database and the components to browse in it.

    Attributes:
        database: the co3 ``SQLDatabase``.
        components: name -> ``SQLTable``, in display order.
        sources: name -> where the component comes from (``file index``,
            ``project schema``, ``reflected``).
        read_only: whether writes are refused.
        title: a short description of the database, for headers (no password).
    """

    database: Any
    components: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    read_only: bool = True
    title: str = ""

    def component(self, name: str) -> Any:
        """The component called ``name``.

        Raises:
            UnknownComponentError: there is none; the message lists those there are.
        """
        try:
            return self.components[name]
        except KeyError:
            known = ", ".join(self.components) or "none"
            raise UnknownComponentError(
                f"there is no component {name!r} in {self.title}; the components are: {known}."
            ) from None

    def close(self) -> None:
        """Release the database's connections."""
        self.database.dispose()


def _load_entry(project: Project) -> Any:
    """The object named by ``[schema] entry``, imported with the project on sys.path."""
    assert project.schema_entry is not None
    module_name, _, attr = project.schema_entry.partition(":")
    sys.path.insert(0, str(project.root))
    try:
        module = importlib.import_module(module_name)
        obj = getattr(module, attr)
    except Exception as exc:
        raise ConfigError(
            f"{project.config_path}: [schema] entry = {project.schema_entry!r} cannot be "
            f"loaded ({type(exc).__name__}: {exc}); fix the module or the entry."
        ) from exc
    finally:
        sys.path.remove(str(project.root))
    if not hasattr(obj, "database") or not hasattr(obj, "schema"):
        raise ConfigError(
            f"{project.config_path}: [schema] entry = {project.schema_entry!r} has no "
            "`database` and `schema` attributes; point it at an object that has both."
        )
    return obj


def open_browsable(
    project: Project | None = None,
    *,
    db_url: str | None = None,
    read_only: bool = True,
    pg_schema: str = "co3",
) -> Browsable:
    """Open the database of ``project`` (or at ``db_url``) and list its components.

    Args:
        project: the project; its ``[schema] entry`` and index settings are used.
        db_url: a database URL to open instead (``--db``): no project needed.
        read_only: open the database read-only.
        pg_schema: the PostgreSQL schema of the file index (the project's setting wins).

    Raises:
        Co3Error: the database cannot be reached, or the schema entry cannot be loaded.
    """
    import sqlalchemy as sa

    from co3.components import SQLTable
    from co3.databases import SQLDatabase
    from co3.fileindex import schema as index_schema
    from co3.schemas import SQLSchema

    if project is not None and project.schema_entry:
        entry = _load_entry(project)
        found = Browsable(
            entry.database, read_only=bool(getattr(entry.database, "read_only", False))
        )
        found.title = "the project's database"
        for component in entry.schema:
            found.components[component.name] = component
            found.sources[component.name] = "project schema"
        return found

    url = db_url or (project.database_url if project is not None else None)
    if url is None:
        raise Co3Error("no database to open; give a project folder or --db URL.")
    if project is not None:
        pg_schema = project.pg_schema
    from co3.fileindex.store import display_url

    shown = display_url(url)
    is_pg = url.startswith("postgres")
    database = SQLDatabase(
        url,
        read_only=read_only,
        execution_options={
            "schema_translate_map": index_schema.translate_map(
                "postgresql" if is_pg else "sqlite", pg_schema
            )
        },
    )
    found = Browsable(database, read_only=read_only, title=shown)
    try:
        with database.engine.connect() as connection:
            inspector = sa.inspect(connection)
            index_at = pg_schema if is_pg else None
            has_index = (not is_pg or pg_schema in inspector.get_schema_names()) and {
                "files",
                "runs",
            } <= set(inspector.get_table_names(schema=index_at))
            if has_index:
                for component in index_schema.schema:
                    found.components[component.name] = component
                    found.sources[component.name] = "file index"
            # The default schema: SQLite's main database, PostgreSQL's search path.
            for component in SQLSchema.reflect(connection):
                name = component.name
                if name in found.components:
                    if not is_pg:
                        continue  # the file index's own tables, already listed
                    name = f"public.{name}"  # a table of the user's with the same name
                found.components[name] = SQLTable(name, component.obj)
                found.sources[name] = "reflected"
    except Co3Error:
        database.dispose()
        raise
    return found
