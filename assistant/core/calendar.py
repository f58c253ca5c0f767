"""Calendar rules shared by every stage: one `TimeRange`, month arithmetic, grains and "the
period before". Weeks are ISO weeks (Monday to Sunday); months and quarters are calendar ones.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt

from pydantic import BaseModel, ConfigDict, model_validator

from semantic_layer.models import GRAINS

DAY = dt.timedelta(days=1)
__all__ = ["DAY", "GRAINS", "TimeRange", "add_months", "grain_end", "grain_start", "half_range",
           "iso_week_range", "month_end", "month_range", "previous_period", "quarter_range", "safe_date",
           "whole_months", "year_range"]


class TimeRange(BaseModel):
    """Both ends inclusive; `label` is the words the question used, when it used any."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    start: dt.date
    end: dt.date
    label: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.end < self.start:
            raise ValueError(f"time range ends ({self.end}) before it starts ({self.start})")
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=_calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """Shift by whole calendar months, clamping the day (Mar 31 - 1 month = Feb 28)."""
    y, m0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(y, m0 + 1, min(day.day, _calendar.monthrange(y, m0 + 1)[1]))


def safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    return first, month_end(first)


def quarter_range(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 3 * quarter - 2, 1), month_range(year, 3 * quarter)[1]


def half_range(year: int, half: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 6 * half - 5, 1), month_range(year, 6 * half)[1]


def year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def iso_week_range(year: int, week: int) -> tuple[dt.date, dt.date] | None:
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError:  # week 53 in a 52-week year, week 0, ...
        return None
    return monday, monday + 6 * DAY


def grain_start(day: dt.date, grain: str) -> dt.date:
    """First day of the `grain` period holding `day` (a week starts on Monday)."""
    if grain == "day":
        return day
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    if grain == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    if grain == "year":
        return day.replace(month=1, day=1)
    raise ValueError(f"unknown grain {grain!r}; expected one of {GRAINS}")


def grain_end(start: dt.date, grain: str) -> dt.date:
    """Last day of the `grain` period that starts on `start`."""
    months = {"month": 1, "quarter": 3, "year": 12}.get(grain)
    if months:
        return add_months(start.replace(day=1), months) - DAY
    return start + (6 * DAY if grain == "week" else dt.timedelta(0))


def whole_months(start: dt.date, end: dt.date) -> int | None:
    """How many whole calendar months [start, end] covers; None when it is not month-aligned."""
    if start.day != 1 or end != month_end(end):
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def previous_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The period just before [start, end]: whole months step back by as many months (November
    -> October, Q4 -> Q3); anything else by the same number of days."""
    months = whole_months(start, end)
    if months is not None:
        first = add_months(start, -months)
        return first, start - DAY
    length = end - start + DAY
    return start - length, start - DAY
