"""Verified queries between Cortex's logical names and the layer's physical ones.

Cortex verified SQL is written over logical tables and columns ('SUM(daily_cogs) FROM
daily_revenue', where daily_cogs is a measure whose expression is the column `cogs`); the layer's
verified SQL runs as it is, through the guard, over physical tables and columns. sqlglot binds
every column to its table (its scope: CTEs and subqueries keep their own names); each logical
column is then replaced by its expression and each logical table by its physical one. A query
that names something the model does not define, a metric (an aggregate inside SQL), or a table
that is not stored (a role or derived table) is not carried: SQL that would not run is never kept.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import traverse_scope

from semantic_layer.interop.cortex_common import LAYER_DIALECT, SOURCE_DIALECT, Unsupported, parse

# logical table (lowercase) -> (physical table, logical column -> expression over physical columns)
LogicalSchema = dict[str, tuple[str, dict[str, exp.Expr]]]


def _qualified(tree: exp.Expr, schema: dict[str, dict[str, str]], dialect: str) -> exp.Expr:
    tables: dict[str, object] = dict(schema)
    try:
        return qualify(tree, schema=tables, dialect=dialect, quote_identifiers=False, identify=False,
                       validate_qualify_columns=True)
    except SqlglotError as exc:
        raise Unsupported(f"does not resolve against the model's tables and columns ({str(exc).splitlines()[0]})") \
            from None


def _physical_column(col: exp.Column, columns: dict[str, exp.Expr]) -> exp.Expr:
    """A logical column as its expression, bound to the column's table alias."""
    target = columns[col.name]
    if target.find(exp.AggFunc) is not None:
        raise Unsupported(f"uses '{col.name}', a metric (an aggregate), as a column")
    new = target.copy()
    for inner in new.find_all(exp.Column):
        inner.set("table", exp.to_identifier(col.table))
    return new if isinstance(new, exp.Column) else exp.paren(new, copy=False)


def to_physical(sql: str, tables: LogicalSchema) -> tuple[str, list[str]]:
    """The SQL over physical tables and columns, and the logical names it had to replace
    ('daily_cogs = cogs'): with none, the SQL ran on the database as written."""
    tree = parse(sql)
    if not isinstance(tree, exp.Query):
        raise Unsupported("is not a query")
    ctes = {c.alias for c in tree.find_all(exp.CTE)}
    for t in tree.find_all(exp.Table):  # Cortex's own SQL writes logical tables as __name
        if t.name.startswith("__") and t.name[2:] in tables and t.name not in ctes:
            t.set("this", exp.to_identifier(t.name[2:]))
    for t in tree.find_all(exp.Table):
        if t.name not in tables and t.name not in ctes:
            raise Unsupported(f"reads '{t.name}', which is not a stored logical table of the model (a role or "
                              "derived table, a physical name, or unknown)")
    schema = {name: dict.fromkeys(cols, "DOUBLE") for name, (_, cols) in tables.items()}
    tree = _qualified(tree, schema, LAYER_DIALECT)
    swaps: list[tuple[exp.Column, exp.Expr]] = []
    renames: list[exp.Table] = []
    for scope in traverse_scope(tree):
        swaps += [(col, _physical_column(col, tables[source.name][1])) for col in scope.columns
                  if isinstance(source := scope.sources.get(col.table), exp.Table) and source.name in tables]
        renames += [s for s in scope.sources.values() if isinstance(s, exp.Table) and s.name in tables]
    replaced = {f"{col.name} = {new.sql(dialect=LAYER_DIALECT).split('.', 1)[-1]}" for col, new in swaps
                if not (isinstance(new, exp.Column) and new.name == col.name)}
    replaced |= {f"{t.name} = {tables[t.name][0]}" for t in renames if tables[t.name][0] != t.name}
    for col, new in swaps:
        col.replace(new)
    for table in renames:
        alias = table.alias_or_name
        table.set("this", exp.to_identifier(tables[table.name][0]))
        table.set("db", None)
        table.set("catalog", None)
        if not table.alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
    return tree.sql(dialect=LAYER_DIALECT), sorted(replaced)


def to_logical(sql: str, schema: dict[str, dict[str, str]], name_of: Callable[[str, str], str]) -> str:
    """Export: the layer's verified SQL over logical names (`name_of(table, column)`; the layer's
    tables keep their names as logical tables) in Snowflake's dialect."""
    tree = _qualified(parse(sql, dialect=LAYER_DIALECT), schema, LAYER_DIALECT)
    for scope in traverse_scope(tree):
        for col in scope.columns:
            source = scope.sources.get(col.table)
            if isinstance(source, exp.Table) and source.name in schema:
                col.set("this", exp.to_identifier(name_of(source.name, col.name)))
    return tree.sql(dialect=SOURCE_DIALECT)
