"""Readings that leave one figure where the words seemed to name two, or name it by the rows it is about:
a shared name settled by the rows ('采购单…准时率'), a rate's part said with its whole's verb ('good pieces
did we make'), a member said inside its metric's name ('shipped out the door'). `settle_figures` runs
these and second_metrics' in the order the reading needs."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp

from assistant.plan.rules.metric_choice import duration_of_each
from assistant.plan.rules.ratio_form import ratio_form_asked
from assistant.plan.rules.second_metrics import (
    CLAUSE_BREAK,
    count_where_members_are,
    drop_counting_phrases,
    drop_repeated_nouns,
    holds,
    keep_the_duration,
    one_count_of_records,
    per_piece,
    pieces_where_named,
    rate_of_part_and_whole,
    same_clause,
    sentences_apart,
    side_by_side,
    value_naming_a_metric,
)
from assistant.plan.rules.shape_words import share_asked
from assistant.plan.rules.spans import Span

if TYPE_CHECKING:
    from assistant.plan.rules.matching import Parsed
    from assistant.plan.rules.vocab import Match, Term, Vocabulary
    from semantic_layer.layer import Layer


def settle_figures(out: Parsed, matches: list[Match], vocab: Vocabulary, layer: Layer, text: str,
                   taken: list[Span]) -> None:
    """Every second-metric reading, in order (each sees what the ones before it left)."""
    settled_by_the_rows(out, layer)
    name_runs_on(out, layer, text)
    rate_is_the_share(out, layer, text)
    rate_of_part_and_whole(out, layer, text)
    part_said_with_its_whole(out, layer, text)
    drop_counting_phrases(out, layer, text)
    drop_repeated_nouns(out, matches, layer, text)
    keep_the_duration(out, text, layer)
    one_count_of_records(out, layer, text)
    count_where_members_are(out, layer)
    value_naming_a_metric(out, vocab, layer, text)
    value_said_with_its_metric(out, layer, text)
    latest_names_the_reading(out, layer, text)
    pieces_where_named(out, layer, text, taken)
    per_piece(out, layer, text)
    duration_of_each(out, layer, text)
    ratio_form_asked(out, layer, text)


def settled_by_the_rows(out: Parsed, layer: Layer) -> None:
    """'承诺交期在10月的那些采购单，准时率是多少': a name two metrics share (on-time rate: suppliers' or
    customers'), said with the rows one of them is computed over (POs), is that one; the rows say which."""
    if len(out.ambiguous_metrics) != 1 or len(out.metrics) != 1:
        return
    rows = out.metrics[0]
    tables = {m.table for m in layer.metric_measures(rows)}
    table = next(iter(tables)) if len(tables) == 1 else None
    if table is None or layer.count_metric(table) != rows:
        return
    key = list(layer.tables[table].primary_key or [])

    def same_rows(other: str) -> bool:  # the table itself, or one with the same rows (keyed alike)
        return other == table or (bool(key) and list(layer.tables[other].primary_key or []) == key)

    fits = [o for o in out.ambiguous_metrics[0] if any(same_rows(m.table) for m in layer.metric_measures(o))]
    if not fits:  # 'on-time rate of the work orders': neither is; the rows are no answer to it either
        out.metrics.clear()
        out.metric_spans.clear()
        return
    if len(fits) == 1:
        start, end, said = out.ambiguous_spans[0]
        out.metrics[:] = fits
        out.metric_spans = {fits[0]: (start, end)}
        out.matched_text[fits[0]] = said
        out.ambiguous_metrics.clear()
        out.ambiguous_spans.clear()


def name_runs_on(out: Parsed, layer: Layer, text: str) -> None:
    """'incoming lot rejection rate': a metric read from the words before another ('incoming lot') whose last
    word begins the other's longer name ('lot rejection rate') is that other metric's name, read short."""
    if len(out.metrics) < 2:
        return
    for a in list(out.metrics):
        sa = out.metric_spans.get(a)
        for b in out.metrics:
            sb = out.metric_spans.get(b)
            if a == b or sa is None or sb is None or not 0 <= sb[0] - sa[1] <= 1:
                continue
            if re.fullmatch(r"[a-z]+ed", text[sb[0]:sb[1]].strip()):
                continue  # 'good pieces produced': a participle after the name, not the rest of another's
            words = text[sa[0]:sa[1]].split()
            spec = layer.metric(b)
            names = {f.lower() for f in (spec.label.en, *spec.synonyms.en)}
            if any(" ".join([*words[i:], text[sb[0]:sb[1]]]).lower() in names for i in range(1, len(words))):
                out.metrics.remove(a)
                out.metric_spans.pop(a, None)
                return


def rate_is_the_share(out: Parsed, layer: Layer, text: str) -> None:
    """'what share of their deliveries made it by the date they promised': a rate named with the rows it is
    a share of is that share (the on-time rate), not a ratio of the rows to something else."""
    if len(out.metrics) != 2 or not share_asked(text):
        return
    kinds = {m: getattr(layer.unit(layer.metric(m).unit), "kind", None) for m in out.metrics}
    rates = [m for m, k in kinds.items() if k == "ratio"]
    counts = [m for m in out.metrics if m not in rates and all(x.agg == "count" for x in layer.metric_measures(m))]
    if len(rates) == 1 and len(counts) == 1 \
            and out.metric_spans.get(counts[0], (0, 0))[0] < out.metric_spans.get(rates[0], (0, 0))[0]:
        out.metrics.remove(counts[0])
        out.metric_spans.pop(counts[0], None)


def part_said_with_its_whole(out: Parsed, layer: Layer, text: str) -> None:
    """'how many good pieces did we make', '做了多少良品': the part of a rate (good output) and its whole
    (output, said by the verb 'make') in one clause, with no share word and nothing joining them, ask
    the part; 'output and good output', '产量和良品数' ask both."""
    if len(out.metrics) != 2 or share_asked(text):
        return
    own = {layer.metric(m).expr.strip(): m for m in out.metrics}
    for rate in layer.spec.metrics:
        if getattr(layer.unit(rate.unit), "kind", None) != "ratio" or "/" not in rate.expr:
            continue
        num, _, den = (x.strip() for x in rate.expr.partition("/"))
        if num in own and den in own and num != den \
                and same_clause(text, out.metric_spans.get(own[den]), out.metric_spans.get(own[num], (0, 0))):
            out.metrics.remove(own[den])
            out.metric_spans.pop(own[den], None)
            return


def value_said_with_its_metric(out: Parsed, layer: Layer, text: str) -> None:
    """'pieces shipped out the door': a member's word ('shipped', a sales order's status) right beside the
    one metric, inside that metric's own names ('shipped quantity'), says the metric again; as a filter of
    another table it would drop every partly shipped order."""
    if len(out.metrics) != 1:
        return
    metric = out.metrics[0]
    span = out.metric_spans.get(metric)
    tables = {m.table for m in layer.metric_measures(metric)}
    spec = layer.metric(metric)
    forms = [f.lower() for f in (spec.label.en, spec.label.zh, *spec.synonyms.all()) if f]
    if span is None:
        return
    def of_the_name(m: Match, terms: list[Term]) -> bool:
        if any(layer.dimension(t.ref).table in tables for t in terms):
            return False
        if _beside(text, (m.start, m.end), span):
            return any(holds(f, m.text.strip().lower()) for f in forms)
        # 'how many kg of material have we received': the metric's own verb, further off in its clause
        word = m.text.strip().lower()
        if word.isalpha() and same_clause(text, span, (m.start, m.end)) \
                and any(re.search(rf"\b{re.escape(word)}\b", f) for f in forms if " " in f):
            return True
        # 'what % of planned time were machines running': the word and the next are a piece of the name
        with_next = re.match(r"\s*[a-z]+", text[m.end:])
        phrase = (m.text + with_next.group(0)).strip().lower() if with_next else ""
        return bool(phrase) and " " in phrase and any(holds(f, phrase) for f in forms)

    out.values[:] = [(m, terms) for m, terms in out.values if not of_the_name(m, terms)]


# 'at the latest stock count', 'on the most recent weekly stock take', '最近一次库存盘点里': said after 'latest',
# a level's name is the reading it was taken at (the point in time), not a figure asked of it.
_LATEST_BEFORE = re.compile(r"(?:\b(?:latest|most\s+recent|newest|last|current)(?:\s+(?:weekly|monthly|daily))?\s+"
                            r"|(?:最近一次|最新一次|最近一期|最新一期|最新的|最新|上一次)(?:的|每周|周度)?)$")


def latest_names_the_reading(out: Parsed, layer: Layer, text: str) -> None:
    """'which material at which plant is under its safety level at the latest stock count': a level metric
    named only right after 'latest' beside another metric of the same rows is the snapshot those rows
    come from; the other is asked. Alone it stays the figure ('the latest on-hand stock')."""
    if len(out.metrics) < 2:
        return
    for m in [m for m in out.metrics if layer.is_level(m)]:
        span = out.metric_spans.get(m)
        if span is None or not _LATEST_BEFORE.search(text[max(0, span[0] - 24):span[0]]):
            continue
        if _said_elsewhere(out, m, layer, text, span) or any(
                side_by_side(out, m, o, text) or sentences_apart(out, m, o, text) for o in out.metrics if o != m):
            continue  # '最新一次库存快照里，MCU还剩多少？安全库存是多少？': asked again in its own words
        tables = {x.table for x in layer.metric_measures(m)}
        if any(o != m and _rows_read(layer, {x.table for x in layer.metric_measures(o)}) & tables for o in out.metrics):
            out.metrics.remove(m)
            out.metric_spans.pop(m, None)
            return


def _said_elsewhere(out: Parsed, metric: str, layer: Layer, text: str, span: Span) -> bool:
    """Another of the metric's names stands outside `span` and outside the other metrics' words."""
    spec = layer.metric(metric)
    others = [s for o, s in out.metric_spans.items() if o != metric]
    for form in {f.lower() for f in (spec.label.en, spec.label.zh, *spec.synonyms.all()) if f and len(f) > 1}:
        at = text.find(form)
        while at >= 0:
            end = at + len(form)
            if not (at < span[1] and span[0] < end) and not any(s <= at and end <= e for s, e in others) \
                    and (not form.isascii() or re.match(r"\b", text[at:]) is not None):
                return True
            at = text.find(form, at + 1)
    return False


def _rows_read(layer: Layer, tables: set[str]) -> set[str]:
    """The tables and the tables their derived SQL reads ('latest_inventory' reads inventory_snapshots)."""
    out = set(tables)
    for name in tables:
        spec = layer.tables.get(name)
        sql = getattr(spec, "sql", None)
        if sql:
            out |= {t.name for t in sqlglot.parse_one(sql).find_all(exp.Table)}
    return out


def _beside(text: str, a: Span, b: Span) -> bool:
    gap = text[a[1]:b[0]] if a[1] <= b[0] else text[b[1]:a[0]]
    return len(gap) <= 3 and not CLAUSE_BREAK.search(gap)
