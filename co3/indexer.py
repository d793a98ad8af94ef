"""Indexer: cached selects and in-memory group-bys over an Accessor.

Each Indexer owns its caches (0.6.3 shared them between every instance). A Database's
Indexer takes its connections from the Database's engine and is cleared whenever a
transaction commits through that engine.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from co3.exceptions import Co3Error, InvalidArgumentError

if TYPE_CHECKING:
    from co3.accessor import Accessor
    from co3.engine import Engine

__all__ = ["CacheBlock", "Indexer"]

T = TypeVar("T")


def _many(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    return [value]


def _name(column: Any) -> str:
    """A column's name: the string itself, or the column object's ``name``."""
    if isinstance(column, str):
        return column
    return str(getattr(column, "name", None) or column)


def _stable(value: Any) -> Hashable:
    """A hashable, instance-independent form of a column reference or list of them."""
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_stable(v) for v in value)
    return value if isinstance(value, str | int | None) else str(value)


class Indexer:
    """Caches an Accessor's selects and group-bys of their rows.

    Args:
        accessor: the accessor that runs the queries.
        cache_select: keep select results.
        cache_groupby: keep group-by results (needs ``cache_select``).
        engine: where connections come from (a Database passes its own engine).

    Raises:
        InvalidArgumentError: ``cache_groupby`` without ``cache_select``.
    """

    def __init__(
        self,
        accessor: Accessor[Any],
        cache_select: bool = True,
        cache_groupby: bool = True,
        *,
        engine: Engine | None = None,
    ) -> None:
        if cache_groupby and not cache_select:
            raise InvalidArgumentError(
                "Indexer(cache_groupby=True) needs cache_select=True: group-bys are cached "
                "on top of the selects they group."
            )
        self.accessor = accessor
        self.engine = engine
        self._select_cache: dict[Hashable, Any] | None = {} if cache_select else None
        self._groupby_cache: dict[Hashable, Any] | None = {} if cache_groupby else None
        self._lock = threading.Lock()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._generation = 0

    def cache_clear(self, group_by_only: bool = False) -> None:
        """Forget cached group-bys, and cached selects unless ``group_by_only``."""
        with self._lock:
            self._generation += 1
            if self._groupby_cache is not None:
                self._groupby_cache.clear()
            if not group_by_only and self._select_cache is not None:
                self._select_cache.clear()

    def cache_block(self, table: Any, **kwargs: Any) -> CacheBlock:
        """A reusable, chainable set of :meth:`cached_query` arguments for ``table``."""
        return CacheBlock(self, table, **kwargs)

    def cached_query(
        self,
        table: Any,
        cols: Any = None,
        where: Any = None,
        distinct_on: Any = None,
        order_by: Any = None,
        limit: int = 0,
        group_by: Any = None,
        agg_on: Any = None,
        index_on: Any = None,
        *,
        connection: Any = None,
    ) -> Any:
        """Select rows of ``table`` through the accessor, from the cache when possible.

        Args:
            table: the component to select from.
            cols, where, distinct_on, order_by, limit: as ``Accessor.select``
                (``cols`` is its ``columns``).
            group_by, agg_on, index_on: group the rows as :meth:`group_by` does.
            connection: use this connection instead of one from the engine.

        Returns:
            The rows (``RowMapping`` objects), or the groups when ``group_by`` is given.
        """
        query = {
            "columns": cols,
            "where": where,
            "distinct_on": distinct_on,
            "order_by": order_by,
            "limit": limit,
        }
        key = self.accessor.cache_key(table, **query)
        rows = self._cached(self._select_cache, key, lambda: self._select(table, query, connection))
        if group_by is None:
            return rows
        group_key = (key, _stable(group_by), _stable(agg_on), _stable(index_on))
        return self._cached(
            self._groupby_cache, group_key, lambda: self.group_by(rows, group_by, agg_on, index_on)
        )

    def _select(self, table: Any, query: dict[str, Any], connection: Any) -> Any:
        if connection is not None:
            return self.accessor.select(connection, table, mappings=True, **query)
        if self.engine is None:
            raise Co3Error(
                "This Indexer has no engine to connect with: use a Database's indexer, "
                "create it with Indexer(accessor, engine=...), or pass connection=."
            )
        with self.engine.connect() as conn:
            return self.accessor.select(conn, table, mappings=True, **query)

    def _cached(
        self, cache: dict[Hashable, Any] | None, key: Hashable, compute: Callable[[], T]
    ) -> T:
        """``cache[key]``, computed once even when many threads miss together."""
        if cache is None:
            return compute()
        with self._lock:
            if key in cache:
                return cache[key]  # type: ignore[no-any-return]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in cache:
                    return cache[key]  # type: ignore[no-any-return]
                generation = self._generation
            value = compute()
            with self._lock:
                if generation == self._generation:  # no write since the query began
                    cache[key] = value
                self._key_locks.pop(key, None)
        return value

    @classmethod
    def group_by(
        cls,
        rows: Sequence[Any],
        group_by: Any,
        agg_on: Any = None,
        index_on: Any = None,
        return_index: bool = False,
    ) -> Any:
        """Group rows by a column, collecting other columns of each group's rows.

        Each group is the first row of the group (as a dict) plus ``aggregates``, a
        list of ``{agg column name: value}`` for every row of the group, and
        ``indexes``, ``{index column name: {row's value: that row's aggregate dict}}``.
        Rows whose group value is None are left out.

        Args:
            rows: dicts or mappings (mappings also accept column objects as keys).
            group_by: the column (name or object), or a list of them for a compound key.
            agg_on: the column(s) to collect per row.
            index_on: the column(s) to index each group's aggregates by.
            return_index: return ``{group value: group}`` instead of the list of groups.
        """
        if not rows:
            return {} if return_index else []
        as_names = isinstance(rows[0], dict)
        group_cols = _many(group_by)
        agg_cols, index_cols = _many(agg_on), _many(index_on)
        agg_names = [_name(c) for c in agg_cols]
        index_names = [_name(c) for c in index_cols]
        if as_names:
            group_cols = [_name(c) for c in group_cols]
            agg_cols, index_cols = agg_names, index_names
        compound = isinstance(group_by, list | tuple)

        groups: dict[Any, dict[str, Any]] = {}
        for row in rows:
            values = tuple(row.get(c) for c in group_cols)
            if any(v is None for v in values):
                continue
            group_value = values if compound else values[0]
            group = groups.get(group_value)
            if group is None:
                group = dict(row)
                group["aggregates"] = []
                group["indexes"] = {name: {} for name in index_names}
                groups[group_value] = group
            aggregate = {name: row.get(col) for name, col in zip(agg_names, agg_cols, strict=True)}
            group["aggregates"].append(aggregate)
            for name, col in zip(index_names, index_cols, strict=True):
                group["indexes"][name][row.get(col)] = aggregate
        if return_index:
            return groups
        return list(groups.values())


class CacheBlock:
    """Saved :meth:`Indexer.cached_query` arguments; chain setters, call to run.

    ``block.where(cond).group_by("format")()`` runs the query (cached); the setters
    change the block itself and return it. Keyword arguments given to the call
    override the saved ones for that call only.
    """

    def __init__(
        self,
        indexer: Indexer,
        table: Any,
        cols: Any = None,
        where: Any = None,
        distinct_on: Any = None,
        order_by: Any = None,
        limit: int = 0,
        group_by: Any = None,
        agg_on: Any = None,
        index_on: Any = None,
    ) -> None:
        self.indexer = indexer
        self.query_args: dict[str, Any] = {
            "table": table,
            "cols": cols,
            "where": where,
            "distinct_on": distinct_on,
            "order_by": order_by,
            "limit": limit,
            "group_by": group_by,
            "agg_on": agg_on,
            "index_on": index_on,
        }

    def __call__(self, **kwargs: Any) -> Any:
        """Run the cached query, with ``kwargs`` overriding the saved arguments."""
        return self.indexer.cached_query(**{**self.query_args, **kwargs})

    def _set(self, name: str, value: Any) -> CacheBlock:
        self.query_args[name] = value
        return self

    def where(self, where: Any) -> CacheBlock:
        """Set the WHERE condition."""
        return self._set("where", where)

    def distinct_on(self, distinct_on: Any) -> CacheBlock:
        """Set the columns whose values must be distinct."""
        return self._set("distinct_on", distinct_on)

    def order_by(self, order_by: Any) -> CacheBlock:
        """Set the ordering."""
        return self._set("order_by", order_by)

    def limit(self, limit: int) -> CacheBlock:
        """Set the most rows to return (0: all)."""
        return self._set("limit", limit)

    def group_by(self, group_by: Any, agg_on: Any = None, index_on: Any = None) -> CacheBlock:
        """Set the grouping of the rows (and what to aggregate and index on)."""
        self.query_args.update(group_by=group_by)
        if agg_on is not None:
            self.query_args["agg_on"] = agg_on
        if index_on is not None:
            self.query_args["index_on"] = index_on
        return self
