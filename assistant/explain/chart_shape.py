"""Which chart an answer's shape calls for, or why a metric card or a table reads better.

Shapes, in the order they are tried: no rows or no figure (nothing to draw); one row (a card);
a time column holding exactly two periods (a comparison: grouped bars with the change per
member, never a two-point line); a time column (lines); categories (bars, grouped bars, or a
scatter for two figures of different units). A share or a ratio of two metrics is drawn as
that figure alone: it is what the answer is about, and the table keeps its parts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from assistant.explain.answer import Answer
from assistant.plan.query import SemanticQuery

MAX_BARS = 25  # more categories than this read better as a table
MAX_SERIES = 8  # more lines/colours than this are indistinguishable
MAX_SCALE_RATIO = 10  # grouped bars need metrics of a similar size

ChartKind = Literal["none", "metric", "line", "bar", "grouped_bar", "compare", "scatter", "table"]
# Why an answer has no chart; surfaces translate these codes into a note above the table.
Reason = Literal["no_rows", "no_metric", "too_many_categories", "too_many_series", "shape"]


@dataclass
class ChartPlan:
    """What to draw for an answer; fields are the answer's column names."""

    kind: ChartKind
    reason: Reason | None = None
    time: str | None = None
    dims: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)


def column_kinds(answer: Answer) -> dict[str, str]:
    """The pipeline's column kinds, or a guess from the values (for raw-SQL answers)."""
    kinds: dict[str, str] = dict(answer.extras.get("column_kinds") or {})
    for i, col in enumerate(answer.columns):
        if col not in kinds:
            kinds[col] = _guess_kind(next((r[i] for r in answer.rows if r[i] is not None), None))
    return kinds


def _guess_kind(sample: object) -> str:
    if isinstance(sample, (dt.date, dt.datetime)):
        return "time"
    if isinstance(sample, bool) or sample is None or isinstance(sample, str):
        return "dimension"
    try:
        float(sample)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "dimension"
    return "metric"


def chart_plan(answer: Answer) -> ChartPlan:
    """The chart a good analyst would draw for this answer, or why a table or card reads better."""
    if not answer.ok or not answer.rows:
        return ChartPlan("none", "no_rows")
    kinds = column_kinds(answer)
    metrics = [c for c in answer.columns if kinds.get(c) == "metric"]
    times = [c for c in answer.columns if kinds.get(c) == "time"]
    dims = [c for c in answer.columns if kinds.get(c) == "dimension"]
    if not metrics:
        return ChartPlan("table", "no_metric")
    if len(answer.rows) == 1:
        return ChartPlan("metric", None, times[0] if times else None, dims, metrics)  # one row: a card reads best
    metrics = figure_metrics(answer, metrics)
    if times:
        return _time_plan(answer, times[0], dims, metrics)
    return _category_plan(answer, dims, metrics)


def figure_metrics(answer: Answer, metrics: list[str]) -> list[str]:
    """The share or ratio column alone when the query derived one; else every metric."""
    if not answer.semantic_query:
        return metrics
    try:
        derived = SemanticQuery.model_validate(answer.semantic_query).derived_column()
    except ValueError:  # a hand-made or partial query dict: draw what is there
        derived = None
    return [derived] if derived in metrics else metrics


def _time_plan(answer: Answer, time: str, dims: list[str], metrics: list[str]) -> ChartPlan:
    if distinct(answer, [time]) == 2 and distinct(answer, dims) <= MAX_BARS:
        # Two periods are a before/after per member: grouped bars and the change say it, a
        # two-point line with a repeated label does not.
        return ChartPlan("compare", None, time, dims, metrics[:1])
    series = distinct(answer, dims) if dims else len(same_unit(answer, metrics))
    if series > MAX_SERIES:
        return ChartPlan("table", "too_many_series", time, dims, metrics)
    return ChartPlan("line", None, time, dims, metrics)


def _category_plan(answer: Answer, dims: list[str], metrics: list[str]) -> ChartPlan:
    """No time axis: bars per category, grouped bars, or a scatter for two metrics of different units."""
    if not dims:
        return ChartPlan("table", "shape", None, dims, metrics)
    if distinct(answer, dims[:1]) > MAX_BARS or len(answer.rows) > MAX_BARS * MAX_SERIES:
        return ChartPlan("table", "too_many_categories", None, dims, metrics)
    if len(dims) > 1:
        if distinct(answer, dims[1:2]) > MAX_SERIES:
            return ChartPlan("table", "too_many_series", None, dims, metrics)
        return ChartPlan("grouped_bar", None, None, dims[:2], metrics[:1])
    if len(metrics) == 1:
        return ChartPlan("bar", None, None, dims, metrics)
    same = same_unit(answer, metrics)[:MAX_SERIES]
    if len(same) > 1 and _comparable(answer, same):
        return ChartPlan("grouped_bar", None, None, dims, same)
    # Different units (or scales): one axis each, so each metric keeps its own range.
    second = next((m for m in metrics[1:] if m not in same), metrics[1])
    return ChartPlan("scatter", None, None, dims, [metrics[0], second])


def distinct(answer: Answer, cols: list[str]) -> int:
    idx = [answer.columns.index(c) for c in cols]
    return len({tuple(str(r[i]) for i in idx) for r in answer.rows})


def same_unit(answer: Answer, metrics: list[str]) -> list[str]:
    """The metrics that share the first metric's unit (they can share one axis)."""
    first = answer.column_units.get(metrics[0])
    return [m for m in metrics if answer.column_units.get(m) == first]


def _comparable(answer: Answer, metrics: list[str]) -> bool:
    """Bars side by side only help when no metric dwarfs another (output vs scrap would not)."""
    tops = []
    for m in metrics:
        i = answer.columns.index(m)
        values = [abs(float(r[i])) for r in answer.rows if r[i] is not None]
        tops.append(max(values, default=0.0))
    return min(tops) > 0 and max(tops) / min(tops) <= MAX_SCALE_RATIO
