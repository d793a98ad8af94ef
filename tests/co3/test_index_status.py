"""File index status: how each file is classified, on SQLite and on PostgreSQL.

Every test builds a real tree under a project's root ``data`` and compares it with a real
index (``project_factory`` runs each test on both backends). Files get an mtime in the
past unless a test is about recent ones, so no file is racy by accident.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pwd
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from co3.fileindex.index import FileIndex
from co3.fileindex.plan import Plan
from co3.project import Project

PAST = 1_600_000_000 * 10**9  # 2020-09-13: well clear of any scan's recorded time
NOT_ROOT = (
    "needs root: the scan runs in a child that drops to 'nobody' so that permissions "
    "are enforced (root ignores them)"
)


# -- helpers -------------------------------------------------------------------------------


def write(root: Path, rel: bytes | str, content: bytes, mtime_ns: int | None = PAST) -> bytes:
    """Write one file under ``root`` (parents created) and set its mtime; returns its path."""
    path = os.path.join(os.fsencode(root), os.fsencode(rel))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(content)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def data_project(project_factory: Any, files: dict[bytes | str, bytes], **settings: Any) -> Project:
    """A project whose one root ``data`` holds ``files`` (mtime :data:`PAST`)."""
    project: Project = project_factory(roots=["data"], **settings)
    data = project.root / "data"
    data.mkdir(exist_ok=True)
    for rel, content in files.items():
        write(data, rel, content)
    return project


def status(project: Project) -> Plan:
    with FileIndex(project) as index:
        return index.status()


def sync(project: Project, plan: Plan | None = None, **kwargs: Any) -> Any:
    with FileIndex(project) as index:
        return index.sync(plan, **kwargs)


def changes(plan: Plan) -> dict[str, list[Any]]:
    """The plan's visible changes by kind (only kinds present): paths, or (old, new) for moves."""
    out: dict[str, list[Any]] = {}
    for change in plan.changes:
        if change.kind == "refresh":
            continue
        item = (change.old_path, change.path) if change.kind == "moved" else change.path
        out.setdefault(change.kind, []).append(item)
    return {kind: sorted(items) for kind, items in out.items()}


def rows(project_factory: Any, project: Project) -> dict[bytes, tuple[Any, ...]]:
    """The project's rows: path -> (size, mtime_ns, inode, mode, hash, recorded_at_ns)."""
    dump = project_factory.dump(project)
    if dump is None:
        return {}
    return {
        r[2]: tuple(r[3:])
        for r in dump["files"]
        if r[0] == project.host and r[1] == project.roots[0].name
    }


def last_run(project_factory: Any, project: Project) -> dict[str, Any]:
    """The newest journal row as a dict of its columns."""
    journal: list[dict[str, Any]] = project_factory.runs(project)
    assert journal
    return journal[-1]


def synced(project_factory: Any, files: dict[bytes | str, bytes], **settings: Any) -> Project:
    """A project with ``files`` under ``data``, synced once, status clean."""
    project = data_project(project_factory, files, **settings)
    _plan, outcome = sync(project)
    assert outcome.exit_code == 0
    assert status(project).is_clean
    return project


# -- new, modified, touched ----------------------------------------------------------------


def test_an_index_not_created_yet_makes_every_file_new(project_factory: Any) -> None:
    project = data_project(project_factory, {"a": b"1", "d/b": b"22"})
    plan = status(project)
    assert changes(plan) == {"new": [b"a", b"d/b"]}
    assert plan.unchanged == 0 and not plan.errors


def test_a_synced_tree_is_clean(project_factory: Any) -> None:
    project = synced(project_factory, {"a": b"1", "d/b": b"22", "d/e/c": b"333"})
    plan = status(project)
    assert changes(plan) == {} and plan.unchanged == 3


def test_a_new_file_is_new(project_factory: Any) -> None:
    project = synced(project_factory, {"a": b"1"})
    write(project.root / "data", "b", b"2")
    assert changes(status(project)) == {"new": [b"b"]}


def test_a_size_change_is_modified(project_factory: Any) -> None:
    project = synced(project_factory, {"a": b"1", "b": b"2"})
    write(project.root / "data", "a", b"longer")
    assert changes(status(project)) == {"modified": [b"a"]}


@pytest.mark.parametrize("policy", ["never", "auto", "always"])
def test_a_same_size_rewrite_with_another_mtime_is_modified(
    project_factory: Any, policy: str
) -> None:
    project = synced(project_factory, {"a": b"one", "b": b"two"}, hash=policy)
    write(project.root / "data", "a", b"ONE", mtime_ns=PAST + 1)
    plan = status(project)
    assert changes(plan) == {"modified": [b"a"]}
    (change,) = plan.of_kind("modified")
    assert (change.hash is None) == (policy == "never")


def test_a_stat_change_with_the_same_content_is_touched(project_factory: Any) -> None:
    """With ``hash = "auto"``, a file touched after its content was hashed is *touched*.

    A file first indexed unhashed has no content to compare with: its first stat change
    is reported *modified*, and that sync stores the hash.
    """
    project = synced(project_factory, {"a": b"same", "b": b"other"})
    path = write(project.root / "data", "a", b"same", mtime_ns=PAST + 10)
    assert changes(status(project)) == {"modified": [b"a"]}
    sync(project)
    assert rows(project_factory, project)[b"a"][4] is not None  # the hash is stored now

    os.utime(path, ns=(PAST + 20, PAST + 20))
    plan = status(project)
    assert changes(plan) == {"touched": [b"a"]}
    _plan, outcome = sync(project, plan)
    assert outcome.counts["touched"] == 1
    assert rows(project_factory, project)[b"a"][1] == PAST + 20
    assert status(project).is_clean


def test_touched_needs_hashing(project_factory: Any) -> None:
    project = synced(project_factory, {"a": b"same"}, hash="never")
    write(project.root / "data", "a", b"same", mtime_ns=PAST + 10)
    assert changes(status(project)) == {"modified": [b"a"]}


def test_hash_always_finds_a_rewrite_that_kept_every_stat_field(project_factory: Any) -> None:
    """``always`` re-reads even files whose stat is equal and old."""
    project = synced(project_factory, {"a": b"abc"}, hash="always")
    assert rows(project_factory, project)[b"a"][4] is not None
    write(project.root / "data", "a", b"xyz")  # same size, same (old) mtime, same inode
    assert changes(status(project)) == {"modified": [b"a"]}


@pytest.mark.parametrize("same_content", [False, True])
def test_mtime_moved_backwards(project_factory: Any, same_content: bool) -> None:
    """Unchanged means every stat field equal, never "newer than": an older mtime counts."""
    project = synced(project_factory, {"a": b"abc"}, hash="always")
    write(project.root / "data", "a", b"abc" if same_content else b"xyz", mtime_ns=PAST - 10**9)
    assert changes(status(project)) == {"touched" if same_content else "modified": [b"a"]}
    sync(project)
    assert rows(project_factory, project)[b"a"][1] == PAST - 10**9
    assert status(project).is_clean


def test_a_mode_change_alone_is_a_change(project_factory: Any) -> None:
    project = synced(project_factory, {"a": b"abc"}, hash="always")
    os.chmod(project.root / "data" / "a", 0o600)
    assert changes(status(project)) == {"touched": [b"a"]}


# -- the racy-timestamp rule ----------------------------------------------------------------


def racy_project(
    project_factory: Any, monkeypatch: pytest.MonkeyPatch, content: bytes, **settings: Any
) -> Project:
    """A project whose files were synced by a scan in the same clock tick as their mtime.

    The scan's recorded time (the marker file's mtime) is pinned to the files' mtime:
    what a scan taken within the filesystem's timestamp granularity of the writes sees.
    """
    project = data_project(project_factory, {"a": content, "b": b"bystander"}, **settings)
    with monkeypatch.context() as patch:
        patch.setattr(FileIndex, "recorded_time", lambda self, *, create: PAST)
        _plan, outcome = sync(project)
    assert outcome.exit_code == 0
    row = rows(project_factory, project)[b"a"]
    assert row[1] == row[5] == PAST  # mtime equal to the recorded time: not trusted
    return project


@pytest.mark.parametrize("policy", ["auto", "always"])
def test_a_racy_same_size_rewrite_is_hashed_and_found_modified(
    project_factory: Any, monkeypatch: pytest.MonkeyPatch, policy: str
) -> None:
    project = racy_project(project_factory, monkeypatch, b"first", hash=policy)
    write(project.root / "data", "a", b"again", mtime_ns=PAST)  # every stat field equal
    plan = status(project)
    assert changes(plan) == {"modified": [b"a"]}
    assert plan.of_kind("modified")[0].hash is not None
    sync(project)
    assert status(project).is_clean


def test_a_racy_file_is_reported_modified_when_hashing_is_off(
    project_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = racy_project(project_factory, monkeypatch, b"first", hash="never")
    write(project.root / "data", "a", b"again", mtime_ns=PAST)
    # Every racy file is reported, the untouched bystander too.
    assert changes(status(project)) == {"modified": [b"a", b"b"]}


def test_a_racy_file_with_equal_content_is_not_reported(
    project_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hashed and found equal, it only gets its recorded time renewed (never shown)."""
    project = racy_project(project_factory, monkeypatch, b"first")
    write(project.root / "data", "a", b"first", mtime_ns=PAST)
    plan = status(project)
    assert changes(plan) == {} and plan.is_clean
    sync(project, plan)
    row = rows(project_factory, project)[b"a"]
    assert row[5] > PAST  # recorded again, now strictly after the mtime
    assert changes(status(project)) == {}


def test_a_racy_file_left_alone_is_not_reported(
    project_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing changed since a sync in the file's own clock tick: status stays clean."""
    project = racy_project(project_factory, monkeypatch, b"first")
    plan = status(project)
    assert changes(plan) == {} and plan.is_clean


# -- moves ---------------------------------------------------------------------------------


def test_a_rename_is_one_move_synced_as_an_update(project_factory: Any) -> None:
    project = synced(project_factory, {"a": b"content", "keep": b"k", "d/x": b"x"})
    before = rows(project_factory, project)
    data = project.root / "data"
    os.rename(data / "a", data / "d" / "renamed")
    plan = status(project)
    assert changes(plan) == {"moved": [(b"a", b"d/renamed")]}

    _plan, outcome = sync(project, plan)
    after = rows(project_factory, project)
    assert len(after) == len(before) == 3
    assert after[b"d/renamed"][:4] == before[b"a"][:4]  # same size, mtime, inode, mode
    run = last_run(project_factory, project)
    assert (run["moved"], run["deleted"], run["inserted"]) == (1, 0, 0)
    assert outcome.counts["moved"] == 1
    assert status(project).is_clean


def test_inode_reuse_alone_is_not_a_move(project_factory: Any) -> None:
    """A gone row and a new file sharing only the inode (size and mtime differ)."""
    project = synced(project_factory, {"a": b"short"})
    data = project.root / "data"
    os.unlink(data / "a")
    write(data, "b", b"much longer", mtime_ns=PAST + 5)
    # Make the reuse certain: give the gone row the new file's inode.
    inode = os.stat(data / "b").st_ino
    with FileIndex(project) as index, index.store.transaction():
        index.store.execute("UPDATE {files} SET inode = ? WHERE path = ?", (inode, b"a"))
    assert changes(status(project)) == {"gone": [b"a"], "new": [b"b"]}


def test_a_copy_then_delete_is_a_move_by_content_hash(project_factory: Any) -> None:
    project = synced(project_factory, {"a": b"payload", "z": b"other"}, hash="always")
    data = project.root / "data"
    shutil.copyfile(data / "a", data / "copied")  # new inode, mtime now
    os.unlink(data / "a")
    plan = status(project)
    assert changes(plan) == {"moved": [(b"a", b"copied")]}
    sync(project, plan)
    run = last_run(project_factory, project)
    assert (run["moved"], run["deleted"], run["inserted"]) == (1, 0, 0)
    assert set(rows(project_factory, project)) == {b"copied", b"z"}
    assert status(project).is_clean


def test_a_move_by_hash_with_hash_auto(project_factory: Any) -> None:
    """``auto`` hashes a new file when a gone row of its size has a hash."""
    project = synced(project_factory, {"a": b"payload", "z": b"other"})
    data = project.root / "data"
    write(data, "a", b"payload", mtime_ns=PAST + 1)  # a stat change: hashed, touched
    sync(project)
    assert rows(project_factory, project)[b"a"][4] is not None
    shutil.copyfile(data / "a", data / "b")
    os.unlink(data / "a")
    assert changes(status(project)) == {"moved": [(b"a", b"b")]}


def test_two_copies_of_one_file_are_not_a_move(project_factory: Any) -> None:
    project = synced(project_factory, {"a": b"payload"}, hash="always")
    data = project.root / "data"
    shutil.copyfile(data / "a", data / "b")
    shutil.copyfile(data / "a", data / "c")
    os.unlink(data / "a")
    assert changes(status(project)) == {"gone": [b"a"], "new": [b"b", b"c"]}


# -- names ---------------------------------------------------------------------------------

ODD_NAMES = [
    b"caf\xe9.txt",  # Latin-1, not UTF-8
    b"\xff\xfe raw",
    b"new\nline",
    b"tab\there",
    b" leading space",
    b"trailing space ",
    b'quote" and back\\slash',
    "naïve ✓".encode(),
    b"dir \xe9/inner\nname",
]


def test_odd_names_round_trip_exactly(project_factory: Any) -> None:
    project = data_project(project_factory, {name: name for name in ODD_NAMES})
    plan = status(project)
    assert changes(plan) == {"new": sorted(ODD_NAMES)}

    # Through the JSON of ``co3 status --json`` and back, bytes intact.
    text = json.dumps(plan.to_json(), ensure_ascii=True)
    assert text.isascii()
    shown = json.loads(text)["new"]
    assert sorted(os.fsencode(p) for p in shown) == sorted(ODD_NAMES)

    sync(project, plan)
    stored = rows(project_factory, project)
    assert sorted(stored) == sorted(ODD_NAMES)
    assert all(isinstance(p, bytes) for p in stored)
    for name in ODD_NAMES:  # the stored name opens the very file
        with open(os.path.join(os.fsencode(project.root / "data"), name), "rb") as handle:
            assert handle.read() == name
    assert status(project).is_clean


# -- read errors ---------------------------------------------------------------------------


def _status_as_nobody(project: Project, conn: Any) -> None:
    """Child: open the index with root's rights, drop to ``nobody``, scan, send the JSON."""
    try:
        with FileIndex(project) as index:
            index.exists()  # connect (and open SQLite's files) before losing the rights
            nobody = pwd.getpwnam("nobody")
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            plan = index.status()
            conn.send(("ok", json.dumps(plan.to_json(), ensure_ascii=True)))
    except BaseException as exc:  # report anything to the parent, which fails the test
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def status_as_nobody(project: Project) -> dict[str, Any]:
    """The ``status --json`` object of a scan run as ``nobody`` in a forked child."""
    if os.geteuid() != 0:
        pytest.skip(NOT_ROOT)
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_status_as_nobody, args=(project, child))
    process.start()
    child.close()
    try:
        assert parent.poll(60), "the scan as nobody did not answer within 60 s"
        kind, value = parent.recv()
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()
    assert kind == "ok", value
    result: dict[str, Any] = json.loads(value)
    return result


def locked_project(project_factory: Any, public_tmp: Path) -> Project:
    """A synced project in a 0755 folder whose ``data/locked`` is then made unreadable."""
    files = {"ok": b"ok", "gone": b"gone", "locked/a": b"a", "locked/deep/b": b"b"}
    project = data_project(
        project_factory, files, folder=public_tmp / "proj", in_project_index=True
    )
    sync(project)
    data = project.root / "data"
    os.unlink(data / "gone")
    write(data, "fresh", b"fresh")
    os.chmod(data / "locked", 0)
    return project


def test_an_unreadable_folder_makes_its_rows_unknown_not_gone(
    project_factory: Any, public_tmp: Path
) -> None:
    project = locked_project(project_factory, public_tmp)
    found = status_as_nobody(project)
    assert found["gone"] == ["gone"]  # locked/a and locked/deep/b are not gone
    assert found["new"] == ["fresh"]
    assert found["modified"] == found["touched"] == found["moved"] == []
    (error,) = found["errors"]
    assert error["path"] == "locked/"
    assert "ermission denied" in error["error"]
    assert found["unchanged"] == 1


def test_a_folder_listed_but_not_searchable_makes_each_file_an_error(
    project_factory: Any, public_tmp: Path
) -> None:
    """Read but no search permission: names are listed, none can be stat'ed; rows stay."""
    files = {"ok": b"ok", "half/a": b"a", "half/b": b"b"}
    project = data_project(
        project_factory, files, folder=public_tmp / "proj", in_project_index=True
    )
    sync(project)
    os.chmod(project.root / "data" / "half", 0o744)
    found = status_as_nobody(project)
    assert found["gone"] == found["new"] == found["modified"] == []
    assert found["errors"] == [
        {"path": "half/a", "error": "cannot stat: Permission denied"},
        {"path": "half/b", "error": "cannot stat: Permission denied"},
    ]
    assert found["unchanged"] == 1


def test_a_sync_after_read_errors_skips_every_delete(
    project_factory: Any, public_tmp: Path
) -> None:
    """rsync's rule: inserts and updates go in, every delete is held back, exit code 1."""
    project = locked_project(project_factory, public_tmp)
    found = status_as_nobody(project)
    plan = Plan.from_json(
        found, project=project.identity, database=project.display_url, host=project.host
    )
    before = rows(project_factory, project)
    _plan, outcome = sync(project, plan)
    assert outcome.exit_code == 1
    assert [(c.kind, c.path) for c, _why in outcome.skipped] == [("gone", b"gone")]
    assert "read errors" in outcome.skipped[0][1]
    assert dict(outcome.counts) == {"inserted": 1}
    after = rows(project_factory, project)
    assert set(after) == set(before) | {b"fresh"}  # gone and locked/* rows all kept
    run = last_run(project_factory, project)
    assert (run["inserted"], run["deleted"], run["skipped"], run["errors"]) == (1, 0, 1, 1)
    assert run["outcome"] == "partial"


def test_an_unreadable_file_is_an_error_when_it_must_be_hashed(
    project_factory: Any, public_tmp: Path
) -> None:
    files = {"secret": b"s3cret", "ok": b"ok"}
    project = data_project(
        project_factory, files, folder=public_tmp / "proj", in_project_index=True
    )
    sync(project)
    path = write(project.root / "data", "secret", b"s3cret", mtime_ns=PAST + 1)
    os.chmod(path, 0)
    found = status_as_nobody(project)
    assert [e["path"] for e in found["errors"]] == ["secret"]
    assert found["gone"] == [] and found["new"] == []


# -- symlinks ------------------------------------------------------------------------------


def make_links(data: Path, outside: Path) -> None:
    write(data, "real/x", b"x")
    write(outside, "secret", b"outside")
    os.symlink(".", data / "loop")  # the root itself
    os.symlink("..", data / "real" / "up")  # back to the root from below
    os.symlink(outside, data / "out")  # a folder out of the root
    os.symlink(outside / "secret", data / "out-file")  # a file out of the root
    os.symlink("real", data / "alias")  # a folder inside the root
    os.symlink("real/x", data / "x-link")  # a file inside the root
    os.symlink("missing", data / "dangling")


LINKS = [b"alias", b"dangling", b"loop", b"out", b"out-file", b"real/up", b"x-link"]


def test_symlinks_are_not_followed_by_default(project_factory: Any, tmp_path: Path) -> None:
    project = data_project(project_factory, {})
    make_links(project.root / "data", tmp_path / "outside")
    plan = status(project)
    assert changes(plan) == {"new": sorted([b"real/x", *LINKS])}
    for change in plan.of_kind("new"):
        assert stat.S_ISLNK(change.stat[3]) == (change.path != b"real/x")
    sync(project, plan)
    assert status(project).is_clean


def test_followed_symlinks_end_loops_and_never_leave_the_root(
    project_factory: Any, tmp_path: Path
) -> None:
    project = data_project(project_factory, {}, follow_symlinks=True)
    make_links(project.root / "data", tmp_path / "outside")
    plan = status(project)
    found = changes(plan)
    # alias/ and x-link are followed; loops, links out of the root and dangling links
    # are kept as themselves; nothing from outside appears.
    assert found == {
        "new": [
            *(b"alias/up", b"alias/x", b"dangling", b"loop", b"out", b"out-file"),
            *(b"real/up", b"real/x", b"x-link"),
        ]
    }
    modes = {c.path: c.stat[3] for c in plan.of_kind("new")}
    assert stat.S_ISREG(modes[b"x-link"]) and stat.S_ISREG(modes[b"alias/x"])
    assert all(stat.S_ISLNK(modes[p]) for p in (b"loop", b"out", b"out-file", b"real/up"))


def test_a_plan_with_followed_symlinks_applies_without_skips(
    project_factory: Any, tmp_path: Path
) -> None:
    """Re-checking a followed link compares the target's stat, as the scan saw it."""
    project = data_project(project_factory, {}, follow_symlinks=True)
    make_links(project.root / "data", tmp_path / "outside")
    plan = status(project)
    _plan, outcome = sync(project, plan, recheck=True)
    assert outcome.skipped == [] and outcome.exit_code == 0
    assert status(project).is_clean


# -- status writes nothing -----------------------------------------------------------------


def test_status_without_an_index_creates_nothing(project_factory: Any) -> None:
    project = data_project(project_factory, {"a": b"1"}, in_project_index=True)
    status(project)
    assert project_factory.dump(project) is None
    assert not (project.root / ".co3").exists()
    with FileIndex(project) as index:
        assert not index.exists()


def test_status_changes_nothing_in_the_index(project_factory: Any) -> None:
    project = synced(project_factory, {"a": b"1", "b": b"2", "c": b"3"})
    data = project.root / "data"
    write(data, "a", b"changed")
    os.unlink(data / "b")
    write(data, "new", b"n", mtime_ns=PAST + 1)  # b's inode may be reused: not a move
    os.rename(data / "c", data / "c2")
    before = project_factory.dump(project)
    plan = status(project)
    assert changes(plan) == {
        "gone": [b"b"],
        "modified": [b"a"],
        "moved": [(b"c", b"c2")],
        "new": [b"new"],
    }
    assert project_factory.dump(project) == before


def test_links_not_followed_hash_as_links_never_their_target(
    project_factory: Any, tmp_path: Path
) -> None:
    """With ``follow_symlinks``, a link out of the root is hashed as the link, not read."""
    from co3.fileindex.hashing import hash_bytes

    project = data_project(project_factory, {}, follow_symlinks=True, hash="always")
    data = project.root / "data"
    make_links(data, tmp_path / "outside")
    plan = status(project)
    assert not plan.errors
    digests = {c.path: c.hash for c in plan.of_kind("new")}
    assert digests[b"x-link"] == hash_bytes(b"x")  # followed: the target's content
    for link in (b"out-file", b"out", b"loop", b"dangling", b"real/up"):
        target = os.readlink(os.path.join(os.fsencode(data), link))
        assert digests[link] == hash_bytes(target), link
