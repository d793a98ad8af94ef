"""Reading and checking co3's settings, for :mod:`co3.project`.

The TOML files (``co3.toml`` and ``[tool.co3]`` in ``pyproject.toml``), the
:class:`Reader` that walks their sections and names the file in every error, and the
checks of single values with the problems they report. Like :mod:`co3.project`, this
module imports only light parts of the standard library at import time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from co3._urls import display_url
from co3.exceptions import ConfigError

__all__ = [
    "ENTRY_PROBLEM",
    "HASH_PROBLEM",
    "HOST_PROBLEM",
    "IDENTIFIER_PROBLEM",
    "MAX_DELETE_PROBLEM",
    "PATTERNS_PROBLEM",
    "SECTIONS",
    "Reader",
    "check_entry",
    "check_flag",
    "check_host",
    "check_identifier",
    "check_patterns",
    "check_text",
    "cwd",
    "default_host",
    "project_folder",
    "pyproject_table",
    "read_toml",
    "resolve_database_url",
]

# Every section and its keys; docs/config.md documents each (a test keeps them equal).
SECTIONS: dict[str, tuple[str, ...]] = {
    "database": ("url", "schema"),
    "disk": ("roots", "host", "ignore", "ignore_git", "follow_symlinks"),
    "diff": ("hash",),
    "sync": ("max_delete",),
    "schema": ("entry",),
}
_ROOT_KEYS = ("path", "name")
_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://(.*)", re.DOTALL)
_T = TypeVar("_T")

# What is wrong with a value a check refused, after "<file>: <key> = <value>".
PATTERNS_PROBLEM = (
    'must be a list of one-line gitignore-style patterns, such as ["*.tmp", "build/"]'
)
HOST_PROBLEM = "must be a name without control characters (leave it out to use this machine's name)"
HASH_PROBLEM = 'is not allowed; use "never", "auto" or "always"'
MAX_DELETE_PROBLEM = (
    'is not allowed; use a share from "0%" to "100%" or a number of rows, such as 1000'
)
ENTRY_PROBLEM = 'must be "module:attribute", such as "mypkg.index:project"'
IDENTIFIER_PROBLEM = 'must be a plain SQL name (letters, digits and "_"), such as "co3"'


# Checks of single values: each returns the value to use, or None when it is not allowed.
def check_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def check_flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def check_identifier(value: Any) -> str | None:
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", value):
        return value
    return None


def check_host(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() and not _has_control(value) else None


def check_patterns(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(
        isinstance(item, str) and not any(char in item for char in "\n\r\0") for item in value
    ):
        return tuple(value)
    return None


def check_entry(value: Any) -> str | None:
    if not isinstance(value, str) or value.count(":") != 1:
        return None
    module, attribute = value.split(":")
    parts = (*module.split("."), *attribute.split("."))
    return value if all(part.isidentifier() for part in parts) else None


class Reader:
    """Reads and checks the settings of one file, naming that file in every error."""

    def __init__(self, path: Path | None, prefix: str, settings: dict[str, Any]) -> None:
        self.path = path
        self.prefix = prefix
        self.sections: dict[str, dict[str, Any]] = {}
        top = f"[{prefix[:-1]}] " if prefix else ""
        for name, value in settings.items():
            home = next((s for s, keys in SECTIONS.items() if name in keys), None)
            if name in SECTIONS and not isinstance(value, dict):
                raise self.error(f"{top}{name}", value, f"must be the table [{prefix}{name}]")
            if name in SECTIONS:
                self.sections[name] = value
                for key, item in value.items():
                    if key not in SECTIONS[name]:
                        raise self.unknown(self.key(name, key), item, key, SECTIONS[name])
            elif home is not None:
                raise self.error(f"{top}{name}", value, f"belongs under [{prefix}{home}]")
            elif isinstance(value, dict):
                sections = [f"[{prefix}{section}]" for section in SECTIONS]
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
        return ConfigError(f"{self.path}: {key} = {show(value)} {problem}.")

    def unknown(self, key: str, value: Any, name: str, allowed: Any) -> ConfigError:
        import difflib

        shown = key if value is None else f"{key} = {show(value)}"
        close = difflib.get_close_matches(name, list(allowed), n=1)
        if close:
            hint = f"did you mean {close[0]}?"
        elif allowed:
            hint = f"use one of {', '.join(allowed)}."
        else:
            hint = "settings go under " + ", ".join(f"[{self.prefix}{s}]" for s in SECTIONS) + "."
        return ConfigError(f"{self.path}: {shown} is not a known co3 setting; {hint}")

    def roots(self, project: Path) -> tuple[tuple[str, Path], ...]:
        """``[disk] roots`` as (name, resolved path) pairs, names unique, paths apart."""
        key = self.key("disk", "roots")
        entries = self.sections.get("disk", {}).get("roots", ["."])
        if not isinstance(entries, list):
            raise self.error(key, entries, 'must be a list of folders, such as ["."]')
        if not entries:
            raise self.error(key, entries, 'lists no folder; list at least one, such as ["."]')
        roots = [
            self.root(f"{key} entry {n}", entry, project) for n, entry in enumerate(entries, 1)
        ]
        for i, (first_name, first_path) in enumerate(roots, 1):
            for j, (second_name, second_path) in enumerate(roots[i:], i + 1):
                where = f"{self.path}: {key} entries {i} and {j}"
                paths = f"({first_path} and {second_path})"
                if first_name == second_name:
                    raise ConfigError(
                        f"{where} are both named {show(first_name)} {paths}; give one "
                        'another name, as in {path = "...", name = "..."}.'
                    )
                if first_path in (second_path, *second_path.parents) or second_path in (
                    first_path.parents
                ):
                    raise ConfigError(
                        f"{where} overlap {paths}, so files would be indexed twice; keep the "
                        "outer folder only, and leave parts of it out with [disk] ignore."
                    )
        return tuple(roots)

    def root(self, key: str, entry: Any, project: Path) -> tuple[str, Path]:
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
        return (resolved.name if name is None else name, resolved)


def default_host() -> str:
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


def show(value: Any, limit: int = 70) -> str:
    """``value`` as TOML writes it, shortened, for an error message."""
    import json

    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, list):
        text = "[" + ", ".join(show(item, limit) for item in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {show(v, limit)}" for k, v in value.items()) + "}"
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cwd() -> Path:
    try:
        return Path(os.getcwd())
    except FileNotFoundError:
        raise ConfigError("The current folder no longer exists; change to one that does.") from None


def project_folder(folder: str | os.PathLike[str] | None) -> Path:
    path = cwd() if folder is None else Path(os.path.expanduser(folder))
    if not path.is_dir():
        problem = "is a file, not a folder" if path.exists() else "does not exist"
        raise ConfigError(f"The project folder {path} {problem}; pass an existing folder.")
    return Path(os.path.realpath(path))


def read_toml(path: Path) -> dict[str, Any]:
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


def pyproject_table(path: Path) -> dict[str, Any] | None:
    """The ``[tool.co3]`` table of a ``pyproject.toml``, or None when it has none."""
    try:
        with path.open("rb") as file:
            if b"co3" not in file.read():  # most pyproject files: no need to parse them
                return None
    except OSError:
        return None
    tool = read_toml(path).get("tool")
    if not isinstance(tool, dict) or "co3" not in tool:
        return None
    if not isinstance(tool["co3"], dict):
        raise ConfigError(
            f"{path}: [tool] co3 = {show(tool['co3'])} must be a table; "
            "write the settings under [tool.co3.disk] and the like."
        )
    return tool["co3"]


def resolve_database_url(url: str, base: Path, where: str) -> str:
    """``url`` checked, with a relative SQLite path made absolute from ``base``."""
    shown = show(display_url(url))
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
