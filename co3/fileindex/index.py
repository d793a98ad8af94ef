"""The file index of a project: ``status`` computes a plan, ``sync`` applies one."""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from co3.exceptions import RootError
from co3.fileindex.plan import Plan, RootState, ScanError
from co3.fileindex.status import classify, merge_root, rows_needing_hash
from co3.fileindex.store import IndexStore
from co3.fileindex.sync import SyncOutcome, apply_plan, check_guards
from co3.project import Project
from co3.syncer import SyncProgress

__all__ = ["FileIndex"]

MARKER = "scan-marker"
# Without a marker file, the recorded time is the clock minus this much: an earlier
# time only makes more files racy (hashed or reported), never fewer.
_CLOCK_MARGIN_NS = 2_000_000_000


def _is_walk_error(item: Any) -> bool:
    return type(item) is not tuple


def _walk_error_info(item: Any) -> tuple[bytes, str, bool]:
    return item.relpath, item.message, item.is_dir


class FileIndex:
    """A project's file index.

    Args:
        project: the loaded project.
        read_only: never write (status, browsing).
    """

    def __init__(self, project: Project, *, read_only: bool = False) -> None:
        self.project = project
        self.store = IndexStore(
            project.database_url, pg_schema=project.pg_schema, read_only=read_only
        )

    def close(self) -> None:
        """Close the connection to the index."""
        self.store.close()

    def __enter__(self) -> FileIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def exists(self) -> bool:
        """Whether the index has been created."""
        return self.store.exists()

    # -- status ---------------------------------------------------------------------------

    def recorded_time(self, *, create: bool) -> int:
        """The filesystem's time now, from the mtime of a marker file touched in ``.co3/``.

        Rows written from a scan record this time; a file whose mtime is not strictly
        older is racy. Falls back to the clock, set back by a margin, when the marker
        cannot be written (and ``.co3/`` is not to be created).
        """
        folder = self.project.index_dir
        try:
            if create:
                folder.mkdir(exist_ok=True)
            marker = folder / MARKER
            with open(marker, "wb") as handle:
                handle.write(b"co3 scan marker\n")
            return os.stat(marker).st_mtime_ns
        except OSError:
            return time.time_ns() - _CLOCK_MARGIN_NS

    def status(self, *, create_marker: bool = False) -> Plan:
        """Compare every root with the index; an index not created yet is empty.

        Args:
            create_marker: create ``.co3/`` for the marker file if needed (sync does).
        """
        project = self.project
        # Reach the database first: if it cannot be reached, nothing (no marker) is written.
        exists = self.store.exists()
        plan = Plan(
            recorded_at_ns=self.recorded_time(create=create_marker),
            project=project.identity,
            database=project.display_url,
            host=project.host,
        )
        for root in project.roots:
            state = RootState(root.name, str(root.path))
            plan.roots.append(state)
            host, name = project.host, root.name
            racy = self.store.racy_paths(host, name) if exists else set()
            rows = self.store.iter_rows(host, name) if exists else iter(())
            try:
                batches = self._walk(root.path)
            except RootError as exc:
                if os.path.lexists(root.path):
                    state.rows = self.store.count_rows(project.host, root.name) if exists else 0
                    plan.errors.append(ScanError(root.name, b"", str(exc), state.rows))
                    continue
                state.missing = True
                batches = iter(())
            diff = merge_root(
                batches,
                rows,
                racy_paths=racy,
                is_error=_is_walk_error,
                error_info=_walk_error_info,
                keep_equal=project.hash_policy == "always",
            )
            state.rows, state.seen = diff.rows, diff.seen
            changes, errors, unchanged = classify(
                root.name,
                diff,
                policy=project.hash_policy,
                hasher=functools.partial(_hash, root.path, follow=project.follow_symlinks),
                stored=self.store.stored_hashes(host, name, rows_needing_hash(diff))
                if exists
                else {},
                recorded_at_ns=plan.recorded_at_ns,
            )
            plan.changes.extend(changes)
            plan.errors.extend(errors)
            plan.unchanged += unchanged
        return plan

    def _walk(self, root: Path) -> Any:
        from co3.fileindex.walk import walk

        return walk(
            root,
            ignore=(*self.project.ignore, *self._own_files(root)),
            follow_symlinks=self.project.follow_symlinks,
            exclude_git=self.project.ignore_git,
        )

    def _own_files(self, root: Path) -> list[str]:
        """Patterns leaving out a SQLite index (and its WAL and lock files) kept in ``root``."""
        if self.store.path is None:
            return []
        index = Path(self.store.path).absolute()
        try:
            rel = index.relative_to(root.resolve()).as_posix()
        except ValueError:
            return []
        escaped = "".join("\\" + ch if ch in "\\*?[]!#" else ch for ch in rel)
        return [f"/{escaped}{suffix}" for suffix in ("", "-wal", "-shm", "-journal", ".co3-lock")]

    # -- sync -----------------------------------------------------------------------------

    def sync(
        self,
        plan: Plan | None = None,
        *,
        recheck: bool | None = None,
        force: bool = False,
        progress: Callable[[SyncProgress], object] | None = None,
        cancel: threading.Event | None = None,
        lock_wait: float = 5.0,
    ) -> tuple[Plan, SyncOutcome]:
        """Bring the index in step with the disk, creating it when missing.

        Args:
            plan: the plan to apply; None to compute one now.
            recheck: stat every item again and skip those that changed since the plan
                was made; by default only for a plan given here (one computed in this
                call needs no second stat pass).
            force: apply even when a mass-delete guard fires.
            progress: receives progress after every chunk.
            cancel: once set, stop after the current chunk.
            lock_wait: seconds to wait for another writer.
        """
        if recheck is None:
            recheck = plan is not None
        if plan is None:
            plan = self.status(create_marker=True)
        if not self.store.exists():
            refused = [] if force else check_guards(plan, self.project.delete_limit)
            if refused:  # a refused run writes nothing, not even an empty index
                return plan, SyncOutcome(errors=len(plan.errors), refused=refused)
            self.store.create()
        outcome = apply_plan(
            self.store,
            plan,
            root_dirs={r.name: os.fsencode(r.path) for r in self.project.roots},
            delete_limit=self.project.delete_limit,
            force=force,
            recheck=recheck,
            progress=progress,
            cancel=cancel,
            lock_wait=lock_wait,
        )
        return plan, outcome


def _hash(root: Path, relpaths: list[bytes], *, follow: bool) -> dict[bytes, bytes | str]:
    """Hash files of one root: relpath -> digest, or -> error message."""
    from co3.fileindex.hashing import hash_files

    base = os.fsencode(root)
    full = {os.path.join(base, rel): rel for rel in relpaths}
    # A link the walk did not follow (out of the root, to a folder, dangling) is an
    # entry of its own: hash it as a link, never its target.
    links = {p for p in full if follow and os.path.islink(p) and not _followed(p, base)}
    rest = [p for p in full if p not in links]
    out: dict[bytes, bytes | str] = {}
    for paths, through in ((rest, follow), (sorted(links), False)):
        for path, result in hash_files(paths, follow_symlinks=through):
            rel = full[os.fsencode(path)]
            out[rel] = result if isinstance(result, bytes) else f"cannot read: {result.strerror}"
    return out


def _followed(link: bytes, root: bytes) -> bool:
    """Whether the walk follows ``link``: to a file inside ``root``, outside any ``.co3``."""
    real, real_root = os.path.realpath(link), os.path.realpath(root)
    if not real.startswith(real_root + b"/"):
        return False
    return b"/.co3/" not in real[len(real_root) :] and os.path.isfile(real)
