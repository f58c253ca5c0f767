"""The executor runs only CheckedSQL, read-only, with a time limit and a row cap."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from assistant.core.errors import DatabaseUnavailable, ExecutionError, QueryTimeout
from assistant.sql.executor import Executor, QueryResult, sqlglot_dialect
from assistant.sql.guard import Guard

SCHEMA: dict[str, dict[str, str]] = {
    "t_orders": {"id": "INTEGER", "item_id": "INTEGER", "qty": "DECIMAL(12,2)",
                 "ordered_on": "DATE", "customer": "VARCHAR"},
    "t_items": {"id": "INTEGER", "name": "VARCHAR", "price": "DOUBLE"},
}
# A column the guard believes in but the database does not have: a database-side error.
GHOST_SCHEMA = {**SCHEMA, "t_items": {**SCHEMA["t_items"], "ghost": "INTEGER"}}

CREATE = [
    "CREATE TABLE t_items (id INTEGER, name VARCHAR, price DOUBLE PRECISION)",
    "CREATE TABLE t_orders (id INTEGER, item_id INTEGER, qty DECIMAL(12,2), ordered_on DATE, customer VARCHAR)",
    "INSERT INTO t_items VALUES (1, 'bolt', 0.5), (2, 'nut', 0.25), (3, 'gear', 12.0)",
    "INSERT INTO t_orders SELECT i, 1 + i % 3, i * 1.5, DATE '2024-01-01' + CAST(i AS INTEGER), "
    "CASE WHEN i % 2 = 0 THEN 'Acme' ELSE 'Bolt & Co' END FROM range(1, 11) t(i)",
]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.duckdb"
    con = duckdb.connect(str(path))
    for statement in CREATE:
        con.execute(statement)
    con.close()  # an open writer in this process would block read-only opens
    return path


@pytest.fixture
def executor(db_path: Path) -> Iterator[Executor]:
    ex = Executor.for_path(db_path, timeout_s=0.5)
    yield ex
    ex.dispose()


@pytest.fixture
def guard() -> Guard:
    return Guard(SCHEMA, max_rows=5)


def test_run_returns_plain_values(executor: Executor) -> None:
    checked = Guard(SCHEMA).check("SELECT id, qty, ordered_on, customer FROM t_orders WHERE id = 2")
    result = executor.run(checked)
    assert isinstance(result, QueryResult)
    assert result.columns == ["id", "qty", "ordered_on", "customer"]
    assert result.rows == [(2, 3.0, dt.date(2024, 1, 3), "Acme")]
    assert isinstance(result.rows[0][1], float)
    assert result.truncated is False
    assert result.sql == checked.sql and result.elapsed_ms >= 0


def test_percent_and_colon_in_sql_are_not_parameters(executor: Executor) -> None:
    checked = Guard(SCHEMA).check("SELECT count(*) FROM t_orders WHERE customer LIKE 'B%' AND id % 2 = 1 "
                                  "AND '10:30' <> ':x'")
    assert executor.scalar(checked) == 5


@pytest.mark.parametrize(("where", "truncated"), [("id <= 4", False), ("id <= 5", False), ("id <= 6", True)])
def test_truncated_at_the_cap_boundary(executor: Executor, guard: Guard, where: str, truncated: bool) -> None:
    result = executor.run(guard.check(f"SELECT id FROM t_orders WHERE {where} ORDER BY id"))
    assert result.truncated is truncated
    assert len(result.rows) == min(5, int(where[-1]))


def test_explicit_limit_equal_to_the_rows_is_not_truncated(executor: Executor, guard: Guard) -> None:
    result = executor.run(guard.check("SELECT id FROM t_orders ORDER BY id LIMIT 3"))
    assert [r[0] for r in result.rows] == [1, 2, 3] and result.truncated is False


def test_run_max_rows_caps_below_the_guard(executor: Executor) -> None:
    result = executor.run(Guard(SCHEMA).check("SELECT id FROM t_orders"), max_rows=2)
    assert len(result.rows) == 2 and result.truncated is True


def test_scalar(executor: Executor, guard: Guard) -> None:
    assert executor.scalar(guard.check("SELECT sum(price) FROM t_items")) == pytest.approx(12.75)
    assert executor.scalar(guard.check("SELECT id FROM t_items WHERE id > 99")) is None


def test_only_checked_sql_is_accepted(executor: Executor) -> None:
    with pytest.raises(TypeError, match="CheckedSQL"):
        executor.run("SELECT 1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="postgres"):
        executor.run(Guard(SCHEMA, dialect="postgres").check("SELECT 1"))


def test_database_is_read_only(executor: Executor, db_path: Path) -> None:
    # Bypass the guard on purpose: the database itself must refuse writes and file access.
    with executor._transport.connection() as lease:  # type: ignore[attr-defined]
        raw = lease.raw
        with pytest.raises(duckdb.Error, match="read-only"):
            raw.execute("CREATE TABLE sneaky (a INTEGER)")
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            raw.execute("SELECT * FROM read_csv('/etc/passwd')")
    with pytest.raises(ExecutionError, match="read-only"):
        executor._execute("DELETE FROM t_orders", fetch=None)
    # A plain read-only reader in the same process (the evaluation harness) can share the file.
    other = duckdb.connect(str(db_path), read_only=True)
    assert other.execute("SELECT count(*) FROM t_orders").fetchone() == (10,)
    other.close()


def test_timeout_interrupts_a_slow_query(executor: Executor) -> None:
    checked = Guard(SCHEMA).check("SELECT count(*) FROM range(1000000000) a, range(1000000) b")
    start = time.perf_counter()
    with pytest.raises(QueryTimeout, match=r"longer than 0\.5 seconds"):
        executor.run(checked)
    assert time.perf_counter() - start < 2.5
    # The pool hands out a healthy connection afterwards.
    assert executor.scalar(Guard(SCHEMA).check("SELECT count(*) FROM t_items")) == 3


def test_sql_error_is_readable_and_connection_reusable(executor: Executor) -> None:
    checked = Guard(GHOST_SCHEMA).check("SELECT ghost FROM t_items")
    with pytest.raises(ExecutionError) as info:
        executor.run(checked)
    message = str(info.value)
    assert type(info.value) is ExecutionError
    assert message.startswith("The database could not run the query:") and "ghost" in message
    assert "LINE 1" not in message and "Traceback" not in message and len(message) < 400
    for _ in range(3):  # every pooled connection was rolled back after the error
        assert executor.scalar(Guard(SCHEMA).check("SELECT count(*) FROM t_orders")) == 10


def test_runtime_error_is_execution_error(executor: Executor, guard: Guard) -> None:
    with pytest.raises(ExecutionError, match="Conversion Error"):
        executor.run(guard.check("SELECT CAST(customer AS INTEGER) FROM t_orders"))


def test_explain(executor: Executor) -> None:
    assert executor.explain(Guard(SCHEMA).check("SELECT customer, sum(qty) FROM t_orders GROUP BY 1")) is None
    with pytest.raises(ExecutionError, match=r"could not plan the query.*ghost"):
        executor.explain(Guard(GHOST_SCHEMA).check("SELECT ghost FROM t_items"))


def test_missing_file_is_unavailable(tmp_path: Path, guard: Guard) -> None:
    ex = Executor(str(tmp_path / "nowhere.duckdb"))  # a bare path is accepted too
    assert ex.dialect == "duckdb"
    with pytest.raises(DatabaseUnavailable) as info:
        ex.run(guard.check("SELECT 1"))
    assert "does not exist" in str(info.value) and "factory-assistant demo-data" in str(info.value)
    assert not (tmp_path / "nowhere.duckdb").exists()  # and nothing was created


def test_lock_conflict_is_unavailable(db_path: Path, guard: Guard) -> None:
    code = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(30)"
    writer = subprocess.Popen([sys.executable, "-c", code, str(db_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        ex = Executor.for_path(db_path)
        with pytest.raises(DatabaseUnavailable, match="being written by another program"):
            ex.run(guard.check("SELECT count(*) FROM t_orders"))
        ex.dispose()
    finally:
        writer.kill()
        writer.wait()


def test_writer_in_the_same_process_is_unavailable(db_path: Path, guard: Guard) -> None:
    writer = duckdb.connect(str(db_path))
    try:
        ex = Executor.for_path(db_path)
        with pytest.raises(DatabaseUnavailable, match="already open with other settings"):
            ex.run(guard.check("SELECT 1"))
        ex.dispose()
    finally:
        writer.close()


def test_threads_share_one_executor(executor: Executor) -> None:
    guard = Guard(SCHEMA)
    checks = [guard.check(f"SELECT count(*) FROM t_orders WHERE id <= {n}") for n in range(1, 11)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(executor.scalar, checks))
    assert results == list(range(1, 11))


def test_dialect_from_url() -> None:
    assert sqlglot_dialect("duckdb:///x.db") == "duckdb"
    assert sqlglot_dialect("postgresql+psycopg://u@h/db") == "postgres"
    assert sqlglot_dialect("mysql+pymysql://u@h/db") == "mysql"
    assert sqlglot_dialect("mssql+pyodbc://u@h/db") == "tsql"
    assert sqlglot_dialect("snowflake://u@acct/db") == "snowflake"
    assert sqlglot_dialect("/data/plant.duckdb") == "duckdb"


def test_postgres_server_down_is_unavailable() -> None:
    ex = Executor("postgresql+psycopg://nobody@127.0.0.1:1/none", timeout_s=2)
    with pytest.raises(DatabaseUnavailable, match="Could not open the database"):
        ex.run(Guard(SCHEMA, dialect="postgres").check("SELECT 1"))


# ---------------------------------------------------------------------- PostgreSQL
PG_URL = os.environ.get("FA_TEST_PG_URL")
pg_only = pytest.mark.skipif(not PG_URL, reason="set FA_TEST_PG_URL to run PostgreSQL tests")


@pytest.fixture
def pg_executor() -> Iterator[Executor]:
    from sqlalchemy import create_engine

    assert PG_URL
    writer = create_engine(PG_URL)
    with writer.begin() as conn:
        conn = conn.execution_options(no_parameters=True)  # '%' is the modulo operator here
        conn.exec_driver_sql("DROP TABLE IF EXISTS t_orders, t_items")
        for statement in CREATE[:3]:
            conn.exec_driver_sql(statement)
        conn.exec_driver_sql(
            "INSERT INTO t_orders SELECT i, 1 + i % 3, i * 1.5, DATE '2024-01-01' + CAST(i AS INTEGER), "
            "CASE WHEN i % 2 = 0 THEN 'Acme' ELSE 'Bolt & Co' END FROM generate_series(1, 10) t(i)"
        )
    writer.dispose()
    ex = Executor(PG_URL, timeout_s=0.5)
    yield ex
    ex.dispose()


@pytest.mark.postgres
@pg_only
def test_pg_run_truncated_and_values(pg_executor: Executor) -> None:
    assert pg_executor.dialect == "postgres"
    guard = Guard(SCHEMA, dialect="postgres", max_rows=5)
    result = pg_executor.run(guard.check("SELECT id, qty, ordered_on FROM t_orders WHERE customer LIKE 'A%' ORDER BY id"))
    assert result.rows == [(2, 3.0, dt.date(2024, 1, 3)), (4, 6.0, dt.date(2024, 1, 5)),
                           (6, 9.0, dt.date(2024, 1, 7)), (8, 12.0, dt.date(2024, 1, 9)),
                           (10, 15.0, dt.date(2024, 1, 11))]
    assert result.truncated is False
    assert pg_executor.run(guard.check("SELECT id FROM t_orders")).truncated is True


@pytest.mark.postgres
@pg_only
def test_pg_read_only_transaction(pg_executor: Executor) -> None:
    # Bypass the guard on purpose: the transaction itself must refuse the write.
    with pytest.raises(ExecutionError, match="read-only transaction"):
        pg_executor._execute("DELETE FROM t_orders", fetch=None)
    assert pg_executor.scalar(Guard(SCHEMA, dialect="postgres").check("SELECT count(*) FROM t_orders")) == 10


@pytest.mark.postgres
@pg_only
def test_pg_statement_timeout(pg_executor: Executor) -> None:
    guard = Guard(SCHEMA, dialect="postgres")
    start = time.perf_counter()
    with pytest.raises(QueryTimeout):
        pg_executor.run(guard.check("SELECT count(*) FROM generate_series(1, 100000000000) AS g(i)"))
    assert time.perf_counter() - start < 2.5
    assert pg_executor.scalar(guard.check("SELECT count(*) FROM t_items")) == 3


@pytest.mark.postgres
@pg_only
def test_pg_errors_and_explain(pg_executor: Executor) -> None:
    with pytest.raises(ExecutionError, match=r'column t_items\.ghost does not exist') as info:
        pg_executor.run(Guard(GHOST_SCHEMA, dialect="postgres").check("SELECT ghost FROM t_items"))
    assert "LINE 1" not in str(info.value)
    pg_executor.explain(Guard(SCHEMA, dialect="postgres").check("SELECT sum(qty) FROM t_orders"))
    with pytest.raises(ExecutionError, match="could not plan"):
        pg_executor.explain(Guard(GHOST_SCHEMA, dialect="postgres").check("SELECT ghost FROM t_items"))
