"""Syncer: act on a Differ's diff sets, in chunks sized to a target duration."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from co3.differ import Differ

__all__ = ["SyncProgress", "SyncResult", "Syncer", "run_in_chunks"]

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=Hashable)
T = TypeVar("T")

# Membership of a diff item: left only, right only, both (as in co3 0.6.3).
L_EXCL = 0b10
R_EXCL = 0b01
LR_INT = 0b11


@dataclass(frozen=True)
class SyncProgress:
    """Where a chunked sync stands, reported before the first chunk and after each one.

    Attributes:
        done: items handled so far.
        total: items this run will handle (the item limit applied to the diff).
        chunk_size: size of the chunk just handled (0 before the first).
        chunks: chunks handled so far.
        rate: items per second so far, or None while no time has been measured.
        elapsed: seconds since the first chunk started.
        chunk_elapsed: seconds the last chunk took.
    """

    done: int
    total: int
    chunk_size: int
    chunks: int
    rate: float | None
    elapsed: float
    chunk_elapsed: float


class SyncResult(list[Any]):
    """The concatenated chunk results of a sync, with how the run went.

    It is a list (what co3 0.6.3 returned) carrying extra attributes.

    Attributes:
        total: items the run set out to handle (the item limit applied to the diff).
        done: items handled.
        diff_size: items in the filtered diff, whatever the limit.
        chunks: chunks handled.
        elapsed: seconds spent handling chunks.
    """

    def __init__(
        self,
        results: list[Any] | None = None,
        *,
        total: int = 0,
        done: int = 0,
        diff_size: int = 0,
        chunks: int = 0,
        elapsed: float = 0.0,
    ) -> None:
        super().__init__(results or [])
        self.total = total
        self.done = done
        self.diff_size = diff_size
        self.chunks = chunks
        self.elapsed = elapsed

    @property
    def partial(self) -> bool:
        """Whether the run stopped (was cancelled) before handling all it set out to."""
        return self.done < self.total


class Syncer(Generic[E]):
    """Apply a Differ's diff through overridable handlers.

    Args:
        differ: computes the diff sets to act on.
        progress: called with a :class:`SyncProgress` before the first chunk and after
            each one (also settable as the ``progress`` attribute).
        clock: returns the time in seconds; defaults to ``time.perf_counter``.
        rng: shuffles the items before chunking; defaults to the ``random`` module.
        cancel_event: the event :meth:`cancel` sets, to share one with other code.
    """

    def __init__(
        self,
        differ: Differ[E],
        *,
        progress: Callable[[SyncProgress], object] | None = None,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        cancel_event: threading.Event | None = None,
    ) -> None:
        self.differ = differ
        self.progress = progress
        self.clock: Callable[[], float] = clock or time.perf_counter
        self.rng = rng
        self.cancel_event = cancel_event or threading.Event()

    # -- handlers: override these ---------------------------------------------------

    def handle_l_excl(self, key: E, val: list[Any]) -> Any:
        """Handle a key found only on the left; returns the key by default."""
        return key

    def handle_r_excl(self, key: E, val: list[Any]) -> Any:
        """Handle a key found only on the right; returns the key by default."""
        return key

    def handle_lr_int(self, key: E, val: tuple[list[Any], list[Any]]) -> Any:
        """Handle a key found on both sides; returns the key by default."""
        return key

    def filter_diff_sets(
        self,
        l_excl: dict[E, list[Any]],
        r_excl: dict[E, list[Any]],
        lr_int: dict[E, tuple[list[Any], list[Any]]],
    ) -> tuple[
        Mapping[E, list[Any]],
        Mapping[E, list[Any]],
        Mapping[E, tuple[list[Any], list[Any]]],
    ]:
        """Return the diff sets to sync; all of them by default."""
        return l_excl, r_excl, lr_int

    def process_chunk(self, handler_results: list[Any]) -> list[Any]:
        """Act on one chunk's handler results; returns them unchanged by default."""
        return handler_results

    # -- cancellation ----------------------------------------------------------------

    def cancel(self) -> None:
        """Ask a running sync to stop once its current chunk is done (thread-safe).

        The Syncer stays cancelled until ``cancel_event`` is cleared.
        """
        self.cancel_event.set()

    def shutdown(self) -> None:
        """Stop syncing after the current chunk; subclasses may also release resources."""
        self.cancel()

    @property
    def should_exit(self) -> bool:
        """Whether a cancel was requested (the co3 0.6.3 flag)."""
        return self.cancel_event.is_set()

    @should_exit.setter
    def should_exit(self, value: bool) -> None:
        if value:
            self.cancel_event.set()
        else:
            self.cancel_event.clear()

    # -- syncing ---------------------------------------------------------------------

    def sync(
        self,
        l_select_kwargs: Mapping[str, Any],
        r_select_kwargs: Mapping[str, Any],
    ) -> SyncResult:
        """Sync every item of the diff in a single chunk; see :meth:`chunked_sync`."""
        return self.chunked_sync(l_select_kwargs, r_select_kwargs)

    def chunked_sync(
        self,
        l_select_kwargs: Mapping[str, Any],
        r_select_kwargs: Mapping[str, Any],
        chunk_time: float | None = None,
        item_limit: int | None = None,
        chunk_cap: int | None = None,
    ) -> SyncResult:
        """Diff, filter, then pass the items to the handlers chunk by chunk.

        Items are shuffled, then handled in chunks; each chunk's handler results go
        through :meth:`process_chunk`. With ``chunk_time``, the chunk size follows a
        moving average towards that many seconds per chunk. A cancel takes effect
        between chunks.

        Args:
            l_select_kwargs: keyword arguments for the left resource's ``select``.
            r_select_kwargs: keyword arguments for the right resource's ``select``.
            chunk_time: target seconds per chunk; None for fixed chunks of ``chunk_cap``.
            item_limit: handle at most this many items; None for all.
            chunk_cap: at most this many items per chunk; None for no cap.

        Returns:
            The concatenated results of :meth:`process_chunk`, as a :class:`SyncResult`.

        Raises:
            ValueError: ``chunk_time`` or ``item_limit`` is negative.
        """
        if chunk_time is not None and chunk_time < 0:
            raise ValueError(f"chunk_time must be zero or more seconds, not {chunk_time}")
        if item_limit is not None and item_limit < 0:
            raise ValueError(f"item_limit must be zero or more items, not {item_limit}")

        l_excl, r_excl, lr_int = self.filter_diff_sets(
            *self.differ.diff(l_select_kwargs, r_select_kwargs)
        )
        items: list[tuple[int, tuple[E, Any]]] = [
            *((L_EXCL, item) for item in l_excl.items()),
            *((R_EXCL, item) for item in r_excl.items()),
            *((LR_INT, item) for item in lr_int.items()),
        ]
        (self.rng or random).shuffle(items)

        return run_in_chunks(
            items,
            lambda chunk: self.process_chunk(self._handle_chunk_items(chunk)),
            chunk_time=chunk_time,
            item_limit=item_limit,
            chunk_cap=chunk_cap,
            clock=self.clock,
            progress=self.progress,
            cancelled=self.cancel_event.is_set,
        )

    def _handle_chunk_items(
        self, membership_items: Sequence[tuple[int, tuple[E, Any]]]
    ) -> list[Any]:
        """Pass each ``(membership, (key, value))`` item to its handler."""
        results: list[Any] = []
        for membership, (key, val) in membership_items:
            if membership == L_EXCL:
                results.append(self.handle_l_excl(key, val))
            elif membership == R_EXCL:
                results.append(self.handle_r_excl(key, val))
            elif membership == LR_INT:
                results.append(self.handle_lr_int(key, val))
            else:
                logger.debug("skipping a chunk item with unknown membership %r", membership)
        return results


def _next_size(size: int, elapsed: float, chunk_time: float, cap: int) -> int:
    """Move the chunk size halfway towards the size that would take ``chunk_time``."""
    if chunk_time == 0:
        target = 0.0
    elif elapsed <= 0:
        return max(min(size * 2, cap), 1)  # too fast to measure: grow
    else:
        target = min(chunk_time * size / elapsed, float(cap))
    return max(min(int(0.5 * target + 0.5 * size), cap), 1)


def run_in_chunks(
    items: Sequence[T],
    apply: Callable[[Sequence[T]], list[Any]],
    *,
    chunk_time: float | None = None,
    item_limit: int | None = None,
    chunk_cap: int | None = None,
    clock: Callable[[], float] = time.perf_counter,
    progress: Callable[[SyncProgress], object] | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> SyncResult:
    """Pass ``items`` to ``apply`` in chunks whose size adapts towards ``chunk_time``.

    The chunk size moves halfway towards the size that would have taken ``chunk_time``
    seconds after every chunk (a moving average); a chunk too fast to measure doubles
    it. ``cancelled`` is checked between chunks: the current chunk always finishes.

    Args:
        items: the items, handled in this order.
        apply: handles one chunk and returns its results.
        chunk_time: target seconds per chunk; None for fixed chunks of ``chunk_cap``.
        item_limit: handle at most this many items; None for all.
        chunk_cap: at most this many items per chunk; None for no cap.
        clock: returns the time in seconds.
        progress: called with a :class:`SyncProgress` before the first chunk and after
            each one.
        cancelled: returns True once the run should stop.

    Returns:
        The concatenated results of ``apply``, as a :class:`SyncResult`.
    """
    total = len(items) if item_limit is None else min(item_limit, len(items))
    cap = total if chunk_cap is None else chunk_cap
    cap = max(min(cap, total), 1)
    # Without a target, chunks are as large as allowed; with one, start small and grow.
    size = cap if chunk_time is None else max(min(int(chunk_time), cap), 1)

    result = SyncResult(total=total, diff_size=len(items))
    start = clock()

    def report(chunk_size: int, chunk_elapsed: float) -> None:
        if progress is not None:
            rate = result.done / result.elapsed if result.elapsed > 0 else None
            progress(
                SyncProgress(
                    done=result.done,
                    total=result.total,
                    chunk_size=chunk_size,
                    chunks=result.chunks,
                    rate=rate,
                    elapsed=result.elapsed,
                    chunk_elapsed=chunk_elapsed,
                )
            )

    report(0, 0.0)
    while result.done < total and not cancelled():
        size = min(size, total - result.done)
        chunk_start = clock()
        result.extend(apply(items[result.done : result.done + size]))
        chunk_end = clock()

        elapsed = max(chunk_end - chunk_start, 0.0)
        result.done += size
        result.chunks += 1
        result.elapsed = max(chunk_end - start, 0.0)
        report(size, elapsed)
        if chunk_time is not None:
            size = _next_size(size, elapsed, chunk_time, cap)

    if result.partial:
        logger.info("sync cancelled after %d of %d items", result.done, total)
    logger.debug(
        "sync handled %d of %d items in %d chunks, %.3f s",
        result.done,
        total,
        result.chunks,
        result.elapsed,
    )
    return result
