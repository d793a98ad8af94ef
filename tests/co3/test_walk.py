"""The disk scanner: order, exact names, ignore rules, symlinks and read errors.

Every walk test runs with the C lister and with the pure-Python one (the fallback),
which must give identical results.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from co3.exceptions import ConfigError, RootError
from co3.fileindex import _listing
from co3.fileindex.walk import NATIVE, WalkError, iter_items, stat_entry, walk

NO_NATIVE = "the C lister co3.fileindex._scan was not built (no compiler at install time?)"
LISTERS = [
    pytest.param(True, id="native", marks=pytest.mark.skipif(not NATIVE, reason=NO_NATIVE)),
    pytest.param(False, id="python"),
]
NOT_ROOT = (
    "needs root: the scanner runs in a child that drops to 'nobody' so that permissions "
    "are enforced (root ignores them)"
)


@pytest.fixture(params=LISTERS)
def native(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


def items(root: Any, native: bool, threads: int | None = None, **kwargs: Any) -> list[Any]:
    return list(iter_items(root, native=native, threads=threads, **kwargs))


def paths(root: Any, native: bool, **kwargs: Any) -> list[bytes]:
    return [item[0] for item in items(root, native, **kwargs)]


def make(root: Path | bytes, *files: bytes, content: bytes = b"x") -> bytes:
    """Create files (relative bytes paths; a trailing / makes an empty directory)."""
    base = os.fsencode(root)
    for rel in files:
        full = os.path.join(base, rel)
        if rel.endswith(b"/"):
            os.makedirs(full, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(content)
    return base


# -- order ---------------------------------------------------------------------------------

NAME_PIECES = [b"a", b"ab", b"a.txt", b"a-b", b"a b", b" a", b"a ", b"b", b"\xff", b"\xc3\xa9"]
NAME_PIECES += [b"a\nb", b"a\tb", b"!", b"~", b"A", b"0", b"a\x01", b"\x7f", b"\x80x"]
odd_byte_name = st.binary(min_size=1, max_size=6).filter(
    lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b"..", b".co3", b".git")
)
name = st.one_of(st.sampled_from(NAME_PIECES), odd_byte_name)
tree_paths = st.lists(st.lists(name, min_size=1, max_size=4), min_size=1, max_size=30)


def build_random_tree(base: bytes, raw: list[list[bytes]]) -> list[bytes]:
    """Create the files; a path that is also a directory of another stays a directory."""
    dirs = {tuple(p[:i]) for p in raw for i in range(1, len(p))}
    files = sorted({b"/".join(p) for p in raw if tuple(p) not in dirs})
    for rel in files:
        make(base, rel, content=rel)
    return files


@given(raw=tree_paths)
def test_order_is_byte_order_of_relpaths(tmp_path: Path, raw: list[list[bytes]]) -> None:
    base = os.fsencode(tempfile.mkdtemp(dir=tmp_path))
    expected = build_random_tree(base, raw)
    # No rules (the fast path), a rule that matches nothing and following links (every
    # item looked at), with each lister, inline and with threads.
    variants: list[dict[str, Any]] = [{}, {"ignore": ["*.never"]}, {"follow_symlinks": True}]
    for native in [False, True] if NATIVE else [False]:
        for threads, kwargs in [(t, v) for t in (0, 2) for v in variants]:
            batches = list(walk(base, native=native, threads=threads, **kwargs))
            assert all(batches), "no empty batch"
            got = [item[0] for batch in batches for item in batch]
            assert got == expected  # sorted(), byte-wise, and nothing missing or extra
            assert all(a < b for a, b in itertools.pairwise(got))


def test_directory_sorts_by_name_plus_slash(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b"a/x", b"a.txt", b"a-b", b"ab", b"a0", b"a\x01", b"a\xff", b"a!/y")
    assert paths(tmp_path, native) == sorted(
        [b"a/x", b"a.txt", b"a-b", b"ab", b"a0", b"a\x01", b"a\xff", b"a!/y"]
    )
    assert paths(tmp_path, native)[:4] == [b"a\x01", b"a!/y", b"a-b", b"a.txt"]


def test_listers_agree(tmp_path: Path) -> None:
    if not NATIVE:
        pytest.skip(NO_NATIVE)
    make(tmp_path, b"d/e/f", b"z", b"\xfe\xff", b"sp ace ", b"empty/", b".co3ignore")
    os.symlink(b"z", tmp_path / "link")
    os.mkfifo(tmp_path / "fifo")
    for want_links in (False, True):
        for prefix in (b"", b"some/prefix/"):
            args = (os.fsencode(tmp_path), prefix, want_links, b".co3ignore")
            assert _listing.list_dir_native(*args) == _listing.list_dir_py(*args)


# -- entries -------------------------------------------------------------------------------


def test_entry_is_lstat_data(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b"f.txt", content=b"hello")
    os.utime(tmp_path / "f.txt", ns=(1, 1_234_567_891_234_567_891))
    [entry] = items(tmp_path, native)
    st_ = os.lstat(tmp_path / "f.txt")
    assert entry == (b"f.txt", 5, 1_234_567_891_234_567_891, st_.st_ino, st_.st_mode)
    assert type(entry) is tuple
    assert stat_entry(tmp_path, b"f.txt") == entry


ODD_NAMES = [
    b"caf\xe9.txt",  # latin-1, not UTF-8
    b"\xff\xfe",
    b"line\nbreak",
    b"tab\there",
    b"  leading",
    b"trailing  ",
    b" ",
    b"\x1b[31mred",
    "caf\u00e9".encode(),
]


def test_odd_names_round_trip_exactly(tmp_path: Path, native: bool) -> None:
    for odd in ODD_NAMES:
        make(tmp_path, odd, odd + b"dir/" + odd, content=odd)
    got = paths(str(tmp_path), native)
    expected = sorted([*ODD_NAMES, *(n + b"dir/" + n for n in ODD_NAMES)])
    assert got == expected
    for rel in got:
        with open(os.path.join(os.fsencode(tmp_path), rel), "rb") as f:
            assert f.read() == rel.rsplit(b"/", 1)[-1]


def test_only_files_and_links_are_entries(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b"empty/", b"file")
    os.mkfifo(tmp_path / "fifo")
    assert paths(tmp_path, native) == [b"file"]


def test_batches_are_lists_of_runs(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b"a", b"b/c", b"b/d", b"e")
    batches = list(walk(tmp_path, native=native, threads=0))
    assert [[i[0] for i in batch] for batch in batches] == [[b"a"], [b"b/c", b"b/d"], [b"e"]]


def test_threads_stop_when_the_walk_is_abandoned(tmp_path: Path, native: bool) -> None:
    for i in range(30):
        make(tmp_path, b"d%02d/f" % i)
    it = walk(tmp_path, native=native, threads=2)
    next(it)
    it.close()  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    while any(t.name == "co3-walk" for t in threading.enumerate()):
        assert time.monotonic() < deadline, "walk threads still running"
        time.sleep(0.01)


# -- ignore rules --------------------------------------------------------------------------


def test_config_patterns(tmp_path: Path, native: bool) -> None:
    make(
        tmp_path,
        b"a.tmp",
        b"keep.tmp",
        b"src/b.tmp",
        b"src/c.py",
        b"build/out.o",
        b"src/build",  # a file: "build/" only matches directories
        b"top.txt",
        b"src/top.txt",  # "/top.txt" is anchored at the root
        b"caf\xe9.log",
    )
    got = paths(
        tmp_path,
        native,
        ignore=["*.tmp", "!keep.tmp", "build/", "/top.txt", "caf\udce9.log", "# comment", ""],
    )
    assert got == [b"keep.tmp", b"src/build", b"src/c.py", b"src/top.txt"]


def test_nested_co3ignore_applies_to_its_subtree(tmp_path: Path, native: bool) -> None:
    make(
        tmp_path,
        b"x.log",
        b"sub/x.log",
        b"sub/keep.log",
        b"sub/deep/y.log",
        b"sub/deep/cache/z",
        b"sub/cache",  # a file named cache: not matched by "cache/"
        b"sub/only-here.txt",
        b"sub/deep/only-here.txt",
        b"other/x.log",
        b"other/cache/z",
    )
    (tmp_path / ".co3ignore").write_bytes(b"*.log\n")
    (tmp_path / "sub" / ".co3ignore").write_bytes(
        b"# sub's rules\r\n!keep.log\ncache/\n/only-here.txt\n"
    )
    got = paths(tmp_path, native)
    assert got == [
        b".co3ignore",
        b"other/cache/z",
        b"sub/.co3ignore",
        b"sub/cache",
        b"sub/deep/only-here.txt",
        b"sub/keep.log",
    ]


def test_deeper_rules_win_and_config_is_weakest(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b"a.dat", b"d/a.dat", b"d/e/a.dat")
    (tmp_path / "d" / ".co3ignore").write_bytes(b"!a.dat\n")
    (tmp_path / "d" / "e" / ".co3ignore").write_bytes(b"a.dat\n")
    got = paths(tmp_path, native, ignore=["*.dat"])
    assert got == [b"d/.co3ignore", b"d/a.dat", b"d/e/.co3ignore"]


def test_ignored_directory_is_not_entered(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b"out/a", b"out/keep")
    (tmp_path / "out" / ".co3ignore").write_bytes(b"\n")
    # As in git, a file cannot be re-included below an excluded directory.
    assert paths(tmp_path, native, ignore=["out/", "!out/keep"]) == []


def test_co3_folder_is_always_excluded(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b".co3/index.db", b".co3/index.db-wal", b"sub/.co3/x", b"f")
    (tmp_path / ".co3ignore").write_bytes(b"!.co3/\n!.co3\n")
    for ignore in ([], ["!.co3/", "!.co3/**"]):
        for follow in (False, True):
            got = paths(tmp_path, native, ignore=ignore, follow_symlinks=follow)
            assert got == [b".co3ignore", b"f"]


def test_git_folder_excluded_by_default(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b".git/HEAD", b"sub/.git/HEAD", b".gitignore", b"f")
    assert paths(tmp_path, native) == [b".gitignore", b"f"]
    assert paths(tmp_path, native, exclude_git=False) == [
        b".git/HEAD",
        b".gitignore",
        b"f",
        b"sub/.git/HEAD",
    ]
    # Only exclude_git brings it back: a broad negation must not pull .git/ in.
    assert paths(tmp_path, native, ignore=["!.git/"]) == [b".gitignore", b"f"]
    assert paths(tmp_path, native, ignore=["*", "!*/", "!HEAD"]) == []
    assert paths(tmp_path, native, ignore=["*", "!*/", "!HEAD"], exclude_git=False) == [
        b".git/HEAD",
        b"sub/.git/HEAD",
    ]


def test_whitelist_idiom_and_negations_behave_as_in_git(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b"a.md", b"a.txt", b"d/b.md", b"d/b.txt", b"d/e/c.md", b"x/keep", b"x/drop")
    # "*" then "!*/": every directory stays walkable, only .md files are kept.
    assert paths(tmp_path, native, ignore=["*", "!*/", "!*.md"]) == [
        b"a.md",
        b"d/b.md",
        b"d/e/c.md",
    ]
    # "x/**" ignores what is inside x, not x itself, so x/keep can be re-included.
    assert paths(tmp_path, native, ignore=["x/**", "!x/keep", "*.md", "*.txt"]) == [b"x/keep"]
    # A stronger source's "!d/" re-includes the directory d, not the files in it.
    (tmp_path / ".co3ignore").write_bytes(b"!d/\n")
    assert paths(tmp_path, native, ignore=["d/", "*.txt"]) == [
        b".co3ignore",
        b"a.md",
        b"d/b.md",
        b"d/e/c.md",
        b"x/drop",
        b"x/keep",
    ]


GIT_PATTERNS = [
    # "a/**/" is left out: pathspec compiles it as "a/" (git: only directories below a).
    *["*.log", "!keep.log", "build/", "/a", "a/", "docs/**/*.txt", "x", "!x", "b/*"],
    *["!b/a.txt", "**/a.txt", "*", "!*/", "!b.log", "/docs/", "c d", "a/**", "!a/b"],
    *["[ab].txt", "?", "!build/", "!a/", "*/", "!docs", "docs/*", "!/a", "**/a/**", "docs/**"],
    *["/**", "**", "**/docs", "x/**/b", "!**/b/"],
]
GIT_NAMES = ["a", "b", "a.txt", "b.log", "build", "x", "keep.log", "docs", "c d"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@given(
    layout=st.lists(st.tuples(st.integers(0, 30), st.sampled_from(GIT_NAMES), st.booleans())),
    rules=st.lists(st.tuples(st.integers(0, 30), st.lists(st.sampled_from(GIT_PATTERNS)))),
    config=st.lists(st.sampled_from(GIT_PATTERNS), max_size=3),
)
def test_ignore_rules_agree_with_git(
    tmp_path: Path,
    layout: list[tuple[int, str, bool]],
    rules: list[tuple[int, list[str]]],
    config: list[str],
) -> None:
    """The same patterns in .gitignore files and .git/info/exclude: git lists what we walk."""
    root = Path(tempfile.mkdtemp(dir=tmp_path))
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    dirs = [root]
    for parent, name, is_dir in layout:
        path = dirs[parent % len(dirs)] / name
        if path.exists():
            continue
        if is_dir:
            path.mkdir()
            dirs.append(path)
        else:
            path.write_bytes(b"x")
    for where, lines in rules:
        text = "\n".join(lines) + "\n"
        for name in (".gitignore", ".co3ignore"):
            (dirs[where % len(dirs)] / name).write_text(text)
    (root / ".git" / "info" / "exclude").write_text("\n".join(config) + "\n")
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout
    expected = sorted(p for p in listed.split(b"\0") if p and not p.endswith(b".gitignore"))
    got = [p for p in paths(root, NATIVE, ignore=config) if not p.endswith(b".gitignore")]
    assert got == expected


def test_invalid_config_pattern_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="invalid ignore pattern"):
        walk(tmp_path, ignore=["ok", "[z-a]"])
    with pytest.raises(ConfigError, match="list of patterns"):
        walk(tmp_path, ignore="*.tmp")


def test_invalid_co3ignore_is_a_directory_error(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b"a", b"bad/x", b"c")
    (tmp_path / "bad" / ".co3ignore").write_bytes(b"[z-a]\n")
    got = items(tmp_path, native)
    assert got[0][0] == b"a"
    assert isinstance(got[1], WalkError)
    assert (got[1].relpath, got[1].is_dir) == (b"bad/", True)
    assert "invalid ignore pattern" in got[1].message
    assert got[2][0] == b"c"
    (tmp_path / ".co3ignore").write_bytes(b"!\n")
    with pytest.raises(RootError, match="invalid ignore pattern"):
        walk(tmp_path, native=native)


# -- symlinks ------------------------------------------------------------------------------


def test_symlinks_are_not_followed_by_default(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b"d/f", b"t.txt", content=b"0123456789")
    os.symlink("d", tmp_path / "dlink")
    os.symlink("t.txt", tmp_path / "tlink")
    os.symlink("/nonexistent", tmp_path / "dangling")
    got = {item[0]: item for item in items(tmp_path, native)}
    assert sorted(got) == [b"d/f", b"dangling", b"dlink", b"t.txt", b"tlink"]
    link = got[b"dlink"]
    assert stat.S_ISLNK(link[4]) and link[1] == 1  # lstat: the link's own size
    assert stat.S_ISLNK(got[b"tlink"][4])


def test_follow_symlinks_inside_the_root(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b"d/f", b"a-b", b"a.txt", content=b"0123456789")
    os.symlink("d", tmp_path / "a")  # followed: sorts as "a/", after "a-b" and "a.txt"
    os.symlink("d/f", tmp_path / "flink")
    got = items(tmp_path, native, follow_symlinks=True)
    assert [i[0] for i in got] == [b"a-b", b"a.txt", b"a/f", b"d/f", b"flink"]
    target = os.stat(tmp_path / "d" / "f")
    assert got[4] == (b"flink", 10, target.st_mtime_ns, target.st_ino, target.st_mode)
    assert got[2][1:] == got[3][1:]


def test_follow_symlinks_never_leaves_the_root(tmp_path: Path, native: bool) -> None:
    outside = tmp_path / "outside"
    make(outside, b"secret")
    root = tmp_path / "root"
    make(root, b"f")
    os.symlink(outside, root / "out")
    os.symlink("../outside/secret", root / "out-file")
    os.symlink("/", root / "slash")
    got = items(root, native, follow_symlinks=True)
    assert [i[0] for i in got] == [b"f", b"out", b"out-file", b"slash"]
    assert all(stat.S_ISLNK(i[4]) for i in got[1:])  # reported as the links themselves


def test_follow_symlinks_loops_terminate(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b"a/b/f")
    os.symlink("..", tmp_path / "a" / "b" / "up")  # to a, an ancestor: a loop
    os.symlink(".", tmp_path / "self")
    os.symlink("x2", tmp_path / "x1")
    os.symlink("x1", tmp_path / "x2")  # a link cycle: never resolves
    got = items(tmp_path, native, follow_symlinks=True)
    assert [i[0] for i in got] == [b"a/b/f", b"a/b/up", b"self", b"x1", b"x2"]
    assert all(stat.S_ISLNK(i[4]) for i in got[1:])


def test_follow_symlinks_never_enters_a_co3_folder(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b".co3/index.db", b"f")
    os.symlink(".co3", tmp_path / "index")
    os.symlink(".co3/index.db", tmp_path / "db")
    got = items(tmp_path, native, follow_symlinks=True)
    assert [i[0] for i in got] == [b"db", b"f", b"index"]
    assert stat.S_ISLNK(got[0][4]) and stat.S_ISLNK(got[2][4])


def test_follow_symlinks_into_a_sibling_walks_it_twice(tmp_path: Path, native: bool) -> None:
    make(tmp_path, b"real/f")
    os.symlink("real", tmp_path / "alias")
    assert paths(tmp_path, native, follow_symlinks=True) == [b"alias/f", b"real/f"]


# -- errors --------------------------------------------------------------------------------


def test_missing_root_and_root_that_is_a_file(tmp_path: Path, native: bool) -> None:
    with pytest.raises(RootError, match="does not exist"):
        walk(tmp_path / "missing", native=native)
    make(tmp_path, b"file")
    with pytest.raises(RootError, match="is not a folder"):
        walk(tmp_path / "file", native=native)


def test_native_unavailable_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import co3.fileindex.walk as walk_module

    monkeypatch.setattr(walk_module, "NATIVE", False)
    with pytest.raises(RuntimeError, match="not built"):
        walk(tmp_path, native=True)
    assert list(walk(tmp_path)) == []  # falls back to the pure-Python lister


def test_file_vanishing_mid_scan_is_an_error_for_that_file_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pure-Python lister stats each entry after listing it; the seam (a wrapped
    ``os.scandir``) deletes ``b`` right after the directory is listed, before any stat,
    so the stat of ``b`` really fails with ENOENT."""
    make(tmp_path, b"a", b"b", b"c", b"d/e")
    real_scandir = os.scandir

    class Vanishing:
        def __init__(self, path: Any) -> None:
            self.it = real_scandir(path)
            self.entries = list(self.it)
            if os.fsencode(path) == os.fsencode(tmp_path):
                os.unlink(tmp_path / "b")

        def __enter__(self) -> Iterator[Any]:
            return iter(self.entries)

        def __exit__(self, *exc: object) -> None:
            self.it.close()

    monkeypatch.setattr(os, "scandir", Vanishing)  # as _listing sees it
    got = items(tmp_path, False, threads=0)
    assert [i[0] for i in got] == [b"a", b"b", b"c", b"d/e"]
    error = got[1]
    assert isinstance(error, WalkError)
    assert (error.is_dir, error.errno) == (False, 2)
    assert "No such file" in error.message
    assert all(type(i) is tuple for i in got if i is not error)


def _walk_as_nobody(root: str, native: bool) -> tuple[str, Any]:
    try:
        return "ok", items(root, native)
    except Exception as exc:
        return "raised", f"{type(exc).__name__}: {exc}"


def as_nobody(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)`` in a forked child that has dropped to nobody; return its result."""
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            send.send(("done", fn(*args)))
        except BaseException as exc:
            send.send(("crashed", repr(exc)))

    proc = ctx.Process(target=child)
    proc.start()
    try:
        if not receive.poll(60):
            raise AssertionError("the child sent nothing within 60 s")
        status, result = receive.recv()
    finally:
        proc.join(10)
    assert status == "done", result
    return result


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A 0755 folder outside pytest's 0700 tmp_path, so that nobody can reach it."""
    folder = Path(tempfile.mkdtemp(prefix="co3-walk-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for sub, dirs, _ in os.walk(folder):
            for d in dirs:
                os.chmod(os.path.join(sub, d), 0o755)
        shutil.rmtree(folder)


needs_root = pytest.mark.skipif(sys.platform != "linux" or os.geteuid() != 0, reason=NOT_ROOT)


@needs_root
def test_unreadable_directory_is_one_directory_error(shared_dir: Path, native: bool) -> None:
    make(shared_dir, b"a", b"b-c", b"b/x", b"b/y/z", b"b.txt", b"c")
    (shared_dir / "b").chmod(0o311)  # can be entered, not listed
    status, got = as_nobody(_walk_as_nobody, str(shared_dir), native)
    assert status == "ok", got
    assert [i[0] for i in got] == [b"a", b"b-c", b"b.txt", b"b/", b"c"]
    error = got[3]
    assert isinstance(error, WalkError)
    assert (error.is_dir, error.errno) == (True, 13)
    assert "Permission denied" in error.message


@needs_root
def test_unstattable_files_are_errors_for_those_files(shared_dir: Path, native: bool) -> None:
    make(shared_dir, b"a", b"d/x", b"d/y", b"e")
    (shared_dir / "d").chmod(0o644)  # can be listed, but nothing in it can be stat'ed
    status, got = as_nobody(_walk_as_nobody, str(shared_dir), native)
    assert status == "ok", got
    assert [i[0] for i in got] == [b"a", b"d/x", b"d/y", b"e"]
    assert [type(i).__name__ for i in got] == ["tuple", "WalkError", "WalkError", "tuple"]
    assert got[1].errno == 13 and not got[1].is_dir


@needs_root
def test_unreadable_root_is_a_root_error(shared_dir: Path, native: bool) -> None:
    root = shared_dir / "root"
    make(root, b"f")
    root.chmod(0o311)
    status, message = as_nobody(_walk_as_nobody, str(root), native)
    assert status == "raised"
    assert message.startswith("RootError: cannot read root") and "permissions" in message


@needs_root
def test_unreadable_co3ignore_makes_its_directory_unknown(shared_dir: Path, native: bool) -> None:
    make(shared_dir, b"a", b"sub/x", b"z")
    (shared_dir / "sub" / ".co3ignore").write_bytes(b"x\n")
    (shared_dir / "sub" / ".co3ignore").chmod(0o200)
    status, got = as_nobody(_walk_as_nobody, str(shared_dir), native)
    assert status == "ok", got
    assert [i[0] for i in got] == [b"a", b"sub/", b"z"]
    assert got[1].is_dir and got[1].message == "cannot read .co3ignore: Permission denied"
    (shared_dir / ".co3ignore").write_bytes(b"")
    (shared_dir / ".co3ignore").chmod(0o200)
    status, message = as_nobody(_walk_as_nobody, str(shared_dir), native)
    assert status == "raised" and ".co3ignore (Permission denied)" in message


def test_walking_imports_nothing_heavy(tmp_path: Path) -> None:
    make(tmp_path, b"a/b", b"c")
    code = (
        "import sys\n"
        "from co3.fileindex.walk import iter_items\n"
        "assert [i[0] for i in iter_items(sys.argv[1])] == [b'a/b', b'c']\n"
        "heavy = {'sqlalchemy', 'pathspec', 'blake3', 'concurrent.futures', 'textual'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
