"""Second metrics that are not a second figure: a counting phrase ('多少件', 'how many parts') that says
how another metric is counted, and a metric's noun said again inside another's name ('库存' of '安全库存')."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.plan.rules.extract import Span
from assistant.plan.rules.shape_words import COUNT

if TYPE_CHECKING:
    from assistant.plan.rules.matching import Parsed
    from assistant.plan.rules.vocab import Match
    from semantic_layer.layer import Layer

# A count word with at most a measure word: '多少件', 'how many units' (not 'how many defects', which names one).
_COUNT_PHRASE = re.compile(r"\s*(?:(?:how\s+many\s+)?(?:units?|pieces?|pcs|items?|parts)"
                           r"|(?:多少|几)\s*[件个台只套批]?|件数)\s*", re.I)
_AND = re.compile(r"\b(?:and|plus|as\s+well\s+as)\b|[&和及与跟]|还有", re.I)
_COUNTED = {"count", "quantity"}
_CLAUSE_BREAK = re.compile(r"[,，;；。.?？!！()（）]")


def drop_counting_phrases(out: Parsed, layer: Layer, text: str) -> None:
    """'各类缺陷分别多少件': a metric named only by a counting phrase ('多少件', 'how many units') says
    how the other metric is counted, not a second figure."""
    if len(out.metrics) < 2:
        return
    units = {m: layer.metric(m).unit for m in out.metrics}
    for m in [m for m in out.metrics if _COUNT_PHRASE.fullmatch(out.matched_text.get(m, ""))]:
        start = out.metric_spans.get(m, (0, 0))[0]
        # only beside a metric counted in pieces, in the same clause: '工单（不含已取消的），每条线一共计划
        # 生产多少件' asks another figure, and 'how many parts did we make and how many defects' two;
        # 'how many parts did we throw away' counts the scrap
        # ('how many units were on the sales orders' is their quantity, not how many orders: a count
        # phrase before the metric only stands for pieces that metric sums)
        if any(o != m and units[o] in _COUNTED and _same_clause(text, out.metric_spans.get(o), (start, start))
               and (out.metric_spans.get(o, (0, 0))[1] <= start or _sums_pieces(o, layer)) for o in out.metrics):
            out.metrics.remove(m)


def drop_repeated_nouns(out: Parsed, matches: list[Match]) -> None:
    """'库存盘点里低于安全库存的物料', 'stock below safety stock': a metric named only by a word that another
    named metric's words hold is that metric's noun said again, not a second figure ('在库多少、安全库存
    多少' names both)."""
    if len(out.metrics) < 2:
        return
    said = {m: out.matched_text.get(m, "").strip().lower() for m in out.metrics}
    forms = {m: {x.text.strip().lower() for x in matches if any(t.kind == "metric" and t.ref == m for t in x.terms)}
             for m in out.metrics}
    for m in list(out.metrics):
        if forms[m] and all(any(o != m and len(said[o]) > len(f) and _holds(said[o], f) for o in out.metrics)
                            for f in forms[m]):
            out.metrics.remove(m)


def _holds(longer: str, word: str) -> bool:
    if not word.isascii():
        return word in longer
    return re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", longer) is not None


_HOW_LONG = re.compile(r"\bhow\s+long\b|多久|多长时间|多少时间", re.I)


def keep_the_duration(out: Parsed, text: str, layer: Layer) -> None:
    """'设备出故障以后平均多长时间能修好': asked how long, and not how many, the one metric that is a length of
    time is the figure; the other names the events it is about."""
    if len(out.metrics) != 2 or not _HOW_LONG.search(text) or COUNT.search(text):
        return
    durations = [m for m in out.metrics if getattr(layer.unit(layer.metric(m).unit), "kind", None) == "duration"]
    if len(durations) == 1:
        out.metrics[:] = durations


def _sums_pieces(metric: str, layer: Layer) -> bool:
    return all(m.agg == "sum" for m in layer.metric_measures(metric))


def _same_clause(text: str, other: Span | None, here: Span) -> bool:
    if other is None:
        return False
    if other[1] <= here[0]:
        return not _CLAUSE_BREAK.search(text, other[1], here[0])
    between = text[here[1]:other[0]]
    return not _CLAUSE_BREAK.search(between) and not _AND.search(between)
