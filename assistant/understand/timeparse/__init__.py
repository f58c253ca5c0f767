"""Domain-free parser of English / Simplified-Chinese time expressions.

    find_time_ranges("上个月和 Q4 2025 的产量", date(2025, 12, 31))
    find_grain("monthly scrap trend")  -> ("month", (0, 7))
    grain_start(date(2025, 12, 31), "week") -> date(2025, 12, 29)

Contract (spec demo-factory.md, 'Relative dates' and 'Grains'): weeks are ISO
(Monday..Sunday), months and quarters are calendar periods, 'this X' runs to the
period end, 'last N days' is the N days ending as_of inclusive, and a month /
quarter / day without a year is the most recent one whose start is <= as_of.
"""

from __future__ import annotations

import datetime as dt

from . import _en, _zh
from ._compose import resolve
from ._core import CJK_RE, Cand, TimeMatch, TimeRange, normalize
from ._grain import GRAINS, find_grain, grain_start

__all__ = ["GRAINS", "TimeMatch", "TimeRange", "find_grain", "find_time_ranges", "grain_start"]


def _base(t: str, as_of: dt.date) -> list[Cand]:
    rules = _en.RULES + _zh.RULES if CJK_RE.search(t) else _en.RULES
    low = t.lower()
    out: list[Cand] = []
    for triggers, pat, handler in rules:
        if not any(k in low for k in triggers):
            continue
        for m in pat.finditer(t):
            c = handler(m, as_of)
            if c is not None:
                out.append(c)
    return out


def find_time_ranges(text: str, as_of: dt.date) -> list[TimeMatch]:
    """All non-overlapping time expressions in `text`, left to right; the longest
    reading wins ('2025年11月1日' over '2025年'). Spans index the original string."""
    t = normalize(text)
    return resolve(text, t, _base(t, as_of), as_of)
