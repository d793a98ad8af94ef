"""Projects and configuration: finding, reading and checking co3.toml / [tool.co3]."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from co3.exceptions import ConfigError
from co3.project import (
    CONFIG_FILE,
    DEFAULT_CONFIG,
    DeleteLimit,
    Project,
    Root,
    find_project_dir,
    load_project,
    write_default_config,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "config.md"


def project_dir(tmp_path: Path, config: str | None = None, name: str = "proj") -> Path:
    """A real project folder under ``tmp_path``, with ``co3.toml`` holding ``config``."""
    folder = tmp_path / name
    folder.mkdir()
    if config is not None:
        (folder / CONFIG_FILE).write_text(config, encoding="utf-8")
    return folder.resolve()


def assert_one_sentence(message: str) -> None:
    assert message[-1] in ".?", message
    assert re.search(r"[.?!] [A-Z]", message) is None, message


def config_error(folder: Path, **kwargs: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_project(folder, **kwargs)
    message = str(info.value)
    assert_one_sentence(message)
    return message


# Defaults and where the settings come from


def test_no_config_gives_the_defaults(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    project = load_project(folder)
    assert project == Project(
        root=folder,
        config_path=None,
        database_url=f"sqlite:///{folder}/.co3/index.db",
        roots=(Root("proj", folder),),
        host=socket.gethostname(),
    )
    assert project.database_url.startswith("sqlite:////")
    assert project.index_dir == folder / ".co3"
    assert (project.ignore, project.ignore_git, project.follow_symlinks) == ((), True, False)
    assert (project.hash_policy, str(project.max_delete), project.schema_entry) == (
        "auto",
        "50%",
        None,
    )
    assert project.ignore_patterns == (".git/", ".co3/")


def test_loading_writes_nothing(tmp_path: Path) -> None:
    folder = project_dir(tmp_path, '[disk]\nroots = [".", "../missing"]\n')
    load_project(folder)
    assert sorted(p.name for p in tmp_path.rglob("*")) == [CONFIG_FILE, "proj"]


def test_default_config_loads_like_no_config(tmp_path: Path) -> None:
    bare = load_project(project_dir(tmp_path))
    path = write_default_config(bare.root)
    assert path == bare.root / CONFIG_FILE
    assert path.read_text(encoding="utf-8") == DEFAULT_CONFIG
    configured = load_project(bare.root)
    assert configured.config_path == path
    assert configured == Project(**{**bare.__dict__, "config_path": path})


def test_co3_toml_sets_every_key(tmp_path: Path) -> None:
    (tmp_path / "photos").mkdir()
    folder = project_dir(
        tmp_path,
        """
        [database]
        url = "postgresql+psycopg://me@db.example/index"
        [disk]
        roots = [".", {path = "../photos", name = "pics"}]
        host = "laptop"
        ignore = ["*.tmp", "build/"]
        ignore_git = false
        follow_symlinks = true
        [diff]
        hash = "always"
        [sync]
        max_delete = 100
        [schema]
        entry = "mypkg.index:project"
        """,
    )
    project = load_project(folder)
    assert project.config_path == folder / CONFIG_FILE
    assert project.database_url == "postgresql+psycopg://me@db.example/index"
    assert project.roots == (Root("proj", folder), Root("pics", tmp_path.resolve() / "photos"))
    assert project.host == "laptop"
    assert project.ignore == ("*.tmp", "build/")
    assert project.ignore_patterns == ("*.tmp", "build/", ".co3/")
    assert (project.ignore_git, project.follow_symlinks, project.hash_policy) == (
        False,
        True,
        "always",
    )
    assert project.max_delete == DeleteLimit(count=100)
    assert project.schema_entry == "mypkg.index:project"


def test_tool_co3_in_pyproject(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.co3.diff]\nhash = "never"\n', encoding="utf-8"
    )
    project = load_project(folder)
    assert project.config_path == folder / "pyproject.toml"
    assert project.hash_policy == "never"
    assert project.shadowed_config is None


def test_empty_tool_co3_is_a_config_of_defaults(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    (folder / "pyproject.toml").write_text("[tool.co3]\n", encoding="utf-8")
    project = load_project(folder)
    assert project.config_path == folder / "pyproject.toml"
    assert project.hash_policy == "auto"


def test_pyproject_without_tool_co3_is_no_config(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    (folder / "pyproject.toml").write_text(
        '[project]\nname = "app"\ndependencies = ["co3>=0.7"]\n[tool.ruff]\n', encoding="utf-8"
    )
    assert load_project(folder).config_path is None


def test_co3_toml_wins_over_pyproject(tmp_path: Path) -> None:
    folder = project_dir(tmp_path, '[diff]\nhash = "always"\n')
    (folder / "pyproject.toml").write_text('[tool.co3.diff]\nhash = "never"\n', encoding="utf-8")
    project = load_project(folder)
    assert project.config_path == folder / CONFIG_FILE
    assert project.hash_policy == "always"
    assert project.shadowed_config == folder / "pyproject.toml"


def test_co3_toml_wins_over_a_broken_pyproject(tmp_path: Path) -> None:
    folder = project_dir(tmp_path, "")
    (folder / "pyproject.toml").write_text("[tool.co3\n", encoding="utf-8")
    project = load_project(folder)
    assert (project.config_path, project.shadowed_config) == (folder / CONFIG_FILE, None)


def test_errors_in_pyproject_name_the_tool_co3_tables(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    pyproject = folder / "pyproject.toml"
    pyproject.write_text('[tool.co3.diff]\nhash = "often"\n', encoding="utf-8")
    assert config_error(folder) == (
        f'{pyproject}: [tool.co3.diff] hash = "often" is not allowed; '
        'use "never", "auto" or "always".'
    )
    pyproject.write_text('[tool.co3]\nhash = "auto"\n', encoding="utf-8")
    assert config_error(folder) == (
        f'{pyproject}: [tool.co3] hash = "auto" belongs under [tool.co3.diff].'
    )
    pyproject.write_text('[tool]\nco3 = "yes"\n', encoding="utf-8")
    assert config_error(folder) == (
        f'{pyproject}: [tool] co3 = "yes" must be a table; '
        "write the settings under [tool.co3.disk] and the like."
    )


# Finding the project folder


def test_search_upwards_finds_the_nearest_marked_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    top = project_dir(tmp_path, "")
    deep = top / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert find_project_dir() == top
    assert load_project().root == top
    # A folder given explicitly is the project, searched no further.
    assert load_project(deep).root == deep
    assert load_project(deep).config_path is None


@pytest.mark.parametrize("marker", [".co3/", "pyproject.toml"])
def test_search_stops_at_index_folder_and_tool_co3(tmp_path: Path, marker: str) -> None:
    top = project_dir(tmp_path, "")  # an outer project the search must not reach
    inner = top / "inner"
    (inner / "sub").mkdir(parents=True)
    if marker == ".co3/":
        (inner / ".co3").mkdir()
    else:
        (inner / "pyproject.toml").write_text("[tool.co3.disk]\n", encoding="utf-8")
    assert find_project_dir(inner / "sub") == inner


def test_search_passes_a_pyproject_without_tool_co3(tmp_path: Path) -> None:
    top = project_dir(tmp_path, "")
    inner = top / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "co3-plugin"\n', encoding="utf-8")
    assert find_project_dir(inner) == top


def test_search_without_markers_uses_the_start_folder(tmp_path: Path) -> None:
    start = project_dir(tmp_path)
    for folder in start.parents:  # a marker left above pytest's folders would win
        pyproject = folder / "pyproject.toml"
        if (
            (folder / CONFIG_FILE).exists()
            or (folder / ".co3").is_dir()
            or (pyproject.is_file() and "tool.co3" in pyproject.read_text(errors="replace"))
        ):
            pytest.skip(f"{folder} marks a project, so every folder below belongs to it")
    assert find_project_dir(start) == start


def test_project_folder_through_a_symlink_is_resolved(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    (tmp_path / "link").symlink_to(folder)
    project = load_project(tmp_path / "link")
    assert project.root == folder
    assert project.roots == (Root("proj", folder),)


def test_missing_project_folder(tmp_path: Path) -> None:
    assert config_error(tmp_path / "nope") == (
        f"The project folder {tmp_path / 'nope'} does not exist; pass an existing folder."
    )


def test_project_folder_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert config_error(tmp_path / "file") == (
        f"The project folder {tmp_path / 'file'} is a file, not a folder; pass an existing folder."
    )


# The database URL


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///.co3/index.db", "sqlite:///{proj}/.co3/index.db"),
        ("sqlite:///index.db", "sqlite:///{proj}/index.db"),
        ("sqlite:///../shared/x.db", "sqlite:///{tmp}/shared/x.db"),
        ("sqlite:///data/x.db?timeout=5", "sqlite:///{proj}/data/x.db?timeout=5"),
        ("sqlite+pysqlite:///x.db", "sqlite+pysqlite:///{proj}/x.db"),
        ("sqlite:///file:x.db?mode=ro&uri=true", "sqlite:///file:{proj}/x.db?mode=ro&uri=true"),
        ("sqlite:////abs/x.db", "sqlite:////abs/x.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("postgresql+psycopg://u:pw@host:5432/db", "postgresql+psycopg://u:pw@host:5432/db"),
    ],
)
def test_database_url_in_config(tmp_path: Path, url: str, expected: str) -> None:
    folder = project_dir(tmp_path, f'[database]\nurl = "{url}"\n')
    wanted = expected.format(proj=folder, tmp=tmp_path.resolve())
    assert load_project(folder).database_url == wanted


def test_database_url_home_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    folder = project_dir(tmp_path, '[database]\nurl = "sqlite:///~/index.db"\n')
    assert load_project(folder).database_url == "sqlite:////home/someone/index.db"


def test_db_override_wins_and_resolves_from_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = project_dir(tmp_path, '[database]\nurl = "sqlite:///config.db"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert (
        load_project(folder, db_url="sqlite:///other.db").database_url
        == f"sqlite:///{elsewhere.resolve()}/other.db"
    )
    assert load_project(folder, db_url="sqlite:////abs.db").database_url == "sqlite:////abs.db"
    pg = "postgresql+psycopg://me@host/db"
    assert load_project(folder, db_url=pg).database_url == pg


def test_db_override_replaces_a_broken_config_url(tmp_path: Path) -> None:
    folder = project_dir(tmp_path, '[database]\nurl = "nonsense"\n')
    assert load_project(folder, db_url="sqlite://").database_url == "sqlite://"


def test_bad_db_override(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    assert config_error(folder, db_url="index.db") == (
        '--db "index.db" is not a database URL; use one such as '
        '"sqlite:///.co3/index.db" or "postgresql+psycopg://user@host/db".'
    )
    message = config_error(folder, db_url=" postgresql://me:secret@host/db")
    assert "secret" not in message
    assert message.startswith('--db " postgresql://me:***@host/db" is not a database URL;')


def test_identity_and_display_url_hide_the_password(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    project = load_project(folder, db_url="postgresql+psycopg://me:s3cret@db.example:5432/idx")
    assert "s3cret" not in project.identity
    assert "postgresql+psycopg://me@db.example:5432/idx" in project.identity
    assert project.display_url == "postgresql+psycopg://me:***@db.example:5432/idx"


def test_identity_is_stable_and_tells_projects_apart(tmp_path: Path) -> None:
    first = project_dir(tmp_path, name="first")
    second = project_dir(tmp_path, name="second")
    assert load_project(first).identity == load_project(first).identity
    identities = {
        load_project(first).identity,
        load_project(second).identity,
        load_project(first, db_url="sqlite:////elsewhere.db").identity,
    }
    (first / CONFIG_FILE).write_text('[disk]\nhost = "other"\n', encoding="utf-8")
    identities.add(load_project(first).identity)
    assert len(identities) == 4
    assert str(first) in load_project(first).identity


# Roots


def test_roots_as_strings_and_tables(tmp_path: Path) -> None:
    for name in ("music", "photos", "scans"):
        (tmp_path / name).mkdir()
    folder = project_dir(
        tmp_path,
        '[disk]\nroots = ["../music", {path = "../photos"}, '
        '{path = "../scans", name = "paper"}, {name = "self", path = "."}]\n',
    )
    base = tmp_path.resolve()
    assert load_project(folder).roots == (
        Root("music", base / "music"),
        Root("photos", base / "photos"),
        Root("paper", base / "scans"),
        Root("self", folder),
    )


def test_root_name_is_that_of_the_resolved_folder(tmp_path: Path) -> None:
    (tmp_path / "real-photos").mkdir()
    folder = project_dir(tmp_path, '[disk]\nroots = ["../pics/", "sub/.."]\n')
    (tmp_path / "pics").symlink_to(tmp_path / "real-photos")
    project = load_project(folder)
    assert [root.name for root in project.roots] == ["real-photos", "proj"]


def test_root_paths_expand_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / "notes").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    folder = project_dir(tmp_path, '[disk]\nroots = ["~/notes"]\n')
    assert load_project(folder).roots == (Root("notes", home.resolve() / "notes"),)


def test_missing_root_still_loads(tmp_path: Path) -> None:
    # The sync guard refuses a missing root and status reports it; loading must not.
    folder = project_dir(tmp_path, '[disk]\nroots = [".", "../unplugged-drive"]\n')
    assert load_project(folder).roots[1] == Root(
        "unplugged-drive", tmp_path.resolve() / "unplugged-drive"
    )


def test_filesystem_root_needs_a_name(tmp_path: Path) -> None:
    folder = project_dir(tmp_path, '[disk]\nroots = [{path = "/", name = "all"}]\n')
    assert load_project(folder).roots == (Root("all", Path("/")),)


# Values and their checks


def test_host_default_and_override(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    assert load_project(folder).host == socket.gethostname()
    (folder / CONFIG_FILE).write_text('[disk]\nhost = "nas-01"\n', encoding="utf-8")
    assert load_project(folder).host == "nas-01"


@pytest.mark.parametrize("value", ['"auto"', '"never"', '"always"'])
def test_hash_policies(tmp_path: Path, value: str) -> None:
    folder = project_dir(tmp_path, f"[diff]\nhash = {value}\n")
    assert load_project(folder).hash_policy == value.strip('"')


@pytest.mark.parametrize(
    ("value", "text", "limits"),
    [
        ('"50%"', "50%", {0: 0, 1: 0, 3: 1, 10: 5, 11: 5}),
        ('"0%"', "0%", {0: 0, 10: 0}),
        ('"100%"', "100%", {0: 0, 7: 7}),
        ('"12.5%"', "12.5%", {8: 1, 15: 1, 16: 2}),
        ('" 33.3% "', "33.3%", {3: 0, 1000: 333}),
        ("0", "0", {0: 0, 10: 0}),
        ("250", "250", {0: 250, 10_000: 250}),
    ],
)
def test_max_delete(tmp_path: Path, value: str, text: str, limits: dict[int, int]) -> None:
    project = load_project(project_dir(tmp_path, f"[sync]\nmax_delete = {value}\n"))
    assert str(project.max_delete) == text
    assert {rows: project.delete_limit(rows) for rows in limits} == limits


def test_ignore_git_off_and_patterns_order(tmp_path: Path) -> None:
    folder = project_dir(tmp_path, '[disk]\nignore = ["!keep.tmp", "*.tmp"]\nignore_git = false\n')
    assert load_project(folder).ignore_patterns == ("!keep.tmp", "*.tmp", ".co3/")


# Every error message, whole: one sentence naming the file, the key, the value, the fix.

ERRORS = [
    (
        "[dsik]\nroots = []\n",
        "[dsik] is not a known co3 setting; did you mean [disk]?",
    ),
    (
        "[extras]\n",
        "[extras] is not a known co3 setting; use one of [database], [disk], [diff], [sync], "
        "[schema].",
    ),
    (
        "colour = true\n",
        "colour = true is not a known co3 setting; settings go under [database], [disk], "
        "[diff], [sync], [schema].",
    ),
    ('hash = "auto"\n', 'hash = "auto" belongs under [diff].'),
    ("disk = 3\n", "disk = 3 must be the table [disk]."),
    (
        '[diff]\nhsah = "auto"\n',
        '[diff] hsah = "auto" is not a known co3 setting; did you mean hash?',
    ),
    ("[sync]\nlimit = 3\n", "[sync] limit = 3 is not a known co3 setting; use one of max_delete."),
    ("[database]\nurl = 5\n", "[database] url = 5 must be a string."),
    (
        '[database]\nurl = "index.db"\n',
        '[database] url = "index.db" is not a database URL; use one such as '
        '"sqlite:///.co3/index.db" or "postgresql+psycopg://user@host/db".',
    ),
    (
        '[database]\nurl = "sqlite://index.db"\n',
        '[database] url = "sqlite://index.db" names a host, which SQLite has not; put the file '
        'path after three slashes, as in "sqlite:///.co3/index.db".',
    ),
    (
        '[database]\nurl = "postgresql://me:hunter2@host/db "\n',
        '[database] url = "postgresql://me:***@host/db " is not a database URL; use one such as '
        '"sqlite:///.co3/index.db" or "postgresql+psycopg://user@host/db".',
    ),
    (
        '[diff]\nhash = "sha256"\n',
        '[diff] hash = "sha256" is not allowed; use "never", "auto" or "always".',
    ),
    (
        "[diff]\nhash = true\n",
        '[diff] hash = true is not allowed; use "never", "auto" or "always".',
    ),
    *[
        (
            f"[sync]\nmax_delete = {value}\n",
            f"[sync] max_delete = {value} is not allowed; use a share from "
            '"0%" to "100%" or a number of rows, such as 1000.',
        )
        for value in ('"150%"', "-1", '"-1"', '"abc"', '"50"', "0.5", "true", '"100.01%"')
    ],
    ('[disk]\nroots = "."\n', '[disk] roots = "." must be a list of folders, such as ["."].'),
    (
        "[disk]\nroots = []\n",
        '[disk] roots = [] lists no folder; list at least one, such as ["."].',
    ),
    (
        '[disk]\nroots = [".", 3]\n',
        '[disk] roots entry 2 = 3 must be a folder path or {path = "...", name = "..."}.',
    ),
    (
        '[disk]\nroots = [""]\n',
        '[disk] roots entry 1 = "" must be a folder path or {path = "...", name = "..."}.',
    ),
    (
        '[disk]\nroots = [{name = "x"}]\n',
        '[disk] roots entry 1 = {name = "x"} must be a folder path or '
        '{path = "...", name = "..."}.',
    ),
    (
        '[disk]\nroots = [{path = ".", nmae = "x"}]\n',
        '[disk] roots entry 1 nmae = "x" is not a known co3 setting; did you mean name?',
    ),
    (
        '[disk]\nroots = [{path = ".", name = "a/b"}]\n',
        '[disk] roots entry 1 name = "a/b" must be a name without "/" or control characters, '
        'not "..".',
    ),
    (
        '[disk]\nroots = [{path = ".", name = ""}]\n',
        '[disk] roots entry 1 name = "" must be a name without "/" or control characters, '
        'not "..".',
    ),
    (
        '[disk]\nroots = [{path = ".", name = 7}]\n',
        '[disk] roots entry 1 name = 7 must be a name without "/" or control characters, not "..".',
    ),
    (
        '[disk]\nroots = ["/"]\n',
        '[disk] roots entry 1 = "/" has no usable folder name; name it, as in '
        '{path = "/", name = "x"}.',
    ),
    (
        '[disk]\nroots = [".", "../twin/proj"]\n',
        '[disk] roots entries 1 and 2 are both named "proj" ({tmp}/proj and {tmp}/twin/proj); '
        'give one another name, as in {path = "...", name = "..."}.',
    ),
    (
        '[disk]\nroots = [".", "sub"]\n',
        "[disk] roots entries 1 and 2 overlap ({tmp}/proj and {tmp}/proj/sub), so files would "
        "be indexed twice; keep the outer folder only, and leave parts of it out with "
        "[disk] ignore.",
    ),
    (
        '[disk]\nroots = [{path = "sub", name = "a"}, {path = "./sub/", name = "b"}]\n',
        "[disk] roots entries 1 and 2 overlap ({tmp}/proj/sub and {tmp}/proj/sub), so files "
        "would be indexed twice; keep the outer folder only, and leave parts of it out with "
        "[disk] ignore.",
    ),
    (
        '[disk]\nroots = ["notes.txt"]\n',
        '[disk] roots entry 1 = "notes.txt" is a file ({tmp}/proj/notes.txt), not a folder; '
        "list folders.",
    ),
    (
        '[disk]\nhost = ""\n',
        '[disk] host = "" must be a name without control characters (leave it out to use '
        "this machine's name).",
    ),
    (
        '[disk]\nhost = "a\\nb"\n',
        '[disk] host = "a\\nb" must be a name without control characters (leave it out to use '
        "this machine's name).",
    ),
    (
        '[disk]\nignore = "*.tmp"\n',
        '[disk] ignore = "*.tmp" must be a list of one-line gitignore-style patterns, such as '
        '["*.tmp", "build/"].',
    ),
    (
        '[disk]\nignore = ["*.tmp", 3]\n',
        '[disk] ignore = ["*.tmp", 3] must be a list of one-line gitignore-style patterns, '
        'such as ["*.tmp", "build/"].',
    ),
    ('[disk]\nfollow_symlinks = "no"\n', '[disk] follow_symlinks = "no" must be true or false.'),
    ("[disk]\nignore_git = 0\n", "[disk] ignore_git = 0 must be true or false."),
    *[
        (
            f"[schema]\nentry = {value}\n",
            f'[schema] entry = {value} must be "module:attribute", such as "mypkg.index:project".',
        )
        for value in ('"mypkg"', '"mypkg:"', '":obj"', '"my-pkg:obj"', '"a:b:c"', "1")
    ],
]


@pytest.mark.parametrize(("config", "expected"), ERRORS)
def test_error_messages(tmp_path: Path, config: str, expected: str) -> None:
    (tmp_path / "twin" / "proj").mkdir(parents=True)
    folder = project_dir(tmp_path, config)
    (folder / "sub").mkdir()
    (folder / "notes.txt").write_text("not a folder", encoding="utf-8")
    wanted = f"{folder / CONFIG_FILE}: " + expected.replace("{tmp}", str(tmp_path.resolve()))
    assert config_error(folder) == wanted


def test_long_values_are_shortened_in_messages(tmp_path: Path) -> None:
    folder = project_dir(tmp_path, f'[diff]\nhash = "{"x" * 200}"\n')
    message = config_error(folder)
    assert '"xxxx' in message
    assert "x" * 100 not in message
    assert message.endswith('is not allowed; use "never", "auto" or "always".')


@pytest.mark.parametrize(
    ("config", "where"),
    [
        ('[diff]\nhash = "auto\n', "line 2, column 13 (illegal character '\\n')"),
        ("[disk]\n[disk]\n", "line 2, column 6 (cannot declare ('disk',) twice)"),
        ("[sync]\nmax_delete =", "the end of the file (invalid value)"),
    ],
)
def test_invalid_toml_names_line_and_column(tmp_path: Path, config: str, where: str) -> None:
    folder = project_dir(tmp_path, config)
    assert config_error(folder) == (
        f"{folder / CONFIG_FILE}: invalid TOML at {where}; fix it there."
    )


def test_config_that_is_not_utf8(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    (folder / CONFIG_FILE).write_bytes(b'[disk]\nhost = "caf\xe9"\n')
    assert config_error(folder) == (
        f"{folder / CONFIG_FILE}: byte 18 is not UTF-8; save it as UTF-8."
    )


def test_config_that_is_a_folder(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    (folder / CONFIG_FILE).mkdir()
    assert config_error(folder) == (
        f"{folder / CONFIG_FILE} cannot be read (Is a directory); make it readable."
    )


def test_invalid_pyproject_with_tool_co3(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    (folder / "pyproject.toml").write_text("[tool.co3\n", encoding="utf-8")
    assert config_error(folder) == (
        f"{folder / 'pyproject.toml'}: invalid TOML at line 1, column 10 "
        "(expected ']' at the end of a table declaration); fix it there."
    )


# co3 init


def test_write_default_config_refuses_an_existing_file(tmp_path: Path) -> None:
    folder = project_dir(tmp_path, "# mine\n")
    with pytest.raises(ConfigError) as info:
        write_default_config(folder)
    assert str(info.value) == (
        f"{folder / CONFIG_FILE} already exists; edit it, or remove it to start over."
    )
    assert (folder / CONFIG_FILE).read_text(encoding="utf-8") == "# mine\n"


def test_write_default_config_refuses_tool_co3(tmp_path: Path) -> None:
    folder = project_dir(tmp_path)
    (folder / "pyproject.toml").write_text("[tool.co3.disk]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        write_default_config(folder)
    assert str(info.value) == (
        f"{folder / 'pyproject.toml'} already configures co3 in [tool.co3]; "
        "edit it there instead of creating co3.toml."
    )
    assert not (folder / CONFIG_FILE).exists()


def test_write_default_config_needs_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        write_default_config(tmp_path / "missing")


# Documentation and import cost


def test_docs_show_the_default_config_and_every_key() -> None:
    from co3.project import _SECTIONS

    docs = DOCS.read_text(encoding="utf-8")
    assert DEFAULT_CONFIG in docs
    for section, keys in _SECTIONS.items():
        assert f"## [{section}]" in docs
        for key in keys:
            assert f"`{key}`" in docs, f"docs/config.md does not document [{section}] {key}"


def test_import_and_load_stay_light(tmp_path: Path) -> None:
    folder = project_dir(tmp_path, '[disk]\nignore = ["*.tmp"]\n')
    code = (
        "import sys\n"
        "import co3.project\n"
        "heavy = [m for m in ('sqlalchemy', 'pathspec', 'tomllib', 'socket') if m in sys.modules]\n"
        "assert not heavy, f'import co3.project loaded {heavy}'\n"
        f"co3.project.load_project({str(folder)!r})\n"
        "heavy = [m for m in ('sqlalchemy', 'pathspec') if m in sys.modules]\n"
        "assert not heavy, f'load_project loaded {heavy}'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=os.sep
    )
    assert result.returncode == 0, result.stderr
