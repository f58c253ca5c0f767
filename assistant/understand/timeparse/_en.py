"""English base rules: each regex finds one kind of self-contained expression.

Compositions ('since X', 'from X to Y', 'between X and Y') are built on top of
these in _compose.py, so the rules here stay small.  Boundaries are ASCII-only
because the text may be Chinese with embedded English ('上个月Q4').
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ._core import (
    DAY,
    EN_NUM,
    Cand,
    Date,
    LazyPattern,
    cand,
    en_num,
    half_range,
    iso_week_range,
    month_range,
    period_range,
    quarter_range,
    rolling_range,
    safe_date,
    year_range,
    yl_latest,
)

# (trigger substrings, pattern, handler): the pattern only runs when the lower-cased
# text contains one of the triggers, which keeps a call well under 0.2 ms.
# The pattern compiles the first time a text holds a trigger (LazyPattern).
Rule = tuple[tuple[str, ...], LazyPattern, Callable[[re.Match[str], Date], Cand | None]]

B = r"(?<![A-Za-z0-9])"
E = r"(?![A-Za-z0-9])"
YEAR = r"((?:19|20)\d{2})"
_NUMB = r"(?<![A-Za-z0-9/.-])"  # before a numeric date: not part of a code or decimal
_NUME = r"(?![0-9]|[-/.]\d)"
_YSEP = r"(?:\s*,\s*|\s+of\s+|\s+)"  # 'Q4 2025', 'Q4, 2025', 'Q4 of 2025'

FULL_MONTHS = ["january", "february", "march", "april", "may", "june",
               "july", "august", "september", "october", "november", "december"]
MONTHS: dict[str, int] = {n: i + 1 for i, n in enumerate(FULL_MONTHS)}
MONTHS.update({n[:3]: i + 1 for i, n in enumerate(FULL_MONTHS)}, sept=9)
# Written as a prefix trie: a flat 25-way alternation made every scan ~3x slower.
MON = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
       r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_MONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3,
            "fourth": 4, "4th": 4}
ORD = "(" + "|".join(ORDINALS) + ")"
_DAY_WORDS = {w: i for i, w in enumerate(("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                                          "ninth", "tenth"), start=1)}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_UNIT_OF = {"y": "year", "m": "month", "q": "quarter", "w": "week"}
# 'for the whole year', 'the entire month': the current one, all of it
_REL_OFFSET = {"this": 0, "current": 0, "the whole": 0, "the full": 0, "the entire": 0, "last": -1, "previous": -1,
               "prior": -1, "next": 1}
# 'may' and 'mar(ch)' are also ordinary English words ("line 3 may fail").
_WORDY_MONTHS = {"may", "mar", "march"}
# Numbers next to these are quantities or rankings, never days or years.
_QTY_AFTER = re.compile(r"\s*(?:units?|pcs|pieces?|parts?|items?|kg|tons?|tonnes?|hours?|hrs?|"
                        r"minutes?|mins?|ppm|%|件|个|台|次|小时|分钟|元|吨|公斤)", re.I)
_RANK_BEFORE = re.compile(r"(?:top|bottom|best|worst|first|last|highest|lowest|over|under|"
                          r"above|below|than|#)\s*$", re.I)
# ...nor after words that make it a label or part of a period we do not read ('Summer 2025').
_NOT_YEAR_BEFORE = re.compile(r"(?:number|no\.?|version|model|batch|lot|order|between|and|summer|winter|"
                              r"spring|autumn|fall|season|holiday|christmas|easter)\s*$", re.I)
_NUMBER_AFTER = re.compile(r"\s+(?:and|or|to|-)\s+\d", re.I)  # '2000 and 2020 units': a range of numbers
_YEAR_CUE = re.compile(r"(?<![A-Za-z])(?:in|during|for|throughout|year)\s+$|(?:^|[,，;:])\s*$", re.I)
# 'in may'; also 'Jan and Feb', 'Jan, Feb and Mar': a neighbouring month name in a
# list makes an abbreviation a month ('may' is no such neighbour: 'may or may not').
_LIST_MON = r"(?:jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)"
_MONTH_CUE = re.compile(r"(?<![A-Za-z])(?:(?:in|during|for|throughout|of|vs\.?|versus|against|compared\s+(?:to|with))"
                        r"\s+|" + _LIST_MON
                        + r"[a-z]*\.?\s*(?:,|and|or|&)\s*)$", re.I)
_MONTH_NEXT = re.compile(r"\.?\s*(?:,|and|or|&|vs\.?|versus|against|compared\s+(?:to|with))\s*" + _LIST_MON, re.I)


def _c(p: str) -> LazyPattern:
    return LazyPattern(p, re.I)


def _before(pat: re.Pattern[str], m: re.Match[str]) -> bool:
    return pat.search(m.string, max(0, m.start() - 20), m.start()) is not None


def _year(g: str | None) -> int | None:
    return int(g) if g else None


def h_day(m: re.Match[str], as_of: Date) -> Cand | None:
    w = m.group(1).lower()
    off = {"today": 0, "yesterday": -1, "tomorrow": 1}.get(w, -2)
    return cand(m, period_range("day", as_of, off), "relative")


def h_rel(m: re.Match[str], as_of: Date) -> Cand | None:
    if m.group(3):  # 'the week before last'
        return cand(m, period_range(m.group(3).lower(), as_of, -2), "relative")
    return cand(m, period_range(m.group(2).lower(), as_of, _REL_OFFSET[m.group(1).lower()]),
                "relative")


def h_todate(m: re.Match[str], as_of: Date) -> Cand | None:
    g = next(x for x in m.groups() if x).lower()
    unit = _UNIT_OF.get(g, g)
    return cand(m, (period_range(unit, as_of, 0)[0], as_of), "to_date")


def h_lastn(m: re.Match[str], as_of: Date) -> Cand | None:
    if m.group(3):  # 'past week' = rolling 1 week (whereas 'last week' is the ISO week)
        return cand(m, rolling_range(m.group(3).lower(), 1, as_of), "last_n")
    return cand(m, rolling_range(m.group(2).lower(), en_num(m.group(1)), as_of), "last_n")


def h_ago(m: re.Match[str], as_of: Date) -> Cand | None:
    return cand(m, period_range("day", as_of, -en_num(m.group(1))), "relative")


def _quarter(m: re.Match[str], as_of: Date, q: int, y: int | None) -> Cand | None:
    if y is not None:
        return cand(m, quarter_range(y, q), "absolute", year=y)
    return cand(m, yl_latest(("q", q, 0), as_of), "absolute", yl=("q", q, 0))


def h_q(m: re.Match[str], as_of: Date) -> Cand | None:
    return _quarter(m, as_of, int(m.group(1)), _year(m.group(2)))


def h_yq(m: re.Match[str], as_of: Date) -> Cand | None:
    return _quarter(m, as_of, int(m.group(2)), int(m.group(1)))


def h_qord(m: re.Match[str], as_of: Date) -> Cand | None:
    return _quarter(m, as_of, ORDINALS[m.group(1).lower()], _year(m.group(2)))


def h_rel_year(m: re.Match[str], as_of: Date) -> Cand | None:
    """'Q4 last year', 'November of this year', 'first quarter next year'."""
    y = as_of.year + _REL_OFFSET[m.group(4).lower()]
    if m.group(3):
        return cand(m, month_range(y, MONTHS[m.group(3).lower()]), "absolute", year=y)
    q = int(m.group(1)) if m.group(1) else ORDINALS[m.group(2).lower()]
    return cand(m, quarter_range(y, q), "absolute", year=y)


def h_half_bare(m: re.Match[str], as_of: Date) -> Cand | None:
    """'H2', 'the first half', 'H1 this year', 'second half of last year': no year written."""
    h = int(m.group(1)) if m.group(1) else (1 if m.group(2).lower() == "first" else 2)
    if m.group(3):
        y = as_of.year - (1 if m.group(3).lower() == "last" else 0)
        return cand(m, half_range(y, h), "absolute", year=y)
    return cand(m, yl_latest(("h", h, 0), as_of), "absolute", yl=("h", h, 0))


def h_half(m: re.Match[str], as_of: Date) -> Cand | None:
    h = int(m.group(1) or m.group(4) or (1 if m.group(5).lower() == "first" else 2))
    y = int(m.group(2) or m.group(3) or m.group(6))
    return cand(m, half_range(y, h), "absolute", year=y)


def h_my(m: re.Match[str], as_of: Date) -> Cand | None:
    y = int(m.group(2))
    return cand(m, month_range(y, MONTHS[m.group(1).lower()]), "absolute", year=y)


def _edit1(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance <= 1 (one typo: 'Novmber', 'Febuary', 'Octobre')."""
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return (a[i + 1:] == b[i + 1:] or a[i + 1:] == b[i:] or a[i:] == b[i + 1:]
            or (a[i:i + 2] == b[i:i + 2][::-1] and a[i + 2:] == b[i + 2:]))


def h_typo_my(m: re.Match[str], as_of: Date) -> Cand | None:
    """A misspelt full month name, accepted only when a year follows ('Novmber 2025')."""
    tok = m.group(1).lower()
    if tok in MONTHS:
        return None  # spelt correctly: h_my handles it
    mo = next((i + 1 for i, n in enumerate(FULL_MONTHS) if len(n) >= 5 and _edit1(tok, n)), 0)
    y = int(m.group(2))
    return cand(m, month_range(y, mo), "absolute", year=y) if mo else None


def h_ym(m: re.Match[str], as_of: Date) -> Cand | None:
    y, mo = int(m.group(1)), int(m.group(3))
    return cand(m, month_range(y, mo), "absolute", year=y) if 1 <= mo <= 12 else None


def h_iso(m: re.Match[str], as_of: Date) -> Cand | None:
    d = safe_date(int(m.group(1)), int(m.group(3)), int(m.group(4)))
    return cand(m, (d, d), "absolute", year=d.year) if d else None


def _md(m: re.Match[str], as_of: Date, mon: str, day: str, y: str | None) -> Cand | None:
    mo, d = MONTHS[mon.lower()], int(day)
    if y:
        x = safe_date(int(y), mo, d)
        return cand(m, (x, x), "absolute", year=int(y)) if x else None
    if safe_date(2000, mo, d) is None:  # 2000 is a leap year: rejects only Feb 30, Apr 31...
        return None
    return cand(m, yl_latest(("md", mo, d), as_of), "absolute", yl=("md", mo, d))


def h_md(m: re.Match[str], as_of: Date) -> Cand | None:
    mon = m.group(1)
    # lower-case 'may 5' is more likely the verb than a date
    if mon == mon.lower() and mon.lower() == "may" and not (m.group(3) or m.group(4)):
        return None
    return _md(m, as_of, mon, m.group(2), m.group(4))


def h_dm(m: re.Match[str], as_of: Date) -> Cand | None:
    explicit = bool(m.group(2) or m.group(3))  # '1st Dec', '1 of December'
    if not explicit:
        if _before(_RANK_BEFORE, m):  # 'top 5 Nov 2025'
            return None
        mon = m.group(4).lower()
        if not m.group(5) and mon in _WORDY_MONTHS:  # '29 dec' is a day; '3 may', '3 mar' read otherwise
            return None
    return _md(m, as_of, m.group(4), m.group(1), m.group(5))


def h_dm_word(m: re.Match[str], as_of: Date) -> Cand | None:
    """'the first of December': a day said as an ordinal word."""
    return _md(m, as_of, m.group(2), str(_DAY_WORDS[m.group(1).lower()]), m.group(3))


# 'on the 29th', 'since the 15th': a day of the month alone, after a word that takes a date
_DAY_CUE = re.compile(r"(?<![A-Za-z])(?:on|since|from|after|before|until|till|by|through)\s+$", re.I)


def h_day_of_month(m: re.Match[str], as_of: Date) -> Cand | None:
    """The most recent such day up to today: 'on the 29th' said on Dec 31 is Dec 29."""
    if not _before(_DAY_CUE, m):
        return None  # 'the 3rd' alone ranks something ('the 3rd worst line')
    d = int(m.group(1))
    y, mo = as_of.year, as_of.month
    for _ in range(13):
        x = safe_date(y, mo, d)
        if x is not None and x <= as_of:
            return cand(m, (x, x), "month_day")
        y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
    return None


def h_month(m: re.Match[str], as_of: Date) -> Cand | None:
    mon = m.group(1).lower()
    mo = MONTHS[mon]
    # 'in may' is a month; bare 'may'/'Nov' only count inside since/between.
    strong = (_before(_MONTH_CUE, m) or _MONTH_NEXT.match(m.string, m.end()) is not None
              or (mon in FULL_MONTHS and mon != "may"))
    return cand(m, yl_latest(("m", mo, 0), as_of), "month_name", yl=("m", mo, 0),
                weak=not strong)


def h_year(m: re.Match[str], as_of: Date) -> Cand | None:
    if _QTY_AFTER.match(m.string, m.end()):  # 'over 2000 units'
        return None
    y = int(m.group(1))
    # A year stands alone ('downtime by month for Chongqing 2025') unless a ranking or comparison
    # word makes it a number ('top 2000', 'over 2025'); alone it was dropped without a word.
    weak = not _before(_YEAR_CUE, m) and (_before(_RANK_BEFORE, m) or _before(_NOT_YEAR_BEFORE, m)
                                          or _NUMBER_AFTER.match(m.string, m.end()) is not None)
    return cand(m, year_range(y), "absolute", year=y, weak=weak)


def h_weekno(m: re.Match[str], as_of: Date) -> Cand | None:
    w = int(m.group(2) or m.group(3))
    y = m.group(1) or m.group(4)
    if y:
        return cand(m, iso_week_range(int(y), w), "absolute", year=int(y))
    return cand(m, yl_latest(("w", w, 0), as_of), "absolute", yl=("w", w, 0))


def h_weekday(m: re.Match[str], as_of: Date) -> Cand | None:
    wd = WEEKDAYS.index(m.group(2).lower())
    mod = (m.group(1) or "").lower()
    if mod == "this":  # that day in the current ISO week
        d = as_of + (wd - as_of.weekday()) * DAY
    else:  # most recent such day; 'last Monday' excludes today
        back = (as_of.weekday() - wd) % 7
        d = as_of - (back or (7 if mod else 0)) * DAY
    return cand(m, (d, d), "relative")


_UNITS = r"(week|month|quarter|year)"
_LAST = ("last", "past", "previous", "prior", "trailing", "recent", "rolling")
_YEARS = ("19", "20")
_DAYSUF = r"(st|nd|rd|th)?"
_OPT_YEAR = r"(?:(?:\s*,\s*|\s+)" + YEAR + ")?"

RULES: list[Rule] = [
    (("day", "tomorrow"),
     _c(B + r"(today|yesterday|tomorrow|day\s+before\s+yesterday)" + E), h_day),
    (("week", "month", "quarter", "year"),
     _c(B + r"(?:(this|current|the whole|the full|the entire|last|previous|prior|next)\s+" + _UNITS
        + "|" + _UNITS + r"\s+before\s+last)" + E), h_rel),
    (("date", "td", "so far", "since"),
     _c(B + r"(?:" + _UNITS + r"[\s-]+to[\s-]+date|([ymqw])td|so\s+far\s+this\s+" + _UNITS
        + r"|(?:this|the)\s+" + _UNITS + r"\s+(?:so\s+far|to\s+date)"
        + r"|since\s+the\s+(?:start|beginning)\s+of\s+(?:the|this)\s+" + _UNITS + ")" + E),
     h_todate),
    (_LAST, _c(B + r"(?:(?:" + "|".join(_LAST) + r")\s+" + EN_NUM
               + r"[\s-]+(day|week|month|quarter|year)s?|past\s+(day|week|month|quarter|year))"
               + E), h_lastn),
    (("ago",), _c(B + EN_NUM + r"\s+days?\s+ago" + E), h_ago),
    # (?<![A-Za-z]-): 'SZ-Q3' is a code, but 'Q1-Q3' is a range
    (("q",), _c(r"(?<![A-Za-z0-9])(?<![A-Za-z]-)q([1-4])(?:(?:\s*[,'-]\s*|\s+of\s+|\s+)"
                + YEAR + ")?" + E), h_q),
    (("q",), _c(_NUMB + YEAR + r"(?:\s*-\s*|\s+)?q([1-4])" + E), h_yq),
    (("quarter",), _c(B + ORD + r"\s+quarter(?:" + _YSEP + YEAR + ")?" + E), h_qord),
    (("year",), _c(B + r"(?:q([1-4])|" + ORD + r"\s+quarter|" + MON
                   + r")\s+(?:of\s+)?(this|last|next)\s+year" + E), h_rel_year),
    (("h1", "h2", "half"),
     _c(B + r"(?:h([12])" + _YSEP + YEAR + "|" + YEAR + r"(?:\s*-\s*|\s+)?h([12])|"
        r"(first|second)\s+half\s+of\s+" + YEAR + ")" + E), h_half),
    (("h1", "h2", "half"),
     _c(B + r"(?:h([12])|(first|second)\s+half)(?:\s+(?:of\s+)?(?:the\s+)?(this|last)\s+year)?" + E), h_half_bare),
    (_MONS, _c(B + MON + r"\.?(?:\s*[,-]\s*|\s+of\s+|\s+)" + YEAR + E), h_my),  # 'Nov-2025' too
    (_YEARS, _c(B + r"([a-z]{5,10})\.?\s+" + YEAR + E), h_typo_my),
    (_YEARS, _c(_NUMB + YEAR + r"([-/])(\d{1,2})" + _NUME), h_ym),
    (_YEARS, _c(_NUMB + YEAR + r"([-/.])(\d{1,2})\2(\d{1,2})" + _NUME), h_iso),
    (_MONS, _c(B + MON + r"(?:\.\s*|\s+)(\d{1,2})" + _DAYSUF + _OPT_YEAR + E), h_md),
    (_MONS, _c(B + r"(\d{1,2})" + _DAYSUF + r"\s+(of\s+)?" + MON + r"\.?" + _OPT_YEAR + E), h_dm),
    (_MONS, _c(B + r"(?:the\s+)?(" + "|".join(_DAY_WORDS) + r")\s+of\s+" + MON + r"\.?" + _OPT_YEAR + E), h_dm_word),
    (("st", "nd", "rd", "th"), _c(B + r"the\s+(3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)(?=\s*(?:$|[,.?!;:)]"
                                   r"|(?:and|or|to|vs|through|till|until)(?![A-Za-z])|-))"), h_day_of_month),
    (_MONS, _c(B + MON + r"\.?" + E), h_month),
    # a bare year is weak unless cued ('in 2024'); '2023-2025' with no spaces is a code
    (_YEARS, _c(r"(?<![A-Za-z0-9.,/-])" + YEAR + r"(?![A-Za-z0-9%]|[.,/-][0-9A-Za-z])"), h_year),
    (("w",), _c(B + r"(?:" + YEAR + r"-?w(\d{1,2})|week\s+(\d{1,2})(?:" + _YSEP + YEAR + ")?)"
                + E), h_weekno),
    (("day",), _c(B + r"(?:(last|this|previous)\s+)?(" + "|".join(WEEKDAYS) + ")" + E), h_weekday),
]
