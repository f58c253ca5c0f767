"""What a share is taken over: 'scrap from the night shift' (the part named after the metric), 'each plant's
share of output' (the breakdown), 'Chongqing: breakdowns as a share of all downtime events' (a topic before a
colon is the whole's scope), '苏州的缺陷件里，critical的占多少' (the whole said first)."""

from __future__ import annotations

import re

from assistant.plan.query import SemanticQuery
from assistant.plan.rules.matching import Parsed
from assistant.plan.rules.shape_words import Shapes
from semantic_layer.layer import Layer


def share_over(query: SemanticQuery, parsed: Parsed, shapes: Shapes, layer: Layer, text: str = "") -> list[str]:
    """The dimensions a share is taken over: the filtered ones named after the metric ('scrap from the
    night shift'), else all filtered ones, else the breakdowns ('each plant's share of output')."""
    if shapes.share is None or not query.metrics or layer.unit(layer.metric(query.metrics[0]).unit) is None:
        return []
    unit = layer.unit(layer.metric(query.metrics[0]).unit)
    if unit is not None and unit.kind == "ratio":
        return []  # a rate is already a share; "what share" then just asks for it
    metric_at = parsed.metric_spans.get(query.metrics[0], (0, 0))[0]
    filtered = [f.field for f in query.filters if f.field in layer.dimensions]
    positions = {terms[0].ref: m.start for m, terms in parsed.values if terms}  # 'breakdowns' may name a metric too
    if (scoped := _within_scope(query, parsed, filtered, positions, text) or _between(query, parsed, text)) is not None:
        return scoped
    if (own_whole := _groups_own_whole(query, parsed, shapes, filtered, positions, text)) is not None:
        return own_whole
    own = re.search(r"各自|自己|\b(?:their|its) own\b", text)  # '各自总停机时间': each group's own whole
    later = [d for d in filtered if positions.get(d, -1) > metric_at]
    later = _after_copula(later, positions, text, metric_at) or later
    if later:
        return list(dict.fromkeys(later))
    # 'critical缺陷占全部缺陷', '各厂非计划停机占总停机', 'unplanned downtime share by plant': the member
    # said right before the metric (or with its word: '非计划停机') is its part; earlier ones the scope
    # '% of defective qty by defect type': each group's share of the total asked after the share word
    after = [d for d in query.dimensions if parsed.dim_words.get(d, (-1, -1))[0] > shapes.share[0]
             and d not in parsed.bare_dims]
    if after and not later:
        return after
    ends = {terms[0].ref: m.end for m, terms in parsed.values if terms}
    said = parsed.matched_text.get(query.metrics[0], "")
    inside = {terms[0].ref for m, terms in parsed.values if terms and said and said in m.text}
    adjacent = [d for d in filtered if 0 <= metric_at - ends.get(d, -9) <= 1 or d in inside]
    if adjacent:
        return adjacent
    # '宁波本月的报废件里，各条线分别占了多少', "each line's share": a breakdown before the share word
    if not own and any(d in parsed.dim_words and parsed.dim_words[d][0] < shapes.share[0] for d in query.dimensions):
        return list(query.dimensions)
    if filtered:
        return list(dict.fromkeys(filtered))
    return list(query.dimensions)


# '苏州的缺陷件里，critical的占多少', 'of the pieces we binned this month, what share ...': the whole is said
# first, then the part. What the whole names stays on both sides of the share.
_SCOPE_ZH = re.compile(r"(?:里|中|当中|之中|里面|里头)\s*[,，]")
_SCOPE_EN = re.compile(r"^\s*(?:of|among|out\s+of|from)\s+(?:the|all|our|every|last|this|these|those|[a-z]+['’]s)\b"
                       r"[^,?;]{3,80}?,", re.I)


_BETWEEN = re.compile(r"\b(?:between|among|amongst|across)\s+(?:the\s+|our\s+)?"
                      r"(?:different\s+|various\s+|individual\s+)?$", re.I)


def _between(query: SemanticQuery, parsed: Parsed, text: str) -> list[str] | None:
    """'how do the unplanned minutes divide up between the different causes': the groups named after 'between'."""
    at = {d: parsed.dim_words.get(d, (0, 0))[0] for d in query.dimensions}
    return [d for d in query.dimensions if _BETWEEN.search(text, max(0, at[d] - 30), at[d])] or None
_TOPIC = re.compile(r"^\s*[^:：?？,，]{2,40}[:：]")

# '% of the line's pieces', 'as a share of its plant total': the whole is that of the thing named, so a
# filter on it stays on both sides and each group of the breakdown is the part.
_WHOLE_OF = re.compile(r"\bof\s+(?:(?:the|its|their|this|that)\s+)?([a-z]+)?", re.I)


# 'what share of the work orders finished in november were for Suzhou': the words before the verb describe
# the whole, those after it the part
_COPULA = re.compile(r"\b(?:were|was|are|is|came|come|went|got|passed|failed|ended\s+up|turned\s+out)\b", re.I)


def _after_copula(later: list[str], positions: dict[str, int], text: str, metric_at: int) -> list[str] | None:
    verb = _COPULA.search(text, metric_at)
    if verb is None:
        return None
    part = [d for d in later if positions.get(d, -1) >= verb.end()]
    return list(dict.fromkeys(part)) if part and len(part) < len(later) else None


def _groups_own_whole(query: SemanticQuery, parsed: Parsed, shapes: Shapes, filtered: list[str],
                      positions: dict[str, int], text: str) -> list[str] | None:
    """A share whose whole is each group's own: '% of the line's defective pieces' (the line is the whole,
    each group of the breakdown the part), '计划内停机占各厂自己停机时间的比例' (what is filtered is the part)."""
    if not query.dimensions or shapes.share is None:
        return None
    whole = _WHOLE_OF.search(text, shapes.share[0])
    named = [*parsed.dim_words.items(), *((d, (-1, -1)) for d in filtered)]  # its word, or a member of it
    if whole and any(d in filtered and whole.start(1) in (*range(s, e), positions.get(d)) for d, (s, e) in named):
        return list(query.dimensions)
    if filtered and re.search(r"各自|自己|\b(?:their|its) own\b", text):
        return list(dict.fromkeys(filtered))
    return None


def _within_scope(query: SemanticQuery, parsed: Parsed, filtered: list[str], positions: dict[str, int],
                  text: str) -> list[str] | None:
    topic = _TOPIC.match(text)  # 'Chongqing: breakdowns as a share of all downtime events': Chongqing's whole
    part = [d for d in filtered if topic is not None and positions.get(d, -1) >= topic.end()]
    if 0 < len(part) < len(filtered):
        return list(dict.fromkeys(part))
    scope = _SCOPE_ZH.search(text) or _SCOPE_EN.search(text)
    # the metric is the whole's: it must be said inside the scope, unless the scope is each group's own
    # ('各供应商来的料里面，让步接收的批次比例': each supplier's lots, the conditional ones the part)
    grouped_before = scope is not None and any(parsed.dim_words.get(d, (len(text), 0))[0] < scope.start()
                                               for d in query.dimensions)
    if scope is None or (parsed.metric_spans.get(query.metrics[0], (0, 0))[0] >= scope.end() and not grouped_before):
        return None
    part = [d for d in filtered if positions.get(d, -1) >= scope.end()]
    if part:
        return list(dict.fromkeys(part))
    grouped = [d for d in query.dimensions if parsed.dim_words.get(d, (-1, -1))[0] >= scope.end()]
    return grouped or None
