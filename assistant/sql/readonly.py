"""How the database is kept read-only at the driver, whatever SQL reaches it.

The guard (assistant.sql.guard) is the first wall; this is the second, for SQL that never met
the guard: DuckDB files are opened `read_only` and sealed from files and the network, and the
driver accepts one SELECT and nothing else; PostgreSQL sessions start with
`default_transaction_read_only=on` and statements go through the extended protocol, which
takes exactly one statement. tests/test_readonly_driver.py bypasses the guard to prove it.

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
"""

from __future__ import annotations

from typing import Any, cast

import duckdb
from duckdb_engine import ConnectionWrapper
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError

from assistant.core.errors import ExecutionError

__all__ = ["SEAL_DUCKDB", "open_duckdb_read_only", "read_only_options", "require_one_query", "run_prepared"]

SEAL_DUCKDB = "SET enable_external_access = false"
# A single question must not take the machine: bounded memory (spills or fails cleanly) and threads.
_LIMIT_DUCKDB = ("SET memory_limit = '4GB'", "SET threads = 2")


def open_duckdb_read_only(path: str) -> Any:
    """Open DuckDB exactly as `duckdb.connect(path, read_only=True)` would.

    DuckDB shares one database instance per file inside a process and refuses a second open
    with *different* settings. duckdb-engine's own connect adds a user-agent setting, which
    would lock out other read-only readers in the same process (the evaluation harness), so
    the connection is opened plainly and hardened afterwards. `enable_external_access=false`
    blocks files, URLs, ATTACH, COPY and extension loading, and cannot be switched back on.
    """
    raw = duckdb.connect(path, read_only=True)
    try:
        for statement in _LIMIT_DUCKDB:
            raw.execute(statement)
        raw.execute(SEAL_DUCKDB)
    except duckdb.Error:
        raw.close()
        raise
    return ConnectionWrapper(raw)


def require_one_query(raw: Any, sql: str) -> None:
    """DuckDB runs every statement of a script; the driver itself refuses anything but one query."""
    try:
        statements = raw.extract_statements(sql)
    except duckdb.Error as orig:
        raise DBAPIError.instance(sql, None, orig, duckdb.Error) from None
    kinds = [s.type for s in statements]
    if kinds not in ([duckdb.StatementType.SELECT], [duckdb.StatementType.EXPLAIN]):
        raise ExecutionError("The database runs only a single read-only query.",
                             suggestion="Ask for data with one SELECT query.")


def run_prepared(conn: Connection, raw: Any, sql: str, fetch: int | None) -> tuple[list[str], list[Any]]:
    """Run on PostgreSQL through the extended protocol (a prepared statement), which accepts
    exactly one statement: no 'COMMIT; SET ...; INSERT' script can follow the query."""
    import psycopg

    try:
        with raw.cursor() as cur:
            cur.execute(sql, prepare=True)
            columns = [d.name for d in cur.description] if cur.description else []
            rows = cur.fetchmany(fetch) if fetch is not None else cur.fetchall()
    except psycopg.Error as orig:
        lost = conn.dialect.is_disconnect(cast(Any, orig), raw, None)
        raise DBAPIError.instance(sql, None, orig, psycopg.Error, connection_invalidated=lost) from None
    return columns, rows


def read_only_options(url: URL) -> str:
    """libpq startup options: every transaction of the session is read-only unless it says
    otherwise (the guard never lets it), kept next to options the URL already carries."""
    given = url.query.get("options", "")
    given = given if isinstance(given, str) else " ".join(given)
    return f"{given} -c default_transaction_read_only=on".strip()
