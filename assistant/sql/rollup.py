"""Aggregate awareness: read one fact's part of a query from a declared summary table when the
summary gives exactly the same figures.

`unusable` is the decision, pure and testable on its own: a summary serves a query when it rolls
up the same fact by the same date, keeps every column the query groups, filters or joins on,
stores every measure in a re-aggregable form (sums and counts, from which averages and ratios
are rebuilt), and its grain and the query's period line up (a month from days, never a week from
months, never part of a month). `reroute` then rewrites the fact's SELECT the compiler built:
the same joins and conditions read the summary's columns (it keeps the fact's names), and each
measure becomes the re-aggregation of what the summary stores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from typing import Protocol

from sqlglot import exp

from assistant.core.calendar import grain_start
from assistant.core.errors import FactoryAssistantError
from assistant.plan.query import SemanticQuery
from assistant.sql.expressions import measure_condition
from semantic_layer.aggregates import DERIVABLE_GRAINS, Aggregate, stored_columns
from semantic_layer.layer import Layer
from semantic_layer.models import Measure

SummarySource = Collection[str] | Callable[[], Collection[str]]  # summary tables present (lazily probed)
# (load, save) of what a probe found, kept elsewhere: load gives None when nothing is kept.
Kept = tuple[Callable[[], frozenset[str] | None], Callable[[frozenset[str]], None]]


class FactPart(Protocol):
    """One fact's share of a query, as the compiler groups it."""

    table: str
    time_column: str | None
    measures: list[Measure]


def _time_reason(agg: Aggregate, part: FactPart, query: SemanticQuery) -> str | None:
    if part.time_column != agg.time_column:
        return f"it is dated by {agg.time_column or 'nothing'}, the query by {part.time_column or 'nothing'}"
    if query.time_grain and query.time_grain not in DERIVABLE_GRAINS[agg.grain]:
        return f"a {query.time_grain} is not made of whole {agg.grain}s"
    if query.periods and agg.grain != "day":
        return f"compared periods are cut by day, the summary by {agg.grain}"
    span = query.time_range
    if span is not None and part.time_column is not None:
        after = span.end + dt.timedelta(days=1)
        if grain_start(span.start, agg.grain) != span.start or grain_start(after, agg.grain) != after:
            return f"the period {span.start} – {span.end} does not start and end on whole {agg.grain}s"
    return None


def _field_reason(layer: Layer, agg: Aggregate, table: str, field: str) -> str | None:
    """Why `field` (a dimension grouped or filtered on) cannot be read from the summary."""
    dim = layer.dimension(field)
    if dim.table == table:
        if dim.expr is None and set(dim.equivalent_columns()) <= set(agg.group_by):
            return None
        return f"it does not keep {dim.name} ({', '.join(dim.equivalent_columns())})"
    path = layer.join_path(table, dim.table)
    if path and path[0].left_column in agg.group_by:
        return None
    via = path[0].left_column if path else "a join"
    return f"it does not keep {via}, which {dim.name} is reached by"


def unusable(layer: Layer, agg: Aggregate, part: FactPart, query: SemanticQuery, fields: Sequence[str]) -> str | None:
    """Why `agg` cannot answer this part of the query exactly; None when it can. `fields` are the
    dimensions the part groups or filters by (access scopes included)."""
    if agg.source != part.table:
        return f"it summarises {agg.source}, not {part.table}"
    for m in part.measures:
        if m.semi_additive:  # a level is read on one day; a summary of days has added them up
            return f"{m.name} is a level read on a period's last day"
        if stored_columns(agg, m) is None:
            return f"it does not store {m.name} ({m.agg}) in a form that adds up"
    reason = _time_reason(agg, part, query)
    if reason is not None:
        return reason
    for field in dict.fromkeys(fields):
        reason = _field_reason(layer, agg, part.table, field)
        if reason is not None:
            return reason
    return None


def choose(
    layer: Layer, part: FactPart, query: SemanticQuery, fields: Sequence[str], present: Collection[str]
) -> Aggregate | None:
    """The first declared summary that is in the database and serves this part (declare the
    smallest first)."""
    return next(
        (a for a in layer.spec.aggregates if a.name in present and unusable(layer, a, part, query, fields) is None),
        None,
    )


def rollup_measure(agg: Aggregate, m: Measure, cond: exp.Expr | None) -> exp.Expr:
    """The measure re-aggregated from the summary's stored columns (bound to the fact's name;
    `reroute` rebinds them). Counts stay 0, not NULL, where no row matches, as COUNT does."""
    stored = stored_columns(agg, m)
    assert stored is not None, f"{agg.name} does not store {m.name}"

    def value(role: str) -> exp.Expr:
        col: exp.Expr = exp.column(stored[role], table=m.table)
        return exp.Case(ifs=[exp.If(this=cond.copy(), true=col)]) if cond is not None else col

    if m.agg == "avg":
        total = exp.cast(exp.Sum(this=value("sum")), "DOUBLE")
        return exp.Div(
            this=total, expression=exp.Nullif(this=exp.Sum(this=value("count")), expression=exp.Literal.number(0))
        )
    if m.agg == "count_distinct":
        return exp.Count(this=exp.Distinct(expressions=[value("distinct")]))
    if m.agg == "count":
        return exp.Coalesce(this=exp.Sum(this=value("count")), expressions=[exp.Literal.number(0)])
    kind = {"sum": exp.Sum, "min": exp.Min, "max": exp.Max}[m.agg]
    return kind(this=value(m.agg))


def _rebind(tree: exp.Expr, fact: str, summary: str) -> exp.Expr:
    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and node.table == fact:
            return exp.column(node.name, table=summary)
        if isinstance(node, exp.Table) and node.name == fact and not node.alias:
            return exp.to_table(summary)
        return node

    return tree.transform(swap)


def reroute(
    layer: Layer,
    present: SummarySource,
    part: FactPart,
    query: SemanticQuery,
    fields: Sequence[str],
    select: exp.Select,
    measures: dict[str, exp.Expr],
    common: exp.Expr | None,
) -> tuple[exp.Select, dict[str, exp.Expr]]:
    """The fact's SELECT and measure expressions read from a summary when one serves them;
    otherwise (or if anything of the fact is left over after the rewrite) unchanged."""
    if not layer.aggregates or not part.measures:
        return select, measures
    agg = choose(layer, part, query, fields, present() if callable(present) else present)
    if agg is None:
        return select, measures
    rolled = {
        m.name: rollup_measure(agg, m, None if common is not None else measure_condition(m, layer))
        for m in part.measures
    }
    swapped = {measures[n]: rolled[n] for n in rolled}
    new_select = select.transform(lambda node: swapped[node].copy() if node in swapped else node)
    new_select = _rebind(new_select, part.table, agg.name)
    new_measures = {n: _rebind(e, part.table, agg.name) for n, e in rolled.items()}
    kept = set(agg.columns())
    for tree in (new_select, *new_measures.values()):
        if any(c.table == agg.name and c.name not in kept for c in tree.find_all(exp.Column)):
            return select, measures  # the decision missed something: the fact is always right
    assert isinstance(new_select, exp.Select)
    return new_select, new_measures


def summaries_read(tree: exp.Expr, layer: Layer) -> list[str]:
    """The summary tables a compiled statement reads (for provenance)."""
    return list(dict.fromkeys(t.name for t in tree.find_all(exp.Table) if t.name in layer.aggregates))


class SummaryProbe:
    """Which declared summaries the database has, with every declared column: asked once, on the
    first compile, through the caller's guarded runner. A database built before its summaries
    (or with an older shape of one) is read from its facts, never refused.

    `kept` (load, save) keeps the answer between processes where the caller can key it by the
    layer and the data (a DuckDB file's identity): one guarded query per summary, ~25 ms of a
    CLI cold start."""

    def __init__(self, layer: Layer, run: Callable[[exp.Select], object], *, kept: Kept | None = None) -> None:
        self.layer = layer
        self.run = run
        self.kept = kept
        self._found: frozenset[str] | None = None

    def __call__(self) -> frozenset[str]:
        if self._found is None:
            stored = self.kept[0]() if self.kept is not None else None
            self._found = stored if stored is not None else self._probe()
            if stored is None and self.kept is not None:
                self.kept[1](self._found)
        return self._found

    def _probe(self) -> frozenset[str]:
        found: set[str] = set()
        for name, columns in self.layer.summary_schema().items():
            try:
                self.run(exp.select(*(exp.column(c) for c in columns)).from_(name).limit(1))
            except FactoryAssistantError:
                continue
            found.add(name)
        return frozenset(found)
