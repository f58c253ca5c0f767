"""Shared types, text normalisation, number words and calendar arithmetic.

Everything here is pure and domain-free so the English and Chinese rule
modules can share one definition of "a month", "a quarter", "an ISO week".
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

Date = dt.date
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class TimeRange:
    start: dt.date  # inclusive
    end: dt.date  # inclusive
    label: str  # human label in the question's language


@dataclass(frozen=True)
class TimeMatch:
    range: TimeRange
    span: tuple[int, int]  # offsets into the ORIGINAL string
    text: str
    kind: str


# A date the user gave without a year: ("md", month, day), ("m", month, 0),
# ("q", quarter, 0), ("h", half, 0) or ("w", iso_week, 0).  Kept apart from the
# resolved range so that a range partner with an explicit year can supply it
# ("between Oct 1 and Oct 15 2025", "2025年1月到3月").
YL = tuple[str, int, int]
YL_KIND = {"md": "month_day", "m": "month_name", "q": "quarter", "h": "half", "w": "week_number"}


@dataclass
class Cand:
    """A candidate match on the normalised text (internal)."""

    s: int
    e: int
    start: Date
    end: Date
    kind: str
    year: int | None = None  # explicit (or relative-but-fixed) year the user wrote
    yl: YL | None = None
    weak: bool = False  # ambiguous alone ('may', bare '2024'); kept only inside since/between
    prio: int = 0  # tie-break among equally long candidates: lower wins

    @property
    def day_level(self) -> bool:
        return self.start == self.end


def cand(m: re.Match[str], r: tuple[Date, Date] | None, kind: str, *, year: int | None = None,
         yl: YL | None = None, weak: bool = False) -> Cand | None:
    """Build a candidate from a regex match; None when the range was invalid."""
    if r is None:
        return None
    if yl is not None and kind == "absolute":
        kind = YL_KIND[yl[0]]
    return Cand(m.start(), m.end(), r[0], r[1], kind, year=year, yl=yl, weak=weak)


# --- normalisation -----------------------------------------------------------
# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space map 1:1 onto ASCII,
# so offsets in the normalised text are offsets in the original text.
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
CJK_RE = re.compile(r"[\u3400-\u9fff]")


def normalize(text: str) -> str:
    return text.translate(_FULLWIDTH)


# --- numbers -----------------------------------------------------------------
EN_NUMS: dict[str, int] = {
    w: i + 1 for i, w in enumerate(
        "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split())
}
EN_NUMS.update(thirty=30, forty=40, fifty=50, sixty=60, ninety=90)
EN_NUM = r"(\d{1,4}|" + "|".join(sorted(EN_NUMS, key=len, reverse=True)) + ")"

CN_DIGITS: dict[str, int] = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
                             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CNN = "零〇一二两三四五六七八九十"  # characters of a Chinese numeral (no 百: never a date part)


def en_num(s: str) -> int:
    return int(s) if s.isdigit() else EN_NUMS[s.lower()]


def cn_num(s: str) -> int | None:
    """Parse 0..99 written with ASCII digits or Chinese numerals (十二, 二十三, 两)."""
    if s.isascii() and s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        if len(tens) > 1 or len(ones) > 1 or "十" in ones:
            return None
        t = CN_DIGITS.get(tens, -99) if tens else 1
        o = CN_DIGITS.get(ones, -99) if ones else 0
        v = t * 10 + o
        return v if v > 0 else None
    return CN_DIGITS.get(s) if len(s) == 1 else None


def cn_year(s: str) -> int:
    """'2025' or '二〇二五' -> 2025 (the regex guarantees four digits)."""
    return int(s) if s.isascii() else int("".join(str(CN_DIGITS[c]) for c in s))


# --- calendar ----------------------------------------------------------------
def month_range(y: int, m: int) -> tuple[Date, Date]:
    return Date(y, m, 1), Date(y, m, calendar.monthrange(y, m)[1])


def quarter_range(y: int, q: int) -> tuple[Date, Date]:
    return Date(y, 3 * q - 2, 1), month_range(y, 3 * q)[1]


def half_range(y: int, h: int) -> tuple[Date, Date]:
    return Date(y, 6 * h - 5, 1), month_range(y, 6 * h)[1]


def year_range(y: int) -> tuple[Date, Date]:
    return Date(y, 1, 1), Date(y, 12, 31)


def iso_week_range(y: int, w: int) -> tuple[Date, Date] | None:
    try:
        monday = Date.fromisocalendar(y, w, 1)
    except ValueError:  # week 53 in a 52-week year, week 0, ...
        return None
    return monday, monday + 6 * DAY


def add_months(d: Date, n: int) -> Date:
    """Shift by n calendar months, clamping the day (Mar 31 - 1 month = Feb 28)."""
    y, m0 = divmod(d.year * 12 + d.month - 1 + n, 12)
    return Date(y, m0 + 1, min(d.day, calendar.monthrange(y, m0 + 1)[1]))


def safe_date(y: int, m: int, d: int) -> Date | None:
    try:
        return Date(y, m, d)
    except ValueError:
        return None


def period_range(unit: str, as_of: Date, offset: int) -> tuple[Date, Date]:
    """The whole calendar period `offset` periods away from the one holding as_of."""
    if unit == "day":
        d = as_of + offset * DAY
        return d, d
    if unit == "week":
        monday = as_of - as_of.weekday() * DAY + dt.timedelta(weeks=offset)
        return monday, monday + 6 * DAY
    if unit == "month":
        first = add_months(as_of.replace(day=1), offset)
        return month_range(first.year, first.month)
    if unit == "quarter":
        y, q0 = divmod(as_of.year * 4 + (as_of.month - 1) // 3 + offset, 4)
        return quarter_range(y, q0 + 1)
    return year_range(as_of.year + offset)


def rolling_range(unit: str, n: int, as_of: Date) -> tuple[Date, Date] | None:
    """'last N units' = the N units ending today, inclusive."""
    if n <= 0 or n > 3660:
        return None
    if unit == "day":
        return as_of - (n - 1) * DAY, as_of
    if unit == "week":
        return as_of - (7 * n - 1) * DAY, as_of
    months = n * {"month": 1, "quarter": 3, "year": 12}[unit]
    return add_months(as_of, -months) + DAY, as_of


def yl_range(yl: YL, year: int) -> tuple[Date, Date] | None:
    """Resolve a yearless expression within a given year."""
    k, a, b = yl
    if k == "md":
        d = safe_date(year, a, b)
        return (d, d) if d else None
    if k == "m":
        return month_range(year, a)
    if k == "q":
        return quarter_range(year, a)
    if k == "h":
        return half_range(year, a)
    return iso_week_range(year, a)


def yl_latest(yl: YL, as_of: Date) -> tuple[Date, Date] | None:
    """Most recent occurrence whose start is <= as_of ('in November', '11月1日')."""
    # ISO week 1 of next year can start in late December, hence +1; Feb 29 needs
    # up to 8 years back.
    for y in range(as_of.year + 1, as_of.year - 9, -1):
        r = yl_range(yl, y)
        if r is not None and r[0] <= as_of:
            return r
    return None


def yl_in(yl: YL, year: int, step: int, bound: Date) -> tuple[Date, Date] | None:
    """Resolve yl in `year`, moving one year by `step` if it falls on the wrong side
    of `bound` (start must be <= bound when step=-1, end >= bound when step=+1)."""
    for y in (year, year + step):
        r = yl_range(yl, y)
        if r is not None and (r[0] <= bound if step < 0 else r[1] >= bound):
            return r
    return None
