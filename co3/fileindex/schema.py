"""The file index's tables: ``files`` (one row per file under a root) and ``runs`` (the journal).

Paths are stored as bytes (SQLite BLOB, PostgreSQL bytea): any name the filesystem
allows round-trips exactly, and both databases order them byte-wise, as the scanner
walks. On PostgreSQL the tables live in the schema ``co3`` so they never clash with a
user's tables; on SQLite that schema is translated away (see :func:`translate_map`).
"""

from __future__ import annotations

import sqlalchemy as sa

from co3.schemas.sql import SQLSchema

__all__ = [
    "PG_SCHEMA",
    "files_table",
    "metadata",
    "runs_table",
    "schema",
    "translate_map",
]

PG_SCHEMA = "co3"

metadata = sa.MetaData(schema=PG_SCHEMA)

files_table = sa.Table(
    "files",
    metadata,
    sa.Column("host", sa.Text, primary_key=True),
    sa.Column("root", sa.Text, primary_key=True),
    sa.Column("path", sa.LargeBinary, primary_key=True),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("mtime_ns", sa.BigInteger, nullable=False),
    sa.Column("inode", sa.BigInteger, nullable=False),
    sa.Column("mode", sa.Integer, nullable=False),
    sa.Column("hash", sa.LargeBinary, nullable=True),
    sa.Column("recorded_at_ns", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

runs_table = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("host", sa.Text, nullable=False),
    sa.Column("roots", sa.Text, nullable=False),
    sa.Column("started_at_ns", sa.BigInteger, nullable=False),
    sa.Column("finished_at_ns", sa.BigInteger, nullable=True),
    sa.Column("inserted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("touched", sa.Integer, nullable=False, server_default="0"),
    sa.Column("moved", sa.Integer, nullable=False, server_default="0"),
    sa.Column("deleted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("skipped", sa.Integer, nullable=False, server_default="0"),
    sa.Column("errors", sa.Integer, nullable=False, server_default="0"),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("partial", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("message", sa.Text, nullable=True),
)

schema = SQLSchema.from_metadata(metadata)


def translate_map(dialect_name: str, pg_schema: str = PG_SCHEMA) -> dict[str | None, str | None]:
    """The ``schema_translate_map`` execution option placing the tables on ``dialect_name``.

    Args:
        dialect_name: ``"sqlite"`` or ``"postgresql"``.
        pg_schema: the PostgreSQL schema to use instead of ``co3`` (tests use their own).
    """
    if dialect_name == "sqlite":
        return {PG_SCHEMA: None}
    return {PG_SCHEMA: pg_schema}
