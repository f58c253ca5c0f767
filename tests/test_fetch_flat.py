"""Issue 17 point 2: scalar results that need no conversion (no DECIMAL column) are fetched a batch
at a time, sized and cut in C (bounds._fetch_flat). The rows, the cut, the bytes and the batches
asked for are those of the value-by-value loop, and the time limit still stops a slow fetch."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.sql.bounds import Deadline, DeadlineExpired, FetchLimits, fetch_bounded
from assistant.sql.executor import Executor
from assistant.sql.guard import Guard

_VALUES = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.booleans(),
                    st.text(max_size=300), st.binary(max_size=50), st.dates())


class _Cursor:
    """fetchmany over fixed rows, recording how many rows each fetch asked for."""

    def __init__(self, rows: list[tuple[Any, ...]], pause: float = 0.0) -> None:
        self.rows, self.at, self.asked, self.pause = rows, 0, [], pause  # type: ignore[var-annotated]

    def fetchmany(self, k: int) -> Sequence[tuple[Any, ...]]:
        self.asked.append(k)
        time.sleep(self.pause)
        out = self.rows[self.at:self.at + k]
        self.at += len(out)
        return out


def _both(rows: list[tuple[Any, ...]], limits: FetchLimits) -> tuple[Any, Any]:
    out = []
    for as_given in (False, True):
        cursor = _Cursor(rows)
        with Deadline(None, "interrupt", 0) as deadline:
            try:
                got: Any = fetch_bounded(cursor.fetchmany, limits, deadline, flat=True, plain_values=as_given)
            except Exception as exc:  # ResultTooLarge: both must raise it
                got = type(exc).__name__
        out.append((got, cursor.asked))
    return out[0], out[1]


@settings(max_examples=300, deadline=None)
@given(rows=st.lists(st.tuples(_VALUES, _VALUES, _VALUES), max_size=3000),
       cap_rows=st.integers(1, 2500), cap_bytes=st.integers(1, 400_000))
def test_batches_give_what_the_row_by_row_loop_gives(rows: list[tuple[Any, ...]], cap_rows: int,
                                                     cap_bytes: int) -> None:
    by_value, by_batch = _both(rows, FetchLimits(rows=cap_rows, bytes=cap_bytes))
    assert by_batch == by_value


@pytest.mark.parametrize(("n", "cap_rows", "cap_bytes"), [
    (0, 10, 1000), (5, 5, 10**6), (6, 5, 10**6), (5000, 5000, 10**8), (5001, 5000, 10**8), (3000, 5000, 2000),
    (3000, 5000, 300_000), (1, 10, 10),
])
def test_edges(n: int, cap_rows: int, cap_bytes: int) -> None:
    rows = [(i, f"id-{i}", dt.date(2025, 1, 1) + dt.timedelta(days=i % 300), None) for i in range(n)]
    by_value, by_batch = _both(rows, FetchLimits(rows=cap_rows, bytes=cap_bytes))
    assert by_batch == by_value


def test_the_time_limit_stops_between_batches() -> None:
    cursor = _Cursor([(i,) for i in range(100_000)], pause=0.05)
    start = time.perf_counter()
    with Deadline(None, "interrupt", 0.2) as deadline, pytest.raises(DeadlineExpired):
        fetch_bounded(cursor.fetchmany, FetchLimits(rows=100_000, bytes=10**9), deadline, flat=True,
                      plain_values=True)
    assert time.perf_counter() - start < 1.0


def test_duckdb_decimals_still_come_as_floats(tmp_path: Path) -> None:
    path = tmp_path / "d.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE t AS SELECT i, CAST(i AS DECIMAL(10, 2)) / 4 AS d, 'x' || i AS s FROM range(3000) r(i)")
    executor = Executor(path)
    guard = Guard({"t": {"i": "BIGINT", "d": "DECIMAL(10,2)", "s": "VARCHAR"}})
    plain_rows = executor.run(guard.check("SELECT i, s FROM t ORDER BY i")).rows
    decimal_rows = executor.run(guard.check("SELECT i, d FROM t ORDER BY i")).rows
    executor.dispose()
    assert plain_rows[7] == (7, "x7") and len(plain_rows) == 3000
    assert all(type(r[1]) is float for r in decimal_rows) and decimal_rows[2][1] == 0.5
