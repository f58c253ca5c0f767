"""The numbers behind an explanation, every one from a SemanticQuery that the runner's compiler
compiled (`compile_measures`: the measure sums behind the metric), its guard checked and its
executor ran. A scoped pipeline's compiler and guard apply unchanged, so an explanation never
sees a row its reader could not ask for. Every statement is logged for the answer's provenance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlglot import exp

from assistant.plan.change import before, grain_of
from assistant.plan.query import Filter, SemanticQuery, TimeRange
from assistant.sql.compiler import Compiler
from assistant.sql.executor import Executor
from assistant.sql.guard import CheckedSQL
from assistant.understand.catalogue import ValueCatalogue
from semantic_layer.layer import Layer

Sums = dict[str, float | None]  # measure name -> its sum


class Runner(Protocol):
    """What an explanation needs of a pipeline (a `Pipeline` or a user's scoped view is one)."""

    layer: Layer
    compiler: Compiler
    executor: Executor

    @property
    def values(self) -> ValueCatalogue: ...

    def check(self, sql: str | exp.Expression, *, limit: int | None = None) -> CheckedSQL: ...

    def freshness(self, tables: Sequence[tuple[str, str]]) -> dict[str, str]: ...


@dataclass(frozen=True)
class QueryLog:
    """One statement that ran: the query it compiled from, the SQL the guard passed, its rows."""

    query: SemanticQuery
    sql: str
    rows: int


class Incomplete(Exception):
    """A breakdown had more members than one result may hold: its sums would not add up."""


@dataclass
class Fetcher:
    """Measure sums of one metric over fixed filters, per period and member."""

    runner: Runner
    metric: str
    filters: list[Filter]
    locale: str = "en"
    time_role: str | None = None
    plain: bool = False  # the metric's own value (a formula that is not made of sums), not its measures
    log: list[QueryLog] = field(default_factory=list)

    def _query(self, period: TimeRange, by: Sequence[str] = (), extra: Sequence[Filter] = (),
               grain: str | None = None) -> SemanticQuery:
        return SemanticQuery(metrics=[self.metric], dimensions=list(by), filters=[*self.filters, *extra],
                             time_range=period, time_grain=grain, locale="zh" if self.locale == "zh" else "en",
                             time_role=self.time_role)

    def _run(self, query: SemanticQuery) -> list[dict[str, Any]]:
        compiler = self.runner.compiler
        compiled = compiler.compile(query) if self.plain else compiler.compile_measures(query)
        checked = self.runner.check(compiled.tree)
        result = self.runner.executor.run(checked)
        self.log.append(QueryLog(query, checked.sql, len(result.rows)))
        if result.truncated:
            raise Incomplete(self.metric)
        return [dict(zip(result.columns, row, strict=True)) for row in result.rows]

    def total(self, period: TimeRange, extra: Sequence[Filter] = ()) -> Sums:
        rows = self._run(self._query(period, extra=extra))
        return _sums(rows[0], ()) if rows else {}

    def members(self, period: TimeRange, by: str, extra: Sequence[Filter] = ()) -> dict[Hashable, Sums]:
        """Sums per member of `by` (its key; a NULL key is a member too: the sums must add up)."""
        return {row[by]: _sums(row, (by,)) for row in self._run(self._query(period, [by], extra))}

    def member_pair(self, earlier: TimeRange, later: TimeRange, by: str,
                    extra: Sequence[Filter] = ()) -> tuple[dict[Hashable, Sums], dict[Hashable, Sums]]:
        """Sums per member in both periods: one query by calendar unit when they are consecutive
        whole units (November and December), else one per period."""
        grain = grain_of(later)
        if grain is None or grain_of(earlier) != grain or before(later) != earlier:
            return self.members(earlier, by, extra), self.members(later, by, extra)
        span = TimeRange(start=earlier.start, end=later.end)
        pair: tuple[dict[Hashable, Sums], dict[Hashable, Sums]] = ({}, {})
        for row in self._run(self._query(span, [by], extra, grain=grain)):
            pair[_day(row[grain]) == later.start][row[by]] = _sums(row, (by, grain))
        return pair

    def series(self, periods: list[TimeRange], extra: Sequence[Filter] = ()) -> list[Sums]:
        """Sums per period, oldest first: one query by calendar unit when the periods are whole
        units, else one query per period."""
        grain = grain_of(periods[-1])
        if grain is not None and all(grain_of(p) == grain for p in periods):
            span = TimeRange(start=periods[0].start, end=periods[-1].end)
            rows = self._run(self._query(span, extra=extra, grain=grain))
            by_start = {_day(row[grain]): _sums(row, (grain,)) for row in rows}
            return [by_start.get(p.start, {}) for p in periods]
        return [self.total(p, extra) for p in periods]


def _sums(row: dict[str, Any], keys: Sequence[str]) -> Sums:
    return {k: (None if v is None else float(v)) for k, v in row.items() if k not in keys}


def _day(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None
