"""``co3 init``, ``status``, ``sync`` and ``watch``: the file index from the command line."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from co3.exceptions import Co3Error
from co3.fileindex.index import FileIndex
from co3.fileindex.plan import CHANGE_KINDS, Plan, PlanError, iter_shown, quote_path
from co3.fileindex.sync import SyncOutcome, check_guards
from co3.project import Project, load_project, write_default_config

__all__ = ["cmd_init", "cmd_status", "cmd_sync", "cmd_watch"]


def _project(args: argparse.Namespace) -> Project:
    return load_project(args.project, db_url=args.db)


def _summary(plan: Plan) -> str:
    counts = plan.counts()
    parts = [f"{counts[k]} {k}" for k in CHANGE_KINDS if counts[k]]
    if counts["errors"]:
        parts.append("1 error" if counts["errors"] == 1 else f"{counts['errors']} errors")
    parts.append(f"{counts['unchanged']} unchanged")
    return ", ".join(parts)


def _print_missing_roots(plan: Plan, out: TextIO) -> None:
    for root in plan.roots:
        if root.missing:
            print(f"! {quote_path(root.name)}/: root folder {root.path} is missing", file=out)


def cmd_init(args: argparse.Namespace) -> int:
    """Write co3.toml with the defaults and create an empty index; refuse if either exists."""
    folder = Path(args.project or ".")
    if (folder / "co3.toml").exists():
        raise Co3Error(f"{folder / 'co3.toml'} already exists; edit it instead of running init.")
    project = load_project(folder, db_url=args.db)
    with FileIndex(project) as index:
        if index.exists():
            raise Co3Error(
                f"an index already exists at {project.display_url}; "
                "run co3 status to see it, or choose another database with --db."
            )
        config = write_default_config(
            folder, database_url=project.database_url if args.db is not None else None
        )
        try:
            index.store.create()
        except BaseException:
            config.unlink(missing_ok=True)  # a failed init leaves no config behind
            raise
    print(
        f"co3: wrote {config} and created an empty index at {project.display_url}; "
        "run co3 sync to index the files."
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Print what differs; exit 0 when clean, 1 when there are changes or errors."""
    project = _project(args)
    with FileIndex(project, read_only=True) as index:
        plan = index.status()
    if args.json:
        json.dump(plan.to_json(), sys.stdout, ensure_ascii=True)
        sys.stdout.write("\n")
    else:
        out = sys.stdout
        for line in iter_shown(plan):
            out.write(line + "\n")
        _print_missing_roots(plan, out)
        if sys.stderr.isatty():
            print(_summary(plan), file=sys.stderr)
    return 0 if plan.is_clean and not any(r.missing for r in plan.roots) else 1


def _read_plan(path: str, project: Project) -> Plan:
    try:
        with open(path, encoding="ascii") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise PlanError(f"cannot read the plan {path} ({exc.strerror}); check the path.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise PlanError(
            f"{path} is not a JSON plan ({exc}); save one with co3 status --json > {path}."
        ) from exc
    return Plan.from_json(
        data, project=project.identity, database=project.display_url, host=project.host
    )


@contextmanager
def _cancel_on_sigint() -> Iterator[threading.Event]:
    """Ctrl-C sets the event (the current chunk finishes); a second one interrupts."""
    event = threading.Event()

    def handler(signum: int, frame: Any) -> None:
        if event.is_set():
            raise KeyboardInterrupt
        event.set()
        print(
            "\nco3: stopping after the current chunk (Ctrl-C again to stop now)...", file=sys.stderr
        )

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield event
    finally:
        # Once asked to stop, the command only reports and exits: a late second Ctrl-C
        # must not turn that into an interruption.
        signal.signal(signal.SIGINT, signal.SIG_IGN if event.is_set() else previous)


def _report_outcome(plan: Plan, outcome: SyncOutcome) -> None:
    counts = outcome.counts
    done = ", ".join(
        f"{counts[k]} {k}"
        for k in ("inserted", "updated", "touched", "moved", "deleted")
        if counts.get(k)
    )
    print(f"co3: {done or 'nothing written'}.", file=sys.stderr)
    for change, reason in outcome.skipped[:20]:
        print(
            f"skipped {quote_path(plan.display(change.root, change.path))}: {reason}",
            file=sys.stderr,
        )
    if len(outcome.skipped) > 20:
        print(f"... and {len(outcome.skipped) - 20} more skipped", file=sys.stderr)
    if outcome.errors:
        errors = "1 read error" if outcome.errors == 1 else f"{outcome.errors} read errors"
        print(
            f"co3: deletes were held back after {errors}; co3 status shows them.",
            file=sys.stderr,
        )
    if outcome.cancelled:
        print(
            "co3: cancelled after a whole chunk, and the journal records a partial run; "
            "run co3 sync again to finish.",
            file=sys.stderr,
        )


def cmd_sync(args: argparse.Namespace) -> int:
    """Apply the plan (computed now, or read with --plan) after the guards and a confirmation."""
    project = _project(args)
    interactive = sys.stdin.isatty() and sys.stderr.isatty()
    # Without --yes and without a terminal to ask, nothing will be written: open the
    # index read-only, and leave .co3/ alone.
    writing = not args.dry_run and (args.yes or interactive)
    with FileIndex(project, read_only=not writing) as index:
        plan = _read_plan(args.plan, project) if args.plan else index.status(create_marker=writing)
        refusals = [] if args.force else check_guards(plan, project.delete_limit)
        pending = sum(1 for c in plan.changes if c.kind != "refresh")
        if args.dry_run:
            for line in iter_shown(plan):
                print(line)
            _print_missing_roots(plan, sys.stdout)
            for refusal in refusals:
                print(f"co3: a sync would be refused: {refusal}", file=sys.stderr)
            print(f"co3: dry run, nothing written ({_summary(plan)}).", file=sys.stderr)
            return 0
        if refusals:
            for refusal in refusals:
                print(f"co3: refused: {refusal}", file=sys.stderr)
            print("co3: nothing was written.", file=sys.stderr)
            return 3
        if not pending and (not plan.changes or not writing):
            for line in iter_shown(plan):  # errors only
                print(line)
            print(f"co3: nothing to do ({_summary(plan)}).", file=sys.stderr)
            return 1 if plan.errors else 0
        if pending and not args.yes:
            if not interactive:
                print(
                    "co3: refusing to write without --yes, as there is no terminal to ask; "
                    "review the changes with co3 status, then run co3 sync --yes.",
                    file=sys.stderr,
                )
                return 2
            if not _confirm(plan, pending):
                print("co3: nothing was written.", file=sys.stderr)
                return 1
        from co3.cli.progress import progress_bar

        with _cancel_on_sigint() as cancel, progress_bar(sys.stderr) as progress:
            plan, outcome = index.sync(
                plan,
                recheck=bool(args.plan),
                force=args.force,
                progress=progress,
                cancel=cancel,
            )
    _report_outcome(plan, outcome)
    return outcome.exit_code


def _confirm(plan: Plan, pending: int, limit: int = 40) -> bool:
    """Show the first changes on stderr and ask there; True when the answer is yes."""
    for shown, line in enumerate(iter_shown(plan)):
        if shown == limit:
            print(f"... and {pending + len(plan.errors) - limit} more", file=sys.stderr)
            break
        print(line, file=sys.stderr)
    # The question goes to stderr (stdout may be a file) and the answer comes from stdin.
    print(f"Apply these changes ({_summary(plan)})? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    if not answer:  # end of input (Ctrl-D): no
        print(file=sys.stderr)
    return answer.strip().lower() in ("y", "yes")


def cmd_watch(args: argparse.Namespace) -> int:
    """Sync, then keep syncing as files change, until Ctrl-C."""
    from co3.cli.watch import watch

    return watch(_project(args), interval=args.interval, force=args.force)
