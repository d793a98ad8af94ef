"""DiskResource: the files under one or more folders."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TypeAlias

from co3.resource import Resource, SelectableResource

__all__ = ["DiskResource"]

StrPath: TypeAlias = "str | os.PathLike[str]"

_MAGIC = re.compile(r"[*?\[]")


class DiskResource(Resource, SelectableResource):
    """The files found under folders on disk, listed by glob patterns."""

    def select(
        self,
        path_list: StrPath | Iterable[StrPath],
        glob: str | Sequence[str] | None = None,
    ) -> set[tuple[StrPath, Path]]:
        """List the files under each root.

        Hidden files and folders (names starting with ``.``) are skipped unless a
        pattern names them with a leading ``.``; ``**`` does not descend into symlinked
        folders. Folders themselves are never listed. A root that cannot be read yields
        nothing.

        Args:
            path_list: a root folder, or several.
            glob: a pattern relative to each root (``*``, ``?``, ``[seq]``, ``[!seq]``
                within a name, ``**`` for any number of folders), or several; patterns
                starting with ``!`` exclude what they match. None lists every file.

        Returns:
            ``(root, relative path)`` pairs: the root as given, the path a ``Path``.

        Raises:
            ValueError: a pattern is absolute.
        """
        if isinstance(path_list, (str, os.PathLike)):
            roots: list[StrPath] = [path_list]
        else:
            roots = list(path_list)

        if glob is None:
            patterns: list[str] = ["**"]
        elif isinstance(glob, str):
            patterns = [glob]
        else:
            patterns = list(glob)

        include = [p for p in patterns if not p.startswith("!")]
        exclude = [p[1:] for p in patterns if p.startswith("!")]
        for pattern in include + exclude:
            if pattern.startswith(("/", os.sep)):
                raise ValueError(f"glob pattern {pattern!r} must be relative to the root")

        selected: set[tuple[StrPath, Path]] = set()
        for root in roots:
            base = os.fspath(root)
            found = {rel for p in include for rel in _glob(base, _split(p))}
            found -= {rel for p in exclude for rel in _glob(base, _split(p))}
            selected.update((root, Path(rel)) for rel in found)
        return selected


def _split(pattern: str) -> list[str]:
    """Split a pattern into its name patterns; a trailing ``/`` asks for folders only."""
    parts = [part for part in pattern.split("/") if part]
    if not parts or pattern.endswith("/"):
        return []  # folders only (or nothing): never listed
    collapsed: list[str] = []
    for part in parts:
        if part == "**" and collapsed and collapsed[-1] == "**":
            continue
        collapsed.append(part)
    return collapsed


def _join(rel: str, name: str) -> str:
    return f"{rel}/{name}" if rel else name


def _scan(base: str, rel: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(os.path.join(base, rel) if rel else base) as entries:
            return list(entries)
    except OSError:
        return []


def _is_dir(entry: os.DirEntry[str], follow_symlinks: bool = True) -> bool:
    try:
        return entry.is_dir(follow_symlinks=follow_symlinks)
    except OSError:
        return False


def _name_matches(name: str, part: str) -> bool:
    if name.startswith(".") and not part.startswith("."):
        return False
    return fnmatchcase(name, part)


def _glob(base: str, parts: list[str], rel: str = "") -> Iterator[str]:
    """Yield the relative paths of the files under ``base/rel`` matching ``parts``."""
    if not parts:
        return
    part, rest = parts[0], parts[1:]

    if part == "**":
        # Zero or more visible, real (not symlinked) folders, walked without recursion.
        stack = [rel]
        while stack:
            here = stack.pop()
            entries = _scan(base, here)
            if rest:
                yield from _glob(base, rest, here)
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if _is_dir(entry, follow_symlinks=False):
                    stack.append(_join(here, entry.name))
                elif not rest and not _is_dir(entry):
                    yield _join(here, entry.name)
        return

    if _MAGIC.search(part) is None:
        path = _join(rel, part)
        full = os.path.join(base, path)
        if rest:
            if os.path.isdir(full):
                yield from _glob(base, rest, path)
        elif os.path.lexists(full) and not os.path.isdir(full):
            yield path
        return

    for entry in _scan(base, rel):
        if not _name_matches(entry.name, part):
            continue
        if rest:
            if _is_dir(entry):
                yield from _glob(base, rest, _join(rel, entry.name))
        elif not _is_dir(entry):
            yield _join(rel, entry.name)
