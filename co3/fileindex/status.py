"""Compare a root on disk with its rows in the index: the streaming merge behind status.

Both sides arrive sorted by the byte-wise order of the relative path: the walk (a
depth-first walk in that order, directory by directory) and the rows (``ORDER BY
path``). Merging them needs neither side whole in memory; only the changes are kept.
Rows arrive in exactly the walk's entry shape, so a directory batch equal to the next
rows is settled in one list comparison (in C), and an unchanged tree costs little more
than the walk itself. The few rows that need more (their hash) are looked up after.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from co3.fileindex.plan import Change, ScanError, Stat

__all__ = ["RootDiff", "classify", "merge_root", "rows_needing_hash"]

# A disk entry and a row, alike: (path, size, mtime_ns, inode, mode).
Entry = tuple[bytes, int, int, int, int]
Row = Entry

_SIGN = 1 << 64


def _stat_of(entry: Entry) -> Stat:
    return (entry[1], entry[2], entry[3], entry[4])


def _same_stat(entry: Entry, row: Row) -> bool:
    """Every recorded stat field equal (an inode above 2**63 is stored folded)."""
    return (
        entry[1] == row[1]
        and entry[2] == row[2]
        and entry[4] == row[4]
        and (entry[3] == row[3] or entry[3] - _SIGN == row[3])
    )


@dataclass
class RootDiff:
    """The raw outcome of merging one root, before hashing settles the doubtful ones.

    Attributes:
        new: disk entries with no row.
        gone: rows with no disk entry.
        changed: (entry, row) pairs whose stat differs.
        racy: (entry, row) pairs whose stat is equal but whose row's mtime is not
            strictly older than its recorded time (DESIGN.md section 4).
        unchanged: entries equal to their row and older than its recorded time.
        equal: (entry, row) pairs otherwise unchanged, kept only when asked for (the
            ``always`` hash policy re-reads every file).
        errors: read errors; rows under an unreadable directory are counted into them.
        seen: disk entries met (files and links; errors excluded).
        rows: rows met.
    """

    new: list[Entry] = field(default_factory=list)
    gone: list[Row] = field(default_factory=list)
    changed: list[tuple[Entry, Row]] = field(default_factory=list)
    racy: list[tuple[Entry, Row]] = field(default_factory=list)
    equal: list[tuple[Entry, Row]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[tuple[bytes, str, bool]] = field(default_factory=list)
    unknown: dict[bytes, int] = field(default_factory=dict)
    seen: int = 0
    rows: int = 0


class _Rows:
    """A cursor over row batches with one-row look-ahead and batch slicing."""

    __slots__ = ("_batches", "buf", "i")

    def __init__(self, batches: Iterable[list[Row]]) -> None:
        self._batches = iter(batches)
        self.buf: list[Row] = []
        self.i = 0

    def peek(self) -> Row | None:
        if self.i >= len(self.buf):
            for batch in self._batches:
                if batch:
                    self.buf, self.i = batch, 0
                    break
            else:
                return None
        return self.buf[self.i]

    def ensure(self, n: int) -> bool:
        """Make sure ``n`` rows are buffered from ``i`` on (concatenating batches)."""
        while len(self.buf) - self.i < n:
            nxt = next(self._batches, None)
            if nxt is None:
                return False
            self.buf = self.buf[self.i :] + nxt
            self.i = 0
        return True


def merge_root(
    batches: Iterable[list[Any]],
    rows: Iterable[list[Row]],
    *,
    racy_paths: AbstractSet[bytes] = frozenset(),
    is_error: Callable[[Any], bool],
    error_info: Callable[[Any], tuple[bytes, str, bool]],
    keep_equal: bool = False,
) -> RootDiff:
    """Merge a root's walk with its rows.

    Args:
        batches: the walk: lists of entries in byte-wise path order; an entry is an
            :data:`Entry` tuple or an error item.
        rows: the rows, in batches, ordered by path.
        racy_paths: the paths of rows whose mtime is not strictly older than their
            recorded time (from the database: usually none).
        is_error: tells an error item from an entry.
        error_info: (path, message, is_directory) of an error item; a directory's
            error sits where its contents would, and every row under it is unknown.
        keep_equal: also keep the pairs found equal (for the ``always`` hash policy).
    """
    diff = RootDiff()
    cur = _Rows(rows)
    new, gone, changed, racy = diff.new, diff.gone, diff.changed, diff.racy
    for batch in batches:
        n = len(batch)
        # Fast path: a whole directory equal to the next rows, none racy.
        if (
            n
            and not keep_equal
            and cur.ensure(n)
            and cur.buf[cur.i : cur.i + n] == batch
            and (not racy_paths or racy_paths.isdisjoint([e[0] for e in batch]))
        ):
            cur.i += n
            diff.unchanged += n
            diff.seen += n
            diff.rows += n
            continue
        if cur.peek() is None and not any(map(is_error, batch)):
            # No rows left (a first sync, or past the last row): every entry is new.
            new.extend(batch)
            diff.seen += n
            continue
        for item in batch:
            if is_error(item):
                path, message, is_dir = error_info(item)
                diff.errors.append((path, message, is_dir))
                row = cur.peek()
                while row is not None and row[0] < path:
                    gone.append(row)
                    diff.rows += 1
                    cur.i += 1
                    row = cur.peek()
                if is_dir:
                    # Rows under the directory are unknown: neither gone nor kept as new.
                    count = 0
                    while row is not None and row[0].startswith(path):
                        count += 1
                        cur.i += 1
                        row = cur.peek()
                    diff.unknown[path] = count
                    diff.rows += count
                elif row is not None and row[0] == path:
                    diff.unknown[path] = 1  # a file we could not stat keeps its row
                    diff.rows += 1
                    cur.i += 1
                continue
            path = item[0]
            diff.seen += 1
            row = cur.peek()
            while row is not None and row[0] < path:
                gone.append(row)
                diff.rows += 1
                cur.i += 1
                row = cur.peek()
            if row is not None and row[0] == path:
                diff.rows += 1
                cur.i += 1
                if not _same_stat(item, row):
                    changed.append((item, row))
                elif path in racy_paths:
                    racy.append((item, row))
                elif keep_equal:
                    diff.equal.append((item, row))
                else:
                    diff.unchanged += 1
            else:
                new.append(item)
    row = cur.peek()
    while row is not None:
        gone.append(row)
        diff.rows += 1
        cur.i += 1
        row = cur.peek()
    return diff


def rows_needing_hash(diff: RootDiff) -> list[bytes]:
    """The paths of the rows whose stored hash :func:`classify` compares with."""
    return [
        *(row[0] for _, row in diff.changed),
        *(row[0] for _, row in diff.racy),
        *(row[0] for _, row in diff.equal),
        *(row[0] for row in diff.gone),
    ]


def classify(
    root: str,
    diff: RootDiff,
    *,
    policy: str,
    hasher: Callable[[list[bytes]], dict[bytes, bytes | str]],
    stored: Mapping[bytes, bytes | None],
    recorded_at_ns: int | None = None,
) -> tuple[list[Change], list[ScanError], int]:
    """Settle a root's merge into changes, hashing where the policy asks.

    ``never``: a stat change or a racy file is *modified*. ``auto``: those files are
    hashed; equal content makes a stat change *touched* and a racy file unchanged (its
    recorded time is refreshed). ``always``: every file is hashed, unchanged ones too,
    and new files get their hash. Gone rows and new files with the same inode, size and
    mtime, or the same content hash, are *moved*.

    Args:
        root: the root's name.
        diff: the merge of that root.
        policy: ``"never"``, ``"auto"`` or ``"always"``.
        hasher: hashes relative paths of the root; returns path -> digest, or
            path -> error message for files that could not be read.
        stored: the hash stored in the index for the rows of :func:`rows_needing_hash`.
        recorded_at_ns: the time the rows will record; with ``auto``, a new file whose
            mtime is not older is hashed, so that its next, racy check has a hash to
            compare with instead of being reported modified.

    Returns:
        (changes, errors, unchanged count).
    """
    changes: list[Change] = []
    errors = [
        ScanError(root, path, message, diff.unknown.get(path, 0))
        for path, message, _is_dir in diff.errors
    ]
    unchanged = diff.unchanged

    to_hash: list[bytes] = []
    if policy != "never":
        to_hash += [e[0] for e, _ in diff.changed]
        to_hash += [e[0] for e, _ in diff.racy]
    if policy == "always":
        to_hash += [e[0] for e, _ in diff.equal]
        to_hash += [e[0] for e in diff.new]
    elif policy == "auto":
        # New files are hashed only where that can reveal a move (a gone row of the
        # same size that has a hash) or where they will be racy when next checked.
        hashed_sizes = {r[1] for r in diff.gone if stored.get(r[0]) is not None}
        racy_from = recorded_at_ns if recorded_at_ns is not None else 1 << 63
        to_hash += [e[0] for e in diff.new if e[1] in hashed_sizes or e[2] >= racy_from]
    digests = hasher(to_hash) if to_hash else {}

    def digest(path: bytes) -> bytes | None:
        value = digests.get(path)
        if isinstance(value, str):
            errors.append(ScanError(root, path, value))
            return None
        return value

    for entry, row in diff.changed:
        d = digest(entry[0])
        kind = "touched" if d is not None and d == stored.get(row[0]) else "modified"
        changes.append(Change(kind, root, entry[0], _stat_of(entry), d))
    for entry, row in diff.racy:
        d = digest(entry[0]) if policy != "never" else None
        if d is not None and d == stored.get(row[0]):
            changes.append(Change("refresh", root, entry[0], _stat_of(entry), d))
            unchanged += 1
        else:
            changes.append(Change("modified", root, entry[0], _stat_of(entry), d))
    for entry, row in diff.equal:
        d = digest(entry[0])
        old = stored.get(row[0])
        if d is not None and old is not None and d != old:
            changes.append(Change("modified", root, entry[0], _stat_of(entry), d))
        elif d is not None and old is None:
            changes.append(Change("refresh", root, entry[0], _stat_of(entry), d))
            unchanged += 1
        else:
            unchanged += 1

    new_digests = {e[0]: digests.get(e[0]) for e in diff.new} if digests and diff.new else {}
    moved, new_left, gone_left = _match_moves(diff.new, diff.gone, new_digests, stored)
    for entry, row in moved:
        found = new_digests.get(entry[0])
        changes.append(
            Change(
                "moved",
                root,
                entry[0],
                _stat_of(entry),
                found if isinstance(found, bytes) else stored.get(row[0]),
                old_path=row[0],
            )
        )
    if not new_digests:  # the common case, kept tight: a first sync of a big tree
        changes.extend([Change("new", root, e[0], e[1:]) for e in new_left])
    for entry in new_left if new_digests else ():
        found = new_digests.get(entry[0])
        if isinstance(found, str):
            errors.append(ScanError(root, entry[0], found))
            continue
        changes.append(Change("new", root, entry[0], _stat_of(entry), found))
    changes.extend(Change("gone", root, row[0]) for row in gone_left)
    return changes, errors, unchanged


def _match_moves(
    new: list[Entry],
    gone: list[Row],
    digests: dict[bytes, bytes | str | None],
    stored: Mapping[bytes, bytes | None],
) -> tuple[list[tuple[Entry, Row]], list[Entry], list[Row]]:
    """Pair gone rows with new entries: same (inode, size, mtime), else same hash.

    A key shared by more than one new entry or more than one gone row is ambiguous and
    pairs nothing (two copies of one file must not be taken for a rename).
    """
    if not new or not gone:
        return [], new, gone

    def unique_index(items: Iterable[Any], key: Callable[[Any], Any]) -> dict[Any, Any]:
        seen: dict[Any, list[Any]] = defaultdict(list)
        for item in items:
            k = key(item)
            if k is not None:
                seen[k].append(item)
        return {k: v[0] for k, v in seen.items() if len(v) == 1}

    def stat_key(item: Entry | Row) -> tuple[int, int, int]:
        inode = item[3] - _SIGN if item[3] >= (1 << 63) else item[3]
        return (inode, item[1], item[2])

    pairs: list[tuple[Entry, Row]] = []
    by_stat = unique_index(new, stat_key)
    rows_by_stat = unique_index(gone, stat_key)
    used_new: set[bytes] = set()
    used_rows: set[bytes] = set()
    for key, row in rows_by_stat.items():
        entry = by_stat.get(key)
        if entry is not None:
            pairs.append((entry, row))
            used_new.add(entry[0])
            used_rows.add(row[0])

    def hash_key(entry: Entry) -> bytes | None:
        d = digests.get(entry[0])
        return d if isinstance(d, bytes) and entry[0] not in used_new else None

    by_hash = unique_index(new, hash_key)
    rows_by_hash = unique_index(
        (r for r in gone if r[0] not in used_rows), lambda r: stored.get(r[0])
    )
    for key, row in rows_by_hash.items():
        entry = by_hash.get(key)
        if entry is not None:
            pairs.append((entry, row))
            used_new.add(entry[0])
            used_rows.add(row[0])

    return (
        pairs,
        [e for e in new if e[0] not in used_new],
        [r for r in gone if r[0] not in used_rows],
    )


def lstat_entry(path: bytes, relpath: bytes) -> Entry | None:
    """The entry of one file as the walk would give it, or None when it is absent."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    return (relpath, st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode)
