"""Runs SQL that passed the guard, read-only, with bounded work: a time limit that covers
fetching, a row cap, a byte cap, bounded memory and spill (DuckDB), and at most `pool_size`
queries at once.

Defence in depth: the guard refuses anything but a read-only query, and the executor still opens
the database so that a write *cannot* succeed, even for SQL that never met the guard (tests/
test_readonly_driver.py proves it): DuckDB files are opened `read_only` with no file/network
access; PostgreSQL sessions start with `default_transaction_read_only=on` (a libpq startup
option) and every transaction is `READ ONLY`; MySQL/MariaDB sessions are `READ ONLY`, set again
before every query, with a server-side statement time limit. Errors come back as the exception
tree of `assistant.core.errors` with a short message a plant manager can read (no traceback, no
SQL echo, and no text value of the SQL: that would let whoever wrote the SQL speak to the user).

Bounds (tests/test_executor_bounds.py): rows are fetched in batches and measured as they come
(assistant.sql.bounds), so a result past `max_result_bytes` is cut (`truncated_reason="bytes"`)
or, when its first row alone is too big, refused with ResultTooLarge; the timer that interrupts
the statement stays armed until the last row is fetched; waiting for a connection longer than
`queue_timeout_s` ends in ServiceBusy (assistant.sql.pool). Build it with `from_settings`.

How a SELECT-only PostgreSQL role is set up for deployment: see `assistant.sql.readonly`.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlglot import exp

from assistant.core.errors import ConfigError, DatabaseUnavailable, ExecutionError
from assistant.core.settings import DEFAULTS, Settings
from assistant.sql.bounds import Cut, Deadline, DeadlineExpired, Fetched, FetchLimits, fetch_bounded, human_bytes
from assistant.sql.db_errors import DEMO_HINT, short, timeout_error, translate, unavailable
from assistant.sql.guard import CheckedSQL
from assistant.sql.pool import busy, pool_arguments
from assistant.sql.readonly import (
    MYSQL_BACKENDS,
    MYSQL_READ_ONLY,
    DuckDBLimits,
    fetch_duckdb,
    harden_duckdb,
    harden_mysql,
    mysql_connect_args,
    open_duckdb_read_only,
    pg_cursor,
    read_only_options,
    run_prepared,
)
from assistant.sql.spark_target import is_spark_url

__all__ = ["Executor", "QueryResult", "sqlglot_dialect"]

# SQLAlchemy backend name -> sqlglot dialect name.
_SQLGLOT_DIALECTS: dict[str, str] = {
    "duckdb": "duckdb", "postgresql": "postgres", "postgres": "postgres", "mysql": "mysql",
    "mariadb": "mysql", "snowflake": "snowflake", "bigquery": "bigquery", "trino": "trino",
    "presto": "presto", "databricks": "databricks", "spark": "spark", "hive": "hive",
    "mssql": "tsql", "sqlite": "sqlite", "oracle": "oracle", "redshift": "redshift",
    "clickhouse": "clickhouse",
}
# The SQL's text values, for an error message to leave out; walking the tree costs ~1 ms per
# statement, so only when an error is worded.
Redact = Callable[[], tuple[str, ...]]
_NO_PARAMS = {"no_parameters": True}  # a '%' or ':x' in the SQL must not be read as a parameter
# Shorter text values are codes and words ('SZ', 'open') that also occur in ordinary messages.
_QUOTABLE = 8


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]  # at most max_rows, and at most max_result_bytes
    truncated: bool  # True when the database had more rows than were returned
    elapsed_ms: float
    sql: str
    truncated_reason: Cut | None = None  # "rows": past the row cap; "bytes": past the byte cap
    nbytes: int = 0  # what the returned values hold in memory

    def truncation_note(self, lang: str = "en") -> str | None:
        """Why only part of the result is shown, for the answer to say; None when nothing was cut."""
        n = len(self.rows)
        if self.truncated_reason == "bytes":
            size = human_bytes(self.nbytes)
            if lang == "zh":
                return f"只显示前 {n} 行（{size}）：完整结果超过了一次回答能容纳的大小。请缩小范围或减少列。"
            return (f"Only the first {n} rows are shown ({size}): the whole result is larger than one answer "
                    "may hold. Narrow the question or ask for fewer columns.")
        if self.truncated_reason == "rows":
            if lang == "zh":
                return f"只显示前 {n} 行，结果还有更多。请缩小范围查看全部。"
            return f"Only the first {n} rows are shown; the result has more. Narrow the question to see everything."
        return None


class Executor:
    """Runs CheckedSQL on one database. One pooled engine; one connection per call.

    DuckDB, PostgreSQL and MySQL/MariaDB are opened read-only with a statement time limit. Other
    SQLAlchemy backends work through the same code, but read-only then rests on the guard and on the
    database account's grants, and the time limit on the driver's `cancel()` if it has one
    (and on the check between fetched batches).
    """

    def __init__(self, url: str | os.PathLike[str], *, timeout_s: float = DEFAULTS["timeout_s"],
                 max_rows: int = DEFAULTS["max_rows"], max_result_bytes: int = DEFAULTS["max_result_bytes"],
                 memory_limit: str = DEFAULTS["memory_limit"], max_temp_size: str = DEFAULTS["max_temp_size"],
                 temp_dir: str | os.PathLike[str] | None = None, pool_size: int = DEFAULTS["pool_size"],
                 queue_timeout_s: float = DEFAULTS["queue_timeout_s"]) -> None:
        if max_rows < 1 or max_result_bytes < 1:
            raise ValueError("max_rows and max_result_bytes must be at least 1")
        try:
            self.url: URL = _to_url(url)
            self.backend = self.url.get_backend_name()
        except (ValueError, SQLAlchemyError) as exc:
            raise ConfigError(
                f"'{url}' is not a database address I can read ({short(exc)}).",
                suggestion="Use a DuckDB file path or a URL like postgresql+psycopg://user@host:5432/db.",
            ) from None
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.max_result_bytes = max_result_bytes
        self.dialect: str = sqlglot_dialect(self.url)
        # Without a folder of its own DuckDB spills next to the database file.
        spill = Path(temp_dir if temp_dir is not None else Settings().temp_path()).expanduser().absolute()
        self.duckdb_limits = DuckDBLimits(memory_limit, max_temp_size, spill)
        self._db_path: Path | None = None
        if self.backend == "duckdb" and (self.url.database or ":memory:") != ":memory:":
            self._db_path = Path(str(self.url.database))
        connect_args = self._connect_args()
        try:
            pooling, self._admission = pool_arguments(self.url, pool_size, queue_timeout_s)
            if self._db_path is not None:
                # Queries run in DuckDB's autocommit (fetch_duckdb) on a read-only file: nothing to
                # roll back when a connection goes back to the pool (the rollback cost ~0.5 ms a query).
                pooling["pool_reset_on_return"] = None
            self._engine = create_engine(self.url, connect_args=connect_args, **pooling)
        except (ImportError, SQLAlchemyError, ValueError) as exc:  # unknown dialect or its driver is missing
            raise ConfigError(f"Cannot connect to '{self.url.render_as_string(hide_password=True)}': {short(exc)}.",
                              suggestion="Supported here: DuckDB files, PostgreSQL (postgresql+psycopg://...) and "
                                         "MySQL/MariaDB (mysql+pymysql://..., pip install pymysql). "
                                         "Other databases need their SQLAlchemy driver installed.") from None
        limits = self.duckdb_limits
        if self._db_path is not None:
            path = str(self._db_path)
            event.listen(self._engine, "do_connect", lambda *_args: open_duckdb_read_only(path, limits))
        elif self.backend == "duckdb":  # in-memory (tests): cannot be read-only, but can be bounded and sealed
            event.listen(self._engine, "connect", lambda dbapi_conn, _rec: harden_duckdb(dbapi_conn, limits))
        elif self.backend in MYSQL_BACKENDS:
            event.listen(self._engine, "connect", lambda dbapi_conn, _rec: harden_mysql(dbapi_conn, timeout_s))

    @classmethod
    def from_settings(cls, settings: Settings, *, db: str | os.PathLike[str] | None = None) -> Executor:
        """The executor every surface uses: all the bounds of the settings (`db` overrides the database).
        A Spark address (spark+local://, spark://, sc://) gets the Spark executor."""
        target = settings.db_target() if db is None else db
        if is_spark_url(target):
            from assistant.sql.spark_executor import SparkExecutor  # pyspark only when Spark is asked for

            return SparkExecutor(target, timeout_s=settings.timeout_s, max_rows=settings.max_rows,
                                 max_result_bytes=settings.max_result_bytes, pool_size=settings.pool_size,
                                 queue_timeout_s=settings.queue_timeout_s)
        return cls(target, timeout_s=settings.timeout_s,
                   max_rows=settings.max_rows, max_result_bytes=settings.max_result_bytes,
                   memory_limit=settings.memory_limit, max_temp_size=settings.max_temp_size,
                   temp_dir=settings.temp_path(), pool_size=settings.pool_size,
                   queue_timeout_s=settings.queue_timeout_s)

    @classmethod
    def for_path(cls, path: str | os.PathLike[str], **kwargs: Any) -> Executor:
        """A read-only executor for a DuckDB file."""
        return cls(Path(path), **kwargs)  # a bare path becomes a read-only DuckDB URL

    # ------------------------------------------------------------------ public API
    def run(self, checked: CheckedSQL, *, max_rows: int | None = None) -> QueryResult:
        self._require_checked(checked)
        cap = min(self.max_rows if max_rows is None else max_rows, checked.limit)
        if cap < 1:
            raise ValueError("max_rows must be at least 1")
        start = time.perf_counter()
        # One row past the cap tells us whether the database had more (the guard's LIMIT
        # leaves room for that row when it imposed the limit).
        fetched = self._execute(checked.sql, fetch=FetchLimits(rows=cap, bytes=self.max_result_bytes),
                                redact=lambda: _author_text(checked))
        elapsed_ms = (time.perf_counter() - start) * 1000.0
        return QueryResult(columns=fetched.columns, rows=fetched.rows, truncated=fetched.cut is not None,
                           elapsed_ms=elapsed_ms, sql=checked.sql, truncated_reason=fetched.cut,
                           nbytes=fetched.nbytes)

    def scalar(self, checked: CheckedSQL) -> object:
        """The first column of the first row, or None when there is no row."""
        result = self.run(checked, max_rows=1)
        return result.rows[0][0] if result.rows and result.rows[0] else None

    def explain(self, checked: CheckedSQL) -> None:
        """Dry run: ask the database to plan the query without running it."""
        self._require_checked(checked)
        # EXPLAIN without ANALYZE plans only, in DuckDB and PostgreSQL alike.
        self._execute(f"EXPLAIN {checked.sql}", fetch=None, action="plan", redact=lambda: _author_text(checked))

    def dispose(self) -> None:
        self._engine.dispose()

    def data_identity(self) -> tuple[str, ...] | None:
        """What the data is, for caches of what was read from it: a DuckDB file's path, inode,
        size and modification time (and its write-ahead log's), which any write changes. None
        for servers (and Spark): their data changes without a sign we could see from here."""
        if self._db_path is None:
            return None
        parts: list[str] = []
        for path in (self._db_path, self._db_path.with_name(self._db_path.name + ".wal")):
            try:
                stat = path.stat()
            except FileNotFoundError:
                if path == self._db_path:
                    return None
                parts.append(f"{path}:-")  # no log: everything is in the file
                continue
            except OSError:
                return None
            parts.append(f"{path.resolve()}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}")
        return tuple(parts)

    # ------------------------------------------------------------------ internals
    def _connect_args(self) -> dict[str, Any]:
        if self._db_path is not None:
            return {"read_only": True}
        if self.backend == "postgresql":
            return {"connect_timeout": max(1, int(self.timeout_s)), "application_name": "factory-assistant",
                    "options": read_only_options(self.url)}
        if self.backend in MYSQL_BACKENDS:
            return mysql_connect_args(self.url, self.timeout_s)
        return {}

    def _require_checked(self, checked: object) -> None:
        # The type is the contract: SQL reaches the database only through Guard.check().
        if not isinstance(checked, CheckedSQL):
            raise TypeError(f"Executor needs a CheckedSQL from Guard.check(), not {type(checked).__name__}.")
        if checked.dialect != self.dialect:
            raise ValueError(
                f"The SQL was checked for {checked.dialect!r} but this database speaks {self.dialect!r}; "
                f"build the Guard with dialect={self.dialect!r}."
            )

    def _execute(self, sql: str, *, fetch: FetchLimits | None, action: str = "run",
                 redact: Redact = tuple) -> Fetched:
        if self._db_path is not None and not self._db_path.exists():
            raise DatabaseUnavailable(f"The database file {self._db_path} does not exist.", suggestion=DEMO_HINT)
        with self._slot(), self._connect() as conn:
            return self._execute_on(conn, sql, fetch, action, redact)

    def _slot(self) -> contextlib.AbstractContextManager[None]:
        return self._admission.slot() if self._admission is not None else contextlib.nullcontext()

    def _connect(self) -> Connection:
        try:
            return self._engine.connect()
        except PoolTimeout:  # every connection stayed busy for queue_timeout_s; nothing ran
            raise busy() from None
        except DBAPIError as err:
            raise unavailable(err, self._db_path) from None
        except SQLAlchemyError as err:
            raise DatabaseUnavailable(f"Could not open the database: {short(err)}") from None

    def _execute_on(self, conn: Connection, sql: str, fetch: FetchLimits | None, action: str,
                    redact: Redact) -> Fetched:
        raw = conn.connection.driver_connection
        if self.backend == "duckdb":
            deadline = Deadline(raw, "interrupt", self.timeout_s)
        else:  # the server enforces statement_timeout per statement; the timer bounds the whole fetch
            deadline = Deadline(raw, "cancel_safe" if hasattr(raw, "cancel_safe") else "cancel", self.timeout_s)
        try:
            with deadline:
                self._begin_read_only(conn)
                fetched = self._fetch(conn, raw, sql, fetch, deadline)
        except DBAPIError as err:
            _release(conn, deadline)
            raise self._translate(err, timed_out=deadline.fired, action=action, redact=redact()) from None
        except DeadlineExpired:
            conn.invalidate()  # the statement may still be running on it
            raise timeout_error(self.timeout_s) from None
        except BaseException:
            _release(conn, deadline)
            raise
        _release(conn, deadline)  # end the read-only transaction; nothing was written
        return fetched

    def _fetch(self, conn: Connection, raw: Any, sql: str, fetch: FetchLimits | None,
               deadline: Deadline) -> Fetched:
        if self.backend == "postgresql":
            if fetch is None:
                run_prepared(conn, raw, sql)
                return Fetched([], [])
            with pg_cursor(conn, raw, sql) as (columns, fetchmany):
                rows, cut, nbytes = fetch_bounded(fetchmany, fetch, deadline)
            return Fetched(columns, rows, cut, nbytes)
        if self.backend == "duckdb":
            return fetch_duckdb(raw, sql, fetch, deadline)
        result = conn.exec_driver_sql(sql, execution_options=_NO_PARAMS)
        with _closing(result):
            # Result.keys() names the columns (iterating the Result itself would fetch rows).
            columns = list(map(str, result.keys())) if result.returns_rows else []
            if fetch is None or not result.returns_rows:
                return Fetched(columns, [])
            rows, cut, nbytes = fetch_bounded(result.fetchmany, fetch, deadline)
        return Fetched(columns, rows, cut, nbytes)

    def _begin_read_only(self, conn: Connection) -> None:
        if self.backend == "postgresql":
            # Per transaction rather than per session so it also works behind a pooler.
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            # One round trip for both. Results are read through a cursor: plan for all of its rows,
            # as for a plain query, not for the first 10% (cursor_tuple_fraction's default).
            timeout_ms = max(1, int(self.timeout_s * 1000))
            conn.exec_driver_sql(f"SELECT set_config('statement_timeout', '{timeout_ms}', true), "
                                 "set_config('cursor_tuple_fraction', '1', true)")
        elif self.backend in MYSQL_BACKENDS:
            # The session is read-only already (harden_mysql): again, in case a statement switched it back.
            conn.exec_driver_sql(MYSQL_READ_ONLY)

    def _translate(self, err: DBAPIError, *, timed_out: bool, action: str = "run",
                   redact: tuple[str, ...] = ()) -> ExecutionError:
        limits = self.duckdb_limits
        room = f" ({limits.memory_limit} of memory, {limits.max_temp_size} of disk)" if self.backend == "duckdb" else ""
        return translate(err, timed_out=timed_out, timeout_s=self.timeout_s, action=action, redact=redact,
                         room=room, db_path=self._db_path)


# ---------------------------------------------------------------------- helpers
def sqlglot_dialect(url: str | os.PathLike[str] | URL) -> str:
    """The sqlglot dialect for a database URL (or a bare DuckDB path), without connecting."""
    backend = (url if isinstance(url, URL) else _to_url(url)).get_backend_name()
    return _SQLGLOT_DIALECTS.get(backend, backend)


def _to_url(url: str | os.PathLike[str]) -> URL:
    text = os.fspath(url)
    if "://" not in text:  # a bare filesystem path means a DuckDB file
        return URL.create("duckdb", database=text)
    return make_url(text)


def _author_text(checked: CheckedSQL) -> tuple[str, ...]:
    """The SQL's text values, longest first: the words of whoever wrote the SQL."""
    values = {lit.this for lit in checked.tree.find_all(exp.Literal) if lit.is_string and len(lit.this) >= _QUOTABLE}
    return tuple(sorted(values, key=len, reverse=True))


def _rollback_quietly(conn: Connection) -> None:
    # After an error DuckDB/PostgreSQL refuse further statements until a rollback.
    try:
        conn.rollback()
    except SQLAlchemyError:
        conn.invalidate()


def _release(conn: Connection, deadline: Deadline) -> None:
    if deadline.fired:
        conn.invalidate()  # an interrupted connection is not trusted again
    else:
        _rollback_quietly(conn)


@contextlib.contextmanager
def _closing(result: Any) -> Iterator[None]:
    # A streamed DuckDB result left open keeps computing rows nobody will read.
    try:
        yield
    finally:
        with contextlib.suppress(SQLAlchemyError):
            result.close()
