"""The ``co3`` command end to end: options, ``status`` output, ``init``, help, bad input.

Every test runs the real command in a child process on real folders; ``cli_project``
runs it on SQLite and on PostgreSQL (a schema of the test's own). Syncing is in
``test_cli_sync.py``, watching in ``test_watch.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CliProject

COMMANDS = ("init", "status", "sync", "watch", "schema", "select")


def write_tree(root: Path, files: dict[bytes, bytes]) -> None:
    """Create ``files`` (relative path -> content) under ``root``; names are exact bytes."""
    base = os.fsencode(root)
    for rel, content in files.items():
        path = os.path.join(base, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content)


def snapshot(folder: Path) -> set[str]:
    """Every path under ``folder``, to show that a command wrote nothing."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# -- how the command is started -----------------------------------------------------------


def test_python_m_co3_cli_and_the_console_script_both_run(sqlite_project: CliProject) -> None:
    script = Path(sys.executable).with_name("co3")
    for command in (sqlite_project.command, [str(script)]):
        result = subprocess.run(
            [*command, "--version"],
            capture_output=True,
            text=True,
            env=sqlite_project.env(),
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("co3 ")


def test_main_help_lists_every_command_with_a_description(sqlite_project: CliProject) -> None:
    result = sqlite_project.co3("--help")
    assert result.returncode == 0
    text = result.stdout
    assert text.startswith("usage: co3 ")
    assert "Keep a tree of files and the database that indexes it in step." in text
    for name in COMMANDS:
        assert f"\n    {name} " in text, f"{name} missing from co3 --help"
    assert "--project DIR" in text and "--db URL" in text
    assert "exit status" in text.lower()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_help_reads_well(sqlite_project: CliProject, command: str) -> None:
    result = sqlite_project.co3(command, "--help")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith(f"usage: co3 {command} ")
    assert "--project DIR" in text and "--db URL" in text
    description = text.split("\n\n")[1]
    assert description[0].isupper() and description.rstrip().endswith("."), description
    for line in text.splitlines():
        assert len(line) <= 80, f"help line wider than 80 columns: {line!r}"


# -- --project and --db, before and after the command's name ------------------------------


def place(position: str, command: list[str], options: list[str]) -> list[str]:
    """``options`` before the command name, or after it."""
    return [*options, *command] if position == "before" else [*command, *options]


def has_index(url_file: Path) -> bool:
    import sqlite3

    if not url_file.exists():
        return False
    conn = sqlite3.connect(url_file)
    try:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE name='files'").fetchone() is not None
    finally:
        conn.close()


def indexed(db_file: Path) -> set[bytes]:
    import sqlite3

    conn = sqlite3.connect(db_file)
    try:
        return {bytes(r[0]) for r in conn.execute("SELECT path FROM files")}
    finally:
        conn.close()


@pytest.mark.parametrize("position", ["before", "after"])
@pytest.mark.parametrize("command", COMMANDS)
def test_project_and_db_work_before_and_after_the_command(
    sqlite_project: CliProject, tmp_path: Path, command: str, position: str
) -> None:
    project = sqlite_project
    write_tree(project.path, {b"a.txt": b"a"})
    other = tmp_path / "other.db"
    options = ["--project", str(project.path), "--db", f"sqlite:///{other}"]
    elsewhere = tmp_path  # the current folder is not the project
    if command in ("status", "schema", "select"):
        project.co3("--project", str(project.path), "--db", f"sqlite:///{other}", "sync", "-y")
        args = {"status": ["status"], "schema": ["schema"], "select": ["select", "files"]}
        result = project.co3(*place(position, args[command], options), cwd=elsewhere)
        assert result.returncode == 0, result.stderr
        if command == "status":
            assert result.stdout == ""  # clean against other.db
        else:
            assert ("recorded_at_ns" if command == "schema" else "a.txt") in result.stdout
    elif command == "watch":
        with project.popen(*place(position, ["watch"], options), cwd=elsewhere) as child:
            assert child.stdout is not None
            for line in child.stdout:
                if "watching" in line or "polling" in line:
                    break
            child.send_signal(signal.SIGINT)
            _, err = child.communicate(timeout=30)
        assert child.returncode == 0, err
        assert indexed(other) == {b"a.txt"}
    else:
        args = ["init"] if command == "init" else ["sync", "--yes"]
        result = project.co3(*place(position, args, options), cwd=elsewhere)
        assert result.returncode == 0, result.stderr
        assert has_index(other)
        if command == "init":
            assert (project.path / "co3.toml").is_file()
            # init records --db, so later commands need no --db.
            assert "[database]" in (project.path / "co3.toml").read_text()
            assert indexed(other) == set()
        else:
            assert indexed(other) == {b"a.txt"}
    assert not project.sqlite_file.exists(), "--db was not used"
    assert not (elsewhere / ".co3").exists(), "--project was not used"


@pytest.mark.postgres
def test_db_reaches_postgresql_in_the_configured_schema(pg_project: CliProject) -> None:
    project = pg_project
    # co3.toml names the schema only: without --db the index would be SQLite.
    (project.path / "co3.toml").write_text(f'[database]\nschema = "{project.pg_schema}"\n')
    write_tree(project.path, {b"x": b"1"})
    for position in ("before", "after"):
        result = project.co3(*place(position, ["sync", "-y"], ["--db", project.pg_url]))
        assert result.returncode == 0, result.stderr
    assert project.paths() == {b"x", b"co3.toml"}
    assert not project.sqlite_file.exists()


def test_project_defaults_to_the_folder_holding_co3_toml_above(sqlite_project: CliProject) -> None:
    project = sqlite_project
    write_tree(project.path, {b"deep/er/f": b"f"})
    project.configure()
    result = project.co3("sync", "-y", cwd=project.path / "deep" / "er")
    assert result.returncode == 0, result.stderr
    assert project.paths() == {b"co3.toml", b"deep/er/f"}


# -- status ---------------------------------------------------------------------------------


def test_status_prints_one_line_per_change_and_exits_1(cli_project: CliProject) -> None:
    project = cli_project
    project.configure('[diff]\nhash = "always"\n')
    write_tree(
        project.path,
        {
            b"keep.txt": b"keep",
            b"mod.txt": b"old",
            b"touch.txt": b"same",
            b"src.txt": b"moving",
            b"gone.txt": b"bye",
        },
    )
    assert project.co3("sync", "--yes").returncode == 0
    assert project.co3("status").returncode == 0

    write_tree(project.path, {b"new.txt": b"new", b"mod.txt": b"changed"})
    st = os.stat(project.path / "touch.txt")
    os.utime(project.path / "touch.txt", ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))
    os.rename(project.path / "src.txt", project.path / "dst.txt")
    os.remove(project.path / "gone.txt")
    write_tree(project.path, {b"bad/.co3ignore": b"!\n"})  # a pattern git refuses

    result = project.co3("status")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:5] == [
        "+ new.txt",
        "M mod.txt",
        "T touch.txt",
        "R src.txt -> dst.txt",
        "- gone.txt",
    ]
    assert len(lines) == 6
    assert lines[5].startswith("! bad/: ") and "invalid ignore pattern" in lines[5]
    assert "Traceback" not in result.stderr


def test_status_exit_codes_clean_and_changed(cli_project: CliProject) -> None:
    project = cli_project
    write_tree(project.path, {b"a": b"a"})
    first = project.co3("status")
    assert first.returncode == 1 and "+ a" in first.stdout.splitlines()
    assert project.co3("sync", "-y").returncode == 0
    clean = project.co3("status")
    assert (clean.returncode, clean.stdout) == (0, "")


def test_status_never_creates_the_index(cli_project: CliProject) -> None:
    project = cli_project
    write_tree(project.path, {b"a": b"a", b"b/c": b"c"})
    before = snapshot(project.path)
    result = project.co3("status")
    assert result.returncode == 1
    assert {"+ a", "+ b/c"} <= set(result.stdout.splitlines())
    assert snapshot(project.path) == before
    assert project.dump() is None


# Names that git C-quotes with core.quotePath (control characters, bytes that are not
# UTF-8, quotes and backslashes), and names it prints as they are.
QUOTED_NAMES = [
    b"tab\there",
    b"new\nline",
    b"bell\x07",
    b"cr\r",
    b"del\x7f",
    b"\xff\xfe",
    b"caf\xc3\xa9 \xff",
    b'quo"te',
    b"back\\slash",
    "zero\u200bwidth".encode(),
]
PLAIN_NAMES = [b" leading and trailing ", b"caf\xc3\xa9", "日本語".encode(), b"-dash"]


def git_quoted(folder: Path, quote_path: bool) -> list[str]:
    """How git prints the untracked files of ``folder``."""
    env = {**CliProject.env(), "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(folder)}
    subprocess.run(["git", "init", "-q", str(folder)], check=True, env=env)
    result = subprocess.run(
        ["git", "-c", f"core.quotePath={str(quote_path).lower()}", "ls-files", "--others"],
        cwd=folder,
        capture_output=True,
        check=True,
        env=env,
    )
    shutil.rmtree(folder / ".git")
    return sorted(os.fsdecode(line) for line in result.stdout.split(b"\n") if line)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed: no oracle")
def test_status_c_quotes_names_as_git_does(cli_project: CliProject, tmp_path: Path) -> None:
    project = cli_project
    quoted_dir, plain_dir = tmp_path / "quoted", tmp_path / "plain"
    write_tree(quoted_dir, dict.fromkeys(QUOTED_NAMES, b"x"))
    write_tree(plain_dir, dict.fromkeys(PLAIN_NAMES, b"x"))
    expected = git_quoted(quoted_dir, True) + git_quoted(plain_dir, False)
    write_tree(project.path, dict.fromkeys(QUOTED_NAMES + PLAIN_NAMES, b"x"))
    if project.backend == "postgresql":
        os.remove(project.path / "co3.toml")
        project.configure('[disk]\nignore = ["/co3.toml"]\n')

    result = project.co3("status")
    assert result.returncode == 1, result.stderr
    shown = result.stdout.splitlines()
    assert all(line.startswith("+ ") for line in shown)
    assert sorted(line[2:] for line in shown) == sorted(expected)
    assert result.stdout.isascii() or any(ord(c) > 127 for n in PLAIN_NAMES for c in n.decode())

    # The same names round-trip through the index: after a sync, status is clean.
    assert project.co3("sync", "-y").returncode == 0
    assert project.paths() == {*QUOTED_NAMES, *PLAIN_NAMES}
    clean = project.co3("status")
    assert (clean.returncode, clean.stdout) == (0, "")


def test_several_roots_show_root_name_and_path(cli_project: CliProject) -> None:
    project = cli_project
    project.configure('[disk]\nroots = [{path = "a", name = "alpha"}, "b"]\n')
    write_tree(project.path, {b"a/x": b"1", b"a/sub/y": b"2", b"b/\xffz": b"3"})
    result = project.co3("status")
    assert result.returncode == 1, result.stderr
    assert sorted(result.stdout.splitlines()) == sorted(
        ["+ alpha/x", "+ alpha/sub/y", '+ "b/\\377z"']
    )
    data = json.loads(project.co3("status", "--json").stdout)
    assert sorted(data["new"]) == sorted(["alpha/x", "alpha/sub/y", "b/\udcffz"])
    assert project.co3("sync", "-y").returncode == 0
    assert set(project.files() or {}) == {("alpha", b"x"), ("alpha", b"sub/y"), ("b", b"\xffz")}


def test_one_root_shows_no_prefix(cli_project: CliProject) -> None:
    project = cli_project
    project.configure('[disk]\nroots = [{path = "data", name = "photos"}]\n')
    write_tree(project.path, {b"data/p/1.jpg": b"1"})
    result = project.co3("status")
    assert result.stdout.splitlines() == ["+ p/1.jpg"]
    assert json.loads(project.co3("status", "--json").stdout)["new"] == ["p/1.jpg"]


# -- status --json --------------------------------------------------------------------------

SHAPE = {
    "new": list,
    "modified": list,
    "touched": list,
    "moved": list,
    "gone": list,
    "errors": list,
    "unchanged": int,
}


def test_status_json_has_the_documented_shape(cli_project: CliProject) -> None:
    project = cli_project
    project.configure('[diff]\nhash = "always"\n')
    names = {
        b"keep": b"k",
        b"mod": b"m",
        b"touch": b"t",
        b"old\xff\nname": b"moving",
        b"gone": b"g",
    }
    write_tree(project.path, names)
    assert project.co3("sync", "-y").returncode == 0
    write_tree(project.path, {b"mod": b"mm", b"new \xfe\t": b"n", b"bad/.co3ignore": b"!"})
    st = os.stat(project.path / "touch")
    os.utime(project.path / "touch", ns=(st.st_atime_ns, st.st_mtime_ns - 10**9))
    base = os.fsencode(project.path)
    os.rename(os.path.join(base, b"old\xff\nname"), os.path.join(base, b"new\xfd name"))
    os.remove(project.path / "gone")

    result = subprocess.run(
        [*project.command, "status", "--json"],
        cwd=project.path,
        capture_output=True,
        env=project.env(),
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout.isascii(), "status --json must be written with ensure_ascii"
    assert result.stdout.count(b"\n") == 1 and result.stdout.endswith(b"\n")
    data = json.loads(result.stdout)
    for key, kind in SHAPE.items():
        assert isinstance(data[key], kind), key
    assert data["new"] == [os.fsdecode(b"new \xfe\t")]
    assert data["modified"] == ["mod"]
    assert data["touched"] == ["touch"]
    assert data["moved"] == [[os.fsdecode(b"old\xff\nname"), os.fsdecode(b"new\xfd name")]]
    assert data["gone"] == ["gone"]
    assert len(data["errors"]) == 1
    assert set(data["errors"][0]) == {"path", "error"}
    assert data["errors"][0]["path"] == "bad/"
    assert "invalid ignore pattern" in data["errors"][0]["error"]
    assert data["unchanged"] == 2  # keep and co3.toml
    # os.fsencode gives back the exact bytes of every name.
    assert os.fsencode(data["new"][0]) == b"new \xfe\t"
    assert [os.fsencode(p) for p in data["moved"][0]] == [b"old\xff\nname", b"new\xfd name"]


def test_status_json_when_clean(cli_project: CliProject) -> None:
    project = cli_project
    write_tree(project.path, {b"a": b"a"})
    project.co3("sync", "-y")
    result = project.co3("status", "--json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert {k: data[k] for k in SHAPE} == {
        "new": [],
        "modified": [],
        "touched": [],
        "moved": [],
        "gone": [],
        "errors": [],
        "unchanged": 2 if project.backend == "postgresql" else 1,
    }


def test_status_stays_off_sqlalchemy_rich_and_watchdog(sqlite_project: CliProject) -> None:
    project = sqlite_project
    write_tree(project.path, {b"a": b"a"})
    assert project.co3("sync", "-y").returncode == 0
    code = (
        "import sys\n"
        "from co3.cli import main\n"
        "code = main(['status'])\n"
        "heavy = [m for m in ('sqlalchemy', 'rich', 'watchdog', 'psycopg', 'textual')"
        " if m in sys.modules]\n"
        "print(code, heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project.path,
        capture_output=True,
        text=True,
        env=project.env(),
        timeout=60,
    )
    assert result.stdout.strip() == "0 []", result.stderr


# -- init -----------------------------------------------------------------------------------


def test_init_writes_config_and_an_empty_index(sqlite_project: CliProject) -> None:
    project = sqlite_project
    write_tree(project.path, {b"a": b"a"})
    result = project.co3("init")
    assert result.returncode == 0, result.stderr
    assert "co3.toml" in result.stdout and "run co3 sync" in result.stdout
    assert (project.path / "co3.toml").read_text().startswith("# co3 project configuration")
    assert project.files() == {}
    assert project.runs() == []
    status = project.co3("status")
    assert sorted(status.stdout.splitlines()) == ["+ a", "+ co3.toml"]


def test_init_records_the_db_url_so_later_commands_need_no_db(
    sqlite_project: CliProject, tmp_path: Path
) -> None:
    project = sqlite_project
    write_tree(project.path, {b"a": b"a"})
    elsewhere = tmp_path / "elsewhere.db"
    result = project.co3("init", "--db", f"sqlite:///{elsewhere}")
    assert result.returncode == 0, result.stderr
    assert f'url = "sqlite:///{elsewhere}"' in (project.path / "co3.toml").read_text()
    assert project.co3("sync", "--yes").returncode == 0
    assert project.co3("status").returncode == 0
    assert elsewhere.exists() and not project.sqlite_file.exists()


def test_init_refuses_where_a_config_exists(sqlite_project: CliProject) -> None:
    project = sqlite_project
    (project.path / "co3.toml").write_text("# mine\n")
    message = project.fails("init")
    assert "co3.toml already exists" in message
    assert (project.path / "co3.toml").read_text() == "# mine\n"
    assert not (project.path / ".co3").exists()


def test_init_refuses_where_an_index_exists(sqlite_project: CliProject) -> None:
    project = sqlite_project
    write_tree(project.path, {b"a": b"a"})
    assert project.co3("sync", "-y").returncode == 0
    before = project.dump()
    message = project.fails("init")
    assert "index already exists" in message
    assert not (project.path / "co3.toml").exists()
    assert project.dump() == before


@pytest.mark.postgres
def test_init_refuses_where_a_postgresql_index_exists(pg_project: CliProject) -> None:
    project = pg_project
    # Configured in pyproject.toml, so that init has no co3.toml to trip on first.
    os.remove(project.path / "co3.toml")
    (project.path / "pyproject.toml").write_text(
        f'[tool.co3.database]\nurl = "{project.pg_url}"\nschema = "{project.pg_schema}"\n'
    )
    assert project.co3("sync", "-y").returncode == 0
    before = project.dump()
    assert "index already exists" in project.fails("init")
    assert project.dump() == before
    assert not (project.path / "co3.toml").exists()


def test_init_refuses_where_pyproject_configures_co3(sqlite_project: CliProject) -> None:
    project = sqlite_project
    (project.path / "pyproject.toml").write_text('[tool.co3.diff]\nhash = "never"\n')
    assert "pyproject.toml" in project.fails("init")
    assert snapshot(project.path) == {"pyproject.toml"}


# -- bad input: exit 2, one sentence, no traceback, nothing written ---------------------------

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test"

BAD_CONFIGS = {
    "unknown key": ('[disk]\nroot = ["."]\n', "did you mean roots"),
    "unknown section": ("[disc]\nroots = []\n", "[disc]"),
    "wrong value": ('[diff]\nhash = "sometimes"\n', "[diff] hash"),
    "wrong type": ("[sync]\nmax_delete = true\n", "[sync] max_delete"),
    "invalid toml": ("[disk\nroots = 1\n", "invalid TOML"),
    "bad url": ('[database]\nurl = "nosuch://x"\n', "nosuch"),
    "not a url": ('[database]\nurl = "index.db"\n', "not a database URL"),
    "root is a file": ('[disk]\nroots = ["file.txt"]\n', "is a file"),
    "unreachable server": (f'[database]\nurl = "{UNREACHABLE}"\n', "cannot connect"),
}


@pytest.mark.parametrize("command", [["status"], ["sync", "--yes"], ["watch"]])
@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_bad_config_fails_in_one_sentence(
    sqlite_project: CliProject, case: str, command: list[str]
) -> None:
    project = sqlite_project
    config, expected = BAD_CONFIGS[case]
    (project.path / "co3.toml").write_text(config)
    write_tree(project.path, {b"file.txt": b"x"})
    before = snapshot(project.path)
    message = project.fails(*command, timeout=60)
    assert expected in message
    assert snapshot(project.path) == before


BAD_ARGUMENTS = {
    "unknown url scheme": (["--db", "nosuch://x"], "nosuch"),
    "unreachable server": (["--db", UNREACHABLE], "cannot connect"),
    "missing project": (["--project", "{tmp}/nope"], "does not exist"),
    "project is a file": (["--project", "{tmp}/proj/file.txt"], "is a file"),
    "unknown option": (["--bogus"], "--bogus"),
    "another database": (["--db", "mysql://me@localhost/db"], "not 'mysql'"),
}


@pytest.mark.parametrize("command", [["status"], ["sync", "--yes"], ["watch"], ["init"]])
@pytest.mark.parametrize("case", list(BAD_ARGUMENTS))
def test_bad_arguments_fail_in_one_sentence(
    sqlite_project: CliProject, tmp_path: Path, case: str, command: list[str]
) -> None:
    project = sqlite_project
    write_tree(project.path, {b"file.txt": b"x"})
    options, expected = BAD_ARGUMENTS[case]
    options = [o.replace("{tmp}", str(tmp_path)) for o in options]
    before = snapshot(tmp_path)
    for args in ([*options, *command], [*command, *options]):
        message = project.fails(*args, timeout=60)
        assert expected in message
        assert snapshot(tmp_path) == before


@pytest.mark.postgres
@pytest.mark.parametrize("command", [["status"], ["sync", "--yes"], ["init"]])
def test_a_postgresql_database_that_does_not_exist(
    pg_project: CliProject, command: list[str]
) -> None:
    project = pg_project
    os.remove(project.path / "co3.toml")
    url = project.pg_url.rsplit("/", 1)[0] + "/co3_no_such_database"
    message = project.fails("--db", url, *command)
    assert "cannot connect" in message and "co3_no_such_database" in message
    assert snapshot(project.path) == set()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "command"),
        (["nosuch"], "nosuch"),
        (["status", "extra"], "extra"),
        (["watch", "--interval", "0"], "--interval"),
        (["watch", "--interval", "soon"], "--interval"),
        (["sync", "--plan"], "--plan"),
    ],
)
def test_usage_errors_fail_in_one_sentence(
    sqlite_project: CliProject, args: list[str], expected: str
) -> None:
    message = sqlite_project.fails(*args)
    assert expected in message
    assert "--help" in message
    assert snapshot(sqlite_project.path) == set()


def test_debug_environment_shows_the_traceback_of_an_unexpected_error(
    sqlite_project: CliProject,
) -> None:
    # An error that is a bug of ours says so in one sentence; CO3_DEBUG=1 shows details.
    project = sqlite_project
    code = (
        "import sys\n"
        "import co3.cli.index_commands as c\n"
        "def boom(args): raise RuntimeError('boom')\n"
        "c.cmd_status = boom\n"
        "from co3.cli import main\n"
        "sys.exit(main(['status']))\n"
    )
    for debug, traceback in (("", False), ("1", True)):
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=project.path,
            capture_output=True,
            text=True,
            env=project.env(CO3_DEBUG=debug) if debug else project.env(),
            timeout=60,
        )
        assert result.returncode == 2
        assert result.stderr.startswith("co3: internal error (RuntimeError: boom)")
        assert ("Traceback" in result.stderr) is traceback


def test_a_project_folder_that_is_not_utf8_prints_as_its_bytes(tmp_path: Path) -> None:
    folder = os.path.join(os.fsencode(tmp_path), b"proj\xff")
    os.mkdir(folder)
    with open(os.path.join(folder, b"co3.toml"), "wb") as handle:
        handle.write(b'[disk]\nroots = ["data"]\n')
    project = CliProject(Path(os.fsdecode(folder)), "sqlite")
    result = subprocess.run(
        [*project.command, "status"], cwd=folder, capture_output=True, env=project.env()
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == b"! data/: root folder " + folder + b"/data is missing\n"
    refused = subprocess.run(
        [*project.command, "sync", "--yes"], cwd=folder, capture_output=True, env=project.env()
    )
    assert refused.returncode == 3
    assert refused.stderr.splitlines() == [
        b"co3: refused: root 'data' (" + folder + b"/data) is missing; create it or fix "
        b"[disk] roots, or pass --force to sync the other roots without it.",
        b"co3: nothing was written.",
    ]


def test_status_into_a_closed_pipe_exits_1_without_a_traceback(
    sqlite_project: CliProject,
) -> None:
    project = sqlite_project
    # More output than a pipe holds, so `co3 status` meets the closed pipe mid-way.
    write_tree(project.path, {f"{'x' * 60}-{i:05d}".encode(): b"" for i in range(3000)})
    with project.popen("status") as child:
        assert child.stdout is not None
        first = child.stdout.readline()
        child.stdout.close()
        child.wait(timeout=60)
        err = child.stderr.read() if child.stderr else ""
    assert first.startswith("+ ")
    assert child.returncode == 1
    assert "Traceback" not in err and "Broken pipe" not in err
