"""Expressions the compiler builds from the layer: measure aggregates, filter conditions, a
metric's formula with its measures swapped in (ratios cast to double and NULLIF-guarded)."""

from __future__ import annotations

from collections.abc import Mapping

import sqlglot
from sqlglot import exp

from assistant.plan.query import Filter, SemanticQuery
from assistant.sql.literals import literal
from semantic_layer.layer import Layer
from semantic_layer.models import Measure

_COMPARISONS: dict[str, type[exp.Binary]] = {
    "=": exp.EQ, "!=": exp.NEQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE,
}
_AGGREGATES: dict[str, type[exp.AggFunc]] = {"sum": exp.Sum, "count": exp.Count, "max": exp.Max, "min": exp.Min,
                                              "avg": exp.Avg}


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


def measure_condition(m: Measure, layer: Layer) -> exp.Expr | None:
    """Which rows a measure counts: its filter (its own and many-to-one joined tables' columns)
    and each membership as EXISTS over the related table."""
    parts: list[exp.Expr] = [qualify(parse(m.filter), m.table)] if m.filter else []
    for i, member in enumerate(m.exists):
        alias = f"{member.table}__m{i}"
        pairs = list(member.on.items()) or layer.membership_columns(m.table, member.table)
        where: list[exp.Expr] = [exp.EQ(this=exp.column(other, table=alias),
                                        expression=exp.column(own, table=m.table)) for own, other in pairs]
        if member.filter:
            where.append(qualify(parse(member.filter), alias))
        sub = exp.select(exp.Literal.number(1)).from_(exp.to_table(member.table).as_(alias)).where(exp.and_(*where))
        found: exp.Expr = exp.Exists(this=sub)
        parts.append(exp.Not(this=found) if member.absent else found)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else exp.and_(*parts)


def joined_tables(m: Measure) -> list[str]:
    """Tables other than its own whose columns a measure's filter uses (joined many-to-one)."""
    if not m.filter:
        return []
    return list(dict.fromkeys(c.table for c in parse(m.filter).find_all(exp.Column) if c.table and c.table != m.table))


def aggregate(m: Measure, cond: exp.Expr | None) -> exp.Expr:
    """agg(expr) over the rows where `cond` holds (None: every row of the fact's WHERE)."""
    value = qualify(parse(m.expr), m.table) if m.expr else None
    if m.agg == "count" and value is None:
        if cond is None:
            return exp.Count(this=exp.Star())
        return exp.Count(this=exp.Case(ifs=[exp.If(this=cond.copy(), true=exp.Literal.number(1))]))
    if cond is not None:
        value = exp.Case(ifs=[exp.If(this=cond.copy(), true=value or exp.Literal.number(1))])
    if m.agg == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[value]))
    return _AGGREGATES[m.agg](this=value)


def row_rule(m: Measure) -> str:
    """What selects a measure's rows, comparable between measures."""
    return repr((m.filter, [e.model_dump() for e in m.exists]))


def shared_rule(measures: list[Measure]) -> bool:
    """Every measure of a fact selects its rows the same way (and some way at all)."""
    rules = {row_rule(m) for m in measures}
    return len(rules) == 1 and rules.pop() != repr((None, []))


def expand_computed(tree: exp.Expr, layer: Layer, *, table: str | None = None) -> exp.Expr:
    """Write each computed column (expression dimensions) as its expression over its table's
    columns. Columns bound to a layer table are expanded; unbound ones only for `table`
    (a single-table statement), since elsewhere a bare name is an output alias."""
    computed = {t.name: t.computed for t in layer.spec.tables if t.computed}
    if not computed:
        return tree

    def swap(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Column):
            return node
        owner = node.table or table
        sql = computed.get(owner or "", {}).get(node.name)
        if sql is None:
            return node
        body = parse(sql)
        return exp.paren(qualify(body, node.table) if node.table else body, copy=False)

    return tree.transform(swap)


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


def converted(layer: Layer, query: SemanticQuery, metric_sql: dict[str, exp.Expr]) -> dict[str, exp.Expr]:
    """Metrics asked in another unit ('downtime in hours'): the value times the conversion factor."""
    for metric, target in query.units.items():
        unit = layer.unit(layer.metric(metric).unit)
        conv = next((c for c in unit.conversions if c.to == target), None) if unit is not None else None
        if conv is not None and metric in metric_sql:
            scaled = exp.Mul(this=exp.cast(metric_sql[metric], "DOUBLE"), expression=exp.Literal.number(conv.factor))
            metric_sql[metric] = exp.paren(scaled, copy=False)
    return metric_sql
