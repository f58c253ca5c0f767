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

Two transports under one Executor: a DuckDB file runs on the duckdb driver alone
(assistant.sql.duckdb_files), so answering from one never imports SQLAlchemy (~0.2 s of a CLI
cold start); servers and in-memory DuckDB go through SQLAlchemy (assistant.sql.engine_transport).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlglot import exp

from assistant.core.settings import DEFAULTS, Settings
from assistant.sql.bounds import Cut, Fetched, FetchLimits, human_bytes
from assistant.sql.duckdb_files import DuckDBFiles, duckdb_file
from assistant.sql.guard import CheckedSQL
from assistant.sql.readonly import DuckDBLimits
from assistant.sql.spark_target import is_spark_url

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

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
# Shorter text values are codes and words ('SZ', 'open') that also occur in ordinary messages.
_QUOTABLE = 8


class Transport(Protocol):
    """How statements reach the database: DuckDBFiles or engine_transport.EngineTransport."""

    def execute(self, sql: str, fetch: FetchLimits | None, *, action: str, redact: Redact, room: str) -> Fetched: ...

    def dispose(self) -> None: ...

    def prewarm(self) -> None: ...


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
    """Runs CheckedSQL on one database. At most `pool_size` connections; one per call.

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
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.max_result_bytes = max_result_bytes
        # Without a folder of its own DuckDB spills next to the database file.
        spill = Path(temp_dir if temp_dir is not None else Settings().temp_path()).expanduser().absolute()
        self.duckdb_limits = DuckDBLimits(memory_limit, max_temp_size, spill)
        text = os.fspath(url)
        self._url: URL | None = None  # built on first read for a DuckDB file (SQLAlchemy's type)
        file = duckdb_file(text)
        if file is None:  # anything but a plain DuckDB file address: SQLAlchemy reads it
            from assistant.sql.engine_transport import parse_url

            self._url = parse_url(text)
            backend = self._url.get_backend_name()
            if backend == "duckdb" and (self._url.database or ":memory:") != ":memory:":
                file = str(self._url.database)  # another spelling of a file (duckdb://host/x.db): read-only too
        self._db_path: Path | None = Path(file) if file is not None else None
        self._transport: Transport
        if self._db_path is not None:
            self.backend = "duckdb"
            self._transport = DuckDBFiles(self._db_path, self.duckdb_limits, timeout_s=timeout_s,
                                          pool_size=pool_size, queue_timeout_s=queue_timeout_s)
        else:
            from assistant.sql.engine_transport import EngineTransport

            assert self._url is not None  # parsed above: no file means a URL
            self.backend = backend
            self._transport = EngineTransport(self._url, timeout_s=timeout_s, limits=self.duckdb_limits,
                                              pool_size=pool_size, queue_timeout_s=queue_timeout_s)
        self.dialect: str = _SQLGLOT_DIALECTS.get(self.backend, self.backend)

    @property
    def url(self) -> URL:
        """The database's address (a DuckDB file as duckdb:///path), for naming it."""
        if self._url is None:
            from sqlalchemy.engine import URL  # only a caller naming a file's database pays for it

            self._url = URL.create("duckdb", database=str(self._db_path))
        return self._url

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
        cap = self._row_cap(checked, max_rows)
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
        self._transport.dispose()

    def prewarm(self) -> None:
        """Start connecting in the background, for a caller that will query soon (the CLI):
        a DuckDB file opens while the caller goes on importing and planning."""
        self._transport.prewarm()

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
    def _row_cap(self, checked: CheckedSQL, max_rows: int | None) -> int:
        """The rows a run may return: the caller's cap (else the executor's), never past the
        guard's LIMIT. Checks that the SQL passed the guard first."""
        self._require_checked(checked)
        cap = min(self.max_rows if max_rows is None else max_rows, checked.limit)
        if cap < 1:
            raise ValueError("max_rows must be at least 1")
        return cap

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
        limits = self.duckdb_limits
        room = f" ({limits.memory_limit} of memory, {limits.max_temp_size} of disk)" if self.backend == "duckdb" else ""
        return self._transport.execute(sql, fetch, action=action, redact=redact, room=room)


# ---------------------------------------------------------------------- helpers
def sqlglot_dialect(url: str | os.PathLike[str] | URL) -> str:
    """The sqlglot dialect for a database URL (or a bare DuckDB path), without connecting."""
    if isinstance(url, str | os.PathLike) and duckdb_file(os.fspath(url)) is not None:
        return "duckdb"  # no SQLAlchemy for a file
    if isinstance(url, str | os.PathLike):
        from assistant.sql.engine_transport import parse_url

        url = parse_url(os.fspath(url))
    backend = url.get_backend_name()
    return _SQLGLOT_DIALECTS.get(backend, backend)


def _author_text(checked: CheckedSQL) -> tuple[str, ...]:
    """The SQL's text values, longest first: the words of whoever wrote the SQL."""
    values = {lit.this for lit in checked.tree.find_all(exp.Literal) if lit.is_string and len(lit.this) >= _QUOTABLE}
    return tuple(sorted(values, key=len, reverse=True))
