"""Which metric two readings come down to: the one the members and kinds a question names can reach
('on-time delivery to Changjiang': customers', not suppliers'; 'how many cracked pieces': the count
of defects), and the ratio the layer declares of two figures asked as a share ('what % of the planned
quantity became good parts')."""

from __future__ import annotations

import re
from collections.abc import Collection

from assistant.core.text import fold
from assistant.plan.rules.extract import Span
from assistant.plan.rules.second_metrics import COUNT_PHRASE
from assistant.plan.rules.vocab import Match, Term
from assistant.plan.types import PlanContext
from semantic_layer.layer import Layer


def same_words_rival(name: str, needed: set[str], matched: str, layer: Layer) -> str | None:
    """The one metric other than `name` that reaches every kind in `needed` and whose names hold the
    words `matched` (or are most of them: 'on-time delivery' of 'on-time delivery rate')."""
    if not needed or not matched or COUNT_PHRASE.fullmatch(matched):
        return None  # '多少件' is in many metrics' words: it picks none of them
    rivals = [m.name for m in layer.spec.metrics if m.name != name and needed <= set(layer.metric_dimensions(m.name))
              and names_hold(m.name, matched, layer)]
    return rivals[0] if len(rivals) == 1 else None


def names_hold(metric: str, matched: str, layer: Layer) -> bool:
    """Whether one of the metric's names holds the words `matched`, or is most of them ('on-time
    delivery' of 'on-time delivery rate')."""
    m = layer.metric(metric)
    return any(matched in fold(f) or (len(f) >= 0.6 * len(matched) and fold(f) in matched)
               for f in [m.label.en, m.label.zh, *m.synonyms.all()] if f)


def declared_ratio(a: str, b: str, layer: Layer) -> str | None:
    """The layer's one metric that divides what `a` sums by what `b` sums, either way round ('what % of
    the planned quantity was turned into good parts': plan attainment), its measures matched by the
    column they sum or by the metric they are named after (a summary table's column)."""
    found = []
    for m in layer.spec.metrics:
        parts = [p.strip() for p in m.expr.split("/")]
        if len(parts) != 2 or m.name in (a, b):
            continue
        refs = {r.name: r for r in layer.metric_measures(m.name)}
        if not all(p in refs for p in parts):
            continue
        num, den = (refs[p].expr or refs[p].name for p in parts)
        if (num in _sums(a, layer) and den in _sums(b, layer)) or (num in _sums(b, layer) and den in _sums(a, layer)):
            found.append(m.name)
    return found[0] if len(found) == 1 else None


def ratio_of_pair(metrics: list[str], options: list[str] | None, asked: bool, layer: Layer,
                  against: bool = False) -> list[str] | None:
    """`options` to ask between two figures, unless a share or ratio was `asked` of a rate and the figure
    it is taken over, or (instead of asking) of a pair the layer declares the ratio of, or a pair set
    `against` each other that the layer divides ('good output vs planned quantity': plan attainment):
    then `metrics` becomes that ratio and nothing is asked."""
    if not (asked or against) or len(metrics) != 2:
        return options
    ratio = (_rate_over(metrics[0], metrics[1], layer) if asked else None) or \
        (declared_ratio(metrics[0], metrics[1], layer) if options or against else None)
    if ratio is None:
        return options
    metrics[:] = [ratio]
    return []


# 'good output vs planned quantity', '… stack up against the planned quantity'
_AGAINST = re.compile(r"\s*(?:[a-z]+\s+){0,3}?(?:vs\.?|versus|against|relative\s+to|compared\s+(?:to|with))\s*"
                      r"(?:the\s+|our\s+|their\s+|its\s+)?", re.I)


def said_against(metric_spans: dict[str, tuple[int, int]], text: str) -> bool:
    """Two figures set against each other in so many words ('good output vs planned quantity')."""
    spans = sorted(metric_spans.values())
    return len(spans) == 2 and _AGAINST.fullmatch(text[spans[0][1]:spans[1][0]]) is not None


def _rate_over(a: str, b: str, layer: Layer) -> str | None:
    """Of a rate and the figure it is taken over ('what fraction of the parts we made came out good':
    the quality rate over the output), the rate."""
    for rate, whole in ((a, b), (b, a)):
        parts = [p.strip() for p in layer.metric(rate).expr.split("/")]
        refs = {r.name: r for r in layer.metric_measures(rate)}
        if len(parts) == 2 and parts[1] in refs and (refs[parts[1]].expr or parts[1]) in _sums(whole, layer):
            return rate
    return None


def _sums(metric: str, layer: Layer) -> set[str]:
    """What a one-measure metric sums, as a measure's column or as the metric a summary column is named after."""
    refs = layer.metric_measures(metric)
    return {metric, *(r.expr or r.name for r in refs)} if len(refs) == 1 else set()


def fit_metrics(metrics: list[str], values: list[tuple[Match, list[Term]]], spans: dict[str, Span],
                matched_text: dict[str, str], ctx: PlanContext, kinds: Collection[str] = ()) -> list[str]:
    """'on-time delivery to Changjiang': the words fit two metrics; keep the one the named
    member can filter (a metric whose own name contains the words that were matched). A kind named
    (`kinds`: 'on-time delivery rate to customers') decides the same way when no member is named."""
    layer = ctx.layer
    dims = {t.ref for _, terms in values for t in terms}
    out = []
    for name in metrics:
        takes = set(layer.metric_dimensions(name))
        if not dims <= takes and (other := _kind_decides(name, set(kinds), spans, matched_text, layer)):
            out.append(other)
            continue
        if dims and not dims <= takes and (counted := _counted_instead(name, dims, layer)):
            out.append(counted)
            continue
        if not dims or dims & takes:
            out.append(name)
            continue
        matched = matched_text.get(name, "") if name in spans else fold(layer.metric(name).label.en)
        if COUNT_PHRASE.fullmatch(matched):  # '多少件' is in many metrics' words: it picks none of them
            out.append(name)
            continue
        rivals = [m.name for m in layer.spec.metrics if m.name != name and matched
                  and dims & set(layer.metric_dimensions(m.name)) and names_hold(m.name, matched, layer)]
        out.append(rivals[0] if len(rivals) == 1 else name)
    return list(dict.fromkeys(out))


def _kind_decides(name: str, kinds: set[str], spans: dict[str, Span], matched_text: dict[str, str],
                  layer: Layer) -> str | None:
    """The one other metric the same words name that reaches the kinds said and `name` does not."""
    missing = kinds - set(layer.metric_dimensions(name))
    return same_words_rival(name, missing, matched_text.get(name, "") if name in spans else "", layer)


def _counted_instead(metric: str, dims: set[str], layer: Layer) -> str | None:
    """'how many cracked pieces': a count in the same unit that cannot take the named members gives
    way to the metric that counts them (the dimension's `counted_by`), when that one takes them all."""
    tables = {m.table for m in layer.metric_measures(metric)}
    if any(layer.count_metric(t) == metric for t in tables):
        return None  # 'which work orders had cracks': the work orders are named, not a generic count
    counted = {c for d in dims if d in layer.dimensions and (c := layer.dimension(d).counted_by)}
    fitting = [c for c in counted if dims <= set(layer.metric_dimensions(c))
               and layer.metric(c).unit == layer.metric(metric).unit]
    return fitting[0] if len(fitting) == 1 else None
