"""Second metrics that are not a second figure: a counting phrase ('多少件', 'how many parts') that says
how another metric is counted, and a metric's noun said again inside another's name ('库存' of '安全库存')."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.plan.rules.extract import Span
from assistant.plan.rules.shape_words import COUNT, share_asked

if TYPE_CHECKING:
    from assistant.plan.rules.matching import Parsed
    from assistant.plan.rules.vocab import Match, Term, Vocabulary
    from semantic_layer.layer import Layer

# A count word with at most a measure word: '多少件', 'how many units' (not 'how many defects', which names one).
COUNT_PHRASE = re.compile(r"\s*(?:(?:how\s+many\s+)?(?:units?|pieces?|pcs|items?|parts)"
                           r"|(?:多少|几)\s*[件个台只套批]?|件数)\s*", re.I)
_AND = re.compile(r"\b(?:and|plus|as\s+well\s+as)\b|[&和及与跟]|还有", re.I)
_COUNTED = {"count", "quantity"}
_PIECE_WORD = re.compile(r"件|\b(?:units?|pieces?|pcs|parts)\b", re.I)
CLAUSE_BREAK = re.compile(r"[,，;；。.?？!！()（）]")


def drop_counting_phrases(out: Parsed, layer: Layer, text: str) -> None:
    """'各类缺陷分别多少件': a metric named only by a counting phrase ('多少件', 'how many units') says
    how the other metric is counted, not a second figure."""
    if len(out.metrics) < 2:
        return
    units = {m: layer.metric(m).unit for m in out.metrics}
    for m in [m for m in out.metrics if COUNT_PHRASE.fullmatch(out.matched_text.get(m, ""))]:
        start = out.metric_spans.get(m, (0, 0))[0]
        # only beside a metric counted in pieces, in the same clause: '工单（不含已取消的），每条线一共计划
        # 生产多少件' asks another figure, and 'how many parts did we make and how many defects' two;
        # 'how many parts did we throw away' counts the scrap
        # ('how many units were on the sales orders' is their quantity, not how many orders: a count
        # phrase before the metric only stands for pieces that metric sums)
        # ('销售订单总共多少件': pieces of the orders, not their number: the pieces metric is found below)
        pieces = bool(_PIECE_WORD.search(out.matched_text.get(m, "")))
        if any(o != m and units[o] in _COUNTED and same_clause(text, out.metric_spans.get(o), (start, start))
               and (out.metric_spans.get(o, (0, 0))[1] <= start or _sums_pieces(o, layer))
               and (_sums_pieces(o, layer) or not pieces) for o in out.metrics):
            out.metrics.remove(m)


def drop_repeated_nouns(out: Parsed, matches: list[Match], layer: Layer, text: str) -> None:
    """'库存盘点里低于安全库存的物料', 'stock below safety stock': a metric named only by a word that another
    named metric's words hold is that metric's noun said again, not a second figure ('在库多少、安全库存
    多少' names both); so is one said just before the other whose full name holds it ('客诉里涉及数量':
    the complaints' affected quantity, '客诉涉及数量')."""
    if len(out.metrics) < 2:
        return
    said = {m: out.matched_text.get(m, "").strip().lower() for m in out.metrics}
    forms = {m: {x.text.strip().lower() for x in matches if any(t.kind == "metric" and t.ref == m for t in x.terms)}
             for m in out.metrics}
    for m in list(out.metrics):
        if any(o != m and (side_by_side(out, m, o, text) or sentences_apart(out, m, o, text)) for o in out.metrics):
            continue  # '库存和安全库存各是多少', 'on hand and safety stock', '库存多少？安全库存也列出来': both asked
        held = bool(forms[m]) and all(any(o != m and len(said[o]) > len(f) and holds(said[o], f)
                                          for o in out.metrics) for f in forms[m])
        if held or any(o != m and _named_apart(m, o, out, layer, text) for o in out.metrics):
            out.metrics.remove(m)


def sentences_apart(out: Parsed, a: str, b: str, text: str) -> bool:
    """`a` is asked in one sentence and `b` in a later one ('每周库存多少？安全库存也列出来'): each on its own.
    ('采购订单…占几成？按订单张数算': a shorter word said after a name that holds it is that name again.)"""
    (_s1, e1), (s2, _e2) = out.metric_spans.get(a, (0, 0)), out.metric_spans.get(b, (0, 0))
    return s2 > e1 and re.search(r"[?？。!！;；]", text[e1:s2]) is not None


def side_by_side(out: Parsed, a: str, b: str, text: str) -> bool:
    """`a` is said right before `b` with only 'and' / '和' / '、' between them."""
    (_s1, e1), (s2, _e2) = out.metric_spans.get(a, (0, 0)), out.metric_spans.get(b, (0, 0))
    return 0 < s2 - e1 <= 5 and re.fullmatch(r"\s*(?:and|&|和|与|及|、)\s*", text[e1:s2]) is not None


def _named_apart(noun: str, metric: str, out: Parsed, layer: Layer, text: str) -> bool:
    """`noun`'s words stand right before `metric`'s (at most a '里', '的', '中' between), and `metric`'s own
    name holds them: one name said in two pieces."""
    (s1, e1), (s2, _e2) = out.metric_spans.get(noun, (0, 0)), out.metric_spans.get(metric, (0, 0))
    word = text[s1:e1].strip().lower()
    if not word or word.isascii() or not 0 <= s2 - e1 <= 1 or (s2 > e1 and text[e1:s2] not in "里的中"):
        return False
    spec = layer.metric(metric)
    return any(word in f and f != word for f in (spec.label.zh, *spec.synonyms.zh) if f)


def holds(longer: str, word: str) -> bool:
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
        elif _sums_on(other, tables[counted[0]] or "", layer) and _noun_before(text, out, counted[0], other):
            out.metrics.remove(counted[0])  # '工单（…）计划数量合计': the work orders' planned quantity
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
    if _RELATIVE.search(between):  # 'the POs that are still open and already past their date': what they are
        return False
    return bool(_AND.search(between) or CLAUSE_BREAK.search(between))


_RELATIVE = re.compile(r"\b(?:that|which|who)\s+(?:are|is|were|was|have|has|had)\b"
                       r"|(?:的|里|中)[^，,。？?]*(?:而且|并且|且)")


def _sums_on(metric: str, table: str, layer: Layer) -> bool:
    refs = layer.metric_measures(metric)
    return bool(refs) and all(r.agg == "sum" and r.table == table for r in refs)


def _noun_before(text: str, out: Parsed, noun: str, metric: str) -> bool:
    """The records' noun said first, the figure on them after, with no 'and' or question word between."""
    (_s1, e1), (s2, _e2) = out.metric_spans.get(noun, (0, 0)), out.metric_spans.get(metric, (0, 0))
    between = re.sub(r"[（(][^）)]*[）)]", "", text[e1:s2])  # an aside in brackets says which ones
    return e1 <= s2 and not _AND.search(between) and not COUNT.search(between)


def _counts_some_of(metric: str, table: str, layer: Layer) -> bool:
    """`metric` counts some of `table`'s rows (a filtered count): the plain count beside it is its noun.
    A table derived with the same key ('sales_order_delivery' of 'sales_orders') holds the same rows."""
    refs = layer.metric_measures(metric)
    return bool(refs) and all(r.agg == "count" and r.filter and _same_rows(r.table, table, layer) for r in refs)


def _same_rows(a: str, b: str, layer: Layer) -> bool:
    if a == b:
        return True
    ta, tb = layer.tables.get(a), layer.tables.get(b)
    return ta is not None and tb is not None and bool(ta.primary_key) and ta.primary_key == tb.primary_key \
        and (ta.derived or tb.derived)


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


def same_clause(text: str, other: Span | None, here: Span) -> bool:
    if other is None:
        return False
    between = text[other[1]:here[0]] if other[1] <= here[0] else text[here[1]:other[0]]
    return not CLAUSE_BREAK.search(between) and not _AND.search(between)


def value_naming_a_metric(out: Parsed, vocab: Vocabulary, layer: Layer, text: str) -> None:
    """'how many pieces were scrapped': a counting phrase ('pieces') whose metric cannot reach the member
    named ('scrapped', a batch's QC status), beside that member's word whose stem is another metric's
    word ('scrap') counted in the same unit, asks that metric; the member was never meant. With a share
    word, 'what % of the units (we) produced ended up scrapped' asks the part of that whole: the rate."""
    if len(out.metrics) != 1:
        return
    counted = out.metrics[0]
    bare = COUNT_PHRASE.fullmatch(out.matched_text.get(counted, "")) is not None
    if not bare and not share_asked(text):
        return
    takes = set(layer.metric_dimensions(counted))
    for i, (m, terms) in enumerate(out.values):
        if any(t.ref in takes for t in terms) or not m.text.isascii():
            continue
        fitting = _named_by_stem(out, m, terms, counted, vocab, layer)
        if len(fitting) != 1:
            continue
        whole_first = out.metric_spans.get(counted, (m.start, 0))[1] <= m.start
        rated = whole_first and share_asked(text) and _rate_of(fitting[0], counted, layer)
        if not bare and not rated:
            continue
        del out.values[i]
        out.metric_spans[fitting[0]] = (m.start, m.end)
        out.matched_text[fitting[0]] = m.text
        if rated:
            out.metrics[:] = [counted, *fitting]
            rate_of_part_and_whole(out, layer, text)
            if len(out.metrics) == 1:
                return
        out.metric_spans.pop(counted, None)
        out.metrics[:] = fitting
        return


def _named_by_stem(out: Parsed, m: Match, terms: list[Term], counted: str, vocab: Vocabulary,
                   layer: Layer) -> list[str]:
    """The metrics counted like `counted` whose word the member's word ('scrapped') opens with."""
    others = {t.ref for _, ts in out.values for t in ts} - {t.ref for t in terms}
    stem = next((refs for k in range(len(m.text) - 1, 3, -1)
                 if (refs := {t.ref for t in vocab.lookup(m.text[:k]) if t.kind == "metric"})), set())
    # 'units we shipped': the value's word inside a metric's own words ('units shipped')
    stem |= {x.name for x in layer.spec.metrics if any(holds(f.lower(), m.text.lower()) for f in x.synonyms.en)}
    return [s for s in stem if layer.metric(s).unit == layer.metric(counted).unit
            and others <= set(layer.metric_dimensions(s))
            and _sums_pieces(s, layer) == _sums_pieces(counted, layer)]  # pieces stay pieces


def _rate_of(part: str, whole: str, layer: Layer) -> bool:
    """The layer declares a rate of the two ('scrap_units / total_units')."""
    pair = (layer.metric(part).expr.strip(), layer.metric(whole).expr.strip())
    return any(getattr(layer.unit(r.unit), "kind", None) == "ratio"
               and tuple(x.strip() for x in r.expr.partition("/")[::2]) == pair for r in layer.spec.metrics)


def pieces_where_named(out: Parsed, layer: Layer, text: str, taken: list[Span]) -> None:
    """'how many units were due to customers in May', 'how many pieces did we ship to customers': a counting
    phrase whose metric (the pieces made) cannot reach the kinds named counts the pieces of the records
    that do: the one summed metric in the same unit that reaches them all, on the table whose date the
    words name ('due'), else the one the other words describe ('ship'); none when still in doubt."""
    phrases = [m for m in out.metrics if COUNT_PHRASE.fullmatch(out.matched_text.get(m, ""))]
    if len(phrases) != 1 or len(out.metrics) > 2:
        return
    counted = phrases[0]
    if len(out.metrics) == 2:  # 'how many units did each customer order': the pieces on those records
        other = next(m for m in out.metrics if m != counted)
        table = _counted_table(other, layer)
        fits = [m.name for m in layer.spec.metrics if table and m.unit == layer.metric(counted).unit
                and _sums_pieces(m.name, layer) and {x.table for x in layer.metric_measures(m.name)} == {table}]
        takes = set(layer.metric_dimensions(fits[0])) if len(fits) == 1 else set()
        held = set(out.group_by) <= takes and all(any(t.ref in takes for t in terms) for _, terms in out.values)
        if len(fits) == 1 and not _joined(text, out, counted, other) and held:  # '工单…多少件裂纹': not the orders'
            out.metric_spans[fits[0]] = out.metric_spans.pop(other, (0, 0))
            out.matched_text[fits[0]] = out.matched_text.pop(other, "")
            out.metrics[:] = fits
        return
    named = set(out.group_by) | {t.ref for _, terms in out.values for t in terms[:1]}
    if not named or named <= set(layer.metric_dimensions(counted)):
        return
    fits = [m.name for m in layer.spec.metrics if m.name != counted and m.unit == layer.metric(counted).unit
            and _sums_pieces(m.name, layer) and named <= set(layer.metric_dimensions(m.name))]
    dated = {r.split(".")[0] for r in out.time_roles}
    if dated:
        fits = [m for m in fits if {x.table for x in layer.metric_measures(m)} <= dated]
    if len(fits) > 1:
        from assistant.plan.rules.metric_guess import guess_metric  # the guess reads the layer's words
        read = [*out.taken, *out.dim_spans, *out.metric_spans.values(), *taken]  # words not yet explained
        blank = "".join(" " if any(s <= i < e for s, e in read) else c for i, c in enumerate(text.lower()))
        said = re.findall(r"[a-z]+|[\u4e00-\u9fff]+", blank)
        fits = [g] if (g := guess_metric(said, layer, set(fits)).metric) else fits
    if len(fits) == 1:
        out.metric_spans[fits[0]] = out.metric_spans.pop(counted, (0, 0))
        out.matched_text[fits[0]] = out.matched_text.pop(counted, "")
        out.metrics[:] = fits


def rate_of_part_and_whole(out: Parsed, layer: Layer, text: str) -> None:
    """'rejected lots as a % of all lots', '来料被拒收的批次占比': the part and the whole of a rate the layer
    declares, with a share word, are that rate (not the part, nor each group's share of it)."""
    if len(out.metrics) != 2 or not share_asked(text):
        return
    own = {m: layer.metric(m).expr.strip() for m in out.metrics}
    counting = [m for m in out.metrics if COUNT_PHRASE.fullmatch(out.matched_text.get(m, ""))]
    if len(counting) == 1 and any(_counts_the_other(out, counting[0], o, text)
                                  for o in out.metrics if o != counting[0]):
        return  # '报废的件数…各班占比': '件数' counts the scrap; it is no whole of a rate
    for rate in layer.spec.metrics:
        if getattr(layer.unit(rate.unit), "kind", None) != "ratio" or "/" not in rate.expr:
            continue
        num, _, den = (x.strip() for x in rate.expr.partition("/"))
        if {num, den} == set(own.values()) and num != den:
            spans = [out.metric_spans.get(m, (0, 0)) for m in out.metrics]
            out.metric_spans = {rate.name: (min(s for s, _ in spans), max(e for _, e in spans))}
            out.matched_text[rate.name] = text[out.metric_spans[rate.name][0]:out.metric_spans[rate.name][1]]
            out.metrics[:] = [rate.name]
            return


def _counts_the_other(out: Parsed, phrase: str, other: str, text: str) -> bool:
    """The counting phrase right after the other metric's word ('报废的件数', 'scrapped pieces'), or right
    before its verb ('the pieces we binned', 'parts that were scrapped')."""
    (s1, e1), (s2, e2) = out.metric_spans.get(other, (0, 0)), out.metric_spans.get(phrase, (0, 0))
    if s1 < s2:
        return re.fullmatch(r"\s*的?\s*", text[e1:s2]) is not None
    return _COUNTED_BY.fullmatch(text[e2:s1]) is not None


# between a counting phrase and the verb that picks the pieces: a relative pronoun, a subject, an auxiliary
_COUNTED_BY = re.compile(r"\s+(?:(?:that|which)\s+)?(?:(?:we|they|qc|it|were|was|got|have|had|been|did)\s+){0,2}",
                         re.I)


# 'per part made', 'for each piece', '平均每生产一件', '平均到每件产品', '单件': the figure is wanted per piece made
PER_PIECE = re.compile(r"\b(?:per|a|each|every|for\s+each)\s+(?:unit|piece|part|pc|item)s?\b"
                        r"(?:\s+(?:made|produced|built|we\s+make|we\s+made))?"
                        r"|(?:平均)?(?:到|摊到|折合到?|折算到)?每(?:生产|做|产出?|出)?(?:一|1)?(?:件|个产品|个零件)(?:产品|零件)?"
                        r"|平均(?:生产|做|产出?|出)(?:一|1)(?:件|个)"  # '平均做一件要耗几度电'
                        r"|单件", re.I)


def per_piece(out: Parsed, layer: Layer, text: str) -> None:
    """'energy use per unit', 'power draw per part made', '平均每生产一件要耗多少度电': a metric said with a
    per-piece phrase is the layer's metric that divides it by the pieces made (energy per unit), when
    exactly one does. A count of pieces the phrase itself names ('part made') is part of the phrase."""
    said = PER_PIECE.search(text)
    if said is None:
        return
    inside = [m for m in out.metrics if _within(out.metric_spans.get(m), said.span())]
    rest = [m for m in out.metrics if m not in inside]
    if len(rest) != 1:
        return
    metric = rest[0]
    own = layer.metric(metric).expr.strip()
    # 'scrap per unit' is the scrap rate: a ratio of the same pieces is the per-piece figure too
    fits = [m.name for m in layer.spec.metrics if "/" in m.expr and m.expr.partition("/")[0].strip() == own]
    if len(fits) != 1:
        return
    start, end = out.metric_spans.get(metric, said.span())
    start, end = min(start, said.start()), max(end, said.end())
    out.metric_spans = {fits[0]: (start, end)}
    out.matched_text[fits[0]] = text[start:end]
    out.taken.append((start, end))  # the per-piece words are the metric's now
    out.worded.append(said.span())
    out.metrics[:] = fits
    # 'per part': 'part' named no breakdown by product here
    dropped = {d for d, span in out.dim_words.items() if _within(span, said.span())}
    out.group_by[:] = [d for d in out.group_by if d not in dropped]
    out.dim_spans[:] = [sp for sp in out.dim_spans if not _within(sp, said.span())]
    for d in dropped:
        out.dim_words.pop(d, None)


def _within(span: tuple[int, int] | None, outer: tuple[int, int]) -> bool:
    return span is not None and outer[0] <= span[0] and span[1] <= outer[1]
