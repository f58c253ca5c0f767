"""Combine base candidates into 'since X' / 'X to Y' ranges, pick the winners and
build labels.

Composition works on candidates rather than inside each regex so that every
base form (ISO date, month name, quarter, 上个月 ...) can be an endpoint
without a combinatorial regex.
"""

from __future__ import annotations

import bisect
import itertools
import re

from ._core import (
    CJK_RE,
    CNN,
    DAY,
    Cand,
    Date,
    TimeMatch,
    TimeRange,
    cn_num,
    safe_date,
    yl_in,
    yl_range,
)
from ._part import part_of

_I = re.I
# 'from' / 从 only mean 'since' when a suffix follows ('from Oct 1 onwards', 从10月1日起).
_SINCE_PRE = re.compile(
    r"(?:(?P<strong>(?<![A-Za-z])(?:since|starting|beginning)(?:\s+(?:from|on|in|with))?\s+(?:the\s+)?"
    r"|自从\s*|自\s*)|(?P<after>(?<![A-Za-z])after\s+(?:the\s+)?)"
    r"|(?P<weak>(?<![A-Za-z])from\s+|从\s*|打从\s*))$", _I)
_SINCE_SUF = re.compile(
    r"\s*(?:(?:onwards?|to\s+date|till\s+now|until\s+now|up\s+to\s+now|so\s+far|to\s+today"
    r"|until\s+today|through\s+today)(?![A-Za-z])"
    r"|以来|至今|迄今|起至今|开始至今|到现在|到目前为止|到目前|至现在|到今天|至今天|起|开始|以后"
    r"|(?P<after>之后))", _I)
_RANGE_PRE = re.compile(
    r"(?:(?P<between>(?<![A-Za-z])between\s+)|(?P<from>(?<![A-Za-z])from\s+)"
    r"|(?P<zh>(?:从|自从|自|由|在|介于)\s*))$", _I)
_GAP = re.compile(
    r"\s*(?:(?P<dash>[-–—~])|(?P<to>(?<![A-Za-z])(?:to|through|thru|until|till)(?![A-Za-z]))"
    r"|(?P<and>(?<![A-Za-z])and(?![A-Za-z]))|(?P<zto>到|至)|(?P<zand>和|与|及))\s*", _I)
# 'compare November to December': two periods side by side, not the months from one to the other
_COMPARED_BEFORE = re.compile(r"(?<![A-Za-z])(?:compar\w*|contrast\w*|vs\.?|versus|against|stack\w*\s+up)(?![A-Za-z])"
                              r"[^.?!;]*$", _I)
_BETWEEN_SUF = re.compile(r"\s*(?:之间|期间)")
# 'Oct 1-15', 'between Oct 1 and 15, 2025', '10月1日到15日'
_CONT_EN = re.compile(
    r"(?P<gap>\s*(?:[-–—~]|(?<![A-Za-z])(?:to|through|thru|until|till|and)(?![A-Za-z]))\s*)"
    r"(?P<d>\d{1,2})(?P<o>st|nd|rd|th)?(?:(?:\s*,\s*|\s+)(?P<y>(?:19|20)\d{2}))?(?![A-Za-z0-9])",
    _I)
_CONT_ZH = re.compile(
    r"\s*(?:到|至|~|-|—)\s*(?P<d>3[01]|[12]\d|0?[1-9]|[" + CNN + r"]{1,3})\s*(?:日|号)"
    r"(?![线机楼台位仓库车])")
# 'the week of Dec 15', 'week starting 1 Dec', 'w/c 15 Dec', '12月15日那周/这一周/所在的周'
_WEEK_OF_PRE = re.compile(r"(?<![A-Za-z])(?:week\s+(?:of|starting|beginning|commencing)(?:\s+on)?|w/c)\s+(?:the\s+)?$",
                          _I)
_WEEK_OF_SUF = re.compile(r"\s*(?:那|这|所在的?|当)\s*(?:一)?(?:周|星期|个星期|礼拜)")
_NOT_ENDPOINT = {"last_n", "to_date"}  # already ranges anchored on today
_ABSORB = r"(?<![A-Za-z])(?:(?:in|during|over|for|within|throughout{})\s+)?" \
    r"(?:the\s+)?(?:(?:calendar\s+)?year\s+|(?<!each\s)(?<!every\s)month\s+of\s+)?$"
_ABSORB_L = re.compile(_ABSORB.format(""), _I)
_ABSORB_L_DAY = re.compile(_ABSORB.format("|on"), _I)  # 'on' only for days: 'based on last month'
_ABSORB_R = re.compile(r"\s*(?:以内|之内|内|期间)")


_PREFIX_TAIL = set("自从由在于")  # last characters of the Chinese prefixes above


def _pre(pat: re.Pattern[str], t: str, pos: int) -> re.Match[str] | None:
    """Match `pat` (anchored with $) ending at pos. Every prefix ends in an ASCII
    letter (+ spaces) or one of _PREFIX_TAIL, so most calls skip the regex."""
    i = pos - 1
    while i >= 0 and t[i].isspace():
        i -= 1
    if i < 0 or not ((t[i].isascii() and t[i].isalpha()) or t[i] in _PREFIX_TAIL):
        return None
    return pat.search(t, max(0, pos - 24), pos)


def _since(t: str, a: Cand, as_of: Date) -> Cand | None:
    if a.kind in _NOT_ENDPOINT or a.start > as_of:
        return None
    pre, suf = _pre(_SINCE_PRE, t, a.s), _SINCE_SUF.match(t, a.e)
    if not suf and not (pre and (pre.group("strong") or pre.group("after"))):
        return None
    # 'after X' / X之后 exclude X itself; 'since X', X以来, X以后 include it
    after = bool((pre and pre.group("after")) or (suf and suf.group("after")))
    start = a.end + DAY if after else a.start
    if start > as_of:
        return None
    s = pre.start() if pre else a.s
    return Cand(s, suf.end() if suf else a.e, start, as_of, "since", prio=1)


def _week_of(t: str, a: Cand) -> Cand | None:
    """A day named as 'the week of' it: that Monday-to-Sunday week."""
    if not a.day_level:
        return None
    pre = _WEEK_OF_PRE.search(t, max(0, a.s - 30), a.s)
    suf = None if pre else _WEEK_OF_SUF.match(t, a.e)
    if pre is None and suf is None:
        return None
    monday = a.start - a.start.weekday() * DAY
    return Cand(pre.start() if pre else a.s, suf.end() if suf else a.e, monday, monday + 6 * DAY, "absolute",
                year=a.year, prio=1)


def _yl_year(c: Cand) -> int:
    return c.start.isocalendar()[0] if c.yl and c.yl[0] == "w" else c.start.year


def _pair(a: Cand, b: Cand) -> tuple[Date, Date] | None:
    """Range from a's start to b's end; a yearless side borrows the other side's year."""
    ar: tuple[Date, Date] | None = (a.start, a.end)
    br: tuple[Date, Date] | None = (b.start, b.end)
    if a.yl and (b.yl or b.year is not None):
        ar = yl_in(a.yl, b.year if b.year is not None and not b.yl else _yl_year(b), -1, b.end)
    elif b.yl and a.year is not None:
        br = yl_in(b.yl, a.year, +1, a.start)
    if ar is None or br is None or ar[0] > br[1]:
        return None
    return ar[0], br[1]


def _between(t: str, a: Cand, b: Cand) -> Cand | None:
    gap = _GAP.fullmatch(t, a.e, b.s)
    if gap is None or a.kind in _NOT_ENDPOINT or b.kind in _NOT_ENDPOINT:
        return None
    pre = _pre(_RANGE_PRE, t, a.s)
    suf = _BETWEEN_SUF.match(t, b.e)
    kind = gap.lastgroup
    ok = {
        "dash": True,
        "zto": True,
        # 'compare Nov 2025 to Dec 2025' is not a range; 'Oct 1 to Oct 15' is
        "to": bool((pre and pre.group("from")) or (pre and pre.group("between"))
                   or (a.day_level and b.day_level) or (gap.group("to") or "to").lower() != "to"  # through, until
                   or not _COMPARED_BEFORE.search(t, 0, a.s)),  # 'July to December' unless comparing
        "and": bool(pre and pre.group("between")),
        "zand": suf is not None,
    }[kind or "dash"]
    r = _pair(a, b) if ok else None
    if r is None:
        return None
    return Cand(pre.start() if pre else a.s, suf.end() if suf else b.e, r[0], r[1], "between",
                prio=2)


def _continuation(t: str, a: Cand) -> Cand | None:
    """'Oct 1-15' / '10月1日到15日': the second endpoint is a bare day of a's month."""
    if not a.day_level or a.kind not in ("absolute", "month_day"):
        return None
    start, y = a.start, a.start.year
    m = _CONT_ZH.match(t, a.e)
    if m:
        d = cn_num(m.group("d"))
    else:
        m = _CONT_EN.match(t, a.e)
        if not m:
            return None
        pre = _pre(_RANGE_PRE, t, a.s)
        gap = m.group("gap").strip().lower()
        tight = m.group("gap") in "-–—~"  # 'Oct 1-15' written without spaces
        if gap == "and" and not (pre and pre.group("between")):
            return None
        if not (pre or m.group("o") or m.group("y") or tight):
            return None  # 'Dec 1 - 3 machines broke' is not a range
        d = int(m.group("d"))
        if m.group("y") and a.yl:
            y = int(m.group("y"))
            r = yl_range(a.yl, y)
            start = r[0] if r else start
    end = safe_date(y, start.month, d) if d else None
    if end is None or end <= start:
        return None
    pre = _pre(_RANGE_PRE, t, a.s)
    return Cand(pre.start() if pre else a.s, m.end(), start, end, "between", prio=2)


def _select(pool: list[Cand]) -> list[Cand]:
    """Longest first, then leftmost, then base before composite; no overlaps."""
    chosen: list[Cand] = []
    # a mark per character taken: comparing each candidate with every chosen one was quadratic
    taken = bytearray(max((c.e for c in pool), default=0))
    for c in sorted(pool, key=lambda c: (c.s - c.e, c.s, c.prio)):
        if c.s >= c.e:  # an empty span (none are made; kept exact): only a span strictly around it blocks it
            if all(c.e <= o.s or c.s >= o.e for o in chosen):
                chosen.append(c)
        elif taken.find(1, c.s, c.e) < 0:
            chosen.append(c)
            taken[c.s:c.e] = b"\x01" * (c.e - c.s)
    return sorted(chosen, key=lambda c: c.s)


class _Clear:
    """Spans asked whether a span overlaps none of them, by bisection (one look-up per candidate)."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._max_end = list(itertools.accumulate((e for _, e in ordered), max))

    def of(self, s: int, e: int) -> bool:
        """Like `all(e <= s2 or s >= e2 for s2, e2 in spans)`."""
        k = bisect.bisect_left(self._starts, e)
        return not (k and self._max_end[k - 1] > s)


def _label(desc: str, start: Date, end: Date, zh: bool) -> str:
    desc = " ".join(desc.split())
    if zh:
        return f"{desc}（{start}）" if start == end else f"{desc}（{start} 至 {end}）"
    return f"{desc} ({start})" if start == end else f"{desc} ({start} to {end})"


def resolve(original: str, t: str, base: list[Cand], as_of: Date) -> list[TimeMatch]:
    """Compose, select and absorb; `t` is the normalised form of `original`."""
    strong = [c for c in base if not c.weak]
    # A weak reading inside a strong one ('Oct' in 'Oct 1') can only produce worse
    # compositions than the strong one, so drop it before the pairwise pass.
    clear = _Clear([(c.s, c.e) for c in strong])
    ordered = sorted(strong + [w for w in base if w.weak and clear.of(w.s, w.e)], key=lambda c: c.s)
    composites: list[Cand] = []
    for i, a in enumerate(ordered):
        week = _week_of(t, a)
        # '从11月17号那周开始': since the Monday of the week named by its day
        for c in (_since(t, a, as_of), _continuation(t, a), week, part_of(t, a),
                  week and _since(t, week, as_of)):
            if c is not None:
                composites.append(c)
        for b in itertools.islice(ordered, i + 1, None):  # not ordered[i + 1:]: a copy per candidate
            if b.s - a.e > 12:
                break
            if b.s >= a.e:
                c = _between(t, a, b)
                if c is not None:
                    composites.append(c)
    chosen = _select(strong + composites)
    zh = CJK_RE.search(t) is not None
    out: list[TimeMatch] = []
    for i, c in enumerate(chosen):
        prev_end = chosen[i - 1].e if i else 0
        next_start = chosen[i + 1].s if i + 1 < len(chosen) else len(t)
        # Absorb 'in the' / 'over the' / trailing 内 so that a caller stripping the
        # time phrase from the question leaves no dangling preposition.
        pat = _ABSORB_L_DAY if c.day_level else _ABSORB_L
        left = _pre(pat, t, c.s) if c.s > prev_end else None
        left = left if left and left.start() >= prev_end else None
        s = left.start() if left else c.s
        right = _ABSORB_R.match(t, c.e, next_start)
        e = right.end() if right else c.e
        label = _label(t[c.s:c.e], c.start, c.end, zh)
        out.append(TimeMatch(TimeRange(start=c.start, end=c.end, label=label), (s, e), original[s:e], c.kind))
    return out
