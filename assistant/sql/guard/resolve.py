"""Resolve a query against the layer's schema, so that the database has nothing left to expand.

The guard used to check a qualified *copy* and run the original text. The database then did
its own expansion against the real tables: `*`, `t.*`, `COLUMNS('.*_zh')`, whole-row references
and unqualified names in correlated subqueries all reached columns the layer does not expose.
Here the query is resolved by sqlglot's `qualify` against the layer's schema only (stars
expanded to the layer's columns, every column tied to its source) and that resolved tree is
what the database runs. `verify` then refuses whatever the resolution could not pin down: a
star left unexpanded, a column tied to no source (a whole-row reference), a physical table's
columns renamed by position.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, traverse_scope, walk_in_scope
from sqlglot.schema import Schema

from assistant.core.errors import GuardError
from assistant.sql.guard.nodes import NAME_COLUMNS

__all__ = ["resolve", "verify"]

_OUTPUT = "fa_output_name"  # meta key: the output name as the author wrote it
_UNNAMED = "fa_unnamed"  # meta key: a result column the author did not name


def resolve(tree: exp.Query, schema: Schema, dialect: str, *, copy: bool = True) -> exp.Query:
    """`tree` resolved: stars expanded, columns qualified; output names kept.

    `copy=False` resolves in place, for a tree nobody else holds (the guard's own parse): the
    copy was a fifth of the guard's time. Raises sqlglot's OptimizeError when a column cannot
    be resolved (the caller words it).
    """
    work = tree.copy() if copy else tree
    _name_outputs(work)
    resolved = qualify(work, schema=schema, dialect=dialect, expand_stars=True,
                       validate_qualify_columns=True, quote_identifiers=True, identify=False)
    _restore_output_names(resolved)
    _tidy(resolved)
    return resolved


def verify(tree: exp.Query, schema: Mapping[str, Mapping[str, str]]) -> None:
    """Refuse any column or star in the resolved tree that is not an exposed column."""
    seen: set[int] = set()
    for scope in traverse_scope(tree):
        for node in walk_in_scope(scope.expression):
            if isinstance(node, exp.Star):
                _check_star(node)
            elif isinstance(node, exp.Column):
                seen.add(id(node))
                _check_column(node, scope, schema)
            elif isinstance(node, exp.Table):
                _check_table_alias(node, scope)
            elif isinstance(node, exp.Join) and str(node.args.get("method") or "").upper() == "NATURAL":
                raise GuardError("NATURAL JOIN is not allowed.", suggestion="Join with ON and the columns to match.")
    for column in tree.find_all(exp.Column):
        if id(column) not in seen:  # outside every scope: nothing vouched for it
            raise GuardError(f"The column '{column.sql()}' could not be checked.", suggestion=NAME_COLUMNS)


# ---------------------------------------------------------------------- output names
def _first_select(tree: exp.Expr) -> exp.Select | None:
    """The SELECT whose projections name the result (the leftmost branch of a UNION)."""
    node: exp.Expr | None = tree
    while isinstance(node, (exp.SetOperation, exp.Subquery)):
        node = node.this
    return node if isinstance(node, exp.Select) else None


def _name_outputs(tree: exp.Query) -> None:
    """Remember each result column's name as written, and which ones have none: qualify names
    those _col_0, _col_1... and the database's own name (count_star(), sum) is what people see."""
    select = _first_select(tree)
    if select is None:
        return
    for projection in select.expressions:
        if projection.output_name:
            projection.meta[_OUTPUT] = projection.output_name
        elif not projection.is_star:
            projection.meta[_UNNAMED] = True


def _restore_output_names(tree: exp.Query) -> None:
    select = _first_select(tree)
    if select is None:
        return
    unnamed: dict[str, int] = {}
    for position, projection in enumerate(select.expressions, start=1):
        if not isinstance(projection, exp.Alias):
            continue
        if projection.this.meta.get(_UNNAMED):
            unnamed[projection.alias] = position
            projection.replace(projection.this)
            continue
        # DuckDB folds quoted identifiers too, so qualify lower-cases "Scrap Rate"; the database
        # would have kept the author's spelling, and so do we.
        original = projection.meta.get(_OUTPUT) or projection.this.meta.get(_OUTPUT)
        identifier = projection.args.get("alias")
        if original and isinstance(identifier, exp.Identifier) and identifier.this != original:
            identifier.set("this", original)
    order = tree.args.get("order")
    if unnamed and isinstance(order, exp.Order):
        # qualify turned ORDER BY 2 into ORDER BY _col_1; the position says the same unnamed.
        for column in list(order.find_all(exp.Column)):
            if not column.table and column.name in unnamed:
                column.replace(exp.Literal.number(unnamed[column.name]))


def _tidy(tree: exp.Query) -> None:
    """Drop the aliases qualify adds that change nothing (`plants AS plants`, `p.city AS city`):
    the SQL is shown to people."""
    for table in tree.find_all(exp.Table):
        alias = table.args.get("alias")
        if (isinstance(alias, exp.TableAlias) and not alias.columns and isinstance(table.this, exp.Identifier)
                and not table.db and alias.this.this == table.this.this
                and alias.this.quoted == table.this.quoted):
            table.set("alias", None)
    for node in list(tree.find_all(exp.Alias)):
        column = node.this
        alias = node.args.get("alias")
        if (isinstance(column, exp.Column) and isinstance(node.parent, exp.Select)
                and isinstance(alias, exp.Identifier) and alias.this == column.this.this
                and alias.quoted == column.this.quoted):
            node.replace(column.pop())


# ---------------------------------------------------------------------- verification
def _check_star(star: exp.Star) -> None:
    if isinstance(star.parent, exp.Count) and not any(star.args.values()):
        return  # COUNT(*) counts rows; it reads no column
    raise GuardError(
        "This SQL selects columns with a star (*) that cannot be matched to the columns you may read.",
        suggestion=NAME_COLUMNS,
    )


def _check_column(column: exp.Column, scope: Scope, schema: Mapping[str, Mapping[str, str]]) -> None:
    if column.is_star:
        _check_star(column.this)
    if column.args.get("db") or column.args.get("catalog"):
        raise GuardError(f"The column '{column.sql()}' names a schema or catalogue.", suggestion=NAME_COLUMNS)
    if not column.table:
        _check_unqualified(column, scope)
        return
    source = _find_source(scope, column.table)
    if source is None:
        raise GuardError(f"The column '{column.sql()}' could not be matched to a table.", suggestion=NAME_COLUMNS)
    if isinstance(source, exp.Table) and isinstance(source.this, exp.Identifier):
        if column.name not in schema.get(source.name.lower(), {}):
            raise GuardError(f"The column '{column.name}' is not available in {source.name}.",
                             suggestion=NAME_COLUMNS)
    elif (isinstance(source, Scope) and isinstance(source.expression, exp.Query)
          and column.name not in source.expression.named_selects):
        raise GuardError(f"The column '{column.name}' is not produced by '{column.table}'.",
                         suggestion=NAME_COLUMNS)
    # Anything else is computed in memory (VALUES, UNNEST, generate_series): nothing hidden.


def _check_unqualified(column: exp.Column, scope: Scope) -> None:
    """After resolution only a result column's alias may stand alone; a bare table name is the
    database's whole-row reference."""
    if _is_output_reference(column, scope):
        return
    query = scope.expression
    if isinstance(query, exp.Query) and column.name in query.named_selects:
        raise GuardError(
            f"The result column '{column.name}' can be named in ORDER BY only as a whole sort key.",
            suggestion="Repeat its expression instead, or sort by its position (ORDER BY 1).",
        )
    if column.name in _all_sources(scope):
        raise GuardError(
            f"'{column.name}' stands for a whole row of a table; whole rows cannot be read.",
            suggestion=NAME_COLUMNS,
        )
    raise GuardError(f"The column '{column.name}' could not be matched to a table.", suggestion=NAME_COLUMNS)


def _is_output_reference(column: exp.Column, scope: Scope) -> bool:
    """ORDER BY may name a result column by its alias, but only as the whole sort key: inside an
    expression, in parentheses or in HAVING the database binds the name to a table's column
    first, hidden ones included."""
    query = scope.expression
    if not isinstance(query, exp.Query):
        return False
    key = column.parent if isinstance(column.parent, exp.Ordered) else column  # built trees omit Ordered
    order = query.args.get("order")
    return isinstance(order, exp.Order) and key.parent is order and column.name in query.named_selects


def _find_source(scope: Scope | None, name: str) -> exp.Table | Scope | None:
    while scope is not None:  # correlated subqueries read their outer query's sources
        if name in scope.sources:
            return scope.sources[name]
        scope = scope.parent
    return None


def _all_sources(scope: Scope | None) -> set[str]:
    names: set[str] = set()
    while scope is not None:
        names.update(scope.sources)
        scope = scope.parent
    return names


def _check_table_alias(table: exp.Table, scope: Scope) -> None:
    alias = table.args.get("alias")
    if isinstance(table.this, exp.Identifier) and isinstance(alias, exp.TableAlias) and alias.columns:
        if table.name in scope.cte_sources or _find_cte(scope, table.name):
            return  # a CTE's columns are resolved ones
        # The database renames the physical columns by position, hidden ones included.
        raise GuardError(
            f"Renaming the columns of {table.name} by position ({alias.sql()}) is not allowed.",
            suggestion="Rename columns in the SELECT list instead (column AS new_name).",
        )


def _find_cte(scope: Scope | None, name: str) -> bool:
    while scope is not None:
        if name in scope.cte_sources:
            return True
        scope = scope.parent
    return False
