"""Ignore rules for the walk: gitignore-style patterns, compiled by pathspec.

Rules come from the project config (patterns relative to the root) and from
``.co3ignore`` files, each applying to its own directory and everything below it, as
``.gitignore`` files do. For each path the walk meets, git's rule decides: the deepest
source with a pattern that matches the path itself wins (the config's patterns are the
weakest), and within a source the last such pattern. An ignored directory is not
entered, so nothing under it can be re-included. pathspec's ``GitIgnoreSpec`` compiles
the patterns; its own matcher, made for flat lists of file paths, lets a negated
directory pattern decide for the files below it and cannot combine several sources, so
the choice of the deciding pattern is made here (``_Spec.decide``). Besides the
patterns, a directory named ``.co3`` is always left out and one named ``.git`` is by
default (``walk(exclude_git=False)`` keeps it); no pattern, negations included, changes
either. Paths reach pathspec as ``str`` decoded like ``os.fsdecode`` (surrogateescape),
and so do the patterns, so non-UTF-8 names match; ``?`` and ``[...]`` match one
character of that string, where git matches one byte.

pathspec is imported only when there is a pattern to compile.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from co3.exceptions import ConfigError

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

__all__ = [
    "ALWAYS_EXCLUDED",
    "GIT_DIR",
    "IGNORE_FILE",
    "IgnorePatternError",
    "IgnoreRules",
    "compile_patterns",
]

# os.fsdecode, without its per-call overhead
_FS_ENCODING = sys.getfilesystemencoding()
_FS_ERRORS = sys.getfilesystemencodeerrors()

IGNORE_FILE = b".co3ignore"
ALWAYS_EXCLUDED = b".co3"
GIT_DIR = b".git"


class IgnorePatternError(ValueError):
    """A pattern pathspec cannot compile (message names the pattern and its source)."""


def compile_patterns(lines: Iterable[str], source: str) -> GitIgnoreSpec | None:
    """Compile gitignore-style lines; None when they hold no pattern at all.

    Args:
        lines: the lines, comments and blank lines included.
        source: where they come from, for the error message.

    Raises:
        IgnorePatternError: a line is not a valid pattern.
    """
    lines = [line for line in lines if line.strip() and not line.startswith("#")]
    if not lines:
        return None
    from pathspec import GitIgnoreSpec

    try:
        return GitIgnoreSpec.from_lines(lines)
    except Exception:  # pathspec raises ValueError or re.error subclasses: find the line
        for line in lines:
            try:
                GitIgnoreSpec.from_lines([line])
            except Exception as exc:
                msg = f"{source}: invalid ignore pattern {line!r} ({exc})"
                raise IgnorePatternError(msg) from exc
        raise


def _file_lines(data: bytes) -> list[str]:
    """Split a ``.co3ignore`` file into lines as git does (``\\n``, a CR before it dropped)."""
    return [os.fsdecode(line[:-1] if line.endswith(b"\r") else line) for line in data.split(b"\n")]


_dir_mark: list[str] = []


def _dir_mark_group() -> str:
    """The regex group by which pathspec's gitignore patterns mark a directory's ``/``."""
    if not _dir_mark:
        from pathspec import GitIgnoreSpec

        regex = GitIgnoreSpec.from_lines(["a/"]).patterns[0].regex
        assert regex is not None and len(regex.groupindex) == 1
        _dir_mark.append(next(iter(regex.groupindex)))
    return _dir_mark[0]


class _Spec:
    """One source's patterns (pathspec's, compiled), strongest (last) first."""

    __slots__ = ("mark", "prefix_len", "rules")

    def __init__(self, prefix_len: int, spec: GitIgnoreSpec, mark: str) -> None:
        self.prefix_len = prefix_len
        self.mark = mark
        self.rules = [
            (bool(p.include), p.regex, mark in p.regex.groupindex)
            for p in reversed(spec.patterns)
            if p.include is not None and p.regex is not None
        ]

    def decide(self, path: str, is_dir: bool) -> bool | None:
        """The last pattern that matches ``path`` itself decides, as in git.

        pathspec's regexes also match a path through a parent directory (``build/``
        matches ``build/x``; its directory mark group then holds a ``/`` before the
        end). The walk has already decided every parent (an ignored one is never
        entered), so such matches are skipped: a file matches itself only without the
        mark, a directory (``path`` ends in ``/``) only with the mark on its own ``/``.
        """
        mark = self.mark
        end = len(path)
        for include, regex, has_mark in self.rules:
            m = regex.search(path)
            if m is None:
                continue
            if not has_mark:  # e.g. "*", "a/**": no directory mark
                # "a/**" (regex "^a/") matches what is inside a, not a itself
                if not is_dir or regex.search(path, 0, end - 1) is not None:
                    return include
                continue
            mark_end = m.end(mark)
            if not is_dir:
                if mark_end == -1:
                    return include
            elif mark_end == end:
                return include
            else:  # an unanchored pattern such as "*/" matched a parent's / first
                m = regex.search(path, end - 1)
                if m is not None and m.end(mark) == end:
                    return include
        return None


class IgnoreRules:
    """The ignore patterns that apply in one directory: a chain of sources.

    Each source (the config, then each ``.co3ignore`` on the way down) keeps the byte
    length of its directory's relative prefix, so the part of a path its patterns see
    is relative to the directory they came from. Instances are immutable;
    ``with_file`` returns a longer chain.
    """

    __slots__ = ("chain", "reversed_chain")

    def __init__(self, chain: tuple[_Spec, ...] = ()) -> None:
        self.chain = chain
        self.reversed_chain = chain[::-1]  # strongest first

    def __bool__(self) -> bool:
        return bool(self.chain)

    @classmethod
    def from_config(cls, patterns: Iterable[str]) -> IgnoreRules:
        """The rules of the config's patterns (relative to the root).

        Raises:
            ConfigError: a pattern is not valid.
        """
        if isinstance(patterns, (str, bytes)):
            raise ConfigError(
                f'ignore must be a list of patterns, not {patterns!r}; e.g. ignore = ["*.tmp"]'
            )
        patterns = list(patterns)
        for pattern in patterns:
            if not isinstance(pattern, str):
                raise ConfigError(
                    f"ignore pattern {pattern!r} is not a string; write each pattern in "
                    'quotes, e.g. ignore = ["*.tmp"]'
                )
        try:
            spec = compile_patterns(patterns, "[disk] ignore")
        except IgnorePatternError as exc:
            raise ConfigError(f"{exc}; fix or remove it") from exc
        if spec is None:
            return cls()
        return cls((_Spec(0, spec, _dir_mark_group()),))

    def with_file(self, prefix_len: int, data: bytes, source: str) -> IgnoreRules:
        """These rules plus those of a ``.co3ignore`` file's content.

        Args:
            prefix_len: byte length of the file's directory prefix (``b"a/b/"`` -> 4).
            data: the file's content.
            source: the file's path, for the error message.

        Raises:
            IgnorePatternError: a line is not a valid pattern.
        """
        spec = compile_patterns(_file_lines(data), source)
        if spec is None:
            return self
        return IgnoreRules((*self.chain, _Spec(prefix_len, spec, _dir_mark_group())))

    def match(self, relpath: bytes, is_dir: bool) -> bool | None:
        """Whether a pattern ignores ``relpath``: True, False (re-included), or None.

        The strongest source with a pattern matching the path decides.

        Args:
            relpath: the path relative to the root.
            is_dir: the path is a directory (directory-only patterns apply).
        """
        for spec in self.reversed_chain:
            path = relpath[spec.prefix_len :].decode(_FS_ENCODING, _FS_ERRORS)
            if is_dir:
                path += "/"
            decision = spec.decide(path, is_dir)
            if decision is not None:
                return decision
        return None
