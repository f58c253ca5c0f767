"""The executor's transport through SQLAlchemy: servers (PostgreSQL, MySQL/MariaDB, any installed
dialect) and in-memory DuckDB. DuckDB files run without it (assistant.sql.duckdb_files), so this
module and SQLAlchemy are imported only when such a database is asked for.

One pooled engine, one connection per call. PostgreSQL sessions start with
`default_transaction_read_only=on` and every transaction is `READ ONLY`, with a statement time
limit; MySQL/MariaDB sessions are `READ ONLY`, set again before every query, with a server-side
statement time limit; an in-memory DuckDB cannot be read-only but is bounded and sealed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import duckdb
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from assistant.core.errors import ConfigError, DatabaseUnavailable
from assistant.sql.bounds import Deadline, DeadlineExpired, Fetched, FetchLimits, fetch_bounded
from assistant.sql.db_errors import short, timeout_error, translate, unavailable
from assistant.sql.pool import busy, pool_arguments
from assistant.sql.readonly import (
    MYSQL_BACKENDS,
    MYSQL_READ_ONLY,
    DuckDBLimits,
    fetch_duckdb,
    harden_duckdb,
    harden_mysql,
    mysql_connect_args,
    pg_cursor,
    read_only_options,
    run_prepared,
)

__all__ = ["EngineTransport", "parse_url"]

_NO_PARAMS = {"no_parameters": True}  # a '%' or ':x' in the SQL must not be read as a parameter


def parse_url(text: str) -> URL:
    """A database URL (a bare ':memory:' is an in-memory DuckDB); ConfigError when it is not one."""
    if "://" not in text:  # bare paths that name a file never get here (duckdb_files.duckdb_file)
        return URL.create("duckdb", database=text)
    try:
        url = make_url(text)
        url.get_backend_name()
    except (ValueError, SQLAlchemyError) as exc:
        raise ConfigError(
            f"'{text}' is not a database address I can read ({short(exc)}).",
            suggestion="Use a DuckDB file path or a URL like postgresql+psycopg://user@host:5432/db.",
        ) from None
    return url


class EngineTransport:
    """Runs statements on one SQLAlchemy engine, read-only and within the time limit."""

    def __init__(self, url: URL, *, timeout_s: float, limits: DuckDBLimits, pool_size: int,
                 queue_timeout_s: float) -> None:
        self.url = url
        self.backend = url.get_backend_name()
        self.timeout_s = timeout_s
        try:
            pooling, self._admission = pool_arguments(url, pool_size, queue_timeout_s)
            self.engine = create_engine(url, connect_args=self._connect_args(), **pooling)
        except (ImportError, SQLAlchemyError, ValueError) as exc:  # unknown dialect or its driver is missing
            raise ConfigError(f"Cannot connect to '{url.render_as_string(hide_password=True)}': {short(exc)}.",
                              suggestion="Supported here: DuckDB files, PostgreSQL (postgresql+psycopg://...) and "
                                         "MySQL/MariaDB (mysql+pymysql://..., pip install pymysql). "
                                         "Other databases need their SQLAlchemy driver installed.") from None
        if self.backend == "duckdb":  # in-memory (tests): cannot be read-only, but can be bounded and sealed
            event.listen(self.engine, "connect", lambda dbapi_conn, _rec: harden_duckdb(dbapi_conn, limits))
        elif self.backend in MYSQL_BACKENDS:
            event.listen(self.engine, "connect", lambda dbapi_conn, _rec: harden_mysql(dbapi_conn, timeout_s))

    def execute(self, sql: str, fetch: FetchLimits | None, *, action: str, redact: Callable[[], tuple[str, ...]],
                room: str) -> Fetched:
        with self._slot(), self._connect() as conn:
            raw = conn.connection.driver_connection
            if self.backend == "duckdb":
                deadline = Deadline(raw, "interrupt", self.timeout_s)
            else:  # the server enforces statement_timeout per statement; the timer bounds the whole fetch
                deadline = Deadline(raw, "cancel_safe" if hasattr(raw, "cancel_safe") else "cancel", self.timeout_s)
            try:
                with deadline:
                    self._begin_read_only(conn)
                    fetched = self._fetch(conn, raw, sql, fetch, deadline)
            except (DBAPIError, duckdb.Error) as err:  # fetch_duckdb raises DuckDB's own errors
                _release(conn, deadline)
                orig = err.orig if isinstance(err, DBAPIError) and err.orig is not None else err
                lost = isinstance(err, DBAPIError) and err.connection_invalidated
                raise translate(orig, timed_out=deadline.fired, timeout_s=self.timeout_s, action=action,
                                redact=redact(), room=room, lost=lost) from None
            except DeadlineExpired:
                conn.invalidate()  # the statement may still be running on it
                raise timeout_error(self.timeout_s) from None
            except BaseException:
                _release(conn, deadline)
                raise
            _release(conn, deadline)  # end the read-only transaction; nothing was written
            return fetched

    def dispose(self) -> None:
        self.engine.dispose()

    def prewarm(self) -> None:
        """Nothing: a server's connection is opened by the first query (opening it early would hold
        a pooled connection, and a login, for a caller that may never ask)."""

    # ------------------------------------------------------------------ internals
    def _connect_args(self) -> dict[str, Any]:
        if self.backend == "postgresql":
            return {"connect_timeout": max(1, int(self.timeout_s)), "application_name": "factory-assistant",
                    "options": read_only_options(self.url)}
        if self.backend in MYSQL_BACKENDS:
            return mysql_connect_args(self.url, self.timeout_s)
        return {}

    def _slot(self) -> contextlib.AbstractContextManager[None]:
        return self._admission.slot() if self._admission is not None else contextlib.nullcontext()

    def _connect(self) -> Connection:
        try:
            return self.engine.connect()
        except PoolTimeout:  # every connection stayed busy for queue_timeout_s; nothing ran
            raise busy() from None
        except DBAPIError as err:
            raise unavailable(err.orig if err.orig is not None else err) from None
        except SQLAlchemyError as err:
            raise DatabaseUnavailable(f"Could not open the database: {short(err)}") from None

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

