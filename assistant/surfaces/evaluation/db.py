"""Read-only access to the evaluation database for gold SQL and equivalence tables.

The harness must never be able to change the database it grades against, so it opens
DuckDB with `read_only=True`. One DuckDB process cannot hold the same file open twice
with different settings, so when the system under test already opened it read-write in
this process we fall back to a plain connection and wrap every statement in a
transaction that is always rolled back (writes are then undone, never committed).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import duckdb

from assistant.core.errors import DatabaseUnavailable, ExecutionError


class GoldConnection:
    """A connection that can only read: either read-only, or rolled back after each query."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise DatabaseUnavailable(
                f"The evaluation database '{self.path}' does not exist.",
                suggestion="Generate it first (factory-assistant demo --end-date 2025-12-31 --days 730).",
            )
        self._rollback_each = False
        try:
            self._con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.ConnectionException as exc:
            if "different configuration" not in str(exc):
                raise DatabaseUnavailable(f"Could not open '{self.path}' read-only: {exc}") from exc
            # Same process already holds the file read-write: share that instance and
            # make every statement a transaction that we roll back.
            self._con = duckdb.connect(str(self.path))
            self._rollback_each = True
        except duckdb.Error as exc:
            raise DatabaseUnavailable(f"Could not open '{self.path}' read-only: {exc}") from exc

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one statement; return (column names, rows). Raises ExecutionError."""
        try:
            if self._rollback_each:
                self._con.execute("BEGIN TRANSACTION")
            try:
                cursor = self._con.execute(sql)
                columns = [d[0] for d in cursor.description or []]
                rows = cursor.fetchall() if columns else []
            finally:
                if self._rollback_each:
                    self._con.execute("ROLLBACK")
        except duckdb.Error as exc:
            # A failed statement leaves the connection in an aborted state; roll back so
            # the next gold query starts clean.
            with contextlib.suppress(duckdb.Error):
                self._con.execute("ROLLBACK")
            raise ExecutionError(" ".join(str(exc).split()) or repr(exc)) from exc
        return columns, [tuple(r) for r in rows]

    def table_exists(self, table: str) -> bool:
        row = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE lower(table_name) = lower(?)", [table]
        ).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> GoldConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB (group tables and columns come from config files)."""
    return '"' + name.replace('"', '""') + '"'
