"""File index sync: guards, atomic chunks under SIGKILL, cancel, one writer, plans, hosts.

Each test runs on SQLite and on PostgreSQL (``project_factory``). "Nothing written" is
checked by comparing a logical dump of both tables (``files`` and ``runs``) before and
after.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from co3.fileindex.index import FileIndex
from co3.fileindex.plan import Change, Plan, PlanError
from co3.fileindex.store import IndexStore, SyncLockedError
from co3.project import Project

PAST = 1_600_000_000 * 10**9  # well clear of any scan's recorded time
# The order a sync applies a plan in: moves free their old paths first; each kind keeps
# the plan's order.
APPLY_ORDER = ("moved", "gone", "modified", "touched", "refresh", "new")


# -- helpers -------------------------------------------------------------------------------


def write(root: Path, rel: bytes | str, content: bytes, mtime_ns: int | None = PAST) -> None:
    """Write one file under ``root`` (parents created) and set its mtime."""
    path = os.path.join(os.fsencode(root), os.fsencode(rel))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(content)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


def data_project(project_factory: Any, files: dict[str, bytes], **settings: Any) -> Project:
    """A project whose one root ``data`` holds ``files``."""
    project: Project = project_factory(roots=["data"], **settings)
    data = project.root / "data"
    data.mkdir(exist_ok=True)
    for rel, content in files.items():
        write(data, rel, content)
    return project


def numbered(count: int, prefix: str = "f") -> dict[str, bytes]:
    """``count`` small files spread over a few folders."""
    return {f"d{i % 7}/{prefix}{i:05d}": f"content {i}".encode() for i in range(count)}


def status(project: Project) -> Plan:
    with FileIndex(project) as index:
        return index.status()


def sync(project: Project, plan: Plan | None = None, **kwargs: Any) -> Any:
    """``FileIndex.sync``: returns the outcome."""
    with FileIndex(project) as index:
        return index.sync(plan, **kwargs)[1]


def synced(project_factory: Any, files: dict[str, bytes], **settings: Any) -> Project:
    project = data_project(project_factory, files, **settings)
    assert sync(project).exit_code == 0
    assert status(project).is_clean
    return project


def paths(project_factory: Any, project: Project) -> dict[bytes, tuple[int, int, int]]:
    """The project's rows: path -> (size, mtime_ns, inode)."""
    dump = project_factory.dump(project) or {"files": []}
    return {
        r[2]: (r[3], r[4], r[5] % (1 << 64))
        for r in dump["files"]
        if r[0] == project.host and r[1] == project.roots[0].name
    }


def runs(project_factory: Any, project: Project) -> list[dict[str, Any]]:
    """The journal, oldest first, as dicts."""
    journal: list[dict[str, Any]] = project_factory.runs(project)
    return journal


def disk_state(project: Project) -> dict[bytes, tuple[int, int, int]]:
    """What the disk holds under ``data``: path -> (size, mtime_ns, inode)."""
    base = os.fsencode(project.root / "data")
    out = {}
    for folder, _dirs, files in os.walk(base):
        for name in files:
            full = os.path.join(folder, name)
            st = os.lstat(full)
            out[os.path.relpath(full, base)] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out


# -- guards --------------------------------------------------------------------------------


def test_a_60_percent_delete_is_refused_and_writes_nothing(project_factory: Any) -> None:
    project = synced(project_factory, numbered(10))
    data = project.root / "data"
    for i in range(6):
        os.unlink(data / f"d{i % 7}/f{i:05d}")
    write(data, "brand-new", b"new")  # refused runs write nothing, inserts included
    before = project_factory.dump(project)

    outcome = sync(project)
    assert outcome.exit_code == 3
    (refusal,) = outcome.refused
    assert "delete 6 of the 10 rows" in refusal and "max_delete" in refusal
    assert project_factory.dump(project) == before

    outcome = sync(project, force=True)
    assert outcome.exit_code == 0
    assert (outcome.counts["deleted"], outcome.counts["inserted"]) == (6, 1)
    assert len(paths(project_factory, project)) == 5
    assert status(project).is_clean


def test_deleting_exactly_the_limit_is_allowed(project_factory: Any) -> None:
    project = synced(project_factory, numbered(10))
    for i in range(5):
        os.unlink(project.root / "data" / f"d{i % 7}/f{i:05d}")
    outcome = sync(project)
    assert outcome.exit_code == 0 and outcome.counts["deleted"] == 5


@pytest.mark.parametrize(("deleted", "refused"), [(2, False), (3, True)])
def test_max_delete_as_a_count(project_factory: Any, deleted: int, refused: bool) -> None:
    project = synced(project_factory, numbered(10), max_delete=2)
    for i in range(deleted):
        os.unlink(project.root / "data" / f"d{i % 7}/f{i:05d}")
    before = project_factory.dump(project)
    outcome = sync(project)
    if refused:
        assert outcome.exit_code == 3 and "max_delete" in outcome.refused[0]
        assert project_factory.dump(project) == before
    else:
        assert outcome.exit_code == 0 and outcome.counts["deleted"] == deleted


def test_a_missing_root_is_refused(project_factory: Any) -> None:
    project = synced(project_factory, numbered(4))
    os.rename(project.root / "data", project.root / "unmounted")
    before = project_factory.dump(project)
    outcome = sync(project)
    assert outcome.exit_code == 3
    assert "missing" in outcome.refused[0] and "--force" in outcome.refused[0]
    assert project_factory.dump(project) == before

    assert sync(project, force=True).counts["deleted"] == 4
    assert paths(project_factory, project) == {}


def test_an_empty_root_is_refused(project_factory: Any) -> None:
    project = synced(project_factory, numbered(4))
    for path in disk_state(project):
        os.unlink(os.path.join(os.fsencode(project.root / "data"), path))
    before = project_factory.dump(project)
    outcome = sync(project)
    assert outcome.exit_code == 3 and "empty" in outcome.refused[0]
    assert project_factory.dump(project) == before


def test_a_refused_first_sync_creates_no_index(project_factory: Any) -> None:
    project = project_factory(roots=["data", "never-mounted"], in_project_index=True)
    write(project.root / "data", "a", b"a")
    outcome = sync(project)
    assert outcome.exit_code == 3 and "missing" in outcome.refused[0]
    assert project_factory.dump(project) is None
    with FileIndex(project) as index:
        assert not index.exists()


def test_a_saved_plan_meets_the_guards_too(project_factory: Any) -> None:
    project = synced(project_factory, numbered(10))
    for i in range(6):
        os.unlink(project.root / "data" / f"d{i % 7}/f{i:05d}")
    saved = json.loads(json.dumps(status(project).to_json()))
    plan = Plan.from_json(
        saved, project=project.identity, database=project.display_url, host=project.host
    )
    before = project_factory.dump(project)
    assert sync(project, plan).exit_code == 3
    assert project_factory.dump(project) == before


def test_an_empty_root_with_no_rows_is_fine(project_factory: Any) -> None:
    project = data_project(project_factory, {})
    outcome = sync(project)
    assert outcome.exit_code == 0 and not outcome.refused


# -- dry run -------------------------------------------------------------------------------


def test_a_dry_run_creates_no_database(project_factory: Any) -> None:
    project = data_project(project_factory, numbered(5))
    plan = status(project)
    assert len(plan.of_kind("new")) == 5
    if project_factory.sqlite_path is not None:
        assert not project_factory.sqlite_path.exists()
    assert project_factory.dump(project) is None


def test_a_dry_run_changes_nothing(project_factory: Any) -> None:
    project = synced(project_factory, numbered(8))
    data = project.root / "data"
    write(data, "d0/f00000", b"rewritten, longer")
    os.unlink(data / "d1/f00001")
    os.rename(data / "d2/f00002", data / "moved")
    write(data, "new", b"n", mtime_ns=PAST + 1)
    before = project_factory.dump(project)
    plan = status(project)
    assert plan.counts()["modified"] == plan.counts()["moved"] == 1
    assert plan.counts()["gone"] == plan.counts()["new"] == 1
    assert project_factory.dump(project) == before


# -- atomic chunks under SIGKILL -----------------------------------------------------------

SYNC_SCRIPT = r"""
import functools, sys, time
import co3.fileindex.index as index_module
from co3.fileindex.index import FileIndex
from co3.project import load_project

index_module.apply_plan = functools.partial(
    index_module.apply_plan, chunk_cap=int(sys.argv[2]), chunk_time=None
)

def progress(p):
    if p.done == 0:
        print("started", flush=True)
    elif p.done == p.total:
        print("last-chunk", flush=True)
    time.sleep(float(sys.argv[3]))

with FileIndex(load_project(sys.argv[1])) as index:
    plan, outcome = index.sync(progress=progress, force=True, lock_wait=30)
print("finished", outcome.exit_code, flush=True)
"""


def start_sync(project: Project, chunk_cap: int, pause: float) -> subprocess.Popen[str]:
    """A real sync of ``project`` in a child process, with fixed chunks of ``chunk_cap``."""
    return subprocess.Popen(
        [sys.executable, "-c", SYNC_SCRIPT, str(project.root), str(chunk_cap), str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def planned_items(plan: Plan) -> list[Change]:
    """The plan's changes in the order a sync applies them."""
    return [c for kind in APPLY_ORDER for c in plan.changes if c.kind == kind]


def apply_model(rows: dict[bytes, Any], items: list[Change]) -> dict[bytes, Any]:
    """What the rows become after ``items``: path -> (size, mtime_ns, inode)."""
    out = dict(rows)
    for c in items:
        if c.kind == "gone":
            del out[c.path]
            continue
        assert c.stat is not None
        if c.kind == "moved":
            assert c.old_path is not None
            del out[c.old_path]
        out[c.path] = (c.stat[0], c.stat[1], c.stat[2])
    return out


def random_edits(project: Project, rng: random.Random, serial: int) -> None:
    """Modify, delete, rename and create a few dozen files under ``data``."""
    data = os.fsencode(project.root / "data")
    existing = sorted(disk_state(project))
    for path in rng.sample(existing, min(len(existing), 60)):
        full = os.path.join(data, path)
        action = rng.choice(["modify", "delete", "rename", "keep"])
        if action == "modify":
            write(project.root / "data", path, b"modified %d" % serial, mtime_ns=PAST + serial)
        elif action == "delete":
            os.unlink(full)
        elif action == "rename":
            os.rename(full, full + b".r%d" % serial)
    for i in range(rng.randint(0, 80)):
        write(project.root / "data", f"n{serial}/new{i}", b"new %d" % i, mtime_ns=PAST + serial)


def test_sigkill_at_random_moments_leaves_a_chunk_boundary_and_converges(
    project_factory: Any,
) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    chunk = 7
    project = data_project(project_factory, numbered(400))
    killed_after_start = killed_mid_run = 0
    for attempt in range(6):
        if attempt:
            random_edits(project, rng, attempt)
        before = paths(project_factory, project)
        items = planned_items(status(project))
        child = start_sync(project, chunk, pause=0.004)
        assert child.stdout is not None
        lines = [child.stdout.readline().strip()]  # "started", once the run is journaled
        assert lines == ["started"], (seed, lines, child.stderr and child.stderr.read())
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
        lines += out.split()
        context = f"seed {seed}, attempt {attempt}: {lines} {err[-2000:]}"

        after = paths(project_factory, project)
        # A chunk boundary: exactly the first k chunks of the run's items were applied.
        boundaries = [*range(0, len(items), chunk), len(items)]
        done = [k for k in boundaries if apply_model(before, items[:k]) == after]
        assert done, f"the index is not at a chunk boundary ({context})"
        if child.returncode == -signal.SIGKILL:
            killed_after_start += 1
            killed_mid_run += 0 < done[0] < len(items)
        else:
            assert "finished" in lines, context
        assert_no_duplicates(project_factory, project)

    assert killed_mid_run >= 1, f"no kill landed mid-run (seed {seed}); slow the child down"
    # A rerun converges: clean status, rows equal to the disk. (It has one change of its
    # own at least: a run with nothing to write leaves the journal alone.)
    write(project.root / "data", "last", b"last")
    assert sync(project).exit_code == 0
    assert status(project).is_clean
    assert paths(project_factory, project) == disk_state(project)
    journal = runs(project_factory, project)
    assert not [r for r in journal if r["outcome"] == "running"]
    killed = [r for r in journal if r["outcome"] == "killed"]
    assert killed_mid_run <= len(killed) <= killed_after_start, (seed, journal)
    assert all(r["partial"] for r in killed)
    assert journal[-1]["outcome"] == "ok"


def assert_no_duplicates(project_factory: Any, project: Project) -> None:
    dump = project_factory.dump(project)
    assert dump is not None
    keys = [(r[0], r[1], r[2]) for r in dump["files"]]
    assert len(keys) == len(set(keys))


def test_a_killed_run_is_marked_killed_by_the_next_one(project_factory: Any) -> None:
    project = data_project(project_factory, numbered(200))
    child = start_sync(project, chunk_cap=5, pause=0.05)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "started"
    time.sleep(0.1)
    child.kill()
    child.wait(30)
    (run,) = runs(project_factory, project)
    assert run["outcome"] == "running" and run["finished_at_ns"] is None

    assert sync(project).exit_code == 0
    first, second = runs(project_factory, project)
    assert first["outcome"] == "killed" and first["partial"]
    assert second["outcome"] == "ok" and not second["partial"]
    assert status(project).is_clean


# -- cancel --------------------------------------------------------------------------------


def test_cancel_stops_at_a_chunk_boundary_and_a_rerun_finishes(project_factory: Any) -> None:
    project = data_project(project_factory, numbered(50))
    cancel = threading.Event()
    seen: list[Any] = []

    def progress(p: Any) -> None:
        seen.append(p)
        if p.chunks == 1:
            cancel.set()

    outcome = sync(project, progress=progress, cancel=cancel)
    assert outcome.cancelled and outcome.exit_code == 1
    done = seen[-1].done
    assert seen[-1].chunks == 1 and 0 < done < 50
    assert len(paths(project_factory, project)) == done == outcome.counts["inserted"]
    (run,) = runs(project_factory, project)
    assert run["outcome"] == "cancelled" and run["partial"]
    assert run["inserted"] == done and run["finished_at_ns"] is not None

    outcome = sync(project)
    assert outcome.exit_code == 0 and outcome.counts["inserted"] == 50 - done
    assert status(project).is_clean
    assert runs(project_factory, project)[-1]["outcome"] == "ok"


# -- one writer ----------------------------------------------------------------------------


def hold_writer_lock(project: Project) -> IndexStore:
    """Another writer: an open store holding the writer lock of the project's root."""
    store = IndexStore(project.database_url, pg_schema=project.pg_schema)
    store.acquire_writer_lock(project.host, [r.name for r in project.roots], wait=1)
    return store


def test_a_second_writer_is_refused_with_a_clear_message(project_factory: Any) -> None:
    project = synced(project_factory, numbered(5))
    write(project.root / "data", "new", b"n")
    before = project_factory.dump(project)
    holder = hold_writer_lock(project)
    try:
        with pytest.raises(SyncLockedError) as caught:
            sync(project, lock_wait=0.3)
    finally:
        holder.close()
    message = str(caught.value)
    assert "another co3 sync is writing" in message and "run this again" in message
    assert project_factory.dump(project) == before
    assert sync(project).counts["inserted"] == 1


def test_a_second_writer_waits_for_the_first(project_factory: Any) -> None:
    project = synced(project_factory, numbered(5))
    write(project.root / "data", "new", b"n")
    holder = hold_writer_lock(project)
    threading.Timer(0.5, holder.close).start()
    start = time.monotonic()
    outcome = sync(project, lock_wait=20)
    assert time.monotonic() - start >= 0.4
    assert outcome.exit_code == 0 and outcome.counts["inserted"] == 1


def test_two_concurrent_syncs_never_write_at_once(project_factory: Any) -> None:
    project = data_project(project_factory, numbered(120))
    sync(project)  # create the index, so both children start on equal terms
    random_edits(project, random.Random(7), 1)
    children = [start_sync(project, chunk_cap=4, pause=0.01) for _ in range(2)]
    results = [child.communicate(timeout=120) for child in children]
    for child, (out, err) in zip(children, results, strict=True):
        locked = "SyncLockedError" in err
        assert child.returncode == 0 or locked, err[-2000:]
        assert locked or "finished 0" in out
    journal = runs(project_factory, project)[1:]
    assert 1 <= len(journal) <= 2
    spans = sorted((r["started_at_ns"], r["finished_at_ns"]) for r in journal)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start, f"two runs wrote at once: {journal}"
    assert_no_duplicates(project_factory, project)
    assert status(project).is_clean


def drop_index(project: Project) -> None:
    """Remove the project's index entirely (PostgreSQL: its schema; SQLite: ``.co3/``)."""
    if project.database_url.startswith("sqlite"):
        shutil.rmtree(project.index_dir, ignore_errors=True)
        return
    with IndexStore(project.database_url, pg_schema=project.pg_schema) as store:
        store.execute(f'DROP SCHEMA IF EXISTS "{project.pg_schema}" CASCADE')


def first_sync_at_the_barrier(
    project: Project, barrier: threading.Barrier, failures: list[BaseException]
) -> None:
    """Thread: scan, wait for the others, then sync (creating the index if it is missing)."""
    try:
        with FileIndex(project) as index:
            plan = index.status()
            barrier.wait(timeout=30)
            index.sync(plan, lock_wait=30)
    except BaseException as exc:  # collected for the main thread to report
        failures.append(exc)


def test_first_syncs_started_together_all_succeed(project_factory: Any) -> None:
    """Creating the index races too: the losers wait for the winner's tables."""
    project = data_project(project_factory, numbered(20), in_project_index=True)
    for _round in range(6):
        drop_index(project)
        barrier = threading.Barrier(4)
        failures: list[BaseException] = []
        threads = [
            threading.Thread(target=first_sync_at_the_barrier, args=(project, barrier, failures))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not failures, failures
        assert_no_duplicates(project_factory, project)
        assert status(project).is_clean


# -- plan, then apply ----------------------------------------------------------------------


def test_an_item_changed_after_the_plan_is_skipped_and_the_rest_applied(
    project_factory: Any,
) -> None:
    project = synced(project_factory, {"keep": b"k", "gone": b"g", "old": b"o"})
    data = project.root / "data"
    write(data, "a", b"a")
    write(data, "b", b"b")
    os.unlink(data / "gone")
    os.rename(data / "old", data / "renamed")
    plan = status(project)
    assert plan.counts() | {"unchanged": 0} == {
        "new": 2,
        "modified": 0,
        "touched": 0,
        "moved": 1,
        "gone": 1,
        "errors": 0,
        "unchanged": 0,
    }
    write(data, "a", b"changed after the plan")
    outcome = sync(project, plan, recheck=True)

    assert outcome.exit_code == 1
    assert [(c.path, why) for c, why in outcome.skipped] == [(b"a", "changed since the plan")]
    assert dict(outcome.counts) == {"inserted": 1, "moved": 1, "deleted": 1}
    assert set(paths(project_factory, project)) == {b"keep", b"renamed", b"b"}
    run = runs(project_factory, project)[-1]
    assert (run["skipped"], run["outcome"]) == (1, "partial")
    assert [(c.kind, c.path) for c in status(project).changes] == [("new", b"a")]


def test_a_planned_delete_or_move_is_skipped_when_the_file_came_back(
    project_factory: Any,
) -> None:
    project = synced(project_factory, {"gone": b"g", "old": b"o", "keep": b"k"})
    data = project.root / "data"
    os.unlink(data / "gone")
    os.rename(data / "old", data / "renamed")
    plan = status(project)
    write(data, "gone", b"back")
    write(data, "old", b"back too")
    outcome = sync(project, plan)
    assert sorted(c.kind for c, _ in outcome.skipped) == ["gone", "moved"]
    assert set(paths(project_factory, project)) == {b"gone", b"old", b"keep"}


def test_two_saved_plans_applied_out_of_order_converge(project_factory: Any) -> None:
    """Each plan still holds on disk when applied; the second must not trip over the first.

    P0 (``b`` a hard link of ``a``: new ``b``) and P1 (``a`` removed since: move ``a`` to
    ``b``), applied P0 then P1: the move finds a row already at ``b``.
    """
    project = synced(project_factory, {"a": b"x", "keep": b"k"})
    data = project.root / "data"
    os.link(data / "a", data / "b")
    first = status(project)
    os.unlink(data / "a")
    second = status(project)
    assert [(c.kind, c.path) for c in first.changes] == [("new", b"b")]
    assert [(c.kind, c.old_path, c.path) for c in second.changes] == [("moved", b"a", b"b")]
    assert sync(project, first).exit_code == 0
    assert sync(project, second).exit_code == 0
    assert sync(project, second).exit_code == 0  # and once more: still harmless
    assert set(paths(project_factory, project)) == {b"b", b"keep"}
    assert status(project).is_clean


def plan_with_everything(project_factory: Any) -> tuple[Project, Plan]:
    """A two-root project whose plan has every kind of change, odd names included."""
    project = project_factory(roots=["one", "two"], hash="always")
    for root in ("one", "two"):
        for name in ("same", "touch", "grow", "gone", "old", "caf\udce9 \n"):
            write(project.root / root, name, name.encode("utf-8", "surrogateescape"))
    assert sync(project).exit_code == 0
    for root in ("one", "two"):
        folder = project.root / root
        write(folder, "touch", b"touch", mtime_ns=PAST + 1)
        write(folder, "grow", b"grown bigger")
        os.unlink(folder / "gone")
        os.rename(folder / "old", folder / "new\tname")
        write(folder, b"fresh \xff", b"fresh")
    return project, status(project)


def comparable(plan: Plan) -> list[tuple[Any, ...]]:
    return sorted(
        (c.kind, c.root, c.path, c.stat, c.hash, c.old_path)
        for c in plan.changes
        if c.kind != "refresh"
    )


def test_a_plan_round_trips_through_json(project_factory: Any) -> None:
    project, plan = plan_with_everything(project_factory)
    assert {c.kind for c in plan.changes} >= {"new", "modified", "touched", "moved", "gone"}
    text = json.dumps(plan.to_json(), ensure_ascii=True)
    data = json.loads(text)
    assert data["moved"] == [["one/old", "one/new\tname"], ["two/old", "two/new\tname"]]
    assert "one/fresh \udcff" in data["new"]

    back = Plan.from_json(
        data, project=project.identity, database=project.display_url, host=project.host
    )
    assert comparable(back) == comparable(plan)
    assert [(r.name, r.path, r.rows, r.seen) for r in back.roots] == [
        (r.name, r.path, r.rows, r.seen) for r in plan.roots
    ]
    assert back.recorded_at_ns == plan.recorded_at_ns
    assert back.to_json() == plan.to_json()

    outcome = sync(project, back)
    assert outcome.exit_code == 0 and not outcome.skipped
    assert status(project).is_clean


def test_a_plan_from_another_project_is_refused(project_factory: Any) -> None:
    project, plan = plan_with_everything(project_factory)
    other = project_factory(roots=["one", "two"], host="other-host")
    data = json.loads(json.dumps(plan.to_json()))
    for name, mine in [
        ("project", other.identity),
        ("database", "sqlite:///elsewhere.db"),
        ("host", "other-host"),
    ]:
        kwargs = {"project": project.identity, "database": project.display_url}
        kwargs["host"] = project.host
        kwargs[name] = mine
        with pytest.raises(PlanError, match=r"^the plan was made for .*co3 status --json"):
            Plan.from_json(data, **kwargs)


@pytest.mark.parametrize(
    "broken",
    [
        {},
        {"new": []},
        {"plan": {"version": 99}},
        "not an object",
    ],
)
def test_a_broken_plan_is_refused(project_factory: Any, broken: Any) -> None:
    project = project_factory()
    with pytest.raises(PlanError):
        Plan.from_json(
            broken, project=project.identity, database=project.display_url, host=project.host
        )


# -- several hosts in one database ---------------------------------------------------------


def test_two_hosts_with_the_same_root_name_never_touch_each_others_rows(
    project_factory: Any,
) -> None:
    alpha = synced(project_factory, numbered(6, "alpha"), host="alpha")
    beta = synced(project_factory, numbered(4, "beta"), host="beta")
    assert alpha.roots[0].name == beta.roots[0].name == "data"
    beta_rows = paths(project_factory, beta)
    assert len(beta_rows) == 4 and len(paths(project_factory, alpha)) == 6

    # alpha loses every file (forced) and gains one: beta's rows stay as they are.
    for path in disk_state(alpha):
        os.unlink(os.path.join(os.fsencode(alpha.root / "data"), path))
    write(alpha.root / "data", "only", b"x")
    outcome = sync(alpha, force=True)
    assert (outcome.counts["deleted"], outcome.counts["inserted"]) == (6, 1)
    assert set(paths(project_factory, alpha)) == {b"only"}
    assert paths(project_factory, beta) == beta_rows
    assert status(beta).is_clean
    assert all(r["host"] == "alpha" for r in runs(project_factory, alpha)[2:])


@pytest.mark.postgres
def test_hosts_take_separate_writer_locks_on_postgresql(project_factory: Any) -> None:
    if project_factory.target.backend != "postgresql":
        pytest.skip("SQLite has one writer per database file, whatever the host")
    alpha = synced(project_factory, numbered(3), host="alpha")
    beta = synced(project_factory, numbered(3), host="beta")
    write(beta.root / "data", "new", b"n")
    write(alpha.root / "data", "new", b"n")
    holder = hold_writer_lock(alpha)
    try:
        assert sync(beta, lock_wait=0.2).counts["inserted"] == 1
        with pytest.raises(SyncLockedError):
            sync(alpha, lock_wait=0.2)
    finally:
        holder.close()


@pytest.mark.postgres
def test_indexes_in_two_schemas_never_share_a_writer_lock(project_factory: Any) -> None:
    """Advisory locks span the database: same host and root name, other schema, no wait."""
    if project_factory.target.backend != "postgresql":
        pytest.skip("a PostgreSQL schema is a PostgreSQL matter")
    first = synced(project_factory, numbered(3))
    other_schema = f"{project_factory.target.pg_schema}_b"
    second = synced(project_factory, numbered(3), pg_schema=other_schema)
    assert (first.host, first.roots[0].name) == (second.host, second.roots[0].name)
    write(second.root / "data", "new", b"n")
    holder = hold_writer_lock(first)
    try:
        assert sync(second, lock_wait=0.2).counts["inserted"] == 1
    finally:
        holder.close()
