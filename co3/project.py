"""Projects and their configuration: ``co3.toml``, or ``[tool.co3]`` in ``pyproject.toml``.

:func:`load_project` finds, reads and validates the configuration and returns a
:class:`Project`; :func:`write_default_config` writes the commented defaults for
``co3 init``. ``docs/config.md`` is the reference of every key. This module is on the
path of ``co3 status``: it imports only light parts of the standard library, and
``tomllib`` only when there is a file to read.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

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

_SECTIONS: dict[str, tuple[str, ...]] = {
    "database": ("url", "schema"),
    "disk": ("roots", "host", "ignore", "ignore_git", "follow_symlinks"),
    "diff": ("hash",),
    "sync": ("max_delete",),
    "schema": ("entry",),
}
_ROOT_KEYS = ("path", "name")
_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://(.*)", re.DOTALL)
_SHARE = re.compile(r"(\d{1,3})(?:\.(\d{1,6}))?%")
_T = TypeVar("_T")


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
    here = _project_folder(start)
    for folder in (here, *here.parents):
        if (
            (folder / CONFIG_FILE).exists()
            or (folder / INDEX_DIR).is_dir()
            or _pyproject_table(folder / PYPROJECT_FILE) is not None
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
    root = find_project_dir() if project_dir is None else _project_folder(project_dir)
    config_path: Path | None = root / CONFIG_FILE
    shadowed = None
    if config_path is not None and config_path.exists():
        settings, prefix = _read_toml(config_path), ""
        try:
            if _pyproject_table(root / PYPROJECT_FILE) is not None:
                shadowed = root / PYPROJECT_FILE
        except ConfigError:
            pass  # co3.toml wins: a broken pyproject.toml is not co3's business
    elif (table := _pyproject_table(root / PYPROJECT_FILE)) is not None:
        settings, prefix, config_path = table, "tool.co3.", root / PYPROJECT_FILE
    else:
        settings, prefix, config_path = {}, "", None
    read = _Reader(config_path, prefix, settings)
    if db_url is not None:
        database_url = _database_url(db_url, _cwd(), "--db")
    else:
        url = read("database", "url", DEFAULT_DATABASE_URL, _text, "must be a string")
        database_url = _database_url(url, root, f"{config_path}: {read.key('database', 'url')} =")
    patterns: tuple[str, ...] = ()
    patterns = read("disk", "ignore", patterns, _patterns, _PATTERNS)
    return Project(
        root=root,
        config_path=config_path,
        database_url=database_url,
        pg_schema=read("database", "schema", "co3", _identifier, _IDENTIFIER),
        roots=read.roots(root),
        host=read("disk", "host", "", _host, _HOST) or _default_host(),
        ignore=patterns,
        ignore_git=read("disk", "ignore_git", True, _flag, "must be true or false"),
        follow_symlinks=read("disk", "follow_symlinks", False, _flag, "must be true or false"),
        hash_policy=read("diff", "hash", "auto", _hash_policy, _HASH),
        max_delete=read("sync", "max_delete", DeleteLimit(), _delete_limit, _MAX_DELETE),
        schema_entry=read("schema", "entry", None, _entry, _ENTRY),
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
    folder = _project_folder(project_dir)
    path = folder / CONFIG_FILE
    if _pyproject_table(folder / PYPROJECT_FILE) is not None:
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


# Checks of single values: each returns the value to use, or None when it is not allowed.
def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _identifier(value: Any) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", value):
        return value
    return None


def _host(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() and not _has_control(value) else None


def _patterns(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(
        isinstance(item, str) and not any(char in item for char in "\n\r\0") for item in value
    ):
        return tuple(value)
    return None


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


def _entry(value: Any) -> str | None:
    if not isinstance(value, str) or value.count(":") != 1:
        return None
    module, attribute = value.split(":")
    parts = (*module.split("."), *attribute.split("."))
    return value if all(part.isidentifier() for part in parts) else None


_PATTERNS = 'must be a list of one-line gitignore-style patterns, such as ["*.tmp", "build/"]'
_HOST = "must be a name without control characters (leave it out to use this machine's name)"
_HASH = 'is not allowed; use "never", "auto" or "always"'
_MAX_DELETE = 'is not allowed; use a share from "0%" to "100%" or a number of rows, such as 1000'
_ENTRY = 'must be "module:attribute", such as "mypkg.index:project"'
_IDENTIFIER = 'must be a plain SQL name (letters, digits and "_"), such as "co3"'


class _Reader:
    """Reads and checks the settings of one file, naming that file in every error."""

    def __init__(self, path: Path | None, prefix: str, settings: dict[str, Any]) -> None:
        self.path = path
        self.prefix = prefix
        self.sections: dict[str, dict[str, Any]] = {}
        top = f"[{prefix[:-1]}] " if prefix else ""
        for name, value in settings.items():
            home = next((s for s, keys in _SECTIONS.items() if name in keys), None)
            if name in _SECTIONS and not isinstance(value, dict):
                raise self.error(f"{top}{name}", value, f"must be the table [{prefix}{name}]")
            if name in _SECTIONS:
                self.sections[name] = value
                for key, item in value.items():
                    if key not in _SECTIONS[name]:
                        raise self.unknown(self.key(name, key), item, key, _SECTIONS[name])
            elif home is not None:
                raise self.error(f"{top}{name}", value, f"belongs under [{prefix}{home}]")
            elif isinstance(value, dict):
                sections = [f"[{prefix}{section}]" for section in _SECTIONS]
                raise self.unknown(f"[{prefix}{name}]", None, f"[{prefix}{name}]", sections)
            else:
                raise self.unknown(f"{top}{name}", value, name, ())

    def __call__(
        self, section: str, key: str, default: _T, check: Callable[[Any], _T | None], problem: str
    ) -> _T:
        """The value of ``[section] key``, ``default`` when absent; raises ``problem``."""
        value = self.sections.get(section, {}).get(key)
        if value is None:
            return default
        checked = check(value)
        if checked is None:
            raise self.error(self.key(section, key), value, problem)
        return checked

    def key(self, section: str, key: str) -> str:
        return f"[{self.prefix}{section}] {key}"

    def error(self, key: str, value: Any, problem: str) -> ConfigError:
        return ConfigError(f"{self.path}: {key} = {_show(value)} {problem}.")

    def unknown(self, key: str, value: Any, name: str, allowed: Any) -> ConfigError:
        import difflib

        shown = key if value is None else f"{key} = {_show(value)}"
        close = difflib.get_close_matches(name, list(allowed), n=1)
        if close:
            hint = f"did you mean {close[0]}?"
        elif allowed:
            hint = f"use one of {', '.join(allowed)}."
        else:
            hint = "settings go under " + ", ".join(f"[{self.prefix}{s}]" for s in _SECTIONS) + "."
        return ConfigError(f"{self.path}: {shown} is not a known co3 setting; {hint}")

    def roots(self, project: Path) -> tuple[Root, ...]:
        key = self.key("disk", "roots")
        entries = self.sections.get("disk", {}).get("roots", ["."])
        if not isinstance(entries, list):
            raise self.error(key, entries, 'must be a list of folders, such as ["."]')
        if not entries:
            raise self.error(key, entries, 'lists no folder; list at least one, such as ["."]')
        roots = [
            self.root(f"{key} entry {n}", entry, project) for n, entry in enumerate(entries, 1)
        ]
        for i, first in enumerate(roots, 1):
            for j, second in enumerate(roots[i:], i + 1):
                where = f"{self.path}: {key} entries {i} and {j}"
                paths = f"({first.path} and {second.path})"
                if first.name == second.name:
                    raise ConfigError(
                        f"{where} are both named {_show(first.name)} {paths}; give one "
                        'another name, as in {path = "...", name = "..."}.'
                    )
                if first.path in (second.path, *second.path.parents) or second.path in (
                    first.path.parents
                ):
                    raise ConfigError(
                        f"{where} overlap {paths}, so files would be indexed twice; keep the "
                        "outer folder only, and leave parts of it out with [disk] ignore."
                    )
        return tuple(roots)

    def root(self, key: str, entry: Any, project: Path) -> Root:
        fields = entry if isinstance(entry, dict) else {"path": entry}
        for item in fields:
            if item not in _ROOT_KEYS:
                raise self.unknown(f"{key} {item}", fields[item], item, _ROOT_KEYS)
        path, name = fields.get("path"), fields.get("name")
        if not isinstance(path, str) or not path or "\0" in path:
            raise self.error(key, entry, 'must be a folder path or {path = "...", name = "..."}')
        resolved = Path(os.path.realpath(project / os.path.expanduser(path)))
        if os.path.isfile(resolved):
            raise self.error(key, entry, f"is a file ({resolved}), not a folder; list folders")
        if name is None and not _valid_name(resolved.name):
            raise self.error(
                key,
                entry,
                f'has no usable folder name; name it, as in {{path = "{path}", name = "x"}}',
            )
        if name is not None and not _valid_name(name):
            raise self.error(
                f"{key} name", name, 'must be a name without "/" or control characters, not ".."'
            )
        return Root(resolved.name if name is None else name, resolved)


def _default_host() -> str:
    if hasattr(os, "uname"):  # what socket.gethostname() returns, without importing socket
        return os.uname().nodename
    import socket

    return socket.gethostname()


def _has_control(text: str) -> bool:
    return any(ord(char) < 32 or ord(char) == 127 for char in text)


def _valid_name(name: Any) -> bool:
    """Whether ``name`` can name a root: printed as ``name/path``, stored as UTF-8 text."""
    if not isinstance(name, str) or name in ("", "..") or "/" in name or _has_control(name):
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a folder name that is not UTF-8
        return False
    return True


def _show(value: Any, limit: int = 70) -> str:
    """``value`` as TOML writes it, shortened, for an error message."""
    import json

    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, list):
        text = "[" + ", ".join(_show(item, limit) for item in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {_show(v, limit)}" for k, v in value.items()) + "}"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cwd() -> Path:
    try:
        return Path(os.getcwd())
    except FileNotFoundError:
        raise ConfigError("The current folder no longer exists; change to one that does.") from None


def _project_folder(folder: str | os.PathLike[str] | None) -> Path:
    path = _cwd() if folder is None else Path(os.path.expanduser(folder))
    if not path.is_dir():
        problem = "is a file, not a folder" if path.exists() else "does not exist"
        raise ConfigError(f"The project folder {path} {problem}; pass an existing folder.")
    return Path(os.path.realpath(path))


def _read_toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except tomllib.TOMLDecodeError as exc:
        found = re.fullmatch(r"(.*) \(at (line \d+, column \d+|end of document)\)", str(exc))
        problem, place = found.groups() if found else (str(exc), "some point")
        place = place.replace("end of document", "the end of the file")
        raise ConfigError(
            f"{path}: invalid TOML at {place} ({problem[:1].lower()}{problem[1:]}); fix it there."
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: byte {exc.start} is not UTF-8; save it as UTF-8.") from None
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read ({exc.strerror}); make it readable.") from None


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    """The ``[tool.co3]`` table of a ``pyproject.toml``, or None when it has none."""
    try:
        with path.open("rb") as file:
            if b"co3" not in file.read():  # most pyproject files: no need to parse them
                return None
    except OSError:
        return None
    tool = _read_toml(path).get("tool")
    if not isinstance(tool, dict) or "co3" not in tool:
        return None
    if not isinstance(tool["co3"], dict):
        raise ConfigError(
            f"{path}: [tool] co3 = {_show(tool['co3'])} must be a table; "
            "write the settings under [tool.co3.disk] and the like."
        )
    return tool["co3"]


def _database_url(url: str, base: Path, where: str) -> str:
    """``url`` checked, with a relative SQLite path made absolute from ``base``."""
    shown = _show(display_url(url))
    match = _URL.fullmatch(url)
    if match is None or _has_control(url) or url != url.strip():
        raise ConfigError(
            f'{where} {shown} is not a database URL; use one such as "sqlite:///.co3/index.db" '
            'or "postgresql+psycopg://user@host/db".'
        )
    scheme, rest = match.groups()
    if scheme.partition("+")[0].lower() != "sqlite" or rest == "":
        return url
    if not rest.startswith("/"):
        raise ConfigError(
            f"{where} {shown} names a host, which SQLite has not; put the file path after "
            'three slashes, as in "sqlite:///.co3/index.db".'
        )
    path, sep, query = rest[1:].partition("?")
    prefix = ""
    if path.startswith("file:") and "uri=true" in query.lower():
        prefix, path = "file:", path[5:]
    if path in ("", ":memory:") or path.startswith("/"):
        return url
    path = os.path.expanduser(path)
    if not os.path.isabs(path):
        path = os.path.normpath(base / path)
    return f"{scheme}:///{prefix}{path}{sep}{query}"
