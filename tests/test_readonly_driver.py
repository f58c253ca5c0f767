"""Issue 12, point 5: a write fails at the driver even when the guard is bypassed.

Each statement here is wrapped in a CheckedSQL by hand, as if the guard had a hole, and handed
to the executor. DuckDB files are opened read-only; PostgreSQL sessions are read-only by default,
take one statement at a time, and in deployment run as a SELECT-only role (the recipe in
assistant/sql/readonly.py, which the PostgreSQL tests follow).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from sqlglot import exp

from assistant.core.errors import ExecutionError
from assistant.sql.executor import Executor
from assistant.sql.guard import CheckedSQL, Guard
from assistant.sql.readonly import open_duckdb_read_only

SCHEMA = {"t": {"x": "INTEGER"}}
DUCKDB_WRITES = [
    "INSERT INTO t VALUES (99)",
    "UPDATE t SET x = 0",
    "DELETE FROM t",
    "DROP TABLE t",
    "CREATE TABLE stolen AS SELECT * FROM t",
    "ALTER TABLE t ADD COLUMN y INTEGER",
    "CHECKPOINT",
    "SELECT 1; INSERT INTO t VALUES (99)",
    "SET enable_external_access = true",
]


def bypass(sql: str, dialect: str) -> CheckedSQL:
    """What the executor would get if the guard let `sql` through unchanged."""
    return CheckedSQL(sql=sql, tree=exp.select("1"), tables=frozenset(), limit=10, dialect=dialect)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------- DuckDB
@pytest.fixture
def duck_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE t AS SELECT * FROM range(3) r(x)")
    con.close()
    return path


@pytest.mark.parametrize("sql", DUCKDB_WRITES)
def test_duckdb_write_fails_with_the_guard_bypassed(duck_file: Path, sql: str) -> None:
    before = file_digest(duck_file)
    executor = Executor(duck_file, timeout_s=5.0)
    try:
        with pytest.raises(ExecutionError):
            executor.run(bypass(sql, "duckdb"))
        # The same executor still reads, and what it reads is unchanged.
        assert executor.run(Guard(SCHEMA).check("SELECT count(*) FROM t")).rows == [(3,)]
    finally:
        executor.dispose()
    assert file_digest(duck_file) == before


@pytest.mark.parametrize("sql", DUCKDB_WRITES[:6])
def test_the_duckdb_connection_itself_is_read_only(duck_file: Path, sql: str) -> None:
    # Below the executor's own one-query check: the connection it opens refuses writes.
    raw = open_duckdb_read_only(str(duck_file))
    try:
        with pytest.raises(duckdb.Error, match="read-only"):
            raw.execute(sql)
    finally:
        raw.close()


def test_duckdb_cannot_write_files_or_attach(duck_file: Path, tmp_path: Path) -> None:
    raw = open_duckdb_read_only(str(duck_file))
    try:
        for sql in [f"COPY t TO '{tmp_path / 'out.csv'}'", f"ATTACH '{tmp_path / 'other.duckdb'}' AS other",
                    "SET enable_external_access = true"]:
            with pytest.raises(duckdb.Error):
                raw.execute(sql)
    finally:
        raw.close()
    assert sorted(os.listdir(tmp_path)) == ["tiny.duckdb"]


# ---------------------------------------------------------------------------------- PostgreSQL
PG_DATABASE = "fa_readonly_test"
PG_READER = "fa_readonly_reader"
PG_WRITES = [
    "INSERT INTO t VALUES (99)",
    "UPDATE t SET x = 0",
    "DELETE FROM t",
    "TRUNCATE t",
    "DROP TABLE t",
    "CREATE TABLE stolen AS SELECT * FROM t",
    "ALTER TABLE t ADD COLUMN y INTEGER",
    "SELECT nextval('s')",
    # A script that ends the read-only transaction and turns read-only off for the session:
    "COMMIT; SET default_transaction_read_only = off; INSERT INTO t VALUES (99)",
    "SET TRANSACTION READ WRITE; INSERT INTO t VALUES (99)",
    "SELECT 1; DELETE FROM t",
]


@pytest.fixture(scope="module")
def pg_urls() -> Iterator[dict[str, str]]:
    url = os.environ.get("FA_TEST_PG_URL")
    if not url:
        pytest.skip("FA_TEST_PG_URL is not set: no PostgreSQL server to test against")
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url)
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    owner = base.set(drivername="postgresql", database=PG_DATABASE).render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        con.execute(f"DROP ROLE IF EXISTS {PG_READER}")
        con.execute(f"CREATE DATABASE {PG_DATABASE}")
        # The deployment recipe of assistant/sql/readonly.py.
        con.execute(f"CREATE ROLE {PG_READER} LOGIN")
        con.execute(f"ALTER ROLE {PG_READER} SET default_transaction_read_only = on")
        con.execute(f"GRANT CONNECT ON DATABASE {PG_DATABASE} TO {PG_READER}")
    with psycopg.connect(owner, autocommit=True) as con:
        con.execute("CREATE TABLE t AS SELECT generate_series(0, 2) AS x")
        con.execute("CREATE SEQUENCE s")
        con.execute(f"GRANT USAGE ON SCHEMA public TO {PG_READER}")
        con.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {PG_READER}")
    yield {"owner": base.set(database=PG_DATABASE).render_as_string(hide_password=False),
           "reader": base.set(database=PG_DATABASE, username=PG_READER).render_as_string(hide_password=False),
           "check": owner}
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        con.execute(f"DROP ROLE IF EXISTS {PG_READER}")


def pg_state(url: str) -> tuple[object, ...]:
    import psycopg

    with psycopg.connect(url) as con:
        row = con.execute("SELECT count(*), sum(x), (SELECT count(*) FROM pg_class WHERE relname = 'stolen'), "
                          "(SELECT last_value FROM s), (SELECT count(*) FROM information_schema.columns "
                          "WHERE table_name = 't') FROM t").fetchone()
    assert row is not None
    return tuple(row)


@pytest.mark.parametrize("who", ["owner", "reader"])
@pytest.mark.parametrize("sql", PG_WRITES)
def test_postgres_write_fails_with_the_guard_bypassed(pg_urls: dict[str, str], who: str, sql: str) -> None:
    before = pg_state(pg_urls["check"])
    executor = Executor(pg_urls[who], timeout_s=5.0)
    try:
        with pytest.raises(ExecutionError):
            executor.run(bypass(sql, "postgres"))
        assert executor.run(Guard(SCHEMA, dialect="postgres").check("SELECT count(*) FROM t")).rows == [(3,)]
    finally:
        executor.dispose()
    assert pg_state(pg_urls["check"]) == before


@pytest.mark.parametrize("who", ["owner", "reader"])
def test_postgres_sessions_start_read_only(pg_urls: dict[str, str], who: str) -> None:
    executor = Executor(pg_urls[who], timeout_s=5.0)
    try:
        rows = executor.run(bypass("SELECT current_setting('default_transaction_read_only'), "
                                   "current_setting('transaction_read_only')", "postgres")).rows
    finally:
        executor.dispose()
    assert rows == [("on", "on")]
