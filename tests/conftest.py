"""Shared fixtures: real SQLite files and the real PostgreSQL server.

``db_target`` is parametrized over both backends. On PostgreSQL every test gets its own
schema (set as the connection's ``search_path``) that is dropped afterwards, so runs
never see each other's rows. PostgreSQL cases skip, saying why, when
``CO3_TEST_POSTGRES_URL`` is unset.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

POSTGRES_URL = os.environ.get("CO3_TEST_POSTGRES_URL", "")
NO_POSTGRES = "CO3_TEST_POSTGRES_URL is not set: no PostgreSQL server to test against"


@dataclass
class DbTarget:
    """Where a test's database lives: a URL plus the engine arguments to reach it."""

    backend: str  # "sqlite" | "postgresql"
    url: str
    engine_kwargs: dict[str, Any] = field(default_factory=dict)
    pg_schema: str | None = None

    def database(self, **kwargs: Any) -> Any:
        """A fresh ``co3.databases.SQLDatabase`` on this target."""
        from co3.databases import SQLDatabase

        return SQLDatabase(self.url, **{**self.engine_kwargs, **kwargs})

    def sqlalchemy_engine(self) -> Any:
        import sqlalchemy as sa

        return sa.create_engine(self.url, **self.engine_kwargs)


def _pg_admin(sql: str) -> None:
    import psycopg

    dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '10s'")
        conn.execute(sql)


def pg_schema_target() -> Iterator[DbTarget]:
    """A PostgreSQL target in a schema of its own, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"co3_test_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE SCHEMA "{schema}"')
    try:
        yield DbTarget(
            "postgresql",
            POSTGRES_URL,
            {"connect_args": {"options": f"-c search_path={schema}"}},
            pg_schema=schema,
        )
    finally:
        _pg_admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def sqlite_target(tmp_path: Path) -> DbTarget:
    """A real SQLite file in the test's temporary folder."""
    return DbTarget("sqlite", f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def pg_target() -> Iterator[DbTarget]:
    """The real PostgreSQL server, in a schema of this test's own."""
    yield from pg_schema_target()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DbTarget]:
    """Each backend in turn: a SQLite file, then PostgreSQL (skipped when unset)."""
    if request.param == "sqlite":
        yield DbTarget("sqlite", f"sqlite:///{tmp_path / 'test.db'}")
    else:
        yield from pg_schema_target()
