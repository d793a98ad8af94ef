"""The ``co3`` command: keep a tree of files and the database indexing it in step.

Every command takes ``--project DIR`` and ``--db URL``, before or after its name. Exit
codes (DESIGN.md section 7): 0 clean or done, 1 changes found / applied with skips or
cancelled, 2 failure or usage error, 3 refused by a guard (nothing written). Every
failure is one sentence on stderr saying what happened and what to do; ``CO3_DEBUG=1``
adds the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, cast

from co3.exceptions import Co3Error

__all__ = ["build_parser", "main"]

EXIT_FAILURE = 2

EXIT_STATUS = """\
exit status:
  0  clean, or everything was applied
  1  changes or read errors found; applied with skips; cancelled
  2  failure or usage error (one sentence on stderr says what to do)
  3  a mass-delete guard refused the sync (nothing was written)"""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one sentence pointing at ``--help``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: dict[str, argparse.ArgumentParser] = {}

    def error(self, message: str) -> NoReturn:
        if message.startswith("the following arguments are required: COMMAND"):
            message = "a command is required (init, status, sync, watch, schema or select)"
        self.exit(EXIT_FAILURE, f"{self.prog}: {message}; see {self.prog} --help.\n")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def _common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--project",
        metavar="DIR",
        default=default,
        help="the project folder (default: the nearest folder, from the current one "
        "upwards, holding co3.toml or .co3/)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        default=default,
        help="the database URL, instead of [database] url (a relative SQLite path "
        "resolves from the current folder)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser (README's command reference is generated from it)."""
    parser = _Parser(
        prog="co3",
        description="Keep a tree of files and the database that indexes it in step.",
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(parser, suppress=False)
    from co3 import __version__

    parser.add_argument("--version", action="version", version=f"co3 {__version__}")
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )

    def command(name: str, help: str, details: str = "") -> argparse.ArgumentParser:
        description = help[0].upper() + help[1:] + "." + (f"\n\n{details}" if details else "")
        p = sub.add_parser(
            name,
            help=help,
            description=description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        _common(p, suppress=True)
        parser.commands[name] = p
        return p

    command(
        "init",
        "write co3.toml with the defaults and create an empty index",
        "Refuses where co3.toml or the index already exists. Exit status 0, or 2.",
    )

    p = command(
        "status",
        "show what differs between the disk and the index",
        "One line per item: '+ path' new, 'M path' modified, 'T path' touched (same\n"
        "content), 'R old -> new' moved, '- path' gone, '! path: error'. Names with\n"
        "control characters or bytes that are not UTF-8 are C-quoted, as git does.\n"
        "Never writes to the index. Exit status 0 clean, 1 changes or errors, 2 failure.",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object instead (a plan that co3 sync --plan applies)",
    )

    p = command(
        "sync",
        "bring the index in step with the disk",
        "Disk is the source of truth; nothing on disk is written. On a terminal, sync\n"
        "shows the changes and asks first; elsewhere it needs --yes. Ctrl-C stops after\n"
        "the current chunk.",
    )
    p.epilog = EXIT_STATUS
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before writing")
    p.add_argument(
        "--force",
        action="store_true",
        help="apply even when a guard refuses (a missing or emptied root, or more "
        "deletes than [sync] max_delete allows)",
    )
    p.add_argument(
        "--plan",
        metavar="FILE",
        help="apply the plan saved by co3 status --json; items that changed since are "
        "skipped and reported",
    )

    p = command(
        "watch",
        "keep the index in step as files change, until Ctrl-C",
        "Syncs, then syncs again shortly after files change (bursts of changes are\n"
        "coalesced) and at every interval. Exit status 0 on Ctrl-C, 2 on failure.",
    )
    p.add_argument(
        "--interval",
        type=_positive_seconds,
        default=60.0,
        metavar="SECONDS",
        help="full rescan interval, repairing what the watcher missed (default: 60)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="apply even when a guard refuses (see co3 sync --help)",
    )

    command(
        "schema",
        "list the components of the database and their columns",
        "Exit status 0, or 2.",
    )

    p = command(
        "select",
        "print the rows of a component",
        "Tab-separated values with a header line, or a JSON list with --json.\n"
        "Exit status 0, or 2.",
    )
    p.add_argument("component", metavar="COMPONENT", help="the component (table) name")
    p.add_argument(
        "--where",
        metavar="EXPR",
        help="filter: 'col op value [and ...]' with = != < <= > >= ~ (contains), or text",
    )
    p.add_argument("--limit", type=int, metavar="N", help="print at most N rows")
    p.add_argument("--json", action="store_true", help="print a JSON list of objects")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``co3`` command; returns its exit code."""
    parser = cast(_Parser, build_parser())
    args, extra = parser.parse_known_args(argv)
    if extra:
        # Point at the help of the command whose options were mistyped.
        command = parser.commands.get(args.command, parser)
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        import importlib

        group = "database" if args.command in ("schema", "select") else "index"
        commands = importlib.import_module(f"co3.cli.{group}_commands")
        result: int = getattr(commands, "cmd_" + args.command)(args)
        return result
    except Co3Error as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        print("co3: interrupted; nothing more was written.", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: not an error of ours. `status` only
        # prints when there are changes, so a closed pipe there means exit 1.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1 if args.command == "status" else 0
    except OSError as exc:
        where = f" ({os.fsdecode(exc.filename)})" if exc.filename else ""
        _fail(f"{exc.strerror or exc}{where}; check the path and its permissions.")
    except Exception as exc:
        message = _database_failure(exc)
        if message is None:  # a bug of ours: one sentence, details on request
            message = (
                f"internal error ({type(exc).__name__}: {exc}); please report it, "
                "with the output of the same command run with CO3_DEBUG=1."
            )
        _fail(message)
    return EXIT_FAILURE


def _database_failure(exc: Exception) -> str | None:
    """One sentence for an error the database driver raised, or None if it is not one."""
    if type(exc).__module__.partition(".")[0] not in ("sqlite3", "psycopg"):
        return None
    text = str(exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    if "locked" in reason:
        return (
            f"the index is locked by another program writing to it ({reason}); "
            "wait for it to finish, then run this again."
        )
    return f"the database failed ({reason}); check the database, then run this again."


def _fail(message: str) -> None:
    print(f"co3: {message}", file=sys.stderr)
    if os.environ.get("CO3_DEBUG"):
        import traceback

        traceback.print_exc()


def _tolerant_output() -> None:
    """Let any name reach stdout and stderr: as its bytes on UTF-8, else escaped.

    Quoted names are ASCII, but messages may hold a folder name that is not UTF-8
    (decoded with surrogateescape), and an ASCII-only stdout cannot show "é".
    """
    import codecs
    import io

    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            utf8 = codecs.lookup(stream.encoding).name == "utf-8"
            stream.reconfigure(errors="surrogateescape" if utf8 else "backslashreplace")


def run() -> None:
    """Console-script entry point."""
    _tolerant_output()
    sys.exit(main())
