"""Read-only access to the evaluation database for gold SQL and equivalence tables.

The harness must never be able to change the database it grades against, and it must grade
on any database the assistant runs on. So it opens the database exactly as the product does,
through the read-only `Executor` (assistant/sql/executor.py, assistant/sql/readonly.py): a
DuckDB file opened `read_only` and sealed, a PostgreSQL session whose every transaction is
`READ ONLY`, any other SQLAlchemy URL through the same code, with the same time limit and
error messages.

Gold SQL does not go through the layer's guard: it is written by whoever owns the question
file, is graded as written, and may read tables and columns the layer does not expose. It
must still be one read-only query (checked here with sqlglot), and the driver refuses
anything else on its own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from assistant.core.errors import DatabaseUnavailable, ExecutionError
from assistant.core.settings import Settings
from assistant.sql.executor import Executor
from assistant.sql.guard import CheckedSQL
from assistant.sql.guard.nodes import forbidden_label

# Rows a gold query may return. The assistant's answers are capped much lower (max_rows), so a
# gold result past this is a question nobody can answer right: reported, not silently cut.
GOLD_MAX_ROWS = 100_000
EVAL_DB_HINT = (
    "Generate the evaluation database first (factory-assistant demo-data --out PATH "
    "--end-date 2025-12-31 --days 730), or pass --db with a DuckDB file or a database URL."
)


class GoldConnection:
    """Runs gold SQL on one database, read-only; use as a context manager."""

    def __init__(self, db: str | os.PathLike[str], *, settings: Settings | None = None) -> None:
        # The settings of the system under test: DuckDB shares one instance per file in a
        # process, so both must open it with the same spill folder and limits.
        executor = Executor.from_settings(settings, db=db) if settings is not None else Executor(db)
        self._executor = executor
        self.dialect: str = executor.dialect
        self.name = database_label(executor)
        file = executor.url.database if executor.backend == "duckdb" else None
        if file not in (None, "", ":memory:") and not Path(str(file)).exists():
            executor.dispose()
            raise DatabaseUnavailable(f"The evaluation database '{self.name}' does not exist.", suggestion=EVAL_DB_HINT)
        try:  # fail here, naming the database, rather than on the first gold query
            self.query("SELECT 1 AS ok")
        except DatabaseUnavailable as exc:
            executor.dispose()
            raise DatabaseUnavailable(
                f"Cannot open the evaluation database {self.name}: {exc.message}",
                suggestion=exc.suggestion or EVAL_DB_HINT,
            ) from None

    def query(self, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one read-only query; return (column names, rows). Raises ExecutionError."""
        tree = _one_query(sql, self.dialect)
        tables = frozenset(t.name.lower() for t in tree.find_all(exp.Table))
        # Built here rather than by Guard.check: the guard holds user SQL to the layer's tables
        # and rewrites it; gold SQL is graded exactly as written (see the module doc).
        checked = CheckedSQL(sql=sql, tree=tree, tables=tables, limit=GOLD_MAX_ROWS, dialect=self.dialect)
        result = self._executor.run(checked, max_rows=GOLD_MAX_ROWS)
        if result.truncated:
            raise ExecutionError(
                f"the gold result has more than {len(result.rows)} rows: no answer can match it.",
                suggestion="Ask for fewer rows (a filter, a coarser grain, a top N).",
            )
        return result.columns, [tuple(r) for r in result.rows]

    def columns(self, table: str) -> list[str] | None:
        """The columns of `table`, or None when it cannot be read (missing, no permission)."""
        sql = exp.select("*").from_(exp.Table(this=exp.to_identifier(table))).limit(0).sql(dialect=self.dialect)
        try:
            names, _ = self.query(sql)
        except ExecutionError:
            return None
        return names

    def close(self) -> None:
        self._executor.dispose()

    def __enter__(self) -> GoldConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def database_label(executor: Executor) -> str:
    """How to name the database to a person: a DuckDB file by its path, a URL without its password."""
    if executor.backend == "duckdb" and executor.url.database not in (None, "", ":memory:"):
        return str(executor.url.database)
    return executor.url.render_as_string(hide_password=True)


def _one_query(sql: str, dialect: str) -> exp.Query:
    """The parsed statement when `sql` is exactly one query that reads; ExecutionError otherwise."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None and not isinstance(s, exp.Semicolon)]
    except SqlglotError as exc:
        raise ExecutionError(
            f"could not read the gold SQL as {dialect} SQL: {str(exc).splitlines()[0]}",
            suggestion="Fix gold_sql in the question file, or declare its gold_dialect.",
        ) from None
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise ExecutionError(
            "gold SQL must be exactly one SELECT query.", suggestion="Fix gold_sql in the question file."
        )
    tree = statements[0]
    for node in tree.walk():
        label = forbidden_label(node)
        if label is not None:
            raise ExecutionError(
                f"gold SQL must only read, and this one contains {label}.",
                suggestion="Fix gold_sql in the question file.",
            )
    return tree


def identifier(name: str, dialect: str) -> str:
    """A table or column name from a config file, quoted for `dialect` where it needs quotes."""
    return exp.to_identifier(name).sql(dialect=dialect)
