"""File index properties over random trees and random edits (Hypothesis), on both backends.

For any tree and any edits (create, rewrite, delete, rename, touch): a status changes
nothing in the database; its items partition the files on disk and the rows; after a
sync the status is clean and the rows equal the disk. Examples stay small (a handful of
files with short, odd names) so each backend runs in seconds under the ``ci`` profile.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from co3.fileindex.index import FileIndex
from co3.fileindex.plan import Plan
from co3.project import Project

PAST = 1_600_000_000 * 10**9

# Short names, odd ones included: not UTF-8, newline, tab, spaces at either end, and
# bytes sorting before "/" ("a.b", "a-" beside a folder "a"), which test the merge order.
NAMES = st.sampled_from(
    [b"a", b"a.b", b"a-", b"b", b"c d", b" lead", b"tr ", b"x\xff", b"n\nl", b"t\tb"]
)
PATHS = st.lists(NAMES, min_size=1, max_size=3).map(b"/".join)
CONTENTS = st.sampled_from([b"", b"1", b"2", b"12", b"abc", b"xyz", b"longer content"])
# None leaves the mtime of the write (now: possibly inside the racy window).
MTIMES = st.sampled_from([None, PAST, PAST + 1, PAST + 2])
TREES = st.dictionaries(PATHS, st.tuples(CONTENTS, MTIMES), max_size=8)
INDEX = st.integers(min_value=0, max_value=63)
EDITS = st.lists(
    st.one_of(
        st.tuples(st.just("write"), PATHS, CONTENTS, MTIMES),
        st.tuples(st.just("delete"), INDEX),
        st.tuples(st.just("rename"), INDEX, PATHS),
        st.tuples(st.just("touch"), INDEX, MTIMES),
    ),
    max_size=8,
)


# -- helpers -------------------------------------------------------------------------------


def files_on_disk(root: Path) -> dict[bytes, tuple[int, int, int]]:
    """Every file under ``root``: relative path -> (size, mtime_ns, inode)."""
    base = os.fsencode(root)
    out = {}
    for folder, _dirs, names in os.walk(base):
        for name in names:
            full = os.path.join(folder, name)
            info = os.lstat(full)
            out[os.path.relpath(full, base)] = (info.st_size, info.st_mtime_ns, info.st_ino)
    return out


def write_file(root: Path, rel: bytes, content: bytes, mtime: int | None) -> None:
    """Write a file; skipped when a file or folder is in the way (edits are best effort)."""
    path = os.path.join(os.fsencode(root), rel)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content)
    except (IsADirectoryError, NotADirectoryError, FileExistsError):
        return
    if mtime is not None:
        os.utime(path, ns=(mtime, mtime))


def apply_edits(root: Path, edits: list[tuple[Any, ...]]) -> None:
    base = os.fsencode(root)
    for edit in edits:
        existing = sorted(files_on_disk(root))
        if edit[0] == "write":
            write_file(root, edit[1], edit[2], edit[3])
            continue
        if not existing:
            continue
        path = os.path.join(base, existing[edit[1] % len(existing)])
        if edit[0] == "delete":
            os.unlink(path)
        elif edit[0] == "touch":
            mtime = edit[2] if edit[2] is not None else PAST + 3
            os.utime(path, ns=(mtime, mtime))
        else:
            target = os.path.join(base, edit[2])
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.rename(path, target)
            except OSError:  # a file or folder in the way
                continue


def rows(project_factory: Any, project: Project) -> dict[bytes, tuple[int, int, int]]:
    dump = project_factory.dump(project) or {"files": []}
    return {
        r[2]: (r[3], r[4], r[5] % (1 << 64))
        for r in dump["files"]
        if r[0] == project.host and r[1] == "data"
    }


def status(project: Project) -> Plan:
    with FileIndex(project) as index:
        return index.status()


def sync(project: Project) -> Any:
    with FileIndex(project) as index:
        return index.sync(force=True)[1]


def check_partition(plan: Plan, disk: int, indexed: int) -> None:
    """Every file on disk and every row is in exactly one item (or counted unchanged)."""
    counts = plan.counts()
    both = counts["modified"] + counts["touched"] + counts["moved"] + counts["unchanged"]
    assert counts["new"] + both == disk, counts
    assert counts["gone"] + both == indexed, counts
    shown = [c.path for c in plan.changes if c.kind != "refresh"]
    assert len(shown) == len(set(shown))


# -- properties ----------------------------------------------------------------------------


@given(
    tree=TREES,
    edits=EDITS,
    policy=st.sampled_from(["never", "auto", "always"]),
    clock_lag=st.sampled_from([0, 10**9, 10**18]),
)
def test_status_writes_nothing_and_after_a_sync_status_is_clean(
    project_factory: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tree: dict[bytes, Any],
    edits: Any,
    policy: str,
    clock_lag: int,
) -> None:
    """``clock_lag`` sets the scans' recorded time back (a coarse filesystem clock): more
    files are racy, up to all of them, and must be hashed rather than trusted. With
    ``hash = "never"`` racy files are reported by design, so that case keeps clear of
    the window.
    """
    if policy == "never":
        clock_lag = 0
        tree = {rel: (content, mtime or PAST) for rel, (content, mtime) in tree.items()}
        edits = [(*e[:-1], e[-1] or PAST) if e[0] in ("write", "touch") else e for e in edits]
    n = uuid.uuid4().hex[:10]  # each example: its own folder and host (rows of its own)
    project = project_factory(tmp_path / f"example-{n}", roots=["data"], host=f"h{n}", hash=policy)
    data = project.root / "data"
    data.mkdir()
    for rel, (content, mtime) in tree.items():
        write_file(data, rel, content, mtime)

    real_time = FileIndex.recorded_time
    with monkeypatch.context() as patch:
        patch.setattr(
            FileIndex,
            "recorded_time",
            lambda self, *, create: real_time(self, create=create) - clock_lag,
        )
        assert sync(project).exit_code == 0
        assert status(project).is_clean
        assert rows(project_factory, project) == files_on_disk(data)

        apply_edits(data, edits)
        before = project_factory.dump(project)
        plan = status(project)
        assert project_factory.dump(project) == before  # a status (a dry run) writes nothing
        check_partition(plan, len(files_on_disk(data)), len(rows(project_factory, project)))

        assert sync(project).exit_code == 0
        after = status(project)
        assert after.is_clean, [(c.kind, c.path) for c in after.changes]
        assert rows(project_factory, project) == files_on_disk(data)
