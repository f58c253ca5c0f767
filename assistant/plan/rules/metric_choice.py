"""Which metric a question means when its words alone do not settle it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.core.text import fold
from assistant.plan.query import SemanticQuery
from assistant.plan.rules import lexicon as lx
from assistant.plan.rules.extract import Span
from assistant.plan.rules.shape_words import COUNT, SHARE, share_asked
from assistant.plan.rules.vocab import Match, Term, Vocabulary
from assistant.plan.types import PlanContext
from semantic_layer.layer import Layer
from semantic_layer.models import UnitSpec

if TYPE_CHECKING:
    from assistant.plan.rules.matching import Parsed  # matching imports this module


def metric_inside_values(vocab: Vocabulary, values: list[tuple[Match, list[Term]]], metrics: list[str],
                         spans: dict[str, Span], layer: Layer | None = None) -> None:
    """'几次设备故障': no metric word stands alone, but a value's words contain one ('故障'), of a metric
    that can take that value ('quality hold' holds 'quality', but the quality rate knows no downtime)."""
    for match, terms in values:
        kinds = {t.ref for t in terms}
        inner = [t.ref for m in vocab._all_matches(match.text) for t in m.terms
                 if t.kind == "metric" and (m.end - m.start) < len(match.text)
                 and (layer is None or kinds & set(layer.metric_dimensions(t.ref)))]
        refs = list(dict.fromkeys(inner))
        if len(refs) == 1:
            metrics.append(refs[0])
            spans[refs[0]] = (match.start, match.end)
            return


def metric_from_previous(text: str, previous: SemanticQuery, ctx: PlanContext, vocab: Vocabulary) -> str | None:
    """A follow-up that completes the previous metric's name: 'per unit instead', '的单位能耗呢'."""
    rest = lx.FOLLOW_UP.sub(" ", text)
    rest = re.sub(r"\binstead\b|[?？!！。,，]", " ", rest).strip()
    if not rest:
        return None
    for name in previous.metrics:
        metric = ctx.layer.metric(name)
        for form in [metric.label.en, metric.label.zh, *metric.synonyms.all()]:
            for joined in (f"{form} {rest}", f"{form}{rest}"):
                refs = {t.ref for t in vocab.lookup(joined) if t.kind == "metric"}
                if len(refs) == 1 and name not in refs:
                    return refs.pop()
    return None


_HOW_LONG = re.compile(r"\bhow\s+long\b|多久|多长时间|多少时间", re.I)


def duration_asked(parsed: Parsed, options: list[str], text: str, layer: Layer) -> list[str]:
    """'how long does it take to get a broken-down machine running again': of the metrics offered, the
    one length of time, when the question asks how long; else the options stay to ask about."""
    if len(options) < 2:
        return options
    named = {u.name for u in units_said(text, layer) if u.kind == "duration"}
    if named:  # '每月多少分钟': of the metrics offered, the one in the unit named
        durations = [m for m in options if layer.metric(m).unit in named]
    elif _HOW_LONG.search(text):
        durations = [m for m in options if getattr(layer.unit(layer.metric(m).unit), "kind", None) == "duration"]
    else:
        return options
    if len(durations) != 1:
        return options
    old, parsed.metrics = parsed.metrics[0], durations
    parsed.metric_spans[durations[0]] = parsed.metric_spans.pop(old, (0, 0))
    parsed.guessed = durations[0]
    return []


def still_counting(better: str | None, current: str, text: str, layer: Layer) -> str | None:
    """'来料检验让步接收的批次有几个': asked how many, a count is never traded for a rate the other words
    describe (the lot rejection rate); the words only say which records are counted."""
    if better is None or not COUNT.search(text):
        return better
    rate = layer.metric(better).unit == "ratio" and layer.metric(current).unit != "ratio"
    return None if rate else better


def units_said(text: str, layer: Layer) -> list[UnitSpec]:
    """The layer's units the question names ('how many minutes', '多少分钟', 'hrs')."""
    return [u for u in layer.units.values() if any(
        w and len(w) > 1 and re.search(rf"(?<![a-z]){re.escape(fold(w))}(?![a-z])", text)
        for w in (u.label.en, u.label.zh, *u.synonyms.all()))]


# "per hour", "每小时": a rate over time, not the unit a figure is shown in.
_PER_UNIT = re.compile(r"\b(?:per|an|a|each|every)\s+$|每\s*$")


def with_asked_units(query: SemanticQuery, previous: SemanticQuery | None, text: str, layer: Layer) -> SemanticQuery:
    """'downtime in hours', '停机多少小时', '换算成小时': a metric whose unit converts to the one the
    question names is shown in that unit (the unit of its own said too: left as it is). A follow-up
    that names no unit keeps the one asked before."""
    said = {u.name: u for u in units_said(text, layer)}
    units: dict[str, str] = {}
    for metric in query.metrics:
        own = layer.unit(layer.metric(metric).unit)
        if own is None or own.name in said:
            continue
        targets = [c.to for c in own.conversions if c.to in said and not _per(text, said[c.to])]
        if len(targets) == 1:
            units[metric] = targets[0]
    if not units and previous is not None:
        units = {m: u for m, u in previous.units.items() if m in query.metrics}
    return query.model_copy(update={"units": units}) if units != query.units else query


def _per(text: str, unit: UnitSpec) -> bool:
    for word in (unit.label.en, unit.label.zh, *unit.synonyms.all()):
        for hit in re.finditer(rf"(?<![a-z]){re.escape(fold(word))}(?![a-z])", text):
            if _PER_UNIT.search(text[:hit.start()]):
                return True
    return False


def plain_total(layer: Layer, metric: str) -> bool:
    """A metric that is one summed measure: 'how many minutes' of its facts is its total."""
    refs = layer.metric_measures(metric)
    return len(refs) == 1 and refs[0].agg == "sum" and layer.metric(metric).expr.strip() == refs[0].name


def unit_named(metrics: list[str], named: list[str], text: str, layer: Layer) -> list[str]:
    """'how many minutes were the machines stopped': a count of stops asked in minutes is the plain
    total of the same facts in minutes, when exactly one metric is that (the unit decides). Only for
    a metric the question `named` and counted ('how many')."""
    if len(metrics) != 1 or not named:
        return metrics
    chosen = layer.metric(metrics[0])
    tables = {m.table for m in layer.metric_measures(chosen.name)}
    # 'total stoppage minutes': the rows' own name before a unit is their amount in it, counted or not
    if not COUNT.search(text) and not any(layer.count_metric(t) == chosen.name for t in tables):
        return metrics
    units = [u for u in units_said(text, layer) if u.name != chosen.unit]
    if len(units) != 1:
        return metrics
    counts = all(m.agg == "count" for m in layer.metric_measures(chosen.name))
    if counts and not _said_apart_from(text, [units[0].label.en, *units[0].synonyms.en], "数量"):
        return metrics  # '延迟交货的采购单数量': in Chinese 数量 is also the number of things counted
    # 'how many hours of stoppages': minutes are hours too, by the layer's conversions
    same = [m.name for m in layer.spec.metrics if plain_total(layer, m.name)
            and units[0].name in {m.unit, *(c.to for c in getattr(layer.unit(m.unit), "conversions", []))}
            and layer.metric_measures(m.name)[0].table in tables]
    return same if len(same) == 1 else metrics


def _said_apart_from(text: str, forms: list[str], word: str) -> bool:
    """Whether the unit is said in other words than `word` (in either language)."""
    return any(f and len(f) > 1 and re.search(rf"(?<![a-z]){re.escape(fold(f))}(?![a-z])", text) for f in forms) \
        or word not in text


def in_named_unit(reachable: set[str], text: str, layer: Layer) -> str | None:
    """With no metric named, the one metric in the unit the question names among those its breakdowns
    and values reach, when they all count one kind of fact ('换型一共花了多少分钟': the minutes of
    changeovers); among several, the one plain total ('how many minutes' is a sum, not an average
    per event); else None."""
    # Only where the members named already point at one kind of fact (a downtime reason): a unit
    # alone says too little ('overtime hours in Ningbo' is no MTBF, the one metric in hours).
    if len({m.table for name in reachable for m in layer.metric_measures(name)}) != 1:
        return None
    units = {u.name for u in units_said(text, layer)}
    # '停了多少个小时': minutes are hours too, by the layer's conversions
    fitting = sorted(m for m in reachable if layer.metric(m).unit in units
                     or units & {c.to for c in getattr(layer.unit(layer.metric(m).unit), "conversions", [])})
    if len(fitting) > 1:
        fitting = [m for m in fitting if plain_total(layer, m)]
    return fitting[0] if len(fitting) == 1 else None


def average_in_named_unit(reachable: set[str], text: str, layer: Layer) -> str | None:
    """With no metric named, an average asked in a unit ('average minutes to get a broken machine going
    again'): the one metric of the reachable ones that is an average length of time in that unit (or one
    its unit converts to), never a plain total; else None."""
    if not _AVERAGE_DURATION.search(text):
        return None
    units = {u.name for u in units_said(text, layer) if u.kind == "duration"}
    fitting = [m for m in sorted(reachable) if not plain_total(layer, m) and "/" in layer.metric(m).expr
               and getattr(layer.unit(layer.metric(m).unit), "kind", None) == "duration"
               and units & {layer.metric(m).unit, *(c.to for c in getattr(layer.unit(layer.metric(m).unit),
                                                                             "conversions", []))}]
    exact = [m for m in fitting if layer.metric(m).unit in units]  # minutes asked: not the one in hours
    return fitting[0] if len(fitting) == 1 else exact[0] if len(exact) == 1 else None


def unit_span(text: str, metric: str, layer: Layer) -> Span | None:
    """Where the question names the unit a metric was chosen by ('breakdown minutes' -> 'minutes')."""
    own = layer.unit(layer.metric(metric).unit)
    units = [u for u in units_said(text, layer) if own is not None and (
        u.name == own.name or u.name in {c.to for c in own.conversions})]
    for u in units:
        for w in (u.label.en, u.label.zh, *u.synonyms.all()):
            if w and len(w) > 1 and (m := re.search(rf"(?<![a-z]){re.escape(fold(w))}(?![a-z])", text)):
                return m.span()
    return None


# Words that count or rank what they name: "how many cracks", "most breakdowns", "裂纹数量", "by qty".
_COUNTING = re.compile(r"\b(?:most|fewest|least|top|qty|quantity|quantities)\b|最多|最少|排名|前\s*\d|数量|件数"
                       # 'which machines had a breakdown': those with at least one, counted
                       r"|\b(?:which|what)\s+[a-z]+(?:\s+[\w-]+){0,3}?\s+(?:had|has|have|got|saw|logged|filed|raised|reported)"
                       r"\s+(?:a|an|any)\b"
                       r"|哪些[^，,。？?]{1,8}?(?:发生过|出过|有过|出现过|碰到过|遇到过)",
                       re.I)


def counted_metric(group_by: list[str], value_spans: Sequence[tuple[int, int, str]], fits: set[str], text: str,
                   layer: Layer, readings: Sequence[set[str]] = ()) -> str | None:
    """'how many cracks', 'which machine had the most cracks': with no metric named, the members of a
    dimension whose layer declares the metric that counts them (`counted_by`) are counted by it."""
    if not (COUNT.search(text) or _COUNTING.search(text) or share_asked(text)):  # a share of them counts them too
        return None
    valued = [d for _s, _e, d in value_spans]
    named = [layer.dimension(d) for d in dict.fromkeys([*valued, *group_by]) if d in layer.dimensions]
    counted = {d.counted_by for d in named if d.counted_by and d.counted_by in fits}
    if not counted:  # 'how many CNC machines does each plant have': a kind's value counted names its table's rows
        kinds = [layer.dimension(d) for at, end, d in value_spans if d in layer.dimensions and (
            _COUNT_RIGHT_BEFORE.search(text[max(0, at - 12):at]) or _COUNT_RIGHT_AFTER.match(text, end))]
        counted = {c for d in kinds if (c := layer.count_metric(d.table)) is not None and c in fits}
    if not counted and valued and COUNT.search(text):  # '急单里还没开工的有几张': the rows those states are of
        counted = _rows_of_states(readings or [{d} for d in valued], fits, layer)
    return counted.pop() if len(counted) == 1 else None


def rows_metric(parsed: Parsed, text: str, fits: set[str], layer: Layer, count: Span | None,
                words: list[str]) -> str | None:
    """With no metric named, the one the rows named stand for: their amount by a date's verb, their count by
    the members named ('how many cracks', '急单里还没开工的有几张'), or by the word after a count word."""
    valued = [(m.start, m.end, t[0].ref) for m, t in parsed.values if t]
    readings = [{x.ref for x in t} for _m, t in parsed.values if t]
    return rate_of_named_state(parsed, text, fits, layer) \
        or amount_by_role(parsed.time_roles, [v[2] for v in valued], text, fits, layer) \
        or counted_metric(parsed.group_by, valued, fits, text, layer, readings) \
        or counted_by_head(text, count, words, layer, [*parsed.group_by, *(v[2] for v in valued)])


_AMOUNT = re.compile(r"\bhow\s+(?:many|much)\s+(?:kg|kgs|kilos?|kilograms?|tons?|tonnes?|pieces|pcs|units)\b"
                     r"|\bhow\s+much\b|多少(?:公斤|千克|吨|件|kg)"
                     # 'what quantity did we ship', 'the quantity we shipped'
                     r"|\bwhat\s+(?:total\s+)?(?:quantity|qty|volume)\b|\bthe\s+(?:total\s+)?(?:quantity|qty|volume)\s+(?:that\s+)?we\b",
                     re.I)


def rate_of_named_state(parsed: Parsed, text: str, fits: set[str], layer: Layer) -> str | None:
    """'拒收比例最高的供应商', 'what proportion got rejected': a share asked of one member that is exactly what a
    rate of the layer counts as its part (rejected lots of all lots): that rate. Changes `parsed`: the member
    named is the rate's part, no filter."""
    if not SHARE.search(text) or len(parsed.values) != 1:
        return None
    terms = [t for t in parsed.values[0][1] if t.member is not None and t.ref in layer.dimensions]
    found = set()
    for t in terms:
        column = layer.dimension(t.ref).column
        said = rf"{re.escape(column)}\s*=\s*'{re.escape(str(t.member.key))}'"  # type: ignore[union-attr]
        for m in layer.spec.metrics:
            num = layer.measures.get(m.expr.partition("/")[0].strip())
            if m.name in fits and "/" in m.expr and num is not None and num.filter \
                    and re.fullmatch(said, num.filter.strip()):
                found.add(m.name)
    if len(found) != 1:
        return None
    parsed.values.clear()  # the member is the rate's own part, not a filter on it (that would give 100%)
    return found.pop()


def amount_by_role(roles: Sequence[str], dims: Sequence[str], text: str, fits: set[str], layer: Layer) -> str | None:
    """'how many kg did we receive from Hengtai': no metric named, an amount asked and one table's date said
    by its verb (of the tables the named members reach): that table's one plain total (the lots' quantity)."""
    tables = {r.split(".", 1)[0] for r in roles}
    tables = {t for t in tables
              if all(layer.join_path(t, layer.dimension(d).table) for d in dims if d in layer.dimensions)}
    if len(tables) != 1 or not _AMOUNT.search(text):
        return None
    table = tables.pop()
    sums = [m.name for m in layer.spec.metrics if m.name in fits and (refs := layer.metric_measures(m.name))
            and len(refs) == 1 and refs[0].table == table and refs[0].agg == "sum" and not refs[0].filter
            and m.expr.strip() == refs[0].name]
    return sums[0] if len(sums) == 1 else None


def _rows_of_states(readings: Sequence[set[str]], fits: set[str], layer: Layer) -> set[str]:
    """The count of the one table every named value can be a state of (a column of its own, no entity)."""
    def states(dims: set[str]) -> set[str]:
        return {layer.dimension(d).table for d in dims if d in layer.dimensions
                and layer.dimension(d).key_column == layer.dimension(d).column}

    tables = set.intersection(*(states(r) for r in readings)) if readings else set()
    return {c for t in tables if (c := layer.count_metric(t)) is not None and c in fits} if len(tables) == 1 else set()


_COUNT_RIGHT_BEFORE = re.compile(r"\bhow\s+many\s+$|\bnumber\s+of\s+$", re.I)
_COUNT_RIGHT_AFTER = re.compile(r"\s*(?:了|的)?\s*(?:几|多少)\s*(?:批|台|个|家|张|条|次)")  # '被拒收了几批'

# "how many times", "几次", "多少次", "次数": occurrences are counted, whatever the thing has an amount of.
_TIMES = re.compile(r"\bhow\s+many\s+times\b|\bnumber\s+of\s+times\b|\bhow\s+often\b"
                    r"|(?:几|多少)\s*次|次数", re.I)


def counted_times(metrics: list[str], text: str, layer: Layer) -> list[str]:
    """'缺料停机了几次', 'how many times did we have downtime': a plain total of a table's amounts asked
    as a number of times is the count of that table's rows (the layer's count metric of it), when the
    layer counts those rows with 次 (occurrences, not daily records: '报废了几次' stays the scrap)."""
    if len(metrics) != 1 or not _TIMES.search(text) or not plain_total(layer, metrics[0]):
        return metrics
    table = layer.metric_measures(metrics[0])[0].table
    count = layer.count_metric(table) if layer.tables[table].measure_word == "次" else None
    return [count] if count is not None else metrics


def counted_by_head(text: str, count: Span | None, words: list[str], layer: Layer,
                    dims: Sequence[str] = ()) -> str | None:
    """'how many lots did we receive': the word right after a count word is the last word of the names
    of exactly one metric that counts rows ('incoming lots', 'material lots'): that count."""
    if count is None:
        return None
    after = re.match(r"\s*([a-z]+)", text[count[1]:])
    if after is None or after.group(1) not in {w.lower() for w in words}:
        return None
    head = after.group(1)
    found = set()
    for spec in layer.spec.metrics:
        refs = layer.metric_measures(spec.name)
        if len(refs) != 1 or refs[0].agg != "count" or refs[0].filter or refs[0].exists:
            continue  # only a plain count of rows: 'how many lots' is every lot of the period
        if any(f.isascii() and " " in f and f.lower().split()[-1] == head for f in [spec.label.en, *spec.synonyms.en]):
            found.add(spec.name)
    if len(found) > 1:  # 'how many orders did customers place': the orders the named kinds reach
        reach = [m for m in found if all(layer.join_path(t.table, layer.dimension(d).table)
                                         for t in layer.metric_measures(m) for d in dims if d in layer.dimensions)]
        found = set(reach) if dims else found
    return found.pop() if len(found) == 1 else None


_AVERAGE_DURATION = re.compile(r"\b(?:average|avg|mean|typical(?:ly)?|on average)\b|平均|一般", re.I)


def duration_of_each(out: Parsed, layer: Layer, text: str) -> None:
    """'平均多少分钟能修好' after '故障', 'mean minutes lost per breakdown event': an average length of
    time asked of a count of events is the layer's metric that divides a duration by that count
    (MTTR over breakdowns), the one in the unit named when several do (MTBF is in hours)."""
    if len(out.metrics) != 1 or not _AVERAGE_DURATION.search(text):
        return
    metric = out.metrics[0]
    named = {u.name for u in units_said(text, layer) if u.kind == "duration"}
    if not named and not _HOW_LONG.search(text):
        return
    own = layer.metric(metric).expr.strip()
    fits = [m for m in layer.spec.metrics if "/" in m.expr and m.expr.rpartition("/")[2].strip() == own
            and getattr(layer.unit(m.unit), "kind", None) == "duration"]
    if len(fits) > 1:
        fits = [m for m in fits if m.unit in named]
    if len(fits) == 1:
        out.metric_spans = {fits[0].name: out.metric_spans.get(metric, (0, 0))}
        out.matched_text[fits[0].name] = out.matched_text.get(metric, "")
        out.metrics[:] = [fits[0].name]
