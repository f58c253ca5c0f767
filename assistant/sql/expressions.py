"""Expressions the compiler builds from the layer: measure aggregates, filter conditions, a
metric's formula with its measures swapped in (ratios cast to double and NULLIF-guarded)."""

from __future__ import annotations

from collections.abc import Mapping

import sqlglot
from sqlglot import exp

from assistant.plan.query import Filter
from assistant.sql.literals import literal
from semantic_layer.layer import Layer
from semantic_layer.models import Measure

_COMPARISONS: dict[str, type[exp.Binary]] = {
    "=": exp.EQ, "!=": exp.NEQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE,
}
_AGGREGATES: dict[str, type[exp.AggFunc]] = {"sum": exp.Sum, "count": exp.Count, "max": exp.Max, "min": exp.Min}


def parse(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read="duckdb")


def qualify(expression: exp.Expr, table: str) -> exp.Expr:
    """Bind bare column names to one table so joins can never make them ambiguous."""
    expression = expression.copy()
    for col in expression.find_all(exp.Column):
        if not col.table:
            col.set("table", exp.to_identifier(table))
    return expression


def condition(target: exp.Expr, f: Filter) -> exp.Expr:
    values = [literal(v) for v in f.values]
    if f.op in _COMPARISONS:
        return _COMPARISONS[f.op](this=target.copy(), expression=values[0])
    if f.op == "between":
        return exp.Between(this=target.copy(), low=values[0], high=values[1])
    cond = exp.In(this=target.copy(), expressions=values)
    return exp.Not(this=cond) if f.op == "not in" else cond


def aggregate(m: Measure) -> exp.Expr:
    value = qualify(parse(m.expr), m.table) if m.expr else None
    cond = qualify(parse(m.filter), m.table) if m.filter else None
    if m.agg == "count" and value is None:
        if cond is None:
            return exp.Count(this=exp.Star())
        return exp.Count(this=exp.Case(ifs=[exp.If(this=cond, true=exp.Literal.number(1))]))
    if cond is not None:
        value = exp.Case(ifs=[exp.If(this=cond, true=value or exp.Literal.number(1))])
    if m.agg == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[value]))
    return _AGGREGATES[m.agg](this=value)


def shared_filter(measures: list[Measure]) -> str | None:
    """The filter every measure of a fact has, when they all have the same one."""
    shared = {m.filter for m in measures}
    return shared.pop() if len(shared) == 1 else None


def metric_expression(layer: Layer, name: str, measure_sql: Mapping[str, exp.Expr]) -> exp.Expr:
    """The metric's formula with each measure replaced; ratios cast to double and NULLIF-guarded."""
    tree = parse(layer.metric(name).expr)
    is_ratio = any(True for _ in tree.find_all(exp.Div))

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and node.name in measure_sql:
            inner = measure_sql[node.name].copy()
            return exp.cast(inner, "DOUBLE") if is_ratio else inner
        return node

    tree = tree.transform(swap)
    for div in list(tree.find_all(exp.Div)):
        right = div.expression
        if isinstance(right, exp.Literal):  # a constant divisor (e.g. /60) cannot be zero
            continue
        div.set("expression", exp.Nullif(this=right.copy(), expression=exp.Literal.number(0)))
    return exp.paren(tree, copy=False) if isinstance(tree, exp.Binary) else tree
