"""The first or last few units of a period: 'the first 3 months of this year', '今年前三个月', '12月的后两周',
'the last two weeks of November'. Read on a period candidate, since the part words are useless alone."""

from __future__ import annotations

import re

from ._core import CNN, DAY, EN_NUM, Cand, add_months, cn_num, en_num

_UNIT = {"day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month", "months": "month",
         "quarter": "quarter", "quarters": "quarter", "天": "day", "日": "day", "周": "week", "星期": "week",
         "礼拜": "week", "个星期": "week", "个礼拜": "week", "月": "month", "个月": "month", "季度": "quarter",
         "个季度": "quarter"}
_EN_PRE = re.compile(r"(?<![A-Za-z])(?:the\s+)?(?P<dir>first|last|final|opening|closing)\s+(?:" + EN_NUM + r"\s+)?"
                     r"(?P<unit>days?|weeks?|months?|quarters?)\s+(?:of|in)\s+(?:the\s+)?$", re.I)
_ZH_SUF = re.compile(r"\s*的?\s*(?P<dir>前|头|最后|后)\s*(?P<n>\d{1,2}|[" + CNN + r"]{1,3})\s*"
                     r"(?P<unit>个星期|个礼拜|个季度|个月|季度|星期|礼拜|周|天|日|月)")
_DAYS = {"day": 1, "week": 7}
_MONTHS = {"month": 1, "quarter": 3}


def part_of(t: str, a: Cand) -> Cand | None:
    """The part of period `a` the words before it (English) or after it (Chinese) name; None if none."""
    if a.day_level:
        return None
    en = _EN_PRE.search(t, max(0, a.s - 40), a.s)
    zh = None if en else _ZH_SUF.match(t, a.e)
    m = en or zh
    if m is None:
        return None
    said = m.group(2) if en else m.group("n")
    n = 1 if said is None else (en_num(said) if en else cn_num(said))
    unit = _UNIT.get(m.group("unit").lower())
    if not n or unit is None:
        return None
    first = m.group("dir").lower() in ("first", "opening", "前", "头")
    if unit in _DAYS:
        span = n * _DAYS[unit] * DAY
        start, end = (a.start, a.start + span - DAY) if first else (a.end - span + DAY, a.end)
    else:
        months = n * _MONTHS[unit]
        start, end = ((a.start, add_months(a.start, months) - DAY) if first
                      else (add_months(a.end + DAY, -months), a.end))
    if start < a.start or end > a.end or (start, end) == (a.start, a.end):
        return None  # more than the period holds, or all of it: no part was named
    return Cand(m.start() if en else a.s, a.e if en else m.end(), start, end, "absolute", prio=1)
