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


def one_count_of_records(out: Parsed, layer: Layer, text: str) -> None:
    """Beside a count of one table's records, a second metric that is only the verb dating those records
    ('batches produced this year', '生产出来的成品批次': the genealogy's words for that date) is no figure;
    of two counts of records ('来料…的批次有几个'), the one whose table holds the named members stays."""
    if len(out.metrics) != 2:
        return
    tables = {m: _counted_table(m, layer) for m in out.metrics}
    counted = [m for m in out.metrics if tables[m]]
    if len(counted) == 1:
        other = next(m for m in out.metrics if m not in counted)
        if out.matched_text.get(other, "").strip().lower() in _dating_words(layer, tables[counted[0]] or ""):
            out.metrics.remove(other)
        elif _counts_some_of(other, tables[counted[0]] or "", layer) and not _joined(text, out, counted[0], other):
            out.metrics.remove(counted[0])  # 'open POs past their promised date': one figure
        return
    holding = [m for m in counted if out.values and all(
        any(layer.dimension(t.ref).table == tables[m] for t in terms) for _, terms in out.values)]
    if len(counted) == 2 and len(holding) == 1:
        out.metrics[:] = holding


def count_where_members_are(out: Parsed, layer: Layer) -> None:
    """'被拒收的批次有几批': a count of records the named members and breakdowns cannot reach, said with a
    word that also names other records that reach them all ('批次' is a material lot too), counts those."""
    table = _counted_table(out.metrics[0], layer) if len(out.metrics) == 1 else None
    if table is None or not (out.values or out.group_by):
        return
    dims = {t.ref for _, terms in out.values for t in terms[:1]} | set(out.group_by)
    if all(d in layer.dimensions and layer.join_path(table, layer.dimension(d).table) is not None for d in dims):
        return
    said = out.matched_text.get(out.metrics[0], "").strip().lower()
    fitting = [(home, other) for home in layer.tables if home != table and (other := layer.count_metric(home))
               and all(layer.join_path(home, layer.dimension(d).table) is not None
                       for d in dims if d in layer.dimensions)
               and said in _naming_words(layer, home, other)]
    if said and len(fitting) == 1:
        other = fitting[0][1]
        out.metric_spans[other] = out.metric_spans.pop(out.metrics[0], (0, 0))
        out.matched_text[other] = out.matched_text.pop(out.metrics[0], said)
        out.metrics[:] = [other]


def _naming_words(layer: Layer, table: str, metric: str) -> set[str]:
    spec, counted = layer.tables.get(table), layer.metric(metric)
    forms = [counted.label.en, counted.label.zh, *counted.synonyms.all()]
    forms += [f for node in layer.spec.genealogy.nodes if node.table == table
              for f in (node.label.en, node.label.zh, *node.synonyms.all())]
    if spec is not None and spec.label is not None:
        forms += [spec.label.en, spec.label.zh, *spec.synonyms.all()]
    return {f.lower() for f in forms if f}


def _joined(text: str, out: Parsed, a: str, b: str) -> bool:
    """Two metrics asked side by side ('how many POs and how many late POs')."""
    (_s1, e1), (s2, _e2) = sorted([out.metric_spans.get(a, (0, 0)), out.metric_spans.get(b, (0, 0))])
    between = text[e1:s2]
    return bool(_AND.search(between) or _CLAUSE_BREAK.search(between))


def _counts_some_of(metric: str, table: str, layer: Layer) -> bool:
    """`metric` counts some of `table`'s rows (a filtered count): the plain count beside it is its noun."""
    refs = layer.metric_measures(metric)
    return bool(refs) and all(r.agg == "count" and r.table == table and r.filter for r in refs)


def _counted_table(metric: str, layer: Layer) -> str | None:
    """The table whose rows `metric` counts, when it is a plain count of rows."""
    refs = layer.metric_measures(metric)
    if len(refs) == 1 and refs[0].agg == "count" and refs[0].filter is None and layer.count_metric(refs[0].table):
        return refs[0].table
    return None


def _dating_words(layer: Layer, table: str) -> set[str]:
    words = {w.lower() for node in layer.spec.genealogy.nodes if node.table == table
             for w in (*node.time_words.en, *node.time_words.zh)}
    spec = layer.tables.get(table)
    roles = spec.time_roles if spec is not None else []
    return words | {w.lower() for r in roles for w in r.synonyms.all()}


def _sums_pieces(metric: str, layer: Layer) -> bool:
    return all(m.agg == "sum" for m in layer.metric_measures(metric))


def _same_clause(text: str, other: Span | None, here: Span) -> bool:
    if other is None:
        return False
    between = text[other[1]:here[0]] if other[1] <= here[0] else text[here[1]:other[0]]
    return not _CLAUSE_BREAK.search(between) and not _AND.search(between)
