"""Query shapes built on the compiler's metric SELECT: shares of a total, ratios of two metrics
asked for at question time, and lists of members with no metric. Pure: sqlglot trees only.

A share is the metric with all of the question's filters and breakdowns (the part) over the
same metric without the ones on the share's dimensions (the whole), each aggregated on its own
and joined on the keys they share, so "each plant's share of output" and "the share of scrap
from the night shift" are both a ratio of sums. A ratio ("average quantity per shipment") is
one metric's expression over another's, aggregated first, then divided.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlglot import exp

from assistant.core.calendar import TimeRange
from assistant.plan.query import SemanticQuery
from assistant.sql.literals import literal


def nullif_zero(expression: exp.Expr) -> exp.Expr:
    return exp.Nullif(this=expression, expression=exp.Literal.number(0))


def ratio_expression(numerator: exp.Expr, denominator: exp.Expr) -> exp.Expr:
    """numerator / denominator as a double, NULL where the denominator is zero."""
    return exp.paren(exp.Div(this=exp.cast(numerator.copy(), "DOUBLE"), expression=nullif_zero(denominator.copy())))


def share_select(query: SemanticQuery, compile_plain: Callable[[SemanticQuery], exp.Select]) -> exp.Select:
    """The part and the whole as subqueries, joined on their common keys, with the share column."""
    metric = query.metrics[0]
    part = query.model_copy(update={"share": [], "per": None, "order": [], "limit": None})
    whole = part.model_copy(update={
        "filters": [f for f in part.filters if f.field not in query.share and f.field not in part.metrics],
        "dimensions": [d for d in part.dimensions if d not in query.share]})
    keys = [k for k in whole.output_fields() if k not in whole.metrics]
    fields = [k for k in part.output_fields()]
    column = query.derived_column() or f"{metric}_share"
    select = exp.select(*(exp.column(f, table="p").as_(f) for f in fields),
                        ratio_expression(exp.column(metric, table="p"), exp.column(metric, table="w")).as_(column))
    select = select.from_(compile_plain(part).subquery("p"))
    if keys:
        on = exp.and_(*(exp.NullSafeEQ(this=exp.column(k, table="p"), expression=exp.column(k, table="w"))
                        for k in keys))
        select = select.join(compile_plain(whole).subquery("w"), on=on, join_type="left")
    else:
        select = select.join(compile_plain(whole).subquery("w"), join_type="cross")
    return finish_order(select, query, fields, column)


def finish_order(select: exp.Select, query: SemanticQuery, fields: list[str], derived: str) -> exp.Select:
    """Order by the derived figure when the question ranks the metric, else by the keys."""
    order = []
    for o in query.order:
        target = derived if o.field == query.metrics[0] else o.field
        order.append(exp.Ordered(this=exp.column(target), desc=o.desc, nulls_first=False))
    if not order:
        order = [exp.Ordered(this=exp.column(f)) for f in fields if f not in query.metrics]
    if order:
        select = select.order_by(*order)
    if query.limit:
        select = select.limit(query.limit)
    return select


def average_select(query: SemanticQuery, compile_plain: Callable[[SemanticQuery], exp.Select]) -> exp.Select:
    """'average daily output': the metric per period of the grain (with the breakdowns), then the
    mean of those figures per breakdown; order and limit apply to the averages."""
    grain = query.average_over
    assert grain is not None
    periods = query.model_copy(update={"average_over": None, "time_grain": grain, "order": [], "limit": None})
    select = exp.select(*(exp.column(d, table="p").as_(d) for d in query.dimensions),
                        *(exp.Avg(this=exp.column(m, table="p")).as_(m) for m in query.metrics))
    select = select.from_(compile_plain(periods).subquery("p"))
    if query.dimensions:
        select = select.group_by(*(exp.column(d, table="p") for d in query.dimensions))
    order = [exp.Ordered(this=exp.column(o.field), desc=o.desc, nulls_first=False) for o in query.order]
    order = order or [exp.Ordered(this=exp.column(d)) for d in query.dimensions]
    if order:
        select = select.order_by(*order)
    return select.limit(query.limit) if query.limit else select


def period_key(column: exp.Expr, periods: list[TimeRange]) -> exp.Expr:
    """The first day of the compared period a row's date falls in ('H1 vs H2'), NULL outside them:
    CASE WHEN d >= start AND d < end + 1 day THEN start ... END, for any dialect."""
    case = exp.Case()
    for p in periods:
        case = case.when(_inside(column, p), literal(p.start))
    return case


def in_periods(column: exp.Expr, periods: list[TimeRange]) -> exp.Expr:
    """The row's date falls in one of the compared periods (the days between them are left out)."""
    return exp.or_(*(exp.paren(_inside(column, p)) for p in periods))


def _inside(column: exp.Expr, p: TimeRange) -> exp.Expr:
    return exp.and_(exp.GTE(this=column.copy(), expression=literal(p.start)),
                    exp.LT(this=column.copy(), expression=literal(p.end + dt.timedelta(days=1))))
