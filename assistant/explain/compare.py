"""The previous-period comparison behind a metric card's delta.

Contract of `answer.extras["comparison"]` (any producer may set it; the app only renders it):

    {"previous": number | {metric column: number},   # the value(s) to compare with
     "label": "vs 2025-10-01 – 2025-10-31",          # shown under the delta, answer's language
     "range": ["2025-10-01", "2025-10-31"]}           # optional, the compared period

When a single-value answer has a time range and no comparison yet, `add_comparison` asks the
pipeline for the same query over the previous period (calendar-aligned for whole months,
else the same number of days just before) with one extra structured query.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from typing import Any

from assistant.explain.answer import Answer
from assistant.core.errors import FactoryAssistantError
from assistant.pipeline import Pipeline
from assistant.plan.query import SemanticQuery, TimeRange

log = logging.getLogger("factory_assistant.ui")


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def previous_range(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """Nov 1–30 -> Oct 1–31; Q4 -> Q3; otherwise the same number of days just before."""
    if start.day == 1 and end == _month_end(end):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        first = _add_months(start, -months)
        return first, _month_end(_add_months(first, months - 1))
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)


def period_words(start: dt.date, end: dt.date) -> str:
    """Short enough for the line under a metric card on a phone: "2025-10", "2025-07 – 2025-09"."""
    if start.day == 1 and end == _month_end(end):
        first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
        return first if first == last else f"{first} – {last}"
    return f"{start} – {end}"


def add_comparison(pipeline: Pipeline, answer: Answer) -> None:
    """Attach extras["comparison"] to a one-row, time-bounded answer; silent when not possible."""
    if answer.status != "ok" or len(answer.rows) != 1 or "comparison" in answer.extras or not answer.semantic_query:
        return
    try:
        query = SemanticQuery.model_validate(answer.semantic_query)
        if query.time_range is None or query.time_grain or query.dimensions:
            return
        start, end = previous_range(query.time_range.start, query.time_range.end)
        before = pipeline.run_query(query.model_copy(update={"time_range": TimeRange(start=start, end=end)}),
                                    question=answer.question, planner="comparison")
    except (FactoryAssistantError, ValueError) as exc:
        log.info("no comparison for %r: %s", answer.question, exc)
        return
    if before.status != "ok" or len(before.rows) != 1:
        return
    previous: dict[str, Any] = {m: before.rows[0][before.columns.index(m)] for m in query.metrics if m in before.columns}
    period = period_words(start, end)
    label = f"较 {period}" if answer.lang == "zh" else f"vs {period}"
    answer.extras["comparison"] = {"previous": previous, "label": label, "range": [start.isoformat(), end.isoformat()]}
