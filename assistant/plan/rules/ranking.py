"""Rankings and thresholds read from a question, applied to its SemanticQuery: 'top 3 lines by
scrap', 'lines over 2% scrap' (a percent on a count is the rate over it)."""

from __future__ import annotations

import re

from assistant.core.errors import ClarificationNeeded
from assistant.plan.query import Filter, Order, SemanticQuery
from assistant.plan.rules.extract import Threshold, TopN
from assistant.plan.rules.matching import Parsed
from assistant.plan.rules.rates import rates_over
from assistant.plan.rules.steps import ORDER_ONLY
from assistant.plan.types import PlanContext
from semantic_layer.layer import Layer

__all__ = ["apply_threshold", "apply_top", "members_over_threshold"]

_WHO = re.compile(r"\b(?:who|whom|whose|which\s+one)\b|谁|哪(?:个|家|位|些|一个|一家)", re.I)


def _rank_of_nothing(query: SemanticQuery, text: str, ctx: PlanContext, top: TopN | None = None) -> None:
    """'who complained the most this year': a ranking asked of a figure with nothing to rank. The total
    would answer another question; ask by what (the breakdowns the metric takes)."""
    if query.dimensions or query.time_grain or query.records or query.periods:
        return
    if not (_WHO.search(text) or (top is not None and top.explicit and top.n > 1)):
        return  # '最多的三个问题' names no kind the data has: 'the top 3' of one total is no answer
    # kinds whose members are named things (customers, suppliers) first: 'who' asks for one of them
    every = ctx.layer.metric_dimensions(query.metrics[0])
    keyed = [d for d in every if ctx.layer.dimension(d).key not in (None, ctx.layer.dimension(d).column)]
    dims = list(dict.fromkeys([*keyed, *every]))[:5]
    en = ", ".join(ctx.layer.dimension(d).label.en.lower() for d in dims)
    zh = "、".join(ctx.layer.dimension(d).label.zh or ctx.layer.dimension(d).label.en for d in dims)
    raise ClarificationNeeded(f"Ranked by what? For example by {en}.", f"要按什么排名？例如按{zh}。")


_WHO_PERSON = re.compile(r"\b(?:who|whom|whose)\b|谁", re.I)


def _who_asked(query: SemanticQuery, text: str, ctx: PlanContext) -> SemanticQuery | None:
    """'who complained the most this year': the kind the layer says 'who' asks for about the figure's rows."""
    if query.dimensions or query.time_grain or query.records or query.periods or not _WHO_PERSON.search(text):
        return None
    layer = ctx.layer
    kinds = {layer.tables[m.table].who for name in query.metrics for m in layer.metric_measures(name)}
    kind = kinds.pop() if len(kinds) == 1 else None
    if kind is None or kind not in layer.metric_dimensions(query.metrics[0]):
        return None
    return query.model_copy(update={"dimensions": [kind]})


def _things_of_the_kind(query: SemanticQuery, text: str, ctx: PlanContext, top: TopN) -> SemanticQuery | None:
    """'which three presses failed most often', '哪三台冲压机故障最多': a ranking of the things of a kind named
    (a machine type) ranks those things (the machines), the kind staying a filter."""
    if query.dimensions or query.time_grain or query.records or query.periods \
            or not (_WHO.search(text) or (top.explicit and top.n > 1)):
        return None
    layer = ctx.layer
    owners = set()
    for f in query.filters:
        if f.field not in layer.dimensions or f.op != "in":
            continue
        table = layer.dimension(f.field).table
        key = layer.tables[table].primary_key or []
        owner = next((d.name for d in layer.spec.dimensions if d.table == table and d.key_column in key), None)
        if owner is not None and owner != f.field and owner in layer.metric_dimensions(query.metrics[0]):
            owners.add(owner)
    return query.model_copy(update={"dimensions": [owners.pop()]}) if len(owners) == 1 else None


def members_over_threshold(query: SemanticQuery, dim_words: dict[str, tuple[int, int]], threshold: bool,
                           layer: Layer) -> SemanticQuery:
    """'any customers who've filed more than 10 complaints': the one kind named, not filtered on, whose
    members the threshold picks (the figure per customer), not a list of the records."""
    if not threshold or query.dimensions or query.records or not query.metrics:
        return query
    filtered = {f.field for f in query.filters}
    kinds = [d for d in dim_words if d not in filtered and d in layer.metric_dimensions(query.metrics[0])]
    return query.model_copy(update={"dimensions": kinds}) if len(kinds) == 1 else query


def apply_threshold(query: SemanticQuery, threshold: Threshold, parsed: Parsed,
                    ctx: PlanContext) -> SemanticQuery:
    before = [m for m, span in parsed.metric_spans.items() if span[0] < threshold.span[0]]
    if not before and not query.metrics:  # 'any customers who've filed more than 10 …': nothing to compare
        raise ClarificationNeeded(
            "A threshold needs the figure it applies to: say which figure should be above or below it, and by what.",
            "阈值需要说明针对哪个指标：请说明是哪个数字高于或低于它，以及按什么看。")
    metric = (before[-1] if before else query.metrics[0])
    unit = ctx.layer.metric(metric).unit
    rates = rates_over(metric, ctx.layer, part=True) if threshold.percent and unit != "ratio" else []
    if len(rates) == 1 and metric in query.metrics:  # "lines over 2% scrap": the scrap rate
        query = query.model_copy(update={"metrics": [rates[0] if m == metric else m for m in query.metrics]})
        metric, unit = rates[0], ctx.layer.metric(rates[0]).unit
    elif threshold.percent and unit != "ratio" and metric in query.metrics:
        query, metric = _rate_of_filtered_rows(query, metric, ctx)  # 'more than 2.5% of their lots rejected'
        unit = ctx.layer.metric(metric).unit
    numbers = [threshold.number] + ([threshold.high] if threshold.high is not None else [])
    if unit == "ratio" and (threshold.percent or max(numbers) > 1):
        numbers = [n / 100 for n in numbers]
    having = Filter(field=metric, op=threshold.op, values=numbers)
    return query.model_copy(update={"filters": [*query.filters, having]})

def _rate_of_filtered_rows(query: SemanticQuery, metric: str, ctx: PlanContext) -> tuple[SemanticQuery, str]:
    """A percentage said of counted rows with a state ('2.5% of their lots rejected'): the rate whose part is
    those rows and whose whole is all of them, the state then no filter. A count is never compared to a
    percentage: without such a rate, ask."""
    layer = ctx.layer
    for rate in rates_over(metric, layer, part=False):
        part = layer.measures.get(layer.metric(rate).expr.partition("/")[0].strip())
        said = [f for f in query.filters if f.op == "in" and len(f.values) == 1 and part is not None and part.filter
                and re.search(rf"\b{re.escape(layer.dimension(f.field).column)}\s*=\s*'{re.escape(str(f.values[0]))}'",
                              part.filter) if f.field in layer.dimensions]
        if len(said) == 1:
            rest = [f for f in query.filters if f is not said[0]]
            return query.model_copy(update={"metrics": [rate if m == metric else m for m in query.metrics],
                                            "filters": rest}), rate
    raise ClarificationNeeded(
        f"{layer.metric(metric).label.en} is a count, not a percentage: say the number to compare it with, or "
        "ask for a rate.",
        f"{layer.metric(metric).label.zh or metric}是个数，不是百分比：请给出要比较的数值，或改问比率。")


def apply_top(query: SemanticQuery, top: TopN, text: str, ctx: PlanContext) -> SemanticQuery:
    if not query.metrics:
        return query
    query = _things_of_the_kind(query, text, ctx, top) or _who_asked(query, text, ctx) or query
    _rank_of_nothing(query, text, ctx, top)
    metric = query.metrics[0]
    higher_is_better = ctx.layer.metric(metric).higher_is_better
    desc = {"desc": True, "asc": False, "good": higher_is_better, "bad": not higher_is_better}[top.direction]
    order = [Order(field=query.derived_column() if query.per else metric, desc=desc)]
    if not query.dimensions and not query.time_grain:
        return query  # a single number has no "top"
    if not top.explicit and ORDER_ONLY.search(text):
        return query.model_copy(update={"order": order})
    named = {len(f.values) for f in query.filters if f.op == "in" and f.field in query.dimensions}
    if not top.explicit and named and max(named) <= 3:
        # 'day vs night shift - which is worse?': the members named, ranked; the answer names the worse
        return query.model_copy(update={"order": order})
    return query.model_copy(update={"order": order, "limit": top.n or None})
