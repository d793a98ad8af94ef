"""Apply a plan to the index: guards, one writer, one transaction per adaptive chunk.

Disk is the source of truth; nothing on disk is written. Every chunk commits in one
transaction, so a crash or a kill leaves the index at a chunk boundary, and a rerun
converges (rows are keyed by host, root and path; inserts are upserts).
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from stat import S_ISLNK
from typing import Any

from co3.fileindex.plan import Change, Plan
from co3.fileindex.status import lstat_entry
from co3.fileindex.store import IndexStore
from co3.syncer import SyncProgress, run_in_chunks

__all__ = ["SyncOutcome", "apply_plan", "check_guards"]

# Order of application: moves free their old paths before anything else touches them.
_ORDER = ("moved", "gone", "modified", "touched", "refresh", "new")
_COUNTER = {
    "new": "inserted",
    "modified": "updated",
    "touched": "touched",
    "refresh": "refreshed",
    "moved": "moved",
    "gone": "deleted",
}


@dataclass
class SyncOutcome:
    """How a sync went.

    Attributes:
        counts: rows written per action (inserted, updated, touched, moved, deleted).
        skipped: changes not applied, with the reason (changed since the plan, or a
            delete held back after read errors).
        refused: the guards that refused the run (then nothing was written).
        cancelled: the run stopped early (Ctrl-C / Esc) after a whole chunk.
        errors: read errors of the plan.
        run_id: the journal row of the run, when one was written.
    """

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    skipped: list[tuple[Change, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    cancelled: bool = False
    errors: int = 0
    run_id: int | None = None

    @property
    def exit_code(self) -> int:
        """The ``co3 sync`` exit code: 0 applied, 1 with skips, errors or cancelled, 3 refused."""
        if self.refused:
            return 3
        if self.skipped or self.cancelled or self.errors:
            return 1
        return 0


def check_guards(plan: Plan, delete_limit: Callable[[int], int]) -> list[str]:
    """The mass-delete guards that refuse ``plan`` unless forced (DESIGN.md section 5).

    Args:
        plan: the plan to check.
        delete_limit: the most rows a root of that many rows may lose.

    Returns:
        One sentence per guard that fired; empty when the plan may run.
    """
    refusals: list[str] = []
    gone: dict[str, int] = defaultdict(int)
    for change in plan.changes:
        if change.kind == "gone":
            gone[change.root] += 1
    for root in plan.roots:
        if root.missing and root.rows == 0:
            refusals.append(
                f"root {root.name!r} ({root.path}) is missing; create it or fix "
                "[disk] roots, or pass --force to sync the other roots without it."
            )
        elif root.missing:
            refusals.append(
                f"root {root.name!r} ({root.path}) is missing; a sync would delete its "
                f"{root.rows} rows, so mount or restore it, or pass --force to delete them."
            )
        elif root.seen == 0 and root.rows > 0:
            refusals.append(
                f"root {root.name!r} ({root.path}) is empty; a sync would delete all its "
                f"{root.rows} rows, so check the folder, or pass --force to delete them."
            )
        elif gone[root.name] > delete_limit(root.rows):
            refusals.append(
                f"a sync would delete {gone[root.name]} of the {root.rows} rows of root "
                f"{root.name!r}, more than [sync] max_delete allows; check the folder, "
                "or pass --force."
            )
    return refusals


def _still_planned(change: Change, root_dir: bytes) -> bool:
    """Re-check one change against the disk: does it still hold as planned?"""
    path = os.path.join(root_dir, change.path)
    here = lstat_entry(path, change.path)
    if change.kind == "gone":
        return here is None
    if here is not None and change.stat and S_ISLNK(here[4]) and not S_ISLNK(change.stat[3]):
        # A link the scan followed: it recorded the target's stat.
        try:
            st = os.stat(path)
        except OSError:
            return False
        here = (change.path, st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode)
    if here is None or here[1:] != change.stat:
        return False
    if change.kind == "moved":
        assert change.old_path is not None
        return lstat_entry(os.path.join(root_dir, change.old_path), change.old_path) is None
    return True


def apply_plan(
    store: IndexStore,
    plan: Plan,
    *,
    root_dirs: dict[str, bytes],
    delete_limit: Callable[[int], int],
    force: bool = False,
    recheck: bool = False,
    chunk_time: float = 0.25,
    chunk_cap: int = 50_000,
    progress: Callable[[SyncProgress], object] | None = None,
    cancel: threading.Event | None = None,
    lock_wait: float = 5.0,
) -> SyncOutcome:
    """Apply ``plan`` to the index in ``store``.

    Args:
        store: the index, created beforehand.
        plan: what to write.
        root_dirs: root name -> the root's folder (bytes), for re-checking.
        delete_limit: the most rows a root of that many rows may lose.
        force: apply even when a guard fires.
        recheck: stat each item again and skip those that no longer match the plan
            (a plan shown earlier, or saved to a file).
        chunk_time: target seconds per chunk (one transaction each).
        chunk_cap: the largest chunk.
        progress: receives a :class:`~co3.syncer.SyncProgress` after every chunk.
        cancel: once set, the run stops after the current chunk.
        lock_wait: seconds to wait for another writer.

    Returns:
        What was done.

    Raises:
        SyncLockedError: another sync holds the lock.
    """
    outcome = SyncOutcome(errors=len(plan.errors))
    if not force:
        outcome.refused = check_guards(plan, delete_limit)
        if outcome.refused:
            return outcome

    by_kind: dict[str, list[Change]] = {kind: [] for kind in _ORDER}
    for change in plan.changes:
        by_kind[change.kind].append(change)
    if plan.errors:
        for change in by_kind.pop("gone"):
            outcome.skipped.append((change, "delete held back: the scan met read errors"))
    # Moves first (they free their old paths), then deletes, then writes.
    items = [change for group in by_kind.values() for change in group]
    if not items:
        return outcome

    host = plan.host
    roots = sorted({c.root for c in items})
    store.acquire_writer_lock(host, roots, wait=lock_wait)
    try:
        outcome.run_id = store.start_run(host, roots, time.time_ns())
        recorded = plan.recorded_at_ns

        def apply_chunk(chunk: Sequence[Change]) -> list[Any]:
            todo = chunk
            if recheck:
                todo = []
                for change in chunk:
                    if _still_planned(change, root_dirs[change.root]):
                        todo.append(change)
                    else:
                        outcome.skipped.append((change, "changed since the plan"))
            with store.transaction():
                _write(store, host, todo, recorded)
            for change in todo:
                outcome.counts[_COUNTER[change.kind]] += 1
            return []

        result = run_in_chunks(
            items,
            apply_chunk,
            chunk_time=chunk_time,
            chunk_cap=chunk_cap,
            progress=progress,
            cancelled=cancel.is_set if cancel is not None else lambda: False,
        )
        outcome.cancelled = result.partial
        counts = dict(outcome.counts)
        counts["skipped"] = len(outcome.skipped)
        counts["errors"] = outcome.errors
        if outcome.cancelled:
            message = f"cancelled after {result.done} of {result.total} changes"
        else:
            message = f"{result.done} changes in {result.chunks} chunks"
        store.finish_run(
            outcome.run_id,
            counts,
            "cancelled" if outcome.cancelled else ("partial" if outcome.exit_code else "ok"),
            outcome.cancelled,
            message,
        )
    finally:
        store.release_writer_lock()
    return outcome


def _write(store: IndexStore, host: str, changes: Sequence[Change], recorded: int) -> None:
    """Write one chunk's changes (the caller holds the transaction)."""
    by_root: dict[str, list[Change]] = defaultdict(list)
    for change in changes:
        by_root[change.root].append(change)
    for root, group in by_root.items():
        moves, deletes, upserts = [], [], []
        for c in group:
            if c.kind == "gone":
                deletes.append(c.path)
                continue
            assert c.stat is not None
            if c.kind == "moved":
                moves.append((c.old_path, c.path, *c.stat, c.hash, recorded))
            else:
                upserts.append((c.path, *c.stat, c.hash, recorded))
        store.move_files(host, root, moves)
        store.delete_files(host, root, deletes)
        store.upsert_files(host, root, upserts)
