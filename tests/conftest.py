"""Shared fixtures: real SQLite files and the real PostgreSQL server.

``db_target`` is parametrized over both backends. On PostgreSQL every test gets its own
schema (set as the connection's ``search_path``) that is dropped afterwards, so runs
never see each other's rows. PostgreSQL cases skip, saying why, when
``CO3_TEST_POSTGRES_URL`` is unset.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
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


# -- the co3 command on a real project (tests/co3/test_cli*.py, test_watch.py) ----------

CO3_COMMAND = (sys.executable, "-m", "co3.cli")


@dataclass
class CliProject:
    """A project folder with its index on one backend, and the ``co3`` command to run on it.

    On SQLite the index is the default ``.co3/index.db``; on PostgreSQL ``co3.toml`` points
    at the test server with a ``[database] schema`` of this test's own, dropped afterwards.
    """

    path: Path
    backend: str
    pg_schema: str | None = None
    command = CO3_COMMAND
    pg_url = POSTGRES_URL

    @property
    def sqlite_file(self) -> Path:
        return self.path / ".co3" / "index.db"

    def database_toml(self) -> str:
        """The ``[database]`` table pointing at this project's index."""
        if self.backend == "sqlite":
            return ""
        return f'[database]\nurl = "{POSTGRES_URL}"\nschema = "{self.pg_schema}"\n'

    def configure(self, extra: str = "") -> None:
        """Write ``co3.toml``: the database table plus ``extra`` TOML."""
        (self.path / "co3.toml").write_text(self.database_toml() + extra, encoding="utf-8")

    @staticmethod
    def env(**extra: str) -> dict[str, str]:
        """The environment of a ``co3`` child: no CO3_* settings, UTF-8, 80 columns."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CO3_")}
        env.update(PYTHONIOENCODING="utf-8", COLUMNS="80", LC_ALL="C.UTF-8", **extra)
        return env

    def co3(
        self, *args: str, input: str | None = None, timeout: float = 120, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run ``co3 ARGS`` in the project folder (or ``cwd``) and wait for it."""
        return subprocess.run(
            [*CO3_COMMAND, *args],
            cwd=cwd or self.path,
            input=input,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=timeout,
            env=self.env(),
            stdin=None if input is not None else subprocess.DEVNULL,
        )

    def popen(
        self, *args: str, cwd: Path | None = None, shim: str = "", **kwargs: Any
    ) -> subprocess.Popen[str]:
        """Start ``co3 ARGS``; ``shim`` is Python code run in the child before the command."""
        command = [sys.executable, "-c", f"{shim}\nfrom co3.cli import run\nrun()\n"]
        return subprocess.Popen(
            [*(command if shim else CO3_COMMAND), *args],
            cwd=cwd or self.path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            env=self.env(),
            **kwargs,
        )

    def fails(self, *args: str, code: int = 2, **kwargs: Any) -> str:
        """Run ``co3 ARGS``, check it failed with ``code`` and one sentence; return it."""
        result = self.co3(*args, **kwargs)
        assert result.returncode == code, (result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        message = lines[0]
        assert message.startswith("co3"), message
        assert message.endswith((".", "?")), message
        assert re.search(r"[.!?] [A-Z]", message) is None, f"more than one sentence: {message}"
        return message

    def drop_schema(self) -> None:
        """Drop this test's PostgreSQL schema."""
        _pg_admin(f'DROP SCHEMA IF EXISTS "{self.pg_schema}" CASCADE')

    def query(self, sql: str) -> list[tuple[Any, ...]] | None:
        """Rows of ``sql`` over the index (``{s}`` is the table prefix); None without an index."""
        if self.backend == "sqlite":
            import sqlite3

            if not self.sqlite_file.exists():
                return None
            conn = sqlite3.connect(f"{self.sqlite_file.as_uri()}?mode=ro", uri=True)
            try:
                if not conn.execute("SELECT 1 FROM sqlite_master WHERE name='files'").fetchone():
                    return None
                return conn.execute(sql.replace("{s}", "")).fetchall()
            finally:
                conn.close()
        import psycopg

        dsn = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(dsn) as pg:
            found = pg.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema=%s "
                "AND table_name='files'",
                (self.pg_schema,),
            ).fetchone()
            if not found:
                return None
            rows = pg.execute(sql.replace("{s}", f'"{self.pg_schema}".')).fetchall()
            return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows]

    def files(self) -> dict[tuple[str, bytes], tuple[Any, ...]] | None:
        """The ``files`` rows: (root, path) -> (size, mtime_ns, inode, mode, hash); None without."""
        rows = self.query(
            "SELECT root, path, size, mtime_ns, inode, mode, hash FROM {s}files ORDER BY root, path"
        )
        return None if rows is None else {(r[0], bytes(r[1])): tuple(r[2:]) for r in rows}

    def paths(self) -> set[bytes] | None:
        """The indexed paths (without the root name); None without an index."""
        files = self.files()
        return None if files is None else {path for _, path in files}

    def runs(self) -> list[dict[str, Any]]:
        """The journal, oldest first."""
        names = ("inserted", "updated", "moved", "deleted", "skipped", "outcome", "partial")
        rows = self.query(f"SELECT {', '.join(names)} FROM {{s}}runs ORDER BY id") or []
        return [dict(zip(names, row, strict=True)) for row in rows]

    def dump(self) -> Any:
        """A logical dump of the whole index (every row of both tables), None without one."""
        files = self.query("SELECT * FROM {s}files ORDER BY host, root, path")
        runs = self.query("SELECT * FROM {s}runs ORDER BY id")
        return None if files is None else (files, runs)


def _cli_project(folder: Path, backend: str) -> Iterator[CliProject]:
    folder.mkdir()
    if backend == "sqlite":
        yield CliProject(folder, "sqlite")
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    project = CliProject(folder, "postgresql", f"co3_cli_{uuid.uuid4().hex[:12]}")
    project.configure()
    try:
        yield project
    finally:
        project.drop_schema()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def cli_project(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CliProject]:
    """An empty project folder ``tmp_path/proj`` on each backend in turn (PG: own schema)."""
    yield from _cli_project(tmp_path / "proj", request.param)


@pytest.fixture
def sqlite_project(tmp_path: Path) -> Iterator[CliProject]:
    """An empty project folder ``tmp_path/proj`` with the default SQLite index."""
    yield from _cli_project(tmp_path / "proj", "sqlite")


@pytest.fixture
def pg_project(tmp_path: Path) -> Iterator[CliProject]:
    """An empty project folder ``tmp_path/proj`` whose co3.toml points at a PG schema."""
    yield from _cli_project(tmp_path / "proj", "postgresql")


# -- the file index library on a real project (tests/co3/test_index_*.py) ----------------


class ProjectFactory:
    """Makes projects (a folder with a ``co3.toml``) whose index lives on one ``db_target``.

    Every project made by one factory shares the target's database: one SQLite file, or
    one PostgreSQL schema of the test's own (dropped afterwards), written as ``[database]
    schema``. Call it with the settings a test needs; it returns the loaded
    :class:`co3.project.Project` (``project.root`` is the folder, ``project.config_path``
    the ``co3.toml``).
    """

    def __init__(self, target: DbTarget, base: Path) -> None:
        self.target = target
        self.base = base
        self._count = 0
        self.extra_schemas: list[str] = []

    @property
    def sqlite_path(self) -> Path | None:
        """The shared SQLite file (which may not exist yet); None on PostgreSQL."""
        if self.target.backend != "sqlite":
            return None
        return Path(self.target.url.removeprefix("sqlite:///"))

    def config(
        self,
        *,
        roots: list[Any] | None = None,
        host: str | None = "test-host",
        hash: str | None = None,
        max_delete: str | int | None = None,
        follow_symlinks: bool | None = None,
        ignore: list[str] | None = None,
        in_project_index: bool = False,
        pg_schema: str | None = None,
        extra: str = "",
    ) -> str:
        """The text of a ``co3.toml`` with these settings (see :meth:`__call__`)."""
        import json

        def toml(value: Any) -> str:
            if isinstance(value, bool):
                return "true" if value else "false"
            if isinstance(value, dict):
                return "{" + ", ".join(f"{k} = {toml(v)}" for k, v in value.items()) + "}"
            if isinstance(value, list):
                return "[" + ", ".join(toml(v) for v in value) + "]"
            return json.dumps(value) if isinstance(value, str) else str(value)

        lines = ["[database]"]
        if self.target.backend == "postgresql":
            schema = pg_schema or self.target.pg_schema
            if schema != self.target.pg_schema and schema not in self.extra_schemas:
                self.extra_schemas.append(schema)  # dropped after the test
            lines += [f"url = {toml(self.target.url)}", f"schema = {toml(schema)}"]
        elif not in_project_index:
            lines.append(f"url = {toml(self.target.url)}")
        disk = {"roots": roots, "host": host, "follow_symlinks": follow_symlinks, "ignore": ignore}
        lines.append("[disk]")
        lines += [f"{key} = {toml(value)}" for key, value in disk.items() if value is not None]
        if hash is not None:
            lines += ["[diff]", f"hash = {toml(hash)}"]
        if max_delete is not None:
            lines += ["[sync]", f"max_delete = {toml(max_delete)}"]
        return "\n".join(lines) + "\n" + extra

    def __call__(self, folder: Path | None = None, **settings: Any) -> Any:
        """Write ``co3.toml`` in ``folder`` (default: a new folder under ``tmp_path``) and load it.

        Args:
            folder: the project folder, created when missing.
            settings: ``roots`` (default ``["."]``), ``host`` (default ``"test-host"``;
                None for the machine's name), ``hash``, ``max_delete``,
                ``follow_symlinks``, ``ignore``, ``in_project_index`` (SQLite: use the
                default ``.co3/index.db`` instead of the shared file), ``pg_schema``
                (PostgreSQL: another schema than the shared one, dropped after the
                test) and ``extra`` (TOML appended as is).
        """
        from co3.project import load_project

        if folder is None:
            self._count += 1
            folder = self.base / f"project-{self._count}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "co3.toml").write_text(self.config(**settings), encoding="utf-8")
        return load_project(folder)

    def dump(self, project: Any) -> dict[str, list[tuple[Any, ...]]] | None:
        """A logical dump of the project's index (every row of files and runs), None without."""
        from co3.fileindex.store import IndexStore

        if project.database_url.startswith("sqlite") and not os.path.exists(
            project.database_url.removeprefix("sqlite:///")
        ):
            return None
        with IndexStore(project.database_url, pg_schema=project.pg_schema, read_only=True) as s:
            if not s.exists():
                return None
            files = s.execute("SELECT * FROM {files} ORDER BY host, root, path").fetchall()
            runs = s.execute("SELECT * FROM {runs} ORDER BY id").fetchall()
        return {
            "files": [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in files
            ],
            "runs": [tuple(r) for r in runs],
        }

    def runs(self, project: Any) -> list[dict[str, Any]]:
        """The journal (every host's runs), oldest first, one dict of columns per run."""
        from co3.fileindex.store import IndexStore

        if self.dump(project) is None:
            return []
        with IndexStore(project.database_url, pg_schema=project.pg_schema, read_only=True) as s:
            cursor = s.execute("SELECT * FROM {runs} ORDER BY id")
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def project_factory(db_target: DbTarget, tmp_path: Path) -> Iterator[ProjectFactory]:
    """Projects on each backend in turn (see :class:`ProjectFactory`)."""
    factory = ProjectFactory(db_target, tmp_path)
    try:
        yield factory
    finally:
        for schema in factory.extra_schemas:
            _pg_admin(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def public_tmp() -> Iterator[Path]:
    """A 0755 folder from ``tempfile.mkdtemp`` (pytest's ``tmp_path`` is 0700), removed after.

    For trees another user must reach, such as a scan that drops root's rights.
    """
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="co3-public-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path, dirs, _files in os.walk(folder):
            for name in dirs:
                os.chmod(os.path.join(path, name), 0o755)
        shutil.rmtree(folder, ignore_errors=True)
