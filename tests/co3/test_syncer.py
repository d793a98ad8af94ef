"""Syncer: handler dispatch, chunking, progress, cancellation, and sync properties."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from co3.differ import Differ
from co3.resource import Resource
from co3.resources import DiskResource
from co3.syncer import Syncer, SyncProgress, SyncResult


class DictResource(Resource):
    """An in-memory key-value store; ``select`` lists ``(name, value)`` pairs."""

    def __init__(self, data: dict[str, int] | None = None) -> None:
        self.data = dict(data or {})

    def select(self) -> list[tuple[str, int]]:
        return list(self.data.items())


class PairDiffer(Differ[tuple[str, int]]):
    """Compares whole ``(name, value)`` pairs: a changed value is on both exclusives."""

    def l_transform(self, item: Any) -> tuple[str, int]:
        return (item[0], item[1])

    def r_transform(self, item: Any) -> tuple[str, int]:
        return (item[0], item[1])


class NameDiffer(Differ[str]):
    def l_transform(self, item: Any) -> str:
        return str(item[0])

    def r_transform(self, item: Any) -> str:
        return str(item[0])


class MirrorSyncer(Syncer[tuple[str, int]]):
    """Makes the right resource a copy of the left (the truth)."""

    def __init__(self, left: DictResource, right: DictResource, **kwargs: Any) -> None:
        super().__init__(PairDiffer(left, right), **kwargs)
        self.right = right

    def handle_l_excl(self, key: tuple[str, int], val: list[Any]) -> Any:
        name, value = key
        self.right.data[name] = value
        return ("set", name)

    def handle_r_excl(self, key: tuple[str, int], val: list[Any]) -> Any:
        name, value = key
        if self.right.data.get(name) == value:  # not already overwritten by the new value
            del self.right.data[name]
        return ("drop", name)


class FakeClock:
    """A clock that moves only when told to (or by a scripted list of steps per call)."""

    def __init__(self, steps: list[float] | None = None) -> None:
        self.now = 0.0
        self._steps: Iterator[float] | None = None
        if steps:
            self._steps = iter(steps * 10_000)

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def __call__(self) -> float:
        if self._steps is not None:
            self.now += next(self._steps)
        return self.now


class CountingSyncer(Syncer[Any]):
    """Records every handled key and the size of every chunk."""

    def __init__(self, differ: Differ[Any], seconds_per_item: float = 0.0, **kw: Any) -> None:
        super().__init__(differ, **kw)
        self.seconds_per_item = seconds_per_item
        self.handled: list[Any] = []
        self.chunk_sizes: list[int] = []

    def _handle(self, key: Any) -> Any:
        if isinstance(self.clock, FakeClock):
            self.clock.advance(self.seconds_per_item)
        self.handled.append(key)
        return key

    def handle_l_excl(self, key: Any, val: Any) -> Any:
        return self._handle(key)

    def handle_r_excl(self, key: Any, val: Any) -> Any:
        return self._handle(key)

    def handle_lr_int(self, key: Any, val: Any) -> Any:
        return self._handle(key)

    def process_chunk(self, handler_results: list[Any]) -> list[Any]:
        self.chunk_sizes.append(len(handler_results))
        return handler_results


def counting(n_left: int, n_right: int = 0, **kw: Any) -> CountingSyncer:
    left = DictResource({f"k{i}": i for i in range(n_left)})
    right = DictResource({f"r{i}": i for i in range(n_right)})
    return CountingSyncer(NameDiffer(left, right), **kw)


# -- handlers and shapes --------------------------------------------------------------


def test_default_handlers_return_keys() -> None:
    left = DictResource({"a": 1, "b": 2})
    right = DictResource({"b": 2, "c": 3})
    result = Syncer(NameDiffer(left, right)).sync({}, {})
    assert isinstance(result, list)
    assert sorted(result) == ["a", "b", "c"]


def test_each_set_goes_to_its_handler() -> None:
    seen: dict[str, Any] = {}

    class Recording(Syncer[str]):
        def handle_l_excl(self, key: str, val: list[Any]) -> Any:
            seen[key] = ("l", val)

        def handle_r_excl(self, key: str, val: list[Any]) -> Any:
            seen[key] = ("r", val)

        def handle_lr_int(self, key: str, val: tuple[list[Any], list[Any]]) -> Any:
            seen[key] = ("i", val)

    left = DictResource({"a": 1, "b": 2})
    right = DictResource({"b": 5, "c": 3})
    result = Recording(NameDiffer(left, right)).sync({}, {})
    assert result == [None, None, None]
    assert seen == {
        "a": ("l", [("a", 1)]),
        "c": ("r", [("c", 3)]),
        "b": ("i", ([("b", 2)], [("b", 5)])),
    }


def test_filter_and_process_chunk_hooks() -> None:
    class OnlyNew(Syncer[str]):
        def filter_diff_sets(self, l_excl: Any, r_excl: Any, lr_int: Any) -> Any:
            return l_excl, {}, {}

        def process_chunk(self, handler_results: list[Any]) -> list[Any]:
            return [f"done:{key}" for key in handler_results]

    left = DictResource({"a": 1, "b": 2})
    right = DictResource({"b": 2, "c": 3})
    result = OnlyNew(NameDiffer(left, right)).chunked_sync({}, {})
    assert result == ["done:a"]
    assert (result.total, result.done, result.diff_size) == (1, 1, 1)


def test_sync_handles_everything_in_one_chunk() -> None:
    syncer = counting(7, 3)
    result = syncer.sync({}, {})
    assert syncer.chunk_sizes == [10]
    assert isinstance(result, SyncResult)
    assert (result.done, result.total, result.chunks, result.partial) == (10, 10, 1, False)


def test_nothing_to_do() -> None:
    events: list[SyncProgress] = []
    syncer = counting(0, progress=events.append)
    result = syncer.chunked_sync({}, {}, chunk_time=1, item_limit=5, chunk_cap=2)
    assert result == [] and not result.partial
    assert syncer.chunk_sizes == []
    assert [(e.done, e.total) for e in events] == [(0, 0)]


def test_item_limit_and_chunk_cap() -> None:
    syncer = counting(20)
    result = syncer.chunked_sync({}, {}, item_limit=7, chunk_cap=3)
    assert syncer.chunk_sizes == [3, 3, 1]
    assert len(result) == 7 and len(set(result)) == 7
    assert (result.total, result.diff_size, result.partial) == (7, 20, False)


def test_item_limit_above_total_and_zero() -> None:
    syncer = counting(4)
    assert len(syncer.chunked_sync({}, {}, item_limit=100, chunk_cap=3)) == 4
    assert syncer.chunk_sizes == [3, 1]
    assert counting(4).chunked_sync({}, {}, item_limit=0) == []


def test_zero_chunk_cap_means_one_item_per_chunk() -> None:
    syncer = counting(3)
    syncer.chunked_sync({}, {}, chunk_cap=0)
    assert syncer.chunk_sizes == [1, 1, 1]


def test_negative_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="chunk_time"):
        counting(1).chunked_sync({}, {}, chunk_time=-1)
    with pytest.raises(ValueError, match="item_limit"):
        counting(1).chunked_sync({}, {}, item_limit=-1)


def test_shuffle_uses_the_given_rng() -> None:
    first = counting(30, rng=random.Random(7)).chunked_sync({}, {})
    second = counting(30, rng=random.Random(7)).chunked_sync({}, {})
    assert list(first) == list(second)
    assert list(first) != sorted(first, key=lambda k: int(k[1:]))


# -- adaptive chunk size --------------------------------------------------------------


def test_chunk_size_adapts_towards_chunk_time() -> None:
    # 0.01 s per item and 1 s per chunk: the size should settle near 100.
    syncer = counting(3000, seconds_per_item=0.01, clock=FakeClock())
    result = syncer.chunked_sync({}, {}, chunk_time=1)
    assert len(result) == 3000
    assert syncer.chunk_sizes[0] == 1  # the first guess: 1 s per item
    assert 90 <= syncer.chunk_sizes[-2] <= 100
    assert syncer.chunk_sizes == sorted(syncer.chunk_sizes[:-1]) + syncer.chunk_sizes[-1:]


def test_chunk_size_shrinks_when_items_are_slow() -> None:
    syncer = counting(200, seconds_per_item=1.0, clock=FakeClock())
    syncer.chunked_sync({}, {}, chunk_time=2, chunk_cap=50)
    assert syncer.chunk_sizes[:3] == [2, 2, 2]


def test_zero_time_chunks_do_not_divide_by_zero() -> None:
    # A clock that never moves: every chunk measures 0 s (0.6.3 raised ZeroDivisionError).
    syncer = counting(100, seconds_per_item=0.0, clock=FakeClock())
    result = syncer.chunked_sync({}, {}, chunk_time=1.5, chunk_cap=16)
    assert len(result) == 100
    assert syncer.chunk_sizes[:6] == [1, 2, 4, 8, 16, 16]

    zero_target = counting(10, seconds_per_item=0.0, clock=FakeClock())
    zero_target.chunked_sync({}, {}, chunk_time=0)
    assert zero_target.chunk_sizes == [1] * 10


def test_chunk_time_none_keeps_chunks_at_the_cap() -> None:
    syncer = counting(10, seconds_per_item=0.5, clock=FakeClock())
    syncer.chunked_sync({}, {}, chunk_cap=4)
    assert syncer.chunk_sizes == [4, 4, 2]


# -- progress and cancellation --------------------------------------------------------


def test_progress_reports() -> None:
    events: list[SyncProgress] = []
    clock = FakeClock()
    syncer = counting(10, seconds_per_item=0.5, clock=clock, progress=events.append)
    syncer.chunked_sync({}, {}, chunk_cap=4)

    assert [(e.done, e.total, e.chunk_size, e.chunks) for e in events] == [
        (0, 10, 0, 0),
        (4, 10, 4, 1),
        (8, 10, 4, 2),
        (10, 10, 2, 3),
    ]
    assert events[0].rate is None
    assert events[-1].elapsed == pytest.approx(5.0)
    assert events[-1].rate == pytest.approx(2.0)
    assert events[1].chunk_elapsed == pytest.approx(2.0)


def test_progress_can_be_set_as_an_attribute() -> None:
    events: list[SyncProgress] = []
    syncer = counting(3)
    syncer.progress = events.append
    syncer.sync({}, {})
    assert events[-1].done == 3


def test_cancel_finishes_the_current_chunk_then_stops() -> None:
    syncer = counting(10)

    def on_progress(event: SyncProgress) -> None:
        if event.chunks == 2:
            syncer.cancel()

    syncer.progress = on_progress
    result = syncer.chunked_sync({}, {}, chunk_cap=3)
    assert syncer.chunk_sizes == [3, 3]
    assert (result.done, result.total, result.partial) == (6, 10, True)
    assert len(result) == 6


def test_shutdown_from_a_handler_stops_after_the_chunk() -> None:
    class Stopping(CountingSyncer):
        def handle_l_excl(self, key: Any, val: Any) -> Any:
            self.shutdown()
            return super().handle_l_excl(key, val)

    syncer = Stopping(NameDiffer(DictResource({"a": 1, "b": 2, "c": 3}), DictResource()))
    result = syncer.chunked_sync({}, {}, chunk_cap=2)
    assert syncer.should_exit
    assert syncer.chunk_sizes == [2]
    assert result.partial


def test_cancel_before_sync_and_reset() -> None:
    syncer = counting(3)
    syncer.should_exit = True
    result = syncer.sync({}, {})
    assert result == [] and result.partial
    syncer.should_exit = False
    assert len(syncer.sync({}, {})) == 3


def test_cancel_from_another_thread() -> None:
    started, release = threading.Event(), threading.Event()

    class Blocking(CountingSyncer):
        def process_chunk(self, handler_results: list[Any]) -> list[Any]:
            started.set()
            assert release.wait(10)
            return super().process_chunk(handler_results)

    event = threading.Event()
    syncer = Blocking(
        NameDiffer(DictResource({str(i): i for i in range(9)}), DictResource()),
        cancel_event=event,
    )
    out: list[SyncResult] = []
    worker = threading.Thread(target=lambda: out.append(syncer.chunked_sync({}, {}, chunk_cap=3)))
    worker.start()
    assert started.wait(10)
    event.set()  # as a TUI sharing the event would; syncer.cancel() does the same
    release.set()
    worker.join(10)
    assert out[0].done == 3 and out[0].partial


# -- against real files ---------------------------------------------------------------


def test_sync_a_folder_into_a_dict(tmp_path: Path) -> None:
    for name in ["a.md", "b.md", "sub/c.md"]:
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(name)
    index = DictResource({"b.md": 0, "old.md": 0})

    class DiskVsIndex(Differ[str]):
        def l_transform(self, item: Any) -> str:
            return str(item[1].as_posix())

        def r_transform(self, item: Any) -> str:
            return str(item[0])

    class Indexing(Syncer[str]):
        def handle_l_excl(self, key: str, val: list[Any]) -> Any:
            root, rel = val[0]
            index.data[key] = (root / rel).stat().st_size
            return key

        def handle_r_excl(self, key: str, val: list[Any]) -> Any:
            del index.data[key]
            return key

    syncer = Indexing(DiskVsIndex(DiskResource(), index))
    kwargs = {"path_list": tmp_path, "glob": "**/*.md"}
    syncer.sync(kwargs, {})
    assert set(index.data) == {"a.md", "b.md", "sub/c.md"}
    l_excl, r_excl, _ = syncer.differ.diff(kwargs, {})
    assert l_excl == {} and r_excl == {}


# -- properties -----------------------------------------------------------------------

stores = st.dictionaries(st.sampled_from("abcdefghij"), st.integers(0, 3), max_size=10)


@given(left=stores, right=stores, seed=st.integers(0, 2**32 - 1))
def test_mirror_sync_leaves_an_empty_diff(
    left: dict[str, int], right: dict[str, int], seed: int
) -> None:
    l_res, r_res = DictResource(left), DictResource(right)
    syncer = MirrorSyncer(l_res, r_res, rng=random.Random(seed))
    syncer.sync({}, {})
    l_excl, r_excl, _ = syncer.differ.diff({}, {})
    assert l_excl == {} and r_excl == {}
    assert r_res.data == left


@given(left=stores, right=stores, limit=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_repeated_limited_syncs_converge(
    left: dict[str, int], right: dict[str, int], limit: int, seed: int
) -> None:
    l_res, r_res = DictResource(left), DictResource(right)
    syncer = MirrorSyncer(l_res, r_res, rng=random.Random(seed))
    for _ in range(50):
        if not syncer.chunked_sync({}, {}, item_limit=limit, chunk_cap=2):
            break
    assert r_res.data == left


chunk_times = st.one_of(
    st.none(),
    st.just(0),
    st.floats(min_value=1e-12, max_value=1e-3),
    st.floats(min_value=0, max_value=50, allow_nan=False),
)
clock_steps = st.lists(
    st.one_of(st.just(0.0), st.floats(min_value=0, max_value=5), st.just(1e-300)),
    min_size=1,
    max_size=8,
)


@given(
    n_left=st.integers(0, 60),
    n_right=st.integers(0, 20),
    chunk_time=chunk_times,
    item_limit=st.one_of(st.none(), st.integers(0, 100)),
    chunk_cap=st.one_of(st.none(), st.integers(-2, 40)),
    steps=clock_steps,
)
def test_chunked_sync_handles_each_item_once(
    n_left: int,
    n_right: int,
    chunk_time: float | None,
    item_limit: int | None,
    chunk_cap: int | None,
    steps: list[float],
) -> None:
    syncer = counting(n_left, n_right, clock=FakeClock(steps))
    result = syncer.chunked_sync(
        {}, {}, chunk_time=chunk_time, item_limit=item_limit, chunk_cap=chunk_cap
    )
    total = n_left + n_right
    expected = total if item_limit is None else min(item_limit, total)

    assert len(syncer.handled) == expected
    assert len(set(syncer.handled)) == expected
    assert sorted(result) == sorted(syncer.handled)
    assert result.done == result.total == expected and not result.partial
    assert sum(syncer.chunk_sizes) == expected
    assert all(size >= 1 for size in syncer.chunk_sizes)
    if chunk_cap is not None:
        assert all(size <= max(chunk_cap, 1) for size in syncer.chunk_sizes)
