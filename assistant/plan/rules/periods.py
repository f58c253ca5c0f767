"""Periods in questions: one range, two ranges to compare, the period before, a trend's grain."""

from __future__ import annotations

from itertools import pairwise

from assistant.core.calendar import TimeRange, previous_period, whole_months
from assistant.plan.query import Filter
from assistant.understand.timeparse import TimeMatch


def resolve_times(times: list[TimeMatch], grain: str | None) -> tuple[TimeRange | None, str | None, Filter | None]:
    """The time range, the grain, and for compared periods a filter keeping only those periods."""
    if not times:
        return None, grain, None
    if len(times) == 1:
        t = times[0]
        return TimeRange(start=t.start, end=t.end, label=t.label), grain, None
    # Several periods ("this month vs last month", "Q2 and Q4"): one row per named period, and
    # only those: the periods between them ("Q3") are not part of the comparison.
    start, end = min(t.start for t in times), max(t.end for t in times)
    own = period_grain(times)
    chosen = grain or own
    keep = None
    if own is not None and chosen == own:
        keep = Filter(field=own, op="in", values=sorted({t.start for t in times}))
    # a period with no words of its own ('the week before'): the answer says the dates instead
    label = " / ".join(t.label for t in times) if all(t.label for t in times) else None
    return TimeRange(start=start, end=end, label=label), chosen, keep


def shift_back(tr: TimeRange) -> TimeRange:
    """The period right before `tr` (see `previous_period`)."""
    start, end = previous_period(tr.start, tr.end)
    return TimeRange(start=start, end=end)


def trend_grain(tr: TimeRange) -> str:
    days = (tr.end - tr.start).days + 1
    return "day" if days <= 31 else "week" if days <= 120 else "month"


def period_grain(times: list[TimeMatch]) -> str | None:
    def kind(t: TimeMatch) -> str | None:
        days = (t.end - t.start).days + 1
        months = whole_months(t.start, t.end)
        if months is not None:
            # Only a calendar year, quarter or month is one row of that grain: a half year
            # ('H1 vs H2') or Feb-Apr read as 'quarter' picked one quarter of each (a wrong answer).
            first = t.start.month
            if days >= 365:
                return "year" if first == 1 and days <= 366 else None
            if days >= 89:
                return "quarter" if first in (1, 4, 7, 10) and days <= 92 else None
            if days >= 28:
                return "month" if days <= 31 else None
        if days == 7 and t.start.weekday() == 0:
            return "week"
        return "day" if days == 1 else None

    kinds = {kind(t) for t in times}
    return kinds.pop() if len(kinds) == 1 else None


def compared_periods(times: list[TimeMatch], grain: str | None) -> list[TimeRange]:
    """Periods put side by side that are no calendar grain ('H1 vs H2', 'the last 4 weeks vs the 4
    before'): each its own row (SemanticQuery.periods). Only when no grain is asked and they do not
    overlap (a day in two of them would be counted in one only)."""
    if len(times) < 2 or grain is not None or period_grain(times) is not None:
        return []
    ranges = sorted((TimeRange(start=t.start, end=t.end, label=_short(t.label)) for t in times),
                    key=lambda r: r.start)
    if any(a.end >= b.start for a, b in pairwise(ranges)):
        return []
    return ranges


def _short(label: str | None) -> str | None:
    """'上半年（2025-01-01 至 2025-06-30）' -> '上半年': the words, the dates are in the range."""
    return label.split("（")[0].split(" (")[0].strip() or label if label else label


def beside_previous(previous: TimeRange, new: TimeRange
                    ) -> tuple[TimeRange, str | None, Filter | None, list[TimeRange]]:
    """'跟上季度比呢', 'compare that with last year': the follow-up's period beside the previous one,
    one row each (a calendar grain when both are one, else compared periods)."""
    times = [TimeMatch(r, (0, 0), r.label or f"{r.start} – {r.end}", "compared") for r in (previous, new)]
    time_range, grain, keep = resolve_times(times, None)
    assert time_range is not None
    return time_range, grain, keep, compared_periods(times, grain)
