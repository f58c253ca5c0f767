"""Compile a SemanticQuery into one sqlglot SELECT. Pure: no database, no I/O.

Measures are grouped by (fact table, time column). One group compiles to a single
aggregate query; several groups (e.g. kWh per unit needs energy and production facts)
are each aggregated at the requested grain in their own CTE and then joined on the
output keys, so no join ever fans out a sum. Ratios are ratios of sums with every
denominator guarded by NULLIF. Threshold filters on metrics become HAVING.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from assistant.core.errors import IncompatibleError
from assistant.plan.query import PERIOD, Filter, SemanticQuery, validate_query
from assistant.sql.columns import CompiledQuery, OutputColumn, output_columns
from assistant.sql.compile_cache import CompileCache
from assistant.sql.expressions import (
    aggregate,
    condition,
    converted,
    expand_computed,
    joined_tables,
    measure_condition,
    metric_expression,
    parse,
    shared_rule,
)
from assistant.sql.frozen import freeze
from assistant.sql.literals import literal
from assistant.sql.rollup import SummarySource, reroute
from assistant.sql.shapes import average_select, in_periods, period_key, ratio_expression, share_select
from assistant.sql.today import pin_today
from semantic_layer.layer import JoinStep, Layer
from semantic_layer.models import GRAINS, Measure

_ISO_WEEK = {
    "bigquery": ("DATE_TRUNC(CAST({col} AS DATE), ISOWEEK)", "bigquery"),
    "mysql": ("DATE_SUB(DATE({col}), INTERVAL WEEKDAY({col}) DAY)", "mysql"),
}


@dataclass
class _Group:
    table: str
    time_column: str | None
    measures: list[Measure]

    @property
    def alias(self) -> str:
        return f"{self.table}__{self.time_column or 'all'}"


def _time_column(group: _Group) -> exp.Column:
    """The fact's time column, bound to its table."""
    # exp.Column, not exp.column (whose signature takes no None): for a fact with no time column
    # this renders the bare table name, which the database then refuses as a date.
    return exp.Column(this=exp.to_identifier(group.time_column), table=exp.to_identifier(group.table))


class Compiler:
    """Turns SemanticQuery objects into SQL for one layer; `scope` filters are always applied."""

    def __init__(self, layer: Layer, *, scope: Sequence[Filter] = (), dialect: str = "duckdb",
                 summaries: SummarySource = ()) -> None:
        self.layer, self.summaries = layer, summaries  # summaries: which declared ones the database has
        self.scope = list(scope)  # row-level access scopes (e.g. plant = 'NB') injected into every fact
        self.dialect = dialect  # only where SQL dialects disagree on meaning (ISO weeks), not syntax
        self._cache: CompileCache[CompiledQuery] = CompileCache()

    # ---------------------------------------------------------------- pieces
    def _groups(self, query: SemanticQuery) -> list[_Group]:
        groups: dict[tuple[str, str | None], _Group] = {}
        for metric in query.metrics:
            for m in self.layer.metric_measures(metric):
                key = (m.table, self._time_of(m, query))
                group = groups.setdefault(key, _Group(m.table, key[1], []))
                if m not in group.measures:
                    group.measures.append(m)
        return list(groups.values())

    def _time_of(self, measure: Measure, query: SemanticQuery) -> str | None:
        """The measure's date: the question's time role when its table has that date, else its own."""
        if query.time_role and query.time_role in self.layer.tables[measure.table].time_columns():
            return query.time_role
        return self.layer.time_column(measure)

    def _dimension_expr(self, name: str, locale: str, *, by_key: bool = False) -> exp.Column:
        dim = self.layer.dimension(name)
        return exp.column(dim.key_column if by_key else dim.display_column(locale), table=dim.table)

    def _grain_expr(self, group: _Group, grain: str) -> exp.Expr:
        col = _time_column(group)
        if grain == "week" and self.dialect in _ISO_WEEK:
            # BigQuery's WEEK starts on Sunday and MySQL has no week truncation: spell the ISO week.
            template, read = _ISO_WEEK[self.dialect]
            return sqlglot.parse_one(template.format(col=col.sql(read)), read=read)
        return exp.cast(exp.TimestampTrunc(this=col, unit=exp.var(grain.upper())), "DATE")

    def _joins(self, group: _Group, tables: list[str]) -> list[JoinStep]:
        steps: dict[str, JoinStep] = {}
        for target in tables:
            for step in self.layer.join_path(group.table, target) or []:
                steps.setdefault(step.table, step)
        return list(steps.values())

    def _group_select(self, group: _Group, query: SemanticQuery, *, final: bool,
                      by_key: bool = False) -> tuple[exp.Select, dict[str, exp.Expr]]:
        """SELECT keys + measures FROM one fact; returns the select and measure expressions."""
        dim_filters = self._dimension_filters(group, query)
        dims = [d for d in query.dimensions if self._reaches(group, d)]
        needed = [self.layer.dimension(d).table for d in dims]
        needed += [self.layer.dimension(f.field).table for f in dim_filters]
        needed += [t for m in group.measures for t in joined_tables(m)]
        select = self._join_dimension_tables(group, needed)
        keys = self._key_columns(group, query, dims, by_key=by_key)
        # When every measure of a fact selects its rows the same way (breakdowns: reason = 'breakdown'),
        # that is a WHERE, as the formula says: periods without such rows are absent, not zero.
        common = measure_condition(group.measures[0], self.layer) if shared_rule(group.measures) else None
        measures = {m.name: aggregate(m, None if common is not None else measure_condition(m, self.layer))
                    for m in group.measures}
        select = select.select(*keys)
        if not final:
            select = select.select(*(e.as_(n) for n, e in measures.items()))
        where = self._where(group, query, common, dim_filters)
        if where:
            select = select.where(exp.and_(*where))
        if keys:
            select = select.group_by(*(k.this.copy() for k in keys))
        fields = [*dims, *(f.field for f in dim_filters)]
        return reroute(self.layer, self.summaries, group, query, fields, select, measures, common)

    def _dimension_filters(self, group: _Group, query: SemanticQuery) -> list[Filter]:
        """The query's dimension filters this fact reaches, then the access scopes it reaches."""
        reachable = [f for f in self.scope if self._reaches(group, f.field)]
        # A dimension only some facts reach (defects by severity in defect PPM) splits those facts;
        # the others are broadcast, as the metric's declared dimensions allow.
        asked = [f for f in query.filters if f.field in self.layer.dimensions and self._reaches(group, f.field)]
        return asked + reachable

    def _join_dimension_tables(self, group: _Group, tables: list[str]) -> exp.Select:
        """FROM the fact, LEFT JOIN each table on the way to `tables`."""
        select = exp.select().from_(exp.to_table(group.table))
        for step in self._joins(group, tables):
            on = exp.EQ(this=exp.column(step.left_column, table=step.left_table),
                        expression=exp.column(step.right_column, table=step.table))
            select = select.join(exp.to_table(step.table), on=on, join_type="left")
        return select

    def _key_columns(self, group: _Group, query: SemanticQuery, dims: list[str], *,
                     by_key: bool = False) -> list[exp.Expr]:
        """The output keys, aliased: the time period first, then the dimensions."""
        keys: list[exp.Expr] = []
        if query.time_grain:
            keys.append(self._grain_expr(group, query.time_grain).as_(query.time_grain))
        elif query.periods and group.time_column:
            keys.append(period_key(_time_column(group), query.periods).as_(PERIOD))
        for d in dims:
            keys.append(self._dimension_expr(d, query.locale, by_key=by_key).as_(d))
        return keys

    def _where(self, group: _Group, query: SemanticQuery, common: exp.Expr | None,
               dim_filters: list[Filter]) -> list[exp.Expr]:
        """The fact's WHERE conditions: time window, shared measure filter, periods, dimensions."""
        where = self._time_window(group, query)
        if group.time_column and group.measures and all(m.semi_additive == "last" for m in group.measures):
            where.append(self._last_days(group, query))
        if common is not None:
            where.append(common)
        for f in query.filters:
            if f.field == query.time_grain and group.time_column:  # only the named periods
                where.append(condition(self._grain_expr(group, f.field), f))
        if query.periods and group.time_column:  # only the days of the compared periods
            where.append(in_periods(_time_column(group), query.periods))
        for f in dim_filters:
            dim = self.layer.dimension(f.field)
            where.append(condition(exp.column(dim.key_column, table=dim.table), f))
        return where

    def _last_days(self, group: _Group, query: SemanticQuery) -> exp.Expr:
        """A level (stock) is read on the last recorded day of each period asked (with a grain), else of
        the range, else of all: summing the days of a period would count the same stock many times."""
        col = _time_column(group)
        last = exp.select(exp.Max(this=col.copy())).from_(exp.to_table(group.table))
        window = self._time_window(group, query)
        if window:
            last = last.where(exp.and_(*window))
        grain: str | None = query.time_grain or next((f.field for f in query.filters if f.field in GRAINS), None)
        if grain:
            last = last.group_by(self._grain_expr(group, grain))
        return exp.In(this=col.copy(), query=exp.Subquery(this=last))

    @staticmethod
    def _time_window(group: _Group, query: SemanticQuery) -> list[exp.Expr]:
        """start <= time < the day after the end, when the query has a range and the fact has dates."""
        if not (query.time_range and group.time_column):
            return []
        col = exp.column(group.time_column, table=group.table)
        end = query.time_range.end + dt.timedelta(days=1)
        return [exp.GTE(this=col.copy(), expression=literal(query.time_range.start)),
                exp.LT(this=col.copy(), expression=literal(end))]

    def _reaches(self, group: _Group, dimension: str) -> bool:
        return self.layer.join_path(group.table, self.layer.dimension(dimension).table) is not None

    def _group_keys(self, group: _Group, query: SemanticQuery) -> list[str]:
        return [k for k in query.output_fields() if k not in query.metrics
                and (k in (query.time_grain, PERIOD) or self._reaches(group, k))]

    def _finish(self, select: exp.Select, query: SemanticQuery, metric_sql: dict[str, exp.Expr], *,
                having: bool) -> exp.Select:
        thresholds = [condition(metric_sql[f.field], f) for f in query.filters
                      if f.field in self.layer.metrics or (query.per and f.field == query.derived_column())]
        nullable = [e for e in metric_sql.values() if any(True for _ in e.find_all(exp.Nullif))]
        if query.output_fields() != query.metrics and len(nullable) == len(metric_sql):
            # A row where every ratio has a zero denominator is no data, not a result.
            thresholds.append(exp.not_(exp.and_(*(exp.Is(this=e.copy(), expression=exp.Null()) for e in nullable))))
        if thresholds:
            select = select.having(exp.and_(*thresholds)) if having else select.where(exp.and_(*thresholds))
        order = [exp.Ordered(this=exp.column(o.field), desc=o.desc, nulls_first=False) for o in query.order]
        if not order:  # a stable, readable default: time first, then dimensions
            order = [exp.Ordered(this=exp.column(n)) for n in query.output_fields() if n not in query.metrics]
        if order:
            select = select.order_by(*order)
        if query.limit:
            select = select.limit(query.limit)
        return select

    # ---------------------------------------------------------------- entry point
    def compile(self, query: SemanticQuery) -> CompiledQuery:
        return self._cache.get("query", query, lambda q: _frozen(pin_today(self._compile(q), q.as_of)))

    def _compile(self, query: SemanticQuery) -> CompiledQuery:
        validate_query(query, self.layer)
        for f in self.scope:
            self.layer.dimension(f.field)
        if query.records:
            from assistant.sql.records import records_query  # it builds on this module's pieces

            return records_query(self, query)
        if not query.metrics:
            listed = self._list_select(query)
            for name in self._derived_tables(listed):
                listed = self._prepend_cte(listed, name)
            return CompiledQuery(tree=self._expanded(listed), columns=output_columns(self.layer, query))
        groups = self._groups(query)
        if query.share:
            select = share_select(query, self._plain)
        else:
            select = average_select(query, self._plain) if query.average_over else self._plain(query)
        return CompiledQuery(tree=self._expanded(select), columns=output_columns(self.layer, query),
                             tables=[g.table for g in groups])

    def _expanded(self, select: exp.Select) -> exp.Select:
        """Computed columns (expression dimensions) written out as their expressions."""
        tree = expand_computed(select, self.layer)
        assert isinstance(tree, exp.Select)
        return tree

    def _plain(self, query: SemanticQuery) -> exp.Select:
        """The metric SELECT (one fact, or several joined), derived tables as CTEs."""
        groups = self._groups(query)
        select = self._single_fact(groups[0], query) if len(groups) == 1 else self._joined_facts(groups, query)
        for name in self._derived_tables(select):
            select = self._prepend_cte(select, name)
        return select

    def _list_select(self, query: SemanticQuery) -> exp.Select:
        """Distinct members of the listed dimensions (with their filters), read from the table they share."""
        table = self.layer.list_table(query.dimensions, [f.field for f in query.filters])
        if table is None:
            raise IncompatibleError("These fields are not recorded together: " + ", ".join(query.dimensions) + ".")
        group = _Group(table, self.layer.tables[table].time_column, [])
        dim_filters = self._dimension_filters(group, query)
        needed = [self.layer.dimension(d).table for d in query.dimensions]
        needed += [self.layer.dimension(f.field).table for f in dim_filters]
        select = self._join_dimension_tables(group, needed).distinct()
        select = select.select(*(self._dimension_expr(d, query.locale).as_(d) for d in query.dimensions))
        where = [*self._time_window(group, query),  # 'complaint issues this year': of this year's complaints
                 *(condition(exp.column(self.layer.dimension(f.field).key_column,
                                        table=self.layer.dimension(f.field).table), f) for f in dim_filters)]
        if where:
            select = select.where(exp.and_(*where))
        select = select.order_by(*(exp.Ordered(this=exp.column(d)) for d in query.dimensions))
        return select.limit(query.limit) if query.limit else select

    def _single_fact(self, group: _Group, query: SemanticQuery) -> exp.Select:
        """One aggregate query; threshold filters on metrics become HAVING."""
        select, measures = self._group_select(group, query, final=True)
        metric_sql = self._with_ratio(query, converted(self.layer,
            query, {m: metric_expression(self.layer, m, measures) for m in query.metrics}))
        select = select.select(*(e.as_(m) for m, e in metric_sql.items()))
        return self._finish(select, query, metric_sql, having=True)

    def _joined_facts(self, groups: list[_Group], query: SemanticQuery, *, sums: bool = False) -> exp.Select:
        """Each fact aggregated in its own CTE, the CTEs joined on the output keys; `sums`: the
        measures themselves are the output (see `compile_measures`)."""
        keys = [n for n in query.output_fields() if n not in query.metrics]
        ctes = [(g.alias, self._group_select(g, query, final=False, by_key=sums)[0]) for g in groups]
        measure_ref: dict[str, exp.Expr] = {m.name: exp.column(m.name, table=g.alias) for g in groups
                                            for m in g.measures}
        metric_sql = measure_ref if sums else self._with_ratio(query, converted(self.layer,
            query, {m: metric_expression(self.layer, m, measure_ref) for m in query.metrics}))
        if keys:
            select = self._join_on_keys(groups, query, keys)
        else:
            select = exp.select().from_(ctes[0][0])
            for alias, _ in ctes[1:]:
                select = select.join(exp.to_table(alias), join_type="cross")
        select = select.select(*(e.as_(m) for m, e in metric_sql.items()))
        select = self._finish(select, query, metric_sql, having=False)
        for alias, cte in ctes:
            select = select.with_(alias, as_=cte)
        return select

    def compile_measures(self, query: SemanticQuery) -> CompiledQuery:
        """The sums behind the query's metrics: one column per measure (named after it), members
        by their keys, not their names. A metric's change is decomposed from these (the rate and
        mix of each member need its numerator and denominator, not only their ratio).

        The query is compiled as usual first, so every check (and a scoped compiler's refusals)
        applies; shares, ratios of metrics, thresholds, order and limit are left out: they are
        not sums."""
        self.compile(query)
        return self._cache.get("measures", query, lambda q: _frozen(self._compile_measures(q)))

    def _compile_measures(self, query: SemanticQuery) -> CompiledQuery:
        plain = query.model_copy(update={"share": [], "per": None, "order": [], "limit": None, "units": {}, "filters": [
            f for f in query.filters if f.field not in self.layer.metrics]})
        groups = self._groups(plain)
        if len(groups) == 1:
            select, measures = self._group_select(groups[0], plain, final=True, by_key=True)
            select = self._finish(select.select(*(e.as_(n) for n, e in measures.items())), plain, measures,
                                  having=True)
        else:
            select = self._joined_facts(groups, plain, sums=True)
        for name in self._derived_tables(select):
            select = self._prepend_cte(select, name)
        columns = [c for c in output_columns(self.layer, plain) if c.kind != "metric"]
        columns += [OutputColumn(m.name, "measure", m.name, m.name) for g in groups for m in g.measures]
        return CompiledQuery(tree=self._expanded(select), columns=columns, tables=[g.table for g in groups])

    @staticmethod
    def _with_ratio(query: SemanticQuery, metric_sql: dict[str, exp.Expr]) -> dict[str, exp.Expr]:
        """Add the asked-for ratio of two metrics: their aggregated expressions divided."""
        if query.per is None:
            return metric_sql
        derived = query.derived_column() or ""
        return {**metric_sql, derived: ratio_expression(metric_sql[query.metrics[0]], metric_sql[query.per])}

    def _join_on_keys(self, groups: list[_Group], query: SemanticQuery, keys: list[str]) -> exp.Select:
        """Every key combination of the facts that have all the keys, each fact LEFT JOINed to it."""
        full = [g.alias for g in groups if self._group_keys(g, query) == keys]
        if not full:
            raise IncompatibleError("No single table can break these metrics down by all of: "
                                    + ", ".join(keys) + ".", suggestion="Ask for fewer breakdowns at once.")
        spine: exp.Query
        if len(full) > 1:
            spine = exp.union(*(exp.select(*keys).from_(alias) for alias in full), distinct=True)
        else:
            spine = exp.select(*keys).from_(full[0])
        select = exp.select(*(exp.column(k, table="k") for k in keys)).from_(spine.subquery("k"))
        for g in groups:
            own = self._group_keys(g, query)
            if own:
                on = exp.and_(*(exp.NullSafeEQ(this=exp.column(k, table=g.alias), expression=exp.column(k, table="k"))
                                for k in own))
                select = select.join(exp.to_table(g.alias), on=on, join_type="left")
            else:
                select = select.join(exp.to_table(g.alias), join_type="cross")
        return select

    def _derived_tables(self, select: exp.Select) -> list[str]:
        names = {t.name for t in select.find_all(exp.Table)}
        return [t.name for t in self.layer.spec.tables if t.derived and t.name in names]

    def _prepend_cte(self, select: exp.Select, name: str) -> exp.Select:
        """Derived tables become CTEs placed before the CTEs that read them."""
        body = parse(self.layer.tables[name].sql or "")
        with_ = select.args.get("with_")
        existing = list(with_.expressions) if with_ else []
        cte = exp.CTE(this=body, alias=exp.TableAlias(this=exp.to_identifier(name)))
        select.set("with_", exp.With(expressions=[cte, *existing]))
        return select


def _frozen(compiled: CompiledQuery) -> CompiledQuery:
    """A cached tree is handed out again and again and never changed (the cache's contract): the
    guard may then render it once (assistant.sql.frozen)."""
    freeze(compiled.tree)
    return compiled


def compile_query(query: SemanticQuery, layer: Layer, *, scope: Sequence[Filter] = (),
                  dialect: str = "duckdb") -> CompiledQuery:
    return Compiler(layer, scope=scope, dialect=dialect).compile(query)
