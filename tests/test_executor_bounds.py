"""Issue 12, point 4 (bounded work), the executor: bytes as well as rows, a time limit that covers
fetching, a bounded spill, and at most pool_size queries at once (the rest hear ServiceBusy).

PostgreSQL versions of these are in test_executor_bounds_pg.py. No test asserts speed: the only
times checked are generous bounds ("within 3x the limit") where the point is that work stops.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pytest
import sqlglot

import assistant.sql.bounds as bounds
from assistant.core.errors import ConfigError, ExecutionError, QueryTimeout, ResultTooLarge, ServiceBusy, user_message
from assistant.core.settings import Settings
from assistant.sql.bounds import Deadline, DeadlineExpired, FetchLimits, fetch_bounded
from assistant.sql.executor import Executor
from assistant.sql.guard import Guard

SCHEMA = {"t": {"x": "INTEGER"}}
MB = 1_000_000


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "plant.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT range AS x FROM range(10)")
    con.close()
    return path


@pytest.fixture
def make(db_path: Path, tmp_path: Path) -> Iterator[Callable[..., Executor]]:
    made: list[Executor] = []

    def build(**kwargs: Any) -> Executor:
        kwargs.setdefault("temp_dir", tmp_path / "spill")
        ex = Executor.for_path(db_path, **kwargs)
        made.append(ex)
        return ex

    yield build
    for ex in made:
        ex.dispose()


def check(sql: str, max_rows: int = 5000) -> Any:
    return Guard(SCHEMA, max_rows=max_rows).check(sql)


def big_rows(n: int, size: int) -> Any:
    """n rows of one `size`-character text value each (plus the row number)."""
    # The guard refuses pads past 100,000 characters (the database builds them before any cap
    # sees them); these tests are about the executor's own bounds, so the checked statement's
    # pad length is raised after the guard passed its shape.
    checked = check(f"SELECT i, lpad('x', 7, 'x') AS s FROM range({n}) t(i) ORDER BY i")
    sql = checked.sql.replace("'x', 7, 'x'", f"'x', {size}, 'x'")
    return dataclasses.replace(checked, sql=sql, tree=sqlglot.parse_one(sql, read="duckdb"))


# ---------------------------------------------------------------------------- bytes
def test_result_past_the_byte_cap_is_cut_and_says_why(make: Callable[..., Executor]) -> None:
    result = make(max_result_bytes=5 * MB).run(big_rows(30, MB))
    assert result.truncated is True and result.truncated_reason == "bytes"
    assert [r[0] for r in result.rows] == [0, 1, 2, 3]  # each row holds a little over 1 MB
    assert 4 * MB < result.nbytes <= 5 * MB
    note_en, note_zh = result.truncation_note("en"), result.truncation_note("zh")
    assert note_en is not None and "first 4 rows" in note_en and "4.0 MB" in note_en
    assert note_zh is not None and "前 4 行" in note_zh


def test_row_cap_still_cuts_first_and_says_so(make: Callable[..., Executor]) -> None:
    result = make(max_result_bytes=5 * MB).run(check("SELECT i FROM range(100) t(i)", max_rows=7))
    assert len(result.rows) == 7 and result.truncated_reason == "rows"
    assert result.truncation_note("en") == ("Only the first 7 rows are shown; the result has more. "
                                            "Narrow the question to see everything.")
    whole = make().run(check("SELECT i FROM range(7) t(i)", max_rows=7))
    assert whole.truncated is False and whole.truncated_reason is None and whole.truncation_note() is None


def test_a_first_row_past_the_cap_is_refused(make: Callable[..., Executor]) -> None:
    ex = make(max_result_bytes=MB)
    with pytest.raises(ResultTooLarge) as info:
        ex.run(big_rows(3, 2 * MB))
    message = str(info.value)
    assert "2.0 MB" in message and "1.0 MB" in message and "nothing was returned" in message
    assert "fewer or shorter columns" in message  # what to try
    assert user_message(info.value, "zh").startswith("结果太大")
    assert ex.scalar(check("SELECT count(*) FROM t")) == 10  # the connection is fine afterwards


class _Rows:
    """A cursor over `n` rows of `size` characters that records how many rows each fetch asked for."""

    def __init__(self, n: int, size: int) -> None:
        self.left, self.size, self.asked = n, size, []  # type: ignore[var-annotated]

    def fetchmany(self, k: int) -> Sequence[tuple[Any, ...]]:
        self.asked.append(k)
        got = min(k, self.left)
        self.left -= got
        return [("x" * self.size,) for _ in range(got)]


def test_bytes_are_measured_batch_by_batch() -> None:
    cursor = _Rows(n=10_000, size=100_000)
    with Deadline(None, "interrupt", 0) as deadline:
        rows, cut, nbytes = fetch_bounded(cursor.fetchmany, FetchLimits(rows=10_000, bytes=MB), deadline)
    assert cut == "bytes" and len(rows) == 9 and nbytes <= MB
    # The first fetch is one row, and no fetch overshoots the cap by more than a few rows:
    # nothing like the whole result is pulled into memory to be measured afterwards.
    assert cursor.asked[0] == 1 and sum(cursor.asked) <= len(rows) + 3, cursor.asked


def test_small_rows_come_in_large_batches() -> None:
    cursor = _Rows(n=3000, size=10)
    with Deadline(None, "interrupt", 0) as deadline:
        rows, cut, _ = fetch_bounded(cursor.fetchmany, FetchLimits(rows=5000, bytes=50 * MB), deadline)
    assert len(rows) == 3000 and cut is None
    assert len(cursor.asked) <= 5, cursor.asked  # not one round trip per row


# ---------------------------------------------------------------------------- time
def _slow_plain(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Make converting each fetched value slow, as a long value or a slow link would."""
    real = bounds.plain

    def slow(value: Any) -> Any:
        time.sleep(seconds)
        return real(value)

    monkeypatch.setattr(bounds, "plain", slow)


def test_the_time_limit_covers_fetching(make: Callable[..., Executor], monkeypatch: pytest.MonkeyPatch) -> None:
    ex = make(timeout_s=0.5)
    _slow_plain(monkeypatch, 0.002)  # 5001 rows would take 10 s to fetch
    start = time.perf_counter()
    with pytest.raises(QueryTimeout, match=r"longer than 0\.5 seconds"):  # DECIMAL values go through `plain`
        ex.run(check("SELECT CAST(i AS DECIMAL(18, 2)) AS d FROM range(100000) t(i)"))
    assert time.perf_counter() - start < 1.5  # stopped near the limit, not after the whole fetch
    monkeypatch.undo()
    assert ex.scalar(check("SELECT count(*) FROM t")) == 10


def test_deadline_expires_between_rows() -> None:
    with Deadline(None, "interrupt", 0.05) as deadline:
        time.sleep(0.06)
        with pytest.raises(DeadlineExpired):
            fetch_bounded(_Rows(3, 1).fetchmany, FetchLimits(rows=10, bytes=MB), deadline)


# ---------------------------------------------------------------------------- memory and spill
def _duckdb_shows(setting: str, value: str) -> str:
    """How DuckDB itself prints `value` for `setting` (e.g. '64MB' -> '61.0 MiB')."""
    con = duckdb.connect()
    con.execute(f"SET {setting} = '{value}'")
    shown = con.execute(f"SELECT current_setting('{setting}')").fetchone()
    con.close()
    assert shown is not None
    return str(shown[0])


def _settings_in_effect(ex: Executor) -> tuple[Any, ...]:
    # The executor's own connection, not through the guard (which refuses current_setting).
    sql = ("SELECT current_setting('temp_directory'), current_setting('max_temp_directory_size'), "
           "current_setting('memory_limit'), current_setting('enable_external_access')")
    transport: Any = ex._transport
    if hasattr(transport, "engine"):  # in-memory DuckDB goes through SQLAlchemy
        with transport.engine.connect() as conn:
            row = conn.connection.driver_connection.execute(sql).fetchone()
            conn.rollback()
    else:  # a DuckDB file: its own pool
        with transport.connection() as lease:
            row = lease.raw.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


def test_spill_and_memory_settings_are_in_effect(db_path: Path, tmp_path: Path) -> None:
    settings = Settings(db=str(db_path), temp_dir=str(tmp_path / "cache" / "spill"), max_temp_size="64MB",
                        memory_limit="300MB")
    ex = Executor.from_settings(settings)
    try:
        temp, max_temp, memory, external = _settings_in_effect(ex)
    finally:
        ex.dispose()
    assert temp == str(tmp_path / "cache" / "spill") != f"{db_path}.tmp"  # not next to the database
    assert (tmp_path / "cache" / "spill").is_dir()  # made, parents included (DuckDB makes one level only)
    assert max_temp == _duckdb_shows("max_temp_directory_size", "64MB")
    assert memory == _duckdb_shows("memory_limit", "300MB")
    assert str(external).lower() == "false"  # still sealed


def test_in_memory_databases_are_bounded_too(tmp_path: Path) -> None:
    ex = Executor("duckdb:///:memory:", temp_dir=tmp_path / "spill", memory_limit="200MB", max_temp_size="32MB")
    try:
        temp, max_temp, memory, _ = _settings_in_effect(ex)
    finally:
        ex.dispose()
    assert (temp, max_temp, memory) == (str(tmp_path / "spill"), _duckdb_shows("max_temp_directory_size", "32MB"),
                                        _duckdb_shows("memory_limit", "200MB"))


SPILLING = ("SELECT count(*), sum(n) FROM (SELECT i % 1000000 AS k, count(*) AS n, list(i) AS l "
            "FROM range(4000000) t(i) GROUP BY 1)")


def test_a_query_that_would_spill_past_the_bound_fails_clearly(make: Callable[..., Executor], db_path: Path,
                                                               tmp_path: Path) -> None:
    ex = make(memory_limit="64MB", max_temp_size="16MB", timeout_s=60)
    with pytest.raises(ExecutionError) as info:
        ex.run(check(SPILLING))
    message = str(info.value)
    assert type(info.value) is ExecutionError
    assert "more working space than this service allows (64MB of memory, 16MB of disk)" in message
    assert "shorter period" in message and "max_temp_directory_size" not in message
    assert not Path(f"{db_path}.tmp").exists()  # nothing spilled next to the database
    spilled = sum(f.stat().st_size for f in (tmp_path / "spill").rglob("*") if f.is_file())
    assert spilled <= 16 * MB
    assert ex.scalar(check("SELECT count(*) FROM t")) == 10


def test_sizes_must_carry_a_unit(db_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"memory_limit.*2GB or 500MB"):
        Executor.for_path(db_path, memory_limit="2000000000")
    with pytest.raises(ConfigError, match="max_temp_size"):
        Executor.for_path(db_path, max_temp_size="2GB'; SET enable_external_access = true; --")


def test_two_executors_on_one_file_share_the_bounds(make: Callable[..., Executor]) -> None:
    # The spill folder is frozen by the first connection's seal; the second must not try to move it.
    first, second = make(), make()
    assert first.scalar(check("SELECT count(*) FROM t")) == 10
    assert second.scalar(check("SELECT count(*) FROM t")) == 10
    with ThreadPoolExecutor(max_workers=8) as pool:  # several connections opening at once
        assert set(pool.map(lambda _: make(pool_size=8).scalar(check("SELECT 1")), range(8))) == {1}


# ---------------------------------------------------------------------------- the pool
def _hold_connections(monkeypatch: pytest.MonkeyPatch, ex: Executor, pool_size: int) -> tuple[threading.Event, list[int]]:
    """Queries that got a connection wait for `release` and for each other (a connection can take a
    moment to open); `peak` records how many ran at once. The executor's transport (a DuckDB file's
    own pool, or SQLAlchemy's) fetches in `_fetch` while it holds a connection."""
    release, full, running, peak, lock = threading.Event(), threading.Event(), [0], [0], threading.Lock()
    transport = type(ex._transport)
    real = transport._fetch  # type: ignore[attr-defined]

    def held(self: Any, *args: Any) -> Any:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            if running[0] >= pool_size:
                full.set()
        try:
            release.wait(30)
            full.wait(10)
            return real(self, *args)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(transport, "_fetch", held)
    return release, peak


def run_crowd(ex: Executor, n: int, release: threading.Event, busy_expected: int) -> list[object]:
    """n queries at once; once `busy_expected` of them were turned away, the others may finish."""
    outcomes: list[object] = []
    lock = threading.Lock()

    def ask(_: int) -> None:
        try:
            outcome: object = ex.scalar(check("SELECT 42"))
        except Exception as exc:  # every kind is recorded: DatabaseUnavailable must not appear
            outcome = exc
        with lock:
            outcomes.append(outcome)
            if sum(isinstance(o, ServiceBusy) for o in outcomes) >= busy_expected:
                release.set()

    with ThreadPoolExecutor(max_workers=n) as pool:
        list(pool.map(ask, range(n)))
    return outcomes


@pytest.mark.parametrize("where", ["file", "memory"])
def test_a_full_pool_turns_queries_away_as_busy(where: str, make: Callable[..., Executor], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    if where == "file":  # the DuckDB file's own pool (assistant.sql.duckdb_files)
        ex = make(pool_size=2, queue_timeout_s=0.2)
    else:  # SQLAlchemy without a queueing pool: the transport's semaphore
        ex = Executor("duckdb:///:memory:", pool_size=2, queue_timeout_s=0.2, temp_dir=tmp_path / "spill")
    release, peak = _hold_connections(monkeypatch, ex, pool_size=2)
    start = time.perf_counter()
    outcomes = run_crowd(ex, 6, release, busy_expected=4)
    busy = [o for o in outcomes if isinstance(o, ServiceBusy)]
    answers = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(busy) == 4 and len(answers) == 2, outcomes
    assert peak[0] == 2  # never more than pool_size at once
    assert time.perf_counter() - start < 10  # the busy ones did not wait out the old 30 s pool timeout
    assert str(busy[0]) == "The service is busy right now; try again in a moment."
    assert user_message(busy[0], "zh").startswith("服务正忙，请稍后再试")
    ex.dispose()


def test_seventy_at_once_are_answered_or_busy_never_unavailable(make: Callable[..., Executor]) -> None:
    ex = make(pool_size=2, queue_timeout_s=0.05, timeout_s=60)
    slow = check("SELECT count(*) FROM range(3000) a(i), range(30000) b(j) WHERE a.i + b.j = 7")
    outcomes: list[object] = []

    def ask(_: int) -> None:
        try:
            outcomes.append(ex.scalar(slow))
        except Exception as exc:
            outcomes.append(exc)

    with ThreadPoolExecutor(max_workers=70) as pool:
        list(pool.map(ask, range(70)))
    kinds = {type(o).__name__ for o in outcomes}
    assert kinds <= {"int", "ServiceBusy"}, kinds
    assert 8 in outcomes and any(isinstance(o, ServiceBusy) for o in outcomes)


# ---------------------------------------------------------------------------- construction
def test_from_settings_passes_every_bound(db_path: Path, tmp_path: Path) -> None:
    settings = Settings(db=str(db_path), timeout_s=3.5, max_rows=70, max_result_bytes=123_456, memory_limit="1GB",
                        max_temp_size="3GB", temp_dir=str(tmp_path / "s"), pool_size=3, queue_timeout_s=1.5)
    ex = Executor.from_settings(settings)
    try:
        assert (ex.timeout_s, ex.max_rows, ex.max_result_bytes) == (3.5, 70, 123_456)
        limits = ex.duckdb_limits
        assert (limits.memory_limit, limits.max_temp_size, limits.temp_dir) == ("1GB", "3GB", tmp_path / "s")
        # A DuckDB file's own pool: at most pool_size connections (no overflow), a wait of queue_timeout_s.
        pool: Any = ex._transport
        assert (pool.size, pool.queue_timeout_s) == (3, 1.5)
    finally:
        ex.dispose()
    other = tmp_path / "other.duckdb"
    assert Executor.from_settings(settings, db=other)._db_path == other


def test_pipeline_from_settings_builds_the_bounded_executor(db_path: Path, tmp_path: Path) -> None:
    from assistant.pipeline import Pipeline

    settings = Settings(db=str(db_path), max_result_bytes=4321, pool_size=5, temp_dir=str(tmp_path / "s"))
    with Pipeline.from_settings(settings) as pipeline:
        assert pipeline.executor.max_result_bytes == 4321
        assert pipeline.executor._transport.size == 5  # type: ignore[attr-defined]
        assert pipeline.executor.duckdb_limits.temp_dir == tmp_path / "s"
