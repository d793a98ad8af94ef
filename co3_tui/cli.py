"""The ``co3-tui`` command: check the arguments and the project, then start the app.

Argument and configuration errors are one sentence on stderr and exit status 2, before
the app starts; Textual is imported only once they are ruled out, so that path stays
fast. Anything that needs the database runs inside the app, in a worker.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from co3.exceptions import Co3Error
from co3_tui.options import Options

__all__ = ["EXIT_USAGE", "build_parser", "main", "parse_options", "run"]

EXIT_USAGE = 2

_DESCRIPTION = """\
Browse a co3 project's database: its components, their columns and their rows.

Keys: / filter, o sort by the cursor's column (again: reversed), enter shows a row,
Home/End first and last rows, ? help, q quit."""


class UsageError(Exception):
    """An argument or configuration error: one sentence for stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one sentence pointing at ``--help``."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; see {self.prog} --help.")


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    parser = _Parser(
        prog="co3-tui",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "project",
        nargs="?",
        metavar="PROJECT_DIR",
        help="the project folder (default: the nearest folder, from the current one "
        "upwards, holding co3.toml or .co3/)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        help="the database URL; without PROJECT_DIR, any SQLite or PostgreSQL database "
        "(its tables are reflected and browsed read-only)",
    )
    parser.add_argument("--read-only", action="store_true", help="open the database read-only")
    parser.add_argument("--open", metavar="COMPONENT", help="start on this component's rows")
    parser.add_argument(
        "--demo",
        nargs="?",
        const="",
        metavar="DIR",
        help="build a sample project and open it; in DIR (absent, empty or an earlier "
        "demo, then rebuilt) or in a temporary folder removed on exit",
    )
    return parser


def parse_options(argv: Sequence[str] | None = None) -> Options:
    """Parse the arguments and load the project; never imports Textual.

    Raises:
        UsageError: a bad argument, a missing project folder or a broken config.
    """
    args = build_parser().parse_args(argv)
    if args.demo is not None:
        if args.project is not None or args.db is not None:
            raise UsageError("--demo opens its own project: give it without PROJECT_DIR and --db.")
        from co3_tui.demo import DemoError, check_demo_folder

        folder = None
        if args.demo:
            try:
                folder = check_demo_folder(args.demo)
            except DemoError as exc:
                raise UsageError(str(exc)) from None
        return Options(
            read_only=args.read_only, open_component=args.open, demo=True, demo_dir=folder
        )
    if args.db is not None and "://" not in args.db:
        raise UsageError(
            f"{args.db!r} is not a database URL; give one like sqlite:///path/to/file.db "
            "or postgresql+psycopg://user@host/dbname."
        )
    if args.db is not None and args.project is None:
        return Options(db_url=args.db, read_only=True, open_component=args.open)
    from co3.project import load_project

    try:
        project = load_project(args.project, db_url=args.db)
    except Co3Error as exc:
        raise UsageError(str(exc)) from None
    return Options(project=project, read_only=args.read_only, open_component=args.open)


def _run_app(options: Options) -> int:
    from co3_tui.app import Co3App

    app = Co3App(options)
    app.run()
    return app.return_code or 0


def main(argv: Sequence[str] | None = None, *, launch: Any = None) -> int:
    """Run ``co3-tui``; returns its exit status.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
        launch: runs the app given the options (tests replace it); default: Textual.
    """
    try:
        options = parse_options(argv)
    except UsageError as exc:
        print(f"co3-tui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    launch = launch or _run_app
    if not options.demo or options.demo_dir is not None:
        return int(launch(options))
    folder = Path(tempfile.mkdtemp(prefix="co3-demo-")) / "demo"
    try:
        _exit_on_hangup()
        return int(launch(dataclasses.replace(options, demo_dir=folder)))
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


def _exit_on_hangup() -> None:
    """Closing the terminal or ``kill`` still removes the temporary demo."""
    import signal

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    for name in ("SIGHUP", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) == signal.SIG_DFL:
            signal.signal(number, leave)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
