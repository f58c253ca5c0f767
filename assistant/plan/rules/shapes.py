"""The shapes a question can take beyond "a metric by dimensions": a count of things, a list of
members, a share of a total, one metric per another. The shape words are domain-free
(shape_words); what is counted, listed or divided is read from the layer's terms.
"""

from __future__ import annotations

import re

from assistant.core.text import word_frequency
from assistant.plan.query import Filter, SemanticQuery
from assistant.plan.rules.matching import Parsed
from assistant.plan.rules.shape_words import Shapes
from semantic_layer.layer import Layer


def _only_filler(gap: str) -> bool:
    """Nothing but everyday function words between a count word and the thing counted."""
    words = re.findall(r"[a-z]+|[\u4e00-\u9fff]+", gap)
    return len(words) <= 3 and all(word_frequency(w, "en" if w.isascii() else "zh") >= 5.0 for w in words)


def counted_thing(parsed: Parsed, shapes: Shapes, layer: Layer, text: str) -> tuple[str, str] | None:
    """'how many machines does Ningbo have', '有多少家供应商': (the dimension counted, its row-count
    metric), when a count word comes before a dimension word whose table can be counted."""
    if shapes.count is None or parsed.metrics:
        return None
    after = sorted((span, d) for d, span in parsed.dim_words.items() if span[0] >= shapes.count[0])
    for span, dim in after[:1]:
        if not _only_filler(text[shapes.count[1]:span[0]]):
            return None  # "how many employees work at the plant": the employees are counted, not plants
        table = layer.dimension(dim).table
        metric = layer.count_metric(table)
        if metric is not None and layer.dimension(dim).key_column in layer.tables[table].primary_key:
            return dim, metric
    return None


def listed_dimensions(parsed: Parsed, shapes: Shapes, filters: list[Filter]) -> list[str]:
    """The members a list question asks for, in the order named; not the ones only filtered on."""
    if shapes.listing is None or parsed.metrics or parsed.ambiguous_metrics:
        return []
    filtered = {f.field for f in filters}
    ordered = sorted(parsed.dim_words.items(), key=lambda kv: kv[1])
    return [d for d, _ in ordered if d not in filtered] or [d for d, _ in ordered]


def attribute_dimensions(text: str, listed: list[str], layer: Layer) -> dict[str, str]:
    """'suppliers and their country', '供应商及其国家': the other columns of a listed thing named by the
    rest of their own name ('Supplier country' less 'supplier'); {dimension: the words that named it}."""
    found: dict[str, str] = {}
    for owner in listed:
        spec = layer.dimension(owner)
        table = layer.tables[spec.table]
        own = [spec.label.en, spec.label.zh, *spec.synonyms.all()]
        if table.label is not None:
            own += [table.label.en, table.label.zh, *table.synonyms.all()]
        own_words = sorted({o.lower() for o in own if o}, key=len, reverse=True)
        for dim in layer.spec.dimensions:
            if dim.name in listed or layer.join_path(spec.table, dim.table) is None:
                continue
            for name in (dim.label.en, dim.label.zh, *dim.synonyms.all()):
                rest = _residue(name.lower(), own_words)
                if rest and rest != name.lower() and _said(rest, text):
                    found.setdefault(dim.name, rest)
    return found


def _residue(name: str, own_words: list[str]) -> str:
    """A name less its owner's name: 'supplier country' -> 'country', '供应商所在国' -> '所在国'."""
    for word in own_words:
        name = name.replace(word, " ")
    name = re.sub(r"\b(?:of|the|per)\b|的", " ", name)
    rest = " ".join(name.split())
    return rest if (len(rest) >= 3 if rest.isascii() else len(rest) >= 2) else ""


def _said(words: str, text: str) -> bool:
    if words.isascii():
        return re.search(rf"\b{re.escape(words)}(?:s|es)?\b", text) is not None
    return words in text


def share_over(query: SemanticQuery, parsed: Parsed, shapes: Shapes, layer: Layer) -> list[str]:
    """The dimensions a share is taken over: the filtered ones named after the metric ('scrap from the
    night shift'), else all filtered ones, else the breakdowns ('each plant's share of output')."""
    if shapes.share is None or not query.metrics or layer.unit(layer.metric(query.metrics[0]).unit) is None:
        return []
    unit = layer.unit(layer.metric(query.metrics[0]).unit)
    if unit is not None and unit.kind == "ratio":
        return []  # a rate is already a share; "what share" then just asks for it
    metric_at = parsed.metric_spans.get(query.metrics[0], (0, 0))[0]
    filtered = [f.field for f in query.filters if f.field in layer.dimensions]
    positions = {m.terms[0].ref: m.start for m, _ in parsed.values if m.terms}
    later = [d for d in filtered if positions.get(d, -1) > metric_at]
    if later:
        return list(dict.fromkeys(later))
    if filtered:
        return list(dict.fromkeys(filtered))
    return list(query.dimensions)


def per_metric(parsed: Parsed, shapes: Shapes, layer: Layer, text: str) -> tuple[str, str] | None:
    """'average quantity per shipment', 'scrap divided by good parts', '平均每张工单的计划数量':
    (numerator, denominator) when a per word relates two named metrics."""
    if shapes.per is None or not parsed.metrics:
        return None
    start, end = shapes.per
    if len(parsed.metrics) == 1:
        return _implied_numerator(parsed, layer, text, start)
    ordered = sorted(parsed.metrics, key=lambda m: parsed.metric_spans.get(m, (0, 0))[0])
    before = [m for m in ordered if parsed.metric_spans.get(m, (0, 0))[0] < start]
    after = [m for m in ordered if parsed.metric_spans.get(m, (0, 0))[0] >= end]
    if "每" in text[start:end]:  # 平均每张工单的计划数量: the thing counted follows 每, the figure after it
        pair = (after[1], after[0]) if len(after) >= 2 else (before[-1], after[0]) if before and after else None
    else:
        pair = (before[-1], after[0]) if before and after else None
    if pair is None:
        return None
    if _counts_rows(layer, pair[0]) and not _counts_rows(layer, pair[1]):
        pair = (pair[1], pair[0])  # "per shipment", "每张工单": what is counted is the divisor
    unit = layer.unit(layer.metric(pair[1]).unit)
    if unit is not None and unit.kind == "ratio":
        return None  # "OEE per plant" is a breakdown, not a division
    return pair


def _counts_rows(layer: Layer, metric: str) -> bool:
    tables = {m.table for m in layer.metric_measures(metric)}
    return len(tables) == 1 and layer.count_metric(tables.pop()) == metric


def _implied_numerator(parsed: Parsed, layer: Layer, text: str, per_at: int) -> tuple[str, str] | None:
    """'average quantity per shipment': only the counted thing is a metric; the figure before 'per'
    is a word of a summed metric on the same table ('quantity' -> the shipped quantity)."""
    den = parsed.metrics[0]
    if parsed.metric_spans.get(den, (0, 0))[0] < per_at:
        return None
    tables = {m.table for m in layer.metric_measures(den)}
    words = {w for w in re.findall(r"[a-z]{4,}|[\u4e00-\u9fff]{2,}", text[:per_at])}
    fits = []
    for metric in layer.spec.metrics:
        measures = layer.metric_measures(metric.name)
        if metric.name == den or {m.table for m in measures} != tables or any(m.agg != "sum" for m in measures):
            continue
        forms = " ".join([metric.label.en, metric.label.zh, *metric.synonyms.all()]).lower()
        if any(w in forms for w in words):
            fits.append(metric.name)
    return (fits[0], den) if len(fits) == 1 else None
