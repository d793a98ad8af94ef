"""Resource, SelectableResource and DiskResource (on real files)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from co3.resource import Resource, SelectableResource
from co3.resources import DiskResource


def make_tree(root: Path, files: list[str]) -> Path:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    return root


@pytest.fixture
def disk_tree(tmp_path: Path) -> Path:
    """A small tree with hidden entries, nested folders and assorted suffixes."""
    root = tmp_path / "tree"
    make_tree(
        root,
        [
            "x.md",
            "y.tmp",
            "z~",
            ".dot",
            "a/n.md",
            "a/b/deep.txt",
            "a/b/.h.md",
            ".hid/in.md",
            "c/q.tmp",
        ],
    )
    return root


def rels(pairs: set[tuple[Any, Path]]) -> set[str]:
    return {rel.as_posix() for _, rel in pairs}


# -- Resource / SelectableResource -----------------------------------------------------


def test_selectable_resource_is_a_runtime_protocol() -> None:
    class Listing:
        def select(self, **kwargs: Any) -> list[int]:
            return [1, 2]

    assert isinstance(Listing(), SelectableResource)
    assert not isinstance(object(), SelectableResource)
    assert isinstance(DiskResource(), SelectableResource)
    assert isinstance(DiskResource(), Resource)


def test_explicit_subclass_without_select_raises() -> None:
    class Half(SelectableResource):
        pass

    with pytest.raises(NotImplementedError, match="Half"):
        Half().select()  # type: ignore[abstract]


def test_importing_resources_loads_nothing_heavy() -> None:
    code = (
        "import sys, co3.resources, co3.differ, co3.syncer\n"
        "heavy = [m for m in ('sqlalchemy', 'textual', 'wcmatch', 'tqdm') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# -- DiskResource ---------------------------------------------------------------------


def test_select_returns_root_as_given_and_relative_paths(disk_tree: Path) -> None:
    result = DiskResource().select(str(disk_tree))
    assert isinstance(result, set)
    assert all(root == str(disk_tree) and isinstance(root, str) for root, _ in result)
    assert all(isinstance(rel, Path) and not rel.is_absolute() for _, rel in result)

    as_path = DiskResource().select(disk_tree)
    assert {root for root, _ in as_path} == {disk_tree}


def test_select_default_lists_visible_files_recursively(disk_tree: Path) -> None:
    # As in co3 0.6.3: hidden names are skipped; *.tmp and *~ files are listed.
    assert rels(DiskResource().select(disk_tree)) == {
        "x.md",
        "y.tmp",
        "z~",
        "a/n.md",
        "a/b/deep.txt",
        "c/q.tmp",
    }


def test_select_with_glob(disk_tree: Path) -> None:
    disk = DiskResource()
    assert rels(disk.select(disk_tree, glob="**/*.md")) == {"x.md", "a/n.md"}
    assert rels(disk.select(disk_tree, glob="*.md")) == {"x.md"}
    assert rels(disk.select(disk_tree, "a/**")) == {"a/n.md", "a/b/deep.txt"}
    assert rels(disk.select(disk_tree, "**/b/*")) == {"a/b/deep.txt"}
    assert rels(disk.select(disk_tree, "[a-c]/*")) == {"a/n.md", "c/q.tmp"}
    assert rels(disk.select(disk_tree, "?.md")) == {"x.md"}
    assert rels(disk.select(disk_tree, "**/*.MD")) == set()  # case-sensitive


def test_glob_reaches_hidden_names_only_when_named(disk_tree: Path) -> None:
    disk = DiskResource()
    assert rels(disk.select(disk_tree, "**/.*")) == {".dot", "a/b/.h.md"}
    assert rels(disk.select(disk_tree, ".hid/*")) == {".hid/in.md"}
    assert rels(disk.select(disk_tree, "**/in.md")) == set()


def test_glob_never_lists_folders(disk_tree: Path) -> None:
    disk = DiskResource()
    assert disk.select(disk_tree, "*/") == set()
    assert disk.select(disk_tree, "a") == set()
    assert rels(disk.select(disk_tree, "*")) == {"x.md", "y.tmp", "z~"}


def test_glob_list_with_exclusions(disk_tree: Path) -> None:
    disk = DiskResource()
    assert rels(disk.select(disk_tree, ["**/*.md", "**/*.txt"])) == {
        "x.md",
        "a/n.md",
        "a/b/deep.txt",
    }
    assert rels(disk.select(disk_tree, ["**", "!**/*.tmp", "!a/**"])) == {"x.md", "z~"}
    assert disk.select(disk_tree, ["!*.md"]) == set()


def test_select_many_roots(disk_tree: Path) -> None:
    sub = disk_tree / "a"
    result = DiskResource().select([disk_tree, sub], glob="*.md")
    assert result == {(disk_tree, Path("x.md")), (sub, Path("n.md"))}
    assert DiskResource().select((disk_tree,), glob="*.md") == {(disk_tree, Path("x.md"))}


def test_missing_root_yields_nothing(tmp_path: Path) -> None:
    assert DiskResource().select(tmp_path / "nope") == set()


def test_absolute_glob_is_refused(disk_tree: Path) -> None:
    with pytest.raises(ValueError, match="relative"):
        DiskResource().select(disk_tree, "/x.md")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlinks(disk_tree: Path) -> None:
    (disk_tree / "linkdir").symlink_to(disk_tree / "a", target_is_directory=True)
    (disk_tree / "linkfile").symlink_to(disk_tree / "x.md")
    (disk_tree / "broken").symlink_to(disk_tree / "nowhere")
    disk = DiskResource()

    # ** does not descend into a symlinked folder; linked and dangling files are listed.
    listed = rels(disk.select(disk_tree))
    assert {"linkfile", "broken"} <= listed
    assert not any(p.startswith("linkdir") for p in listed)
    # A pattern that names the link (or matches it with *) goes through it.
    assert rels(disk.select(disk_tree, "linkdir/*")) == {"linkdir/n.md"}
    assert rels(disk.select(disk_tree, "*/n.md")) == {"a/n.md", "linkdir/n.md"}


@pytest.mark.skipif(sys.platform != "linux", reason="needs a filesystem taking any bytes")
def test_undecodable_name_round_trips(tmp_path: Path) -> None:
    raw = b"caf\xe9 \nx.md"
    (tmp_path / os.fsdecode(raw)).write_text("x")
    [(root, rel)] = DiskResource().select(tmp_path)
    assert os.fsencode(rel) == raw
    assert (root / rel).read_text() == "x"
