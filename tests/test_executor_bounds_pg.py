"""Bounded work on PostgreSQL (issue 12, point 4): the byte cap read through a server-side cursor
batch by batch, statement_timeout plus a deadline over the whole fetch, a bounded spill
(temp_file_limit), and a pool of pool_size connections whose queue ends in ServiceBusy.

Needs FA_TEST_PG_URL. The queries read generate_series only, so no table of another test is touched.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest
import sqlglot

import assistant.sql.bounds as bounds
import assistant.sql.engine_transport as transport_module
from assistant.core.errors import ExecutionError, QueryTimeout, ResultTooLarge, ServiceBusy
from assistant.core.settings import Settings
from assistant.sql.executor import Executor
from assistant.sql.guard import Guard

PG_URL = os.environ.get("FA_TEST_PG_URL")
pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not PG_URL, reason="set FA_TEST_PG_URL to run PostgreSQL tests")]
SCHEMA = {"t": {"x": "INTEGER"}}
MB = 1_000_000


@pytest.fixture
def make() -> Iterator[Callable[..., Executor]]:
    made: list[Executor] = []

    def build(url: str | None = None, **kwargs: Any) -> Executor:
        assert PG_URL
        ex = Executor(url or PG_URL, **kwargs)
        made.append(ex)
        return ex

    yield build
    for ex in made:
        ex.dispose()


def check(sql: str, max_rows: int = 5000) -> Any:
    return Guard(SCHEMA, dialect="postgres", max_rows=max_rows).check(sql)


def big_rows(n: int, size: int) -> Any:
    # The guard refuses pads past 100,000 characters (the database builds them before any cap
    # sees them); these tests are about the executor's own bounds, so the checked statement's
    # pad length is raised after the guard passed its shape.
    checked = check(f"SELECT i, lpad('x', 7, 'x') AS s FROM generate_series(0, {n - 1}) AS g(i) ORDER BY i")
    sql = checked.sql.replace("'x', 7, 'x'", f"'x', {size}, 'x'")
    return dataclasses.replace(checked, sql=sql, tree=sqlglot.parse_one(sql, read="postgres"))


def test_pg_result_past_the_byte_cap_is_cut(make: Callable[..., Executor]) -> None:
    result = make(max_result_bytes=5 * MB).run(big_rows(30, MB))
    assert result.truncated_reason == "bytes" and [r[0] for r in result.rows] == [0, 1, 2, 3]
    assert result.nbytes <= 5 * MB


def test_pg_first_row_past_the_cap_is_refused(make: Callable[..., Executor]) -> None:
    ex = make(max_result_bytes=MB)
    with pytest.raises(ResultTooLarge, match=r"2\.0 MB.*1\.0 MB"):
        ex.run(big_rows(3, 2 * MB))
    assert ex.scalar(check("SELECT 42")) == 42


def test_pg_rows_arrive_in_batches(make: Callable[..., Executor], monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    real = transport_module.pg_cursor

    @contextmanager
    def spy(*args: Any) -> Iterator[tuple[list[str], Callable[[int], Sequence[Any]]]]:
        with real(*args) as (columns, fetchmany):
            def counted(k: int) -> Sequence[Any]:
                asked.append(k)
                return fetchmany(k)

            yield columns, counted

    monkeypatch.setattr(transport_module, "pg_cursor", spy)
    result = make(max_result_bytes=5 * MB).run(big_rows(200, MB))
    assert len(result.rows) == 4
    # A plain cursor would have received all 200 MB before the first row could be measured.
    assert asked[0] == 1 and sum(asked) <= len(result.rows) + 3, asked


def test_pg_the_time_limit_covers_fetching(make: Callable[..., Executor], monkeypatch: pytest.MonkeyPatch) -> None:
    ex = make(timeout_s=0.5)
    real = bounds.plain

    def slow(value: Any) -> Any:  # a slow client: statement_timeout alone never sees this time
        time.sleep(0.002)
        return real(value)

    monkeypatch.setattr(bounds, "plain", slow)
    start = time.perf_counter()
    with pytest.raises(QueryTimeout, match=r"longer than 0\.5 seconds"):
        ex.run(check("SELECT i FROM generate_series(1, 100000) AS g(i)"))
    assert time.perf_counter() - start < 1.5
    monkeypatch.undo()
    assert ex.scalar(check("SELECT 42")) == 42


def test_pg_slow_rows_are_stopped_near_the_limit(make: Callable[..., Executor]) -> None:
    ex = make(timeout_s=0.5)
    slow = check("SELECT g.i, (SELECT count(*) FROM generate_series(1, 300000 + g.i) AS h(j)) AS n "
                 "FROM generate_series(1, 2000) AS g(i)")
    start = time.perf_counter()
    with pytest.raises(QueryTimeout):
        ex.run(slow)
    assert time.perf_counter() - start < 1.5
    assert ex.scalar(check("SELECT 42")) == 42


def test_pg_spill_past_temp_file_limit_fails_clearly(make: Callable[..., Executor]) -> None:
    assert PG_URL
    # temp_file_limit can only be set by a superuser: in deployment on the reader's role (readonly.py).
    sep = "&" if "?" in PG_URL else "?"
    ex = make(f"{PG_URL}{sep}options=-c%20work_mem%3D64kB%20-c%20temp_file_limit%3D1MB", timeout_s=30)
    with pytest.raises(ExecutionError) as info:  # the series is kept in a tuplestore, which spills
        ex.run(check("SELECT count(*) FROM generate_series(1, 3000000) AS g(i)"))
    message = str(info.value)
    assert type(info.value) is ExecutionError
    assert "more working space than this service allows and was stopped" in message
    assert "temp_file_limit" not in message
    assert ex.scalar(check("SELECT 42")) == 42


def test_pg_full_pool_turns_queries_away_as_busy(make: Callable[..., Executor],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ex = make(pool_size=2, queue_timeout_s=0.2)
    release, full, running, peak, lock = threading.Event(), threading.Event(), [0], [0], threading.Lock()
    real = transport_module.EngineTransport._fetch

    def held(self: transport_module.EngineTransport, *args: Any) -> Any:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            if running[0] >= 2:
                full.set()
        try:
            release.wait(30)
            full.wait(10)
            return real(self, *args)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(transport_module.EngineTransport, "_fetch", held)
    outcomes: list[object] = []

    def ask(_: int) -> None:
        try:
            outcome: object = ex.scalar(check("SELECT 42"))
        except Exception as exc:
            outcome = exc
        with lock:
            outcomes.append(outcome)
            if sum(isinstance(o, ServiceBusy) for o in outcomes) >= 4:
                release.set()

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(ask, range(6)))
    assert sorted(map(repr, outcomes)) == ["42", "42"] + [repr(ServiceBusy(
        "The service is busy right now; try again in a moment."))] * 4
    assert peak[0] == 2


def test_pg_from_settings_configures_the_pool() -> None:
    assert PG_URL
    ex = Executor.from_settings(Settings(db=PG_URL, pool_size=3, queue_timeout_s=1.5, max_result_bytes=999))
    try:
        pool: Any = ex._transport.engine.pool  # type: ignore[attr-defined]
        assert (pool.size(), pool._max_overflow, pool._timeout, ex.max_result_bytes) == (3, 0, 1.5, 999)
    finally:
        ex.dispose()


def test_pg_session_bounds_are_in_effect(make: Callable[..., Executor]) -> None:
    from sqlglot import exp

    from assistant.sql.guard import CheckedSQL

    # Past the guard on purpose (it refuses current_setting): what the transaction itself runs with.
    sql = ("SELECT current_setting('statement_timeout'), current_setting('cursor_tuple_fraction'), "
           "current_setting('transaction_read_only')")
    checked = CheckedSQL(sql=sql, tree=exp.select("1"), tables=frozenset(), limit=10, dialect="postgres")
    assert make(timeout_s=2.5).run(checked).rows == [("2500ms", "1", "on")]
