"""The shapes a question can take beyond "a metric by dimensions": a count of things, a list of
members, a share of a total, one metric per another. The shape words are domain-free
(shape_words); what is counted, listed or divided is read from the layer's terms.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.core.text import fold, word_frequency
from assistant.plan.query import Filter
from assistant.plan.rules.matching import Parsed
from assistant.plan.rules.shape_words import Shapes, Span
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
    if text[max(0, shapes.count[0] - 1):shapes.count[0]] in ("的", "那", "这") and text[shapes.count[0]] == "几":
        return None  # '只看重庆的几条线', '那几家供应商': those few, no count
    after = sorted((span, d) for d, span in parsed.dim_words.items() if span[0] >= shapes.count[0])
    for span, dim in after[:1]:
        gap = text[shapes.count[1]:span[0]]
        if re.search(r"(?:\bper|\bby|\beach|\bfor\s+each|按|每)\s*$", gap):
            return None  # 'count them per supplier': a breakdown of what is counted, not the suppliers counted
        # "how many employees work at the plant", "how many minutes were the machines stopped":
        # the employees, the minutes are counted, not the plants or the machines
        if not _only_filler(gap) or unit_spans(gap, layer):
            return None
        table = layer.dimension(dim).table
        metric = layer.count_metric(table)
        if metric is not None and layer.dimension(dim).key_column in layer.tables[table].primary_key:
            return dim, metric
    return None


def unit_spans(text: str, layer: Layer) -> list[Span]:
    """'in minutes', '按分钟算', '以小时计': the unit an answer should read in, no breakdown or name."""
    unit = _unit_pattern(layer)
    return [m.span() for m in unit.finditer(text)] if unit is not None else []


@lru_cache(maxsize=8)
def _unit_pattern(layer: Layer) -> re.Pattern[str] | None:
    """The layer's unit names as one pattern, built once per layer (asked on every question)."""
    labels = {w for u in layer.units.values() for w in (u.label.en, u.label.zh) if w and len(w) > 1}
    if not labels:
        return None
    names = "|".join(re.escape(fold(w)) for w in sorted(labels, key=len, reverse=True))
    # whole words only in English: 'count' is a unit, 'counting' is not
    return re.compile(rf"(?:\bin\s+|按|以|用)?(?<![a-z])(?:{names})(?![a-z])(?:算|计|计算|为单位)?")


def listed_dimensions(parsed: Parsed, shapes: Shapes, filters: list[Filter], *, every: bool = False,
                      layer: Layer | None = None) -> list[str]:
    """The members a list question asks for, in the order named; not the ones only filtered on
    ('the CNC machines at the Chongqing plant': the plant is a filter) unless `every`."""
    if shapes.listing is None or parsed.metrics or parsed.ambiguous_metrics:
        return []
    filtered = set() if every else {f.field for f in filters} | _valued(parsed)
    # '做制动类产品的线': a kind's word that only names a member's type ('制动类产品') is no kind listed
    # ... unless it is the kind the list word asks for ('list the paint machines')
    asked = min(((at, d) for d, (at, _e) in parsed.dim_words.items() if at >= shapes.listing[0]), default=(0, ""))[1]
    typed = {d for d, (at, _e) in parsed.dim_words.items() for m, terms in parsed.values
             if layer is not None and terms and 0 <= at - m.end <= 1 and d != asked
             and layer.dimension(terms[0].ref).table == layer.dimension(d).table}
    ordered = sorted(((d, at) for d, at in parsed.dim_words.items() if d not in typed or every), key=lambda kv: kv[1])
    return [d for d, _ in ordered if d not in filtered]


def _valued(parsed: Parsed) -> set[str]:
    """Dimensions a member of which is named ('the Chongqing plant': the plant is a filter)."""
    return {t.ref for _, terms in parsed.values for t in terms[:1]}


def member_kinds(parsed: Parsed, shapes: Shapes, layer: Layer) -> list[str]:
    """'苏州有哪些注塑机', 'which are the CNCs in Suzhou': a list asked by naming a kind of thing (a machine
    type) and no thing itself: the things of that kind (the machines), the rows of the member's table."""
    if shapes.listing is None or set(parsed.dim_words) - _valued(parsed) or parsed.metrics:
        return []  # 'Hengtai vs Minghua, lot rejection rate - which aluminium source is cleaner': a figure
    found: list[str] = []
    for _, terms in parsed.values:
        for term in terms[:1]:
            dim = layer.dimension(term.ref)
            owner = next((d.name for d in layer.spec.dimensions if d.table == dim.table and d.name != dim.name
                          and d.key_column in layer.tables[dim.table].primary_key), None)
            if owner is not None and owner not in found:
                found.append(owner)
    return found[:1]


def attribute_dimensions(text: str, listed: list[str], layer: Layer) -> dict[str, str]:
    """'suppliers and their country', '供应商及其国家': the other columns of a listed thing named by the
    rest of their own name ('Supplier country' less 'supplier'); {dimension: the words that named it}."""
    found: dict[str, str] = {}
    for owner in listed:
        spec = layer.dimension(owner)
        own = [spec.label.en, spec.label.zh, *spec.synonyms.all()]
        for dim, rest in _named_by_rest(text, own, spec.table, layer, listed).items():
            found.setdefault(dim, rest)
    return found


def attributes_asked(attributes: dict[str, str], parsed: Parsed, text: str) -> set[str]:
    """Columns named apart from the member they filter on ('outside China, and in which country?'):
    shown though filtered. 'the steering family' only names the member ('family' beside it)."""
    def apart(word: str, dim: str) -> bool:
        at = text.find(word)
        return all(at - m.end > 2 or m.start - (at + len(word)) > 2
                   for m, terms in parsed.values if terms and terms[0].ref == dim)

    return {d for d, w in attributes.items() if apart(w, d)}


def own_breakdowns(text: str, metrics: list[str], layer: Layer) -> dict[str, str]:
    """'work orders - how many in each status', '工单按状态': a breakdown by a column of the counted rows,
    named by the rest of its name ('Work order status' less 'work order') after 'each', 'by', '按'."""
    from assistant.plan.rules import lexicon as lx

    found: dict[str, str] = {}
    for metric in metrics:
        for table in {m.table for m in layer.metric_measures(metric)}:
            allowed = set(layer.metric_dimensions(metric))
            spec = layer.metric(metric)
            own = [spec.label.en, spec.label.zh, *spec.synonyms.all()]
            for dim, rest in _named_by_rest(text, own, table, layer, [], kinds=True).items():
                at = _said_at(rest, text)
                if lx.ALL_COUNTED.match(text, (at or 0) + len(rest)):
                    continue  # '各种状态都算': every status counted together
                if dim in allowed and at is not None and (_KIND_SAID.fullmatch(rest) is not None or
                                                          lx.BY_BEFORE.search(text[max(0, at - 24):at])):
                    found.setdefault(dim, rest)
    return found


# '各类缺陷', '每种停机', '哪种缺陷最多', '最常见的三种缺陷': 'each / which / N kinds of' the counted
# thing is a breakdown by its type column ('缺陷类型').
_KIND_RESTS = ("类型", "类别", "种类")
_KIND_SAID = re.compile(r"(?:各|每|哪一?|几|\d+|[一二两三四五六七八九十]+)\s*(?:种|类)")


def _named_by_rest(text: str, own: list[str], table_name: str, layer: Layer, skip: list[str], *,
                   kinds: bool = False) -> dict[str, str]:
    """Dimensions reachable from a table that the text names by their name less the table's own words."""
    table = layer.tables[table_name]
    if table.label is not None:
        own = [*own, table.label.en, table.label.zh, *table.synonyms.all()]
    phrases = {o.lower() for o in own if o}
    # English names are taken apart into words ('customer complaints' -> customer, complaint(s)).
    words = {w for p in phrases if p.isascii() for w in re.findall(r"[a-z]{3,}", p)}
    words |= {w[:-1] for w in words if w.endswith("s")}
    own_words = tuple(sorted(phrases | words, key=lambda w: (-len(w), w)))
    found: dict[str, str] = {}
    for dim in layer.spec.dimensions:
        if dim.name in skip or layer.join_path(table_name, dim.table) is None:
            continue
        for name in (dim.label.en, dim.label.zh, *dim.synonyms.all()):
            rest = _residue(name.lower(), own_words)
            if rest and rest != name.lower() and _said_at(rest, text) is not None:
                found.setdefault(dim.name, rest)
            elif kinds and rest in _KIND_RESTS:
                said = next((k.group(0) for o in own_words if not o.isascii()
                             for k in re.finditer(rf"{_KIND_SAID.pattern}(?=的?{re.escape(o)})", text)), None)
                if said is not None:
                    found.setdefault(dim.name, said)
    return found


@lru_cache(maxsize=16384)
def _residue(name: str, own_words: tuple[str, ...]) -> str:
    """A name less its owner's name: 'supplier country' -> 'country', '供应商所在国' -> '所在国'.

    Cached: it depends on the layer's names only, not on the question, and it ran for every
    dimension name on every question (over half of a metric answer's planning time)."""
    for word in own_words:
        name = re.sub(rf"\b{re.escape(word)}\b", " ", name) if word.isascii() else name.replace(word, " ")
    name = re.sub(r"\b(?:of|the|per)\b|的", " ", name)
    rest = " ".join(name.split())
    return rest if (len(rest) >= 3 if rest.isascii() else len(rest) >= 2) else ""


def _said_at(words: str, text: str) -> int | None:
    if words.isascii():
        m = re.search(rf"(?<![a-z0-9]){re.escape(words)}(?:s|es)?(?![a-z0-9])", text)  # ('和sku': glued to Chinese)
        return m.start() if m else None
    at = text.find(words)
    return at if at >= 0 else None


def per_metric(parsed: Parsed, shapes: Shapes, layer: Layer, text: str) -> tuple[str, str] | None:
    """'average quantity per shipment', 'scrap divided by good parts', '平均每张工单的计划数量':
    (numerator, denominator) when a per word relates two named metrics."""
    if shapes.per is None or not parsed.metrics:
        return _average_per_row(parsed, shapes, layer, text)
    start, end = shapes.per
    if any(s >= end and not text[end:s].strip() for s, _ in parsed.dim_spans):
        return None  # 'against plan per line for work orders': a breakdown follows 'per', not a divisor
    if len(parsed.metrics) == 1:
        return _implied_numerator(parsed, layer, text, start) or _counted_after_per(parsed, layer, end) \
            or _average_per_row(parsed, shapes, layer, text)
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


# Words of an amount of things (not of how many rows): 'average batch size', '平均每单多少量'.
_AMOUNT = re.compile(r"\b(?:quantity|quantities|qty|size|volume|amount|units|pieces|pcs)\b"
                     r"|多少件|多少量|数量|件数|多大", re.I)


def _average_per_row(parsed: Parsed, shapes: Shapes, layer: Layer, text: str) -> tuple[str, str] | None:
    """'average quantity of a PO', '平均每个成品批次多少件', 'average batch size': an average of a summed
    figure over the rows of its own table (the sum over the count of rows, aggregated first). Only
    when the rows are named (their count metric's words) or counted with an amount word; an average
    over a period ('average daily output') is no such question and stays as it was."""
    if shapes.average is None or len(parsed.metrics) != 1:
        return None
    metric = parsed.metrics[0]
    measures = layer.metric_measures(metric)
    tables = {m.table for m in measures}
    if len(tables) != 1:
        return None
    table = tables.pop()
    count = layer.count_metric(table)
    if count is None:
        return None
    if metric == count:  # the rows were named; the amount word picks the one summed figure of that table
        if not _AMOUNT.search(text, shapes.average[0]):
            return None
        sums = [m.name for m in layer.spec.metrics if m.name != count and _sums_of(layer, m.name) == {table}]
        return (sums[0], count) if len(sums) == 1 else None
    if _sums_of(layer, metric) != {table}:
        return None
    spec = layer.metric(count)
    words = [w.lower() for w in (spec.label.en, spec.label.zh, *spec.synonyms.all()) if len(w) >= 2]
    words += [w[:-1] for w in words if w.isascii() and w.endswith("s")]  # 'order quantity': the rows, singular
    return (metric, count) if any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", text) for w in words) else None


def _sums_of(layer: Layer, metric: str) -> set[str]:
    """The tables of a metric that is one plain sum (empty for counts, ratios and averages)."""
    measures = layer.metric_measures(metric)
    spec = layer.metric(metric)
    if len(measures) != 1 or measures[0].agg != "sum" or spec.expr.strip() != measures[0].name:
        return set()
    return {measures[0].table}


def _counts_rows(layer: Layer, metric: str) -> bool:
    tables = {m.table for m in layer.metric_measures(metric)}
    return len(tables) == 1 and layer.count_metric(tables.pop()) == metric


def _counted_after_per(parsed: Parsed, layer: Layer, per_end: int) -> tuple[str, str] | None:
    """'downtime minutes per breakdown': after 'per' a member whose kind the layer counts
    (`counted_by`): the figure over that count, on the same facts."""
    num = parsed.metrics[0]
    if parsed.metric_spans.get(num, (per_end, 0))[0] >= per_end:
        return None
    tables = {m.table for m in layer.metric_measures(num)}
    for match, terms in parsed.values:
        if match.start < per_end or match.start - per_end > 2 or not terms:
            continue
        counted = layer.dimension(terms[0].ref).counted_by
        if counted and counted != num and {m.table for m in layer.metric_measures(counted)} == tables:
            return num, counted
    return None


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
