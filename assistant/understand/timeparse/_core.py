"""Shared types of the time parser, and the text and calendar rules it uses (from assistant.core).

Everything here is pure and domain-free so the English and Chinese rule
modules can share one definition of "a month", "a quarter", "an ISO week".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.core.calendar import (
    DAY,
    TimeRange,
    add_months,
    half_range,
    iso_week_range,
    month_range,
    quarter_range,
    safe_date,
    year_range,
)
from assistant.core.text import (
    CJK_CHAR,
    CN_DIGITS,
    CN_NUMERAL_CHARS,
    EN_NUMBERS,
    cn_number,
    cn_year,
    en_number,
    width_fold,
)

Date = dt.date
__all__ = ["CJK_RE", "CNN", "CN_DIGITS", "DAY", "EN_NUM", "EN_NUMS", "Cand", "LazyPattern", "TimeMatch", "TimeRange",
           "add_months",
           "cand", "cn_num", "cn_year", "en_num", "half_range", "iso_week_range", "month_range", "normalize",
           "period_range", "quarter_range", "rolling_range", "safe_date", "year_range", "yl_in", "yl_latest",
           "yl_range"]


class LazyPattern:
    """A rule's regex, compiled when a text first triggers the rule. The rules' ~45 patterns cost
    ~30 ms to compile at import, a CLI cold start's price, while a question triggers a few."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source = source
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:  # two threads may both compile it once: the same pattern either way
            self._compiled = re.compile(self._source, self._flags)
        return self._compiled

    def finditer(self, string: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string)


@dataclass(frozen=True)
class TimeMatch:
    """A time expression found in a question: its range and where it stands."""

    range: TimeRange
    span: tuple[int, int]  # offsets into the ORIGINAL string
    text: str
    kind: str

    @property
    def start(self) -> dt.date:
        return self.range.start

    @property
    def end(self) -> dt.date:
        return self.range.end

    @property
    def label(self) -> str:
        return self.range.label or self.text


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


# --- shared rules (defined once in assistant.core) ---------------------------------
normalize = width_fold  # one character per character: spans index the original; case is kept for labels
CJK_RE = CJK_CHAR
EN_NUMS = EN_NUMBERS
EN_NUM = r"(\d{1,4}|" + "|".join(sorted(EN_NUMS, key=len, reverse=True)) + ")"
CNN = CN_NUMERAL_CHARS  # characters of a Chinese numeral (no 百: never a date part)
en_num = en_number
cn_num = cn_number


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
    # Years outside the calendar (before 1, after 9999) have no dates: a 'today' at either end
    # of it simply finds no occurrence there.
    for y in range(min(as_of.year + 1, 9999), max(as_of.year - 9, 0), -1):
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
