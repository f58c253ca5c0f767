"""The SQL guard: every SQL string passes here before the executor may run it.

The guard works on the sqlglot syntax tree, never on the SQL text, and it hands back SQL that
it *regenerated from the resolved tree*: stars expanded to the layer's columns and every column
tied to its table (resolve.py). What the database runs is therefore exactly what was checked:
a comment, an odd quote, a second statement or the database's own expansion of `*` cannot
smuggle anything past it.

Checks, in order: size, parse (one statement), statement type (a read-only query), every node
against the allow-lists of policy.py (functions per dialect, clauses, operators, cast types,
table sources), physical tables against the semantic layer, resolution of every column against
the layer's schema, the same node check on the resolved tree, the role's row scope (scope.py:
each physical table becomes a filtered subquery) and finally the row limit.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlglot
from rapidfuzz import process
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import OptimizeError, ParseError, SqlglotError
from sqlglot.optimizer.scope import traverse_scope
from sqlglot.schema import MappingSchema

from assistant.core.errors import AccessDenied, GuardError
from assistant.sql.frozen import render
from assistant.sql.guard.nodes import check_nodes, forbidden_label
from assistant.sql.guard.resolve import resolve, verify
from assistant.sql.guard.scope import RowScope, apply_row_scope

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


_READ_ONLY = "Only read-only questions are allowed"
_ASK_SELECT = "Ask for data with a SELECT query."
# Statement keywords sqlglot cannot parse for some dialects (EXPORT DATABASE...).
_STATEMENT_KEYWORDS = frozenset({
    "EXPORT", "IMPORT", "LOAD", "CALL", "VACUUM", "CHECKPOINT", "INSTALL", "ATTACH", "DETACH",
    "COPY", "PRAGMA", "SET", "RESET", "INSERT", "UPDATE", "DELETE", "DROP", "CREATE", "ALTER",
    "MERGE", "TRUNCATE", "GRANT", "REVOKE", "EXECUTE", "EXEC", "DO", "BEGIN", "COMMIT",
    "ROLLBACK", "UPSERT", "REPLACE", "UNLOAD", "PUT", "GET", "REMOVE", "USE", "KILL",
})


# Verdicts kept per guard. A verdict depends only on the text, the row cap and the guard's own
# schema, dialect and row scope (fixed per instance), so a repeat (the comparison period, a
# follow-up, an app rerun, the why engine's recurring shapes) skips parse, resolve and render.
_VERDICTS = 512


class Guard:
    """Checks SQL against a read-only policy and the tables/columns the semantic layer exposes.

    Successful verdicts are cached by (SQL text, row cap); refusals are recomputed, so their
    message always reflects the current text.
    """

    def __init__(
        self,
        schema: Mapping[str, Mapping[str, str]],
        *,
        dialect: str = "duckdb",
        max_rows: int = 5000,
        max_sql_chars: int = 20000,
        row_scope: RowScope | None = None,
    ) -> None:
        if max_rows < 1:
            raise ValueError("max_rows must be at least 1")
        Dialect.get_or_raise(dialect)  # fail at start-up, not on the first question
        self.dialect = dialect
        self.max_rows = max_rows
        self.max_sql_chars = max_sql_chars
        self.row_scope = row_scope
        self.schema: dict[str, dict[str, str]] = {
            str(table).lower(): {str(col).lower(): str(typ) for col, typ in cols.items()}
            for table, cols in schema.items()
        }
        try:
            # MappingSchema reads (and normalises into its own copy) a plain dict of tables.
            typed: dict[str, object] = dict(self.schema)
            self._mapping = MappingSchema(typed, dialect=dialect)
        except SqlglotError:
            # Resolution only needs column names; an exotic type string must not block the layer.
            names: dict[str, object] = {t: {c: "UNKNOWN" for c in cols} for t, cols in self.schema.items()}
            self._mapping = MappingSchema(names, dialect=dialect)
        self._verdicts: OrderedDict[tuple[str, int, bool], CheckedSQL] = OrderedDict()
        self._verdicts_lock = threading.Lock()

    # ------------------------------------------------------------------ public API
    def check(self, sql: str | exp.Expr, *, limit: int | None = None) -> CheckedSQL:
        """Return the checked, resolved, limited SQL or raise GuardError saying what to change."""
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1")
        cap = self.max_rows if limit is None else min(limit, self.max_rows)
        try:
            # A tree is checked as the database will read it: rendered, then parsed. A tree built
            # in code can differ from the parse of its own text (an ORDER BY without Ordered
            # nodes, operators without parentheses); the database only ever sees the text.
            # A frozen tree (the compile cache's, a trace statement) is rendered once (frozen.py).
            text_in = sql if isinstance(sql, str) else render(sql, self.dialect)
            key = (text_in, cap, isinstance(sql, str))
            with self._verdicts_lock:
                known = self._verdicts.get(key)
                if known is not None:
                    self._verdicts.move_to_end(key)
                    return known
            tree = self._check_statement(self._parse(text_in, limit_size=isinstance(sql, str)))
            check_nodes(tree, self.dialect, self._table_list())
            tables = self._check_tables(tree)
            resolved = self._resolve(tree, tables, text_in)
            if self.row_scope is not None:
                apply_row_scope(self._physical(resolved), self.row_scope, self.schema)
            tree, effective = self._apply_limit(resolved, cap)
            text = tree.sql(dialect=self.dialect, comments=False)
        except RecursionError:
            raise GuardError(
                "The SQL is nested too deeply to check.", suggestion="Ask a simpler question."
            ) from None
        except (GuardError, AccessDenied, ValueError):
            raise
        except Exception as err:  # a crash inside sqlglot must refuse, never let SQL through
            raise GuardError(f"could not check the SQL ({type(err).__name__}).",
                             suggestion="Rephrase the question or simplify the SQL.") from None
        checked = CheckedSQL(sql=text, tree=tree, tables=tables, limit=effective, dialect=self.dialect)
        with self._verdicts_lock:
            self._verdicts[key] = checked
            if len(self._verdicts) > _VERDICTS:
                self._verdicts.popitem(last=False)
        return checked

    # ------------------------------------------------------------------ steps
    def _parse(self, sql: str, *, limit_size: bool = True) -> exp.Expr:
        if not sql or not sql.strip():
            raise GuardError("The SQL is empty.", suggestion="Ask a question about the data.")
        if limit_size and len(sql) > self.max_sql_chars:  # compiled trees (traces) may be longer
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
        forbidden = forbidden_label(tree)  # check_nodes refuses writes deeper in the tree
        if forbidden:
            raise GuardError(f"{_READ_ONLY}: this SQL contains {forbidden}.", suggestion=_ASK_SELECT)
        if not isinstance(tree, exp.Query):
            raise GuardError("Only SELECT queries can be run; this text is not a SELECT query.",
                             suggestion=_ASK_SELECT)
        return tree

    def _check_tables(self, tree: exp.Query) -> frozenset[str]:
        return frozenset(self._known_table(table) for table in self._physical(tree))

    @staticmethod
    def _physical(tree: exp.Query) -> list[exp.Table]:
        """The references to physical tables (not CTEs), wherever they sit in the statement."""
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
        return list(physical.values())

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

    def _resolve(self, tree: exp.Query, tables: frozenset[str], text: str) -> exp.Query:
        try:
            resolved = resolve(tree, self._mapping, self.dialect, copy=False)  # our own parse: no copy
        except OptimizeError as err:
            # The failed resolution may have renamed columns in place: word the error from a fresh parse.
            raise self._column_error(str(err), self._reparse(text, tree), tables) from None
        except SqlglotError as err:  # fail closed on anything else the optimizer dislikes
            raise GuardError(f"could not check the SQL: {str(err).splitlines()[0]}.") from None
        # Resolution adds nodes of its own (COALESCE for USING, expanded REPLACE expressions).
        check_nodes(resolved, self.dialect, self._table_list())
        verify(resolved, self.schema)
        return resolved

    def _reparse(self, text: str, fallback: exp.Query) -> exp.Query:
        try:
            fresh = sqlglot.parse_one(text, read=self.dialect)
        except SqlglotError:
            return fallback
        return fresh if isinstance(fresh, exp.Query) else fallback

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
    return forbidden_label(tree) or tree.key.upper()


def _closest(word: str, choices: Iterable[str]) -> str:
    """'Did you mean 'a' or 'b'? ' for the closest real names, '' when nothing is close."""
    found = [m[0] for m in process.extract(word, list(choices), limit=3, score_cutoff=60)]
    if not found:
        return ""
    return "Did you mean " + " or ".join(f"'{name}'" for name in found) + "? "
