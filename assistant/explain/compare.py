"""The previous-period comparison behind a single figure's delta.

Contract of `answer.extras["comparison"]` (any producer may set it; surfaces only render it):

    {"previous": {metric column: number},           # the value(s) to compare with
     "label": "vs 2025-10",                          # shown under the delta, answer's language
     "range": ["2025-10-01", "2025-10-31"]}          # the compared period

The pipeline asks `comparison_range` whether an answer gets one (a single row over a bounded
period, no breakdown), runs the same query over that range, and hands both answers to
`attach_comparison`. The period before is `assistant.core.calendar.previous_period`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant.core.calendar import previous_period, whole_months
from assistant.explain.answer import Answer
from assistant.plan.query import SemanticQuery


def comparison_range(answer: Answer, query: SemanticQuery) -> tuple[dt.date, dt.date] | None:
    """The period to compare a one-row, time-bounded answer with; None when it has no such period."""
    if answer.status != "ok" or len(answer.rows) != 1 or "comparison" in answer.extras:
        return None
    if query.time_range is None or query.time_grain or query.dimensions:
        return None
    return previous_period(query.time_range.start, query.time_range.end)


def period_words(start: dt.date, end: dt.date) -> str:
    """Short enough for the line under a metric card on a phone: "2025-10", "2025-07 – 2025-09"."""
    if whole_months(start, end) is not None:
        first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
        return first if first == last else f"{first} – {last}"
    return f"{start} – {end}"


def attach_comparison(answer: Answer, query: SemanticQuery, before: Answer, start: dt.date, end: dt.date) -> None:
    """Put the earlier period's figures on `answer`; nothing when the earlier answer has no single row."""
    if before.status != "ok" or len(before.rows) != 1:
        return
    previous: dict[str,
                   Any] = {m: before.rows[0][before.columns.index(m)] for m in query.metrics if m in before.columns}
    period = period_words(start, end)
    label = f"较 {period}" if answer.lang == "zh" else f"vs {period}"
    answer.extras["comparison"] = {"previous": previous, "label": label, "range": [start.isoformat(), end.isoformat()]}
