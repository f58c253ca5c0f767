"""'average daily output', '平均每天产量': an average word beside a grain word asks for the mean of
the per-period figures (SemanticQuery.average_over), not the series of periods."""

from __future__ import annotations

import re

from assistant.plan.query import SemanticQuery
from assistant.plan.rules.extract import Span
from semantic_layer.layer import Layer

_BETWEEN_AVG = re.compile(r"\s*(?:per|a|each|every|of|the|的)?\s*", re.I)


def period_average(query: SemanticQuery, average: Span | None, grain: tuple[str, Span] | None,
                   layer: Layer, text: str) -> SemanticQuery:
    """'average daily output', '平均每天产量', 'daily average scrap': the mean of the figures per day,
    not the series of days. Only for sums and counts (an average of daily rates is another figure)."""
    if query.time_grain is None or grain is None or average is None or query.share or query.per:
        return query
    (a0, a1), (g0, g1) = average, grain[1]
    gap = text[a1:g0] if a1 <= g0 else text[g1:a0]
    if not _BETWEEN_AVG.fullmatch(gap) or any(_is_rate(m, layer) for m in query.metrics):
        return query
    return query.model_copy(update={"average_over": query.time_grain, "time_grain": None,
                                    "filters": [f for f in query.filters if f.field != query.time_grain]})


def _is_rate(metric: str, layer: Layer) -> bool:
    unit = layer.unit(layer.metric(metric).unit)
    return (unit is not None and unit.kind == "ratio") or any(m.agg not in ("sum", "count")
                                                           for m in layer.metric_measures(metric))
