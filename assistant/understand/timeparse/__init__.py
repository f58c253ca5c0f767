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
import re
from collections.abc import Collection

from . import _en, _zh
from ._compose import resolve
from ._core import CJK_RE, Cand, TimeMatch, TimeRange, normalize
from ._grain import GRAINS, find_grain, grain_start

_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

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


def find_time_ranges(text: str, as_of: dt.date, *, naming_words: Collection[str] = ()) -> list[TimeMatch]:
    """All non-overlapping time expressions in `text`, left to right; the longest
    reading wins ('2025年11月1日' over '2025年'). Spans index the original string.

    `naming_words` are the caller's nouns that number things ('line', 'store'): a number
    right after one is that thing's number, not a day ('line 5 Nov 2025' is November)."""
    t = _POSSESSIVE_PERIOD.sub(lambda m: m.group(1) + " ", normalize(text))  # same length: spans still index
    candidates = _base(t, as_of)
    if naming_words:
        candidates = [c for c in candidates if not _numbers_a_thing(t, c, naming_words)]
    return resolve(text, t, candidates, as_of)


# 'last months energy', 'yesterdays scrap': a period's possessive typed without its apostrophe (only
# before another word: 'over the last months' stays a vague plural)
_POSSESSIVE_PERIOD = re.compile(
    r"\b((?:last|this|previous|past)\s+(?:week|month|quarter|year)|yesterday|today)s(?=\s+[a-z])", re.I)


def _numbers_a_thing(t: str, c: Cand, naming_words: Collection[str]) -> bool:
    if not t[c.s:c.e][:1].isdigit():
        return False
    word = _last_word(t, c.s)
    return bool(word) and word.lower() in naming_words


def _last_word(t: str, end: int) -> str:
    """The ASCII word right before `end` (white space between allowed), else ''. Read backwards from
    `end`: a regex search of all the text before every number was quadratic in the text's length."""
    i = end
    while i > 0 and t[i - 1].isspace():
        i -= 1
    j = i
    while j > 0 and t[j - 1] in _ASCII_LETTERS:
        j -= 1
    return t[j:i]
