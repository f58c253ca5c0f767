"""Reporting grain words ('by month', 每周, 季度 ...); period starts are `assistant.core.calendar`'s."""

from __future__ import annotations

import re

from assistant.core.calendar import GRAINS, grain_start

from ._core import CNN, normalize

__all__ = ["GRAINS", "find_grain", "grain_start"]

_U = r"(day|week|month|quarter|year)"
_EN_ADJ = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter",
           "yearly": "year", "annual": "year", "annually": "year"}
_ZH_UNIT = {"天": "day", "日": "day", "周": "week", "星期": "week", "月": "month",
            "季度": "quarter", "季": "quarter", "年": "year", "日期": "day", "月份": "month",
            "年份": "year"}

_EN = re.compile(
    r"(?<![A-Za-z0-9])(?:(?P<adj>daily|weekly|monthly|quarterly|yearly|annual(?:ly)?)"
    # not 'by the day the order came in', 'by the date they placed it': which date, not a grain
    r"|(?:by|per|each|every)\s+(?:the\s+)?(?P<u1>day|date|week|month|quarter|year)"
    r"(?!\s+(?:the|that|when|which|it|they|we|a|an|its|their|our|on\s+which)\b)"
    # 'each month of the second half', 'every week of 2025': the grain over a period; 'by the day of' no grain
    r"(?!\s+of\b(?!\s+(?:the\s+)?(?:first|second|third|fourth|last|past|previous|this|current|(?:19|20)\d\d"
    r"|[qh][1-4])\b))"
    r"|(?P<u2>day|week|month|quarter|year)[\s-]+(?:by|over|on)[\s-]+(?P=u2)"
    # 'by plant and month', 'per line, shift and day': the grain closes a by-list;
    # only the grain word is reported so the other dimensions stay in the question
    r"|(?:by|per)\s+(?:[A-Za-z-]+\s*(?:,\s*(?:and\s+)?|and\s+)){1,3}"
    r"(?P<u3>day|date|week|month|quarter|year))(?![A-Za-z0-9])",
    re.I)
# 季度/年度/月度 also occur inside period names (上季度, 第四季度, 2025年度, 本月度), which
# are time ranges, not grains; the look-behind rules those out.
_ZH = re.compile(
    r"(?:每(?:一|个|一个)?|按|逐|各|分)\s*(?P<z1>天|日|周|星期|月|季度|季|年)"
    r"|(?<![\d" + CNN + r"本上下这当今去前明个第每按逐各分Qq])(?P<z2>日|周|月|季|年)度"
    # 按工厂和月份: the grain closes a 按-list; only the grain word is reported
    r"|(?<=[和、及])(?P<z3>日期|月份|季度|年份)(?=.{0,12}$|[看统汇分的拆])")


# 'the most recent weekly stock take', 'last monthly review': one record of a kind that recurs, not a grain
_ONE_OF_THEM = re.compile(r"\b(?:latest|most\s+recent|newest|last|current)\s+$", re.I)


# 'for the annual review', 'the monthly meeting': an occasion's name, not a grain
_AN_OCCASION = re.compile(r"\s+(?:review|meeting|report|deck|plan|budget|audit|summary|presentation|call|huddle)s?\b",
                          re.I)


def find_grain(text: str) -> tuple[str, tuple[int, int]] | None:
    """Leftmost grain word and its span in the original string, or None."""
    t = normalize(text)
    best: tuple[int, int, str] | None = None
    for pat in (_EN, _ZH):
        for m in pat.finditer(t):
            g = m.groupdict()
            s, e = m.span()
            if g.get("adj") and (_ONE_OF_THEM.search(t[max(0, s - 16):s]) or _AN_OCCASION.match(t, e)):
                continue
            if g.get("adj"):
                grain = _EN_ADJ[g["adj"].lower()]
            elif g.get("u3") or g.get("z3"):
                key = "u3" if g.get("u3") else "z3"
                s, e = m.span(key)
                grain = _ZH_UNIT.get(g[key], g[key].lower())
            elif g.get("u1") or g.get("u2"):
                grain = (g.get("u1") or g["u2"]).lower()
            else:
                grain = _ZH_UNIT[g.get("z1") or g["z2"]]
            grain = "day" if grain == "date" else grain
            if best is None or (s, -e) < (best[0], -best[1]):
                best = (s, e, grain)
            break  # finditer is left to right: the first hit is this pattern's leftmost
    return (best[2], (best[0], best[1])) if best else None
