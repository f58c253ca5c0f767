"""Dates and periods in words, the way a manager says them, in English and Simplified Chinese.

A period start of a monthly series reads "Dec 2025" (2025年12月), not "2025-12-01"; a date
range that is exactly a month, quarter or year reads as that period ("November 2025",
"Q4 2025", "2025年"); anything else as its two ends ("1–15 Dec 2025").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant.core.calendar import grain_end, month_end

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December")


def as_date(value: Any) -> dt.date | None:
    """A date from a database value or an ISO string; None when it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def day_words(day: dt.date, lang: str) -> str:
    """'1 Dec 2025' / '2025年12月1日'."""
    if lang == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def period_label(value: Any, grain: str | None, lang: str, *, long: bool = False) -> str:
    """The period that starts at `value` in words: 'Dec 2025', 'W49 2025', 'Q4 2025', '2025'.

    Values that are not dates (or an unknown grain) are returned as they are."""
    day = as_date(value)
    if day is None or grain is None:
        return "" if value is None else str(value)
    zh = lang == "zh"
    if grain == "year":
        return f"{day.year}年" if zh else str(day.year)
    if grain == "quarter":
        q = (day.month - 1) // 3 + 1
        return f"{day.year}年第{q}季度" if zh else f"Q{q} {day.year}"
    if grain == "month":
        if zh:
            return f"{day.year}年{day.month}月"
        return f"{(_MONTHS_LONG if long else _MONTHS)[day.month - 1]} {day.year}"
    if grain == "week":
        year, week, _ = day.isocalendar()
        if long:
            end = day + dt.timedelta(days=6)
            return (f"{year}年第{week}周（{day.month}月{day.day}日起）" if zh
                    else f"week {week} of {year} (from {day_words(day, lang)}, ending {day_words(end, lang)})")
        return f"{year}年第{week}周" if zh else f"W{week} {year}"
    return day_words(day, lang)


def range_words(start: dt.date | None, end: dt.date | None, lang: str) -> str:
    """A date range as a manager says it: 'November 2025', 'Q4 2025', '2025', '1–15 Dec 2025',
    '1 Jan 2024 – 31 Dec 2025'; an open range reads 'all dates'."""
    zh = lang == "zh"
    if start is None or end is None:
        return "全部日期" if zh else "all dates"
    for grain in ("year", "quarter", "month"):
        if _is_whole(start, end, grain):
            return period_label(start, grain, lang, long=True)
    if start == end:
        return day_words(start, lang)
    return _span_zh(start, end) if zh else _span_en(start, end)


def _span_zh(start: dt.date, end: dt.date) -> str:
    if start.day == 1 and end == month_end(end):  # whole months: "2025年1月至3月"
        if start.year == end.year:
            return f"{start.year}年{start.month}月至{end.month}月"
        return f"{start.year}年{start.month}月至{end.year}年{end.month}月"
    if start.year == end.year:
        return f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日"
    return f"{day_words(start, 'zh')}至{day_words(end, 'zh')}"


def _span_en(start: dt.date, end: dt.date) -> str:
    if start.day == 1 and end == month_end(end):  # whole months: "Jan – Mar 2025"
        if start.year == end.year:
            return f"{_MONTHS[start.month - 1]} – {_MONTHS[end.month - 1]} {end.year}"
        return f"{_MONTHS[start.month - 1]} {start.year} – {_MONTHS[end.month - 1]} {end.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {_MONTHS[end.month - 1]} {end.year}"
    if start.year == end.year:
        return f"{start.day} {_MONTHS[start.month - 1]} – {day_words(end, 'en')}"
    return f"{day_words(start, 'en')} – {day_words(end, 'en')}"


def _is_whole(start: dt.date, end: dt.date, grain: str) -> bool:
    if grain == "year":
        aligned = start.month == 1 and start.day == 1
    elif grain == "quarter":
        aligned = start.day == 1 and start.month in (1, 4, 7, 10)
    else:
        aligned = start.day == 1
    return aligned and grain_end(start, grain) == end
