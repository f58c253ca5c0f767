"""The SQL guard: every SQL string passes here before the executor may run it.

The guard works on the sqlglot syntax tree, never on the SQL text, and it hands back SQL that
it *regenerated from that tree*. What the database runs is therefore exactly what was checked:
a comment, an odd quote or a second statement cannot smuggle anything past it.

Checks, in order: size, parse (one statement), statement type (a read-only query), forbidden
nodes anywhere in the tree, table functions and functions that reach files / the network /
server state, physical tables against the semantic layer, columns against the semantic layer
(sqlglot's qualify), and finally the row limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlglot
from rapidfuzz import process
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import OptimizeError, ParseError, SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope
from sqlglot.schema import MappingSchema

from assistant.core.errors import GuardError

__all__ = ["CheckedSQL", "Guard"]


@dataclass(frozen=True)
class CheckedSQL:
    """A statement that passed the guard. Only the executor consumes it.

    `limit` is the most rows the caller will get. When the guard imposed or clamped the limit,
    the SQL asks the database for `limit + 1` rows: the extra row is how the executor can tell
    that the result was cut (QueryResult.truncated) without a second COUNT query.
    """

    sql: str
    tree: exp.Query
    tables: frozenset[str]
    limit: int
    dialect: str = "duckdb"


# Statement nodes that write, change settings, reach outside the database or are not a query.
# Looked up by name because the set of classes differs between sqlglot versions.
_FORBIDDEN_NODE_LABELS: dict[str, str] = {
    "Insert": "INSERT", "Update": "UPDATE", "Delete": "DELETE", "Drop": "DROP",
    "Create": "CREATE", "Alter": "ALTER", "Merge": "MERGE", "TruncateTable": "TRUNCATE",
    "Copy": "COPY", "Attach": "ATTACH", "Detach": "DETACH", "Pragma": "PRAGMA", "Set": "SET",
    "Use": "USE", "Transaction": "BEGIN TRANSACTION", "Commit": "COMMIT", "Rollback": "ROLLBACK",
    "Install": "INSTALL", "LoadData": "LOAD DATA", "Export": "EXPORT", "Grant": "GRANT",
    "Revoke": "REVOKE", "Analyze": "ANALYZE", "Describe": "DESCRIBE", "Show": "SHOW",
    "Summarize": "SUMMARIZE", "Kill": "KILL", "Refresh": "REFRESH", "Cache": "CACHE",
    "Uncache": "UNCACHE", "Declare": "DECLARE", "Execute": "EXECUTE", "Comment": "COMMENT ON",
    "LockingStatement": "LOCKING", "SwapTable": "SWAP", "MultitableInserts": "INSERT",
    "Into": "SELECT ... INTO (it creates a table)", "Lock": "FOR UPDATE / FOR SHARE (row locks)",
    # Anything sqlglot could not model (LOAD, CALL, VACUUM, EXPLAIN...) arrives as a Command.
    "Command": "",
}
_FORBIDDEN_NODES: tuple[tuple[type[exp.Expression], str], ...] = tuple(
    (getattr(exp, name), label) for name, label in _FORBIDDEN_NODE_LABELS.items() if hasattr(exp, name)
)

# Functions that read files, the network, other databases or server state, sleep, or execute a
# SQL string of their own (which the guard could not see). Compared lower-case.
_DENIED_FUNCTIONS = frozenset({
    "glob", "read_text", "read_blob", "parquet_scan", "sqlite_scan", "postgres_scan", "mysql_scan",
    "iceberg_scan", "delta_scan", "st_read", "sniff_csv", "query", "query_table",
    "json_execute_serialized_sql", "getenv", "getvariable", "which_secret", "version",
    "set_config", "nextval", "setval", "currval", "lastval", "lo_import", "lo_export", "loread",
    "lowrite", "ts_stat", "session_user", "user", "system_user", "sleep", "benchmark",
    "load_file", "sys_exec", "sys_eval", "xp_cmdshell", "openrowset", "opendatasource",
    "openquery", "arrow_scan", "pandas_scan", "checkpoint", "force_checkpoint", "to_file",
    "host", "current_ip_address",
})
_DENIED_PREFIXES = (
    "read_", "duckdb_", "pg_", "sqlite_", "postgres_", "mysql_", "dblink", "lo_", "pragma_",
    "http_", "iceberg_", "delta_", "parquet_", "query_to_", "table_to_", "cursor_to_",
    "schema_to_", "database_to_", "txid_", "inet_", "current_",
)
# current_* is denied as a family (current_setting, current_user, current_database...), except
# the clock functions that managers' questions legitimately need.
_ALLOWED_CURRENT = frozenset({
    "current_date", "current_time", "current_timestamp", "current_datetime", "current_timezone",
    "current_localtime", "current_localtimestamp", "current_timestamp_l_t_z",
})
# Table-producing expressions that only compute values in memory.
_ALLOWED_TABLE_EXPRESSIONS: tuple[type[exp.Expression], ...] = (exp.GenerateSeries, exp.Unnest)
_ALLOWED_SOURCES: tuple[type[exp.Expression], ...] = (
    exp.Table, exp.Subquery, exp.Values, exp.Unnest, exp.Lateral,
)
_LATERAL_SOURCES: tuple[type[exp.Expression], ...] = (
    exp.Subquery, exp.Unnest, exp.Explode, exp.GenerateSeries,
)
_READ_ONLY = "Only read-only questions are allowed"
_ASK_SELECT = "Ask for data with a SELECT query."
# Statement keywords sqlglot cannot parse for some dialects (EXPORT DATABASE...).
_STATEMENT_KEYWORDS = frozenset({
    "EXPORT", "IMPORT", "LOAD", "CALL", "VACUUM", "CHECKPOINT", "INSTALL", "ATTACH", "DETACH",
    "COPY", "PRAGMA", "SET", "RESET", "INSERT", "UPDATE", "DELETE", "DROP", "CREATE", "ALTER",
    "MERGE", "TRUNCATE", "GRANT", "REVOKE", "EXECUTE", "EXEC", "DO", "BEGIN", "COMMIT",
    "ROLLBACK", "UPSERT", "REPLACE", "UNLOAD", "PUT", "GET", "REMOVE", "USE", "KILL",
})


class Guard:
    """Checks SQL against a read-only policy and the tables/columns the semantic layer exposes."""

    def __init__(
        self,
        schema: Mapping[str, Mapping[str, str]],
        *,
        dialect: str = "duckdb",
        max_rows: int = 5000,
        max_sql_chars: int = 20000,
    ) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        Dialect.get_or_raise(dialect)  # fail at start-up, not on the first question
        self.dialect = dialect
        self.max_rows = max_rows
        self.max_sql_chars = max_sql_chars
        self.schema: dict[str, dict[str, str]] = {
            str(table).lower(): {str(col).lower(): str(typ) for col, typ in cols.items()}
            for table, cols in schema.items()
        }
        try:
            # MappingSchema reads (and normalises into its own copy) a plain dict of tables.
            typed: dict[str, object] = dict(self.schema)
            self._mapping: MappingSchema | dict = MappingSchema(typed, dialect=dialect)
        except SqlglotError:
            # qualify only needs column names; an exotic type string must not block the layer.
            names: dict[str, object] = {t: {c: "UNKNOWN" for c in cols} for t, cols in self.schema.items()}
            self._mapping = MappingSchema(names, dialect=dialect)

    # ------------------------------------------------------------------ public API
    def check(self, sql: str | exp.Expr, *, limit: int | None = None) -> CheckedSQL:
        """Return the checked, limited SQL or raise GuardError saying what to change."""
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        cap = self.max_rows if limit is None else min(limit, self.max_rows)
        try:
            tree = self._check_statement(self._parse(sql) if isinstance(sql, str) else sql.copy())
            self._check_nodes(tree)
            tables = self._check_tables(tree)
            self._check_columns(tree, tables)
            tree, effective = self._apply_limit(tree, cap)
            text = tree.sql(dialect=self.dialect, comments=False)
        except RecursionError:
            raise GuardError(
                "The SQL is nested too deeply to check.", suggestion="Ask a simpler question."
            ) from None
        except (GuardError, ValueError):
            raise
        except Exception as err:  # a crash inside sqlglot must refuse, never let SQL through
            raise GuardError(f"could not check the SQL ({type(err).__name__}: {err}).",
                             suggestion="Rephrase the question or simplify the SQL.") from None
        return CheckedSQL(sql=text, tree=tree, tables=tables, limit=effective, dialect=self.dialect)

    # ------------------------------------------------------------------ steps
    def _parse(self, sql: str) -> exp.Expr:
        if not sql or not sql.strip():
            raise GuardError("The SQL is empty.", suggestion="Ask a question about the data.")
        if len(sql) > self.max_sql_chars:
            raise GuardError(
                f"The SQL is too long ({len(sql)} characters; the limit is {self.max_sql_chars}).",
                suggestion="Ask a narrower question.",
            )
        try:
            statements = sqlglot.parse(sql, read=self.dialect)
        except ParseError as err:
            self._refuse_by_first_keyword(sql)
            first = err.errors[0] if err.errors else {}
            where = f" (line {first.get('line')}, column {first.get('col')})" if first else ""
            detail = str(first.get("description") or err).splitlines()[0]
            raise GuardError(
                f"could not read the SQL: {detail}{where}.",
                suggestion="Check the SQL for typos, or rephrase the question.",
            ) from None
        except SqlglotError as err:
            raise GuardError(f"could not read the SQL: {str(err).splitlines()[0]}.") from None
        # A trailing ';' or comment yields None / Semicolon entries: those are not statements.
        real = [s for s in statements if s is not None and not isinstance(s, exp.Semicolon)]
        if not real:
            raise GuardError("The SQL is empty.", suggestion="Ask a question about the data.")
        if len(real) > 1:
            kinds = ", ".join(_describe(s) for s in real)
            raise GuardError(
                f"Only one statement can be run at a time; this SQL contains {len(real)} ({kinds}).",
                suggestion="Send a single SELECT query.",
            )
        return real[0]

    def _refuse_by_first_keyword(self, sql: str) -> None:
        """Unparseable statements that are clearly not queries (EXPORT DATABASE...) get the
        read-only message instead of a parse error; uses the tokenizer, not a regex."""
        try:
            tokens = Dialect.get_or_raise(self.dialect).tokenize(sql)
        except SqlglotError:
            return
        if tokens and tokens[0].text.upper() in _STATEMENT_KEYWORDS:
            raise GuardError(f"{_READ_ONLY}: this SQL starts with {tokens[0].text.upper()}.",
                             suggestion=_ASK_SELECT)

    def _check_statement(self, tree: exp.Expr) -> exp.Query:
        forbidden = _forbidden_label(tree)
        if forbidden:
            raise GuardError(f"{_READ_ONLY}: this SQL contains {forbidden}.", suggestion=_ASK_SELECT)
        if not isinstance(tree, exp.Query):
            raise GuardError("Only SELECT queries can be run; this text is not a SELECT query.",
                             suggestion=_ASK_SELECT)
        return tree

    def _check_nodes(self, tree: exp.Query) -> None:
        use_layer = f"Use only the tables of the semantic layer: {self._table_list()}."
        for node in tree.walk():
            label = _forbidden_label(node)
            if label:
                raise GuardError(f"{_READ_ONLY}: this SQL contains {label}.", suggestion=_ASK_SELECT)
            name = _denied_function(node) if isinstance(node, exp.Func) else None
            if name:
                raise GuardError(f"The function {name}() is not allowed: it can read files, the "
                                 "network, other databases or the server's settings.", suggestion=use_layer)
            if (isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier)
                    and not isinstance(node.this, _ALLOWED_TABLE_EXPRESSIONS)):
                raise GuardError(f"Reading from a table function ({_short(node.this)}) is not allowed.",
                                 suggestion=use_layer)
            allowed = _LATERAL_SOURCES if isinstance(node, exp.Lateral) else _ALLOWED_SOURCES
            if isinstance(node, (exp.From, exp.Join, exp.Lateral)) and not isinstance(node.this, allowed):
                raise GuardError(f"Reading from {_short(node.this)} is not allowed.", suggestion=use_layer)

    def _check_tables(self, tree: exp.Query) -> frozenset[str]:
        try:
            scopes = traverse_scope(tree)
        except OptimizeError as err:
            raise GuardError(f"could not read the SQL: {str(err).splitlines()[0]}.") from None
        physical: dict[int, exp.Table] = {}
        cte_names: set[str] = set()
        for scope in scopes:
            cte_names.update(name.lower() for name in scope.cte_sources)
            for source in scope.sources.values():
                if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
                    physical[id(source)] = source
        # Belt and braces: a Table node that scope analysis did not classify is treated as
        # physical unless a CTE of that name exists somewhere in the statement.
        for table in tree.find_all(exp.Table):
            if id(table) in physical or not isinstance(table.this, exp.Identifier):
                continue
            if table.db or table.catalog or table.name.lower() not in cte_names:
                physical[id(table)] = table
        names: set[str] = set()
        for table in physical.values():
            names.add(self._known_table(table))
        return frozenset(names)

    def _known_table(self, table: exp.Table) -> str:
        name = table.name
        full = ".".join(p.name for p in table.parts)
        available = f"Available tables: {self._table_list()}."
        if table.this.quoted and any(ch in name for ch in "./\\:"):
            raise GuardError(f"Reading files or URLs is not allowed ('{name}').", suggestion=available)
        if table.db or table.catalog:
            raise GuardError(
                f"The table '{full}' is not part of the semantic layer: system catalogs and other "
                "schemas cannot be queried.",
                suggestion=f"Use the plain table name. {available}",
            )
        if name.lower() not in self.schema:
            hint = _closest(name.lower(), self.schema)
            raise GuardError(f"The table '{name}' is not part of the semantic layer.",
                             suggestion=f"{hint}{available}")
        return name.lower()

    def _check_columns(self, tree: exp.Query, tables: frozenset[str]) -> None:
        try:
            qualify(tree.copy(), schema=self._mapping, dialect=self.dialect,
                    validate_qualify_columns=True)
        except OptimizeError as err:
            raise self._column_error(str(err), tree, tables) from None
        except SqlglotError as err:  # fail closed on anything else the optimizer dislikes
            raise GuardError(f"could not check the SQL: {str(err).splitlines()[0]}.") from None

    def _column_error(self, message: str, tree: exp.Query, tables: frozenset[str]) -> GuardError:
        # The optimizer's message is the only place that names the column; read it from there.
        match = re.search(r"(?:Column|column|Cannot resolve)(?::\s*(\S+)|\s+'([^']+)')", message)
        column = (match.group(1) or match.group(2)) if match else ""
        written = [c for c in tree.find_all(exp.Column) if c.name.lower() == column.lower()]
        column = written[0].name if written else column  # as the user wrote it, not normalised
        used = sorted(tables) or sorted(self.schema)
        owners = [t for t in used if column.lower() in self.schema.get(t, {})]
        if column and len(owners) > 1:
            return GuardError(
                f"The column '{column}' exists in more than one table ({', '.join(owners)}).",
                suggestion=f"Prefix it with the table name, e.g. {owners[0]}.{column}.",
            )
        if not column:
            return GuardError(f"The SQL does not fit the semantic layer: {message.splitlines()[0]}")
        candidates = {c for t in used for c in self.schema.get(t, {})}
        hint = _closest(column.lower(), candidates)
        if any(c.this.quoted for c in written) and not hint:
            # Double quotes name a column; an LLM often means a text value.
            hint = f"Text values need single quotes: '{column}'. "
        listing = "; ".join(f"{t}: {', '.join(self.schema[t])}" for t in used if t in self.schema)
        return GuardError(
            f"The column '{column}' does not exist in {', '.join(used)}.",
            suggestion=f"{hint}Available columns: {listing}.",
        )

    def _apply_limit(self, tree: exp.Query, cap: int) -> tuple[exp.Query, int]:
        current = tree.args.get("limit")
        if current is None:
            return tree.limit(cap + 1, copy=False), cap
        value = _literal_limit(current)
        if value is not None and value <= cap:
            return tree, value  # an explicit smaller limit is the caller's wish: keep it
        if value is not None:
            # Measured: Query.limit() *replaces* the limit (it does not take the minimum).
            return tree.limit(cap + 1, copy=False), cap
        # LIMIT (subquery), 10 PERCENT, WITH TIES, ALL...: keep its meaning, cap the outside.
        wrapped = exp.select("*").from_(tree.subquery("guarded_rows", copy=False))
        return wrapped.limit(cap + 1, copy=False), cap

    def _table_list(self) -> str:
        return ", ".join(sorted(self.schema)) or "(none)"


# ---------------------------------------------------------------------- helpers
def _forbidden_label(node: exp.Expr) -> str | None:
    for cls, label in _FORBIDDEN_NODES:
        if isinstance(node, cls):
            if isinstance(node, exp.Command):
                return str(node.this).upper() or "a non-query command"
            kind = node.args.get("kind") if isinstance(node, (exp.Drop, exp.Create, exp.Alter)) else None
            return f"{label} {str(kind).upper()}" if kind else label
    return None


def _function_names(func: exp.Func) -> set[str]:
    if isinstance(func, exp.Anonymous):
        return {func.name.lower()}
    return {name.lower() for name in type(func).sql_names()}


def _denied_function(func: exp.Func) -> str | None:
    for name in _function_names(func):
        if name in _ALLOWED_CURRENT:
            continue
        if name in _DENIED_FUNCTIONS or name.startswith(_DENIED_PREFIXES):
            return name
    return None


def _literal_limit(node: exp.Expression) -> int | None:
    """The integer of `LIMIT n` / `FETCH FIRST n ROWS ONLY`, or None when it is anything else."""
    options = node.args.get("limit_options")
    if options is not None and (options.args.get("percent") or options.args.get("with_ties")):
        return None
    value = node.args.get("count") if isinstance(node, exp.Fetch) else node.args.get("expression")
    if isinstance(value, exp.Literal) and value.is_int:
        return int(value.this)
    return None


def _describe(tree: exp.Expr) -> str:
    if isinstance(tree, exp.Command):
        return str(tree.this).upper()
    return _forbidden_label(tree) or tree.key.upper()


def _short(node: exp.Expression | None) -> str:
    if node is None:
        return "nothing"
    text = node.sql(comments=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _closest(word: str, choices: Iterable[str]) -> str:
    """'Did you mean 'a' or 'b'? ' for the closest real names, '' when nothing is close."""
    found = [m[0] for m in process.extract(word, list(choices), limit=3, score_cutoff=60)]
    if not found:
        return ""
    return "Did you mean " + " or ".join(f"'{name}'" for name in found) + "? "


