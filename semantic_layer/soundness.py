"""Load-time checks against silently wrong numbers: what the compiler cannot honour is an error.

Measure filters and expressions. The compiler parses a measure's `filter` and `expr`, binds
every bare column to the measure's table and puts the filter in a CASE WHEN inside the
aggregate, or in the fact's WHERE when all measures of the fact share it
(assistant/sql/expressions.py `aggregate`/`qualify`, compiler `_where`). So only a plain boolean
expression over the measure's own columns means what it says. A subquery has its columns
rebound to the outer table too: `claim_id IN (SELECT claim_id FROM loss_payments)` becomes
`claims.claim_id IN (SELECT claims.claim_id FROM loss_payments)`, true for every claim. An
aggregate or window nests inside the measure's aggregate; another table's column is never joined.

Relationships. Joins are many-to-one: a `to` column that is not unique repeats fact rows. At load
the target must be a declared key of its table (primary or unique key); `layer validate` then
checks those keys on the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from semantic_layer.errors import LayerError, did_you_mean

if TYPE_CHECKING:
    from semantic_layer.layer import Layer
    from semantic_layer.models import Measure, Membership

ALLOWED_FILTER = ("A measure filter must be one plain condition over the measure's own table columns, or columns "
                  "of tables it reaches by many-to-one relationships written as table.column: comparisons, "
                  "AND/OR/NOT, IN (list of values), BETWEEN, LIKE, IS NULL and scalar functions, e.g. "
                  "\"status = 'shipped' AND orders.region = 'EU'\". For membership in a related table write "
                  "`exists: [{table: other}]` (or `absent: true`) instead of EXISTS; subqueries, aggregates and "
                  "window functions are not supported: put such logic in a derived table (`sql:`).")
ALLOWED_EXPR = ("A measure expression is a scalar SQL expression over the measure's own table columns "
                "(the aggregate is `agg`); subqueries, aggregates, window functions and other tables' "
                "columns are not supported: use a derived table (`sql:`).")

# Nodes the compiler would rewrite (subqueries: columns rebound to the outer table) or nest
# inside the measure's aggregate (aggregates, windows), with the words used in the message.
_UNSUPPORTED: tuple[tuple[type[exp.Expr], str], ...] = (
    (exp.Exists, "EXISTS"),
    (exp.SubqueryPredicate, "ANY/ALL over a subquery"),
    (exp.Subquery, "a subquery"),
    (exp.Query, "a subquery"),
    (exp.Window, "a window function"),
    (exp.AggFunc, "an aggregate function"),
    (exp.Star, "*"),
)



def check_measure_sql(layer: Layer) -> None:
    """Every measure's filter and expression is something the compiler compiles as written."""
    for m in layer.spec.measures:
        where = layer.where("measures", m.name)
        if m.expr is not None:
            _check_sql(layer, m.table, f"measure '{m.name}': expression", m.expr, where, ALLOWED_EXPR)
        if m.filter is not None:
            tree = _check_sql(layer, m.table, f"measure '{m.name}': filter", m.filter, where, ALLOWED_FILTER,
                              joins=True)
            if not _is_condition(layer, m.table, tree):
                raise LayerError(f"measure '{m.name}': filter \"{m.filter}\" is not a condition.",
                                 location=where, suggestion=ALLOWED_FILTER)
        for member in m.exists:
            _check_membership(layer, m, member, where)


def check_dimension_sql(layer: Layer) -> None:
    """An expression dimension is a scalar over its own table's columns."""
    for d in layer.spec.dimensions:
        if d.expr is not None:
            own = [c for c in layer.tables[d.table].columns if c not in layer.tables[d.table].computed]
            _check_sql(layer, d.table, f"dimension '{d.name}': expression", d.expr, layer.where("dimensions", d.name),
                       ALLOWED_EXPR.replace("measure expression", "dimension expression")
                       .replace(" (the aggregate is `agg`)", ""), columns=own)


def _check_membership(layer: Layer, m: Measure, member: Membership, where: str) -> None:
    what = f"measure '{m.name}': exists {member.table}"
    other = layer.require_table(member.table, where)
    for own, theirs in member.on.items():
        layer.require_column(m.table, own, where)
        layer.require_column(other.name, theirs, where)
    if not member.on:
        try:
            layer.membership_columns(m.table, member.table)
        except LayerError as exc:
            raise LayerError(f"{what}: {exc.message}", location=where, suggestion=exc.suggestion) from None
    if member.filter is not None:
        tree = _check_sql(layer, member.table, f"{what}: filter", member.filter, where, ALLOWED_FILTER)
        if not _is_condition(layer, member.table, tree):
            raise LayerError(f"{what}: filter \"{member.filter}\" is not a condition.", location=where,
                             suggestion=ALLOWED_FILTER)


def _check_sql(layer: Layer, table: str, what: str, sql: str, where: str, allowed: str, *,
               joins: bool = False, columns: list[str] | None = None) -> exp.Expr:
    """Parse one expression and reject what the compiler would rewrite or cannot join. With
    `joins`, table.column of a table reached by many-to-one relationships is allowed too."""
    def fail(problem: str) -> LayerError:
        return LayerError(f"{what} \"{sql}\" {problem}.", location=where, suggestion=allowed)

    try:
        trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
    except ParseError as exc:
        raise fail(f"is not valid SQL ({str(exc).splitlines()[0]})") from None
    if len(trees) != 1:
        raise fail("must be exactly one expression")
    tree = trees[0]
    for node in tree.walk():
        for kind, words in _UNSUPPORTED:
            if isinstance(node, kind):
                raise fail(f"uses {words}, which the compiler cannot honour")
    for col in tree.find_all(exp.Column):
        _check_column(layer, table, col, joins, columns, fail, f"{what} \"{sql}\"", where)
    return tree


def _check_column(layer: Layer, table: str, col: exp.Column, joins: bool, columns: list[str] | None,
                  fail: Callable[[str], LayerError], what: str, where: str) -> None:
    owner = col.table or table
    if col.args.get("db") or col.args.get("catalog"):
        raise fail(f"refers to '{col.sql()}'; write table.column at most")
    if owner != table and not (joins and owner in layer.tables and layer.join_path(table, owner) is not None):
        reach = "a table not reached from it by many-to-one relationships" if joins else "a column of another table"
        raise fail(f"refers to '{col.sql()}', {reach}; only columns of '{table}'"
                   + (" and of tables it joins many-to-one" if joins else "") + " can be used")
    known = columns if columns is not None and owner == table else list(layer.tables[owner].columns)
    if col.name not in known:
        raise LayerError(f"{what} uses '{col.name}', which table '{owner}' does not have.",
                         location=where, suggestion=did_you_mean(col.name, known))


def _is_condition(layer: Layer, table: str, tree: exp.Expr) -> bool:
    if isinstance(tree, exp.Paren):
        return _is_condition(layer, table, tree.this)
    if isinstance(tree, exp.Column):  # a boolean column alone ("is_scrap") is a condition
        owner = tree.table or table
        return layer.tables[owner].columns[tree.name].strip().upper().startswith("BOOL")
    if isinstance(tree, (exp.Predicate, exp.Connector, exp.Not, exp.Boolean, exp.Case)):
        return True
    # Arithmetic is a Binary but no condition; scalar functions are trusted to return a boolean
    # (the database says so if not).
    return isinstance(tree, exp.Func) and not isinstance(tree, exp.Binary)


def check_relationship_keys(layer: Layer) -> None:
    """A many-to-one relationship points at a declared key of its target table; a one-to-one
    relationship also starts from a key of its own table."""
    for r in layer.spec.relationships:
        if r.cardinality == "many_to_many":
            continue
        ends = [(r.to_table, r.to_column)]
        if r.cardinality == "one_to_one":
            ends.append((r.from_table, r.from_column))
        for table, column in ends:
            _require_key(layer, r.from_, r.to, r.cardinality, table, column)


def _require_key(layer: Layer, from_: str, to: str, cardinality: str, table: str, column: str) -> None:
    target = layer.tables[table]
    keys = [k for k in (target.primary_key, *target.unique_keys) if k]
    if [column] in keys:
        return
    declared = ", ".join(f"[{', '.join(k)}]" for k in keys) or "none"
    raise LayerError(
        f"relationship {from_} -> {to} ({cardinality}): '{column}' is not a key of table '{table}' "
        f"(declared keys: {declared}); a join to a column that is not unique repeats rows "
        "and double counts.", location=layer.where("relationships", from_),
        suggestion=f"Declare it as `primary_key: [{column}]` or under `unique_keys` of '{table}' "
                   "(`layer validate` checks it on the data), or mark the relationship "
                   "`cardinality: many_to_many` (it is then never used to join).")


def key_columns(layer: Layer) -> list[tuple[str, list[str], str]]:
    """(table, columns, what declares them) for every key `layer validate` must find unique."""
    out: list[tuple[str, list[str], str]] = []
    for t in layer.spec.tables:
        for cols, what in [(t.primary_key, "primary key"), *((k, "unique key") for k in t.unique_keys)]:
            if cols:
                out.append((t.name, list(cols), f"{what} of {t.name}"))
    return out
