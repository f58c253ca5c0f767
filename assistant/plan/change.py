"""'Why did it change?' as a plan: which two periods a metric's change is explained between.

A why plan is `Plan(kind="why", query=..., change=ChangeRequest(...))`: the query holds the
metric, the filters that say over what, the later period as its time range and, when the
question named breakdowns ("by shift"), the ones to explain by. `ChangeRequest.before` is
the earlier period. Planners, alerts and the app's "why?" follow-up all derive the two
periods with `compared_periods`, from any metric query and the date 'today' means.

A period is a `TimeRange`. Whole weeks, months, quarters and years step back by their own
unit (`assistant.core.calendar.previous_period`); any other span by its number of days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from assistant.core.calendar import DAY, TimeRange, grain_end, grain_start, month_end, previous_period
from assistant.plan.query import SemanticQuery

GRAINS_BY_SIZE = ("year", "quarter", "month", "week")
Direction = Literal["up", "down", "good", "bad"]


@dataclass
class ChangeRequest:
    """The earlier period of a why plan (the later one is its query's time range)."""

    before: TimeRange
    # True when the question named one period or none, so the earlier one was chosen: the
    # answer says which it compared with.
    chosen: bool = True
    direction: Direction | None = None  # what the question said the figure did ("drop", "上升", "worse")


def grain_of(period: TimeRange) -> str | None:
    """The calendar unit a period is exactly one of ('month' for 1-30 Nov), else None."""
    for grain in GRAINS_BY_SIZE:
        if grain_start(period.start, grain) == period.start and grain_end(period.start, grain) == period.end:
            return grain
    return None


def before(period: TimeRange) -> TimeRange:
    start, end = previous_period(period.start, period.end)
    return TimeRange(start=start, end=end)


def history(later: TimeRange, count: int) -> list[TimeRange]:
    """The `count` periods before `later`, oldest first (the last is the one just before it)."""
    out: list[TimeRange] = []
    current = later
    for _ in range(count):
        current = before(current)
        out.append(current)
    return out[::-1]


def default_period(today: dt.date) -> TimeRange:
    """With no period named: the latest complete month (this one when today is its last day)."""
    if today == month_end(today):
        return TimeRange(start=today.replace(day=1), end=today)
    last = today.replace(day=1) - DAY
    return TimeRange(start=last.replace(day=1), end=last)


def latest_complete(start: dt.date, end: dt.date, grain: str, today: dt.date) -> TimeRange:
    """The last whole `grain` period of a trend over [start, end]: one still running on `today`,
    or cut short by the range, would not compare like with like."""
    last_day = min(end, today)
    first = grain_start(last_day, grain)
    if grain_end(first, grain) > last_day and first - DAY >= start:
        first = grain_start(first - DAY, grain)
    return TimeRange(start=first, end=grain_end(first, grain))


def compared_periods(query: SemanticQuery, today: dt.date) -> tuple[TimeRange, TimeRange, bool]:
    """(later, earlier, chosen) for explaining `query`'s change: the two periods it picked
    ("Q3 vs Q4"), else the latest whole period of its trend and the one before, else its
    period and the one before, else the latest complete month and the one before."""
    grain = query.time_grain
    picked = sorted({v for f in query.filters if f.field == grain and f.op in ("in", "=")
                     for v in f.values if isinstance(v, dt.date)})
    if grain and len(picked) >= 2:
        later = TimeRange(start=picked[-1], end=grain_end(picked[-1], grain))
        return later, TimeRange(start=picked[-2], end=grain_end(picked[-2], grain)), False
    span = query.time_range
    if grain:
        later = latest_complete(span.start if span else dt.date.min, span.end if span else today, grain, today)
        return later, before(later), True
    later = span if span is not None else default_period(today)
    return later, before(later), True
