"""Bounded work for one query: a deadline that covers fetching, and a fetch capped in rows and bytes.

A result is pulled in batches and measured as it arrives, so a query whose rows are huge stops
after the first batch that overflows the byte cap instead of after the whole result has been
copied into this process. The first batch is one row; later batches grow only as far as the
biggest row seen so far leaves room for, so one batch never overshoots the cap by much.

Bytes are what the values hold in this process (`sys.getsizeof`, containers included), which is
what a cap on memory must count: a 100 MB text value counts 100 MB, an integer 28 bytes.
"""

from __future__ import annotations

import contextlib
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
    """Interrupts a running statement from a timer thread, and tells the fetch loop when time is up.

    DuckDB has no statement timeout, so the timer calls the connection's `interrupt()`; on
    PostgreSQL it calls `cancel_safe()`. The timer stays armed until the last row is fetched,
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
        self.fired = False  # the timer interrupted the connection: do not trust it again
        self._timer: threading.Timer | None = None

    def __enter__(self) -> Deadline:
        if self._call is not None and self._seconds > 0:
            self._timer = threading.Timer(self._seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    @property
    def expired(self) -> bool:
        return self.fired or time.monotonic() >= self._end

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
        if self._timer is not None:
            self._timer.cancel()


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
                  deadline: Deadline) -> tuple[list[tuple[Any, ...]], Cut | None, int]:
    """Rows (plain values), why they were cut, and their bytes.

    Raises ResultTooLarge when even the first row is over the byte cap: there is nothing
    truthful to show then. Raises DeadlineExpired when time runs out between batches.
    """
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
            row = tuple(plain(v) for v in raw)
            size = row_bytes(row)
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
