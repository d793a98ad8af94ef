"""Projects and their configuration: ``co3.toml``, or ``[tool.co3]`` in ``pyproject.toml``.

:func:`load_project` finds, reads and validates the configuration and returns a
:class:`Project`; :func:`write_default_config` writes the commented defaults for
``co3 init``; :mod:`co3._settings` reads and checks the files. ``docs/config.md`` is
the reference of every key. This module is on the path of ``co3 status``: it imports
only light parts of the standard library, and ``tomllib`` only when there is a file to
read.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from co3._settings import (
    ENTRY_PROBLEM,
    HASH_PROBLEM,
    HOST_PROBLEM,
    IDENTIFIER_PROBLEM,
    MAX_DELETE_PROBLEM,
    PATTERNS_PROBLEM,
    Reader,
    check_entry,
    check_flag,
    check_host,
    check_identifier,
    check_patterns,
    check_text,
    cwd,
    default_host,
    project_folder,
    pyproject_table,
    read_toml,
    resolve_database_url,
)
from co3._settings import SECTIONS as _SECTIONS  # noqa: F401  (tests check docs/config.md)
from co3._urls import display_url
from co3.exceptions import ConfigError

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_CONFIG",
    "DEFAULT_DATABASE_URL",
    "HASH_POLICIES",
    "INDEX_DIR",
    "DeleteLimit",
    "HashPolicy",
    "Project",
    "Root",
    "find_project_dir",
    "load_project",
    "write_default_config",
]

CONFIG_FILE = "co3.toml"
PYPROJECT_FILE = "pyproject.toml"
INDEX_DIR = ".co3"
DEFAULT_DATABASE_URL = "sqlite:///.co3/index.db"
HashPolicy = Literal["never", "auto", "always"]
HASH_POLICIES: tuple[HashPolicy, ...] = ("never", "auto", "always")

# What `co3 init` writes; docs/config.md shows the same text (a test keeps them equal).
DEFAULT_CONFIG = """\
# co3 project configuration. Every key is optional; the values shown are the defaults.
# Reference of every key: docs/config.md in the co3 repository.

[database]
# SQLAlchemy URL of the index. A relative SQLite path resolves from this folder.
url = "sqlite:///.co3/index.db"
# url = "postgresql+psycopg://user@host/dbname"
# PostgreSQL only: the schema holding the index's tables.
schema = "co3"

[disk]
# Folders to index: paths relative to this folder, or tables such as
# {path = "../photos", name = "photos"}. A root's name defaults to the last part of
# its resolved path; two roots may not share a name.
roots = ["."]
# Recorded with every row, so several machines can share one database.
# host = "laptop"        # default: this machine's host name
# gitignore-style patterns; .co3/ is always excluded.
ignore = []
# Exclude .git/ folders; set to false to index them too.
ignore_git = true
follow_symlinks = false

[diff]
# When to hash file contents: "never", "auto" (only files whose stat changed or whose
# mtime is too recent to trust) or "always".
hash = "auto"

[sync]
# Refuse, unless forced, a sync that would delete more than this share ("50%") or
# number (e.g. 1000) of a root's rows.
max_delete = "50%"

[schema]
# An object with `database` and `schema` (optionally `differ` and `syncer`), imported
# with the project folder on sys.path; without it, co3 uses its built-in file index.
# entry = "mypkg.index:project"
"""

_SHARE = re.compile(r"(\d{1,3})(?:\.(\d{1,6}))?%")


@dataclass(frozen=True)
class Root:
    """A folder whose files the project indexes: its name in the index and its path."""

    name: str
    path: Path


@dataclass(frozen=True)
class DeleteLimit:
    """``[sync] max_delete``: how many of a root's rows one sync may delete unforced.

    Either ``count`` rows, or the share ``numerator / denominator`` of the root's rows,
    kept exact and reduced (``"12.5%"`` is 1/8). The default is 50%.
    """

    count: int | None = None
    numerator: int = 1
    denominator: int = 2

    def limit(self, row_count: int) -> int:
        """The most deletes allowed among ``row_count`` rows; a plan deleting more is refused."""
        if self.count is not None:
            return self.count
        return row_count * self.numerator // self.denominator

    def __str__(self) -> str:
        if self.count is not None:
            return str(self.count)
        whole, part = divmod(self.numerator * 100, self.denominator)
        decimals = f"{part / self.denominator:.6f}"[2:].rstrip("0") if part else ""
        return f"{whole}.{decimals}%" if decimals else f"{whole}%"


@dataclass(frozen=True, kw_only=True)
class Project:
    """A project: its folder, its roots, its index, and the settings of diff and sync.

    Attributes:
        root: The project folder, absolute and resolved.
        config_path: The file the settings came from, or None when there is none.
        database_url: The index's SQLAlchemy URL, a relative SQLite path made absolute.
        pg_schema: The PostgreSQL schema holding the index's tables.
        roots: The folders to index, names unique, paths absolute and resolved.
        host: The host name recorded with every row.
        ignore: The configured gitignore-style patterns (see :attr:`ignore_patterns`).
        ignore_git: Whether ``.git/`` folders are excluded.
        follow_symlinks: Whether the scan follows symbolic links (never out of a root).
        hash_policy: When file contents are hashed.
        max_delete: The mass-delete guard's limit (see :meth:`delete_limit`).
        schema_entry: ``"module:attribute"`` naming the project's own schema, or None.
        shadowed_config: A ``pyproject.toml`` whose ``[tool.co3]`` is ignored because
            ``co3.toml`` exists (worth a warning), or None.
    """

    root: Path
    config_path: Path | None = None
    database_url: str
    pg_schema: str = "co3"
    roots: tuple[Root, ...]
    host: str
    ignore: tuple[str, ...] = ()
    ignore_git: bool = True
    follow_symlinks: bool = False
    hash_policy: HashPolicy = "auto"
    max_delete: DeleteLimit = DeleteLimit()
    schema_entry: str | None = None
    shadowed_config: Path | None = None

    @property
    def index_dir(self) -> Path:
        """``.co3/`` in the project folder: the default index and its bookkeeping files."""
        return self.root / INDEX_DIR

    @property
    def ignore_patterns(self) -> tuple[str, ...]:
        """Every pattern the scan applies, in order, the last match winning as in gitignore.

        ``.git/`` first (unless :attr:`ignore_git` is false), then :attr:`ignore`, then
        ``.co3/`` last, so that no configured pattern can bring the index folder back.
        """
        return (*((".git/",) if self.ignore_git else ()), *self.ignore, f"{INDEX_DIR}/")

    @property
    def display_url(self) -> str:
        """:attr:`database_url` with any password replaced by ``***``, for messages."""
        return display_url(self.database_url)

    @property
    def identity(self) -> str:
        """A stable string naming this project: folder, host, roots and database (no password).

        Two loads of one configuration on one machine give the same string; a saved plan
        carries it so that applying the plan to another project can be refused.
        """
        import json

        return json.dumps(
            {
                "root": str(self.root),
                "host": self.host,
                "database": display_url(self.database_url, mask=None),
                "roots": [[root.name, str(root.path)] for root in self.roots],
            },
            ensure_ascii=True,
            sort_keys=True,
        )

    def delete_limit(self, row_count: int) -> int:
        """The most rows one sync may delete from a root holding ``row_count`` rows."""
        return self.max_delete.limit(row_count)


def find_project_dir(start: str | os.PathLike[str] | None = None) -> Path:
    """Finds the project that ``start`` (default: the current folder) belongs to.

    Returns:
        The nearest folder, from ``start`` up to the filesystem root, that holds
        ``co3.toml``, a ``pyproject.toml`` with ``[tool.co3]`` or a ``.co3/`` folder;
        ``start`` itself (resolved) when none does.

    Raises:
        ConfigError: ``start`` is not an existing folder, or a ``pyproject.toml`` on the
            way mentions co3 but is not valid TOML.
    """
    here = project_folder(start)
    for folder in (here, *here.parents):
        if (
            (folder / CONFIG_FILE).exists()
            or (folder / INDEX_DIR).is_dir()
            or pyproject_table(folder / PYPROJECT_FILE) is not None
        ):
            return folder
    return here


def load_project(
    project_dir: str | os.PathLike[str] | None = None, *, db_url: str | None = None
) -> Project:
    """Loads and validates a project's configuration.

    Args:
        project_dir: The project folder, used as given. None (the default) searches from
            the current folder upwards, as git does (see :func:`find_project_dir`).
        db_url: A URL that overrides ``[database] url`` (the ``--db`` option); a relative
            SQLite path in it resolves from the current folder, like any path typed in
            a shell.

    Returns:
        The project. Loading reads files and stats the roots; it never writes.

    Raises:
        ConfigError: The folder is missing or a file, a setting is wrong, or ``db_url``
            is not a database URL; the message names the file, the key and what to do.
    """
    root = find_project_dir() if project_dir is None else project_folder(project_dir)
    config_path: Path | None = root / CONFIG_FILE
    shadowed = None
    if config_path is not None and config_path.exists():
        settings, prefix = read_toml(config_path), ""
        try:
            if pyproject_table(root / PYPROJECT_FILE) is not None:
                shadowed = root / PYPROJECT_FILE
        except ConfigError:
            pass  # co3.toml wins: a broken pyproject.toml is not co3's business
    elif (table := pyproject_table(root / PYPROJECT_FILE)) is not None:
        settings, prefix, config_path = table, "tool.co3.", root / PYPROJECT_FILE
    else:
        settings, prefix, config_path = {}, "", None
    read = Reader(config_path, prefix, settings)
    if db_url is not None:
        database_url = resolve_database_url(db_url, cwd(), "--db")
    else:
        url = read("database", "url", DEFAULT_DATABASE_URL, check_text, "must be a string")
        where = f"{config_path}: {read.key('database', 'url')} ="
        database_url = resolve_database_url(url, root, where)
    patterns: tuple[str, ...] = ()
    patterns = read("disk", "ignore", patterns, check_patterns, PATTERNS_PROBLEM)
    return Project(
        root=root,
        config_path=config_path,
        database_url=database_url,
        pg_schema=read("database", "schema", "co3", check_identifier, IDENTIFIER_PROBLEM),
        roots=tuple(Root(name, path) for name, path in read.roots(root)),
        host=read("disk", "host", "", check_host, HOST_PROBLEM) or default_host(),
        ignore=patterns,
        ignore_git=read("disk", "ignore_git", True, check_flag, "must be true or false"),
        follow_symlinks=read("disk", "follow_symlinks", False, check_flag, "must be true or false"),
        hash_policy=read("diff", "hash", "auto", _hash_policy, HASH_PROBLEM),
        max_delete=read("sync", "max_delete", DeleteLimit(), _delete_limit, MAX_DELETE_PROBLEM),
        schema_entry=read("schema", "entry", None, check_entry, ENTRY_PROBLEM),
        shadowed_config=shadowed,
    )


def write_default_config(
    project_dir: str | os.PathLike[str], *, database_url: str | None = None
) -> Path:
    """Writes :data:`DEFAULT_CONFIG` to ``co3.toml`` in ``project_dir`` (for ``co3 init``).

    Args:
        project_dir: The project folder.
        database_url: A URL to record as ``[database] url`` instead of the default.

    Returns:
        The path of the new file.

    Raises:
        ConfigError: The folder does not exist, or already has a ``co3.toml`` or a
            ``pyproject.toml`` with ``[tool.co3]`` (nothing is overwritten).
    """
    folder = project_folder(project_dir)
    path = folder / CONFIG_FILE
    if pyproject_table(folder / PYPROJECT_FILE) is not None:
        raise ConfigError(
            f"{folder / PYPROJECT_FILE} already configures co3 in [tool.co3]; "
            f"edit it there instead of creating {CONFIG_FILE}."
        )
    try:
        text = DEFAULT_CONFIG
        if database_url is not None:
            default = f'url = "{DEFAULT_DATABASE_URL}"'
            text = text.replace(default, f"url = {json.dumps(database_url)}", 1)
        with path.open("x", encoding="utf-8") as file:
            file.write(text)
    except FileExistsError:
        raise ConfigError(f"{path} already exists; edit it, or remove it to start over.") from None
    except OSError as exc:
        raise ConfigError(f"{path} cannot be written ({exc.strerror}); check the folder.") from None
    return path


# Checks of values that become this module's types; the others live in co3._settings.
def _hash_policy(value: Any) -> HashPolicy | None:
    return next((policy for policy in HASH_POLICIES if value == policy), None)


def _delete_limit(value: Any) -> DeleteLimit | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return DeleteLimit(count=value) if value >= 0 else None
    match = _SHARE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    decimals = match[2] or ""
    numerator, denominator = int(match[1] + decimals), 100 * 10 ** len(decimals)
    if numerator > denominator:
        return None
    common = math.gcd(numerator, denominator)
    return DeleteLimit(numerator=numerator // common, denominator=denominator // common)
