"""Domain-free words that give a question its shape, in English and Chinese: a share of a total,
one figure per another, a list of members, a count of things, a negation.

Nothing here names data: what is counted, listed or divided comes from the semantic layer.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.plan.rules.spans import Spans

Span = tuple[int, int]

# "what share of", "percentage of", "how much of the downtime was", "占总产量的百分比", "占了几成".
SHARE = re.compile(
    r"(?:\b(?:share|fraction|proportion|percentage|percent|portion|ratio|slice)|%)\s+of\b"
    r"|\bwhat\s+(?:%|percent|percentage|share|fraction|proportion)(?!\w)|\bhow\s+much\s+of\b"
    r"|\bas\s+a\s+(?:share|percentage|fraction)\b|\b(?:share|percentage|fraction|proportion)s?\b"
    r"|\b(?:in|as)\s+(?:%|percent\b|percentages?\b|pct\b)"
    r"|占(?:了)?(?:总|全部|全|整体|所有)?[^，,。？?]{0,8}?(?:的)?(?:比例|比重|百分比|多少|几成|份额)"
    r"|占比|所占比例|比例|百分比|百分之几|百分之多少|几成|份额", re.I)
# "X per Y", "average X per Y", "X divided by Y", "平均每Y的X", "X除以Y".
# ('over in Chongqing', 'over there', 'over the last month' are places and times, no ratio)
PER = re.compile(r"\bper\s+million\b|\b(?:per|for each|for every|divided by|relative to)\b(?=\s+[a-z])"
                 r"|\bover\b(?=\s+[a-z])(?!\s+(?:in|at|on|there|here|to|by|from)\b)"
                 r"|\bratio\s+of\b"
                 r"|除以|与.{1,8}之比|平均每(?:个|张|次|批|台|条|家|件|单|笔)?|每(?:个|张|次|批|台|条|家|单|笔)", re.I)
AVERAGE = re.compile(r"\b(?:average|avg|mean|typical)\b|平均", re.I)
# "list all customers", "which machines are on", "有哪些", "列出".
LIST = re.compile(r"^\s*(?:please\s+)?(?:list|show(?:\s+me)?\s+(?:all|every|the\s+list)|give\s+me\s+(?:a\s+list|all))\b"
                  r"|\blist\s+(?:of|all|every|our|the|w/|with)(?!\w)|[-,:–]\s*list\b|\b(?:and|with)\s+(?:their|its)\b"
                  # 'product list only', 'just the customer list': a list of that kind
                  r"|\b[a-z]+\s+list\s+(?:only|please|pls)\b|\b(?:just|only)\s+(?:the\s+)?[a-z]+\s+list\b"
                  r"|\bwhich\s+(?:of\s+(?:our|the|all)\s+)?\w+(?:\s+[\w-]+){0,5}?\s+(?:are|is|belong|sits?|stands?|do\s+we\s+(?:have|get|buy|use|source|order|work\s+with)|does)\b"
                  # ... not 'which plant is doing best': a ranking with no figure named, asked about
                  r"(?!\s+(?:\w+\s+)?(?:best|worst|better|worse|most|least|highest|lowest|top|bottom)\b)"
                  r"|\bwhat\s+\w+(?:\s+\w+)?\s+(?:are\s+there|do\s+we\s+(?:have|get|buy|use|source|stock))\b"
                  r"|\bwho\s+are\s+(?:our|the|all)\b|^\s*what\s+(?:were|are)\s+(?!the\s+(?:top|bottom)\b)"
                  # 'which production lines build brake products?', 'which suppliers supply resin'
                  r"|\bwhich\s+(?:of\s+(?:our|the|all)\s+)?[\w-]+(?:\s+[\w-]+){0,2}?\s+(?:build|builds|make|makes|run|runs"
                  r"|produce|produces|supply|supplies|provide|provides|carry|carries|serve|serves)\b(?!\s+(?:the\s+)?(?:most|least|longest|shortest|fastest|slowest"
                  r"|best|worst|highest|lowest|more|less|fewest)\b)"
                  # 'which European carmakers we sell to', 'which vendors do we buy resin from'
                  r"|\bwhich\s+[\w-]+(?:\s+[\w-]+){0,5}?\s+(?:do\s+)?we\s+(?:sell|ship|deliver|supply|buy|source|order)"
                  r"\b(?!\s+(?:\w+\s+)?(?:the\s+)?(?:most|least|more|less|fewest)\b)"
                  # 'customers we have in Europe?', 'suppliers we work with in Germany'
                  r"|^\s*(?:all\s+(?:the\s+)?|our\s+|the\s+)?[a-z]+\s+(?:that\s+)?we\s+(?:have|use|buy|work\s+with)\b"
                  r"|\bwhat\s+\w+(?:\s+\w+)?\s+(?:are|is)\s+(?:in|on|at|from|under|part\s+of)\b"
                  r"|列出|列一下|列个|有哪些|都有哪些|是哪些|哪几(?:家|个|台|条|位|种)|分别是(?!多少|几)|及其|以及它们的"
                  r"|和它们的|(?:分别|各自)(?:做|生产|是)什么"
                  # '欧洲那边的客户都有谁', '哪些客户在欧洲': who or which they are, no figure
                  r"|都有谁|有谁|是谁|哪些[\u4e00-\u9fff]{1,6}?(?:在|属于|来自|位于)", re.I)
# "how many", "number of", "多少个", "几家".
COUNT = re.compile(r"\bhow\s+many\b|\bnumber\s+of\b|\bcount\s+of\b|\bcount\b"
                   r"|(?:多少|(?<!哪)几)(?:个|张|家|台|批|条|次|份|单|起|位|种)|数量|数目|个数", re.I)


@dataclass
class Shapes:
    """Where each shape word stands in the question (None: not asked)."""

    share: Span | None = None
    per: Span | None = None
    average: Span | None = None
    listing: Span | None = None
    count: Span | None = None

    def spans(self) -> list[Span]:
        return [s for s in (self.share, self.per, self.average, self.listing, self.count) if s]


def _first(pattern: re.Pattern[str], text: str, taken: list[Span], inside: Sequence[Span] = ()) -> Span | None:
    """The first match clear of `taken` and not wholly inside one of `inside` (a metric's own name)."""
    used, names = Spans(taken), Spans(inside)  # a look-up per match, not a scan of every span
    for m in pattern.finditer(text):
        if used.overlaps(*m.span()) or names.covers(*m.span()) or _DECLINED.search(text, max(0, m.start() - 16),
                                                                                     m.start()):
            continue
        return m.span()
    return None


# 'a raw count, not a percentage', '不要百分比': the shape is said to be declined
_DECLINED = re.compile(r"(?:\bnot|\bno|\brather\s+than|\binstead\s+of|\bwithout)\s+(?:(?:as\s+)?an?\s+|the\s+)?$"
                       r"|(?:不要|不是|不用)\s*$", re.I)


def share_asked(text: str) -> bool:
    """A share word said, not declined."""
    return _first(SHARE, text, []) is not None


def find_shapes(text: str, taken: list[Span], metric_spans: list[Span], dim_spans: Sequence[Span] = ()) -> Shapes:
    """The shape words of a folded question, outside the spans of times and thresholds (`taken`);
    a 'per' inside a metric's own name ('energy per unit') is not a division either, nor is a 每
    right before a breakdown ('每条线' is 'for each line')."""
    dim_starts = sorted(s for s, _ in dim_spans)
    marks = [(m.start(), m.end()) for m in PER.finditer(text)
             if m.group(0).startswith("每") and _starts_within(dim_starts, m.start(), m.end())]
    return Shapes(share=_first(SHARE, text, taken, metric_spans),
                  per=_first(PER, text, [*taken, *metric_spans, *marks]),
                  average=_first(AVERAGE, text, [*taken, *metric_spans]), listing=_first(LIST, text, taken),
                  count=_first(COUNT, text, taken))


def _starts_within(starts: list[int], after: int, upto: int) -> bool:
    """Like `any(after < s <= upto for s in starts)`, for sorted `starts`."""
    k = bisect_right(starts, after)
    return k < len(starts) and starts[k] <= upto


# "by supplier", "per line", "按供应商", "各客户": a breakdown is asked (a metric question, not a trace).
BREAKDOWN = re.compile(r"\b(?:by|per|for each|each)\s+[a-z]|按|各|每个", re.I)


def asks_a_figure(text: str) -> bool:
    """A share, or a count broken down: the question wants figures, not a walk through the genealogy."""
    return bool(share_asked(text) or (COUNT.search(text) and BREAKDOWN.search(text)))
