"""Rates asked for in other words: a share of a count that is a declared rate ('what share of the parts
came out bad': the scrap rate), with the rate's part named by a word or a member ('lots we rejected')."""

from __future__ import annotations

import re

from assistant.plan.query import Filter, SemanticQuery
from assistant.plan.rules.shape_words import SHARE, Shapes
from assistant.plan.rules.vocab_build import singular
from semantic_layer.layer import Layer


def rates_over(metric: str, layer: Layer, *, part: bool) -> list[str]:
    """Rates (ratio metrics 'a / b') whose part (`part=True`) or whole is the metric's one measure:
    scrap count -> scrap rate (part); material lots -> lot rejection rate (whole)."""
    spec = layer.metric(metric)
    own = spec.expr.strip()
    if own not in layer.measures:
        return []
    out = []
    for rate in layer.spec.metrics:
        unit = layer.unit(rate.unit)
        if rate.name == metric or unit is None or unit.kind != "ratio":
            continue
        num, _, den = rate.expr.partition("/")
        if (num.strip() if part else den.strip()) == own:
            out.append(rate.name)
    return out


def _named_part(rates: list[str], leftovers: list[str], layer: Layer) -> str | None:
    """The one rate whose part ('good' of good output / total output) a left-over word names."""
    words = {w for w in leftovers if len(w) >= 2}
    words |= {s for w in words if w.isascii() and (s := singular(w.lower()))}  # 'which one scraps more'
    forms_of = {}
    for rate in rates:
        num = layer.metric(rate).expr.partition("/")[0].strip()
        parts = [m for m in layer.spec.metrics if m.expr.strip() == num]
        forms_of[rate] = [f.lower() for m in [layer.metric(rate), *parts] for f in (m.label.en, m.label.zh,
                                                                                  *m.synonyms.all())]
    # a word that fits every rate ('rates') tells none of them apart
    telling = {w: [r for r, forms in forms_of.items()
                   if any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", f) for f in forms)] for w in words}
    hits = list(dict.fromkeys(r for rs in telling.values() if len(rs) < len(forms_of) for r in rs))
    return hits[0] if len(hits) == 1 else None


def _within_whole(query: SemanticQuery, shapes: Shapes, text: str) -> bool:
    """'各工厂生产的零件里，报废的占多大比例', 'of the parts each plant made, what share was scrapped':
    the whole is named first ('...里', 'of the ...'), so each group's part of its own whole is asked
    (the rate), not each group's part of the grand total."""
    if shapes.share is None or not query.dimensions:
        return False
    before = text[:shapes.share[0]]
    # not '宁波的报废件里，各条线分别占了多少': a breakdown after the whole takes its shares of it
    # (nor '报废件里，三个厂各占多少'): 各 / 每 anywhere after the whole
    return bool(re.search(r"(?:里|当中|之中|中(?=\s*[，,]))\s*[，,]?\s*(?![\s，,])(?![^，,]*(?:各|每|分别))\S{0,6}$",
                          before)
                or re.match(r"^\s*of\s+(?:the|all)\s+\w+\s+(?:\w+\s+){0,4}(?:made|produced|built)\b", text))


def share_as_rate(query: SemanticQuery, shapes: Shapes, layer: Layer, leftovers: list[str],
                  text: str = "") -> tuple[str | None, list[str]]:
    """'what share of the parts came out bad', 'what proportion of lots got turned away': a share of
    a count with nothing to take it over is the rate that counts it as its part (scrap rate); a share
    of the whole of rates, with words left unread, is one of those rates (asked). (rate, options)."""
    if shapes.share is None or len(query.metrics) != 1 or query.per:
        return None, []
    # A share word left over ('比例' of '各占多少比例') names the share, not which part of it.
    leftovers = [w for w in leftovers if not SHARE.fullmatch(w)]
    metric = query.metrics[0]
    unit = layer.unit(layer.metric(metric).unit)
    if unit is not None and unit.kind == "ratio":
        return None, []
    if not query.share or _within_whole(query, shapes, text):
        parts = rates_over(metric, layer, part=True)
        if len(parts) == 1:
            return parts[0], []
    wholes = rates_over(metric, layer, part=False)
    named = _named_part(wholes, leftovers, layer) or next(
        (r for r in wholes if part_filters(query, r, layer)), None)  # 'percentage of lots we rejected'
    if named is not None:  # "what percentage of the parts we made were good": the part is named
        return named, []
    # 'of the lots …, what share were passed conditionally': a state of the rows no rate counts is the
    # share of the rows in it, asked as such
    tables = {m.table for m in layer.metric_measures(metric)}
    if query.share and all(layer.dimension(d).table in tables for d in query.share if d in layer.dimensions):
        return None, []
    if wholes and leftovers:
        return None, wholes
    if not query.share:  # a share was asked and nothing above answers it: the rates on the same rows
        tables = {m.table for m in layer.metric_measures(metric)}
        return None, [r.name for r in layer.spec.metrics if getattr(layer.unit(r.unit), "kind", None) == "ratio"
                      and tables & {m.table for m in layer.metric_measures(r.name)}][:4]
    return None, []


def part_filters(query: SemanticQuery, rate: str, layer: Layer) -> list[Filter]:
    """The query's filters that name the part of `rate` ('rejected' of rejected lots / all lots): the
    rate counts them itself, so they go with it."""
    num = layer.metric(rate).expr.partition("/")[0].strip()
    measure = layer.measures.get(num)
    if measure is None or not measure.filter:
        return []
    out = []
    for f in query.filters:  # the share is of that member ('rejected'), not of another inside it ('铝材')
        if f.field in layer.dimensions and f.op == "in" and len(f.values) == 1 and (f.field in query.share
                                                                                   or not query.share):
            column = layer.dimension(f.field).column
            if re.search(rf"\b{re.escape(column)}\s*=\s*'{re.escape(str(f.values[0]))}'", measure.filter):
                out.append(f)
    return out


# 'plan hit rate per line', '达成率': a rate asked in words the reading did not use
_RATE_WORD = re.compile(r"^(?:rate|ratio|percent(?:age)?|pct|%)$|率|比例|比率|百分比", re.I)


def unread_rate(query: SemanticQuery, unknown: list[str], layer: Layer) -> bool:
    """A rate asked ('rate' left unread) of a figure that is no rate: answering the count would answer
    another question, so the rates the other words describe are offered instead."""
    if not query.metrics or query.share or query.per or not any(_RATE_WORD.search(w) for w in unknown):
        return False
    return not any(getattr(layer.unit(layer.metric(m).unit), "kind", None) == "ratio"
                   or layer.metric(m).expr.strip().startswith("1000000") for m in query.metrics)  # ppm: a rate too


_EQUALS = re.compile(r"^\s*(\w+)\s*=\s*'([^']*)'\s*$")


def share_of_own_state(query: SemanticQuery, shapes: Shapes, layer: Layer) -> SemanticQuery | None:
    """'what % of PO deliveries were late': a share asked of a count that picks its rows by its own rule
    (late POs: delivered, and after the promised date), with no groups to share across, is that count over
    the rows its rule picks from (the delivered POs: the rule's states), aggregated first."""
    if shapes.share is None or query.share or query.per or len(query.metrics) != 1:
        return None
    name = query.metrics[0]
    refs = layer.metric_measures(name)
    if len(refs) != 1 or refs[0].agg != "count" or not refs[0].filter or refs[0].exists \
            or layer.metric(name).expr.strip() != refs[0].name or re.search(r"\bOR\b", refs[0].filter, re.I):
        return None
    table = refs[0].table
    whole = layer.count_metric(table)
    parts = re.split(r"\bAND\b", refs[0].filter, flags=re.I)
    states = [m.groups() for p in parts if (m := _EQUALS.match(p))]
    if whole is None or len(states) == len(parts):  # a count of rows in a state only: its share is elsewhere
        return None
    said = {f.field for f in query.filters}
    added = []
    for column, value in states:
        dim = next((d.name for d in layer.spec.dimensions if d.table == table and (d.key or d.column) == column), None)
        if dim is None:
            return None
        if dim not in said:
            added.append(Filter(field=dim, op="in", values=[value]))
    return query.model_copy(update={"metrics": [name, whole], "per": whole, "filters": [*query.filters, *added]})


def share_of_rows(query: SemanticQuery, layer: Layer) -> SemanticQuery | None:
    """'what share of delivered POs arrived late': a single share whose part is a count that picks its
    rows by its own rule (late POs) is that count over all the rows the other filters keep (delivered
    POs), aggregated first; the share of the filtered count across its filters would be 100%."""
    if not query.share or query.per or any(d in query.dimensions for d in query.share):
        return None
    picked = []
    for name in query.metrics:
        refs = layer.metric_measures(name)
        if len(refs) == 1 and refs[0].agg == "count" and refs[0].filter \
                and layer.metric(name).expr.strip() == refs[0].name:
            picked.append((name, refs[0].table))
    if len(picked) != 1 or (whole := layer.count_metric(picked[0][1])) is None:
        return None
    return query.model_copy(update={"metrics": [picked[0][0], whole], "per": whole, "share": []})


def period_of_whole(query: SemanticQuery, role_members: dict[str, set[str]]) -> SemanticQuery:
    """'what percent of work orders were completed last month': the word that picks the share's part
    ('completed') also names a date only that part has; the period is then of the whole (the facts' own
    date), since on the part's date the share would be 100% by construction."""
    if not query.time_role or not query.share:
        return query
    said = {d for ref, dims in role_members.items() if ref.partition(".")[2] == query.time_role for d in dims}
    return query.model_copy(update={"time_role": None}) if said & set(query.share) else query

