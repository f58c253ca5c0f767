"""Runs SQL that passed the guard, read-only, with a time limit and a row cap.

Defence in depth: the guard refuses anything but a read-only query, and the executor still opens
the database so that a write *cannot* succeed, even for SQL that never met the guard (tests/
test_readonly_driver.py proves it): DuckDB files are opened `read_only` with no file/network
access; PostgreSQL sessions start with `default_transaction_read_only=on` (a libpq startup
option) and every transaction is `READ ONLY`. Errors come back as the exception tree of
`assistant.core.errors` with a short message a plant manager can read (no traceback, no SQL
echo, and no text value of the SQL: that would let whoever wrote the SQL speak to the user).

How a SELECT-only PostgreSQL role is set up for deployment: see `assistant.sql.readonly`.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlglot import exp

from assistant.core.errors import (
    ConfigError,
    DatabaseUnavailable,
    ExecutionError,
    QueryTimeout,
)
from assistant.sql.guard import CheckedSQL
from assistant.sql.readonly import (
    SEAL_DUCKDB,
    open_duckdb_read_only,
    read_only_options,
    require_one_query,
    run_prepared,
)

__all__ = ["Executor", "QueryResult", "sqlglot_dialect"]

# SQLAlchemy backend name -> sqlglot dialect name.
_SQLGLOT_DIALECTS: dict[str, str] = {
    "duckdb": "duckdb", "postgresql": "postgres", "postgres": "postgres", "mysql": "mysql",
    "mariadb": "mysql", "snowflake": "snowflake", "bigquery": "bigquery", "trino": "trino",
    "presto": "presto", "databricks": "databricks", "spark": "spark", "hive": "hive",
    "mssql": "tsql", "sqlite": "sqlite", "oracle": "oracle", "redshift": "redshift",
    "clickhouse": "clickhouse",
}
_NO_PARAMS = {"no_parameters": True}  # a '%' or ':x' in the SQL must not be read as a parameter
_SERVER_TIMEOUT_GRACE_S = 2.0  # client-side backstop after a server-side statement_timeout
# Shorter text values are codes and words ('SZ', 'open') that also occur in ordinary messages.
_QUOTABLE = 8
_DEMO_HINT = "Create the demo database with `factory-assistant demo-data`, or check the database path."


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[tuple[Any, ...]]  # at most max_rows
    truncated: bool  # True when the database had more than max_rows rows
    elapsed_ms: float
    sql: str


class _Deadline:
    """Interrupts a running statement from a timer thread.

    DuckDB has no statement timeout, so the timer calls the connection's `interrupt()`. The lock
    makes sure the interrupt only lands while our statement is running: an interrupt arriving
    on an idle connection could otherwise hit the next caller's query.
    """

    def __init__(self, target: Any, method: str, seconds: float) -> None:
        self._call = getattr(target, method, None)
        self._seconds = seconds
        self._lock = threading.Lock()
        self._done = False
        self.fired = False
        self._timer: threading.Timer | None = None

    def __enter__(self) -> _Deadline:
        if self._call is not None and self._seconds > 0:
            self._timer = threading.Timer(self._seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

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


class Executor:
    """Runs CheckedSQL on one database. One pooled engine; one connection per call.

    DuckDB and PostgreSQL are opened read-only with a statement time limit. Other SQLAlchemy
    backends work through the same code, but read-only then rests on the guard and on the
    database account's grants, and the time limit on the driver's `cancel()` if it has one.
    """

    def __init__(self, url: str | os.PathLike[str], *, timeout_s: float = 10.0, max_rows: int = 5000) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        try:
            self.url: URL = _to_url(url)
            self.backend = self.url.get_backend_name()
        except (ValueError, SQLAlchemyError) as exc:
            raise ConfigError(
                f"'{url}' is not a database address I can read ({_short(exc)}).",
                suggestion="Use a DuckDB file path or a URL like postgresql+psycopg://user@host:5432/db.",
            ) from None
        self.timeout_s = timeout_s
        self.max_rows = max_rows
        self.dialect: str = sqlglot_dialect(self.url)
        self._db_path: Path | None = None
        connect_args: dict[str, Any] = {}
        if self.backend == "duckdb":
            database = self.url.database or ":memory:"
            if database != ":memory:":
                self._db_path = Path(database)
                connect_args = {"read_only": True}
        elif self.backend == "postgresql":
            connect_args = {"connect_timeout": max(1, int(timeout_s)), "application_name": "factory-assistant",
                            "options": read_only_options(self.url)}
        try:
            self._engine = create_engine(self.url, connect_args=connect_args)
        except (ImportError, SQLAlchemyError, ValueError) as exc:  # unknown dialect or its driver is missing
            raise ConfigError(f"Cannot connect to '{self.url.render_as_string(hide_password=True)}': {_short(exc)}.",
                              suggestion="Supported here: DuckDB files and PostgreSQL (postgresql+psycopg://...). "
                                         "Other databases need their SQLAlchemy driver installed.") from None
        if self._db_path is not None:
            path = str(self._db_path)
            event.listen(self._engine, "do_connect", lambda *_args: open_duckdb_read_only(path))
        elif self.backend == "duckdb":  # in-memory (tests): cannot be read-only, but can be sealed
            event.listen(self._engine, "connect", lambda dbapi_conn, _rec: dbapi_conn.execute(SEAL_DUCKDB))

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
        columns, rows = self._execute(checked.sql, fetch=cap + 1, redact=_author_text(checked))
        elapsed_ms = (time.perf_counter() - start) * 1000.0
        return QueryResult(
            columns=columns,
            rows=[tuple(_plain(v) for v in row) for row in rows[:cap]],
            truncated=len(rows) > cap,
            elapsed_ms=elapsed_ms,
            sql=checked.sql,
        )

    def scalar(self, checked: CheckedSQL) -> object:
        """The first column of the first row, or None when there is no row."""
        result = self.run(checked, max_rows=1)
        return result.rows[0][0] if result.rows and result.rows[0] else None

    def explain(self, checked: CheckedSQL) -> None:
        """Dry run: ask the database to plan the query without running it."""
        self._require_checked(checked)
        # EXPLAIN without ANALYZE plans only, in DuckDB and PostgreSQL alike.
        self._execute(f"EXPLAIN {checked.sql}", fetch=None, action="plan", redact=_author_text(checked))

    def dispose(self) -> None:
        self._engine.dispose()

    # ------------------------------------------------------------------ internals
    def _require_checked(self, checked: object) -> None:
        # The type is the contract: SQL reaches the database only through Guard.check().
        if not isinstance(checked, CheckedSQL):
            raise TypeError(f"Executor needs a CheckedSQL from Guard.check(), not {type(checked).__name__}.")
        if checked.dialect != self.dialect:
            raise ValueError(
                f"The SQL was checked for {checked.dialect!r} but this database speaks {self.dialect!r}; "
                f"build the Guard with dialect={self.dialect!r}."
            )

    def _execute(self, sql: str, *, fetch: int | None, action: str = "run",
                 redact: tuple[str, ...] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        if self._db_path is not None and not self._db_path.exists():
            raise DatabaseUnavailable(f"The database file {self._db_path} does not exist.", suggestion=_DEMO_HINT)
        try:
            conn = self._engine.connect()
        except DBAPIError as err:
            raise self._unavailable(err) from None
        except SQLAlchemyError as err:
            raise DatabaseUnavailable(f"Could not open the database: {_short(err)}") from None
        with conn:
            return self._execute_on(conn, sql, fetch, action, redact)

    def _execute_on(
        self, conn: Connection, sql: str, fetch: int | None, action: str, redact: tuple[str, ...]
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        raw = conn.connection.driver_connection
        if self.backend == "duckdb":
            deadline = _Deadline(raw, "interrupt", self.timeout_s)
        else:  # the server enforces statement_timeout; cancel() is the backstop for a hung link
            deadline = _Deadline(raw, "cancel", self.timeout_s + _SERVER_TIMEOUT_GRACE_S)
        try:
            with deadline:
                self._begin_read_only(conn)
                rows: Sequence[Any]
                if self.backend == "postgresql":
                    columns, rows = run_prepared(conn, raw, sql, fetch)
                else:
                    if self.backend == "duckdb":
                        require_one_query(raw, sql)
                    result = conn.exec_driver_sql(sql, execution_options=_NO_PARAMS)
                    # Result.keys() names the columns (iterating the Result itself would fetch rows).
                    columns = list(map(str, result.keys())) if result.returns_rows else []
                    rows = result.fetchmany(fetch) if fetch is not None else result.fetchall()
                    result.close()
        except DBAPIError as err:
            _rollback_quietly(conn)
            if deadline.fired:
                conn.invalidate()  # an interrupted connection is not trusted again
            raise self._translate(err, timed_out=deadline.fired, action=action, redact=redact) from None
        if deadline.fired:
            conn.invalidate()
        else:
            _rollback_quietly(conn)  # end the read-only transaction; nothing was written
        return columns, [tuple(r) for r in rows]

    def _begin_read_only(self, conn: Connection) -> None:
        if self.backend == "postgresql":
            # Per transaction rather than per session so it also works behind a pooler.
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(self.timeout_s * 1000))}")

    def _translate(self, err: DBAPIError, *, timed_out: bool, action: str = "run",
                   redact: tuple[str, ...] = ()) -> ExecutionError:
        orig = err.orig if err.orig is not None else err
        if timed_out or _is_timeout(orig):
            return QueryTimeout(
                f"The query took longer than {self.timeout_s:g} seconds and was stopped.",
                suggestion="Ask about a shorter period or fewer details, or add filters.",
            )
        if err.connection_invalidated:
            return self._unavailable(err)
        return ExecutionError(
            f"The database could not {action} the query: {_redacted(_short(orig), redact)}",
            suggestion="Rephrase the question or check the SQL.",
        )

    def _unavailable(self, err: DBAPIError) -> DatabaseUnavailable:
        text = _short(err.orig if err.orig is not None else err)
        if "different configuration" in text:
            return DatabaseUnavailable(
                "The database file is already open with other settings in this program "
                "(probably for writing).",
                suggestion="Close that connection first, then ask again.",
            )
        if "lock" in text.lower():
            return DatabaseUnavailable(
                "The database file is being written by another program.",
                suggestion="Wait until it has finished (for example `factory-assistant demo-data`) and try again.",
            )
        if self._db_path is not None and "does not exist" in text:
            return DatabaseUnavailable(f"The database file {self._db_path} does not exist.", suggestion=_DEMO_HINT)
        return DatabaseUnavailable(
            f"Could not open the database: {text}",
            suggestion="Check that the database is running and that the connection settings are right.",
        )


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


def _redacted(message: str, values: tuple[str, ...]) -> str:
    # A database echoes values in its errors ("Could not convert string '...' to INT32").
    for value in values:
        message = message.replace(value, "...")
    return message


def _rollback_quietly(conn: Connection) -> None:
    # After an error DuckDB/PostgreSQL refuse further statements until a rollback.
    try:
        conn.rollback()
    except SQLAlchemyError:
        conn.invalidate()


def _is_timeout(orig: BaseException) -> bool:
    if type(orig).__name__ in {"InterruptException", "QueryCanceled"}:
        return True
    return getattr(orig, "sqlstate", None) == "57014"  # PostgreSQL query_canceled


def _short(err: BaseException, limit: int = 300) -> str:
    """The first meaningful lines of a driver message, without the SQL echo or caret lines."""
    kept: list[str] = []
    for line in str(err).splitlines():
        stripped = line.strip()
        if not stripped:
            if kept:
                break
            continue
        if stripped.startswith(("LINE ", "^", "[SQL:", "(Background on this error", "HINT:")):
            break
        kept.append(stripped)
    text = " ".join(kept) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, memoryview):
        return value.tobytes()
    return value
