"""Bounded work for one query: a deadline that covers fetching, and a fetch capped in rows and bytes.

A result is pulled in batches and measured as it arrives, so a query whose rows are huge stops
after the first batch that overflows the byte cap instead of after the whole result has been
copied into this process. The first batch is one row; later batches grow only as far as the
biggest row seen so far leaves room for, so one batch never overshoots the cap by much.

Bytes are what the values hold in this process (`sys.getsizeof`, containers included), which is
what a cap on memory must count: a 100 MB text value counts 100 MB, an integer 28 bytes.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import functools
import heapq
import itertools
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from assistant.core.errors import ResultTooLarge

__all__ = ["Cut", "Deadline", "DeadlineExpired", "FetchLimits", "Fetched", "fetch_bounded", "human_bytes",
           "plain", "value_bytes"]

Cut = Literal["rows", "bytes"]  # why a result was truncated
_MAX_BATCH = 1024  # rows per fetch once rows are known to be small: few round trips, bounded conversion


class DeadlineExpired(Exception):
    """The time limit passed while rows were still being fetched (the executor turns it into QueryTimeout)."""


class Deadline:
    """Interrupts a running statement when its time is up, and tells the fetch loop so.

    DuckDB has no statement timeout, so the watchdog calls the connection's `interrupt()`; on
    PostgreSQL it calls `cancel_safe()`. The deadline stays armed until the last row is fetched,
    because a streamed result does its work while it is fetched. The lock makes sure the
    interrupt only lands while our statement is running: an interrupt arriving on an idle
    connection could otherwise hit the next caller's query.
    """

    def __init__(self, target: Any, method: str, seconds: float) -> None:
        self._call = getattr(target, method, None)
        self._seconds = seconds
        self._end = time.monotonic() + seconds if seconds > 0 else float("inf")
        self._lock = threading.Lock()
        self._done = False
        self.fired = False  # the deadline interrupted the connection: do not trust it again

    def __enter__(self) -> Deadline:
        if self._call is not None and self._seconds > 0:
            _WATCHDOG.arm(self)
        return self

    @property
    def expired(self) -> bool:
        return self.fired or time.monotonic() >= self._end

    @property
    def done(self) -> bool:
        return self._done

    def check(self) -> None:
        # Between batches: conversion and measuring run in Python, where no interrupt reaches.
        if self.expired:
            raise DeadlineExpired

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            # The statement may have finished in between; then there is nothing to stop.
            with contextlib.suppress(Exception):
                self._call()  # type: ignore[misc]

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True


class _Watchdog:
    """One thread for every armed deadline. A timer thread per statement cost 0.3-1 ms to start
    on a busy machine, as much as a small query; arming here is a heap push. A deadline that
    passes is fired on a thread of its own, so a slow cancel (PostgreSQL's goes over the
    network) never delays another deadline."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Deadline]] = []
        self._count = 0
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def arm(self, deadline: Deadline) -> None:
        with self._wake:
            self._count += 1
            heapq.heappush(self._heap, (deadline._end, self._count, deadline))
            if self._thread is None or not self._thread.is_alive():  # first use, or after a fork
                self._thread = threading.Thread(target=self._run, name="fa-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is deadline:
                self._wake.notify()  # the new deadline is the nearest: wait less

    def _run(self) -> None:
        while True:
            due: list[Deadline] = []
            with self._wake:
                while not self._heap:
                    self._wake.wait()
                now = time.monotonic()
                while self._heap and (self._heap[0][0] <= now or self._heap[0][2].done):
                    due.append(heapq.heappop(self._heap)[2])
                if not due:
                    self._wake.wait(self._heap[0][0] - now)
            for deadline in due:
                if not deadline.done:
                    threading.Thread(target=deadline._fire, name="fa-deadline-fire", daemon=True).start()


_WATCHDOG = _Watchdog()


@dataclass(frozen=True)
class FetchLimits:
    rows: int  # rows returned at most; one more is fetched to know whether there were more
    bytes: int  # bytes returned at most (value_bytes of every value)


@dataclass
class Fetched:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    cut: Cut | None = None  # why rows were left out, None when this is the whole result
    nbytes: int = 0


def fetch_bounded(fetchmany: Callable[[int], Sequence[Any]], limits: FetchLimits,
                  deadline: Deadline, *, flat: bool = False,
                  plain_values: bool = False) -> tuple[list[tuple[Any, ...]], Cut | None, int]:
    """Rows (plain values), why they were cut, and their bytes.

    `flat`: the caller knows from the result's column types that no value holds other values
    (no lists, structs or maps), so a row's bytes are the sum of getsizeof's.
    `plain_values` (with `flat`): no value needs `plain` either (no DECIMAL column), so a batch
    is taken as the driver gave it and sized in C (`_take_flat`): per row and value in Python
    this was ~3 ms per 1,000 rows of a trace, more than DuckDB's own fetch.
    Raises ResultTooLarge when even the first row is over the byte cap: there is nothing
    truthful to show then. Raises DeadlineExpired when time runs out between batches (and,
    where values are converted one by one, between rows).
    """
    if flat and plain_values:
        return _fetch_flat(fetchmany, limits, deadline)
    convert = _flat_row if flat else _plain_row
    rows: list[tuple[Any, ...]] = []
    used = 0
    biggest = 0
    batch = 1
    while True:
        deadline.check()
        fetched = fetchmany(batch)
        for raw in fetched:
            deadline.check()  # per row: converting a batch of long values takes time too
            if len(rows) == limits.rows:  # the extra row: there is more than the cap
                return rows, "rows", used
            row, size = convert(raw)
            if used + size > limits.bytes:
                if not rows:
                    raise _too_large(size, limits.bytes)
                return rows, "bytes", used
            rows.append(row)
            used += size
            biggest = max(biggest, size)
        if len(fetched) < batch:
            return rows, None, used
        room = (limits.bytes - used) // max(1, 2 * biggest)
        batch = max(1, min(_MAX_BATCH, limits.rows + 1 - len(rows), room))


_ROW_SIZES = functools.partial(map, sys.getsizeof)  # one row's value sizes, lazily, in C


def _fetch_flat(fetchmany: Callable[[int], Sequence[Any]], limits: FetchLimits,
                deadline: Deadline) -> tuple[list[tuple[Any, ...]], Cut | None, int]:
    """`fetch_bounded` for scalar rows that need no conversion: the same rows, cut, bytes and
    batch sizes, each batch sized and cut in C; the deadline is checked between batches (a
    batch holds at most _MAX_BATCH rows and nothing is converted)."""
    rows: list[tuple[Any, ...]] = []
    used = 0
    biggest = 0
    batch = 1
    while True:
        deadline.check()
        fetched = fetchmany(batch)
        room_rows = limits.rows - len(rows)  # a row past these is the extra one: there is more
        take = min(len(fetched), room_rows)
        sizes = list(map(sum, map(_ROW_SIZES, fetched[:take])))
        totals = list(itertools.accumulate(sizes, initial=used))  # totals[i]: bytes with i more rows
        fit = bisect.bisect_right(totals, limits.bytes) - 1  # rows of this batch within the byte cap
        if fit < take:
            if not rows and fit == 0:
                raise _too_large(sizes[0], limits.bytes)
            rows.extend(map(tuple, fetched[:fit]))
            return rows, "bytes", totals[fit]
        rows.extend(map(tuple, fetched[:take]))
        used = totals[take]
        if sizes:
            biggest = max(biggest, max(sizes))
        if len(fetched) > take:
            return rows, "rows", used
        if len(fetched) < batch:
            return rows, None, used
        room = (limits.bytes - used) // max(1, 2 * biggest)
        batch = max(1, min(_MAX_BATCH, limits.rows + 1 - len(rows), room))


# Values that hold no other values: their size is getsizeof's. Most fetched values are these; a
# trace fetches thousands of rows, and sizing every value through value_bytes() (and converting
# it in a generator) was a third of a large trace's assistant time.
_FLAT = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime, dt.time, dt.timedelta, bytes})


def _plain_row(raw: Sequence[Any]) -> tuple[tuple[Any, ...], int]:
    """The row with plain values (see `plain`) and its bytes (`row_bytes`)."""
    row = tuple(map(plain, raw))
    size = 0
    for value in row:
        size += sys.getsizeof(value) if type(value) in _FLAT else value_bytes(value)
    return row, size


def _flat_row(raw: Sequence[Any]) -> tuple[tuple[Any, ...], int]:
    """`_plain_row` for a row of scalars: sized in one C-level pass."""
    row = tuple(map(plain, raw))
    return row, sum(map(sys.getsizeof, row))


def row_bytes(row: Sequence[Any]) -> int:
    return sum(value_bytes(v) for v in row)


def value_bytes(value: Any) -> int:
    """Memory a fetched value holds here; lists and maps (DuckDB LIST, STRUCT) with their items."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return sys.getsizeof(value) + sum(value_bytes(v) for v in value)
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(value_bytes(k) + value_bytes(v) for k, v in value.items())
    return sys.getsizeof(value)


def plain(value: Any) -> Any:
    # Decimal and memoryview do not survive JSON, charts or comparisons with floats in tests.
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, memoryview):
        return value.tobytes()
    return value


def human_bytes(n: int) -> str:
    """50 MB, 1.5 GB: decimal units, as people read disk and download sizes."""
    if n < 1000:
        return f"{n} bytes"
    size, unit = n / 1000, "KB"
    for bigger in ("MB", "GB"):
        if size < 1000:
            break
        size, unit = size / 1000, bigger
    return f"{size:.1f} {unit}" if size < 10 else f"{size:.0f} {unit}"


def _too_large(size: int, cap: int) -> ResultTooLarge:
    return ResultTooLarge(
        f"The first row of this result alone holds {human_bytes(size)}, more than the {human_bytes(cap)} "
        "one answer may hold, so nothing was returned.",
        suggestion="Ask for fewer or shorter columns, or for totals and counts instead of long text values.",
    )
