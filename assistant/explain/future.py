"""A period that has not happened yet, with no records in it: the honest answer is that there
is nothing to report and no forecast, not a dash that reads like a number was looked up.

Plans and due dates legitimately lie in the future (orders due next week): those periods have
rows, so only an empty result over a period after every source's latest record is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from assistant.explain.periods import day_words, range_words
from assistant.plan.query import SemanticQuery


def not_happened_yet(query: SemanticQuery, rows: Sequence[Sequence[Any]], freshness: Mapping[str, str],
                     today: dt.date) -> dt.date | None:
    """The latest recorded day when the query asks only about a period after `today` (the day the
    question's dates were read against) and after every record, and found nothing."""
    if query.time_range is None or not freshness or query.time_range.start <= today:
        return None
    try:
        latest = max(dt.date.fromisoformat(v) for v in freshness.values())
    except ValueError:  # "—": a source with no dated record at all
        return None
    if query.time_range.start <= latest:
        return None
    empty = all(v is None for row in rows for v in row[-len(query.metrics):]) if rows else True
    return latest if empty else None


def future_message(query: SemanticQuery, latest: dt.date, lang: str) -> str:
    assert query.time_range is not None
    period = range_words(query.time_range.start, query.time_range.end, lang)
    if lang == "zh":
        return (f"{period}还没有到来，数据中没有这段时间的记录（最新记录为{day_words(latest, 'zh')}）。"
                "我不做预测；请询问截至今天的时间段。")
    return (f"{period} has not happened yet and the data holds no records for it (the latest is "
            f"{day_words(latest, 'en')}). I don't forecast; ask about a period up to today.")
