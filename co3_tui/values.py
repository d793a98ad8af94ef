"""Values as people read them: times, sizes, hashes, names with odd bytes.

Display only: what is stored is never changed. Bytes are decoded as UTF-8 with
replacement characters, control characters are shown as their Unicode pictures (a
name with a newline stays on one line), integer ``*_ns`` columns are times in the local
time zone (tests pin ``TZ=UTC``), hashes are short hex, and in the file index ``size``
is shown as ``ls -h`` does and ``mode`` as ``ls -l`` does.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text

__all__ = ["ColumnFormat", "formats_for", "human_size", "text_of"]

NULL = "∅"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HASH_NAME = re.compile(r"hash|digest|sha\d*|md5|checksum", re.IGNORECASE)
_SHORT_HASH = 12  # hex digits shown in the table


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    return "␡" if code == 0x7F else chr(0x2400 + code)


def text_of(value: str | bytes | memoryview) -> str:
    """``value`` as one printable line: bytes decoded with U+FFFD, controls as pictures."""
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value).decode("utf-8", errors="replace")
    return _CONTROL.sub(_picture, value)


def human_size(size: int) -> str:
    """A byte count as ``ls -h`` shows it: ``844``, ``1.2K``, ``12K``, ``3.4M``."""
    if size < 1024:
        return str(size)
    value = float(size)
    for unit in "KMGTPE":
        value /= 1024
        if value < 10:
            return f"{value:.1f}{unit}"
        if value < 1024 or unit == "E":
            return f"{value:.0f}{unit}"
    raise AssertionError("unreachable")


def _time(ns: int, *, full: bool = False) -> str | None:
    seconds, fraction = divmod(ns, 10**9)
    try:
        when = datetime.fromtimestamp(seconds).astimezone()
    except (OverflowError, OSError, ValueError):
        return None
    if not full:
        return when.strftime("%Y-%m-%d %H:%M:%S")
    return f"{when:%Y-%m-%d %H:%M:%S}.{fraction:09d} {when:%Z}".rstrip()


@dataclass(frozen=True)
class ColumnFormat:
    """How one column's values are shown.

    Attributes:
        name: the column's name.
        type_name: its SQL type as people read it (``text``, ``blob``, ``bigint``...).
        kind: ``int``, ``float``, ``bool``, ``time_ns``, ``size``, ``mode``, ``hash``,
            ``bytes``, ``text`` or ``other``.
    """

    name: str
    type_name: str
    kind: str

    @property
    def numeric(self) -> bool:
        """Whether values are right-aligned."""
        return self.kind in ("int", "float", "size")

    def short(self, value: Any) -> str:
        """The value in a table cell: one line, possibly abridged (hashes)."""
        if value is None:
            return NULL
        kind = self.kind
        if kind == "time_ns" and isinstance(value, int):
            return _time(value) or str(value)
        if kind == "size" and isinstance(value, int):
            return human_size(value)
        if kind == "mode" and isinstance(value, int):
            return stat.filemode(value)
        if kind == "hash" and isinstance(value, bytes | memoryview):
            digits = bytes(value).hex()
            return digits[:_SHORT_HASH] + ("…" if len(digits) > _SHORT_HASH else "")
        if kind == "bool":
            return "true" if value else "false"
        if isinstance(value, str | bytes | memoryview):
            return text_of(value)
        return text_of(str(value))

    def cell(self, value: Any) -> Text:
        """The value as a table cell."""
        style = "dim" if value is None else ""
        return Text(
            self.short(value),
            style=style,
            justify="right" if self.numeric else "left",
            no_wrap=True,
            overflow="ellipsis",
            end="",
        )

    def full(self, value: Any) -> str:
        """The value in full, with what the table abridges (for the row view)."""
        if value is None:
            return f"{NULL} (null)"
        kind = self.kind
        if kind == "time_ns" and isinstance(value, int):
            shown = _time(value, full=True)
            return f"{shown}  ({value})" if shown else str(value)
        if kind == "size" and isinstance(value, int):
            return f"{value:,} bytes ({human_size(value)})" if value >= 1024 else f"{value} bytes"
        if kind == "mode" and isinstance(value, int):
            return f"{stat.filemode(value)}  ({value:#o})"
        if isinstance(value, bytes | memoryview):
            raw = bytes(value)
            if kind == "hash":
                return raw.hex()
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return f"{text_of(raw)}  (not UTF-8; hex {raw.hex()})"
            return text_of(raw)
        if isinstance(value, str):
            return value
        return self.short(value)


def _type_name(column: Any, dialect: Any) -> str:
    try:
        name = str(column.type.compile(dialect=dialect)).lower()
    except Exception:
        name = type(column.type).__name__.lower()
    return {"largebinary": "blob", "integer": "int", "boolean": "bool"}.get(name, name)


def _kind(column: Any, file_index: bool) -> str:
    import sqlalchemy as sa

    sql_type = column.type
    name = column.name
    if isinstance(sql_type, sa.Boolean):
        return "bool"
    if isinstance(sql_type, sa.Integer):
        if name.endswith("_ns"):
            return "time_ns"
        if file_index and name == "size":
            return "size"
        if file_index and name == "mode":
            return "mode"
        return "int"
    if isinstance(sql_type, sa.Float | sa.Numeric):
        return "float"
    if isinstance(sql_type, sa.LargeBinary):
        return "hash" if _HASH_NAME.search(name) else "bytes"
    if isinstance(sql_type, sa.String):
        return "text"
    return "other"


def formats_for(
    columns: Sequence[Any], *, file_index: bool = False, dialect: Any = None
) -> list[ColumnFormat]:
    """The format of each of ``columns`` (SQLAlchemy columns), in order.

    Args:
        columns: the component's columns.
        file_index: the columns are the built-in file index's (``size``, ``mode``).
        dialect: the database's SQLAlchemy dialect, to name the types as it does.
    """
    return [ColumnFormat(c.name, _type_name(c, dialect), _kind(c, file_index)) for c in columns]
