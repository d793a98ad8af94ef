"""``co3 schema`` and ``co3 select``: look into the database, whatever defines its tables."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any

from co3.browse import Browsable, open_browsable
from co3.exceptions import Co3Error

__all__ = ["cmd_schema", "cmd_select"]

_PAGE = 1000


def _open(args: argparse.Namespace) -> Browsable:
    from co3.project import load_project

    if args.db is not None and args.project is None:
        return open_browsable(db_url=args.db)
    return open_browsable(load_project(args.project, db_url=args.db))


def _flags(column: Any) -> str:
    flags = []
    if column.primary_key:
        flags.append("primary key")
    for fk in column.foreign_keys:
        flags.append(f"-> {fk.target_fullname}")
    if not column.nullable and not column.primary_key:
        flags.append("not null")
    return ", ".join(flags)


def cmd_schema(args: argparse.Namespace) -> int:
    """Print each component (with where it comes from), then one line per column."""
    found = _open(args)
    try:
        if not found.components:
            print(
                f"co3: {found.title} has no tables yet; run co3 sync to create the index.",
                file=sys.stderr,
            )
        for name, component in found.components.items():
            columns = list(component.obj.columns)
            print(f"{name}  ({found.sources[name]}, {len(columns)} columns)")
            width = max((len(c.name) for c in columns), default=0)
            for column in columns:
                line = f"  {column.name:<{width}}  {column.type!s:<12} {_flags(column)}"
                print(line.rstrip())
    finally:
        found.close()
    return 0


def _text(value: bytes) -> str:
    """Bytes as text: as is when UTF-8, else ``\\x`` and hex (as PostgreSQL shows bytea)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return "\\x" + value.hex()


def _tsv_field(value: Any) -> bytes:
    """One TSV field as PostgreSQL's COPY text format writes it (``\\N`` for NULL)."""
    if value is None:
        return b"\\N"
    text = _text(value) if isinstance(value, bytes) else str(value)
    raw = text.encode("utf-8")
    return (
        raw.replace(b"\\", b"\\\\")
        .replace(b"\t", b"\\t")
        .replace(b"\n", b"\\n")
        .replace(b"\r", b"\\r")
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):
        return _text(value)
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


def _rows(
    found: Browsable, component: Any, where: Any, limit: int | None
) -> Iterator[dict[str, Any]]:
    """Rows in key order, page by page (never the whole table in memory)."""
    database = found.database
    sent = 0
    after = None
    with database.engine.connect() as connection:
        while True:
            size = _PAGE if limit is None else min(_PAGE, limit - sent)
            if size <= 0:
                return
            page = database.accessor.page(
                connection, component, after=after, limit=size, where=where
            )
            yield from page.rows
            sent += len(page.rows)
            if not page.has_next:
                return
            after = page.last_key


def cmd_select(args: argparse.Namespace) -> int:
    """Print a component's rows as TSV with a header, or as a JSON list of objects."""
    if args.limit is not None and args.limit < 0:
        raise Co3Error(f"--limit must be 0 or more, not {args.limit}.")
    found = _open(args)
    try:
        component = found.component(args.component)
        where = None
        if args.where:
            from co3.filter import parse_filter

            where = parse_filter(args.where).compile(list(component.obj.columns))
        names = [c.name for c in component.obj.columns]
        rows = _rows(found, component, where, args.limit)
        out = sys.stdout.buffer
        if args.json:
            out.write(b"[")
            for i, row in enumerate(rows):
                item = {k: _json_value(v) for k, v in row.items()}
                out.write((b",\n " if i else b"\n ") + json.dumps(item, ensure_ascii=True).encode())
            out.write(b"\n]\n")
        else:
            out.write(b"\t".join(n.encode() for n in names) + b"\n")
            for row in rows:
                out.write(b"\t".join(_tsv_field(row[n]) for n in names) + b"\n")
        out.flush()
    finally:
        found.close()
    return 0
