"""'Today' in the layer's SQL: a measure may date its rows against CURRENT_DATE ('overdue': promised
before today). The question's as-of day is today for it (an evaluation asks as of 2025-12-31), so the
compiled statement carries that day as a literal; the database's own clock is never read."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from sqlglot import exp

from assistant.plan.query import SemanticQuery
from assistant.sql.columns import CompiledQuery
from semantic_layer.layer import Layer

_TODAY = re.compile(r"\bcurrent_date\b", re.I)


def dated_against_today(metrics: list[str], records: str | None, layer: Layer) -> bool:
    """Whether any measure behind these metrics (or the counted records) compares with CURRENT_DATE."""
    names = [*metrics, *([records] if records and records in layer.metrics else [])]
    return any(_TODAY.search(f"{m.filter or ''} {m.expr or ''}") for n in names for m in layer.metric_measures(n))


def pin_today(compiled: CompiledQuery, as_of: dt.date | None) -> CompiledQuery:
    """CURRENT_DATE written as the as-of day (`as_of` None: left as the database's own date)."""
    if as_of is None:
        return compiled
    day = exp.cast(exp.Literal.string(as_of.isoformat()), exp.DataType.build("DATE"))

    def swap(node: exp.Expr) -> exp.Expr:
        return day.copy() if isinstance(node, exp.CurrentDate) else node

    tree = compiled.tree.transform(swap)
    assert isinstance(tree, exp.Select)
    return dataclasses.replace(compiled, tree=tree)


def with_today(query: SemanticQuery | None, layer: Layer, as_of: dt.date) -> SemanticQuery | None:
    """The query with the day it was asked on, when a measure behind it is dated against today."""
    if query is None or query.as_of is not None or not dated_against_today(query.metrics, query.records, layer):
        return query
    return query.model_copy(update={"as_of": as_of})
