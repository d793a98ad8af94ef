"""SQL schemas: from SQLAlchemy metadata, or reflected from an existing database."""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa

from co3.components.relation import Relation
from co3.components.sql import SQLTable
from co3.schema import Schema

__all__ = ["RelationalSchema", "SQLSchema"]

R = TypeVar("R", bound=Relation[Any])


class RelationalSchema(Schema[R]):
    """A schema of relations."""


def _sqlalchemy_bind(bind: Any) -> sa.Engine | sa.Connection:
    """Reach the SQLAlchemy engine behind a co3 Database or Engine, or take one as is."""
    seen = 0
    while not isinstance(bind, sa.Engine | sa.Connection):
        inner = getattr(bind, "engine", None)
        if inner is None or seen > 3:
            raise TypeError(
                f"cannot reflect from {bind!r}: give a SQLAlchemy engine or a co3 database"
            )
        bind, seen = inner, seen + 1
    return bind


class SQLSchema(RelationalSchema[SQLTable]):
    """A schema of SQL tables."""

    def __init__(self, metadata: sa.MetaData | None = None) -> None:
        super().__init__()
        self.metadata = metadata if metadata is not None else sa.MetaData()

    @classmethod
    def from_metadata(cls, metadata: sa.MetaData) -> SQLSchema:
        """A schema with one component per table of ``metadata``."""
        instance = cls(metadata)
        for table in metadata.tables.values():
            instance.add_component(SQLTable.from_table(table))
        return instance

    @classmethod
    def reflect(cls, bind: Any, schema: str | None = None) -> SQLSchema:
        """A schema read from an existing database, with no Python definitions needed.

        Args:
            bind: a SQLAlchemy engine or connection, or a co3 ``SQLDatabase``/``SQLEngine``.
            schema: the database schema to read (PostgreSQL), default: the search path.
        """
        metadata = sa.MetaData(schema=schema)
        metadata.reflect(_sqlalchemy_bind(bind), views=True)
        return cls.from_metadata(metadata)
