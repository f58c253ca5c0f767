"""How the database is kept read-only at the driver, whatever SQL reaches it.

The guard (assistant.sql.guard) is the first wall; this is the second, for SQL that never met
the guard: DuckDB files are opened `read_only` and sealed from files and the network, and the
driver accepts one SELECT and nothing else; PostgreSQL sessions start with
`default_transaction_read_only=on` and statements go through the extended protocol, which
takes exactly one statement (a result is read through a server-side cursor, whose DECLARE also
takes exactly one SELECT). MySQL and MariaDB sessions are set `READ ONLY` when they start and
again before every query (a write or DDL fails with error 1792), and the connection runs one
statement per call (the multi-statement flag stays off, PyMySQL's default). tests/test_readonly_driver.py
and tests/test_connect_mysql.py bypass the guard to prove it.

DuckDB is also bounded here (tests/test_executor_bounds.py): `memory_limit`, and a spill folder
of its own (`temp_directory`, by default <cache_dir>/spill rather than next to the database)
capped by `max_temp_directory_size`, so a query that needs more fails with a message instead of
filling the disk. These are settings of the database instance, which every connection to the
same file in this process shares: the last executor to connect sets them.

Deploying on PostgreSQL: connect as a role that can only read, so that not even a session that
turned read-only off could write:

    CREATE ROLE fa_reader LOGIN PASSWORD '...';
    ALTER ROLE fa_reader SET default_transaction_read_only = on;  -- also behind a pooler
    GRANT CONNECT ON DATABASE factory TO fa_reader;
    GRANT USAGE ON SCHEMA public TO fa_reader;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO fa_reader;   -- or only the layer's tables
    ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO fa_reader;

and use `postgresql+psycopg://fa_reader:...@host:5432/factory` as `FA_DB`. Behind PgBouncer,
add `options` to its `ignore_startup_parameters` (the role setting above still applies).
Bound its spill to disk as a superuser (a reader cannot set it itself):

    ALTER ROLE fa_reader SET temp_file_limit = '2GB';

On MySQL or MariaDB, likewise a SELECT-only account (no FILE privilege, so no INTO OUTFILE even
if a query got past the guard), with `mysql+pymysql://fa_reader:...@host:3306/factory` as `FA_DB`:

    CREATE USER 'fa_reader'@'%' IDENTIFIED BY '...';
    GRANT SELECT ON factory.* TO 'fa_reader'@'%';
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import duckdb

from assistant.core.errors import ConfigError, ExecutionError
from assistant.core.settings import Settings
from assistant.sql.bounds import Deadline, Fetched, FetchLimits, fetch_bounded

if TYPE_CHECKING:  # SQLAlchemy only for servers: a DuckDB file's answer path never imports it (~0.2 s)
    from sqlalchemy.engine import URL, Connection
    from sqlalchemy.exc import DBAPIError

__all__ = ["MYSQL_BACKENDS", "MYSQL_READ_ONLY", "SEAL_DUCKDB", "DuckDBLimits", "harden_duckdb",
           "harden_mysql", "mysql_connect_args", "open_duckdb_read_only", "pg_cursor", "read_only_options",
           "require_one_query", "run_prepared"]

SEAL_DUCKDB = "SET enable_external_access = false"
_SIZE = re.compile(r"\s*\d+(\.\d+)?\s*(bytes|b|kb|mb|gb|tb|kib|mib|gib|tib)\s*", re.IGNORECASE)
# Connections of one file share their settings; two opening at once must not both try to move
# the spill folder, because the second would meet the first one's seal.
_HARDEN_LOCK = threading.Lock()
_PG_CURSOR = "fa_result"
MYSQL_BACKENDS = ("mysql", "mariadb")
# Sent when a session starts and again before each query: a statement that switched the session back
# to READ WRITE cannot open the way for the next one (DDL commits first and starts a transaction of
# the session's kind, so a per-transaction READ ONLY alone would not stop it).
MYSQL_READ_ONLY = "SET SESSION TRANSACTION READ ONLY"
_MYSQL_TIMEOUT_DRIVERS = {"pymysql", "mysqldb"}  # drivers that take `connect_timeout` (seconds)


@dataclass(frozen=True)
class DuckDBLimits:
    """A single question must not take the machine: bounded memory, spill and threads."""

    memory_limit: str
    max_temp_size: str
    temp_dir: Path
    threads: int = 2

    def __post_init__(self) -> None:
        for name in ("memory_limit", "max_temp_size"):
            value = getattr(self, name)
            if not _SIZE.fullmatch(value):
                raise ConfigError(f"Setting '{name}' has an invalid value '{value}'.",
                                  suggestion="Give a size with its unit, for example 2GB or 500MB.")

    @classmethod
    def defaults(cls) -> DuckDBLimits:
        settings = Settings()  # the declared defaults, not the environment: Executor.from_settings reads that
        return cls(settings.memory_limit, settings.max_temp_size, settings.temp_path())


def open_duckdb_read_only(path: str, limits: DuckDBLimits | None = None) -> duckdb.DuckDBPyConnection:
    """Open DuckDB exactly as `duckdb.connect(path, read_only=True)` would, then harden it.

    DuckDB shares one database instance per file inside a process and refuses a second open
    with *different* settings. duckdb-engine's own connect adds a user-agent setting, and
    passing the limits as `config=` would too; either would lock out other read-only readers
    in the same process (the evaluation harness), so the connection is opened plainly and
    hardened afterwards with SET, which a read-only connection accepts.
    """
    with _HARDEN_LOCK:
        raw = duckdb.connect(path, read_only=True)
        try:
            harden_duckdb(raw, limits or DuckDBLimits.defaults())
        except BaseException:
            raw.close()
            raise
    return raw


def harden_duckdb(raw: Any, limits: DuckDBLimits) -> None:
    """Limits, then the seal. `enable_external_access=false` blocks files, URLs, ATTACH, COPY and
    extension loading, and cannot be switched back on; it also freezes `temp_directory`, so that
    is set only when it differs (another connection of this file may have sealed it already)."""
    try:
        limits.temp_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # DuckDB makes only the last level
    except OSError as exc:
        raise ConfigError(f"Cannot create the spill folder {limits.temp_dir}: {exc.strerror}.",
                          suggestion="Set temp_dir (FA_TEMP_DIR) to a folder this program can write.") from None
    raw.execute(f"SET memory_limit = {_quote(limits.memory_limit)}")
    raw.execute(f"SET threads = {int(limits.threads)}")
    current = raw.execute("SELECT current_setting('temp_directory')").fetchone()
    if current is None or current[0] != str(limits.temp_dir):
        raw.execute(f"SET temp_directory = {_quote(str(limits.temp_dir))}")
    raw.execute(f"SET max_temp_directory_size = {_quote(limits.max_temp_size)}")
    raw.execute(SEAL_DUCKDB)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# Texts DuckDB's own parser found to be one query. The same text always parses the same way, and
# extract_statements cost ~1 ms per why-question statement on every repeat.
_ONE_QUERY: OrderedDict[str, None] = OrderedDict()
_ONE_QUERY_SIZE = 1024
_ONE_QUERY_LOCK = threading.Lock()


def require_one_query(raw: Any, sql: str) -> None:
    """DuckDB runs every statement of a script; the driver itself refuses anything but one query.
    A text DuckDB cannot parse raises its duckdb.Error, as running it would."""
    with _ONE_QUERY_LOCK:
        if sql in _ONE_QUERY:
            _ONE_QUERY.move_to_end(sql)
            return
    statements = raw.extract_statements(sql)
    kinds = [s.type for s in statements]
    if kinds not in ([duckdb.StatementType.SELECT], [duckdb.StatementType.EXPLAIN]):
        raise ExecutionError("The database runs only a single read-only query.",
                             suggestion="Ask for data with one SELECT query.")
    with _ONE_QUERY_LOCK:
        _ONE_QUERY[sql] = None
        if len(_ONE_QUERY) > _ONE_QUERY_SIZE:
            _ONE_QUERY.popitem(last=False)


# DuckDB column types whose values hold other values (INTEGER[], STRUCT(...), MAP(...), UNION(...)):
# their rows are sized item by item (bounds.value_bytes).
_NESTED = re.compile(r"\[|\b(?:STRUCT|MAP|UNION|LIST|ARRAY)\b", re.I)
# DuckDB column types whose values `bounds.plain` changes (DECIMAL comes as Decimal); every other
# scalar type comes as the plain Python value it is kept as.
_CONVERTED = re.compile(r"\b(?:DECIMAL|NUMERIC)\b", re.I)


def fetch_duckdb(raw: Any, sql: str, fetch: FetchLimits | None, deadline: Deadline) -> Fetched:
    """One query on the driver's own connection, in DuckDB's autocommit (one transaction per
    statement). Through SQLAlchemy every query was wrapped in BEGIN ... ROLLBACK plus a second
    rollback when the connection went back to the pool: 3-4 ms a statement, more than a small
    query's own time. A read-only query has nothing to roll back, and `require_one_query` lets
    nothing else through. Database errors are DuckDB's own (duckdb.Error), for the caller to word."""
    require_one_query(raw, sql)
    raw.execute(sql)
    description = raw.description
    columns = [str(d[0]) for d in description] if description else []
    if fetch is None or description is None:
        return Fetched(columns, [])
    types = [str(d[1]) for d in description]
    flat = not any(_NESTED.search(t) for t in types)
    as_given = not any(_CONVERTED.search(t) for t in types)
    rows, cut, nbytes = fetch_bounded(raw.fetchmany, fetch, deadline, flat=flat, plain_values=as_given)
    return Fetched(columns, rows, cut, nbytes)


def run_prepared(conn: Connection, raw: Any, sql: str) -> None:
    """Run a statement that returns nothing to keep (EXPLAIN) on PostgreSQL through the extended
    protocol (a prepared statement), which accepts exactly one statement: no
    'COMMIT; SET ...; INSERT' script can follow the query."""
    import psycopg

    try:
        with raw.cursor() as cur:
            cur.execute(sql, prepare=True)
    except psycopg.Error as orig:
        raise _dbapi_error(conn, raw, sql, orig) from None


@contextmanager
def pg_cursor(conn: Connection, raw: Any, sql: str) -> Iterator[tuple[list[str], Callable[[int], Sequence[Any]]]]:
    """(columns, fetchmany) over a server-side cursor on PostgreSQL.

    A plain cursor receives the whole result into this process before the first row can be
    measured; a cursor on the server hands over as many rows as asked (FETCH n), so the byte cap
    is checked batch by batch. DECLARE goes through the extended protocol and takes a single
    SELECT, so this is no wider than `run_prepared`. Must run inside the read-only transaction.
    """
    import psycopg

    try:
        with raw.cursor(name=_PG_CURSOR) as cur:
            cur.execute(sql)
            columns = [d.name for d in cur.description] if cur.description else []
            yield columns, cur.fetchmany
    except psycopg.Error as orig:
        raise _dbapi_error(conn, raw, sql, orig) from None


def _dbapi_error(conn: Connection, raw: Any, sql: str, orig: Exception) -> DBAPIError:
    import psycopg
    from sqlalchemy.exc import DBAPIError

    lost = conn.dialect.is_disconnect(cast(Any, orig), raw, None)
    # instance() wraps a driver error (always one here) as a DBAPIError subclass.
    return cast(DBAPIError, DBAPIError.instance(sql, None, orig, psycopg.Error, connection_invalidated=lost))


def read_only_options(url: URL) -> str:
    """libpq startup options: every transaction of the session is read-only unless it says
    otherwise (the guard never lets it), kept next to options the URL already carries."""
    given = url.query.get("options", "")
    given = given if isinstance(given, str) else " ".join(given)
    return f"{given} -c default_transaction_read_only=on".strip()


def mysql_connect_args(url: URL, timeout_s: float) -> dict[str, Any]:
    """Connect arguments for MySQL/MariaDB: a bounded wait for the server where the driver has one,
    and one statement per call (mysqlclient turns the multi-statement flag on unless told not to)."""
    driver = url.get_driver_name()
    args: dict[str, Any] = {"connect_timeout": max(1, int(timeout_s))} if driver in _MYSQL_TIMEOUT_DRIVERS else {}
    if driver == "mysqldb":
        args["multi_statements"] = False
    return args


def harden_mysql(dbapi_conn: Any, timeout_s: float) -> None:
    """A new MySQL/MariaDB session: every transaction read-only, and the server stops a statement
    after `timeout_s` (MariaDB `max_statement_time`, seconds; MySQL `max_execution_time`,
    milliseconds, which bounds SELECTs) since the drivers have no `cancel()` for the timer."""
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(MYSQL_READ_ONLY)
        cursor.execute("SELECT VERSION()")
        row = cursor.fetchone()
        if timeout_s > 0:
            if row and "mariadb" in str(row[0]).lower():
                cursor.execute(f"SET SESSION max_statement_time = {float(timeout_s):.3f}")
            else:
                cursor.execute(f"SET SESSION max_execution_time = {max(1, int(timeout_s * 1000))}")
    finally:
        cursor.close()
