"""The previous-period comparison behind a single figure's delta.

Contract of `answer.extras["comparison"]` (any producer may set it; surfaces only render it):

    {"previous": {metric column: number},           # the value(s) to compare with
     "label": "vs October 2025",                     # shown under the delta, answer's language
     "range": ["2025-10-01", "2025-10-31"]}          # the compared period

The pipeline asks `comparison_range` whether an answer gets one (a single row over a bounded
period, no breakdown), runs the same query over that range, and hands both answers to
`attach_comparison`. The period before is `assistant.core.calendar.previous_period`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant.core.calendar import previous_period
from assistant.explain.answer import Answer
from assistant.explain.headline import change_words
from assistant.explain.periods import range_words
from assistant.plan.query import SemanticQuery


def comparison_range(answer: Answer, query: SemanticQuery) -> tuple[dt.date, dt.date] | None:
    """The period to compare a one-row, time-bounded answer with; None when it has no such period."""
    if answer.status != "ok" or len(answer.rows) != 1 or "comparison" in answer.extras:
        return None
    if query.time_range is None or query.time_grain or query.dimensions:
        return None
    return previous_period(query.time_range.start, query.time_range.end)


def attach_comparison(answer: Answer, query: SemanticQuery, before: Answer, start: dt.date, end: dt.date) -> None:
    """Put the earlier period's figures on `answer`; nothing when the earlier answer has no single row."""
    if before.status != "ok" or len(before.rows) != 1:
        return
    previous: dict[str,
                   Any] = {m: before.rows[0][before.columns.index(m)] for m in query.metrics if m in before.columns}
    period = range_words(start, end, answer.lang)
    label = f"较{period}" if answer.lang == "zh" else f"vs {period}"
    answer.extras["comparison"] = {"previous": previous, "label": label, "range": [start.isoformat(), end.isoformat()]}
    _say_change(answer, query, previous, period)


def _say_change(answer: Answer, query: SemanticQuery, previous: dict[str, Any], period: str) -> None:
    """One figure's sentence also says how it moved: "...: 1.5%, +0.1 pp vs October 2025."."""
    if len(query.metrics) != 1 or query.derived_column() or not answer.message:
        return
    metric = query.metrics[0]
    now, before = answer.rows[0][answer.columns.index(metric)], previous.get(metric)
    if now is None or before is None:
        return
    try:
        words = change_words(float(now), float(before), answer.unit_of(metric), answer.lang)
    except (TypeError, ValueError):
        return
    if not words:
        return
    if answer.lang == "zh":
        tail = f"，与{period}持平" if words == "持平" else f"，较{period}{words}"
        answer.message = answer.message.rstrip("。") + tail + "。"
    else:
        answer.message = answer.message.rstrip(".") + f", {words} vs {period}."
