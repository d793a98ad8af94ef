"""A plan: what a sync would change, as computed by ``status`` and applied by ``sync``.

A plan serializes to the JSON object ``co3 status --json`` prints (DESIGN.md section 7)
plus a ``plan`` key holding what ``co3 sync --plan FILE`` needs to re-check each item:
the stat seen at plan time, the project and database it belongs to.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from co3.exceptions import Co3Error

__all__ = [
    "CHANGE_KINDS",
    "Change",
    "Plan",
    "PlanError",
    "RootState",
    "ScanError",
    "Stat",
    "iter_shown",
    "quote_path",
]

PLAN_VERSION = 1

# Kinds of change, in the order status prints them.
CHANGE_KINDS = ("new", "modified", "touched", "moved", "gone")

# What the index records of a file's stat: size, mtime_ns, inode, mode.
Stat = tuple[int, int, int, int]


class PlanError(Co3Error):
    """A saved plan cannot be read or does not belong to this project."""


@dataclass(slots=True)
class Change:
    """One planned change of one root.

    Attributes:
        kind: one of :data:`CHANGE_KINDS`, or ``"refresh"`` (a racy row whose content
            is unchanged: only its recorded time is renewed; never shown).
        root: the root's name.
        path: the file's relative path (for a move: the new path).
        stat: the disk stat seen (None for gone).
        hash: the content hash computed for the disk side, if any.
        old_path: for a move, the row's current path.
    """

    kind: str
    root: str
    path: bytes
    stat: Stat | None = None
    hash: bytes | None = None
    old_path: bytes | None = None


@dataclass(slots=True)
class ScanError:
    """A file or directory that could not be read; rows under it are unknown, not gone."""

    root: str
    path: bytes
    error: str
    unknown_rows: int = 0


@dataclass(slots=True)
class RootState:
    """What the scan found of one root."""

    name: str
    path: str
    rows: int = 0
    seen: int = 0
    missing: bool = False


@dataclass
class Plan:
    """The changes between disk and index, grouped by kind.

    Attributes:
        changes: every change, ``refresh`` included.
        errors: read errors met during the scan.
        unchanged: how many files are unchanged.
        roots: per-root scan facts, for the guards.
        recorded_at_ns: the filesystem time taken before the scan; rows written from
            this plan record it.
        project: the identity of the project the plan belongs to.
        database: the database URL (password hidden).
        host: the host whose rows are compared.
    """

    changes: list[Change] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    unchanged: int = 0
    roots: list[RootState] = field(default_factory=list)
    recorded_at_ns: int = 0
    project: str = ""
    database: str = ""
    host: str = ""

    def of_kind(self, kind: str) -> list[Change]:
        """The changes of one kind."""
        return [c for c in self.changes if c.kind == kind]

    def counts(self) -> dict[str, int]:
        """Number of changes per kind (every kind present), plus errors and unchanged."""
        counts = dict.fromkeys(CHANGE_KINDS, 0)
        for change in self.changes:
            if change.kind in counts:
                counts[change.kind] += 1
        counts["errors"] = len(self.errors)
        counts["unchanged"] = self.unchanged
        return counts

    @property
    def is_clean(self) -> bool:
        """No change to show and no error."""
        return not self.errors and all(c.kind == "refresh" for c in self.changes)

    @property
    def multi_root(self) -> bool:
        return len(self.roots) > 1

    def display(self, root: str, path: bytes) -> str:
        """The path as shown and saved: ``root/relpath`` with several roots.

        Decoded with the filesystem encoding and ``surrogateescape``, so
        ``os.fsencode`` gives back the exact bytes of the relative path.
        """
        text = os.fsdecode(path)
        return f"{root}/{text}" if self.multi_root else text

    def split(self, display: str) -> tuple[str, bytes]:
        """The inverse of :meth:`display`: (root name, relative path bytes)."""
        if self.multi_root:
            root, _, rest = display.partition("/")
            return root, os.fsencode(rest)
        return self.roots[0].name, os.fsencode(display)

    # -- JSON ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The ``co3 status --json`` object (DESIGN.md section 7) plus the ``plan`` key."""
        out: dict[str, Any] = {kind: [] for kind in CHANGE_KINDS}
        items: dict[str, Any] = {}
        for c in self.changes:
            if c.kind == "refresh":
                continue
            shown = self.display(c.root, c.path)
            if c.kind == "moved":
                assert c.old_path is not None
                out["moved"].append([self.display(c.root, c.old_path), shown])
            else:
                out[c.kind].append(shown)
            if c.stat is not None:
                items[shown] = [*c.stat, c.hash.hex() if c.hash else None]
        out["errors"] = [
            {"path": self.display(e.root, e.path), "error": e.error} for e in self.errors
        ]
        out["unchanged"] = self.unchanged
        out["missing_roots"] = [r.name for r in self.roots if r.missing]
        out["plan"] = {
            "version": PLAN_VERSION,
            "project": self.project,
            "database": self.database,
            "host": self.host,
            "recorded_at_ns": self.recorded_at_ns,
            "roots": [[r.name, r.path, r.rows, r.seen, r.missing] for r in self.roots],
            "stat": items,
        }
        return out

    @classmethod
    def from_json(cls, data: Any, *, project: str, database: str, host: str) -> Plan:
        """Read a plan saved from ``co3 status --json``, checking it belongs here.

        Raises:
            PlanError: the data is not such a plan, or it was made for another project,
                database or host.
        """
        try:
            meta = data["plan"]
            if meta["version"] != PLAN_VERSION:
                raise PlanError(
                    f"the plan has version {meta['version']}, this co3 reads version "
                    f"{PLAN_VERSION}; run co3 status --json again."
                )
            for what, mine in (("project", project), ("database", database), ("host", host)):
                if meta[what] != mine:
                    raise PlanError(_mismatch(what, meta[what], mine))
            plan = cls(
                roots=[
                    RootState(name, path, int(rows), int(seen), bool(missing))
                    for name, path, rows, seen, missing in meta["roots"]
                ],
                recorded_at_ns=int(meta["recorded_at_ns"]),
                project=project,
                database=database,
                host=host,
                unchanged=int(data.get("unchanged", 0)),
            )
            stats = meta["stat"]

            def stat_of(shown: str) -> tuple[Stat, bytes | None]:
                size, mtime, inode, mode, digest = stats[shown]
                return (int(size), int(mtime), int(inode), int(mode)), (
                    bytes.fromhex(digest) if digest else None
                )

            for kind in ("new", "modified", "touched"):
                for shown in data[kind]:
                    root, path = plan.split(shown)
                    stat, digest = stat_of(shown)
                    plan.changes.append(Change(kind, root, path, stat, digest))
            for old, new in data["moved"]:
                root, path = plan.split(new)
                stat, digest = stat_of(new)
                plan.changes.append(Change("moved", root, path, stat, digest, plan.split(old)[1]))
            for shown in data["gone"]:
                root, path = plan.split(shown)
                plan.changes.append(Change("gone", root, path))
            for err in data["errors"]:
                root, path = plan.split(err["path"])
                plan.errors.append(ScanError(root, path, str(err["error"])))
        except PlanError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise PlanError(
                f"this is not a plan saved by co3 status --json ({type(exc).__name__}: {exc}); "
                "save one with co3 status --json > plan.json."
            ) from exc
        return plan


def _mismatch(what: str, theirs: Any, mine: str) -> str:
    """Why a saved plan is refused here, naming project folders rather than identities."""
    fix = "make the plan here with co3 status --json"
    if what != "project":
        return f"the plan was made for {what} {theirs!r}, not {mine!r}; {fix}."

    def folder(identity: Any) -> str | None:
        import json

        try:
            found = json.loads(identity)["root"]
        except (TypeError, ValueError, KeyError):
            return None
        return found if isinstance(found, str) else None

    there, here = folder(theirs), folder(mine)
    if there is not None and here is not None and there != here:
        return f"the plan was made for the project in {there}, not for this one in {here}; {fix}."
    return f"the plan was made for this project with other roots, host or database; {fix}."


_ESCAPES = {
    0x07: "\\a",
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0B: "\\v",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}


def quote_path(path: bytes | str) -> str:
    """A path as git prints it with ``core.quotePath``: C-quoted when it needs it.

    A name made of printable ASCII, or valid UTF-8 without control characters, prints
    as is; otherwise it is wrapped in double quotes with C escapes and octal bytes.
    """
    raw = os.fsencode(path) if isinstance(path, str) else path
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.isprintable() and '"' not in text and "\\" not in text:
        return text
    out: list[str] = []
    for byte in raw:
        if byte in _ESCAPES:
            out.append(_ESCAPES[byte])
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def iter_shown(plan: Plan, kinds: Iterable[str] = CHANGE_KINDS) -> Iterator[str]:
    """The lines ``co3 status`` prints for a plan's changes and errors."""
    marks = {"new": "+", "modified": "M", "touched": "T", "gone": "-"}
    for kind in kinds:
        for c in plan.of_kind(kind):
            shown = quote_path(plan.display(c.root, c.path))
            if kind == "moved":
                assert c.old_path is not None
                old = quote_path(plan.display(c.root, c.old_path))
                yield f"R {old} -> {shown}"
            else:
                yield f"{marks[kind]} {shown}"
    for e in plan.errors:
        shown = quote_path(plan.display(e.root, e.path))
        yield f"! {shown}: {e.error}"
