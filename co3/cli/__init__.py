"""The ``co3`` command: keep a tree of files and the database indexing it in step.

Every command takes ``--project DIR`` and ``--db URL``, before or after its name. Exit
codes (DESIGN.md section 7): 0 clean or done, 1 changes found / applied with skips or
cancelled, 2 failure or usage error, 3 refused by a guard (nothing written).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from co3.exceptions import Co3Error

__all__ = ["build_parser", "main"]

EXIT_FAILURE = 2


def _common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--project",
        metavar="DIR",
        default=default,
        help="the project folder (default: the current folder)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        default=default,
        help="the database URL, instead of the configured one",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser (README's command reference is generated from it)."""
    parser = argparse.ArgumentParser(
        prog="co3",
        description="Keep a tree of files and the database that indexes it in step.",
    )
    _common(parser, suppress=False)
    from co3 import __version__

    parser.add_argument("--version", action="version", version=f"co3 {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".")
        _common(p, suppress=True)
        return p

    command("init", "write co3.toml with the defaults and create an empty index")

    p = command("status", "show what differs between the disk and the index")
    p.add_argument("--json", action="store_true", help="print one JSON object (a plan)")

    p = command("sync", "bring the index in step with the disk")
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before writing")
    p.add_argument(
        "--force", action="store_true", help="apply even when a mass-delete guard refuses"
    )
    p.add_argument(
        "--plan",
        metavar="FILE",
        help="apply the plan saved from `co3 status --json` (each item re-checked)",
    )

    p = command("watch", "keep the index in step as files change, until Ctrl-C")
    p.add_argument(
        "--interval",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="full rescan interval, repairing what the watcher missed (default: 60)",
    )
    p.add_argument(
        "--force", action="store_true", help="apply even when a mass-delete guard refuses"
    )

    command("schema", "list the components of the database and their columns")

    p = command("select", "print the rows of a component")
    p.add_argument("component", metavar="COMPONENT", help="the component (table) name")
    p.add_argument("--where", metavar="EXPR", help="filter: col op value [and ...], or text")
    p.add_argument("--limit", type=int, metavar="N", help="print at most N rows")
    p.add_argument("--json", action="store_true", help="print a JSON list of objects")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``co3`` command; returns its exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command in ("schema", "select"):
            from co3.cli import database_commands as commands
        else:
            from co3.cli import index_commands as commands  # type: ignore[no-redef]
        result: int = getattr(commands, "cmd_" + args.command)(args)
        return result
    except Co3Error as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        print("co3: interrupted; nothing more was written.", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        where = f" ({os.fsdecode(exc.filename)})" if exc.filename else ""
        _fail(f"{exc.strerror or exc}{where}; check the path and its permissions.")
    except Exception as exc:  # a bug of ours: one sentence, details on request
        _fail(
            f"internal error ({type(exc).__name__}: {exc}); please report it, "
            "with the output of the same command run with CO3_DEBUG=1."
        )
    return EXIT_FAILURE


def _fail(message: str) -> None:
    print(f"co3: {message}", file=sys.stderr)
    if os.environ.get("CO3_DEBUG"):
        import traceback

        traceback.print_exc()


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
