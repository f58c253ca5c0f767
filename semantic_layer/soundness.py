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

from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from semantic_layer.errors import LayerError, did_you_mean

if TYPE_CHECKING:
    from semantic_layer.layer import Layer
    from semantic_layer.models import Measure

ALLOWED_FILTER = ("A measure filter must be one plain condition over the measure's own table columns: "
                  "comparisons, AND/OR/NOT, IN (list of values), BETWEEN, LIKE, IS NULL and scalar functions, "
                  "e.g. \"status = 'shipped' AND qty > 0\". Subqueries, EXISTS, aggregates, window functions and "
                  "other tables' columns are not supported: put such logic in a derived table (`sql:`) and "
                  "measure that table.")
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
            _check_sql(layer, m, m.expr, "expression", where, ALLOWED_EXPR)
        if m.filter is not None:
            tree = _check_sql(layer, m, m.filter, "filter", where, ALLOWED_FILTER)
            if not _is_condition(layer, m, tree):
                raise LayerError(f"measure '{m.name}': filter \"{m.filter}\" is not a condition.",
                                 location=where, suggestion=ALLOWED_FILTER)


def _check_sql(layer: Layer, m: Measure, sql: str, what: str, where: str, allowed: str) -> exp.Expr:
    """Parse one expression and reject what the compiler would rewrite or cannot join."""
    def fail(problem: str) -> LayerError:
        return LayerError(f"measure '{m.name}': {what} \"{sql}\" {problem}.", location=where, suggestion=allowed)

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
    columns = layer.tables[m.table].columns
    for col in tree.find_all(exp.Column):
        if col.args.get("db") or col.args.get("catalog") or (col.table and col.table != m.table):
            raise fail(f"refers to '{col.sql()}', a column of another table; only columns of '{m.table}' "
                       "can be used (the compiler joins nothing for a measure)")
        if col.name not in columns:
            raise LayerError(f"measure '{m.name}': {what} \"{sql}\" uses '{col.name}', which table '{m.table}' "
                             "does not have.", location=where, suggestion=did_you_mean(col.name, columns))
    return tree


def _is_condition(layer: Layer, m: Measure, tree: exp.Expr) -> bool:
    if isinstance(tree, exp.Paren):
        return _is_condition(layer, m, tree.this)
    if isinstance(tree, exp.Column):  # a boolean column alone ("is_scrap") is a condition
        return layer.tables[m.table].columns[tree.name].strip().upper().startswith("BOOL")
    if isinstance(tree, (exp.Predicate, exp.Connector, exp.Not, exp.Boolean, exp.Case)):
        return True
    # Arithmetic is a Binary but no condition; scalar functions are trusted to return a boolean
    # (the database says so if not).
    return isinstance(tree, exp.Func) and not isinstance(tree, exp.Binary)


def check_relationship_keys(layer: Layer) -> None:
    """A many-to-one relationship points at a declared key of its target table."""
    for r in layer.spec.relationships:
        if r.cardinality != "many_to_one":
            continue
        target = layer.tables[r.to_table]
        keys = [k for k in (target.primary_key, *target.unique_keys) if k]
        if [r.to_column] in keys:
            continue
        declared = ", ".join(f"[{', '.join(k)}]" for k in keys) or "none"
        raise LayerError(
            f"relationship {r.from_} -> {r.to}: '{r.to_column}' is not a key of table '{r.to_table}' "
            f"(declared keys: {declared}); a many-to-one join to a column that is not unique repeats rows "
            "and double counts.", location=layer.where("relationships", r.from_),
            suggestion=f"Declare it as `primary_key: [{r.to_column}]` or under `unique_keys` of '{r.to_table}' "
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
