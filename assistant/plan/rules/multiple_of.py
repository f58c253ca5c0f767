"""A figure compared with a multiple of another ('在库量还不到安全库存的2.5倍', 'on hand below 1.5 times the
safety stock'): the first figure over the second, kept where that ratio passes the limit. The multiple is then
placed (never dropped, see unread_amounts)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.plan.query import Filter, SemanticQuery

if TYPE_CHECKING:
    from assistant.plan.rules.matching import Parsed
    from semantic_layer.layer import Layer

Span = tuple[int, int]

_BELOW = r"不到|低于|少于|小于|不足|below|under|less\s+than|lower\s+than|short\s+of"
_ABOVE = r"高于|超过|大于|多于|above|over|more\s+than|greater\s+than|higher\s+than"
_EN = re.compile(rf"\b(?P<op>{_BELOW}|{_ABOVE}|at\s+least|at\s+most)\s+(?P<k>\d+(?:\.\d+)?)\s*(?:x|times|×)\s+"
                 r"(?:(?:the|its|their)\s+)?", re.I)
_EN_BASE = re.compile(r"[a-z][a-z -]{2,30}?(?=\s*(?:[,.;?!]|$|\b(?:in|at|for|on|as|and|or|by)\b))", re.I)
_ZH = re.compile(rf"(?P<op>{_BELOW}|{_ABOVE})(?P<of>[^，,。？?；;]{{1,10}}?)的?\s*(?P<k>\d+(?:\.\d+)?)\s*倍")


def _op(word: str) -> str:
    w = " ".join(word.lower().split())
    if w == "at least":
        return ">="
    if w == "at most":
        return "<="
    return "<" if re.fullmatch(_BELOW, w, re.I) else ">"


def _found(text: str, parsed: Parsed, layer: Layer) -> tuple[re.Match[str], str, str] | None:
    """The match, the figure compared and the one whose multiple it is compared with (named by the words
    between the comparison and the multiple, or right after 'times')."""
    spans = parsed.metric_spans
    for m in [*_ZH.finditer(text), *_EN.finditer(text)]:
        words = m.group("of") if "of" in m.re.groupindex else _EN_BASE.match(text, m.end())
        base = _metric_named(words if isinstance(words, str) else (words.group(0) if words else ""), layer)
        # the figure said last before the comparison (a reading may have dropped it as another's noun)
        first = sorted((spans[x][1], x) for x in spans if spans[x][1] <= m.start() and x != base)
        figure = first[-1][1] if first else _named_before(text, m.start(), layer)
        if base is not None and figure is not None and figure != base:
            return m, figure, base
    return None


def _named_before(text: str, at: int, layer: Layer) -> str | None:
    """'库存不到安全库存1.5倍': the figure's own word right before the comparison, when another reading took it."""
    for n in range(6, 1, -1):
        words = text[max(0, at - n):at].lstrip("的").rstrip("还都也")
        if len(words) >= 2 and (found := _metric_named(words, layer)) is not None:
            return found
    return None


def _metric_named(words: str, layer: Layer) -> str | None:
    said = " ".join(words.strip().rstrip("的").lower().split())
    found = [m.name for m in layer.spec.metrics
             if said in {f.lower() for f in (m.label.en, m.label.zh, *m.synonyms.all()) if f}]
    return found[0] if len(found) == 1 else None


def multiple_span(text: str, parsed: Parsed, layer: Layer) -> Span | None:
    """Where the multiple is said, when a reading places it (two figures, the second inside the words)."""
    found = _found(text, parsed, layer)
    return found[0].span() if found else None


def multiple_of_other(query: SemanticQuery, parsed: Parsed, text: str, layer: Layer) -> SemanticQuery:
    found = _found(text, parsed, layer)
    if found is None or query.per or query.share:
        return query
    m, figure, base = found
    said = parsed.metric_spans
    # the figures read are these two, or words of the comparison itself ('不到安全库存' read as a count)
    if any(x not in (figure, base) and not (x in said and said[x][0] < m.end() and m.start() < said[x][1])
           for x in query.metrics):
        return query
    query = query.model_copy(update={"metrics": [figure, base], "per": base})
    limit = Filter(field=query.derived_column() or "", op=_op(m.group("op")), values=[float(m.group("k"))])
    return query.model_copy(update={"filters": [*query.filters, limit]})
