"""The ``co3-tui`` command: bad input is one sentence and exit 2, before the app starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from co3_tui.cli import main, parse_options
from co3_tui.options import Options

COMMAND = (sys.executable, "-m", "co3_tui")


def co3_tui(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CO3_")}
    return subprocess.run(
        [*COMMAND, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def fails(*args: str, cwd: Path) -> str:
    """Run ``co3-tui ARGS``; check exit 2 and one sentence on stderr; return it."""
    result = co3_tui(*args, cwd=cwd)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("co3-tui: ")
    assert lines[0].endswith("."), lines[0]
    assert result.stdout == ""
    return lines[0]


def test_missing_project_folder(tmp_path: Path) -> None:
    message = fails(str(tmp_path / "nowhere"), cwd=tmp_path)
    assert "nowhere" in message


def test_malformed_config(tmp_path: Path) -> None:
    (tmp_path / "co3.toml").write_text("[database\nurl = 1\n")
    message = fails(str(tmp_path), cwd=tmp_path)
    assert "co3.toml" in message


def test_bad_config_value(tmp_path: Path) -> None:
    (tmp_path / "co3.toml").write_text('[diff]\nhash = "sometimes"\n')
    assert "hash" in fails(str(tmp_path), cwd=tmp_path)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--no-such-option"], "unrecognized arguments"),
        (["--open"], "expected one argument"),
        (["a", "b"], "unrecognized arguments"),
        (["--db", "not a url"], "is not a database URL"),
    ],
)
def test_bad_arguments(tmp_path: Path, args: list[str], expected: str) -> None:
    assert expected in fails(*args, cwd=tmp_path)


def test_demo_with_project_dir(tmp_path: Path) -> None:
    # ``--demo DIR`` then PROJECT_DIR: the second folder is the project.
    assert "--demo" in fails("--demo", str(tmp_path / "d"), str(tmp_path), cwd=tmp_path)
    assert "--demo" in fails(str(tmp_path), "--demo", cwd=tmp_path)


def test_demo_with_db(tmp_path: Path) -> None:
    assert "--demo" in fails("--demo", "--db", "sqlite:///x.db", cwd=tmp_path)


def test_demo_in_a_folder_that_is_not_a_demo(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    message = fails("--demo", str(tmp_path), cwd=tmp_path)
    assert "not empty" in message
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_help_exits_zero(tmp_path: Path) -> None:
    result = co3_tui("--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in ("PROJECT_DIR", "--db", "--read-only", "--open", "--demo"):
        assert option in result.stdout


def test_error_path_never_imports_textual(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from co3_tui.cli import main\n"
        f"assert main([{str(tmp_path / 'nowhere')!r}]) == 2\n"
        "assert 'textual' not in sys.modules, 'textual was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_parse_options(tmp_path: Path) -> None:
    (tmp_path / "co3.toml").write_text("")
    options = parse_options([str(tmp_path), "--read-only", "--open", "files"])
    assert options.project.root == tmp_path.resolve()
    assert options.read_only and options.open_component == "files"
    alone = parse_options(["--db", "sqlite:///x.db"])
    assert alone.project is None and alone.db_url == "sqlite:///x.db" and alone.read_only
    demo = parse_options(["--demo"])
    assert demo.demo and demo.demo_dir is None
    assert parse_options(["--demo", str(tmp_path / "d")]).demo_dir == tmp_path / "d"


def test_temporary_demo_is_removed_on_exit() -> None:
    seen: list[Options] = []

    def launch(options: Options) -> int:
        assert options.demo_dir is not None
        assert options.demo_dir.parent.is_dir()
        seen.append(options)
        return 0

    assert main(["--demo"], launch=launch) == 0
    assert not seen[0].demo_dir.parent.exists()  # type: ignore[union-attr]


def test_temporary_demo_is_removed_when_the_app_fails() -> None:
    seen: list[Any] = []

    def launch(options: Options) -> int:
        seen.append(options.demo_dir)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        main(["--demo"], launch=launch)
    assert not seen[0].parent.exists()


def test_demo_dir_is_kept(tmp_path: Path) -> None:
    assert main(["--demo", str(tmp_path / "d")], launch=lambda options: 0) == 0
    # The app builds the demo; the command neither creates nor removes DIR.
    assert not (tmp_path / "d").exists()


def test_the_real_app_runs_and_quits(tmp_path: Path) -> None:
    """``co3-tui --demo DIR`` end to end: the app starts, shows the demo, ``q`` quits."""
    from co3_tui.app import Co3App
    from tests.co3_tui.helpers import settle

    shown: list[str] = []

    async def drive(pilot: Any) -> None:
        await settle(pilot)
        shown.append(str(pilot.app.screen.query_one("#rows-panel").border_title))
        await pilot.press("q")

    def launch(options: Options) -> int:
        app = Co3App(options)
        app.run(headless=True, size=(120, 36), auto_pilot=drive)
        return app.return_code or 0

    assert main(["--demo", str(tmp_path / "demo")], launch=launch) == 0
    assert shown == ["files · 191 rows · sorted by host, root, path ▲ · filter: none"]
    assert (tmp_path / "demo" / ".co3" / "index.db").exists()


def test_temporary_demo_is_removed_when_the_app_is_killed() -> None:
    import signal

    saved = {n: signal.getsignal(n) for n in (signal.SIGTERM, signal.SIGHUP)}
    seen: list[Any] = []

    def launch(options: Options) -> int:
        seen.append(options.demo_dir)
        os.kill(os.getpid(), signal.SIGTERM)
        return 0

    try:
        with pytest.raises(SystemExit) as exit_:
            main(["--demo"], launch=launch)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
    assert exit_.value.code == 128 + signal.SIGTERM
    assert not seen[0].parent.exists()
